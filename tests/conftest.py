import pytest
from django.contrib.auth.models import Group, User

from core import roles
from ledger.reconciliation import check_trial_balance

ROLE_GROUPS = [*roles.STAFF_ROLES, roles.DEPOSITOR, roles.EMPLOYER_AGENT, roles.BANK_CLIENT, roles.COURT_CLIENT,
               roles.PARTNER_CLIENT]


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    vendor = settings.DATABASES["default"]["ENGINE"]
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL); running on SQLite")
    skip_redis = pytest.mark.skip(reason="needs Redis (set REDIS_URL)")
    for item in items:
        if "postgres" in item.keywords and "postgresql" not in vendor:
            item.add_marker(skip_pg)
        if "redis" in item.keywords and not settings.REDIS_URL:
            item.add_marker(skip_redis)


@pytest.fixture(autouse=True)
def _trial_balance_stays_zero(request):
    """After every test that used the database, debits equal credits and balances agree.

    A transactional test (browser tests, concurrency tests) ends with a flush that also removes what the
    migrations installed (roles, chart of accounts, policy); it is put back, outside any test transaction,
    before the next test that uses the database."""
    names = set(request.fixturenames)
    marker = request.node.get_closest_marker("django_db")
    uses_db = bool(names & {"db", "transactional_db", "live_server"}) or marker
    if uses_db:
        request.getfixturevalue("django_db_setup")
        with request.getfixturevalue("django_db_blocker").unblock():
            if not Group.objects.filter(name=roles.CLERK).exists():
                _reinstall_reference_data()
    for name in ("db", "transactional_db"):
        if name in names:
            request.getfixturevalue(name)  # set up before us, so torn down after our check
    yield
    if uses_db:
        result = check_trial_balance()
        assert result["ok"], result


def _reinstall_reference_data():
    from core import policy
    from core.models import PolicyValue
    from ledger.chart import install_chart
    from ledger.models import Account

    for name in ROLE_GROUPS:
        Group.objects.get_or_create(name=name)
    install_chart(Account)
    policy.install_defaults(PolicyValue)


def make_user(username, *role_names, password="pw-Secret-123"):
    user = User.objects.create_user(username=username, password=password)
    for name in role_names:
        user.groups.add(Group.objects.get(name=name))
    return user


@pytest.fixture
def clerk(db):
    return make_user("clerk1", roles.CLERK)


@pytest.fixture
def clerk2(db):
    return make_user("clerk2", roles.CLERK)


@pytest.fixture
def finance(db):
    return make_user("finance1", roles.FINANCE)


@pytest.fixture
def auditor(db):
    return make_user("auditor1", roles.AUDITOR)
