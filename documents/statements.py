"""What an annual statement shows (DOMAIN.md §7.4): one dict for the portal page and the PDF template.

The figures are those the statement run stored (:class:`documents.models.AnnualStatement`); nothing is summed
again here except the display of the lines, whose signed amounts add up to closing − opening.
"""

from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from core import policy
from core.errors import NotFound
from documents.models import AnnualStatement
from documents.services.statements import COURT_DEDUCTION, OTHER_WITHDRAWAL, year_bounds


def reason_label(code: str) -> str:
    from withdrawals.models import Reason

    if code == COURT_DEDUCTION:
        return _("Court deduction")
    if code == OTHER_WITHDRAWAL:
        return _("Other withdrawals")
    try:
        return str(Reason(code).label)
    except ValueError:
        return code


def statement_of(account, year: int) -> AnnualStatement:
    statement = AnnualStatement.objects.filter(account=account, year=int(year)).first()
    if statement is None:
        raise NotFound(
            _("There is no annual statement of this account for the interest year ending in %(y)s.") % {"y": year},
            code="no_statement",
        )
    return statement


def statement_context(account, year) -> dict:
    """The statement of ``account`` (a FundAccount) for the interest year ending on June 30 of ``year``:
    the person, the account, the year's bounds, the lines in the order of the statement (opening, deposits,
    back payments, transfers, withdrawals by reason, interest, closing) and the deposit facts. Raises
    :class:`core.errors.NotFound` when the run has not produced it."""
    s = statement_of(account, year)
    start, end = year_bounds(s.year)
    withdrawals = [
        {"code": code, "label": reason_label(code), "amount": Decimal(amount)}
        for code, amount in sorted(s.withdrawals.items())
    ]

    def line(key, label, amount, sign):
        return {
            "key": key,
            "label": label,
            "amount": amount,
            "sign": sign,
            "signed": amount if sign == "+" else -amount,
        }

    lines = [
        line("regular", _("Regular deposits (%(n)d months)") % {"n": s.regular_months}, s.regular, "+"),
        line("back", _("Back payments"), s.back, "+"),
        line("transfer_in", _("Transfers in"), s.transfer_in, "+"),
        *[
            line(f"withdrawal_{w['code']}", _("Withdrawal: %(r)s") % {"r": w["label"]}, w["amount"], "-")
            for w in withdrawals
        ],
        line("transfer_out", _("Transfers out"), s.transfer_out, "-"),
        line("interest", _("Interest for the year"), s.interest, "+"),
    ]
    if s.other:
        lines.append(line("other", _("Other movements"), s.other, "+"))
    depositor = account.depositor
    return {
        "center_name": policy.get("center.name") or settings.CENTER_NAME,
        "statement": s,
        "year": s.year,
        "start": start,
        "end": end,
        "account": account,
        "depositor": depositor,
        "employer": account.employer,
        "opening": s.opening,
        "lines": lines,
        "withdrawals": withdrawals,
        "withdrawn": s.withdrawn,
        "regular_months": s.regular_months,
        "interest": s.interest,
        "closing": s.closing,
        "identity_ok": s.identity_ok,
        "base": s.base,
        "employer_ratio": s.employer_ratio,
        "employee_ratio": s.employee_ratio,
        "paid_up_to": s.paid_up_to,
        "computed_at": s.created_at,
    }
