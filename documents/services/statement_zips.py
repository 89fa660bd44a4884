"""One employer's annual statement PDFs for a year as one ZIP, built in the background.

Staff order it (:func:`start_zip`); the order is a batch run (core.batch) whose chunks are ranges of statement
ids: a chunk issues the chunk's PDFs (:func:`documents.services.statement_pdfs.issue_many`: already issued ones
are reused, the rest rendered together, signed and archived) and then marks itself done, so the run's progress
bar moves chunk by chunk and a stopped run resumes. Once every chunk is done the ZIP is written to the media
storage from the archived bytes (:func:`finish_zip`) and the run's result names the file.

Refused before anything is written: an unknown employer, a year whose interest is not settled or whose
statements are not built, an employer without statements that year, more statements than the policy allows.
"""

import os
import secrets
import tempfile
import zipfile

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Employer
from core import audit, batch, bounds, policy, roles
from core.errors import InvalidInput, NotFound, StateError
from core.models import BatchChunk, BatchRun
from documents.models import AnnualStatement, StatementDocument
from documents.services import statement_pdfs
from documents.services import statements as statement_runs

JOB = "documents.statement_zip"
CHUNK = 100
FOLDER = "statement-zips"
ACTIVE = (BatchRun.Status.PENDING, BatchRun.Status.RUNNING)


def _employer(number) -> Employer:
    number = str(number or "").strip()
    found = Employer.objects.filter(account_number=number).first() if 0 < len(number) <= 20 else None
    if found is None:
        raise NotFound(_("There is no employer with the account number %(n)s.") % {"n": number[:20]},
                       code="no_employer", fields={"employer": "unknown"})
    return found


def statements_of(*, employer_id, year):
    return AnnualStatement.objects.filter(year=year, account__employer_id=employer_id)


def start_zip(*, actor, employer_number, year) -> tuple[BatchRun, bool]:
    """Order the ZIP of ``employer_number``'s statements of ``year``: (run, queued). An order of the same
    employer and year still in progress is returned instead of a second one."""
    roles.require_role(actor, *statement_pdfs.PDF_ROLES)
    year = bounds.year(year)
    employer = _employer(employer_number)
    if not statement_runs.settled(year):
        raise StateError(_("The interest year ending on June 30, %(y)d is not settled yet: its statements do not "
                           "exist.") % {"y": year}, code="year_not_settled")
    run_done = BatchRun.objects.filter(key=statement_runs.run_key(year), status=BatchRun.Status.DONE).exists()
    if not run_done:
        raise StateError(_("The annual statements for %(y)d are not complete yet.") % {"y": year},
                         code="statements_not_built")
    active = (BatchRun.objects.filter(job=JOB, status__in=ACTIVE, params__employer=employer.pk, params__year=year)
              .order_by("-pk").first())
    if active is not None:
        return active, False
    statements = statements_of(employer_id=employer.pk, year=year)
    count = statements.count()
    if count == 0:
        raise InvalidInput(_("Employer %(n)s has no annual statements for %(y)d.")
                           % {"n": employer.account_number, "y": year}, code="no_statements")
    most = policy.get("documents.statement_zip_max")
    if count > most:
        raise InvalidInput(_("Employer %(n)s has %(c)d statements for %(y)d; one ZIP holds at most %(m)d.")
                           % {"n": employer.account_number, "c": count, "y": year, "m": most}, code="too_many")
    ranges = batch.id_ranges(statements, CHUNK)
    with transaction.atomic():
        run, _created = batch.plan(
            job=JOB, key=f"statement-zip:{employer.pk}:{year}:{secrets.token_hex(6)}", ranges=ranges, actor=actor,
            total=count, params={"employer": employer.pk, "employer_number": employer.account_number,
                                 "employer_name": employer.name, "year": year})
        audit.record(actor=actor, action="statements.zip_order", obj=run,
                     after={"employer": employer.account_number, "year": year, "statements": count})
    return run, _queue(run)


def _queue(run) -> bool:
    from documents.tasks import statement_zip as task  # tasks sit on top of services

    return batch.queue(run, task, run_id=run.pk)


def run_chunk(chunk_id: int) -> int:
    """Issue the PDFs of one chunk (outside any long transaction), then mark it done; a failure is recorded."""
    chunk = BatchChunk.objects.select_related("run", "run__started_by").get(pk=chunk_id)
    if chunk.status == BatchChunk.Status.DONE:
        return 0
    run = chunk.run
    try:
        statements = list(statements_of(employer_id=run.params["employer"], year=run.params["year"])
                          .filter(pk__gte=chunk.lo, pk__lte=chunk.hi).exclude(identity_ok=False)
                          .select_related("account", "account__depositor", "account__employer").order_by("pk"))
        statement_pdfs.issue_many(actor=run.started_by, statements=statements)
        items = batch.run_chunk(chunk_id, lambda lo, hi: len(statements))
    except Exception as exc:
        batch.record_failure(chunk_id, exc)
        raise
    finish_zip(run.pk)
    return items


def finish_zip(run_id: int) -> BatchRun:
    """Once every chunk is done: write the ZIP (once) from the archived PDFs and name it on the run."""
    run = BatchRun.objects.get(pk=run_id)
    if run.result.get("file") or run.chunks.exclude(status=BatchChunk.Status.DONE).exists():
        return run
    documents = {}
    for doc in (StatementDocument.objects.filter(statement__in=statements_of(employer_id=run.params["employer"],
                                                                             year=run.params["year"]))
                .select_related("statement__account").order_by("statement_id", "issued_at", "pk")):
        documents[doc.statement_id] = doc  # the latest issued of each statement
    fd, path = tempfile.mkstemp(suffix=".zip")
    try:
        with os.fdopen(fd, "wb") as handle, zipfile.ZipFile(handle, "w", zipfile.ZIP_STORED) as zf:
            for doc in documents.values():
                content = bytes(StatementDocument.objects.filter(pk=doc.pk).values_list("archive__content",
                                                                                          flat=True).get())
                zf.writestr(f"{doc.statement.account.number}-{run.params['year']}.pdf", content)
        size = os.path.getsize(path)
        with transaction.atomic():
            run = BatchRun.objects.select_for_update().get(pk=run_id)
            if run.result.get("file"):
                return run
            with open(path, "rb") as handle:
                name = default_storage.save(
                    f"{FOLDER}/{run.params['employer_number']}-{run.params['year']}-{secrets.token_hex(8)}.zip",
                    File(handle))
            run.result = {**run.result, "file": name, "documents": len(documents), "size": size,
                          "finished": timezone.now().isoformat()}
            run.save(update_fields=["result"])
    finally:
        os.unlink(path)
    return run


def open_zip(run: BatchRun):
    """The finished ZIP as an open file, or None while it is being built."""
    name = (run.result or {}).get("file")
    return default_storage.open(name, "rb") if name else None
