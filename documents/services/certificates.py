"""Issuing, revoking and checking certificates (DOMAIN.md §7.1-7.3, §7.5).

A certificate is rendered from ``templates/documents/pdf/<kind>.html`` with the data certified at issue time
(kept in ``Certificate.data``), signed with the center's certificate (documents.pdf), archived (documents.services
.archive) and recorded, in one transaction. Every refusal happens before anything is written."""

import datetime
import hashlib
import re
import secrets
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.contributions import monthly_parts
from accounts.models import FundAccount
from core import audit, numbering, policy, roles
from core.business_date import today
from core.errors import Forbidden, InvalidInput, NotFound
from deposits.models import RemittanceLine, RemittanceList
from documents import pdf
from documents.models import Certificate, StatementDocument, VerificationLog
from documents.services import archive
from ledger.models import Hold
from loans.models import LoanContract

Kind = Certificate.Kind
ISSUE_ROLES = (roles.CLERK, roles.REVIEWER, roles.APPROVER, roles.SYSADMIN)
REVOKE_ROLES = (roles.CLERK, roles.APPROVER, roles.SYSADMIN)
VALIDITY_KEYS = {Kind.DEPOSIT: "documents.validity_deposit_months",
                 Kind.OTHER_PLACE: "documents.validity_other_place_months",
                 Kind.PAYOFF: "documents.validity_payoff_months"}
TEMPLATES = {Kind.DEPOSIT: "documents/pdf/deposit.html", Kind.OTHER_PLACE: "documents/pdf/other_place.html",
             Kind.PAYOFF: "documents/pdf/payoff.html"}
NUMBER_PREFIX = {Kind.DEPOSIT: "JC", Kind.OTHER_PLACE: "YD", Kind.PAYOFF: "JQ"}
MAX_MONTHS = 36
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 20
CODE_PATTERN = re.compile(rf"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")
PDF_MAGIC = b"%PDF-"
DOCUMENT_LANGUAGE = "zh-hans"


def new_code() -> str:
    """An unguessable verification code (20 characters from 32: 100 bits)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def verification_path(code: str) -> str:
    return reverse("verification:page", args=[code])


def _money(value) -> str:
    return f"{Decimal(value):,.2f}"


def _percent(ratio) -> str:
    return f"{(Decimal(ratio) * 100).normalize():f}%"


def _month(day) -> str:
    return f"{day.year}年{day.month:02d}月" if day else ""


def _date(day) -> str:
    return f"{day.year}年{day.month:02d}月{day.day:02d}日" if day else ""


# --- what a certificate certifies -----------------------------------------------------------------------------


def _status_box(account) -> str:
    """The tick box of the other-place certificate: 正常 / 封存 / 欠款 / 其他."""
    if account.status == FundAccount.Status.SEALED:
        return "sealed"
    if account.status == FundAccount.Status.NORMAL:
        last_month = (today().replace(day=1) - relativedelta(months=1))
        if account.paid_up_to and account.paid_up_to < last_month - relativedelta(months=1):
            return "arrears"
        return "normal"
    return "other"


def _loan_history(depositor) -> dict:
    """The depositor's fund loans: how many, how many paid off, and the tick box (none / one paid off / two or
    more paid off / an outstanding loan)."""
    contracts = list(LoanContract.objects.filter(borrower=depositor).exclude(
        status__in=[LoanContract.Status.CANCELLED]).values_list("status", flat=True))
    count = len(contracts)
    paid = sum(1 for s in contracts if s == LoanContract.Status.PAID_OFF)
    if count == 0:
        box = "none"
    elif paid == count:
        box = "one_paid" if count == 1 else "two_paid"
    else:
        box = "outstanding"
    return {"count": count, "paid_off": paid, "box": box}


def _continuous_period(account) -> tuple:
    """The months of the latest unbroken run of posted deposits: (first month, last month) or (None, None)."""
    months = list(RemittanceLine.objects.filter(account=account, posted=True).order_by("-month")
                  .values_list("month", flat=True).distinct()[:600])
    if not months:
        return None, None
    first = last = months[0]
    for month in months[1:]:
        if month != first - relativedelta(months=1):
            break
        first = month
    return first, last


def _person_and_account(account) -> dict:
    depositor = account.depositor
    employee, employer = monthly_parts(account.base, account.employee_ratio, account.employer_ratio)
    frozen = Hold.objects.filter(account=account.ledger_account, kind=Hold.Kind.JUDICIAL,
                                 status=Hold.Status.ACTIVE).exists() or account.status == FundAccount.Status.FROZEN
    loans = _loan_history(depositor)
    return {
        "name": depositor.name, "id_type": depositor.get_id_type_display(), "id_number": depositor.id_number,
        "account_number": account.number, "employer_name": account.employer.name if account.employer_id else "",
        "employer_number": account.employer.account_number if account.employer_id else "",
        "opened_on": _date(account.opened_on), "status": account.get_status_display(),
        "status_box": _status_box(account), "base": _money(account.base),
        "employer_ratio": _percent(account.employer_ratio), "employee_ratio": _percent(account.employee_ratio),
        "employer_part": _money(employer), "employee_part": _money(employee),
        "monthly_total": _money(employee + employer),
        "paid_up_to": _month(account.paid_up_to), "balance": _money(account.ledger_account.balance),
        "frozen": frozen, "loans": loans,
    }


def _deposit_months(account, months) -> list[dict]:
    lines = (RemittanceLine.objects.filter(account=account, posted=True)
             .select_related("remittance").order_by("-month", "-pk")[:months])
    return [{"month": _month(line.month), "kind": "补缴" if line.remittance.kind == RemittanceList.Kind.SUPPLEMENTARY
             else "汇缴", "base": _money(line.base), "employer": _money(line.employer_amount),
             "employee": _money(line.employee_amount), "amount": _money(line.amount)} for line in lines]


def _payoff_data(contract) -> dict:
    maturity = contract.installments.order_by("-due_date").values_list("due_date", flat=True).first()
    if contract.status == LoanContract.Status.WRITTEN_OFF:
        payoff_type = "核销还清"
    elif maturity and contract.closed_on and contract.closed_on < maturity:
        payoff_type = "提前还清"
    else:
        payoff_type = "正常还清"
    return {"contract_number": contract.number, "loan_account": contract.ledger_account.code
            if contract.ledger_account_id else "", "principal": _money(contract.principal),
            "disbursed_on": _date(contract.disbursed_on), "maturity": _date(maturity),
            "closed_on": _date(contract.closed_on), "payoff_type": payoff_type,
            "property_address": contract.application.property_address,
            "title_number": contract.collateral_title_number}


# --- issuing --------------------------------------------------------------------------------------------------


def _find_account(*, actor, account_number) -> FundAccount:
    account = (FundAccount.objects.visible_to(actor).filter(number=(account_number or "").strip())
               .select_related("depositor", "employer", "ledger_account").first())
    if account is None:
        raise NotFound(_("There is no fund account %(number)s.") % {"number": account_number})
    return account


def _validity(kind, issued_on, valid_until):
    months = policy.get(VALIDITY_KEYS[kind], on=issued_on)
    longest = issued_on + relativedelta(months=months) - datetime.timedelta(days=1) if months else None
    if valid_until is None:
        return longest
    if valid_until < issued_on:
        raise InvalidInput(_("The validity date %(date)s is in the past.") % {"date": valid_until},
                           fields={"valid_until": "past"})
    if longest is not None and valid_until > longest:
        raise InvalidInput(_("This certificate is valid at most until %(date)s.") % {"date": longest},
                           fields={"valid_until": "too_late"})
    return valid_until


def issue(*, actor, account_number, kind, months=12, valid_until=None, addressee="", contract_number="",
          base_url=None) -> Certificate:
    """Issue a certificate of ``kind`` for the account: by its depositor in the portal, or by counter staff.
    ``months``: how many months of deposits a deposit certificate lists; ``addressee``: the lending city's center
    of an other-place certificate; ``contract_number``: the paid-off loan of a payoff certificate; ``base_url``:
    the site address the QR code points to (default ``settings.PUBLIC_BASE_URL``)."""
    if roles.has_role(actor, *ISSUE_ROLES):
        channel = Certificate.Channel.COUNTER
    elif roles.has_role(actor, roles.DEPOSITOR):
        channel = Certificate.Channel.PORTAL
    else:
        raise Forbidden(_("Your role does not allow this action."))
    if kind not in Kind.values:
        raise InvalidInput(_("Unknown certificate kind."), fields={"kind": "invalid"})
    account = _find_account(actor=actor, account_number=account_number)
    contract = None
    if kind == Kind.PAYOFF:
        contract = (LoanContract.objects.filter(number=(contract_number or "").strip(), borrower=account.depositor)
                    .select_related("application", "ledger_account").first())
        if contract is None:
            raise InvalidInput(_("There is no loan contract %(number)s of this depositor.")
                               % {"number": contract_number}, fields={"contract_number": "unknown"})
        if contract.status not in (LoanContract.Status.PAID_OFF, LoanContract.Status.WRITTEN_OFF):
            raise InvalidInput(_("Loan %(number)s is not paid off.") % {"number": contract.number},
                               fields={"contract_number": "not_paid_off"})
    elif account.is_closed:
        raise InvalidInput(_("Account %(number)s is closed: no deposit certificate can be issued for it.")
                           % {"number": account.number}, fields={"account": "closed"})
    if kind == Kind.DEPOSIT and not (1 <= int(months or 0) <= MAX_MONTHS):
        raise InvalidInput(_("List between 1 and %(max)s months of deposits.") % {"max": MAX_MONTHS},
                           fields={"months": "range"})
    addressee = (addressee or "").strip()
    if kind == Kind.OTHER_PLACE and not addressee:
        raise InvalidInput(_("Name the housing provident fund center that grants the loan."),
                           fields={"addressee": "required"})
    issued_on = today()
    valid_until = _validity(kind, issued_on, valid_until)
    with translation.override(DOCUMENT_LANGUAGE):  # a certificate is in Chinese whoever issues it
        data, number, code, content = _render(actor=actor, account=account, kind=kind, months=months,
                                              addressee=addressee, contract=contract, channel=channel,
                                              issued_on=issued_on, valid_until=valid_until, base_url=base_url)

    with transaction.atomic():
        record = archive.append(kind=f"certificate.{kind}", reference=number, content=content)
        certificate = Certificate.objects.create(
            kind=kind, number=number, code=code, account=account, contract=contract, data=data, channel=channel,
            issued_by=actor, issued_at=timezone.now(), issued_on=issued_on, valid_until=valid_until,
            sha256=record.sha256, archive=record)
        audit.record(actor=actor, action="certificate.issue", obj=certificate,
                     after={"kind": kind, "number": number, "account": account.number,
                            "valid_until": str(valid_until or "")})
    return certificate


def _render(*, actor, account, kind, months, addressee, contract, channel, issued_on, valid_until, base_url):
    """(certified data, number, code, signed PDF bytes)."""
    data = _person_and_account(account)
    if kind == Kind.DEPOSIT:
        data["months"] = _deposit_months(account, int(months))
    elif kind == Kind.OTHER_PLACE:
        first, last = _continuous_period(account)
        data["addressee"] = addressee[:60]
        data["continuous_from"], data["continuous_to"] = _month(first), _month(last)
    else:
        data.update(_payoff_data(contract))

    sequence = numbering.reserve(f"certificate_{issued_on.year}")  # its own short lock; a gap is harmless
    number = f"{NUMBER_PREFIX[kind]}{issued_on:%Y%m%d}{sequence:06d}"
    code = new_code()
    url = (base_url or settings.PUBLIC_BASE_URL).rstrip("/") + verification_path(code)
    handler = actor.get_full_name() or actor.username if channel == Certificate.Channel.COUNTER else ""
    context = {"data": data, "number": number, "code": code, "url": url, "kind": kind,
               "title": str(Kind(kind).label), "center_name": settings.CENTER_NAME, "issued_on": _date(issued_on),
               "valid_until": _date(valid_until), "handler": handler,
               "seal": pdf.static_data_uri("documents/seal.svg"), "qr": pdf.qr_data_uri(url)}
    return data, number, code, pdf.sign_pdf(pdf.render_pdf(TEMPLATES[kind], context))


def pdf_bytes(certificate) -> bytes:
    """The exact bytes issued (from the archive)."""
    return bytes(certificate.archive.content)


@transaction.atomic
def revoke(*, actor, certificate, reason) -> Certificate:
    roles.require_role(actor, *REVOKE_ROLES)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Give the reason for the revocation."), fields={"reason": "required"})
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.revoked_at:
        raise InvalidInput(_("Certificate %(number)s is already revoked.") % {"number": certificate.number})
    certificate.revoked_at, certificate.revoked_by, certificate.revoke_reason = timezone.now(), actor, reason[:200]
    certificate.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    audit.record(actor=actor, action="certificate.revoke", obj=certificate, after={"reason": reason})
    return certificate


# --- public verification --------------------------------------------------------------------------------------


def check_upload(upload) -> bytes:
    """The bytes of an uploaded file that is a PDF within the size limit; InvalidInput otherwise."""
    if upload is None:
        raise InvalidInput(_("Choose the PDF file to check."), fields={"file": "required"})
    limit = settings.DOCUMENTS_UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise InvalidInput(_("The file is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024) or 1},
                           fields={"file": "too_large"})
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise InvalidInput(_("The file is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024) or 1},
                           fields={"file": "too_large"})
    if not data.startswith(PDF_MAGIC):
        raise InvalidInput(_("The file is not a PDF document."), fields={"file": "not_pdf"})
    return data


def matches(document, data: bytes) -> bool:
    """Whether ``data`` is exactly the document issued (a certificate or a statement PDF: the SHA-256 of the
    archived bytes), with its signature intact."""
    return hashlib.sha256(data).hexdigest() == document.sha256 and pdf.verify_pdf_signature(data)


def log_verification(*, document, action, state, matched=None, ip_address=None, user_agent=""):
    """Log one look at the verification page of ``document`` (a certificate or a statement PDF)."""
    target = {"statement_document": document} if isinstance(document, StatementDocument) else {"certificate": document}
    return VerificationLog.objects.create(**target, action=action, state=state, matched=matched,
                                          ip_address=ip_address, user_agent=(user_agent or "")[:200])
