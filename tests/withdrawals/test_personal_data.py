"""Personal data on staff pages: the full ID number only for the roles that need it, every staff view of a
person's data logged, and the person sees in the portal which staff role looked and when."""

import pytest
from django.utils import translation

from core import roles
from core.identity import mask_id_number
from core.models import AuditEvent
from tests.conftest import make_user
from tests.withdrawals.conftest import CARD, doc, ill
from withdrawals import services
from withdrawals.models import DocumentType, Reason


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def online_case(staff, funded):
    """An online application: its first step's actor is the depositor, whose user name is the ID number."""
    depositor = funded.depositor
    depositor.user = make_user(depositor.id_number, roles.DEPOSITOR)
    depositor.save(update_fields=["user"])
    app = services.apply(
        actor=depositor.user,
        account=funded,
        reason=Reason.ILLNESS,
        amount="800",
        facts=ill("800"),
        payee_card=CARD,
        payee_name="张三",
        documents=[(DocumentType.MEDICAL, doc())],
    )
    return app


@pytest.mark.parametrize("role,full", [("reviewer", False), ("approver", False), ("finance", False), ("clerk", True)])
def test_the_case_page_shows_the_full_id_number_only_to_the_roles_that_need_it(staff, online_case, client, role, full):
    id_number = online_case.depositor.id_number
    client.force_login(staff[role])
    page = client.get(f"/counter/withdrawals/{online_case.number}/").content.decode()
    assert (id_number in page) is full
    assert mask_id_number(id_number) in page or full


def test_the_account_page_masks_the_id_number_for_a_reviewer(staff, funded, client):
    client.force_login(staff["reviewer"])
    page = client.get(f"/counter/accounts/{funded.number}/").content.decode()
    assert funded.depositor.id_number not in page and mask_id_number(funded.depositor.id_number) in page


def test_staff_views_of_case_document_interest_and_account_are_logged_and_shown_to_the_depositor(
    staff, funded, online_case, client
):
    auditor = make_user("w_auditor", roles.AUDITOR)
    document = online_case.documents.get()
    client.force_login(staff["reviewer"])
    assert client.get(f"/counter/withdrawals/{online_case.number}/").status_code == 200
    assert client.get(f"/counter/withdrawals/{online_case.number}/documents/{document.pk}/").status_code == 200
    client.force_login(auditor)
    assert client.get(f"/counter/deposits/accounts/{funded.number}/interest/").status_code == 200
    assert client.get(f"/counter/accounts/{funded.number}/").status_code == 200
    events = list(
        AuditEvent.objects.filter(after__depositor=funded.depositor_id)
        .order_by("id")
        .values_list("action", "actor__username", "after__roles")
    )
    assert events == [
        ("withdrawal.view", "w_reviewer", ["reviewer"]),
        ("withdrawal.document.view", "w_reviewer", ["reviewer"]),
        ("account.interest.view", "w_auditor", ["auditor"]),
        ("account.view", "w_auditor", ["auditor"]),
    ]
    # the depositor's own pages are not staff views, and the portal shows the roles and times, not the names
    client.force_login(online_case.depositor.user)
    page = client.get("/portal/profile/").content.decode()
    log = page[page.index('id="access-log"') :]
    assert log.count("<tr>") == 5  # header + 4 views
    assert "复核员" in log and "稽核" in log and "提取申请材料" in log and "利息明细" in log and "账户信息" in log
    assert "w_reviewer" not in page and "w_auditor" not in page
    assert AuditEvent.objects.filter(after__depositor=funded.depositor_id).count() == 4


def test_another_depositor_sees_nothing_of_this_log(staff, funded, online_case, client):
    from tests import factories

    client.force_login(staff["reviewer"])
    client.get(f"/counter/withdrawals/{online_case.number}/")
    other = factories.account(staff["clerk"], name="李四")
    other.depositor.user = make_user(other.depositor.id_number, roles.DEPOSITOR)
    other.depositor.save(update_fields=["user"])
    client.force_login(other.depositor.user)
    page = client.get("/portal/profile/").content.decode()
    assert "暂无工作人员查看您的信息" in page


def test_the_filters_show_a_depositor_user_like_an_id_number(staff, funded):
    from core.templatetags.counter import actor_for, id_for

    depositor_user = make_user(funded.depositor.id_number, roles.DEPOSITOR)
    masked = mask_id_number(funded.depositor.id_number)
    assert actor_for(depositor_user, staff["reviewer"]) == masked
    assert actor_for(depositor_user, staff["clerk"]) == funded.depositor.id_number
    assert actor_for(staff["approver"], staff["reviewer"]) == "w_approver"
    assert (
        id_for(funded.depositor.id_number, make_user("w_judge", roles.JUDICIAL_OFFICER)) == funded.depositor.id_number
    )
    assert id_for(funded.depositor.id_number, None) == masked
