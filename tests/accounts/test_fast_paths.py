"""The reads that must stay fast at a real center's size: each kind of search on its own index (equality for ID,
phone and account numbers, the trigram index for names), the trigram migration's guard when pg_trgm is missing,
and the account page's running balance read page by page, equal to the fen to the full window computation."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Case, DecimalField, F, Sum, When, Window
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import selectors, services
from accounts.filters import EmployerFilter
from accounts.models import Employer
from core import trigram
from core.actors import system_actor
from ledger.models import JournalLine
from ledger.posting import credit, debit, post
from ledger.selectors import RunningBalanceLines, lines_with_running_balance
from ledger.services import create_bank_account

ID_ZHANG = "110101199003070011"
ID_LEGACY_18 = "110101195501010013"  # born 1955: its 15-digit form is 110101550101001
USCC_A = "91350100M000100Y43"


@pytest.fixture
def employer(clerk):
    return services.register_employer(
        actor=clerk, uscc=USCC_A, name="示范科技有限公司", address="示范市人民路1号", legal_representative="王强",
        contact_name="李丽", contact_phone="13800000001", economic_type="80", payday=10, bank="102")


@pytest.fixture
def account(clerk, employer):
    person = services.register_depositor(actor=clerk, name="张三丰", id_number=ID_ZHANG, phone="13912345678")
    return services.open_account(actor=clerk, employer=employer, depositor=person, base=Decimal("10000"))


@pytest.fixture
def legacy_account(clerk, employer):
    person = services.register_depositor(actor=clerk, name="欧阳明", id_number=ID_LEGACY_18, phone="13700000000")
    return services.open_account(actor=clerk, employer=employer, depositor=person, base=Decimal("6000"))


def search_sql(clerk, q):
    with CaptureQueriesContext(connection) as ctx:
        rows = selectors.search_depositors(viewer=clerk, q=q)
    sql = [query["sql"] for query in ctx.captured_queries if "accounts_fundaccount" in query["sql"]]
    assert len(sql) == 1
    return rows, sql[0]


# --- search ----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("q, kind, value", [
    (ID_ZHANG, "id", ID_ZHANG),
    ("11010519491231002x", "id", "11010519491231002X"),
    ("110101550101001", "id", ID_LEGACY_18),
    ("139 1234 5678", "phone", "13912345678"),
    ("1010000000015", "account", "1010000000015"),
    ("101000000001X", "account", "101000000001X"),
    ("张三", "name", "张三"),
    ("Smith J", "name", "Smith J"),
])
def test_search_kind(q, kind, value):
    assert selectors.search_kind(q) == (kind, value)


def test_search_by_id_number_is_one_equality(clerk, account):
    rows, sql = search_sql(clerk, ID_ZHANG)
    assert [r.pk for r in rows] == [account.pk]
    assert f'"accounts_depositor"."id_number" = \'{ID_ZHANG}\'' in sql
    assert "LIKE" not in sql and " OR " not in sql


def test_search_by_legacy_15_digit_id_is_an_equality_on_the_18_character_form(clerk, account, legacy_account):
    rows, sql = search_sql(clerk, "110101550101001")
    assert [r.pk for r in rows] == [legacy_account.pk]
    assert f'"accounts_depositor"."id_number" = \'{ID_LEGACY_18}\'' in sql and "LIKE" not in sql


def test_search_by_account_number_is_one_equality(clerk, account, legacy_account):
    rows, sql = search_sql(clerk, legacy_account.number)
    assert [r.pk for r in rows] == [legacy_account.pk]
    assert f'"accounts_fundaccount"."number" = \'{legacy_account.number}\'' in sql
    assert "LIKE" not in sql and " OR " not in sql


def test_search_by_phone_is_one_equality(clerk, account, legacy_account):
    rows, sql = search_sql(clerk, "13912345678")
    assert [r.pk for r in rows] == [account.pk]
    assert '"accounts_depositor"."phone" = \'13912345678\'' in sql and "LIKE" not in sql


def test_search_by_name_contains_from_three_characters_and_by_prefix_below(clerk, account, legacy_account):
    rows, sql = search_sql(clerk, "三丰")  # two characters: the start of a name only
    assert rows == [] and "LIKE UPPER('三丰%')" in sql
    rows, sql = search_sql(clerk, "张三")
    assert [r.pk for r in rows] == [account.pk]
    rows, sql = search_sql(clerk, "阳明")
    assert rows == []
    rows, sql = search_sql(clerk, "欧阳明")
    assert [r.pk for r in rows] == [legacy_account.pk] and "LIKE UPPER('%欧阳明%')" in sql
    rows, sql = search_sql(clerk, "张三丰")
    assert [r.pk for r in rows] == [account.pk]


def test_name_search_can_use_the_trigram_index(clerk, account):
    """Where the server has pg_trgm (the service, the Docker image) the index exists and serves the search's own
    SQL; where it has not (the embedded server), there is no index and the same SQL still answers."""
    from accounts.models import FundAccount

    qs = FundAccount.objects.visible_to(clerk).filter(depositor__name__icontains="张三丰")
    with connection.cursor() as cur:
        cur.execute("SELECT indexname FROM pg_indexes WHERE indexname IN ('depositor_name_trgm', "
                    "'employer_name_trgm') ORDER BY 1")
        indexes = [r[0] for r in cur.fetchall()]
        if trigram.available(connection):
            assert indexes == ["depositor_name_trgm", "employer_name_trgm"]
            cur.execute("SET LOCAL enable_seqscan = off")
            sql, params = qs.query.sql_with_params()
            cur.execute("EXPLAIN " + sql, params)
            plan = "\n".join(r[0] for r in cur.fetchall())
            cur.execute("SET LOCAL enable_seqscan = on")
            assert "depositor_name_trgm" in plan
        else:
            assert indexes == []
    assert list(qs) == [account]


def test_employer_search_uses_equality_for_numbers_and_the_name_otherwise(clerk, employer):
    other = services.register_employer(
        actor=clerk, uscc="914403001922038216", name="示范物流有限公司", address="示范市解放路2号",
        legal_representative="陈明", contact_name="周红", contact_phone="13800000002", economic_type="50", payday=15,
        bank="105")
    for q, expected, needle in [
        (other.account_number, [other], f'"accounts_employer"."account_number" = \'{other.account_number}\''),
        (USCC_A.lower(), [employer], f'"accounts_employer"."uscc" = \'{USCC_A}\''),
        ("物流", [other], "LIKE UPPER('%物流%')"),
        ("示范", [employer, other], "LIKE UPPER('%示范%')"),
    ]:
        with CaptureQueriesContext(connection) as ctx:
            found = list(EmployerFilter.apply({"q": q}, Employer.objects.all()).order_by("pk"))
        assert found == expected
        assert needle in ctx.captured_queries[-1]["sql"]


# --- the migration's guard -------------------------------------------------------------------------------------------

class RecordingEditor:
    def __init__(self, fail_on=None):
        self.connection = connection
        self.statements = []
        self.fail_on = fail_on

    def execute(self, sql, params=None):
        if self.fail_on and self.fail_on in sql:
            with connection.cursor() as cur:  # fail in the database, as a refused CREATE EXTENSION does
                cur.execute("SELECT 1/0")
        self.statements.append(sql)


INDEXES = (("t_name_trgm", "accounts_depositor", "name"),)


def test_guard_creates_nothing_without_pg_trgm(db, monkeypatch):
    monkeypatch.setattr(trigram, "available", lambda conn: False)
    editor = RecordingEditor()
    assert trigram.create_indexes(editor, INDEXES) is False
    assert editor.statements == []


def test_guard_survives_a_refused_create_extension(db, monkeypatch):
    monkeypatch.setattr(trigram, "available", lambda conn: True)
    monkeypatch.setattr(trigram, "installed", lambda conn: False)
    editor = RecordingEditor(fail_on="CREATE EXTENSION")
    assert trigram.create_indexes(editor, INDEXES) is False
    assert editor.statements == []
    assert Employer.objects.count() == 0  # the transaction is still usable after the refusal


def test_guard_creates_the_indexes_where_pg_trgm_is_available(db):
    editor = RecordingEditor()
    available = trigram.available(connection)
    assert trigram.create_indexes(editor, INDEXES) is available
    expected = [trigram.index_sql("t_name_trgm", "accounts_depositor", "name")] if available else []
    assert [s for s in editor.statements if s.startswith("CREATE INDEX")] == expected


def test_the_available_check_reads_pg_available_extensions(db):
    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM pg_available_extensions WHERE name = 'pg_trgm'")
        assert trigram.available(connection) is (cur.fetchone()[0] == 1)


# --- the running balance, page by page -------------------------------------------------------------------------------

@pytest.fixture
def bank(db):
    return create_bank_account(actor=system_actor(), bank="102", number="6222000011112222", name="归集户")


def full_window(account):
    """The former computation: a window over every line of the account."""
    normal = "D" if account.ledger_account.debit_normal else "C"
    signed = Case(When(side=normal, then=F("amount")), default=-F("amount"),
                  output_field=DecimalField(max_digits=18, decimal_places=2))
    qs = (JournalLine.objects.filter(account=account.ledger_account)
          .annotate(running=Window(expression=Sum(signed), order_by=[F("id").asc()])).order_by("-id"))
    return [(line.pk, line.running) for line in qs]


def post_history(bank, account, n=23):
    """Deposits with odd fen and every third a withdrawal, so the balance after each line differs."""
    for i in range(n):
        if i % 3 == 2:
            amount = Decimal("37.19") + Decimal(i) / 100
            lines = [debit(account.ledger_account, amount), credit(bank.ledger_account, amount)]
        else:
            amount = Decimal("101.07") + Decimal(i * 7) / 100
            lines = [debit(bank.ledger_account, amount), credit(account.ledger_account, amount)]
        post(actor=system_actor(), lines=lines, memo=f"line {i}", business_type="01")


def test_paged_running_balance_equals_the_full_window_across_pages(clerk, bank, account):
    post_history(bank, account)
    account.ledger_account.refresh_from_db()
    expected = full_window(account)
    assert len(expected) == 23 and expected[0][1] == account.ledger_account.balance
    lines = RunningBalanceLines(account.ledger_account, viewer=clerk)
    assert lines.count() == 23
    paged = [(line.pk, line.running) for start in range(0, 30, 10) for line in lines[start:start + 10]]
    assert paged == expected
    assert [(line.pk, line.running) for line in lines] == expected
    assert [(line.pk, line.running) for line in lines[7:16]] == expected[7:16]  # a page boundary inside
    assert lines[22].running == expected[22][1] == Decimal("101.07")
    assert [(line.pk, line.running) for line in lines_with_running_balance(
        account.ledger_account, viewer=clerk, limit=5)] == expected[:5]


def test_a_depositor_sees_no_lines_of_someone_else(bank, account):
    from tests.conftest import make_user

    post_history(bank, account, n=3)
    stranger = make_user("stranger", "depositor")
    lines = RunningBalanceLines(account.ledger_account, viewer=stranger)
    assert lines.count() == 0 and lines[0:10] == [] and list(lines) == []


def test_account_page_second_page_shows_the_balance_after_each_line(client, clerk, bank, account):
    post_history(bank, account)
    expected = full_window(account)
    client.force_login(clerk)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("accounts:account", args=[account.number]), {"page": 2, "per_page": 10})
    assert response.status_code == 200
    page = response.context["table"].page
    assert [(line.pk, line.running) for line in page.object_list.data] == expected[10:20]
    assert not any("OVER (ORDER BY" in q["sql"] and "LIMIT" not in q["sql"] for q in ctx.captured_queries)


def test_a_single_character_ranks_a_bounded_sample_of_the_names_it_starts(clerk, account, legacy_account):
    rows, sql = search_sql(clerk, "欧")
    assert [r.pk for r in rows] == [legacy_account.pk]
    assert f"LIKE UPPER('欧%') LIMIT {selectors.SURNAME_SAMPLE})" in sql
    assert search_sql(clerk, "丰")[0] == []  # the start of a name, not its middle
