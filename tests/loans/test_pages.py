"""The loan officer's counter pages: the list, the entry form, the case page (limit, checks, schedule preview,
history, actions by role, four eyes) and the contract with its schedule; bad input refused with nothing written."""

import csv
import datetime
import io
from decimal import Decimal

import pytest

from core.models import AuditEvent, CaseTransition
from loans import services
from loans.models import LoanApplication, LoanContract, LoanParty, ScheduleInstallment
from tests import factories
from tests.conftest import make_user
from tests.loans.conftest import document_files, example_data, on, with_documents

D = Decimal
day = datetime.date
S = LoanApplication.State


def form_data(household, **changes):
    data = {
        **example_data(),
        "account": household["borrower"].number,
        "ownership_share": "1",
        "homes_owned": "0",
        "children": "0",
        "female_category": "",
    }
    data.update(changes)
    return data


def counts():
    return (LoanApplication.objects.count(), LoanParty.objects.count(), CaseTransition.objects.count())


def accepted(staff, household, **changes):
    app = services.create_draft(actor=staff["officer"], account=household["borrower"], data=example_data(**changes))
    return services.submit(actor=staff["officer"], application=with_documents(app))


def test_officer_enters_and_accepts_the_case_page_explains_the_limit(staff, household, client):
    client.force_login(staff["officer"])
    co = factories.make_id(7)
    response = client.post(
        "/counter/loans/new/",
        {**form_data(household), "accept": "1", "co_borrowers": f"赵六,{co},35000.00", **document_files()},
    )
    app = LoanApplication.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/counter/loans/{app.number}/"
    assert app.state == S.ACCEPTED and app.created_by == staff["officer"]
    assert list(app.parties.values_list("role", "name", "other_center_balance")) == [
        ("spouse", "李红", None),
        ("co_borrower", "赵六", D("35000.00")),
    ]
    page = client.get(f"/counter/loans/{app.number}/").content.decode()
    # DOMAIN.md §4.3 (with a co-borrower's 35,000 more in the balance multiple): the 600,000 cap still binds
    assert '<strong id="limit-granted" class="money">600,000.00</strong>' in page
    assert 'data-component="cap" class="table-warning"' in page
    assert "1,660,555.53" in page and "800,000.00" in page and "1,275,000.00" in page
    assert '<span id="max-term">276 个月</span>' in page and "2.6%" in page
    # the schedule preview: 2.6 % over 276 months, first and last installment
    assert '<tr data-installment="1"><td class="text-end">1</td><td class="text-end money">2,890.60</td>' in page
    assert "1,590.60" in page and "1,300.00" in page and "598,409.40" in page
    assert '<td class="text-end money">2,890.18</td>' in page  # the last installment absorbs the rounding
    assert 'data-check="credit" class="text-danger"' in page  # not checked yet
    assert 'data-action="accept"' not in page and 'data-action="reject">不予贷款</button>' in page
    assert "<td>受理</td><td>草稿 → 已受理</td>" in page  # the history, in words


def test_entry_form_refuses_bad_input_in_chinese_and_writes_nothing(staff, household, client):
    client.force_login(staff["officer"])
    before = counts()
    for changes, message in (
        ({"requested_amount": "-1"}, "金额必须大于零。"),
        ({"requested_amount": "100.001"}, "金额最多保留两位小数。"),
        ({"term_months": "481"}, "480"),
        ({"property_price": "1e30"}, "金额不能超过 100,000,000.00 元。"),
        ({"account": "999999999999"}, "没有该账户。"),
        ({"co_borrowers": "赵六,123,1"}, "123"),
        ({"purpose": "conversion"}, "此项为必填项。"),
    ):
        response = client.post("/counter/loans/new/", {**form_data(household, **changes), "accept": "1"})
        assert response.status_code == 200, changes
        assert message in response.content.decode(), changes
    assert counts() == before


def test_ineligible_term_is_shown_with_its_chinese_refusal(staff, household, client):
    app = accepted(staff, household, term_months=300)
    client.force_login(staff["reviewer"])
    page = client.get(f"/counter/loans/{app.number}/").content.decode()
    assert 'data-check="age_term" class="text-danger">✗ 贷款期限最长为 276 个月' in page
    assert '<span class="badge text-bg-danger">不符合条件</span>' in page


def test_four_eyes_refused_through_the_page_with_nothing_written(staff, household, client):
    allround = staff["allround"]
    app = services.create_draft(actor=allround, account=household["borrower"], data=example_data())
    app = services.submit(actor=allround, application=with_documents(app))
    client.force_login(allround)
    page = client.get(f"/counter/loans/{app.number}/").content.decode()
    assert 'data-action="review"' not in page  # no button for a second step
    before = (counts(), LoanApplication.objects.get().updated_at)
    response = client.post(f"/counter/loans/{app.number}/review/", {"comment": "自己审核"}, follow=True)
    assert response.status_code == 200
    app.refresh_from_db()
    assert app.state == S.ACCEPTED
    assert (counts(), app.updated_at) == before
    assert not CaseTransition.objects.filter(case_id=app.pk, action="review").exists()
    assert "必须由三个不同的人" in response.content.decode()


def test_three_people_take_it_through_the_pages_then_the_contract_and_its_schedule(staff, household, client):
    app = accepted(staff, household, requested_amount="500000", term_months=240)
    client.force_login(staff["officer"])
    client.post(f"/counter/loans/{app.number}/assess/", {"credit_ok": "1"})
    client.post(f"/counter/loans/{app.number}/review/", {"comment": "x"})  # the officer's role does not review
    assert LoanApplication.objects.get().state == S.ACCEPTED
    client.force_login(staff["reviewer"])
    client.post(f"/counter/loans/{app.number}/review/", {"comment": "材料齐全"})
    client.force_login(staff["approver"])
    response = client.post(f"/counter/loans/{app.number}/reject/", {"comment": ""}, follow=True)
    assert "请填写不予批准的理由（最多 500 个字符）。" in response.content.decode()
    assert LoanApplication.objects.get().state == S.REVIEWED
    client.post(f"/counter/loans/{app.number}/approve/", {"comment": "同意"})
    app.refresh_from_db()
    assert app.state == S.APPROVED and app.annual_rate == D("0.026")
    client.force_login(staff["officer"])
    response = client.post(f"/counter/loans/{app.number}/sign/", {"title_number": "示房权证2026第001号"})
    contract = LoanContract.objects.get()
    assert response["Location"] == f"/counter/loans/contracts/{contract.number}/"
    assert len(ScheduleInstallment.objects.in_force_of(contract.pk)) == 240
    page = client.get(response["Location"]).content.decode()
    first = ScheduleInstallment.objects.get(contract=contract, number=1)
    # 500,000 at 2.6 % over 240 months (DOMAIN.md §4.6's table: 2,673.94)
    assert (first.payment, first.interest, first.principal) == (D("2673.94"), D("1083.33"), D("1590.61"))
    assert "2,673.94" in page and "1,083.33" in page and "1,590.61" in page and "示房权证2026第001号" in page
    export = client.get(response["Location"] + "?export=csv")
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 241 and rows[1][:6] == [
        "1",
        first.due_date.isoformat(),
        "2673.94",
        "1590.61",
        "1083.33",
        "498409.39",
    ]
    case = client.get(f"/counter/loans/{app.number}/").content.decode()
    assert "材料齐全" in case and "同意" in case and contract.number in case


def test_queue_filters_sorts_and_exports(staff, household, client):
    app = accepted(staff, household)
    draft = services.create_draft(
        actor=staff["officer2"],
        account=household["spouse"],
        data=example_data(female_category="worker", term_months=120),
    )
    officer = staff["officer2"]
    officer.first_name, officer.last_name = "芳", "王"
    officer.save()
    client.force_login(staff["reviewer"])
    page = client.get("/counter/loans/").content.decode()
    assert app.number in page and draft.number in page
    # the officers of the filter by name, not by user name
    assert f'<option value="{officer.pk}">王芳</option>' in page
    page = client.get("/counter/loans/", {"state": "accepted"}).content.decode()
    assert app.number in page and draft.number not in page
    page = client.get("/counter/loans/", {"officer": staff["officer2"].pk}).content.decode()
    assert app.number not in page and draft.number in page
    page = client.get("/counter/loans/", {"q": "李红"}).content.decode()
    assert app.number not in page and draft.number in page
    assert client.get("/counter/loans/", {"date_from": "not a date", "sort": "-requested_amount"}).status_code == 200
    export = client.get("/counter/loans/", {"export": "csv", "sort": "term_months"})
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == [draft.number, app.number]
    assert rows[2][6] == "600000.00" and rows[2][8] == "600000.00"
    assert client.get("/counter/loans/", {"export": "xlsx"}).status_code == 200


def test_draft_is_changed_at_the_counter_and_only_while_a_draft(staff, household, client):
    app = services.create_draft(actor=staff["officer"], account=household["borrower"], data=example_data())
    client.force_login(staff["officer"])
    page = client.get(f"/counter/loans/{app.number}/edit/").content.decode()
    assert "600000.00" in page
    client.post(
        f"/counter/loans/{app.number}/edit/", {**form_data(household, requested_amount="550000.00"), "save": "1"}
    )
    app.refresh_from_db()
    assert app.requested_amount == D("550000.00") and app.state == S.DRAFT
    services.submit(actor=staff["officer"], application=with_documents(app))
    response = client.post(f"/counter/loans/{app.number}/edit/", form_data(household, requested_amount="1"))
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.requested_amount == D("550000.00")


@pytest.mark.parametrize("url", ["/counter/loans/DK0/", "/counter/loans/contracts/HT0/", "/counter/loans/DK0/edit/"])
def test_unknown_numbers_are_404(staff, client, url):
    client.force_login(staff["officer"])
    assert client.get(url).status_code == 404


def test_a_clerk_reads_but_does_not_enter(staff, household, client):
    client.force_login(make_user("l_clerk2", "counter_clerk"))
    assert client.get("/counter/loans/").status_code == 200
    assert client.get("/counter/loans/new/").status_code == 403
    assert client.post("/counter/loans/new/", {**form_data(household), "accept": "1"}).status_code == 403
    assert LoanApplication.objects.count() == 0


def test_workbench_counts_each_queue_and_marks_an_overdue_decision(staff, household, client):
    app = accepted(staff, household)  # accepted on 2026-01-15: decision due 2026-01-30
    services.create_draft(actor=staff["officer"], account=household["borrower"], data=example_data())
    client.force_login(staff["reviewer"])
    page = client.get("/counter/loans/").content.decode()
    assert 'data-queue="accepted">已受理 <span class="badge text-bg-light">1</span>' in page
    assert 'data-queue="draft">草稿 <span class="badge text-bg-light">1</span>' in page
    assert 'data-queue="approved">已批准 <span class="badge text-bg-light">0</span>' in page
    assert (
        '<span class="badge text-bg-primary">已受理</span>' in page
        and '<span class="badge text-bg-light">草稿</span>' in page
    )
    assert '2026-01-30 <span class="badge text-bg-info">还剩 15 天</span>' in page
    on(day(2026, 2, 2))
    page = client.get("/counter/loans/").content.decode()
    open("/tmp/lp_queue.html", "w").write(page)
    assert page.count('<tr class="table-danger') == 1
    assert '2026-01-30 <span class="badge text-bg-danger">已超期</span>' in page
    assert app.number in page


def test_a_staff_view_of_the_case_is_recorded_for_the_borrower(staff, household, client):
    app = accepted(staff, household)
    client.force_login(staff["reviewer"])
    client.get(f"/counter/loans/{app.number}/")
    event = AuditEvent.objects.get(action="loan.view")
    assert event.after == {"depositor": app.borrower_id, "roles": ["reviewer"], "number": app.number}


def test_the_entry_form_looks_the_borrower_up_by_account_number(staff, household, client):
    client.force_login(staff["officer"])
    page = client.get("/counter/loans/new/").content.decode()
    assert 'hx-get="/counter/loans/lookup/"' in page
    borrower = household["borrower"]
    snippet = client.get("/counter/loans/lookup/", {"account": borrower.number}).content.decode()
    assert f'data-borrower="{borrower.number}"><strong>王建国</strong>' in snippet
    assert "余额 30,000.00" in snippet and "配偶 李红" in snippet
    assert borrower.depositor.id_number not in snippet  # a loan officer sees the ID number masked
    assert "没有该账户。" in client.get("/counter/loans/lookup/", {"account": "9" * 400}).content.decode()


def test_approval_refused_through_the_page_then_rejected_with_the_reason(staff, household, client):
    app = accepted(staff, household)  # the credit report is not checked: approval must refuse
    client.force_login(staff["reviewer"])
    client.post(f"/counter/loans/{app.number}/review/", {"comment": "请核查征信"})
    client.force_login(staff["approver"])
    before = (counts(), LoanApplication.objects.get().updated_at)
    response = client.post(f"/counter/loans/{app.number}/approve/", {"comment": "同意"}, follow=True)
    assert "尚未核查征信报告。" in response.content.decode()
    app.refresh_from_db()
    assert app.state == S.REVIEWED and app.decided_on is None
    assert (counts(), app.updated_at) == before
    client.post(f"/counter/loans/{app.number}/reject/", {"comment": "征信报告未通过"})
    app.refresh_from_db()
    assert app.state == S.REJECTED and app.decided_on == day(2026, 1, 15)
    page = client.get(f"/counter/loans/{app.number}/").content.decode()
    assert "征信报告未通过" in page and 'id="decision"' not in page  # nothing left to do


def test_the_list_and_the_case_page_read_a_fixed_number_of_queries(staff, household, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(staff["reviewer"])
    app = accepted(staff, household)
    client.get("/counter/loans/")  # the session's first page renews it (written at most once a minute)
    with CaptureQueriesContext(connection) as one:
        assert client.get("/counter/loans/").status_code == 200
    for _ in range(20):
        services.create_draft(actor=staff["officer"], account=household["borrower"], data=example_data())
    with CaptureQueriesContext(connection) as many:
        assert client.get("/counter/loans/").status_code == 200
    assert len(many) == len(one)  # no query per row
    with CaptureQueriesContext(connection) as case:
        assert client.get(f"/counter/loans/{app.number}/").status_code == 200
    assert len(case) <= 25, [q["sql"] for q in case.captured_queries]
