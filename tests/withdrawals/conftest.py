import datetime
import itertools
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core import roles
from core.models import BusinessDay
from deposits.models import RemittanceLine, RemittanceList
from tests import factories
from tests.conftest import make_user
from withdrawals.models import PropertyRecord

D = Decimal
day = datetime.date


def on(date):
    BusinessDay.objects.update_or_create(pk=1, defaults={"current": date})


def card_for(prefix="622202100000000"):
    """A card number with a valid Luhn check digit."""
    for d in range(10):
        number = f"{prefix}{d}"
        total = 0
        for i, ch in enumerate(reversed(number)):
            n = int(ch)
            if i % 2 == 1:
                n = n * 2 - 9 if n * 2 > 9 else n * 2
            total += n
        if total % 10 == 0:
            return number
    raise AssertionError


CARD = card_for()
_bills = itertools.count(1)


def ill(cost, **facts):
    """Illness facts for a new medical bill of ``cost`` (each call a bill of its own)."""
    return {"medical_cost": cost, "bill_number": f"MB{next(_bills):06d}", **facts}


def doc(name="scan.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4 scan", content_type="application/pdf")


def paid_months(account, months, amount="2000"):
    """Posted remittance lines (continuity) and the money for them, one list per month."""
    for m in months:
        rl = RemittanceList.objects.create(employer=account.employer, month=m, status="posted",
                                           reference=f"R{account.pk}-{m:%Y%m}", total=D(amount))
        RemittanceLine.objects.create(remittance=rl, account=account, month=m, base=D("10000"),
                                      employee_ratio=D("0.1"), employer_ratio=D("0.1"), employee_amount=D(amount) / 2,
                                      employer_amount=D(amount) / 2, amount=D(amount), posted=True)
        factories.deposit(account, amount)


def prop(owner, cert="FC-001", **kw):
    data = dict(certificate_number=cert, owner_id_number=owner.id_number, owner_name=owner.name,
                address="示范市人民路8号", area=D("89.50"), registration_date=day(2026, 5, 1),
                contract_date=day(2026, 4, 1), price=D("1000000"), loan_amount=D("600000"))
    data.update(kw)
    return PropertyRecord.objects.create(**data)


@pytest.fixture
def staff(db):
    return {
        "clerk": make_user("w_clerk", roles.CLERK),
        "clerk2": make_user("w_clerk2", roles.CLERK),
        "reviewer": make_user("w_reviewer", roles.REVIEWER),
        "approver": make_user("w_approver", roles.APPROVER),
        "allround": make_user("w_all", roles.CLERK, roles.REVIEWER, roles.APPROVER),
        "finance": make_user("w_finance", roles.FINANCE),
    }


@pytest.fixture
def funded(staff):
    """An account opened 2020 (not a new citizen), ¥50,000 in, deposits paid 2026-05 … 2026-10."""
    on(day(2020, 1, 6))
    acc = factories.account(staff["clerk"], name="张三")
    factories.deposit(acc, "38000")
    on(day(2026, 10, 12))
    paid_months(acc, [day(2026, m, 1) for m in range(5, 11)])
    acc.refresh_from_db()
    return acc
