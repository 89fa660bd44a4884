"""Signing the contract of an approved application: the loan's terms from the approval, the collateral, and
its schedule stored at once (DOMAIN.md §4.1, §4.6). Disbursement comes next and moves the contract on."""

import datetime

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils.translation import gettext as _

from core import audit, numbering, roles
from core.business_date import today
from core.errors import Conflict, InvalidInput, StateError
from core.identity import luhn_ok
from loans.models import LoanApplication, LoanContract
from loans.services.schedules import write_schedules


def _number():
    return f"HT{today():%Y%m%d}{numbering.reserve('loan_contract'):08d}"


def _bad(field, message):
    return InvalidInput(message, fields={field: [message]})


def check_repayment_card(card, bank="") -> tuple[str, str]:
    """The borrower's repayment card for the monthly debit (a valid card number by its check digit) and its bank."""
    card = (card or "").replace(" ", "") if isinstance(card, str) else ""
    if not card.isdigit() or not luhn_ok(card):
        raise _bad("repayment_card", _("The repayment card number is not valid (12 to 19 digits, check digit)."))
    bank = (bank or "").strip() if isinstance(bank, str) else ""
    if len(bank) > 120:
        raise _bad("repayment_card_bank", _("The bank name may have at most 120 characters."))
    return card, bank


@transaction.atomic
def sign_contract(
    *,
    actor,
    application: LoanApplication,
    title_number: str,
    first_due_date=None,
    mortgage_registered_on=None,
    repayment_card="",
    repayment_card_bank="",
) -> LoanContract:
    """The contract of an approved application, signed today: the approved amount, rate, term and method, the
    mortgage on the home (its title number) and the schedule, first due one month after signing unless given
    (at most 31 days later). Refused, with nothing written, for an application that is not approved or that
    already has its contract."""
    roles.require_role(actor, roles.LOAN_OFFICER)
    app = LoanApplication.objects.select_for_update().get(pk=application.pk)
    if app.state != LoanApplication.State.APPROVED:
        raise StateError(
            _("Only an approved application gets a contract; this one is %(s)s.") % {"s": app.get_state_display()}
        )
    if LoanContract.objects.filter(application=app).exists():
        raise Conflict(_("This application already has its contract."), code="contract_exists")
    title = (title_number or "").strip()
    if not title or len(title) > 60:
        raise _bad("title_number", _("Give the property title number (at most 60 characters)."))
    signed_on = today()
    first_due = first_due_date or signed_on + relativedelta(months=1)
    if not isinstance(first_due, datetime.date) or not signed_on < first_due <= signed_on + datetime.timedelta(31):
        raise _bad("first_due_date", _("The first due date must be within 31 days after signing."))
    card = check_repayment_card(repayment_card, repayment_card_bank) if repayment_card else ("", "")
    if mortgage_registered_on is not None and mortgage_registered_on > signed_on:
        raise _bad("mortgage_registered_on", _("The mortgage registration date may not be in the future."))
    contract = LoanContract.objects.create(  # the application row is locked: no second signer gets here
        number=_number(),
        application=app,
        borrower_id=app.borrower_id,
        repayment_card=card[0],
        repayment_card_bank=card[1],
        principal=app.requested_amount,
        annual_rate=app.annual_rate,
        term_months=app.term_months,
        method=app.method,
        signed_on=signed_on,
        first_due_date=first_due,
        collateral_title_number=title,
        mortgage_registered_on=mortgage_registered_on,
    )
    schedule = write_schedules([contract])[contract.pk]
    audit.record(
        actor=actor,
        action="loan_contract.sign",
        obj=contract,
        after={
            "application": app.number,
            "principal": str(contract.principal),
            "rate": str(contract.annual_rate),
            "term": contract.term_months,
            "installments": schedule.installments,
            "interest": str(schedule.interest),
        },
    )
    return contract
