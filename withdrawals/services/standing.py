"""Standing monthly withdrawals (按月提取: rent, loan-repayment offset), DOMAIN.md §3.3–3.4.

The monthly run is a batch (:mod:`core.batch`, key ``standing:<YYYY-MM>``) over id-range chunks of the active
instructions. A chunk is set-based: a handful of queries read the instructions, their accounts, the deposits of
the last months, the registry and the bans; the personal ledger accounts are locked in primary-key order; the
month's applications are bulk-inserted (a unique constraint on instruction + month makes a second run a no-op);
ONE journal entry (:func:`ledger.posting.post_set`: debit every personal account, credit the bank) and ONE batch
bank instruction (批量代付: the payee cards are on the applications) carry the money. Ineligible instructions are
skipped and reported; instructions whose conditions ended are stopped.
"""

import datetime
import json

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts import contributions
from accounts.models import FundAccount
from core import audit, batch, numbering, policy, roles
from core.actors import system_actor
from core.business_date import today
from core.errors import Forbidden, InvalidInput, StateError
from core.models import BatchRun, CaseTransition
from core.money import ZERO
from core.translatable import StoredText, message_of
from ledger import services as ledger_services
from ledger.models import BankInstruction, Side
from ledger.posting import credit, debit, post, post_set
from withdrawals import rules
from withdrawals.models import Reason, StandingInstruction, WithdrawalApplication
from withdrawals.services import common as svc

W = WithdrawalApplication
SI = StandingInstruction
JOB = "withdrawals.run_standing"
REASON_OF = {SI.Kind.RENT: Reason.RENT, SI.Kind.LOAN_OFFSET: Reason.LOAN_REPAYMENT}


def run_key(month) -> str:
    return f"standing:{month:%Y-%m}"


@transaction.atomic
def create_standing(*, actor, account: FundAccount, kind, monthly_amount, payee_card, payee_name, starts_on=None,
                    ends_on=None, facts=None) -> StandingInstruction:
    """Set up a monthly withdrawal (the depositor online or a clerk). The ground is checked now, and again
    every month by the run."""
    account = FundAccount.objects.select_related("depositor").get(pk=account.pk)
    if not (svc._is_applicant(actor, account) or roles.has_role(actor, roles.CLERK)):
        raise Forbidden(_("Only a counter clerk or the depositor can set up a standing withdrawal."),
                        code="wrong_role")
    if kind not in SI.Kind.values:
        raise InvalidInput(_("Unknown kind of standing withdrawal."), fields={"kind": [_("Unknown.")]})
    amount = svc._money(monthly_amount, "monthly_amount")
    card = svc.check_card(card=payee_card, name=payee_name, depositor=account.depositor)
    on = today()
    facts = dict(facts or {})
    check_facts = {**facts, "months": 1}
    check_facts["monthly_rent" if kind == SI.Kind.RENT else "repaid"] = str(amount)
    if kind == SI.Kind.LOAN_OFFSET and svc._is_applicant(actor, account):
        check_facts["loan_kind"] = "center"
    outcome = rules.evaluate(reason=REASON_OF[kind], account=account, on=on, facts=check_facts)
    svc._refuse_if_ineligible(outcome)
    if kind == SI.Kind.LOAN_OFFSET and svc._is_applicant(actor, account) and not outcome.auto_approvable:
        # paid every month without review: online only on the center's own loan records, never a typed figure
        raise InvalidInput(_("A monthly loan offset can be set up online only for a loan the center's records "
                             "show; for other loans, set it up at the counter with the loan contract."),
                           fields={"kind": [_("Set it up at the counter.")]}, code="needs_review")
    if SI.objects.filter(account=account, kind=kind, status=SI.Status.ACTIVE).exists():
        raise StateError(_("This account already has an active standing withdrawal of this kind."),
                         code="duplicate_standing")
    starts_on = rules.month_start(starts_on or on)
    instr = SI.objects.create(account=account, kind=kind, monthly_amount=amount, payee_card=card,
                              payee_name=payee_name.strip(), starts_on=starts_on,
                              ends_on=rules.month_start(ends_on) if ends_on else None, facts=facts,
                              created_by=actor if getattr(actor, "pk", None) else None)
    audit.record(actor=actor, action="withdrawal.standing.create", obj=instr,
                 after={"kind": kind, "amount": amount, "starts_on": starts_on})
    return instr


@transaction.atomic
def stop_standing(*, actor, instruction, reason) -> StandingInstruction:
    instr = SI.objects.select_for_update().select_related("account__depositor").get(pk=instruction.pk)
    if not (roles.is_system(actor) or svc._is_applicant(actor, instr.account) or roles.has_role(actor, roles.CLERK)):
        raise Forbidden(_("Your role does not allow this action."), code="wrong_role")
    if instr.status != SI.Status.ACTIVE:
        raise StateError(_("This standing withdrawal is already stopped."), code="invalid_state")
    instr.status, instr.stop_reason = SI.Status.STOPPED, (reason or "")[:200]
    instr.save(update_fields=["status", "stop_reason"])
    audit.record(actor=actor, action="withdrawal.standing.stop", obj=instr, after={"reason": reason})
    return instr


# --- the monthly run ------------------------------------------------------------------------------------

def plan(*, month, actor, chunk_size=5000):
    month = rules.month_start(month)
    qs = SI.objects.filter(status=SI.Status.ACTIVE, starts_on__lte=month)
    return batch.plan(job=JOB, key=run_key(month), ranges=batch.id_ranges(qs, chunk_size),
                      params={"month": month.isoformat()}, actor=actor, total=qs.count())


def run_standing(*, month, actor, chunk_size=5000) -> dict:
    """Create and pay the month's standing withdrawals. Safe to run twice: a finished month does nothing, a
    stopped run resumes with the chunks not done. Returns the run's summary."""
    month = rules.month_start(month)
    run, _created = plan(month=month, actor=actor, chunk_size=chunk_size)
    for chunk_id in batch.pending_chunks(run):
        run_chunk(chunk_id)
    run.refresh_from_db()
    return run.result | {"run": run.pk, "status": run.status}


def run_chunk(chunk_id) -> int:
    from core.models import BatchChunk

    chunk = BatchChunk.objects.select_related("run").get(pk=chunk_id)
    month = datetime.date.fromisoformat(chunk.run.params["month"])
    return batch.run_chunk(chunk_id, lambda lo, hi: _process(chunk.run_id, month, lo, hi))


def _flags(month, lo, hi, need) -> dict:
    """{instruction id: (covered months of the last ``need``, owns a home, banned, month already done)} for the
    instructions of an id range: one statement, no id lists."""
    first, last = rules.add_months(month, -max(need, 1)), rules.add_months(month, -1)
    sql = (
        "SELECT si.id,"
        " (SELECT count(*) FROM (SELECT rl.month FROM deposits_remittanceline rl WHERE rl.account_id = fa.id"
        "   AND rl.posted AND rl.month >= %s AND rl.month <= %s UNION SELECT fm.month"
        "   FROM deposits_flexibledepositmonth fm WHERE fm.account_id = fa.id AND fm.posted AND fm.month >= %s"
        "   AND fm.month <= %s) AS c),"
        " EXISTS (SELECT 1 FROM withdrawals_propertyrecord p WHERE p.cancelled_on IS NULL"
        "   AND (p.owner_id_number = d.id_number OR p.owner_id_number = sp.id_number)),"
        " EXISTS (SELECT 1 FROM withdrawals_fraudban b WHERE b.depositor_id = d.id AND b.kind = 'withdrawal'"
        "   AND b.starts_on <= %s AND b.ends_on >= %s),"
        " EXISTS (SELECT 1 FROM withdrawals_withdrawalapplication w WHERE w.standing_id = si.id AND w.period = %s) "
        "FROM withdrawals_standinginstruction si JOIN accounts_fundaccount fa ON fa.id = si.account_id"
        " JOIN accounts_depositor d ON d.id = fa.depositor_id LEFT JOIN accounts_depositor sp ON sp.id = d.spouse_id "
        "WHERE si.id >= %s AND si.id <= %s")
    with connection.cursor() as cur:
        cur.execute(sql, [first, last, first, last, month, month, month, lo, hi])
        return {row[0]: (row[1], bool(row[2]), bool(row[3]), bool(row[4])) for row in cur.fetchall()}


def _process(run_id, month, lo, hi) -> int:
    p = policy.snapshot("withdrawals.", on=month)
    switch = rules.switch_date(month)
    rows = list(SI.objects.filter(pk__gte=lo, pk__lte=hi, status=SI.Status.ACTIVE, starts_on__lte=month).values(
        "id", "account_id", "kind", "monthly_amount", "payee_card", "payee_name", "ends_on", "facts", "loan_contract",
        "account__status", "account__ledger_account_id", "account__depositor_id", "account__opened_on",
        "account__base", "account__employee_ratio", "account__employer_ratio", "account__depositor__children",
        account_monthly=contributions.part("account__base", "account__employee_ratio")
        + contributions.part("account__base", "account__employer_ratio"),
    ).order_by("id"))
    flags = _flags(month, lo, hi, p["withdrawals.rent.min_continuous_months"])
    rows = [r for r in rows if not flags[r["id"]][3]]  # done: the month's withdrawal exists already
    skipped, stopped = [], []
    if not rows:
        _merge_result(run_id, 0, ZERO, skipped, stopped)
        return 0
    need = p["withdrawals.rent.min_continuous_months"]
    on = today()
    candidates, rent_caps = [], {}
    for r in rows:
        if r["ends_on"] and r["ends_on"] < month:
            stopped.append((r["id"], _("The instruction's last month has passed.")))
        elif r["account__status"] != FundAccount.Status.NORMAL:
            stopped.append((r["id"], _("The account is no longer in normal deposit status.")))
        elif r["kind"] == SI.Kind.RENT and flags[r["id"]][1]:
            stopped.append((r["id"], _("The real-estate registry now shows a home of the applicant or the spouse.")))
        elif flags[r["id"]][2]:
            skipped.append((r["id"], _("Withdrawals are banned after a fraud finding.")))
        elif r["kind"] == SI.Kind.RENT and flags[r["id"]][0] < need:
            skipped.append((r["id"], _("Deposits were not continuous for %(n)d months.") % {"n": need}))
        elif r["kind"] == SI.Kind.RENT and month < switch and not _above_income_share(r, p):
            skipped.append((r["id"], _("Before 2026-09-20 the rent must exceed the set share of income.")))
        else:
            cap = r["monthly_amount"]
            if r["kind"] == SI.Kind.RENT:
                rent_caps[r["account_id"]] = rules.rent_monthly_cap(
                    p, on=month, opened_on=r["account__opened_on"], children=r["account__depositor__children"],
                    monthly_deposit=r["account_monthly"])
                cap = min(cap, rent_caps[r["account_id"]])
            candidates.append((r, cap))
    left = rules.rent_yearly_left(rent_caps, on=on)  # one-off rent withdrawals of the last 12 months count too
    capped = []
    for r, cap in candidates:
        if r["kind"] == SI.Kind.RENT:
            cap = min(cap, left[r["account_id"]])
            if cap <= 0:
                skipped.append((r["id"], _("The yearly rent cap is used up.")))
                continue
        capped.append((r, cap))
    # 按月冲还贷 of the center's own loans first (the loan's contract is locked before the fund accounts)
    offsets = [(r, cap) for r, cap in capped if r["kind"] == SI.Kind.LOAN_OFFSET and r["loan_contract"]]
    candidates = [(r, cap) for r, cap in capped if not (r["kind"] == SI.Kind.LOAN_OFFSET and r["loan_contract"])]
    paid_offsets, total_offsets = _offset_chunk(month, offsets, skipped, stopped, p)
    paid, total = _pay_chunk(run_id, month, lo, hi, candidates, skipped, p)
    paid, total = paid + paid_offsets, total + total_offsets
    if stopped:
        SI.objects.bulk_update([SI(pk=i, status=SI.Status.STOPPED, stop_reason=str(t)[:200]) for i, t in stopped],
                               ["status", "stop_reason"])
    _merge_result(run_id, paid, total, skipped, stopped)
    return len(rows)


def _above_income_share(r, p):
    facts = r["facts"] or {}
    try:
        income = rules.to_decimal(facts.get("family_income") or "0")
    except ValueError:
        return False
    return income > 0 and r["monthly_amount"] > income * p["withdrawals.rent.income_share"]


def _lock_and_read(ledger_ids) -> dict:
    """Lock the ledger accounts in primary-key order (as the posting service does) and return their available
    balances, in one statement."""
    with connection.cursor() as cur:
        cur.execute("SELECT id, balance - held FROM ledger_account WHERE id = ANY(%s) ORDER BY id FOR UPDATE",
                    [sorted(set(ledger_ids))])
        return dict(cur.fetchall())


def _pay_chunk(run_id, month, lo, hi, candidates, skipped, p):
    if not candidates:
        return 0, ZERO
    bank = ledger_services.default_bank_account()
    ledger_ids = [r["account__ledger_account_id"] for r, _cap in candidates]
    balances = _lock_and_read([*ledger_ids, bank.ledger_account_id])
    keep = p["withdrawals.min_balance"]
    pay = []
    for r, cap in candidates:
        amount = min(cap, balances[r["account__ledger_account_id"]] - keep)
        if amount <= 0:
            skipped.append((r["id"], _("The available balance is not enough.")))
        else:
            pay.append((r, amount))
    if not pay:
        return 0, ZERO
    on = today()
    total = sum((amount for _r, amount in pay), ZERO)
    tag = f"{month:%Y-%m}"
    memo = StoredText(gettext_noop("Standing withdrawals %(m)s (%(n)d)"), m=tag, n=len(pay))
    actor = system_actor()
    entry = post_set(actor=actor, memo=memo, business_type="11", idempotency_key=f"standing:{tag}:{lo}-{hi}",
                     business_date=on, counter_account_id=bank.ledger_account_id, counter_side=Side.CREDIT,
                     rows=[(r["account__ledger_account_id"], amount) for r, amount in pay],
                     source=f"standing:{tag}", line_memo=memo)
    # ONE batch payment order (批量代付) for the chunk; each application carries its payee card.
    instruction = ledger_services.record_batch_payment(
        actor=actor, entry=entry, bank_account=bank, amount=total, count=len(pay),
        reference=f"BAT{month:%Y%m}{lo:010d}", purpose=memo, source=f"standing:{tag}:{lo}-{hi}")
    first = numbering.reserve("withdrawal", len(pay))
    numbers = [f"TQ{on:%Y%m%d}{first + i:08d}" for i in range(len(pay))]
    _insert_cases(pay, numbers, month, on, instruction)
    with connection.cursor() as cur:
        cur.execute("UPDATE withdrawals_standinginstruction SET last_month = %s WHERE id IN"
                    " (SELECT standing_id FROM withdrawals_withdrawalapplication WHERE instruction_id = %s)",
                    [month, instruction.pk])
    audit.record(actor=actor, action="withdrawal.standing.batch", obj=instruction,
                 after={"month": month, "count": len(pay), "total": total, "entry": entry.pk})
    return len(pay), total


def _offset_chunk(month, offsets, skipped, stopped, p):
    """The chunk's monthly offsets of the center's own loans: the loans module pays what each loan owes for the
    month from the accounts (``settings.LOAN_OFFSET_TARGET``: one entry per loan, fund accounts → loan, never
    more than the available balance less the minimum balance), then the month's cases are written set-based
    (completed at once: no bank payment)."""
    if not offsets:
        return 0, ZERO
    target = getattr(settings, "LOAN_OFFSET_TARGET", "")
    if not target:
        skipped.extend((r["id"], _("Repaying loans from the fund is not available.")) for r, _cap in offsets)
        return 0, ZERO
    items = [{"instruction": r["id"], "contract": r["loan_contract"], "account": r["account_id"],
              "ledger": r["account__ledger_account_id"]} for r, _cap in offsets]
    result = import_string(target)(month=month, items=items, keep_balance=p["withdrawals.min_balance"],
                                   actor=system_actor())
    skipped.extend(result["skipped"].items())
    stopped.extend(result["stopped"].items())
    pay = [(r, result["paid"][r["id"]][0]) for r, _cap in offsets if r["id"] in result["paid"]]
    if not pay:
        return 0, ZERO
    on = today()
    first = numbering.reserve("withdrawal", len(pay))
    numbers = [f"TQ{on:%Y%m%d}{first + i:08d}" for i in range(len(pay))]
    _insert_cases(pay, numbers, month, on, None,
                  loans={r["id"]: (r["loan_contract"], result["paid"][r["id"]][1]) for r, _a in pay})
    with connection.cursor() as cur:
        cur.execute("UPDATE withdrawals_standinginstruction SET last_month = %s WHERE id = ANY(%s)",
                    [month, [r["id"] for r, _a in pay]])
    total = sum((amount for _r, amount in pay), ZERO)
    audit.record(actor=system_actor(), action="withdrawal.standing.loan_offset", obj=None,
                 after={"month": month, "count": len(pay), "total": total})
    return len(pay), total


def _texts(month):
    comment = str(_("Standing withdrawal for %(m)s") % {"m": f"{month:%Y-%m}"})
    body = str(_("%(a)s of your standing withdrawal for %(m)s has been sent to your card ending %(c)s.")
               % {"a": "{a}", "m": f"{month:%Y-%m}", "c": "{c}"})
    return comment, str(_("Withdrawal paid")), body


def _offset_texts(month):
    comment = str(_("Monthly loan offset for %(m)s") % {"m": f"{month:%Y-%m}"})
    body = str(_("%(a)s of your fund balance repaid your loan for %(m)s.") % {"a": "{a}", "m": f"{month:%Y-%m}"})
    return comment, str(_("Loan repaid from your fund account")), body


def _insert_cases(pay, numbers, month, on, instruction, loans=None):
    """The month's applications, their transitions and the depositors' notices: one INSERT … SELECT FROM
    unnest() per table; the history rows are derived in SQL. ``loans``: {instruction id: (contract number, loan
    repayment id)} for the monthly offsets of the center's loans, paid to the loan (completed, no bank
    instruction) instead of to a card."""
    ct = ContentType.objects.get_for_model(W).pk
    dep_ct = ContentType.objects.get(app_label="accounts", model="depositor").pk
    comment, subject, body = _offset_texts(month) if loans else _texts(month)
    state, last_state = (W.State.CLOSED, "closed") if loans else (W.State.PAID, "paid")
    facts = json.dumps({"month": month.isoformat()})
    cols = list(zip(*[(numbers[i], r["account_id"], r["account__depositor_id"], REASON_OF[r["kind"]], amount,
                       r["payee_card"], r["payee_name"],
                       "loan_offset:center" if loans else f"standing:{r['kind']}", r["id"],
                       json.dumps({"month": month.isoformat(), "loan_kind": "center", "loan_contract":
                                   loans[r["id"]][0], "loan_repayment": loans[r["id"]][1]}) if loans else facts)
                      for i, (r, amount) in enumerate(pay)], strict=True))
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO withdrawals_withdrawalapplication (number, account_id, depositor_id, reason, channel, state, "
            " application_date, facts, amount_requested, amount_approved, interest_paid, closes_account, effect, "
            " payee_card, payee_name, payee_bank, accepted_on, decided_on, auto_rule, refusal_reason, "
            " instruction_id, payments, standing_id, period, created_at, updated_at) "
            "SELECT t.number, t.account_id, t.depositor_id, t.reason, %s, %s, %s, t.facts::jsonb, t.amount, t.amount, "
            " 0, false, '{}'::jsonb, t.card, t.name, '', %s, %s, t.rule, '', %s, 1, t.standing_id, %s, now(), now() "
            "FROM unnest(%s::text[], %s::bigint[], %s::bigint[], %s::text[], %s::numeric[], %s::text[], %s::text[], "
            " %s::text[], %s::bigint[], %s::text[]) AS t(number, account_id, depositor_id, reason, amount, card, name, "
            " rule, standing_id, facts)",
            [W.Channel.STANDING, state, on, on, on, getattr(instruction, "pk", None), month,
             *[list(c) for c in cols]])
        cur.execute(
            "INSERT INTO core_casetransition (case_type_id, case_id, action, from_state, to_state, step, actor_id, "
            " rule, comment, at, business_date) "
            "SELECT %s, w.id, x.action, x.from_state, x.to_state, x.step, NULL, "
            " CASE WHEN x.action = 'create' THEN w.auto_rule ELSE '' END, "
            " CASE WHEN x.action = 'create' THEN %s ELSE '' END, now(), %s "
            "FROM withdrawals_withdrawalapplication w CROSS JOIN (VALUES (1, 'create', '', 'approved', 'approve'), "
            " (2, 'pay', 'approved', %s, '')) AS x(n, action, from_state, to_state, step) "
            "WHERE w.number = ANY(%s) ORDER BY w.id, x.n",
            [ct, comment, on, last_state, list(numbers)])
        cur.execute(
            "INSERT INTO core_notification (user_id, recipient_type_id, recipient_id, channel, address, subject, "
            " body, key, created_at, sent_at, read_at, error) "
            "SELECT NULL, %s, w.depositor_id, 'inbox', '', %s, "
            " replace(replace(%s, '{a}', to_char(w.amount_approved, 'FM999,999,999,999,990.00')), '{c}', "
            " right(w.payee_card, 4)), 'withdrawal:' || w.id || ':paid:1:inbox', now(), now(), NULL, '' "
            "FROM withdrawals_withdrawalapplication w WHERE w.number = ANY(%s) ORDER BY w.id",
            [dep_ct, subject, body, list(numbers)])


def _merge_result(run_id, paid, total, skipped, stopped):
    run = BatchRun.objects.select_for_update().get(pk=run_id)
    res = run.result or {}
    res["paid"] = res.get("paid", 0) + paid
    res["amount"] = str(rules.to_decimal(res.get("amount", "0")) + total)
    res.setdefault("skipped", []).extend([{"instruction": i, "reason": str(t)} for i, t in skipped])
    res.setdefault("stopped", []).extend([{"instruction": i, "reason": str(t)} for i, t in stopped])
    run.result = res
    run.save(update_fields=["result"])


# --- the bank's answer for a batch ------------------------------------------------------------------------

@transaction.atomic
def settle_batch(*, instruction, bank_reference=None, actor, failed=None) -> int:
    """The bank paid a batch: settle the instruction and complete its applications (办结).

    ``failed``: {application id: the bank's reason} for the payees the bank could not pay (a closed card, a name
    that does not match). It paid the others; each failed payee's amount is posted back to the fund account
    it came from and the case reopens (approved) to be paid again on its own, e.g. to a corrected card."""
    failed = {int(k): str(v) for k, v in (failed or {}).items()}
    returned = list(W.objects.select_for_update().select_related("account")
                    .filter(instruction=instruction, state=W.State.PAID, pk__in=list(failed)).order_by("pk"))
    if len(returned) != len(failed):
        raise InvalidInput(_("Some of the failed payees are not unpaid cases of this batch."), code="not_in_batch")
    if returned and instruction.status != BankInstruction.Status.PENDING:
        raise StateError(_("The bank has already answered for this batch."), code="invalid_state")
    total_returned = sum((app.amount_approved for app in returned), ZERO)
    if instruction.status == BankInstruction.Status.PENDING:
        ledger_services.settle_instruction(instruction=instruction,
                                           bank_reference=bank_reference or f"BANK{instruction.pk:010d}",
                                           actor=actor, paid=instruction.amount - total_returned)
    if returned:  # one entry gives every returned amount back to its fund account
        post(lines=[debit(instruction.bank_account.ledger_account_id, total_returned)]
             + [credit(app.account.ledger_account_id, app.amount_approved, app.number) for app in returned],
             memo=StoredText(gettext_noop("Batch %(b)s: %(n)d payments returned by the bank"), b=instruction.reference,
                             n=len(returned)),
             actor=actor, idempotency_key=f"batch:{instruction.pk}:returned", business_type="11",
             source=f"instruction:{instruction.pk}")
    for app in returned:
        svc._notify(app, StoredText(gettext_noop("Withdrawal payment failed")),
                    StoredText(gettext_noop("The bank could not pay withdrawal %(n)s: %(r)s"), n=app.number,
                               r=failed[app.pk]), f"failed:{app.payments}")
        _move_batch(instruction, W.State.APPROVED, "payment_failed", actor, failed[app.pk], ids=[app.pk])
    return _move_batch(instruction, W.State.CLOSED, "settle", actor, "")


@transaction.atomic
def fail_batch(*, instruction, reason, actor) -> int:
    """The bank refused a batch: the entry is reversed and the applications reopen (approved) so staff can pay
    them one by one (:func:`withdrawals.services.pay`)."""
    if instruction.status == BankInstruction.Status.PENDING:
        ledger_services.fail_instruction(instruction=instruction, reason=reason, actor=actor)
    return _move_batch(instruction, W.State.APPROVED, "payment_failed", actor, reason)


def _move_batch(instruction, to_state, action, actor, comment, ids=None):
    cases = W.objects.select_for_update().filter(instruction=instruction, state=W.State.PAID)
    if ids is not None:
        cases = cases.filter(pk__in=ids)
    ids = list(cases.values_list("pk", flat=True))
    W.objects.filter(pk__in=ids).update(state=to_state, updated_at=timezone.now())
    ct = ContentType.objects.get_for_model(W)
    on = today()
    CaseTransition.objects.bulk_create([
        CaseTransition(case_type=ct, case_id=i, action=action, from_state=W.State.PAID, to_state=to_state,
                       actor=actor if getattr(actor, "pk", None) else None, comment=comment,
                       comment_message=message_of(comment), business_date=on)
        for i in ids], batch_size=5000)
    return len(ids)


def sync_bank(*, actor) -> dict:
    """Complete or reopen standing batches the bank answered (e.g. after ``simulate_bank``)."""
    out = {"settled": 0, "failed": 0}
    pending = BankInstruction.objects.filter(
        pk__in=W.objects.filter(state=W.State.PAID).exclude(standing=None).values("instruction_id")).annotate(
        n=Count("id"))
    for instruction in pending:
        if instruction.status == BankInstruction.Status.SETTLED:
            out["settled"] += settle_batch(instruction=instruction, actor=actor)
        elif instruction.status == BankInstruction.Status.FAILED:
            out["failed"] += fail_batch(instruction=instruction, reason=instruction.failure_reason, actor=actor)
    return out
