"""Celery entry points for documents. Tasks take ids and years and call one service."""

from celery import group, shared_task

from core import batch
from core.actors import system_actor
from core.business_date import today
from core.errors import StateError
from core.models import BatchRun
from deposits import calculations as deposit_calc
from documents.services import statements


@shared_task(name="documents.build_statements", time_limit=600, soft_time_limit=540)
def build_statements(year=None, chunk_size=statements.DEFAULT_CHUNK, actor_id=None):
    """Coordinator of the annual statements (年度对账单): plan the run, then fan out one task per pending chunk.

    ``year``: the calendar year in which the interest year ends; by default the last interest year that is over
    on the business date. A year whose interest is not settled yet is skipped (the yearly beat message runs
    daily in July, so the statements follow the settlement). With eager Celery the chunks run here, in order.
    """
    from django.contrib.auth import get_user_model

    if year is None:
        year = deposit_calc.interest_year(today())[0].year
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else system_actor()
    try:
        run, created = statements.plan_statements(year=int(year), actor=actor, chunk_size=int(chunk_size))
    except StateError as exc:
        return {"year": int(year), "skipped": exc.message}
    if run.status == BatchRun.Status.DONE:
        return {"run": run.pk, "year": int(year), "already_done": True, "chunks": 0}
    chunk_ids = batch.pending_chunks(run)
    if not chunk_ids:  # every chunk done, identities failed: compute those accounts again
        return {"run": run.pk, "year": int(year), "still_failing": statements.recheck(run)}
    group(build_statements_chunk.si(chunk_id) for chunk_id in chunk_ids).apply_async()
    return {"run": run.pk, "year": int(year), "already_done": False, "resumed": not created, "chunks": len(chunk_ids)}


@shared_task(name="documents.build_statements_chunk", time_limit=900, soft_time_limit=840)
def build_statements_chunk(chunk_id):
    """One chunk of the statements; skipped when the chunk is already done."""
    return {"chunk": chunk_id, "statements": statements.run_chunk(int(chunk_id))}


@shared_task(name="documents.resume_statement_runs", time_limit=300, soft_time_limit=270)
def resume_statement_runs():
    """Beat sweep: send the statement runs whose coordinator never reached the broker, or stalled."""
    return statements.resume_runs()


@shared_task(name="documents.statement_zip", time_limit=600, soft_time_limit=540)
def statement_zip(run_id):
    """Coordinator of an employer's ZIP of statement PDFs: one task per pending chunk; with every chunk done,
    write the ZIP. Safe to run twice (done chunks are skipped, the ZIP is written once)."""
    from documents.services import statement_zips

    run = BatchRun.objects.filter(pk=run_id, job=statement_zips.JOB).first()
    if run is None:
        return {"run": run_id, "missing": True}
    chunk_ids = batch.pending_chunks(run)
    if not chunk_ids:
        return {"run": run.pk, "file": statement_zips.finish_zip(run.pk).result.get("file")}
    group(statement_zip_chunk.si(chunk_id) for chunk_id in chunk_ids).apply_async()
    return {"run": run.pk, "chunks": len(chunk_ids)}


@shared_task(name="documents.statement_zip_chunk", time_limit=900, soft_time_limit=840)
def statement_zip_chunk(chunk_id):
    """One chunk of statement PDFs (issued or reused); the last one writes the ZIP."""
    from documents.services import statement_zips

    return {"chunk": chunk_id, "statements": statement_zips.run_chunk(int(chunk_id))}
