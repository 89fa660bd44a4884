"""Counter pages: search, account and employer pages, the forms, and who may open them."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts import services
from accounts.models import AccountEvent, Depositor, Employer, FundAccount
from core import roles
from core.actors import system_actor
from core.models import AuditEvent
from ledger.models import Hold, JournalEntry
from ledger.posting import credit, debit, post
from ledger.services import create_bank_account, place_hold
from tests.conftest import make_user

ID_ZHANG = "110101199003070011"
ID_LI = "320106198508151235"
ID_NEW = "11010519491231002X"
USCC_A = "91350100M000100Y43"
USCC_B = "914403001922038216"
USCC_NEW = "91110000802100433B"


@pytest.fixture
def employer(clerk):
    return services.register_employer(
        actor=clerk, uscc=USCC_A, name="示范科技有限公司", address="示范市人民路1号", legal_representative="王强",
        contact_name="李丽", contact_phone="13800000001", economic_type="80", payday=10, bank="102")


@pytest.fixture
def other_employer(clerk):
    return services.register_employer(
        actor=clerk, uscc=USCC_B, name="示范物流有限公司", address="示范市解放路2号", legal_representative="陈明",
        contact_name="周红", contact_phone="13800000002", economic_type="50", payday=15, bank="105")


@pytest.fixture
def account(clerk, employer):
    person = services.register_depositor(actor=clerk, name="张三", id_number=ID_ZHANG, phone="13912345678")
    return services.open_account(actor=clerk, employer=employer, depositor=person, base=Decimal("10000"))


@pytest.fixture
def second_account(clerk, employer):
    person = services.register_depositor(actor=clerk, name="李四", id_number=ID_LI, phone="13687654321")
    return services.open_account(actor=clerk, employer=employer, depositor=person, base=Decimal("8000"))


@pytest.fixture
def bank(db):
    return create_bank_account(actor=system_actor(),
                               bank="102", number="6222000011112222", name="示范市住房公积金管理中心归集户")


def deposit(bank, account, amount, memo="汇缴 2026年10月"):
    amount = Decimal(amount)
    return post(actor=system_actor(),
                lines=[debit(bank.ledger_account, amount), credit(account.ledger_account, amount)], memo=memo)


@pytest.fixture
def staff_client(client, clerk):
    client.force_login(clerk)
    return client


def counts():
    return (Employer.objects.count(), Depositor.objects.count(), FundAccount.objects.count(),
            AccountEvent.objects.count(), JournalEntry.objects.count())


# --- search --------------------------------------------------------------------------------------------------------

def test_search_by_name_shows_the_person_with_masked_id_and_phone(staff_client, account, second_account):
    response = staff_client.get(reverse("accounts:search"), {"q": "张"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "张三" in html and "李四" not in html
    assert "110***********0011" in html
    assert ID_ZHANG not in html
    assert "139****5678" in html and "13912345678" not in html
    assert reverse("accounts:account", args=[account.number]) in html


def test_search_partial_for_htmx_renders_only_rows(staff_client, account):
    response = staff_client.get(reverse("accounts:search_results"), {"q": "张"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<nav" not in html and "search-row" in html and "张三" in html


@pytest.mark.parametrize("query", [ID_ZHANG, "13912345678", "number"])
def test_search_by_exact_id_phone_or_account_number(staff_client, account, second_account, query):
    query = account.number if query == "number" else query
    response = staff_client.get(reverse("accounts:search_results"), {"q": query})
    html = response.content.decode()
    assert "张三" in html and "李四" not in html


def test_partial_id_number_does_not_match(staff_client, account):
    html = staff_client.get(reverse("accounts:search_results"), {"q": ID_ZHANG[:10]}).content.decode()
    assert "张三" not in html


def test_search_returns_at_most_twenty_rows(clerk, employer):
    from accounts import selectors
    from core.identity import resident_id_check_char

    for i in range(25):
        first17 = f"11010119900101{i:03d}"
        person = services.register_depositor(actor=clerk, name=f"王{i:02d}", id_number=first17 +
                                             resident_id_check_char(first17))
        services.open_account(actor=clerk, employer=employer, depositor=person, base=Decimal("5000"))
    assert len(selectors.search_depositors(viewer=clerk, q="王")) == 20


def test_search_refuses_a_depositor_user(client, account):
    client.force_login(make_user("someone", roles.DEPOSITOR))
    assert client.get(reverse("accounts:search"), {"q": "张"}).status_code == 403
    assert client.get(reverse("accounts:search_results"), {"q": "张"}).status_code == 403


# --- account page --------------------------------------------------------------------------------------------------

def test_account_page_shows_balance_available_holds_history_and_ledger(staff_client, clerk, account, bank):
    deposit(bank, account, "1234.56")
    deposit(bank, account, "1000.00", memo="汇缴 2026年11月")
    place_hold(account=account.ledger_account, amount=Decimal("500.00"), kind=Hold.Kind.JUDICIAL,
               reference="(2026)示01执123号", actor=clerk)
    response = staff_client.get(reverse("accounts:account", args=[account.number]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="balance">2,234.56<' in html
    assert 'id="available">1,734.56<' in html
    assert 'id="held">500.00<' in html
    assert "(2026)示01执123号" in html
    assert ID_ZHANG in html  # the full ID number only here
    assert "139****5678" in html and "13912345678" not in html
    assert "示范科技有限公司" in html
    assert "开户" in html  # status history (business type 03 open)
    # ledger lines with running balance, newest first
    assert html.index("汇缴 2026年11月") < html.index("汇缴 2026年10月")
    assert "1,234.56" in html and "2,234.56" in html


def test_viewing_an_account_is_audited(staff_client, clerk, account):
    staff_client.get(reverse("accounts:account", args=[account.number]))
    event = AuditEvent.objects.get(action="account.view")
    assert event.actor == clerk
    assert event.object_id == str(account.pk)


def test_searching_does_not_show_full_id_and_is_not_an_account_view(staff_client, account):
    staff_client.get(reverse("accounts:search"), {"q": "张三"})
    assert not AuditEvent.objects.filter(action="account.view").exists()


def test_unknown_account_is_404(staff_client, db):
    assert staff_client.get(reverse("accounts:account", args=["1019999999999"])).status_code == 404


def test_auditor_may_read_but_not_write(client, auditor, account):
    client.force_login(auditor)
    assert client.get(reverse("accounts:account", args=[account.number])).status_code == 200
    assert client.get(reverse("accounts:employers")).status_code == 200
    assert client.get(reverse("accounts:account_new")).status_code == 403
    response = client.post(reverse("accounts:account_seal", args=[account.number]), {"reason": "离职"})
    assert response.status_code == 403
    account.refresh_from_db()
    assert account.status == FundAccount.Status.NORMAL


@pytest.mark.parametrize("role", [roles.DEPOSITOR, roles.EMPLOYER_AGENT])
def test_depositors_and_employer_agents_get_403_on_counter(client, account, role):
    client.force_login(make_user("outsider", role))
    assert client.get(reverse("core:home")).status_code == 403
    assert client.get(reverse("accounts:account", args=[account.number])).status_code == 403
    assert client.get(reverse("accounts:employer", args=[account.employer.account_number])).status_code == 403
    assert not AuditEvent.objects.filter(action="account.view").exists()


def test_anonymous_user_is_sent_to_login(client, account):
    response = client.get(reverse("accounts:account", args=[account.number]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))


# --- employer pages ------------------------------------------------------------------------------------------------

def test_employer_list_and_page_show_employees_status_and_suspense(staff_client, clerk, account, second_account):
    services.seal_account(actor=clerk, account=second_account, reason="离职")
    html = staff_client.get(reverse("accounts:employers")).content.decode()
    assert "示范科技有限公司" in html
    employer = account.employer
    html = staff_client.get(reverse("accounts:employer", args=[employer.account_number])).content.decode()
    assert "张三" in html and "李四" in html
    assert "110***********0011" in html and ID_ZHANG not in html
    assert "封存" in html and "正常" in html
    assert 'id="suspense-balance">0.00<' in html


def test_pages_do_not_run_a_query_per_row(staff_client, clerk, employer, bank, django_assert_max_num_queries):
    from core.identity import resident_id_check_char

    for i in range(12):
        first17 = f"11010119850101{i:03d}"
        person = services.register_depositor(actor=clerk, name=f"职工{i:02d}", id_number=first17 +
                                             resident_id_check_char(first17), phone=f"1390000{i:04d}")
        account = services.open_account(actor=clerk, employer=employer, depositor=person, base=Decimal("5000"))
        deposit(bank, account, "10.00")
    with django_assert_max_num_queries(15):
        staff_client.get(reverse("accounts:employer", args=[employer.account_number]))
    with django_assert_max_num_queries(15):
        staff_client.get(reverse("accounts:employers"))
    with django_assert_max_num_queries(15):
        staff_client.get(reverse("accounts:search_results"), {"q": "职工"})
    with django_assert_max_num_queries(23):  # the panels: certificates (list, business date), cases (one UNION)
        staff_client.get(reverse("accounts:account", args=[account.number]))


def test_employer_list_search(staff_client, employer, other_employer):
    html = staff_client.get(reverse("accounts:employers"), {"q": "物流"}).content.decode()
    assert "示范物流有限公司" in html and "示范科技有限公司" not in html


# --- register employer form ----------------------------------------------------------------------------------------

EMPLOYER_POST = {
    "uscc": USCC_NEW, "name": "新华书店", "address": "示范市中山路3号", "legal_representative": "刘洋",
    "contact_name": "孙丽", "contact_phone": "13800000003", "economic_type": "50", "industry": "零售",
    "payday": "10", "bank": "104", "employer_ratio": "10", "employee_ratio": "",
}


def test_register_employer_saves_and_redirects(staff_client):
    response = staff_client.post(reverse("accounts:employer_new"), EMPLOYER_POST)
    employer = Employer.objects.get(uscc=USCC_NEW)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:employer", args=[employer.account_number])
    assert employer.employer_ratio == Decimal("0.10")
    assert employer.employee_ratio == Decimal("0.12")  # the center's default
    page = staff_client.get(response["Location"]).content.decode()
    assert "新华书店" in page and employer.account_number in page


def test_register_employer_with_bad_uscc_shows_chinese_message_and_saves_nothing(staff_client, db):
    before = counts()
    response = staff_client.post(reverse("accounts:employer_new"), {**EMPLOYER_POST, "uscc": "91350100M000100Y44"})
    assert response.status_code == 200
    assert "统一社会信用代码校验位错误，应为 3。" in response.content.decode()
    assert counts() == before


def test_register_employer_with_out_of_range_ratio_shows_service_message(staff_client, db):
    before = counts()
    response = staff_client.post(reverse("accounts:employer_new"), {**EMPLOYER_POST, "employer_ratio": "15"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "15%" in html and "5%" in html and "12%" in html
    assert response.context["form"].errors["employer_ratio"]
    assert counts() == before


def test_register_duplicate_employer_is_refused(staff_client, employer):
    before = counts()
    response = staff_client.post(reverse("accounts:employer_new"), {**EMPLOYER_POST, "uscc": USCC_A})
    assert response.status_code == 200
    assert response.context["form"].errors["uscc"]
    assert counts() == before


# --- open account form ---------------------------------------------------------------------------------------------

def open_post(emp, **kw):
    data = {"employer": emp.account_number, "name": "赵敏", "id_number": ID_NEW, "phone": "13700001111",
            "marital_status": "20", "local_hukou": "on", "children": "1", "base": "9000.00",
            "employee_ratio": "", "employer_ratio": ""}
    data.update(kw)
    return data


def test_open_account_registers_a_new_person(staff_client, clerk, employer):
    response = staff_client.post(reverse("accounts:account_new"), open_post(employer))
    account = FundAccount.objects.get(depositor__id_number=ID_NEW)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:account", args=[account.number])
    person = account.depositor
    assert (person.name, person.phone, person.marital_status, person.local_hukou, person.children) == (
        "赵敏", "13700001111", "20", True, 1)
    assert account.employer == employer and account.base == Decimal("9000.00")
    assert account.employee_ratio == employer.employee_ratio
    assert account.events.get().business_type == AccountEvent.BusinessType.OPEN


def test_open_account_reuses_an_existing_person(staff_client, clerk, employer, other_employer, account):
    services.seal_account(actor=clerk, account=account, reason="离职")
    services.close_account(actor=clerk, account=account, status=FundAccount.Status.CLOSED_TRANSFERRED,
                           reason="转出")
    before_people = Depositor.objects.count()
    response = staff_client.post(reverse("accounts:account_new"),
                                 open_post(other_employer, name="张三", id_number=ID_ZHANG, employee_ratio="8"))
    assert response.status_code == 302
    assert Depositor.objects.count() == before_people
    new = FundAccount.objects.get(depositor__id_number=ID_ZHANG, status=FundAccount.Status.NORMAL)
    assert new.employer == other_employer and new.employee_ratio == Decimal("0.08")


def test_open_account_with_wrong_check_character_shows_chinese_message_and_saves_nothing(staff_client, employer):
    before = counts()
    response = staff_client.post(reverse("accounts:account_new"), open_post(employer, id_number="110101199003070012"))
    assert response.status_code == 200
    assert "身份证号码校验位错误，应为 1。" in response.content.decode()
    assert response.context["form"].errors["id_number"] == ["身份证号码校验位错误，应为 1。"]
    assert counts() == before


def test_open_account_with_base_out_of_range_writes_nothing(staff_client, employer):
    before = counts()
    response = staff_client.post(reverse("accounts:account_new"), open_post(employer, base="100000"))
    assert response.status_code == 200
    assert response.context["form"].errors["base"]
    assert counts() == before  # the person registered first was rolled back too


def test_open_account_for_a_person_with_an_open_account_is_refused(staff_client, employer, other_employer, account):
    before = counts()
    response = staff_client.post(reverse("accounts:account_new"),
                                 open_post(other_employer, name="张三", id_number=ID_ZHANG))
    assert response.status_code == 200
    assert account.number in " ".join(response.context["form"].errors["id_number"])
    assert counts() == before


def test_open_account_with_another_name_for_a_known_id_is_refused(staff_client, clerk, employer, account):
    services.seal_account(actor=clerk, account=account, reason="离职")
    services.close_account(actor=clerk, account=account, status=FundAccount.Status.CLOSED_TRANSFERRED,
                           reason="转出")
    before = counts()
    response = staff_client.post(reverse("accounts:account_new"), open_post(employer, name="张山", id_number=ID_ZHANG))
    assert response.status_code == 200
    assert "张三" in " ".join(response.context["form"].errors["name"])
    assert counts() == before


def test_open_account_with_unknown_employer(staff_client, employer):
    before = counts()
    response = staff_client.post(reverse("accounts:account_new"), open_post(employer, employer="8019999999"))
    assert response.status_code == 200
    assert "8019999999" in " ".join(response.context["form"].errors["employer"])
    assert counts() == before


def test_open_account_form_prefills_employer(staff_client, employer):
    response = staff_client.get(reverse("accounts:account_new"), {"employer": employer.account_number})
    assert response.context["form"]["employer"].value() == employer.account_number


# --- seal and unseal -----------------------------------------------------------------------------------------------

def test_seal_and_unseal_into_another_employer(staff_client, account, other_employer, bank):
    deposit(bank, account, "300.00")
    response = staff_client.post(reverse("accounts:account_seal", args=[account.number]), {"reason": "离职"})
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.status == FundAccount.Status.SEALED and account.seal_reason == "离职"

    response = staff_client.post(reverse("accounts:account_unseal", args=[account.number]),
                                 {"employer": other_employer.account_number, "base": "", "employee_ratio": "",
                                  "employer_ratio": ""})
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.status == FundAccount.Status.NORMAL and account.employer == other_employer
    assert account.base == Decimal("10000.00")
    assert list(account.events.values_list("business_type", flat=True)) == ["03", "05", "06"]
    account.ledger_account.refresh_from_db()
    assert account.ledger_account.balance == Decimal("300.00")
    html = staff_client.get(reverse("accounts:account", args=[account.number])).content.decode()
    assert "内部转移" in html and "示范物流有限公司" in html


def test_seal_without_reason_is_refused(staff_client, account):
    response = staff_client.post(reverse("accounts:account_seal", args=[account.number]), {"reason": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    account.refresh_from_db()
    assert account.status == FundAccount.Status.NORMAL


def test_sealing_a_sealed_account_shows_the_service_message(staff_client, clerk, account):
    services.seal_account(actor=clerk, account=account, reason="离职")
    events = AccountEvent.objects.count()
    response = staff_client.post(reverse("accounts:account_seal", args=[account.number]), {"reason": "再次"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["只有正常状态的账户可以封存，该账户当前为“封存”。"]
    assert AccountEvent.objects.count() == events


def test_unseal_with_base_below_floor_keeps_account_sealed(staff_client, clerk, account, other_employer):
    services.seal_account(actor=clerk, account=account, reason="离职")
    response = staff_client.post(reverse("accounts:account_unseal", args=[account.number]),
                                 {"employer": other_employer.account_number, "base": "100"})
    assert response.status_code == 200
    assert response.context["form"].errors["base"]
    account.refresh_from_db()
    assert account.status == FundAccount.Status.SEALED


# --- pages of the layout -------------------------------------------------------------------------------------------

def test_home_shows_links_by_role(client, clerk, finance):
    client.force_login(clerk)
    html = client.get(reverse("core:home")).content.decode()
    assert reverse("accounts:account_new") in html and reverse("ledger:reconciliation") not in html
    client.force_login(finance)
    html = client.get(reverse("core:home")).content.decode()
    assert reverse("ledger:reconciliation") in html and reverse("accounts:account_new") not in html


def test_layout_has_language_switcher_and_post_logout(staff_client):
    html = staff_client.get(reverse("core:home")).content.decode()
    assert 'action="/i18n/setlang/"' in html and 'value="en"' in html and 'value="zh-hans"' in html
    assert f'action="{reverse("core:logout")}" method="post"' in html
    assert "http://" not in html.replace("http://testserver", "") and "https://" not in html


def test_english_is_available(staff_client):
    staff_client.post("/i18n/setlang/", {"language": "en", "next": "/counter/"})
    html = staff_client.get(reverse("accounts:search")).content.decode()
    assert "Find a depositor" in html


def test_login_page_renders(client, db):
    response = client.get(reverse("core:login"))
    assert response.status_code == 200
    assert 'name="username"' in response.content.decode()


def test_reconciliation_page_runs_and_lists_checks(client, finance, clerk, account, bank):
    deposit(bank, account, "50.00")
    client.force_login(finance)
    response = client.post(reverse("ledger:reconciliation"))
    assert response.status_code == 302
    html = client.get(reverse("ledger:reconciliation")).content.decode()
    assert "试算平衡" in html and "银行存款账实相符" in html
    client.force_login(clerk)
    assert client.get(reverse("ledger:reconciliation")).status_code == 403


# --- change and close an employer ----------------------------------------------------------------------------------

def employer_change_post(employer, **changes):
    data = {"name": employer.name, "address": employer.address, "legal_representative": employer.legal_representative,
            "contact_name": employer.contact_name, "contact_phone": employer.contact_phone,
            "economic_type": employer.economic_type, "industry": employer.industry, "payday": str(employer.payday),
            "bank": employer.bank, "employer_ratio": "12", "employee_ratio": "12"}
    return {**data, **changes}


def test_change_employer_saves_only_what_changed_and_audits_it(staff_client, employer):
    url = reverse("accounts:employer_edit", args=[employer.account_number])
    page = staff_client.get(url).content.decode()
    assert 'value="示范科技有限公司"' in page and 'value="12"' in page and "uscc" not in page
    response = staff_client.post(url, employer_change_post(employer, address="示范市人民路99号", employer_ratio="10"))
    assert response.status_code == 302
    employer.refresh_from_db()
    assert (employer.address, employer.employer_ratio, employer.employee_ratio) == (
        "示范市人民路99号", Decimal("0.10"), Decimal("0.12"))
    event = AuditEvent.objects.filter(action="employer.change").latest("id")
    assert set(event.after) == {"address", "employer_ratio"}


def test_change_employer_refuses_a_ratio_outside_the_bounds_and_changes_nothing(staff_client, employer):
    url = reverse("accounts:employer_edit", args=[employer.account_number])
    response = staff_client.post(url, employer_change_post(employer, address="别处", employee_ratio="13"))
    assert response.status_code == 200 and response.context["form"].errors["employee_ratio"]
    assert "13%" in response.content.decode()
    employer.refresh_from_db()
    assert (employer.address, employer.employee_ratio) == ("示范市人民路1号", Decimal("0.12"))


def test_close_employer_refused_with_active_employees_then_closed(staff_client, clerk, employer, account):
    url = reverse("accounts:employer_close", args=[employer.account_number])
    response = staff_client.post(url, {"reason": "单位注销"})
    assert response.status_code == 200 and "仍有 1 个正常缴存的职工账户" in response.content.decode()
    employer.refresh_from_db()
    assert employer.status != Employer.Status.CLOSED
    services.seal_account(actor=clerk, account=account, reason="离职")
    response = staff_client.post(url, {"reason": "单位注销"})
    assert response.status_code == 302
    employer.refresh_from_db()
    assert (employer.status, employer.close_reason) == (Employer.Status.CLOSED, "单位注销")
    page = staff_client.get(response["Location"]).content.decode()
    assert reverse("accounts:employer_close", args=[employer.account_number]) not in page


def test_employer_list_sorts_pages_and_exports_escaped(staff_client, clerk, employer, other_employer):
    import csv
    import io

    from openpyxl import load_workbook

    from tests import factories

    evil = '=HYPERLINK("http://evil.example","点我")'
    factories.employer(clerk, name=evil)
    url = reverse("accounts:employers")
    names = list(Employer.objects.order_by("name").values_list("name", flat=True))  # the database's collation
    shown = [name.replace('"', "&quot;") for name in names]
    page = staff_client.get(url, {"sort": "name", "per_page": 2}).content.decode()
    table = page.split('id="employers"')[1]
    assert table.index(shown[0]) < table.index(shown[1]) and shown[2] not in table
    assert "第 1 页，共 2 页" in page and 'href="?sort=name&amp;per_page=2&amp;page=2"' in page
    assert 'href="?sort=name&amp;per_page=2&amp;export=csv" id="export-csv"' in page
    assert 'href="?sort=name&amp;per_page=2&amp;export=xlsx" id="export-xlsx"' in page
    table = staff_client.get(url, {"sort": "name", "per_page": 2, "page": 2}).content.decode().split(
        'id="employers"')[1]
    assert shown[2] in table and shown[0] not in table and shown[1] not in table
    # the export has every row (not one page), sorted like the page, and the formula name escaped
    export = staff_client.get(url, {"sort": "-name", "per_page": 2, "export": "csv"})
    assert export["Content-Type"] == "text/csv; charset=utf-8"
    assert export["Content-Disposition"] == 'attachment; filename="employers.csv"'
    rows = list(csv.reader(io.StringIO(export.getvalue().decode("utf-8-sig"))))
    assert rows[0][:3] == ["单位账号", "单位名称", "统一社会信用代码"]
    assert [r[1] for r in rows[1:]] == [("'" + n if n == evil else n) for n in reversed(names)]
    export = staff_client.get(url, {"q": "HYPERLINK", "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(export.getvalue())).active
    assert sheet.max_row == 2 and sheet["B2"].value == "'" + evil and sheet["B2"].data_type == "s"
    assert sheet["G2"].value == 0 and sheet["G2"].data_type == "n"  # money as a number


@pytest.mark.parametrize("per_page", ["0", "-3", "x", "100000000"])
def test_employer_list_bounds_the_page_size(staff_client, employer, per_page):
    response = staff_client.get(reverse("accounts:employers"), {"per_page": per_page, "page": "-1", "sort": "nope"})
    assert response.status_code == 200 and "示范科技有限公司" in response.content.decode()
