"""Every write to employers, depositors and fund accounts (DOMAIN.md §1.7)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts import rules
from accounts.models import AccountEvent, Depositor, Employer, EmployerAgent, FundAccount
from core import audit, numbering, policy, roles
from core.business_date import today
from core.errors import Conflict, InvalidInput, StateError, from_validation_error
from core.identity import mask_id_number, resident_id_facts, validate_resident_id, validate_uscc
from ledger import chart
from ledger import services as ledger_services
from ledger.models import Account
from ledger.posting import credit, debit, lock_accounts, post

EMPLOYER_FIELDS = ("name", "address", "legal_representative", "contact_name", "contact_phone", "economic_type",
                   "industry", "payday", "bank")


def _snapshot(obj, fields):
    return {f: getattr(obj, f) for f in fields}


def _validated_uscc(value):
    try:
        return validate_uscc(value)
    except ValidationError as exc:
        raise from_validation_error(exc, "uscc") from exc


def _validated_id(value):
    try:
        return validate_resident_id(value, today=today())
    except ValidationError as exc:
        raise from_validation_error(exc, "id_number") from exc


def _check_payday(payday):
    if not isinstance(payday, int) or not 1 <= payday <= 28:
        msg = _("The payday must be between 1 and 28.")
        raise InvalidInput(msg, fields={"payday": [msg]})


def _require_text(data, *names):
    for name in names:
        if not str(data.get(name) or "").strip():
            msg = _("This field is required.")
            raise InvalidInput(msg, code="required", fields={name: [msg]})


@transaction.atomic
def register_employer(*, actor, uscc, name, address, legal_representative, contact_name, contact_phone,
                      economic_type, payday, bank, industry="", employer_ratio=None, employee_ratio=None,
                      opened_on=None) -> Employer:
    roles.require_role(actor, *roles.ACCOUNT_WRITE_ROLES)
    uscc = _validated_uscc(uscc)
    data = dict(name=name, address=address, legal_representative=legal_representative, contact_name=contact_name,
                contact_phone=contact_phone)
    _require_text(data, *data)
    _check_payday(payday)
    on = opened_on or today()
    default_ratio = policy.get("deposits.new_employer_ratio", on=on)
    employer_ratio = rules.check_ratio(employer_ratio if employer_ratio is not None else default_ratio, on=on,
                                       field="employer_ratio")
    employee_ratio = rules.check_ratio(employee_ratio if employee_ratio is not None else default_ratio, on=on,
                                       field="employee_ratio")
    existing = Employer.objects.filter(uscc=uscc).first()
    if existing:
        msg = _("An employer with this code is already registered: %(e)s.") % {"e": existing}
        raise Conflict(msg, code="duplicate_employer", fields={"uscc": [msg]})
    (number,) = numbering.next_numbers(numbering.EMPLOYER)
    suspense = ledger_services.open_sub_account(
        parent_code=chart.HOUSING_FUND, code=f"{chart.HOUSING_FUND}-S-{number}",
        name=f"暂收未分摊 {name}", role=Account.Role.SUSPENSE, opened_on=on)
    employer = Employer.objects.create(
        account_number=number, uscc=uscc, name=name.strip(), address=address.strip(),
        legal_representative=legal_representative.strip(), contact_name=contact_name.strip(),
        contact_phone=contact_phone.strip(), economic_type=economic_type, industry=industry.strip(),
        payday=payday, bank=bank, employer_ratio=employer_ratio, employee_ratio=employee_ratio, opened_on=on,
        suspense_account=suspense,
    )
    audit.record(actor=actor, action="employer.register", obj=employer,
                 after=_snapshot(employer, EMPLOYER_FIELDS + ("uscc", "account_number")))
    return employer


@transaction.atomic
def change_employer(*, actor, employer: Employer, **changes) -> Employer:
    roles.require_role(actor, *roles.ACCOUNT_WRITE_ROLES)
    employer = Employer.objects.select_for_update().get(pk=employer.pk)
    if employer.status == Employer.Status.CLOSED:
        raise StateError(_("The employer is closed and cannot be changed."))
    unknown = set(changes) - set(EMPLOYER_FIELDS) - {"employer_ratio", "employee_ratio"}
    if unknown:
        raise InvalidInput(_("These fields cannot be changed here: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    if "payday" in changes:
        _check_payday(changes["payday"])
    for field in ("employer_ratio", "employee_ratio"):
        if field in changes:
            changes[field] = rules.check_ratio(changes[field], field=field)
    before = _snapshot(employer, changes)
    for field, value in changes.items():
        setattr(employer, field, value.strip() if isinstance(value, str) else value)
    employer.save()
    audit.record(actor=actor, action="employer.change", obj=employer, before=before, after=_snapshot(employer, changes))
    return employer


@transaction.atomic
def close_employer(*, actor, employer: Employer, reason) -> Employer:
    roles.require_role(actor, *roles.ACCOUNT_WRITE_ROLES)
    employer = Employer.objects.select_for_update().get(pk=employer.pk)
    if employer.status == Employer.Status.CLOSED:
        raise StateError(_("The employer is already closed."))
    active = employer.accounts.filter(status=FundAccount.Status.NORMAL).count()
    if active:
        raise StateError(_("The employer still has %(n)d active employee account(s); seal or transfer them first.")
                         % {"n": active}, code="has_active_employees")
    suspense = lock_accounts([employer.suspense_account_id])[employer.suspense_account_id]
    if suspense.balance != 0:
        raise StateError(_("The employer still has unallocated money (暂收未分摊) of %(b)s; it cannot be closed.")
                         % {"b": suspense.balance}, code="has_suspense")
    ledger_services.close_account(account=suspense, actor=actor)
    employer.status = Employer.Status.CLOSED
    employer.closed_on = today()
    employer.close_reason = reason
    employer.save(update_fields=["status", "closed_on", "close_reason"])
    audit.record(actor=actor, action="employer.close", obj=employer, after={"reason": reason})
    return employer


def _event(account, business_type, from_status, actor, reason="", employer=None):
    AccountEvent.objects.create(account=account, business_type=business_type, from_status=from_status or "",
                                to_status=account.status, employer=employer or account.employer,
                                business_date=today(), reason=reason,
                                actor=actor if getattr(actor, "pk", None) else None)


@transaction.atomic
def register_depositor(*, actor, name, id_number, phone="", marital_status=Depositor.Marital.SINGLE,
                       local_hukou=True, children=0, spouse=None) -> Depositor:
    roles.require_role(actor, *roles.ACCOUNT_WRITE_ROLES)
    id_number = _validated_id(id_number)
    _require_text({"name": name}, "name")
    if phone and not (phone.isdigit() and len(phone) == 11 and phone.startswith("1")):
        msg = _("The mobile phone number must be 11 digits starting with 1.")
        raise InvalidInput(msg, fields={"phone": [msg]})
    existing = Depositor.objects.filter(id_number=id_number).first()
    if existing:
        msg = _("A depositor with this ID number already exists: %(n)s.") % {"n": existing.name}
        raise Conflict(msg, code="duplicate_depositor", fields={"id_number": [msg]})
    birth, gender = resident_id_facts(id_number)
    depositor = Depositor.objects.create(name=name.strip(), id_number=id_number, gender=gender, birth_date=birth,
                                         phone=phone, marital_status=marital_status, local_hukou=local_hukou,
                                         children=children)
    if spouse is not None:
        link_spouses(actor=actor, a=depositor, b=spouse)
    audit.record(actor=actor, action="depositor.register", obj=depositor,
                 after={"name": depositor.name, "id_number": mask_id_number(id_number)})
    return depositor


@transaction.atomic
def link_spouses(*, actor, a: Depositor, b: Depositor):
    if a.pk == b.pk:
        raise InvalidInput(_("A person cannot be their own spouse."))
    for person in (a, b):
        current = Depositor.objects.filter(pk=person.pk).values_list("spouse_id", flat=True).first()
        if current and current not in (a.pk, b.pk):
            raise Conflict(_("%(n)s already has a spouse on record.") % {"n": person.name})
    Depositor.objects.filter(pk=a.pk).update(spouse=b, marital_status=Depositor.Marital.MARRIED)
    Depositor.objects.filter(pk=b.pk).update(spouse=a, marital_status=Depositor.Marital.MARRIED)
    audit.record(actor=actor, action="depositor.link_spouse", obj=a, after={"spouse": b.pk})


def _open_ledger_account(number, name, on):
    return ledger_services.open_sub_account(parent_code=chart.HOUSING_FUND, code=f"{chart.HOUSING_FUND}-P-{number}",
                                            name=f"{name} {number}", role=Account.Role.PERSONAL, opened_on=on)


def _check_employer_active(employer):
    if employer.status in (Employer.Status.CLOSED, Employer.Status.SEALED):
        raise StateError(_("The employer %(e)s is not active.") % {"e": employer.name}, code="employer_inactive")


@transaction.atomic
def open_account(*, actor, employer: Employer, depositor: Depositor, base, employee_ratio=None,
                 employer_ratio=None) -> FundAccount:
    """Open a personal account for an employee (开户). One person, one account."""
    roles.require_role(actor, *roles.ACCOUNT_WRITE_ROLES)
    depositor = Depositor.objects.select_for_update().get(pk=depositor.pk)
    employer = Employer.objects.get(pk=employer.pk)
    _check_employer_active(employer)
    existing = depositor.accounts.exclude(status__in=FundAccount.CLOSED_STATUSES).first()
    if existing:
        if existing.status == FundAccount.Status.SEALED:
            msg = _("%(n)s already has the sealed account %(a)s; unseal it into the new employer instead of "
                    "opening another.") % {"n": depositor.name, "a": existing.number}
        else:
            msg = _("%(n)s already has the open account %(a)s; one person may have only one account.") % {
                "n": depositor.name, "a": existing.number}
        raise Conflict(msg, code="account_exists", fields={"id_number": [msg]})
    on = today()
    base = rules.check_base(base, on=on)
    employee_ratio = rules.check_ratio(employee_ratio if employee_ratio is not None else employer.employee_ratio,
                                       on=on, field="employee_ratio")
    employer_ratio = rules.check_ratio(employer_ratio if employer_ratio is not None else employer.employer_ratio,
                                       on=on, field="employer_ratio")
    (number,) = numbering.next_numbers(numbering.PERSONAL)
    try:
        with transaction.atomic():
            account = FundAccount.objects.create(
                number=number, depositor=depositor, employer=employer, base=base, employee_ratio=employee_ratio,
                employer_ratio=employer_ratio, opened_on=on,
                ledger_account=_open_ledger_account(number, depositor.name, on),
            )
    except IntegrityError as exc:  # a concurrent open for the same person
        raise Conflict(_("%(n)s already has an open account.") % {"n": depositor.name}, code="account_exists") from exc
    _event(account, AccountEvent.BusinessType.OPEN, "", actor)
    audit.record(actor=actor, action="account.open", obj=account,
                 after={"number": number, "employer": employer.account_number, "base": base})
    return account


def _lock_account(account):
    return (FundAccount.objects.select_for_update(of=("self",)).select_related("depositor", "employer")
            .get(pk=account.pk))


@transaction.atomic
def seal_account(*, actor, account: FundAccount, reason, sealed_on=None) -> FundAccount:
    """Seal (封存): employment ended. The balance stays and keeps earning interest."""
    roles.require_role(actor, *roles.ACCOUNT_WRITE_ROLES)
    account = _lock_account(account)
    if account.status != FundAccount.Status.NORMAL:
        raise StateError(_("Only a normal account can be sealed; this one is %(s)s.")
                         % {"s": account.get_status_display()}, code="invalid_state")
    _require_text({"reason": reason}, "reason")
    account.status = FundAccount.Status.SEALED
    account.sealed_on = sealed_on or today()
    account.seal_reason = reason.strip()
    account.save(update_fields=["status", "sealed_on", "seal_reason"])
    _event(account, AccountEvent.BusinessType.SEAL, FundAccount.Status.NORMAL, actor, reason)
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
    _check_employer_active(employer)
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
    _event(account, kind, FundAccount.Status.SEALED, actor, employer=employer)
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
    _check_employer_active(employer)
    before = account.employer_id
    account.employer = employer
    account.save(update_fields=["employer"])
    _event(account, AccountEvent.BusinessType.INTERNAL_TRANSFER, FundAccount.Status.NORMAL, actor,
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
    ledger_acc = lock_accounts([source.ledger_account_id])[source.ledger_account_id]
    if ledger_acc.held:
        raise StateError(_("The account to merge has holds (e.g. a court freeze); release them first."))
    if ledger_acc.balance > 0:
        post(lines=[debit(source.ledger_account_id, ledger_acc.balance),
                    credit(target.ledger_account_id, ledger_acc.balance)],
             memo=_("Merge %(s)s into %(t)s") % {"s": source.number, "t": target.number}, actor=actor,
             idempotency_key=f"merge:{source.pk}", business_type="71", source=f"account:{source.pk}")
    status_before = source.status
    source.status = FundAccount.Status.CLOSED_MERGED
    source.closed_on = today()
    source.close_reason = reason
    source.merged_into = target
    source.save(update_fields=["status", "closed_on", "close_reason", "merged_into"])
    ledger_services.close_account(account=source.ledger_account, actor=actor)
    _event(source, AccountEvent.BusinessType.MERGE, status_before, actor, reason)
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
    _event(account, kind, before, actor, reason)
    audit.record(actor=actor, action="account.close", obj=account, before={"status": before},
                 after={"status": status, "reason": reason})
    return account


@transaction.atomic
def link_employer_agent(*, actor, user, employer: Employer) -> EmployerAgent:
    roles.require_role(actor, roles.SYSADMIN, roles.CLERK)
    agent, _created = EmployerAgent.objects.update_or_create(user=user, defaults={"employer": employer})
    roles.add_role(user, roles.EMPLOYER_AGENT)
    audit.record(actor=actor, action="employer.agent", obj=agent, after={"user": user.pk})
    return agent


@transaction.atomic
def open_account_for_person(*, actor, employer: Employer, name, id_number, phone, marital_status, local_hukou,
                            children, base, employee_ratio=None, employer_ratio=None) -> FundAccount:
    """Open an account for an employee at the counter: register the person if the ID number is new,
    otherwise use the depositor on record (the name must match), then open the account."""
    roles.require_role(actor, *roles.ACCOUNT_WRITE_ROLES)
    id_number = _validated_id(id_number)
    depositor = Depositor.objects.filter(id_number=id_number).first()
    if depositor is None:
        depositor = register_depositor(actor=actor, name=name, id_number=id_number, phone=phone,
                                       marital_status=marital_status, local_hukou=local_hukou, children=children)
    elif depositor.name != (name or "").strip():
        msg = _("This ID number is registered under another name (%(n)s); check the name and the ID number.") % {
            "n": depositor.name}
        raise InvalidInput(msg, code="name_mismatch", fields={"name": [msg]})
    return open_account(actor=actor, employer=employer, depositor=depositor, base=base,
                        employee_ratio=employee_ratio, employer_ratio=employer_ratio)
