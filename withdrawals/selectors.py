"""Reads of the withdrawals app for counter pages, the portal, the API and tasks."""

from django.conf import settings
from django.db.models import BooleanField, Case, Max, Q, Value, When
from django.utils import translation
from django.utils.module_loading import import_string

from core import audit, compiled, policy, roles
from core.business_date import today
from core.visibility import own_rows
from ledger.selectors import unmatched_incoming, with_account_names
from withdrawals import rules
from withdrawals.filters import ApplicationFilter
from withdrawals.models import (
    ORDERED_REASONS,
    DocumentType,
    FraudBan,
    PropertyRecord,
    Reason,
    Recovery,
    StandingInstruction,
    WithdrawalApplication,
    WithdrawalDocument,
)

W = WithdrawalApplication
QUEUE_OF_ROLE = {roles.CLERK: (W.State.SUBMITTED, W.State.RETURNED), roles.REVIEWER: (W.State.ACCEPTED,),
                 roles.APPROVER: (W.State.REVIEWED,), roles.FINANCE: (W.State.APPROVED, W.State.PAID)}
OPEN_STATES = (W.State.SUBMITTED, W.State.ACCEPTED, W.State.REVIEWED, W.State.RETURNED)


def applications(*, viewer, state=None, reason=None, filters=None, on=None):
    """Withdrawal applications the viewer may see, deadline first, filtered by
    ``withdrawals.filters.ApplicationFilter`` data (``q``, ``state``, ``reason``, ``date_from``, ``date_to``);
    ``overdue`` as of ``on`` (the business date)."""
    on = on or today()
    qs = W.objects.visible_to(viewer).select_related("account", "depositor", "instruction").annotate(
        overdue=Case(When(state__in=OPEN_STATES[1:3], decision_due__lt=on, then=Value(True)), default=Value(False),
                     output_field=BooleanField()))
    if state:
        qs = qs.filter(state=state)
    if reason:
        qs = qs.filter(reason=reason)
    if filters:
        qs = ApplicationFilter.apply(filters, qs)
    return qs.order_by("decision_due", "id")


def queue(*, viewer, filters=None):
    """The cases waiting for the viewer's role (受理, 审核, 审批 or payment), oldest deadline first; overdue ones
    are flagged (``overdue``)."""
    states = [s for role, sts in QUEUE_OF_ROLE.items() if roles.has_role(viewer, role) for s in sts]
    return applications(viewer=viewer, filters=filters).filter(state__in=states)


def overdue(*, viewer, on=None):
    """Accepted or reviewed cases past the 3-day decision deadline."""
    return W.objects.visible_to(viewer).filter(state__in=(W.State.ACCEPTED, W.State.REVIEWED),
                                               decision_due__lt=on or today())


def case_page(*, viewer, pk=None, number=None) -> dict:
    """Everything a case page shows of the case ``pk`` (or ``number``; ``DoesNotExist`` if the viewer may not see
    it): the case, its documents, its history, the live computed effect and the actions the viewer may take now.
    A member of staff opening it is recorded (``withdrawal.view``)."""
    from withdrawals import services

    def case(user, on, key):  # the rules read the holder
        cases = applications(viewer=user, on=on).select_related("account__depositor")
        return cases.filter(pk=key) if number is None else cases.filter(number=key)

    app = own_rows(("withdrawal_case", number is None), viewer, case, (today(), pk if number is None else number),
                   get=True)
    if roles.is_staff_user(viewer):
        audit.record_view(viewer=viewer, action="withdrawal.view", obj=app, depositor_id=app.depositor_id,
                          number=app.number)
    # the live effect is only shown, in the page's language: its rules are evaluated in that one alone
    language = translation.get_language() or settings.LANGUAGE_CODE
    live = _with_account_names(services.compute_effect(app, languages=(language,)) if app.state in OPEN_STATES
                               else app.effect)
    found = own_rows("withdrawal_recovery", viewer,
                     lambda user, pk: Recovery.objects.visible_to(user).filter(application=pk)[:1], (app.pk,))
    recovery = found[0] if found else None
    receipts = []
    if recovery is not None and recovery.status == Recovery.Status.OPEN and roles.has_role(viewer, roles.FINANCE):
        # Money received and not yet booked, the person's own transfers first.
        receipts = list(unmatched_incoming(viewer=viewer).filter(amount__lte=recovery.outstanding)
                        .order_by("-value_date", "-id")[:200])
        receipts.sort(key=lambda line: line.counterparty_name != app.depositor.name)
    steps = workflow_actions(app, viewer)
    documents = compiled.objects(("withdrawal_documents",), lambda pk: WithdrawalDocument.objects.filter(
        application=pk).order_by("pk"), (app.pk,))
    for document in documents:
        document.application = app  # as app.documents.all() would
    return {"application": app, "documents": documents, "history": _history(app),
            "effect": live, "actions": [t.action for t in steps],
            "buttons": [(t.action, str(t.label or t.action)) for t in steps],
            "recovery": recovery, "receipts": receipts, "clock": _clock(app),
            "can_record_fraud": recovery is None and app.reason not in ORDERED_REASONS
            and roles.has_role(viewer, roles.REVIEWER, roles.APPROVER)}


def _with_account_names(effect):
    """The effect with each ledger line's account named (``account_name``) beside its code."""
    if not isinstance(effect, dict) or not isinstance(effect.get("lines"), list):
        return effect
    return {**effect, "lines": with_account_names(line for line in effect["lines"] if isinstance(line, dict))}


def _history(app):
    from withdrawals.services import FLOW

    return FLOW.labelled_history(app)


def _clock(app):
    """While a decision is pending: {"left": days until it is due} or {"overdue": days past it}; else None."""
    if app.decision_due is None or app.state not in (W.State.ACCEPTED, W.State.REVIEWED):
        return None
    days = (app.decision_due - today()).days
    return {"left": days} if days >= 0 else {"overdue": -days}


def workflow_actions(app, viewer):
    from withdrawals.services import FLOW

    if app.reason in ORDERED_REASONS:  # moved by judicial / loans only
        return []
    return FLOW.actions_for(app, viewer)


def options(*, on=None) -> list[dict]:
    """For the portal's form: each reason in force on the date, with the documents needed."""
    on = on or today()
    out = []
    for reason, rule in rules.rule_set(on).items():
        out.append({"reason": reason, "label": str(Reason(reason).label), "evidence": list(rule.evidence),
                    "documents": [str(DocumentType(d).label) for d in rule.evidence],
                    "closes_account": rule.closes_account, "fields": list(rule.fields)})
    return out


def verified_loan_repayments(*, viewer, depositor, since, until):
    """What the depositor repaid on the center's own loans in the period, from the loans module's records
    (``settings.LOAN_REPAYMENT_SOURCE``), or ``None`` when nothing verified is known. Never a declared figure."""
    path = getattr(settings, "LOAN_REPAYMENT_SOURCE", "")
    if not path:
        return None
    return import_string(path)(viewer=viewer, depositor=depositor, since=since, until=until)


def loan_ban_until(*, depositor_ids, on):
    """The last day of the latest loan ban after a fraud finding (DOMAIN.md §3.5) in force on ``on`` for any of
    the people, or ``None``. The loans module reads it through ``settings.LOAN_BAN_SOURCE`` (loans may not import
    withdrawals), so a family banned after fraudulent withdrawals cannot borrow until the ban ends."""
    return FraudBan.objects.filter(depositor_id__in=depositor_ids, kind=FraudBan.Kind.LOAN, starts_on__lte=on,
                                   ends_on__gte=on).aggregate(until=Max("ends_on"))["until"]


def _plain(text):
    """An address or number compared without spaces or case (registry extracts and typed text differ in both)."""
    return "".join((text or "").split()).upper()


def homes_owned(*, id_numbers, on, exclude_certificate="", exclude_address=""):
    """The homes registered in the city to any of the people (认房, DOMAIN.md §4.2), from the real-estate registry
    extract (``PropertyRecord``): live on ``on`` (no cancellation on or before that day), without the home a loan
    application is for (matched by its purchase contract or title certificate number, or by its address). One
    dict per home: certificate number, owner, address, area, registration date and the loan the registry records
    on it. The loans module reads it through ``settings.LOAN_PROPERTY_SOURCE`` (loans may not import withdrawals)."""
    ids = sorted({_plain(i) for i in id_numbers if i})
    if not ids:
        return []
    cert, address = _plain(exclude_certificate), _plain(exclude_address)
    rows = PropertyRecord.objects.filter(owner_id_number__in=ids).filter(
        Q(cancelled_on__isnull=True) | Q(cancelled_on__gt=on)).order_by("registration_date", "id")
    out = []
    for rec in rows:
        if (cert and _plain(rec.certificate_number) == cert) or (address and _plain(rec.address) == address):
            continue
        out.append({"certificate_number": rec.certificate_number, "owner_id_number": rec.owner_id_number,
                    "owner_name": rec.owner_name, "address": rec.address, "area": rec.area,
                    "registration_date": rec.registration_date, "loan_amount": rec.loan_amount})
    return out


def standing_instructions(*, viewer, account=None):
    qs = StandingInstruction.objects.visible_to(viewer).select_related("account__depositor")
    if account is not None:
        qs = qs.filter(account=account)
    return qs


def loan_offset_contracts():
    """The contract numbers of the center's loans with an active monthly offset from a fund account (按月冲还贷),
    as a queryset usable in ``number__in=`` (the loans module reads it through ``settings.LOAN_OFFSET_CONTRACTS``:
    the monthly bank debit skips these loans)."""
    return (StandingInstruction.objects.filter(kind=StandingInstruction.Kind.LOAN_OFFSET,
                                               status=StandingInstruction.Status.ACTIVE)
            .exclude(loan_contract="").values_list("loan_contract", flat=True).distinct())


def loan_funding_usable(*, viewer, account, on=None) -> dict:
    """What the viewer's account can put towards a loan of the center now (一键还贷): {"balance", "held" (frozen),
    "keep" (the minimum balance), "usable", "refusals"} — the account must be the viewer's own, or staff."""
    from core.money import ZERO
    from ledger.models import Account
    from withdrawals.services.loan_funding import refusals

    account = type(account).objects.visible_to(viewer).get(pk=account.pk)
    on = on or today()
    acc = Account.objects.values("balance", "held").get(pk=account.ledger_account_id)
    keep = policy.get("withdrawals.min_balance", on=on)
    problems = refusals(account, on)
    usable = ZERO if problems else max(acc["balance"] - acc["held"] - keep, ZERO)
    return {"balance": acc["balance"], "held": acc["held"], "keep": keep, "usable": usable, "refusals": problems}


def loan_offset_setup(*, number) -> dict | None:
    """The contract and the fund accounts that may repay it, for the counter's 按月冲还贷 set-up page (from the
    loans module through ``settings.LOAN_OFFSET_SOURCE``), with the accounts' active offsets."""
    from accounts.models import FundAccount

    path = getattr(settings, "LOAN_OFFSET_SOURCE", "")
    info = import_string(path)(number=number) if path else None
    if info is None:
        return None
    accounts = {a.pk: a for a in FundAccount.objects.select_related("depositor").filter(pk__in=info["accounts"])}
    active = set(StandingInstruction.objects.filter(
        kind=StandingInstruction.Kind.LOAN_OFFSET, status=StandingInstruction.Status.ACTIVE,
        account_id__in=info["accounts"]).values_list("account_id", flat=True))
    return {**info, "choices": [(accounts[pk], pk in active) for pk in info["accounts"] if pk in accounts]}


def judicial_withdrawal_condition(*, account_id, on) -> str:
    """The withdrawal ground the holder of the account meets on ``on``, for a court deduction (DOMAIN.md §6.1,
    (2013)执他字第14号; ``settings.JUDICIAL_WITHDRAWAL_CONDITION_SOURCE``): the first of
    :func:`withdrawals.rules.grounds_on_record` — the withdrawal rules' own conditions for the grounds that need
    no application and no document (retirement age reached, a closing ground on record, an account sealed long
    enough after leaving a job) — as its label, or "" when there is none."""
    from accounts.models import FundAccount

    account = FundAccount.objects.select_related("depositor", "ledger_account").get(pk=account_id)
    grounds = rules.grounds_on_record(account=account, on=on)
    return str(Reason(grounds[0]).label) if grounds else ""
