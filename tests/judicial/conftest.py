import datetime
import itertools
from decimal import Decimal

import pytest

from core import roles
from core.actors import system_actor
from core.models import BusinessDay
from judicial import services
from tests import factories
from tests.conftest import make_user

D = Decimal
day = datetime.date
_numbers = itertools.count(1)


def on(date):
    BusinessDay.objects.update_or_create(pk=1, defaults={"current": date})


@pytest.fixture
def officers(db):
    return {"op": make_user("j_op", roles.JUDICIAL_OFFICER), "chk": make_user("j_chk", roles.JUDICIAL_OFFICER),
            "finance": make_user("j_fin", roles.FINANCE)}


@pytest.fixture
def court(officers):
    return services.register_court(actor=officers["op"], code="4403050", name="示范市南山区人民法院",
                                   enforcement_account_name="示范市南山区人民法院执行款专户",
                                   enforcement_account_number="44201500000000001", enforcement_bank="建设银行南山支行")


@pytest.fixture
def court2(officers):
    return services.register_court(actor=officers["op"], code="4403060", name="示范市福田区人民法院",
                                   enforcement_account_name="示范市福田区人民法院执行款专户",
                                   enforcement_account_number="44201500000000002", enforcement_bank="工商银行福田支行")


@pytest.fixture
def funded(officers):
    """张三's account with ¥50,000.00 on 2026-10-12."""
    on(day(2026, 10, 12))
    clerk = make_user("j_clerk", roles.CLERK)
    acc = factories.account(clerk, name="张三")
    factories.deposit(acc, "50000.00")
    acc.refresh_from_db()
    return acc


def request_data(account, measure, **kw):
    person = account.depositor
    data = {"number": f"BD{next(_numbers):08d}", "measure": measure, "person_name": person.name,
            "id_number": person.id_number, "judge": "李法官", "judge_phone": "0755-12345678",
            "case_number": "(2026)粤0305执30003号"}
    data.update(kw)
    return data


def receive(officers, court, account, measure, **kw):
    return services.receive_request(actor=officers["op"], court=court, data=request_data(account, measure, **kw))


def run(officers, court, account, measure, **kw):
    """Receive, prepare (operator) and confirm (checker) a request; returns it."""
    req = receive(officers, court, account, measure, **kw)
    req = services.prepare(actor=officers["op"], request=req)
    return services.confirm(actor=officers["chk"], request=req)


def freeze(officers, court, account, amount, **kw):
    return run(officers, court, account, "freeze", amount=amount, **kw)


def ledger(account):
    account.ledger_account.refresh_from_db()
    return account.ledger_account


def system():
    return system_actor()
