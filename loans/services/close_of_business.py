"""The daily close of business of the loans (DOMAIN.md §5): overdue installments, penalty interest, the 121 → 122
move of overdue principal, the five-grade classification and the collection ladder, for each business date in
order.

**Dates.** :func:`close_business` closes every business date from the day after the last one closed up to the
business date (the first run closes only the business date): a missed night is caught up day by day, and each
date sees exactly what it would have seen on its own night. A date is a :mod:`core.batch` run (job
``loans.close_of_business``, key ``loan-cob:<date>``) over id-range chunks of the active loans, with its progress
on the run page; a chunk's work and its "done" mark commit together, so a crash resumes with the chunks not done
and nothing is posted twice (each chunk's entries also carry an idempotency key). A closed date is never run
again (:class:`loans.models.LoanCloseOfBusiness`).

**A chunk** (:func:`close_chunk`), set-based: the chunk's active loans are locked in id order (a repayment on one
of them waits, or is waited for: it is never lost and never charged twice), then

1. the unpaid installments past their due date and the grace days get the date they went overdue;
2. their penalty interest is brought to :func:`loans.services.repayments.penalty_so_far` for the days since the
   due date (the rounded cumulative total of :func:`loans.calculations.penalty_interest`, never less than what
   was paid): the day's accrual is the difference of two rounded totals, never a daily rounding, kept on the
   installments and posted for the chunk as one entry, debit 131 应收利息 / credit 403 罚息收入 (a payment then
   clears 131, :func:`loans.services.repayments.penalty_lines`);
3. each loan's 122 sub-account is brought to its overdue principal (one balanced entry for the chunk);
4. loans overdue for the policy number of periods are paid from the available balances (balance − holds: a court
   freeze is never touched) of the borrower's, the spouse's and the co-borrowers' fund accounts, penalty →
   overdue interest → overdue principal (one entry for the chunk, through the one allocation of a repayment);
   each amount drawn is recorded as a completed withdrawal of its account with reason 25 (through the setting
   ``LOAN_RECOVERY_WITHDRAWAL``, in the same transaction);
5. each loan's overdue figures (:class:`loans.models.LoanOverdueState`: days past due, periods now, consecutive and
   cumulative, overdue principal / interest / penalty) and its risk grade, with the history of every change;
6. the collection ladder: reminders before a due date, the first overdue reminder, the fund deduction, the
   defaulter list; each step on the loan's collection log and in the notification outbox.

Only installment rows due by the business date (plus the reminder days) are read: a loan's far-future
installments are never needed, and its principal outstanding is its 121 + 122 ledger balances.
"""

import dataclasses
import datetime
import json
from decimal import Decimal
from types import SimpleNamespace

from django.conf import settings as django_settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core import audit, batch, bounds, policy, roles
from core.actors import system_actor
from core.business_date import today
from core.errors import InvalidInput
from core.models import BatchChunk, BatchRun
from core.money import ZERO
from core.translatable import StoredText, message_json, message_of
from ledger import chart
from ledger.models import Account
from ledger.posting import credit, debit, post
from loans import calculations as calc
from loans.models import (
    CollectionLog,
    LoanCloseOfBusiness,
    LoanContract,
    LoanRepayment,
    RiskGrade,
)
from loans.services import repayments as rp
from loans.services.accrual import accrue_interest
from loans.services.close_of_business_sql import (
    ACCRUE_SQL,
    DEFAULTERS_SQL,
    FUND_SQL,
    GRADES_SQL,
    LOANS_SQL,
    LOG_SQL,
    MARK_SQL,
    NOTIFY_SQL,
    PAID_SQL,
    REMINDERS_SQL,
    ROWS_SQL,
    STATE_SQL,
)
from loans.services.schedules import extend_schedules

C = LoanContract.Status
ACTIVE = [C.NORMAL, C.OVERDUE]
JOB = "loans.close_of_business"
RUN_ROLES = (roles.FINANCE,)
REMINDER = gettext_noop("Reminder: an installment of your housing loan is due on %(d)s")
RECOVERY_REASON = "25"  # [YLGJJ] 025 强制扣划公积金还贷款: the withdrawal reason of a deduction for an overdue loan


def run_key(on: datetime.date) -> str:
    return f"loan-cob:{on.isoformat()}"


def last_closed() -> datetime.date | None:
    return (
        LoanCloseOfBusiness.objects.filter(status=LoanCloseOfBusiness.Status.DONE)
        .order_by("-business_date")
        .values_list("business_date", flat=True)
        .first()
    )


def dates_to_close(until: datetime.date) -> list[datetime.date]:
    """The business dates still to close up to ``until``, oldest first: the day after the last closed one (a
    date started and not finished comes first again), or only ``until`` when none was ever closed."""
    last = last_closed()
    start = until if last is None else last + datetime.timedelta(days=1)
    return [start + datetime.timedelta(days=n) for n in range((until - start).days + 1)]


def check_date(on) -> datetime.date:
    """A date the close may run for: a real date, not after the business date (the future has not happened)."""
    if not isinstance(on, datetime.date):
        raise InvalidInput(_("Give a date."), code="bad_date", fields={"on": [_("Give a date.")]})
    bounds.date(on)
    if on > today():
        message = _("%(d)s is after the business date %(t)s; a future date cannot be closed.") % {
            "d": on.isoformat(),
            "t": today().isoformat(),
        }
        raise InvalidInput(message, code="future_date", fields={"on": [message]})
    return on


def close_business(*, actor, until: datetime.date | None = None, chunk_size=5000) -> dict:
    """Close every business date not closed yet up to ``until`` (default: the business date), in order. Safe to
    run twice: closed dates are skipped, an interrupted date resumes. Returns {"dates": [...], "runs": [...]}."""
    roles.require_role(actor, *RUN_ROLES)
    until = check_date(until or today())
    done = []
    for on in dates_to_close(until):
        cob = close_date(on=on, actor=actor, chunk_size=chunk_size)
        done.append({"date": on.isoformat(), "run": cob.run_id, **cob.result})
    return {"dates": [d["date"] for d in done], "closed": done}


def start(*, on: datetime.date, actor, chunk_size=5000) -> LoanCloseOfBusiness:
    """Record the date's run and its chunks (idempotent). A date may be started only when the date before it is
    closed (or none was ever closed)."""
    roles.require_role(actor, *RUN_ROLES)
    check_date(on)
    last = last_closed()
    if last is not None and on > last + datetime.timedelta(days=1):
        message = _("Close %(d)s first: the dates are closed in order.") % {
            "d": (last + datetime.timedelta(days=1)).isoformat()
        }
        raise InvalidInput(message, code="date_gap", fields={"on": [message]})
    with transaction.atomic():
        cob, _created = LoanCloseOfBusiness.objects.get_or_create(business_date=on)
        if cob.run_id is None:
            active = LoanContract.objects.filter(status__in=ACTIVE)
            run, _c = batch.plan(
                job=JOB,
                key=run_key(on),
                ranges=batch.id_ranges(active, chunk_size),
                params={"on": on.isoformat()},
                actor=actor,
                total=active.count(),
            )
            cob.run = run
            cob.save(update_fields=["run"])
    return cob


def close_date(*, on: datetime.date, actor, chunk_size=5000) -> LoanCloseOfBusiness:
    """Close one business date: plan it, run its chunks not done, then record its figures. A closed date is
    returned as it is."""
    cob = LoanCloseOfBusiness.objects.filter(business_date=on).first()
    if cob is not None and cob.status == LoanCloseOfBusiness.Status.DONE:
        return cob
    # the installments due by the date are stored rows and their interest has fallen due (131) before the date's
    # chunks read them; both are idempotent
    extend_schedules(on=on)
    accrue_interest(actor=actor, on=on)
    cob = start(on=on, actor=actor, chunk_size=chunk_size)
    for chunk_id in batch.pending_chunks(cob.run):
        run_chunk(chunk_id)
    batch._finish_if_complete(cob.run_id)  # a date with no active loan has no chunk
    return finish(cob)


def run_chunk(chunk_id) -> int:
    chunk = BatchChunk.objects.select_related("run").get(pk=chunk_id)
    on = datetime.date.fromisoformat(chunk.run.params["on"])
    try:
        return batch.run_chunk(chunk_id, lambda lo, hi: close_chunk(chunk.run_id, on, lo, hi))
    except Exception as exc:
        batch.record_failure(chunk_id, exc)
        raise


@transaction.atomic
def finish(cob: LoanCloseOfBusiness) -> LoanCloseOfBusiness:
    cob = LoanCloseOfBusiness.objects.select_for_update().get(pk=cob.pk)
    if cob.status == LoanCloseOfBusiness.Status.DONE:
        return cob
    run = BatchRun.objects.get(pk=cob.run_id)
    if run.status != BatchRun.Status.DONE:
        return cob
    from loans.overdue_selectors import portfolio_figures

    counts = {k: v for k, v in (run.result or {}).items() if k != "queued_at"}
    cob.result = counts | {"figures": portfolio_figures(on=cob.business_date)}
    cob.status, cob.finished_at = LoanCloseOfBusiness.Status.DONE, timezone.now()
    cob.save(update_fields=["result", "status", "finished_at"])
    audit.record(actor=system_actor(), action="loan.close_of_business", obj=cob, after=counts)
    return cob


# --- one chunk ----------------------------------------------------------------------------------------------------


@dataclasses.dataclass(slots=True)
class _Row:
    """An unpaid installment as :func:`loans.services.repayments.dues` reads it, with the accrual."""

    id: int
    contract_id: int
    number: int
    due_date: datetime.date
    principal: Decimal
    interest: Decimal
    principal_paid: Decimal
    interest_paid: Decimal
    penalty_paid: Decimal
    penalty_accrued: Decimal
    annual_rate: Decimal
    interest_accrued_on: datetime.date | None


def _fetch(sql, params):
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def _exec(sql, params):
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.rowcount


def _js(rows) -> str:
    return json.dumps(rows, default=str)


def _consecutive(numbers) -> int:
    """The run of consecutive installment numbers ending with the latest overdue one."""
    run, previous = 0, None
    for n in sorted(numbers, reverse=True):
        if previous is not None and n != previous - 1:
            break
        run, previous = run + 1, n
    return run


def close_chunk(run_id, on: datetime.date, lo: int, hi: int) -> int:
    """The close of business of the loans with ids ``lo``..``hi`` on ``on`` (inside the chunk's transaction)."""
    s = policy.snapshot("overdue.", on=on)
    grace = s["overdue.grace_days"]
    cutoff = on - datetime.timedelta(days=grace)  # due before this: more than the grace days past due
    actor = system_actor()
    params = {"lo": lo, "hi": hi, "active": ACTIVE, "cutoff": cutoff, "grace1": grace + 1}
    active = len(
        _fetch(
            "SELECT id FROM loans_loancontract WHERE id BETWEEN %(lo)s AND %(hi)s"
            " AND status = ANY(%(active)s) ORDER BY id FOR UPDATE",
            params,
        )
    )
    # 1. installments that went overdue today (or on a missed date: the day after the grace days)
    newly: dict[int, int] = {}
    for (contract_id,) in _fetch(MARK_SQL, params):
        newly[contract_id] = newly.get(contract_id, 0) + 1
    # 2. penalty interest so far: the rounded cumulative total
    rows: dict[int, list[_Row]] = {}
    for values in _fetch(ROWS_SQL, params):
        row = _Row(*values)
        rows.setdefault(row.contract_id, []).append(row)
    accrued, accrual = [], ZERO
    for items in rows.values():
        for r in items:
            target = max(rp.penalty_so_far(r, (on - r.due_date).days, s), r.penalty_paid)
            if target != r.penalty_accrued:
                accrual += target - r.penalty_accrued
                accrued.append({"i": r.id, "a": str(target)})
                r.penalty_accrued = target
    if accrued:
        _exec(ACCRUE_SQL, [_js(accrued)])
    _post_penalty_accrual(on, lo, accrual, actor)
    loans = {}
    for cid, number, borrower, app, normal, overdue, nbal, obal, periods, cumulative, grade, user in _fetch(
        LOANS_SQL, params | {"ids": list(rows)}
    ):
        loans[cid] = SimpleNamespace(
            pk=cid,
            number=number,
            borrower_id=borrower,
            application_id=app,
            ledger_account_id=normal,
            overdue_account_id=overdue,
            normal=nbal,
            held=obal,
            periods=periods or 0,
            cumulative=(cumulative or 0) + newly.get(cid, 0),
            grade=grade or RiskGrade.NORMAL,
            user=user,
        )
    # 3. 122 = overdue principal: one entry for the chunk
    moved = _move_overdue_principal(on, lo, loans, rows, actor)
    # 4. deduction from the fund accounts after the policy number of overdue periods
    deducted = _deduct_from_funds(on, lo, loans, rows, s, actor)
    # 5. the overdue figures and grades
    states, changes, to_overdue, to_normal, logs, listed = [], [], [], [], [], []
    for cid, loan in loans.items():
        items = [r for r in rows.get(cid, []) if r.principal_paid < r.principal or r.interest_paid < r.interest]
        periods = len(items)
        dpd = (on - items[0].due_date).days if items else 0
        grade = calc.risk_grade(
            dpd,
            overdue=bool(items),
            substandard=s["overdue.grade_substandard_dpd"],
            doubtful=s["overdue.grade_doubtful_dpd"],
            loss=s["overdue.grade_loss_dpd"],
        )
        consecutive = _consecutive([r.number for r in items])
        states.append(
            {
                "c": cid,
                "d": dpd,
                "p": periods,
                "k": consecutive,
                "u": loan.cumulative,
                "pr": str(sum((r.principal - r.principal_paid for r in items), ZERO)),
                "i": str(sum((r.interest - r.interest_paid for r in items), ZERO)),
                "f": str(sum((r.penalty_accrued - r.penalty_paid for r in items), ZERO)),
                "g": grade,
                "o": str(loan.normal + loan.held),
            }
        )
        if grade != loan.grade:
            changes.append({"c": cid, "f": loan.grade, "t": grade, "d": dpd})
        (to_overdue if periods else to_normal).append(cid)
        if periods and not loan.periods:
            logs.append(
                {
                    "c": cid,
                    "k": CollectionLog.Kind.OVERDUE_NOTICE,
                    "a": str(sum((r.principal + r.interest - r.principal_paid - r.interest_paid for r in items), ZERO)),
                    "x": StoredText(gettext_noop("Installment %(n)s is overdue since %(d)s; please repay it with the "
                                                 "penalty interest."), n=items[0].number,
                                    d=(items[0].due_date + datetime.timedelta(days=grace + 1)).isoformat()),
                    "key": f"overdue:{cid}:{items[0].id}",
                }
            )
        if periods >= s["overdue.fund_deduction_periods"] > loan.periods:
            logs.append(
                {
                    "c": cid,
                    "k": CollectionLog.Kind.LETTER,
                    "a": str(sum((r.principal + r.interest - r.principal_paid - r.interest_paid for r in items), ZERO)),
                    "x": StoredText(gettext_noop("Written demand (催收通知书) to the borrower and the co-borrowers: "
                                                 "%(n)d periods overdue."), n=periods),
                    "key": f"letter:{cid}:{items[0].id}:{periods}",
                }
            )
        if periods and (
            consecutive >= s["overdue.default_list_consecutive"]
            or loan.cumulative >= s["overdue.default_list_cumulative"]
        ):
            listed.append({"c": cid, "k": consecutive, "u": loan.cumulative})
    if states:
        _exec(STATE_SQL, [on, _js(states)])
    if changes:
        _exec(GRADES_SQL, [on, _js(changes)])
    LoanContract.objects.filter(pk__in=to_overdue, status=C.NORMAL).update(status=C.OVERDUE)
    cured = LoanContract.objects.filter(pk__in=to_normal, status=C.OVERDUE).update(status=C.NORMAL)
    # 6. the collection ladder
    if listed:
        for (cid,) in _fetch(DEFAULTERS_SQL, [on, _js(listed)]):
            entry = next(x for x in listed if x["c"] == cid)
            logs.append(
                {
                    "c": cid,
                    "k": CollectionLog.Kind.DEFAULTER,
                    "a": "0",
                    "x": StoredText(gettext_noop("Put on the defaulter list: %(k)d consecutive, %(u)d cumulative "
                                                 "overdue periods."), k=entry["k"], u=entry["u"]),
                    "key": f"defaulter:{cid}:{on.isoformat()}",
                }
            )
    logs += deducted["logs"]
    if logs:
        _exec(LOG_SQL, [on, actor.pk, _js([{**log, "m": message_of(log["x"])} for log in logs])])
    reminders = _exec(
        REMINDERS_SQL,
        params
        | {
            "on": on,
            "due": on + datetime.timedelta(days=s["overdue.reminder_days_before"]),
            "actor": actor.pk,
            "text": StoredText(REMINDER, d="%(d)s"),  # the date is put in by the statement
            "text_key": REMINDER,
        },
    )
    _notify(on, lo, hi)
    _merge_result(
        run_id,
        {
            "loans": len(loans),
            "overdue": len(to_overdue),
            "became_overdue": len(set(newly)),
            "cured": cured,
            "accrued": accrual,
            "moved": moved[0],
            "moved_amount": moved[1],
            "deducted": deducted["amount"],
            "deductions": deducted["count"],
            "reminders": reminders,
            "grade_changes": len(changes),
            "listed": len(listed),
        },
    )
    return active


def _notify(on, lo, hi):
    from django.contrib.contenttypes.models import ContentType

    from accounts.models import Depositor

    _exec(
        NOTIFY_SQL,
        {
            "ctype": ContentType.objects.get_for_model(Depositor).pk,
            "lo": lo,
            "hi": hi,
            "on": on,
            "subject": (subject := StoredText(gettext_noop("Housing loan repayment"))),
            "subject_message": message_json(subject),
            "kinds": [
                CollectionLog.Kind.REMINDER,
                CollectionLog.Kind.OVERDUE_NOTICE,
                CollectionLog.Kind.FUND_DEDUCTION,
                CollectionLog.Kind.LETTER,
                CollectionLog.Kind.DEFAULTER,
            ],
        },
    )


def _post_penalty_accrual(on, lo, accrual, actor):
    """The chunk's penalty interest accrued today: the change of the rounded cumulative totals of its installments
    (never a day's penalty rounded on its own), debit 131 应收利息 / credit 403 罚息收入 — or back, when a partial
    payment lowered an installment's unpaid amount and so its penalty so far."""
    if not accrual:
        return
    memo = StoredText(gettext_noop("Penalty interest accrued %(d)s"), d=on.isoformat())
    receivable = Account.objects.get(code=chart.INTEREST_RECEIVABLE)
    income = Account.objects.get(code=chart.PENALTY_INCOME)
    if accrual > 0:
        lines = [debit(receivable, accrual, memo), credit(income, accrual, memo)]
    else:
        lines = [debit(income, -accrual, memo), credit(receivable, -accrual, memo)]
    post(
        lines=lines,
        memo=memo,
        actor=actor,
        idempotency_key=f"{run_key(on)}:{lo}:penalty",
        business_date=on,
        business_type="L08",
        source="loan-cob",
    )


def _move_overdue_principal(on, lo, loans, rows, actor) -> tuple[int, Decimal]:
    lines, total, count = [], ZERO, 0
    for cid, loan in loans.items():
        if loan.overdue_account_id is None:
            continue
        target = sum((r.principal - r.principal_paid for r in rows.get(cid, [])), ZERO)
        move = target - loan.held
        if move > 0:
            lines += [debit(loan.overdue_account_id, move), credit(loan.ledger_account_id, move)]
        elif move < 0:
            lines += [debit(loan.ledger_account_id, -move), credit(loan.overdue_account_id, -move)]
        loan.normal -= move
        loan.held = target
        total += abs(move)
        count += 1 if move else 0
    if lines:
        post(
            lines=lines,
            memo=StoredText(gettext_noop("Overdue principal classification %(d)s"), d=on.isoformat()),
            actor=actor,
            idempotency_key=f"{run_key(on)}:{lo}:moves",
            business_date=on,
            business_type="L05",
            source="loan-cob",
        )
    return count, total


def _deduct_from_funds(on, lo, loans, rows, s, actor) -> dict:
    """Pay the overdue installments of the loans overdue for the policy number of periods from the available
    balances of their parties' fund accounts: ONE entry for the chunk (debit each fund account, credit each loan's
    121 / 122 sub-accounts, 401 and 403), one :class:`loans.models.LoanRepayment` per loan paid."""
    from accounts.models import FundAccount

    out = {"amount": ZERO, "count": 0, "logs": []}
    periods = s["overdue.fund_deduction_periods"]
    due_loans = [
        cid
        for cid, loan in loans.items()
        if loan.ledger_account_id is not None
        and sum(1 for r in rows.get(cid, []) if r.principal_paid < r.principal or r.interest_paid < r.interest)
        >= periods
    ]
    if not due_loans:
        return out
    sources: dict[int, list[int]] = {}
    for cid, ledger_id in _fetch(FUND_SQL, {"ids": due_loans, "closed": list(FundAccount.CLOSED_STATUSES)}):
        if ledger_id not in sources.setdefault(cid, []):
            sources[cid].append(ledger_id)
    if not sources:
        return out
    locked = (
        Account.objects.select_for_update()
        .filter(pk__in=sorted({a for ids in sources.values() for a in ids}))
        .order_by("pk")
    )
    available = {a.pk: max(a.balance - a.held, ZERO) for a in locked}  # a court freeze is a hold: never touched
    lines, paid_rows, repayments, recoveries = [], [], [], []
    interest = receivable = penalty = penalty_receivable = ZERO
    for cid in due_loans:
        accounts = [a for a in sources.get(cid, []) if available.get(a, ZERO) > 0]
        if not accounts:
            continue
        loan, items = loans[cid], rows[cid]
        owed = [d for d in rp.dues(None, on=on, rows=items, settings=s) if d.overdue]
        total = sum((d.total for d in owed), ZERO)
        amount = min(total, sum((available[a] for a in accounts), ZERO))
        if amount <= 0:
            continue
        applied = rp.apply_to_rows(amount, owed, items)
        drawn, left = [], amount
        for a in accounts:
            take = min(available[a], left)
            if take > 0:
                drawn.append((a, take))
                available[a] -= take
                left -= take
        memo = StoredText(gettext_noop("Deduction from fund accounts for overdue loan %(n)s (reason %(r)s)"),
                          n=loan.number, r=RECOVERY_REASON)
        lines += [debit(a, take, memo) for a, take in drawn]
        recoveries += [{"ledger_account_id": a, "amount": take, "contract": loan.number} for a, take in drawn]
        after = sum(
            (r.principal - r.principal_paid for r in items if (on - r.due_date).days > s["overdue.grace_days"]), ZERO
        )
        lines += rp.loan_lines(loan, principal=applied.principal, overdue_after=after, memo=memo, held=loan.held)
        loan.normal -= applied.principal - (loan.held - after)
        loan.held = after
        interest += applied.interest
        receivable += applied.receivable
        penalty += applied.penalty
        penalty_receivable += applied.penalty_receivable
        paid_rows += [
            {
                "i": r.id,
                "p": str(r.principal_paid),
                "n": str(r.interest_paid),
                "f": str(r.penalty_paid),
                "a": str(r.penalty_accrued),
            }
            for r in applied.changed
        ]
        repayments.append((cid, amount, applied, drawn))
        out["amount"] += amount
        out["count"] += 1
        out["logs"].append(
            {
                "c": cid,
                "k": CollectionLog.Kind.FUND_DEDUCTION,
                "a": str(amount),
                "x": StoredText(gettext_noop("%(a)s deducted from the fund accounts for the overdue installments."),
                                a=amount),
                "key": f"fund:{cid}:{on.isoformat()}",
            }
        )
    if not lines:
        return out
    lines += rp.interest_lines(interest, receivable, "")  # the interest fallen due clears 131
    lines += rp.penalty_lines(penalty, penalty_receivable, "")  # so does the penalty accrued
    entry = post(
        lines=lines,
        memo=StoredText(gettext_noop("Deductions from fund accounts for overdue loans %(d)s (reason %(r)s)"),
                        d=on.isoformat(), r=RECOVERY_REASON),
        actor=actor,
        idempotency_key=f"{run_key(on)}:{lo}:funds",
        business_date=on,
        business_type="L05",
        source="loan-cob",
    )
    _exec(PAID_SQL, [_js(paid_rows)])
    # each amount drawn is a withdrawal of its account with the reason of a loan recovery (withdrawals records it)
    import_string(django_settings.LOAN_RECOVERY_WITHDRAWAL)(actor=actor, on=on, entry_id=entry.pk, items=recoveries)
    LoanRepayment.objects.bulk_create(
        [
            LoanRepayment(
                contract_id=cid,
                kind=LoanRepayment.Kind.INSTALLMENT,
                source=LoanRepayment.Source.FUND,
                paid_on=on,
                amount=amount,
                principal=applied.principal,
                interest=applied.interest,
                penalty=applied.penalty,
                allocation=[p.as_dict() for p in applied.parts],
                entry=entry,
                created_by=actor,
            )
            for cid, amount, applied, _drawn in repayments
        ]
    )
    return out


def _merge_result(run_id, counts):
    run = BatchRun.objects.select_for_update().get(pk=run_id)
    res = dict(run.result or {})
    for key, value in counts.items():
        if isinstance(value, Decimal):
            res[key] = str(Decimal(res.get(key, "0")) + value)
        else:
            res[key] = res.get(key, 0) + value
    run.result = res
    run.save(update_fields=["result"])
