import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User

from accounts import services as account_services
from core import roles
from core.models import BusinessDay
from deposits.models import RemittanceLine, RemittanceList
from tests import factories
from tests.conftest import make_user

D = Decimal
day = datetime.date


def on(date):
    BusinessDay.objects.update_or_create(pk=1, defaults={"current": date})


def paid_months(account, months, amount="2000"):
    """Posted remittance lines (continuity) and the money for them, one list per month; a month already paid for
    the account is left as it is."""
    done = set(RemittanceLine.objects.filter(account=account, posted=True).values_list("month", flat=True))
    for m in months:
        if m in done:
            continue
        rl = RemittanceList.objects.create(
            employer=account.employer, month=m, status="posted", reference=f"R{account.pk}-{m:%Y%m}", total=D(amount)
        )
        RemittanceLine.objects.create(
            remittance=rl,
            account=account,
            month=m,
            base=D("10000"),
            employee_ratio=D("0.1"),
            employer_ratio=D("0.1"),
            employee_amount=D(amount) / 2,
            employer_amount=D(amount) / 2,
            amount=D(amount),
            posted=True,
        )
        factories.deposit(account, amount)


def portal_user(depositor, username):
    user = User.objects.create_user(username=username, password="pw-Secret-123")
    user.groups.add(Group.objects.get(name=roles.DEPOSITOR))
    depositor.user = user
    depositor.save(update_fields=["user"])
    return user


@pytest.fixture
def staff(db):
    return {
        "officer": make_user("l_officer", roles.LOAN_OFFICER),
        "officer2": make_user("l_officer2", roles.LOAN_OFFICER),
        "reviewer": make_user("l_reviewer", roles.REVIEWER),
        "approver": make_user("l_approver", roles.APPROVER),
        "allround": make_user("l_all", roles.LOAN_OFFICER, roles.REVIEWER, roles.APPROVER),
        "clerk": make_user("l_clerk", roles.CLERK),
    }


@pytest.fixture
def household(staff):
    """DOMAIN.md §4.3's household on 2026-01-15: the borrower, a man born 1981-01-15, ¥30,000 in his account
    with deposits paid July–December 2025; his wife, born 1990-05-02 (a woman worker by default: she retires at
    55 in May 2045, so 276 months fit her too), ¥20,000 in hers, also with deposits paid July–December 2025 (the
    spouse's own account and continuity are checked too)."""
    clerk = staff["clerk"]
    on(day(2025, 6, 2))
    emp = factories.employer(clerk)
    husband = account_services.open_account(
        actor=clerk,
        employer=emp,
        base="10000",
        depositor=factories.person(clerk, name="王建国", id_number=factories.make_id(1, birth="19810115")),
    )
    wife = account_services.open_account(
        actor=clerk,
        employer=factories.employer(clerk, name="示范贸易有限公司"),
        base="10000",
        depositor=factories.person(clerk, name="李红", id_number=factories.make_id(2, birth="19900502")),
    )
    account_services.link_spouses(actor=clerk, a=husband.depositor, b=wife.depositor)
    factories.deposit(husband, "18000")
    factories.deposit(wife, "8000")
    paid_months(husband, [day(2025, m, 1) for m in range(7, 13)])
    paid_months(wife, [day(2025, m, 1) for m in range(7, 13)])
    on(day(2026, 1, 15))
    husband.refresh_from_db()
    wife.refresh_from_db()
    return {"borrower": husband, "spouse": wife}


def example_data(**changes):
    """The application of DOMAIN.md §4.3: ¥600,000 asked, a ¥1,000,000 first home, 276 months."""
    data = {
        "purpose": "purchase",
        "property_address": "示范市人民路8号3单元501室",
        "property_kind": "new",
        "property_price": "1000000.00",
        "property_area": "89.50",
        "monthly_income": "20000.00",
        "other_monthly_debt": "2000.00",
        "requested_amount": "600000.00",
        "term_months": 276,
        "method": "equal_installment",
    }
    data.update(changes)
    return data


SCAN = b"%PDF-1.4 scanned document"


def scan(name="scan.pdf", content=SCAN):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/pdf")


def with_documents(app, actor=None):
    """Upload a scan of every document type the draft (or returned application) still needs, as the person who
    entered it unless ``actor`` is given; returns the application (required before it is submitted or accepted)."""
    from loans import services

    missing = services.missing_types(app)
    if missing:
        services.add_documents(
            actor=actor or app.created_by, application=app, documents=[(t, scan(f"{t}.pdf")) for t in missing]
        )
    return app


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Uploaded files (the applications' scanned documents) go to a temporary directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


PURCHASE_DOCUMENTS = ("id_card", "marital", "income", "credit_auth", "purchase_contract", "down_payment")


def document_files(types=PURCHASE_DOCUMENTS):
    """The upload inputs of a page's form (``doc_<type>``) with a scan each: those a purchase needs by default."""
    return {f"doc_{t}": scan(f"{t}.pdf") for t in types}
