"""The collection work that follows the daily close of business (DOMAIN.md §5.4): staff record a call, a visit or
a written demand on a loan's collection log; accelerating a loan (宣布提前到期) and writing it off (核销) are
requested by one person and approved by another (core.workflow, four eyes). The automatic steps of the ladder
(reminders, the first overdue reminder, the fund deduction, the defaulter list) are taken by
:mod:`loans.services.close_of_business`.

* **Accelerate**: every installment not yet due is replaced by one installment of the whole principal still
  outstanding (the loan's 121 + 122 balances less the unpaid principal of the installments already due), due on
  the approval date; the daily job then treats it like any overdue installment.
* **Write-off**: the principal outstanding leaves the loan's 121 / 122 sub-accounts against the loan risk reserve
  (301), the unpaid installments are closed (superseded) and the loan is 已核销; its sub-accounts are closed.
"""

import datetime

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from core import audit, roles, workflow
from core.business_date import today
from core.errors import InvalidInput, StateError
from core.money import ZERO
from core.translatable import StoredText
from ledger import chart
from ledger.models import Account
from ledger.posting import credit, debit, post
from loans.models import CollectionLog, LoanActionRequest, LoanContract, ScheduleInstallment
from loans.services import repayments as rp
from loans.services.schedules import supersede_plans

C = LoanContract.Status
R = LoanActionRequest.State
RECORD_ROLES = (roles.LOAN_OFFICER, roles.FINANCE)
MANUAL_KINDS = (CollectionLog.Kind.CALL, CollectionLog.Kind.VISIT, CollectionLog.Kind.LETTER)

FLOW = workflow.Workflow(
    name="loan_action",
    states=dict(R.choices),
    transitions=[
        workflow.Transition(
            "approve",
            (R.REQUESTED,),
            R.APPROVED,
            (roles.APPROVER,),
            step=workflow.APPROVE,
            label=gettext_lazy("approve"),
        ),
        workflow.Transition(
            "reject",
            (R.REQUESTED,),
            R.REJECTED,
            (roles.APPROVER,),
            step=workflow.APPROVE,
            label=gettext_lazy("reject"),
        ),
    ],
)


def _bad(field, message, code):
    return InvalidInput(message, code=code, fields={field: [message]})


def _loan(contract) -> LoanContract:
    c = LoanContract.objects.select_for_update(of=("self",)).get(pk=contract.pk)
    if c.status not in rp.ACTIVE:
        raise StateError(
            _("Contract %(n)s is %(s)s.") % {"n": c.number, "s": c.get_status_display()}, code="loan_not_active"
        )
    return c


@transaction.atomic
def record_contact(*, actor, contract, kind, on, text) -> CollectionLog:
    """Record a call, a visit or a written demand on the loan's collection log. The date is not after the
    business date and not before the loan was disbursed."""
    roles.require_role(actor, *RECORD_ROLES)
    if kind not in MANUAL_KINDS:
        raise _bad("kind", _("Choose a call, a visit or a written demand."), "bad_kind")
    text = (text or "").strip()
    if not text or len(text) > 500:
        raise _bad("text", _("Write what was said or done (at most 500 characters)."), "bad_text")
    c = LoanContract.objects.select_for_update(of=("self",)).get(pk=contract.pk)
    if not isinstance(on, datetime.date) or on > today():
        raise _bad("on", _("The date cannot be after the business date."), "future_date")
    if c.disbursed_on is None or on < c.disbursed_on:
        raise _bad("on", _("The date cannot be before the loan was disbursed."), "before_loan")
    entry = CollectionLog.objects.create(contract=c, on=on, kind=kind, text=text, created_by=actor)
    audit.record(actor=actor, action="loan.collection.record", obj=c, after={"kind": kind, "on": on.isoformat()})
    return entry


@transaction.atomic
def request_action(*, actor, contract, kind, reason) -> LoanActionRequest:
    """Request to accelerate or write off a loan (a loan officer); another person approves it."""
    roles.require_role(actor, roles.LOAN_OFFICER)
    if kind not in LoanActionRequest.Kind.values:
        raise _bad("kind", _("Choose accelerate or write off."), "bad_kind")
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise _bad("reason", _("Give the reason (at most 500 characters)."), "bad_reason")
    c = _loan(contract)
    if c.status != C.OVERDUE:
        raise StateError(_("Only an overdue loan can be accelerated or written off."), code="not_overdue")
    if LoanActionRequest.objects.filter(contract=c, kind=kind, state=R.REQUESTED).exists():
        raise StateError(_("The same request is already waiting for approval."), code="request_open")
    req = LoanActionRequest.objects.create(
        contract=c, kind=kind, reason=reason, amount=_outstanding(c), requested_on=today()
    )
    workflow.start(FLOW, req, state=R.REQUESTED, actor=actor, action="request", step=workflow.ACCEPT, comment=reason)
    CollectionLog.objects.create(
        contract=c,
        on=today(),
        kind=CollectionLog.Kind.REQUEST,
        text=f"{req.get_kind_display()}: {reason}"[:500],
        created_by=actor,
    )
    audit.record(actor=actor, action="loan.action.request", obj=req, after={"kind": kind})
    return req


def _outstanding(c) -> "Account":
    ids = [a for a in (c.ledger_account_id, c.overdue_account_id) if a]
    return sum((a.balance for a in Account.objects.filter(pk__in=ids)), ZERO)


@transaction.atomic
def decide(*, actor, request, approve: bool, comment="") -> LoanActionRequest:
    """Approve (and carry out) or reject a request: an approver who is not the person who requested it."""
    req = LoanActionRequest.objects.select_for_update().get(pk=request.pk)

    def effect(locked):
        if approve:
            c = _loan(locked.contract)
            (_accelerate if locked.kind == LoanActionRequest.Kind.ACCELERATE else _write_off)(c, actor, locked)

    return workflow.apply(
        FLOW, req, action="approve" if approve else "reject", actor=actor, comment=comment, effect=effect
    )


def _accelerate(c, actor, req):
    on = today()
    rows = rp.open_rows(c)
    due = [r for r in rows if r.due_date <= on]
    later = [r for r in rows if r.due_date > on]
    if any(r.principal_paid or r.interest_paid for r in later):
        raise StateError(
            _("An installment not yet due is partly paid; the loan cannot be accelerated."),
            code="installment_partly_paid",
        )
    rest = _outstanding(c) - sum((r.principal - r.principal_paid for r in due), ZERO)
    if rest <= 0:
        raise StateError(_("Nothing is left to fall due on this loan."), code="nothing_to_accelerate")
    ScheduleInstallment.objects.filter(pk__in=[r.pk for r in later if r.pk]).update(superseded_on=on)
    supersede_plans([c.pk], on)  # what was to fall due later is due now: the plan is history
    number = max((r.number for r in rows), default=0) + 1 if not later else later[0].number
    ScheduleInstallment.objects.create(
        contract=c,
        number=number,
        due_date=on,
        principal=rest,
        interest=ZERO,
        payment=rest,
        balance=ZERO,
        annual_rate=c.annual_rate,
    )
    CollectionLog.objects.create(
        contract=c,
        on=on,
        kind=CollectionLog.Kind.ACCELERATE,
        amount=rest,
        text=_("The whole principal outstanding is due now."),
        created_by=actor,
    )
    audit.record(actor=actor, action="loan.accelerate", obj=c, after={"principal": str(rest)})


def _write_off(c, actor, req):
    on = today()
    accounts = Account.objects.filter(pk__in=[a for a in (c.ledger_account_id, c.overdue_account_id) if a])
    lines = [credit(a.pk, a.balance) for a in accounts if a.balance > 0]
    total = sum((a.balance for a in accounts), ZERO)
    if total <= 0:
        raise StateError(_("Nothing is left to write off on this loan."), code="nothing_to_write_off")
    lines.append(debit(Account.objects.get(code=chart.LOAN_RISK_RESERVE), total))
    # the interest fallen due and the penalty interest accrued and never received leave 131: they were income
    # that will not come
    in_force = list(ScheduleInstallment.objects.filter(contract=c, superseded_on__isnull=True))
    uncollected = sum((r.interest - r.interest_paid for r in in_force if r.interest_accrued_on is not None), ZERO)
    penalty = sum((max(r.penalty_accrued - r.penalty_paid, ZERO) for r in in_force), ZERO)
    if uncollected:
        lines.append(credit(Account.objects.get(code=chart.INTEREST_RECEIVABLE), uncollected))
        lines.append(debit(Account.objects.get(code=chart.LOAN_INTEREST_INCOME), uncollected))
    if penalty:
        lines.append(credit(Account.objects.get(code=chart.INTEREST_RECEIVABLE), penalty))
        lines.append(debit(Account.objects.get(code=chart.PENALTY_INCOME), penalty))
    post(
        lines=lines,
        memo=StoredText(gettext_noop("Write-off of loan %(n)s"), n=c.number),
        actor=actor,
        idempotency_key=f"loan-write-off:{c.pk}",
        business_date=on,
        business_type="L09",
        source=f"loan:{c.pk}",
    )
    ScheduleInstallment.objects.filter(contract=c, superseded_on__isnull=True).exclude(
        principal_paid=F("principal"), interest_paid=F("interest")
    ).update(superseded_on=on)
    supersede_plans([c.pk], on)
    c.status, c.closed_on = C.WRITTEN_OFF, on
    c.save(update_fields=["status", "closed_on", "updated_at"])
    rp.close_loan_accounts(c, actor)
    CollectionLog.objects.create(
        contract=c, on=on, kind=CollectionLog.Kind.WRITE_OFF, amount=total, text=req.reason[:500], created_by=actor
    )
    audit.record(actor=actor, action="loan.write_off", obj=c, after={"principal": str(total)})
