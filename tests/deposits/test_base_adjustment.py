import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from accounts import services as account_services
from accounts.models import AccountEvent, FundAccount
from core import roles, tabular
from core.actors import system_actor
from core.business_date import set_business_date
from core.errors import Forbidden, InvalidInput
from core.models import AuditEvent
from core.tabular import RowError
from deposits import selectors, tasks
from deposits.models import BaseAdjustment, BaseAdjustmentLine
from deposits.services import base_adjustment as services
from deposits.services import remittance as remit
from tests import factories
from tests.conftest import make_user

JUNE, JULY = datetime.date(2026, 6, 1), datetime.date(2026, 7, 1)


@pytest.fixture(autouse=True)
def setup(db):
    set_business_date(actor=system_actor(), date=datetime.date(2026, 6, 15))
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def emp(clerk):
    employer = factories.employer(clerk, employer_ratio=Decimal("0.07"), employee_ratio=Decimal("0.07"))
    for name, base in (("甲", "8000"), ("乙", "2330"), ("丙", "30000")):
        factories.account(clerk, employer, name=name, base=base)
    return employer


@pytest.fixture
def agent(clerk, emp):
    user = make_user("agent", roles.EMPLOYER_AGENT)
    account_services.link_employer_agent(actor=clerk, user=user, employer=emp)
    return user


def numbers(emp):
    return {a.depositor.name: a.number for a in FundAccount.objects.filter(employer=emp).select_related("depositor")}


def bases(emp):
    return dict(FundAccount.objects.filter(employer=emp).values_list("depositor__name", "base"))


def rows(emp):
    n = numbers(emp)
    return [{"account_number": n["甲"], "wage": "9380.50"},
            {"account_number": n["乙"], "name": "乙", "wage": "2000"},
            {"account_number": n["丙"], "wage": "45,000.00"}]


def test_bases_are_clamped_reported_and_applied_on_july_1(agent, emp):
    adjustment = services.submit_base_adjustment(actor=agent, employer=emp, rows=rows(emp))
    assert (adjustment.status, adjustment.effective_from, adjustment.line_count, adjustment.clamped_count) == (
        "pending", JULY, 3, 2)
    report = [(ln.account.depositor.name, ln.wage, ln.old_base, ln.new_base, ln.clamped)
              for ln in selectors.clamped_lines(adjustment, viewer=system_actor())]
    assert report == [("乙", Decimal("2000.00"), Decimal("2330.00"), Decimal("2330.00"), "floor"),
                      ("丙", Decimal("45000.00"), Decimal("30000.00"), Decimal("32969.00"), "cap")]
    assert bases(emp) == {"甲": Decimal("8000.00"), "乙": Decimal("2330.00"), "丙": Decimal("30000.00")}

    assert services.apply_due_adjustments(actor=system_actor(),
                                          on=datetime.date(2026, 6, 30)) == {"adjustments": 0, "accounts": 0}
    set_business_date(actor=system_actor(), date=datetime.date(2026, 7, 1))
    assert tasks.apply_base_adjustments() == {"adjustments": 1, "accounts": 3, "changed": 2}
    assert bases(emp) == {"甲": Decimal("9380.50"), "乙": Decimal("2330.00"), "丙": Decimal("32969.00")}
    adjustment.refresh_from_db()
    assert (adjustment.status, adjustment.applied_on) == ("applied", datetime.date(2026, 7, 1))
    events = AccountEvent.objects.filter(business_type="70")
    assert events.count() == 2 and {e.reason for e in events} == {"2026 年度缴存基数调整"}
    assert services.apply_due_adjustments(actor=system_actor()) == {"adjustments": 0, "accounts": 0}  # idempotent
    assert AccountEvent.objects.filter(business_type="70").count() == 2

    july = remit.generate_list(actor=agent, employer=emp, month=JULY)
    amounts = {ln.account.depositor.name: ln.amount for ln in july.lines.select_related("account__depositor")}
    assert amounts == {"甲": Decimal("1313.28"), "乙": Decimal("326.20"), "丙": Decimal("4615.66")}


def test_lists_use_the_base_in_force_for_their_month(agent, emp):
    services.submit_base_adjustment(actor=agent, employer=emp, rows=rows(emp))
    set_business_date(actor=system_actor(), date=datetime.date(2026, 7, 20))  # the July 1 job has not run yet
    july = remit.generate_list(actor=agent, employer=emp, month=JULY)
    assert sorted(july.lines.values_list("base", flat=True)) == [Decimal("2330.00"), Decimal("9380.50"),
                                                                 Decimal("32969.00")]
    june = remit.generate_list(actor=agent, employer=emp, month=JUNE)  # late list of the old year
    assert sorted(june.lines.values_list("base", flat=True)) == [Decimal("2330.00"), Decimal("8000.00"),
                                                                 Decimal("30000.00")]
    services.apply_due_adjustments(actor=system_actor())
    remit.cancel_list(actor=agent, remittance=june)
    sup = remit.supplementary_list(actor=agent, employer=emp, months=[datetime.date(2026, 5, 1), JUNE],
                                   reason="补缴")
    assert sorted(set(sup.lines.values_list("base", flat=True))) == [Decimal("2330.00"), Decimal("8000.00"),
                                                                     Decimal("30000.00")]


def test_bad_rows_are_listed_and_nothing_is_stored(clerk, agent, emp):
    other = factories.account(clerk, None, name="外单位", base="5000")
    n = numbers(emp)
    bad = [{"account_number": n["甲"], "wage": "abc"},
           {"account_number": "999999", "wage": "5000"},
           {"account_number": other.number, "wage": "5000"},
           {"account_number": n["乙"], "wage": "-1"},
           {"account_number": n["丙"], "wage": "8000", "name": "李四"},
           {"account_number": n["丙"], "wage": ""},
           {"account_number": n["甲"], "wage": "100.123"}]
    with pytest.raises(services.BaseRowsInvalid) as info:
        services.submit_base_adjustment(actor=agent, employer=emp, rows=bad)
    errors = [(e.row, e.column, e.message) for e in info.value.errors]
    assert errors == [
        (2, "上年月平均工资", "不是数字"),
        (3, "个人账号", "999999 不是本单位职工"),
        (4, "个人账号", f"{other.number} 不是本单位职工"),
        (5, "上年月平均工资", "必须大于零"),
        (6, "姓名", "与账户户名丙不符"),
        (7, "个人账号", "在文件中重复出现"),
        (7, "上年月平均工资", "未填写"),
        (8, "个人账号", "在文件中重复出现"),
        (8, "上年月平均工资", "最多两位小数"),
    ]
    assert info.value.message.startswith("缴存基数有 9 处错误，未做任何更改。第 2 行，上年月平均工资：不是数字")
    assert len(info.value.fields["rows"]) == 9
    assert BaseAdjustment.objects.count() == 0 and BaseAdjustmentLine.objects.count() == 0
    assert bases(emp) == {"甲": Decimal("8000.00"), "乙": Decimal("2330.00"), "丙": Decimal("30000.00")}


def test_sealed_employee_and_other_employers_agent_are_refused(clerk, agent, emp):
    account = FundAccount.objects.get(employer=emp, depositor__name="乙")
    account_services.seal_account(actor=clerk, account=account, reason="离职")
    with pytest.raises(services.BaseRowsInvalid) as info:
        services.submit_base_adjustment(actor=agent, employer=emp, rows=rows(emp))
    assert info.value.errors == [RowError(3, "个人账号", "账户状态为封存，只调整正常缴存职工的基数")]
    other = factories.employer(clerk, name="别家公司")
    with pytest.raises(Forbidden):
        services.submit_base_adjustment(actor=agent, employer=other, rows=[])
    assert BaseAdjustment.objects.count() == 0


def test_upload_after_july_applies_at_once_and_replaces_nothing_applied(agent, emp):
    n = numbers(emp)
    csv = ("个人账号,姓名,上年月平均工资\n"
           f"{n['甲']},甲,9380.50\n"
           f"{n['乙']},乙,\"2,500\"\n").encode("utf-8-sig")
    set_business_date(actor=system_actor(), date=datetime.date(2026, 8, 10))
    adjustment = services.submit_base_file(actor=agent, employer=emp, filename="基数调整.csv", data=csv)
    assert (adjustment.status, adjustment.effective_from, adjustment.applied_on, adjustment.source) == (
        "applied", JULY, datetime.date(2026, 8, 10), "基数调整.csv")
    assert bases(emp) == {"甲": Decimal("9380.50"), "乙": Decimal("2500.00"), "丙": Decimal("30000.00")}
    assert AuditEvent.objects.filter(action="base_adjustment.apply").count() == 1
    with pytest.raises(InvalidInput) as info:
        services.submit_base_file(actor=agent, employer=emp, filename="x.csv", data="个人账号,工资\n1,2\n".encode())
    assert "上年月平均工资" in info.value.message
    with pytest.raises(InvalidInput):  # the deposit year 2025 is over
        services.submit_base_adjustment(actor=agent, employer=emp, rows=rows(emp),
                                        effective_from=datetime.date(2025, 7, 1))
    with pytest.raises(InvalidInput):  # not the start of a deposit year
        services.submit_base_adjustment(actor=agent, employer=emp, rows=rows(emp),
                                        effective_from=datetime.date(2027, 1, 1))


def test_a_new_submission_replaces_the_waiting_one(agent, emp):
    first = services.submit_base_adjustment(actor=agent, employer=emp, rows=rows(emp)[:1])
    second = services.submit_base_adjustment(actor=agent, employer=emp, rows=rows(emp))
    first.refresh_from_db()
    assert (first.status, second.status) == ("superseded", "pending")
    services.apply_due_adjustments(actor=system_actor(), on=JULY)
    assert bases(emp)["乙"] == Decimal("2330.00") and bases(emp)["丙"] == Decimal("32969.00")
    first.refresh_from_db()
    assert first.status == "superseded"


def test_the_template_round_trips(agent, emp):
    data = services.template_xlsx(emp)
    table = tabular.read(data, columns=services.COLUMNS)
    assert table.headers == {"account_number": "个人账号", "name": "姓名", "wage": "上年月平均工资"}
    assert len(table.rows) == 3 and [r.number for r in table.rows] == [2, 3, 4] and not table.errors
    # fill in the wages and upload the workbook
    from io import BytesIO

    from openpyxl import load_workbook

    wb = load_workbook(BytesIO(data))
    for row, wage in zip(wb.active.iter_rows(min_row=2), ("9380.50", "2000", "45000"), strict=True):
        row[2].value = wage
    out = BytesIO()
    wb.save(out)
    adjustment = services.submit_base_file(actor=agent, employer=emp, filename="基数调整.xlsx", data=out.getvalue())
    assert (adjustment.line_count, adjustment.clamped_count) == (3, 2)
