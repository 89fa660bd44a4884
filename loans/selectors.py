"""Reads of the loans app: every query pages, the API and other modules need, scoped to the viewer.

:func:`verified_repayments` is the seam through which withdrawals learn what a depositor actually repaid on the
center's own loans (DOMAIN.md §3.4: a yearly repayment withdrawal ≤ principal and interest repaid). Withdrawals
may not import loans (the two sit side by side in the layers), so ``fund_center.settings`` names this function in
``LOAN_REPAYMENT_SOURCE`` and ``withdrawals.selectors.verified_loan_repayments`` calls it.
"""

from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.utils import timezone

from core import audit, policy, roles, workflow
from core.business_date import today
from core.money import ZERO
from loans import calculations as calc
from loans.models import (
    LoanApplication,
    LoanContract,
    LoanDocument,
    LoanDocumentType,
    LoanParty,
    LoanRepayment,
    ScheduleInstallment,
)
from loans.services.flow import FLOW


def verified_repayments(*, viewer, depositor, since, until) -> Decimal | None:
    """Principal and interest the depositor repaid on the center's loans from ``since`` to ``until`` (both
    included), as the center's own repayment records show: the loans on which the depositor is the borrower, the
    spouse or a co-borrower, visible to ``viewer``. ``None`` when the center holds no disbursed loan of theirs
    (then a loan-repayment withdrawal goes to a reviewer). Penalty interest is not a repayment of the loan."""
    parties = LoanParty.objects.filter(application=OuterRef("application_id"), depositor=depositor)
    contracts = LoanContract.objects.visible_to(viewer).filter(disbursed_on__isnull=False)
    contracts = contracts.filter(Q(borrower=depositor) | Q(Exists(parties)))
    if not contracts.exists():
        return None
    total = LoanRepayment.objects.filter(contract__in=contracts, paid_on__gte=since, paid_on__lte=until).aggregate(
        s=Sum(F("principal") + F("interest"))
    )["s"]
    return total or ZERO


# --- applications, contracts and schedules -------------------------------------------------------------------


def applications(*, viewer, state=None):
    """Loan applications the viewer may see (staff: all; a depositor: those they borrow on): the fast lane first
    (``loans.services.clocks``), then the oldest deadline."""
    qs = LoanApplication.objects.visible_to(viewer).select_related("borrower", "account")
    if state:
        qs = qs.filter(state=state)
    return qs.order_by(F("fast_lane").desc(), F("decision_due").asc(nulls_last=True), "id")


def decision_clock(app, *, on=None):
    """While a decision is pending: {"left": days until it is due} or {"overdue": days past it}; else None."""
    pending = (LoanApplication.State.ACCEPTED, LoanApplication.State.REVIEWED)
    if app.decision_due is None or app.state not in pending:
        return None
    days = (app.decision_due - (on or today())).days
    return {"left": days} if days >= 0 else {"overdue": -days}


FAST_CLOCK_STATES = (
    LoanApplication.State.SUBMITTED,
    LoanApplication.State.ACCEPTED,
    LoanApplication.State.REVIEWED,
    LoanApplication.State.APPROVED,
)


def fast_lane_hours(on=None) -> int:
    return policy.get("loans.fast_lane_hours", on=on or today())


def _disbursed_at(app):
    try:
        contract = app.contract
    except LoanContract.DoesNotExist:
        return None
    return contract.disbursed_at


def promise_clock(app, *, on=None, now=None, hours=None) -> dict | None:
    """The workbench's clocks of a case (``loans.services.clocks`` says how they count), or None:

    * ``decision`` while a decision is pending: calendar days elapsed since acceptance, the promise in days and
      whether the decision is late;
    * ``fast`` for a complete online application in the fast lane, from completion until the disbursement is
      sent: minutes elapsed, the promise in hours, whether it is late and whether the clock has stopped (paid).
    """
    state = LoanApplication.State
    on = on or today()
    out = {}
    if app.state in (state.ACCEPTED, state.REVIEWED) and app.accepted_on and app.decision_due:
        out["decision"] = {
            "elapsed": (on - app.accepted_on).days,
            "promise": (app.decision_due - app.accepted_on).days,
            "late": on > app.decision_due,
        }
    online = app.channel == LoanApplication.Channel.ONLINE
    paid_at = _disbursed_at(app) if app.state == state.APPROVED else None
    if online and app.fast_lane and app.completed_at and app.state in FAST_CLOCK_STATES:
        hours = hours if hours is not None else fast_lane_hours(on)
        end = paid_at or now or timezone.now()
        minutes = max(0, int((end - app.completed_at).total_seconds() // 60))
        out["fast"] = {
            "minutes": minutes,
            "elapsed": f"{minutes // 60}:{minutes % 60:02d}",
            "promise": hours,
            "late": minutes > hours * 60,
            "stopped": paid_at is not None,
        }
    return out or None


def documents(*, viewer, application):
    """The scanned documents of an application the viewer may see (staff, the borrower, the spouse, a
    co-borrower), oldest first."""
    return (
        LoanDocument.objects.visible_to(viewer)
        .filter(application_id=application.pk)
        .select_related("uploaded_by")
        .order_by("id")
    )


def document(*, viewer, number, pk):
    """One document of the application ``number``, if the viewer may see both; else None."""
    app = applications(viewer=viewer).filter(number=str(number)[:30]).first()
    if app is None:
        return None
    return documents(viewer=viewer, application=app).filter(pk=pk).first()


def documents_checklist(app) -> list[dict]:
    """Every required document type of the application with whether one is uploaded (for the pages)."""
    from loans.services.documents import required_types

    have = set(LoanDocument.objects.filter(application_id=app.pk).values_list("doc_type", flat=True))
    return [{"type": t, "label": LoanDocumentType(t).label, "present": t in have} for t in required_types(app)]


def application_case(*, viewer, pk) -> dict:
    """What a case page shows: the application, its spouse and co-borrowers, the stored assessment (every check
    and every limit component with its explanation), the decision clock, the steps taken and the actions the
    viewer may take now. A member of staff opening it is recorded (the borrower sees it among the views of their
    personal data). Raises ``LoanApplication.DoesNotExist`` for a case the viewer may not see."""
    app = applications(viewer=viewer).get(pk=pk)
    if roles.is_staff_user(viewer):
        audit.record_view(viewer=viewer, action="loan.view", obj=app, depositor_id=app.borrower_id, number=app.number)
    return {
        "application": app,
        "parties": list(app.parties.select_related("depositor")),
        "assessment": app.assessment,
        "clock": decision_clock(app),
        "promise": promise_clock(app),
        "documents": list(documents(viewer=viewer, application=app)),
        "checklist": documents_checklist(app),
        "history": list(workflow.history(app)),
        "actions": FLOW.actions_for(app, viewer),
    }


def schedule(*, viewer, contract_id) -> list:
    """The whole schedule in force of a contract the viewer may see, in order: the stored installments, then
    those its plan has beyond the horizon (``planned``; rows superseded by a prepayment or a payoff are history:
    admin shows them). Empty when the viewer may not see it."""
    return ScheduleInstallment.objects.visible_to(viewer).in_force_of(contract_id)


def rate_history(contract) -> list[dict]:
    """The contract's annual rate over time, oldest first: [{"since": date, "rate": Decimal, "reason": str}], one
    entry per change (the signed rate, then each repricing, DOMAIN.md §4.5) with the day it was recorded (the
    repricing job runs on January 1), from the contract's history. The
    caller has found ``contract`` through :func:`contracts` (the viewer may see it)."""
    out = []
    for when, rate, reason in contract.history.order_by("history_id").values_list(
        "history_date", "annual_rate", "history_change_reason"
    ):
        if not out or out[-1]["rate"] != rate:
            out.append({"since": timezone.localdate(when), "rate": rate, "reason": reason or ""})
    return out


def repayments(*, viewer, contract_id):
    """The repayments, prepayments and payoff of a contract the viewer may see, oldest first."""
    return LoanRepayment.objects.visible_to(viewer).filter(contract_id=contract_id).order_by("paid_on", "id")


def loan_overview(*, viewer, number, on=None) -> dict | None:
    """What the borrower's "my loan" page shows for a disbursed contract the viewer may see (the borrower, the
    spouse or a co-borrower): the contract, the principal outstanding, what is due next and what is overdue
    (``loans.services.repayments.amount_due``), each installment in force with its status (paid, overdue, due —
    the next one, or one within the grace days — or upcoming) and the repayments. ``None`` when there is no such
    contract."""
    from loans.services.repayments import ACTIVE, amount_due

    contract = contracts(viewer=viewer).filter(number=str(number)[:30], disbursed_on__isnull=False).first()
    if contract is None:
        return None
    on = on or today()
    rows = list(schedule(viewer=viewer, contract_id=contract.pk))
    owed = amount_due(contract=contract, on=on) if contract.status in ACTIVE else None
    dues = {d.number: d for d in owed["dues"]} if owed else {}
    for row in rows:
        due = dues.get(row.number)
        if row.principal_paid == row.principal and row.interest_paid == row.interest:
            row.state = "paid"
        elif due is not None and due.overdue:
            row.state = "overdue"
        elif due is not None:
            row.state = "due"
        else:
            row.state = "upcoming"
        row.penalty_owed = due.penalty if due is not None else ZERO
    upcoming = next((r for r in rows if r.state in ("due", "upcoming")), None)
    return {
        "contract": contract,
        "outstanding": sum((r.principal - r.principal_paid for r in rows), ZERO),
        "next": upcoming,
        "next_amount": (dues[upcoming.number].total if upcoming and upcoming.number in dues else None),
        "overdue": owed["overdue"] if owed else ZERO,
        "overdue_count": sum(1 for r in rows if r.state == "overdue"),
        "rows": rows,
        "repayments": list(repayments(viewer=viewer, contract_id=contract.pk)),
    }


def disbursed_contracts(*, viewer):
    """The disbursed loans the viewer borrows on (borrower, spouse or co-borrower), newest first."""
    return contracts(viewer=viewer).filter(disbursed_on__isnull=False).order_by("-disbursed_on", "-id")


def queue(*, viewer, filters=None):
    """The loan officer's list of applications (filtered by ``loans.filters.ApplicationFilter``)."""
    from loans.filters import ApplicationFilter

    qs = applications(viewer=viewer).select_related("created_by", "contract")
    return ApplicationFilter.apply(filters, qs)


def state_counts(*, viewer) -> list[dict]:
    """The workbench's queues: each state with the number of applications in it, in the workflow's order."""
    counts = dict(
        LoanApplication.objects.visible_to(viewer).values("state").annotate(n=Count("id")).values_list("state", "n")
    )
    return [{"state": s, "label": label, "count": counts.get(s, 0)} for s, label in LoanApplication.State.choices]


def contracts(*, viewer):
    return LoanContract.objects.visible_to(viewer).select_related("application", "borrower")


def schedule_preview(app) -> list:
    """The schedule the application would have at its requested amount, term, method and the assessed rate
    (``loans.calculations.schedule``, no due dates yet); empty before the rate is known."""
    if app.annual_rate is None:
        return []
    return calc.schedule(app.requested_amount, app.annual_rate, app.term_months, app.method)


def debit_runs(*, viewer):
    """The bank debit runs (finance), newest first, with their orders' counts and amounts by state."""
    from core.models import BatchRun
    from loans.services.debits import JOB

    roles.require_role(viewer, roles.FINANCE, roles.AUDITOR)
    d = "loan_debit_batches__debits"
    return (
        BatchRun.objects.filter(job=JOB)
        .annotate(
            orders=Count(d),
            amount=Sum(f"{d}__amount"),
            debited=Sum(f"{d}__debited"),
            paid=Count(d, filter=Q(**{f"{d}__status": "paid"})),
            partial=Count(d, filter=Q(**{f"{d}__status": "partial"})),
            failed=Count(d, filter=Q(**{f"{d}__status": "failed"})),
            open=Count(d, filter=Q(**{f"{d}__status": "sent"})),
        )
        .order_by("-id")
    )


def debit_batches(*, viewer, run=None):
    """The debit batches (finance, audit), of one run when given."""
    from loans.models import LoanDebitBatch

    roles.require_role(viewer, roles.FINANCE, roles.AUDITOR)
    batches = LoanDebitBatch.objects.select_related("statement_line__statement").order_by("id")
    return batches if run is None else batches.filter(run=run)


def debit_statements_waiting(*, viewer):
    """Imports of debit results whose bank credits wait for a second finance person."""
    from ledger.models import BankStatement

    roles.require_role(viewer, roles.FINANCE, roles.AUDITOR)
    return (
        BankStatement.objects.filter(status=BankStatement.Status.PENDING, lines__loan_debit_batch__isnull=False)
        .select_related("imported_by")
        .distinct()
        .order_by("id")
    )
PUBLIC_COMMENTS = ("return", "reject", "cancel")


def steps(app) -> list[dict]:
    """Every step of the case for the borrower's timeline, oldest first; the comment only where it is addressed
    to the borrower (the reason of a return, a rejection or a cancellation)."""
    states = dict(LoanApplication.State.choices)
    return [
        {
            "at": t.at,
            "action": t.action,
            "state": states.get(t.to_state, t.to_state),
            "comment": t.localized_comment if t.action in PUBLIC_COMMENTS else "",
        }
        for t in workflow.history(app)
    ]


def escrow_accounts(*, payee_kinds):
    """The active registered escrow accounts a loan with these allowed payee kinds may be paid into."""
    from loans.models import EscrowAccount, PayeeKind

    kinds = {PayeeKind.PRESALE_ESCROW: EscrowAccount.Kind.PRESALE, PayeeKind.TRANSACTION_ESCROW: "transaction"}
    wanted = [kinds[k] for k in payee_kinds if k in kinds]
    return EscrowAccount.objects.filter(active=True, kind__in=wanted).order_by("number")


# --- repaying from the fund (seams for withdrawals) and prepayment -----------------------------------------------


def offset_accounts(*, number) -> dict | None:
    """What withdrawals needs to set up 按月冲还贷 of a contract (``settings.LOAN_OFFSET_SOURCE``): {"contract",
    "active" (being repaid), "payment" (the next regular payment), "accounts": the open fund account ids of the
    borrower and the spouse, the borrower's first}; ``None`` for an unknown contract."""
    from loans.services.fund_repayments import fund_accounts
    from loans.services.repayments import ACTIVE

    contract = LoanContract.objects.filter(number=str(number)[:30]).first()
    if contract is None:
        return None
    row = (
        ScheduleInstallment.objects.filter(contract=contract, superseded_on__isnull=True)
        .exclude(principal_paid=F("principal"), interest_paid=F("interest"))
        .order_by("number")
        .first()
    )
    return {
        "contract": contract.number,
        "active": contract.status in ACTIVE,
        "payment": row.payment if row else ZERO,
        "accounts": [a.pk for a in fund_accounts(contract)],
    }


def fund_repayment_page(*, viewer, number, usable, amount=None, keep="term") -> dict | None:
    """The 一键还贷 preview of a contract the viewer borrows on (``loans.services.fund_repayments.fund_preview``)
    with ``usable`` (the viewer's own fund money usable for the loan, from withdrawals); ``None`` when the
    viewer may not see the contract or it is not being repaid."""
    from loans.services.fund_repayments import fund_preview
    from loans.services.repayments import ACTIVE

    contract = contracts(viewer=viewer).filter(number=str(number)[:30], status__in=ACTIVE).first()
    if contract is None:
        return None
    return {"contract": contract, **fund_preview(contract=contract, usable=usable, amount=amount, keep=keep)}


def prepayment_options(*, contract, amount, on=None) -> dict:
    """The prepayment calculator of a contract: prepaying ``amount`` now, both results — keep the term (the new
    payment) and keep the payment (the new number of months) — or the refusal (DOMAIN.md §4.7)."""
    from core.errors import ApplicationError
    from loans.services.repayments import open_rows, prepayment_result

    rows = open_rows(contract)
    out = {"amount": amount, "term": None, "payment": None, "error": ""}
    for keep in ("term", "payment"):
        try:
            out[keep] = prepayment_result(contract, rows=rows, amount=amount, keep=keep)[1]
        except ApplicationError as exc:
            out["error"] = exc.message
            return out
    return out


def prepayment_requests(*, viewer, contract_id=None, state=None):
    from loans.models import PrepaymentRequest

    qs = PrepaymentRequest.objects.visible_to(viewer).select_related("contract", "contract__borrower", "repayment")
    if contract_id is not None:
        qs = qs.filter(contract_id=contract_id)
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("-id")


def payoff_or_none(*, contract, on=None):
    """The payoff amount of a loan being repaid today (``loans.services.repayments.payoff_quote``), or ``None``
    when it is not being repaid or owes no principal."""
    from core.errors import ApplicationError
    from loans.services.repayments import ACTIVE, payoff_quote

    if contract.status not in ACTIVE:
        return None
    try:
        return payoff_quote(contract=contract, on=on)
    except ApplicationError:
        return None
