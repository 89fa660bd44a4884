"""Disbursement (放款, DOMAIN.md §4.8): finance pays a signed contract's principal to the payee its home allows
(a new home: only the developer's presale-funds supervision account), by a bank instruction; the loan's own
ledger sub-account under 121 委托贷款 is debited. The loan is 正常 when the bank confirms the payment; a failed
payment is reversed and the contract waits for disbursement again, with nothing lost."""

import re

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core import audit, roles, workflow
from core.business_date import today
from core.errors import Forbidden, InvalidInput, StateError
from core.translatable import StoredText
from ledger import chart
from ledger import services as ledger_services
from ledger.models import Account, BankInstruction
from loans import calculations as calc
from loans.models import EscrowAccount, LoanContract, PayeeKind, PropertyKind, Purpose, ScheduleInstallment
from loans.services.schedules import BATCH

C = LoanContract.Status
ACCOUNT_NUMBER = re.compile(r"^[0-9]{8,32}$")


def _bad(field, message):
    return InvalidInput(message, fields={field: [message]})


def allowed_payees(application) -> tuple[str, ...]:
    """The payee kinds a loan may be paid to (DOMAIN.md §4.8): a conversion pays the commercial bank, a new home
    only the presale-funds supervision account, a resale home the seller or an escrow account, a build or
    repair the borrower or the builder."""
    if application.purpose == Purpose.CONVERSION:
        return (PayeeKind.COMMERCIAL_BANK,)
    if application.property_kind == PropertyKind.NEW:
        return (PayeeKind.PRESALE_ESCROW,)
    if application.property_kind == PropertyKind.RESALE:
        return (PayeeKind.SELLER, PayeeKind.TRANSACTION_ESCROW)
    return (PayeeKind.BORROWER,)


def _check_payee(application, payee_kind, payee_name, payee_account, payee_bank):
    """The payee, checked: (kind, name, account, bank). An escrow payee must be a registered, active account of
    its kind; its registered name and bank are used."""
    allowed = allowed_payees(application)
    if payee_kind not in allowed:
        labels = "、".join(str(PayeeKind(k).label) for k in allowed)
        raise _bad("payee_kind", _("This loan may only be paid to: %(k)s.") % {"k": labels})
    account = (payee_account or "").strip() if isinstance(payee_account, str) else ""
    if not ACCOUNT_NUMBER.match(account):
        raise _bad("payee_account", _("The payee account number must be 8 to 32 digits."))
    escrow_kind = {
        PayeeKind.PRESALE_ESCROW: EscrowAccount.Kind.PRESALE,
        PayeeKind.TRANSACTION_ESCROW: EscrowAccount.Kind.TRANSACTION,
    }.get(payee_kind)
    if escrow_kind:
        escrow = EscrowAccount.objects.filter(number=account, kind=escrow_kind, active=True).first()
        if escrow is None:
            raise _bad(
                "payee_account",
                _("Account %(a)s is not a registered %(k)s; the loan cannot be paid to it.")
                % {"a": account, "k": EscrowAccount.Kind(escrow_kind).label},
            )
        return payee_kind, escrow.name, account, escrow.bank
    name = (payee_name or "").strip() if isinstance(payee_name, str) else ""
    if not name or len(name) > 120:
        raise _bad("payee_name", _("Give the payee's name (at most 120 characters)."))
    bank = (payee_bank or "").strip() if isinstance(payee_bank, str) else ""
    if len(bank) > 120:
        raise _bad("payee_bank", _("The bank name may have at most 120 characters."))
    if payee_kind == PayeeKind.COMMERCIAL_BANK and application.commercial_bank:
        # 商转公 pays off the commercial loan recorded on the application, at its bank and no other
        if bank and bank != application.commercial_bank:
            raise _bad(
                "payee_bank",
                _("A conversion pays the commercial bank recorded on the application: %(b)s.")
                % {"b": application.commercial_bank},
            )
        bank = application.commercial_bank
    return payee_kind, name, account, bank


def _ledger_account(contract) -> Account:
    """The loan's sub-account under 121 (opened with its overdue twin under 122 at the first disbursement)."""
    if contract.ledger_account_id:
        return contract.ledger_account
    for field, parent, label in (
        ("ledger_account", chart.ENTRUSTED_LOANS, "委托贷款"),
        ("overdue_account", chart.OVERDUE_LOANS, "逾期贷款"),
    ):
        account = ledger_services.open_sub_account(
            parent_code=parent,
            code=f"{parent}-L-{contract.number}",
            name=f"{label} {contract.number} {contract.borrower.name}",
            role=Account.Role.GENERAL,
        )
        setattr(contract, field, account)
    return contract.ledger_account


def fix_due_dates(contract, first_due) -> int:
    """Date the contract's schedule from ``first_due`` (the rule is :func:`loans.calculations.due_date`), in one
    bulk update. Returns the number of installments."""
    rows = list(ScheduleInstallment.objects.filter(contract=contract, superseded_on__isnull=True))
    for row in rows:
        row.due_date = calc.due_date(first_due, row.number)
    ScheduleInstallment.objects.bulk_update(rows, ["due_date"], batch_size=BATCH)
    return len(rows)


def _lock(contract) -> LoanContract:
    return (
        LoanContract.objects.select_for_update(of=("self",))
        .select_related("application", "borrower", "ledger_account", "disbursement")
        .get(pk=contract.pk)
    )


@transaction.atomic
def disburse(*, actor, contract: LoanContract, payee_kind, payee_account, payee_name="", payee_bank="") -> LoanContract:
    """放款: pay the principal of a signed contract to its payee. Finance only, and never a person who took a
    step of the application (four eyes). Debits the loan's ledger sub-account (opened now under 121), credits the
    bank and queues the bank instruction; the schedule is dated from today (first due one month later). Refused,
    with nothing written, for a contract that is not waiting for disbursement (already disbursed, paid off,
    ...), a payee its home does not allow, or an escrow account that is not registered."""
    roles.require_role(actor, roles.FINANCE)
    c = _lock(contract)
    if c.status != C.AWAITING_DISBURSEMENT:
        raise StateError(
            _("Only a contract awaiting disbursement can be disbursed; contract %(n)s is %(s)s.")
            % {"n": c.number, "s": c.get_status_display()},
            code="not_awaiting_disbursement",
        )
    took_steps = set().union(*workflow.step_actors(c.application).values())
    if actor.pk in took_steps:
        raise Forbidden(
            _("You took a step of this loan application; another finance person must disburse it."),
            code="same_person",
        )
    if not ScheduleInstallment.objects.filter(contract=c, superseded_on__isnull=True).exists():
        raise StateError(_("The contract has no schedule yet."), code="no_schedule")
    kind, name, account, bank = _check_payee(c.application, payee_kind, payee_name, payee_account, payee_bank)
    loan_account = _ledger_account(c)
    attempt = BankInstruction.objects.filter(source=f"loan:{c.pk}").count() + 1
    purpose = StoredText(gettext_noop("Loan disbursement %(n)s"), n=c.number)
    if kind == PayeeKind.COMMERCIAL_BANK and c.application.commercial_loan_number:
        purpose = StoredText(gettext_noop("Loan disbursement %(n)s, paying off commercial loan %(l)s"), n=c.number,
                             l=c.application.commercial_loan_number)
    instruction = ledger_services.create_payment(
        from_account=loan_account,
        amount=c.principal,
        bank_account=ledger_services.default_bank_account(),
        payee_name=name,
        payee_account=account,
        payee_bank=bank,
        purpose=purpose,
        actor=actor,
        idempotency_key=f"loan:{c.pk}:disburse:{attempt}",
        source=f"loan:{c.pk}",
        business_type="L01",
    )
    on = today()
    c.status, c.disbursed_on, c.disbursement = C.DISBURSING, on, instruction
    c.disbursed_at = timezone.now()
    c.first_due_date = on + relativedelta(months=1)
    c.payee_kind, c.payee_name, c.payee_account, c.payee_bank = kind, name, account, bank
    c.save()
    fix_due_dates(c, c.first_due_date)
    audit.record(
        actor=actor,
        action="loan_contract.disburse",
        obj=c,
        after={"amount": str(c.principal), "payee": name, "account": account, "first_due": str(c.first_due_date)},
    )
    return c


@transaction.atomic
def confirm_disbursement(*, actor, contract: LoanContract, bank_reference=None, value_date=None) -> LoanContract:
    """The bank paid the loan: its statement line is recorded and the loan is 正常."""
    roles.require_role(actor, roles.FINANCE)
    c = _lock(contract)
    if c.status != C.DISBURSING:
        raise StateError(_("Contract %(n)s has no disbursement waiting for the bank.") % {"n": c.number})
    instruction = c.disbursement
    if instruction.status == BankInstruction.Status.PENDING:
        ledger_services.settle_instruction(
            instruction=instruction,
            bank_reference=bank_reference or f"LOAN{instruction.pk:010d}",
            value_date=value_date,
            actor=actor,
        )
    c.status = C.NORMAL
    c.save(update_fields=["status", "updated_at"])
    audit.record(actor=actor, action="loan_contract.disbursed", obj=c, after={"instruction": instruction.reference})
    return c


@transaction.atomic
def fail_disbursement(*, actor, contract: LoanContract, reason) -> LoanContract:
    """The bank could not pay: the posting is reversed (the loan's ledger balance is 0 again) and the contract
    waits for disbursement, e.g. to a corrected account."""
    roles.require_role(actor, roles.FINANCE)
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if not reason or len(reason) > 200:
        raise _bad("reason", _("Give the reason (at most 200 characters)."))
    c = _lock(contract)
    if c.status != C.DISBURSING:
        raise StateError(_("Contract %(n)s has no disbursement waiting for the bank.") % {"n": c.number})
    if c.disbursement.status == BankInstruction.Status.PENDING:
        ledger_services.fail_instruction(instruction=c.disbursement, reason=reason, actor=actor)
    c.status, c.disbursed_on, c.disbursed_at = C.AWAITING_DISBURSEMENT, None, None
    c.save(update_fields=["status", "disbursed_on", "disbursed_at", "updated_at"])
    audit.record(actor=actor, action="loan_contract.disbursement_failed", obj=c, after={"reason": reason})
    return c


def sync_disbursements(*, actor) -> dict:
    """Move contracts whose disbursement instruction the bank settled or failed (e.g. ``simulate_bank``)."""
    done = {"settled": 0, "failed": 0}
    waiting = LoanContract.objects.filter(status=C.DISBURSING).exclude(
        disbursement__status=BankInstruction.Status.PENDING
    )
    for c in waiting.select_related("disbursement").order_by("pk"):
        if c.disbursement.status == BankInstruction.Status.SETTLED:
            confirm_disbursement(actor=actor, contract=c)
            done["settled"] += 1
        else:
            fail_disbursement(actor=actor, contract=c, reason=c.disbursement.failure_reason or _("Payment failed"))
            done["failed"] += 1
    return done


@transaction.atomic
def register_escrow_account(*, actor, kind, number, name, bank, project="") -> EscrowAccount:
    """Register a presale-funds supervision or transaction-funds escrow account the center may pay loans into."""
    roles.require_role(actor, roles.FINANCE)
    if kind not in EscrowAccount.Kind.values:
        raise _bad("kind", _("Choose the kind of account."))
    number = (number or "").strip() if isinstance(number, str) else ""
    if not ACCOUNT_NUMBER.match(number):
        raise _bad("number", _("The payee account number must be 8 to 32 digits."))
    fields = {}
    for field, value, limit in (("name", name, 120), ("bank", bank, 120), ("project", project, 200)):
        value = value.strip() if isinstance(value, str) else None
        if value is None or (not value and field != "project") or len(value) > limit:
            raise _bad(field, _("This field is required (at most %(n)d characters).") % {"n": limit})
        fields[field] = value
    if EscrowAccount.objects.filter(number=number).exists():
        raise _bad("number", _("This account is already registered."))
    escrow = EscrowAccount.objects.create(kind=kind, number=number, **fields)
    audit.record(actor=actor, action="loan_escrow.register", obj=escrow, after={"kind": kind, "number": number})
    return escrow
