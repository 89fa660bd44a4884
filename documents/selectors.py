"""Reads of issued certificates: the staff account page panel, the depositor's certificates and their
verification log, the public verification page (certificates and annual statement PDFs)."""

import datetime
import json

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from core import bounds, roles
from core.business_date import today
from core.errors import ApplicationError, InvalidInput
from core.models import BatchRun
from core.visibility import own_rows
from documents.models import AnnualStatement, Certificate, StatementDocument, VerificationLog
from documents.services.certificates import CODE_PATTERN, ISSUE_ROLES, REVOKE_ROLES
from documents.services.statement_pdfs import PDF_ROLES
from documents.services.statement_zips import JOB as ZIP_JOB
from documents.services.statements import JOB, run_key, year_bounds
from documents.statements import statement_context
from loans.models import LoanContract


def certificates(*, viewer, account=None):
    qs = Certificate.objects.visible_to(viewer).select_related("account", "account__depositor", "issued_by")
    return qs.filter(account=account) if account is not None else qs


def certificate(*, viewer, pk) -> Certificate:
    found = certificates(viewer=viewer).select_related("archive").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def paid_off_contracts(depositor):
    """The depositor's loans a payoff certificate can be issued for."""
    return list(LoanContract.objects.filter(
        borrower=depositor, status__in=[LoanContract.Status.PAID_OFF, LoanContract.Status.WRITTEN_OFF])
        .order_by("-closed_on").values_list("number", flat=True))


def account_panel(*, viewer, account):
    """The certificates panel of the staff account page (``settings.ACCOUNT_PAGE_PANELS``)."""
    if not roles.is_staff_user(viewer):
        return None
    return {"template": "documents/_account_certificates.html",
            "certificates": own_rows("account_certificates", viewer,
                                     lambda user, pk: certificates(viewer=user, account=pk)[:20], (account.pk,)),
            "can_issue": roles.has_role(viewer, *ISSUE_ROLES) and not account.is_closed,
            "can_revoke": roles.has_role(viewer, *REVOKE_ROLES), "today": today(),
            "can_statement": roles.has_role(viewer, *PDF_ROLES)}


def verification_log(*, viewer, limit=100):
    """Who looked at the viewer's certificates and statement PDFs (a depositor's own), newest first."""
    return list(VerificationLog.objects.visible_to(viewer).select_related("certificate", "statement_document")
                [:limit])


def by_code(code: str) -> Certificate | StatementDocument:
    """The certificate or annual statement PDF of a public verification code; 404 for an unknown or malformed
    code."""
    if not CODE_PATTERN.match(code or ""):
        raise Http404
    found = Certificate.objects.select_related("account__depositor").filter(code=code).first()
    if found is None:
        found = (StatementDocument.objects.select_related("statement__account__depositor")
                 .filter(code=code).first())
    if found is None:
        raise Http404
    return found


def mask_name(name: str) -> str:
    """张三 -> 张*, 张三丰 -> 张*丰, 欧阳娜娜 -> 欧**娜."""
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


STATEMENT_KIND = _l("Personal housing provident fund annual statement")


def public_view(document) -> dict:
    """The minimum a verifier is shown. An annual statement PDF has no expiry and no revocation: it is valid."""
    if isinstance(document, StatementDocument):
        return {"name": mask_name(document.statement.account.depositor.name), "kind": STATEMENT_KIND,
                "number": document.number, "issued_on": timezone.localdate(document.issued_at),
                "valid_until": None, "year": document.statement.year, "state": "valid",
                "period": year_bounds(document.statement.year)}
    certificate = document
    return {"name": mask_name(certificate.account.depositor.name), "kind": certificate.get_kind_display(),
            "number": certificate.number, "issued_on": certificate.issued_on, "valid_until": certificate.valid_until,
            "state": certificate.state_on(today())}


# Staff who read the statement runs and their failed identities; who start a run; who export for the audit.
RUN_READ_ROLES = roles.READ_ROLES
RUN_START_ROLES = (roles.FINANCE, roles.SYSADMIN)
AUDIT_ROLES = (roles.AUDITOR, roles.SYSADMIN)
# The longest period one export covers (the journal of one interest year, leap day included).
MAX_PERIOD_DAYS = 366


def statement_runs(*, viewer):
    roles.require_role(viewer, *RUN_READ_ROLES)
    return BatchRun.objects.filter(job=JOB).order_by("-id")


def failed_statements(*, viewer, year=None):
    """The statements whose identity fails (of ``year``, or of every year), with the account."""
    roles.require_role(viewer, *RUN_READ_ROLES)
    qs = AnnualStatement.objects.filter(identity_ok=False).select_related("account", "account__depositor")
    if year is not None:
        qs = qs.filter(year=year)
    return qs.order_by("-year", "account_id")


def latest_failed_year(*, viewer):
    run = statement_runs(viewer=viewer).filter(failed_items__gt=0).first()
    return run.params.get("year") if run else None


def statement_years(account, *, viewer):
    """The years for which ``account`` (already scoped to the viewer by the caller) has a statement."""
    return list(AnnualStatement.objects.filter(account=account).order_by("-year").values_list("year", flat=True))


def statement_page(account, asked, *, viewer) -> tuple[dict, str, str]:
    """The annual statement page of ``account`` (already scoped to the viewer) for the year ``asked`` (default: the
    latest one built), for the portal and the counter alike: (context, error message, notice)."""
    years = statement_years(account, viewer=viewer)
    context, error, notice = None, "", ""
    asked = asked or (years[0] if years else None)
    if asked is not None:
        try:
            context = statement_context(account, bounds.year(asked))
        except ApplicationError as exc:
            error = exc.message
    elif not years:
        notice = _("No annual statement has been issued for this account yet.")
    return {"account": account, "years": years, "s": context}, error, notice


def run_of_year(year):
    return BatchRun.objects.filter(key=run_key(year)).first()


# --- auditor exports ----------------------------------------------------------------------------------------


def period(start, end) -> tuple[datetime.date, datetime.date]:
    """A bounded period: both dates within the plausible window, start ≤ end, at most MAX_PERIOD_DAYS days."""
    if start is None or end is None:
        raise InvalidInput(_("Enter the first and the last day of the period."), code="bad_period")
    bounds.date(start)
    bounds.date(end)
    if start > end:
        raise InvalidInput(_("The first day is after the last day."), code="bad_period")
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise InvalidInput(_("One export covers at most %(n)d days.") % {"n": MAX_PERIOD_DAYS}, code="bad_period")
    return start, end


JOURNAL_HEADERS = (
    _l("Entry"),
    _l("Business date"),
    _l("Posted at"),
    _l("Business type"),
    _l("Entry memo"),
    _l("Source"),
    _l("Reversal of"),
    _l("Account code"),
    _l("Account name"),
    _l("Side"),
    _l("Amount"),
    _l("Line memo"),
)


def journal_lines(*, viewer, start, end):
    """(count, rows) of the journal lines of a period (by business date), entry by entry."""
    from ledger.models import JournalLine

    roles.require_role(viewer, *AUDIT_ROLES)
    start, end = period(start, end)
    qs = JournalLine.objects.filter(business_date__gte=start, business_date__lte=end).order_by(
        "business_date", "entry_id", "id"
    )
    rows = qs.values_list(
        "entry_id",
        "business_date",
        "entry__posted_at",
        "entry__business_type",
        "entry__memo",
        "entry__source",
        "entry__reversal_of_id",
        "account__code",
        "account__name",
        "side",
        "amount",
        "memo",
    )
    return qs.count(), rows.iterator(chunk_size=5000)


RECONCILIATION_HEADERS = (_l("Business date"), _l("Check"), _l("Result"), _l("Left"), _l("Right"), _l("Detail"))


def reconciliation_report(*, viewer, pk=None):
    """(run, rows) of a saved three-ledger reconciliation (the latest without ``pk``); None when there is none."""
    from ledger.models import ReconciliationRun

    roles.require_role(viewer, *AUDIT_ROLES)
    runs = ReconciliationRun.objects.order_by("-id")
    run = runs.filter(pk=pk).first() if pk is not None else runs.first()
    if run is None:
        return None, []
    report = run.report or {}
    rows = []
    for check in report.get("checks", []):
        result = "OK" if check.get("ok") else _("DIFFERENCE")
        rows.append(
            [
                str(run.business_date),
                check.get("title", check.get("name", "")),
                result,
                check.get("left", ""),
                check.get("right", ""),
                "",
            ]
        )
        for account in check.get("accounts", []):
            rows.append(
                [
                    str(run.business_date),
                    check.get("title", ""),
                    "OK" if account.get("ok") else _("DIFFERENCE"),
                    account.get("adjusted_bank", ""),
                    account.get("adjusted_book", ""),
                    json.dumps(account, ensure_ascii=False, sort_keys=True),
                ]
            )
        for diff in check.get("differences", []):
            detail = json.dumps(diff, ensure_ascii=False, sort_keys=True) if isinstance(diff, dict) else str(diff)
            rows.append([str(run.business_date), check.get("title", ""), _("DIFFERENCE"), "", "", detail])
    return run, rows


STATEMENT_HEADERS = (
    _l("Interest year ending in"),
    _l("Account number"),
    _l("Name"),
    _l("Opening balance"),
    _l("Regular deposits"),
    _l("Months"),
    _l("Back payments"),
    _l("Transfers in"),
    _l("Transfers out"),
    _l("Withdrawals"),
    _l("Withdrawals by reason"),
    _l("Interest"),
    _l("Other movements"),
    _l("Closing balance"),
    _l("Identity holds"),
    _l("Computed at"),
)


def statement_register(*, viewer, year):
    """(count, rows) of the statements issued for one interest year."""
    roles.require_role(viewer, *AUDIT_ROLES)
    year = bounds.year(year)
    qs = AnnualStatement.objects.filter(year=year).order_by("account__number")
    values = qs.values_list(
        "year",
        "account__number",
        "account__depositor__name",
        "opening",
        "regular",
        "regular_months",
        "back",
        "transfer_in",
        "transfer_out",
        "withdrawn",
        "withdrawals",
        "interest",
        "other",
        "closing",
        "identity_ok",
        "created_at",
    )
    rows = ([*r[:10], json.dumps(r[10], sort_keys=True), *r[11:]] for r in values.iterator(chunk_size=5000))
    return qs.count(), rows


# --- statement PDFs and ZIPs ----------------------------------------------------------------------------


def zip_runs(*, viewer):
    roles.require_role(viewer, *PDF_ROLES)
    return BatchRun.objects.filter(job=ZIP_JOB).select_related("started_by").order_by("-pk")


def zip_run(*, viewer, pk) -> BatchRun:
    run = zip_runs(viewer=viewer).filter(pk=pk).first()
    if run is None:
        raise Http404
    return run


CERTIFICATE_HEADERS = (
    _l("Certificate number"),
    _l("Kind"),
    _l("Account number"),
    _l("Name"),
    _l("Channel"),
    _l("Issued by"),
    _l("Issued at"),
    _l("Valid until"),
    _l("Revoked at"),
    _l("Revocation reason"),
    _l("SHA-256 of the PDF"),
)


def certificate_register(*, viewer, start, end):
    """(count, rows) of the certificates issued in a period (by issue date), in order of issue."""
    roles.require_role(viewer, *AUDIT_ROLES)
    start, end = period(start, end)
    qs = Certificate.objects.filter(issued_on__gte=start, issued_on__lte=end).order_by("issued_at", "id")
    kinds, channels = dict(Certificate.Kind.choices), dict(Certificate.Channel.choices)
    values = qs.values_list("number", "kind", "account__number", "account__depositor__name", "channel",
                            "issued_by__username", "issued_at", "valid_until", "revoked_at", "revoke_reason", "sha256")
    rows = ((r[0], str(kinds.get(r[1], r[1])), r[2], r[3], str(channels.get(r[4], r[4])), *r[5:])
            for r in values.iterator(chunk_size=5000))
    return qs.count(), rows
