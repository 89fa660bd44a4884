"""Small builders for tests: they go through the services, like real users do."""

import itertools
from decimal import Decimal

from accounts import services as account_services
from accounts.models import Employer
from core.actors import system_actor
from core.identity import organisation_code_check_char, resident_id_check_char, uscc_check_char
from ledger import services as ledger_services
from ledger.models import BankAccount, BankStatementLine
from ledger.posting import credit, debit, post

_seq = itertools.count(1)


def make_uscc(n=None):
    n = n if n is not None else next(_seq)
    org8 = f"{n:08d}"
    body16 = "91440300" + org8 + organisation_code_check_char(org8)
    return body16 + uscc_check_char(body16)


def make_id(n=None, birth="19900307"):
    n = n if n is not None else next(_seq)
    first17 = f"110101{birth}{n % 1000:03d}"
    return first17 + resident_id_check_char(first17)


def employer(actor, name="示范科技有限公司", **kw):
    data = dict(uscc=make_uscc(), name=name, address="示范市人民路1号", legal_representative="王强",
                contact_name="李丽", contact_phone="13800000001", economic_type="80", payday=10, bank="102")
    data.update(kw)
    return account_services.register_employer(actor=actor, **data)


def person(actor, name="张三", **kw):
    data = dict(name=name, id_number=make_id(), phone="13912345678")
    data.update(kw)
    return account_services.register_depositor(actor=actor, **data)


def account(actor, emp: Employer = None, name="张三", base="10000", **kw):
    emp = emp or employer(actor)
    return account_services.open_account(actor=actor, employer=emp, depositor=person(actor, name=name), base=base,
                                         **kw)


def portal_login(fund_account):
    """Give the account's depositor a portal login (the ID number as the user name); returns the user."""
    from tests.conftest import make_user

    user = make_user(fund_account.depositor.id_number, "depositor")
    fund_account.depositor.user = user
    fund_account.depositor.save(update_fields=["user"])
    return user


def bank_account(number="110000000001"):
    existing = BankAccount.objects.filter(number=number).first()
    return existing or ledger_services.create_bank_account(actor=system_actor(),
                                                           bank="102", number=number, name="示范中心归集户")


def deposit(fund_account, amount, key=None, bank=None):
    """Credit a personal account from the bank (as a remittance would)."""
    bank = bank or bank_account()
    amount = Decimal(amount)
    entry = post(actor=system_actor(),
                 lines=[debit(bank.ledger_account, amount), credit(fund_account.ledger_account, amount)],
                 memo="test deposit", idempotency_key=key, business_type="01")
    bank_received(bank, entry)
    return entry


def bank_received(bank, entry):
    """The bank statement line for money an entry booked into ``bank`` (so the bank check agrees)."""
    amount = sum(ln.amount for ln in entry.lines.filter(account=bank.ledger_account, side="D"))
    BankStatementLine.objects.get_or_create(
        bank_account=bank, bank_reference=f"T{entry.pk:010d}",
        defaults=dict(value_date=entry.business_date, direction="C", amount=amount, match_status="booked",
                      entry=entry))


def bank_balance(bank) -> Decimal:
    """What the bank itself holds on ``bank`` (``ledger.selectors.bank_held_balance``)."""
    from ledger import selectors as ledger_selectors

    return ledger_selectors.bank_held_balance(bank)


def statement(*, bank_account, rows, actor=None, closing_balance=None):
    """The bank sends statement lines (through its channel, as the system's bank feed) with its closing balance
    after them: the balance it holds plus the new lines, unless given."""
    if closing_balance is None:
        known = set(bank_account.statement_lines.values_list("bank_reference", flat=True))
        closing_balance = bank_balance(bank_account) + sum(
            (Decimal(r["amount"]) * (1 if r["direction"] == "C" else -1) for r in rows
             if r["bank_reference"] not in known), Decimal(0))
    return ledger_services.import_statement(bank_account=bank_account, rows=rows, actor=actor or system_actor(),
                                            closing_balance=closing_balance)
