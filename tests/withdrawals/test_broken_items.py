"""Withdrawal pages as people see them: each message once, the workflow buttons only for who may press them, the
forms styled like the other pages, the history in words."""

import re

import pytest
from django.test import Client

from core import roles
from tests.conftest import make_user
from tests.withdrawals.conftest import CARD, doc, ill
from withdrawals import services
from withdrawals.models import DocumentType as Doc
from withdrawals.models import Reason, StandingInstruction, WithdrawalApplication

S = WithdrawalApplication.State


@pytest.fixture
def online(staff, funded):
    """The depositor's own login and an illness application sent online (submitted, waiting to be accepted)."""
    user = make_user("dep_online", roles.DEPOSITOR)
    funded.depositor.user = user
    funded.depositor.save(update_fields=["user"])
    app = services.apply(actor=user, account=funded, reason=Reason.ILLNESS, amount="500", facts=ill("500"),
                         payee_card=CARD, payee_name="张三", documents=[(Doc.MEDICAL, doc())])
    assert app.state == S.SUBMITTED
    return user, app


def client_for(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def test_case_page_shows_the_message_once(staff, online):
    user, app = online
    response = client_for(staff["clerk"]).post(f"/counter/withdrawals/{app.number}/accept/", {"comment": ""},
                                               follow=True)
    assert response.status_code == 200
    assert response.content.decode().count("已办理。") == 1
    app.refresh_from_db()
    assert app.state == S.ACCEPTED


def test_portal_withdrawals_show_the_message_once(staff, online):
    user, app = online
    response = client_for(user).post(f"/portal/withdrawals/{app.number}/cancel/", follow=True)
    assert response.content.decode().count("申请已撤回。") == 1


def test_accept_button_only_for_who_may_accept(staff, online, db):
    user, app = online
    accept = f'/counter/withdrawals/{app.number}/accept/'
    auditor = make_user("w_auditor", roles.AUDITOR)
    for who, sees in (("clerk", True), ("reviewer", False), ("approver", False), ("finance", False)):
        page = client_for(staff[who]).get(f"/counter/withdrawals/{app.number}/").content.decode()
        assert (accept in page) is sees, who
    page = client_for(auditor).get(f"/counter/withdrawals/{app.number}/").content.decode()
    assert accept not in page and "formaction" not in page
    # the queue's "accept an application" button too
    queue = {who: client_for(staff[who]).get("/counter/withdrawals/").content.decode() for who in ("clerk", "reviewer")}
    assert "/counter/withdrawals/new/" in queue["clerk"] and "/counter/withdrawals/new/" not in queue["reviewer"]
    # and what is not shown cannot be done
    assert client_for(staff["reviewer"]).post(accept, follow=True).status_code in (200, 403)
    app.refresh_from_db()
    assert app.state == S.SUBMITTED


def test_withdrawal_forms_are_styled_like_the_other_forms(staff, online):
    user, app = online
    page = client_for(user).get("/portal/withdrawals/apply/").content.decode()
    assert re.search(r'<select name="reason" class="form-select"', page)
    assert re.search(r'<input type="text" name="amount" maxlength="20" class="form-control"', page)
    assert '<label class="form-label" for="id_payee_card">' in page
    page = client_for(user).get("/portal/withdrawals/").content.decode()
    assert re.search(r'<select name="kind" class="form-select"', page)
    assert re.search(r'<input type="text" name="monthly_amount" maxlength="20" class="form-control"', page)
    assert "<p>" not in page.split('id="standing-form"', 1)[1].split("</form>", 1)[0]  # not as_p
    page = client_for(staff["clerk"]).get("/counter/withdrawals/new/").content.decode()
    assert re.search(r'<select name="reason" class="form-select"', page)


def test_refused_standing_withdrawal_comes_back_with_its_errors(staff, online):
    user, app = online
    client = client_for(user)
    response = client.post("/portal/standing/new/", {"kind": "rent", "monthly_amount": "abc", "payee_card": CARD,
                                                     "payee_name": "张三"})
    assert response.status_code == 302 and response["Location"] == "/portal/withdrawals/"
    page = client.get("/portal/withdrawals/").content.decode()
    form = page.split('id="standing-form"', 1)[1].split("</form>", 1)[0]
    assert 'data-field="monthly_amount"' in form and 'value="张三"' in form
    assert 'data-field="monthly_amount"' not in client.get("/portal/withdrawals/").content.decode()  # once
    assert not StandingInstruction.objects.exists()


# --- words, not codes ----------------------------------------------------------------------------------------

def test_case_page_speaks_in_words(staff, online):
    user, app = online
    staff["clerk"].first_name, staff["clerk"].last_name = "芳", "王"
    staff["clerk"].save(update_fields=["first_name", "last_name"])
    services.accept(actor=staff["clerk"], application=app, comment="")
    page = client_for(staff["reviewer"]).get(f"/counter/withdrawals/{app.number}/").content.decode()
    history = page.split("<tbody>")[-1].split("</tbody>", 1)[0]
    assert '<td data-action="accept">受理</td><td>网上已提交 → 已受理</td>' in history
    assert '<td data-action="submit">提交</td><td>网上已提交</td>' in history
    assert "accept" not in re.sub(r'data-action="[a-z_]+"', "", history)
    assert "王芳 (w_clerk)" in history  # staff by name
    # the computed effect: amounts with separators and two decimals, 借/贷 and the accounts' names
    assert '<dt class="col-sm-5">提取前余额</dt><dd class="col-sm-7">50,000.00</dd>' in page
    assert '<dt class="col-sm-5">提取后余额</dt><dd class="col-sm-7">49,500.00</dd>' in page
    effect = page.split("<th>借贷方向</th>", 1)[1].split("</table>", 1)[0]
    number = app.account.number
    assert (f'<span class="font-monospace">201-P-{number}</span> 张三 {number}</td><td>借方</td>'
            '<td class="text-end">500.00</td>') in effect
    assert "<td>贷方</td>" in effect and "<td>D</td>" not in effect and "<td>C</td>" not in effect
    portal = client_for(user).get("/portal/withdrawals/").content.decode()
    assert '<td class="text-end">500.00</td>' in portal
