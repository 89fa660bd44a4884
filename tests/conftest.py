import hashlib
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.utils import translation

from core import roles
from ledger.reconciliation import check_cached_balances, check_entries, check_records, check_trial_balance

ROOT = Path(__file__).resolve().parent.parent
ROLE_GROUPS = [*roles.STAFF_ROLES, roles.DEPOSITOR, roles.EMPLOYER_AGENT, roles.BANK_CLIENT, roles.COURT_CLIENT,
               roles.PARTNER_CLIENT]


def schema_fingerprint() -> str:
    """A digest of everything that shapes the test database: every migration and every versioned SQL file.

    The test database is kept between runs (``--reuse-db``); Django then applies new migrations, but not a
    migration or an SQL file that changed after it was applied. A database whose fingerprint differs is
    created afresh, as with ``--create-db``."""
    digest = hashlib.sha256()
    for path in sorted([*ROOT.glob("*/migrations/*.py"), *ROOT.glob("*/sql/*.sql")]):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _stored_fingerprint(name):
    """(the fingerprint written on the test database,) or None when the test database does not exist."""
    from django.db import connection

    with connection._nodb_cursor() as cur:
        cur.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name])
        return cur.fetchone()  # None when there is no such database


@pytest.fixture(autouse=True)
def _site_language():
    """Every test starts in the site's language (a test that switches to English cannot leave it switched for the
    next test of the same process)."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(scope="session")
def django_db_createdb(request, django_db_modify_db_settings, django_db_blocker):
    """Create the test database afresh with ``--create-db``, or when its schema fingerprint is stale."""
    if request.config.getvalue("create_db"):
        return True
    from django.db import connection

    with django_db_blocker.unblock():
        stored = _stored_fingerprint(connection.creation._get_test_db_name())
    return stored is not None and stored[0] != f"schema {schema_fingerprint()}"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's set-up, then the schema fingerprint written on the test database for the next run."""
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cur:
        cur.execute(f"COMMENT ON DATABASE {connection.ops.quote_name(connection.settings_dict['NAME'])}"
                    f" IS 'schema {schema_fingerprint()}'")


@pytest.fixture(autouse=True)
def _trial_balance_stays_zero(request):
    """After every test that used the database, the reconciliation's checks of the books themselves agree:
    debits equal credits overall and in every entry, cached balances equal their lines, and every business record
    that moved money (remittance lists, payments, closing interest, booked bank lines) equals its journal line.
    (The bank and fund-control checks need a complete bank picture; the money tests assert them where they
    build one.)

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
        for check in (check_trial_balance, check_entries, check_cached_balances, check_records):
            result = check()
            assert result["ok"], f"{result['title']}: {result.get('differences')}"


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
