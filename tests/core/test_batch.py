import pytest

from core import batch
from core.actors import system_actor
from core.models import AuditEvent, BatchRun


def _events(n):
    for i in range(n):
        AuditEvent.objects.create(action="t", object_type="x", object_id=str(i))
    return AuditEvent.objects.filter(action="t")


def test_plan_is_idempotent_and_resume_skips_done_chunks(db):
    qs = _events(10)
    ranges = batch.id_ranges(qs, 4)
    assert [hi - lo for lo, hi in ranges] == [3, 3, 1]
    run, created = batch.plan(actor=system_actor(), job="demo", key="demo:2026", ranges=ranges, total=10)
    again, created_again = batch.plan(actor=system_actor(), job="demo", key="demo:2026", ranges=ranges, total=10)
    assert created and not created_again and again.pk == run.pk

    seen = []

    def work(lo, hi):
        rows = list(qs.filter(pk__range=(lo, hi)).values_list("object_id", flat=True))
        if "5" in rows:
            raise RuntimeError("crash in the middle")
        seen.extend(rows)
        return len(rows)

    chunks = batch.pending_chunks(run)
    batch.run_chunk(chunks[0], work)
    with pytest.raises(RuntimeError):
        batch.run_chunk(chunks[1], work)
    batch.record_failure(chunks[1], "crash in the middle")
    run.refresh_from_db()
    assert run.status == BatchRun.Status.FAILED and run.processed == 4 and run.percent == 40

    def resumed(lo, hi):
        rows = list(qs.filter(pk__range=(lo, hi)).values_list("object_id", flat=True))
        seen.extend(rows)
        return len(rows)

    for chunk_id in batch.pending_chunks(run):  # resume: the finished chunk is not run again
        batch.run_chunk(chunk_id, resumed)
    run.refresh_from_db()
    assert sorted(seen, key=int) == [str(i) for i in range(10)]
    assert run.status == BatchRun.Status.DONE and run.processed == 10 and run.percent == 100
    assert batch.run_chunk(chunks[0], work) == 0
