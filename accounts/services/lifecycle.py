"""The lifecycle of a personal fund account after opening: seal, unseal, transfer between employers, merge, close."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts import rules
from accounts.models import AccountEvent, Depositor, Employer, FundAccount
from accounts.services.common import check_employer_active, record_event, require_text
from core import audit, roles
from core.business_date import today
from core.errors import Forbidden, InvalidInput, StateError
from core.identity import validate_resident_id
from core.translatable import StoredText
from ledger import services as ledger_services
from ledger.models import Account
from ledger.posting import credit, debit, lock_accounts, post


def _lock_account(account):
    return (FundAccount.objects.select_for_update(of=("self",)).select_related("depositor", "employer")
            .get(pk=account.pk))


def _employer_agent_of(actor, account) -> bool:
    """Whether ``actor`` is a portal agent of the employer the account belongs to."""
    if not roles.has_role(actor, roles.EMPLOYER_AGENT):
        return False
    agent = getattr(actor, "employer_agent", None)
    return agent is not None and account.employer_id is not None and agent.employer_id == account.employer_id


def _check_may_seal(actor, account):
    if roles.is_system(actor) or roles.has_role(actor, *roles.ACCOUNT_WRITE_ROLES):
        return
    if _employer_agent_of(actor, account):
        return
    if roles.has_role(actor, roles.EMPLOYER_AGENT):
        raise Forbidden(_("You may only seal the accounts of your own employer's employees."))
    roles.require_role(actor, *roles.ACCOUNT_WRITE_ROLES)


def _check_sealed_on(account, sealed_on):
    """The day employment ended, as the employer declares it: not after the business date, not before the
    account opened."""
    if sealed_on is None:
        return today()
    if sealed_on > today():
        msg = _("The date of leaving cannot be after today (%(d)s).") % {"d": f"{today():%Y-%m-%d}"}
        raise InvalidInput(msg, code="future_date", fields={"sealed_on": [msg]})
    if sealed_on < account.opened_on:
        msg = _("The date of leaving cannot be before the account was opened (%(d)s).") % {
            "d": f"{account.opened_on:%Y-%m-%d}"}
        raise InvalidInput(msg, code="before_opening", fields={"sealed_on": [msg]})
    return sealed_on


@transaction.atomic
def seal_account(*, actor, account: FundAccount, reason, sealed_on=None) -> FundAccount:
    """Seal (封存): employment ended. The balance stays and keeps earning interest.

    Counter staff seal any account; the employer's agent seals the accounts of its own employees from the
    portal (the employer files the end of employment, DOMAIN.md §1.1 and §1.7), checked again under the lock."""
    _check_may_seal(actor, account)
    account = _lock_account(account)
    _check_may_seal(actor, account)  # the account's employer as it is under the lock
    if account.status != FundAccount.Status.NORMAL:
        raise StateError(_("Only a normal account can be sealed; this one is %(s)s.")
                         % {"s": account.get_status_display()}, code="invalid_state")
    require_text({"reason": reason}, "reason")
    if _employer_agent_of(actor, account) and not roles.has_role(actor, *roles.ACCOUNT_WRITE_ROLES):
        sealed_on = _check_sealed_on(account, sealed_on)  # what the employer declares, checked
    account.status = FundAccount.Status.SEALED
    account.sealed_on = sealed_on or today()
    account.seal_reason = reason.strip()
    account.save(update_fields=["status", "sealed_on", "seal_reason"])
    record_event(account, AccountEvent.BusinessType.SEAL, FundAccount.Status.NORMAL, actor, reason)
    audit.record(actor=actor, action="account.seal", obj=account, before={"status": "01"},
                 after={"status": "02", "reason": reason})
    return account


@transaction.atomic
def unseal_account(*, actor, account: FundAccount, employer: Employer, base=None, employee_ratio=None,
                   employer_ratio=None) -> FundAccount:
    """Unseal (启封) a sealed account into an employer of this center; a different employer is an internal
    transfer (内部转移). The balance, opening date and history are kept."""
    roles.require_role(actor, *roles.ACCOUNT_WRITE_ROLES)
    account = _lock_account(account)
    employer = Employer.objects.get(pk=employer.pk)
    if account.status != FundAccount.Status.SEALED:
        raise StateError(_("Only a sealed account can be unsealed; this one is %(s)s.")
                         % {"s": account.get_status_display()}, code="invalid_state")
    check_employer_active(employer)
    on = today()
    base = rules.check_base(base if base is not None else account.base, on=on)
    employee_ratio = rules.check_ratio(employee_ratio if employee_ratio is not None else employer.employee_ratio,
                                       on=on, field="employee_ratio")
    employer_ratio = rules.check_ratio(employer_ratio if employer_ratio is not None else employer.employer_ratio,
                                       on=on, field="employer_ratio")
    moved = account.employer_id != employer.pk
    before = {"status": account.status, "employer": account.employer_id}
    account.status = FundAccount.Status.NORMAL
    account.employer = employer
    account.base, account.employee_ratio, account.employer_ratio = base, employee_ratio, employer_ratio
    account.sealed_on, account.seal_reason = None, ""
    account.save()
    kind = AccountEvent.BusinessType.INTERNAL_TRANSFER if moved else AccountEvent.BusinessType.UNSEAL
    record_event(account, kind, FundAccount.Status.SEALED, actor, employer=employer)
    audit.record(actor=actor, action="account.unseal", obj=account, before=before,
                 after={"status": "01", "employer": employer.pk, "base": base})
    return account


@transaction.atomic
def transfer_account(*, actor, account: FundAccount, employer: Employer) -> FundAccount:
    """Internal transfer (内部转移) of a normal account to another employer of this center."""
    roles.require_role(actor, *roles.ACCOUNT_WRITE_ROLES)
    account = _lock_account(account)
    if account.status != FundAccount.Status.NORMAL:
        raise StateError(_("Only a normal account can be transferred; seal it or unseal it instead."))
    if account.employer_id == employer.pk:
        raise InvalidInput(_("The account already belongs to this employer."))
    check_employer_active(employer)
    before = account.employer_id
    account.employer = employer
    account.save(update_fields=["employer"])
    record_event(account, AccountEvent.BusinessType.INTERNAL_TRANSFER, FundAccount.Status.NORMAL, actor,
           employer=employer)
    audit.record(actor=actor, action="account.transfer", obj=account, before={"employer": before},
                 after={"employer": employer.pk})
    return account


def _normalised_id(depositor):
    try:
        return validate_resident_id(depositor.id_number)
    except ValidationError:
        return depositor.id_number.strip().upper()


def _same_person(a: Depositor, b: Depositor) -> bool:
    """The same record, or two records (e.g. a legacy 15-digit ID) of one person."""
    return a.pk == b.pk or (a.name == b.name and _normalised_id(a) == _normalised_id(b))


# Called by :func:`merge_accounts` with (account=, closing_date=, actor=) before the balance moves, in its
# transaction. The deposits app registers the interest posted before a closure (it sits a layer above).
BEFORE_MERGE = []


@transaction.atomic
def merge_accounts(*, actor, source: FundAccount, target: FundAccount, reason) -> FundAccount:
    """Merge a duplicate account (合并) into the person's main account: move the balance and close it (03)."""
    roles.require_role(actor, *roles.ACCOUNT_WRITE_ROLES)
    if source.pk == target.pk:
        raise InvalidInput(_("An account cannot be merged into itself."))
    first, second = sorted([source.pk, target.pk])
    locked = {a.pk: a for a in FundAccount.objects.select_for_update(of=("self",)).select_related("depositor")
              .filter(pk__in=[first, second]).order_by("pk")}
    source, target = locked[source.pk], locked[target.pk]
    if not _same_person(source.depositor, target.depositor):
        raise InvalidInput(_("Only accounts of the same person (same name and ID number) can be merged."))
    if source.is_closed or target.is_closed:
        raise StateError(_("Both accounts must be open to merge them."))
    if Account.objects.filter(pk=source.ledger_account_id, held__gt=0).exists():
        raise StateError(_("The account to merge has holds (e.g. a court freeze); release them first."))
    for hook in BEFORE_MERGE:  # the interest to the merge date on the merged-away account (DOMAIN.md §2.4)
        hook(account=source, closing_date=today(), actor=actor)
    ledger_acc = lock_accounts([source.ledger_account_id])[source.ledger_account_id]
    if ledger_acc.held:
        raise StateError(_("The account to merge has holds (e.g. a court freeze); release them first."))
    if ledger_acc.balance > 0:
        post(lines=[debit(source.ledger_account_id, ledger_acc.balance),
                    credit(target.ledger_account_id, ledger_acc.balance)],
             memo=StoredText(gettext_noop("Merge %(s)s into %(t)s"), s=source.number, t=target.number), actor=actor,
             idempotency_key=f"merge:{source.pk}", business_type="71", source=f"account:{source.pk}")
    status_before = source.status
    source.status = FundAccount.Status.CLOSED_MERGED
    source.closed_on = today()
    source.close_reason = reason
    source.merged_into = target
    source.save(update_fields=["status", "closed_on", "close_reason", "merged_into"])
    ledger_services.close_account(account=source.ledger_account, actor=actor)
    record_event(source, AccountEvent.BusinessType.MERGE, status_before, actor, reason)
    audit.record(actor=actor, action="account.merge", obj=source, after={"into": target.number})
    return target


@transaction.atomic
def close_account(*, actor, account: FundAccount, status, reason) -> FundAccount:
    """Close an account whose balance has been paid out or transferred (status 04 or 05)."""
    roles.require_role(actor, *roles.ACCOUNT_WRITE_ROLES)
    if status not in (FundAccount.Status.CLOSED_TRANSFERRED, FundAccount.Status.CLOSED_WITHDRAWN):
        raise InvalidInput(_("Choose transferred out or withdrawn as the closing status."))
    account = _lock_account(account)
    if account.is_closed:
        raise StateError(_("The account is already closed."))
    ledger_services.close_account(account=account.ledger_account, actor=actor)
    before = account.status
    account.status = status
    account.closed_on = today()
    account.close_reason = reason
    account.save(update_fields=["status", "closed_on", "close_reason"])
    kind = (AccountEvent.BusinessType.TRANSFER_OUT if status == FundAccount.Status.CLOSED_TRANSFERRED
            else AccountEvent.BusinessType.CLOSE)
    record_event(account, kind, before, actor, reason)
    audit.record(actor=actor, action="account.close", obj=account, before={"status": before},
                 after={"status": status, "reason": reason})
    return account
