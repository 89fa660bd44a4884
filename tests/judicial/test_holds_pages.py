"""Freezes on the pages: the staff account page shows the judicial holds and the waiting queue to the roles allowed
to see them; the portal shows the depositor a freeze once it is in force (amount, court, case number), never a
query, a request not yet carried out or a waiting freeze (DOMAIN.md §6.3)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from core import roles
from judicial import selectors, services
from judicial.models import Freeze
from tests.conftest import make_user
from tests.judicial.conftest import freeze, ledger, receive, run
from tests.loans.conftest import portal_user

D = Decimal
CASE_1 = "(2026)粤0305执30003号"
CASE_2 = "(2026)粤0304执11111号"


@pytest.fixture
def frozen(officers, court, court2, funded):
    """¥50,000: court freezes 30,000.00 (in force), court2 asks 40,000.00 (20,000.00 in force, the queue is empty),
    then court asks 5,000.00 more (waiting: nothing is left)."""
    first = freeze(officers, court, funded, "30000.00", case_number=CASE_1)
    second = freeze(officers, court2, funded, "40000.00", case_number=CASE_2)
    third = freeze(officers, court, funded, "5000.00", case_number="(2026)粤0305执30999号")
    return first, second, third


def test_the_account_page_shows_freezes_and_the_queue_to_judicial_officers_and_the_counter(
        client, officers, funded, frozen):
    states = [(f.queue_position, f.state, f.amount_frozen) for f in Freeze.objects.filter(account=funded)]
    assert states == [(1, "active", D("30000.00")), (2, "active", D("20000.00")), (3, "waiting", D("0.00"))]
    acc = ledger(funded)
    assert (acc.balance, acc.held) == (D("50000.00"), D("50000.00"))
    url = reverse("accounts:account", args=[funded.number])
    for user in (officers["chk"], make_user("hp_clerk", roles.CLERK), make_user("hp_auditor", roles.AUDITOR)):
        client.force_login(user)
        html = client.get(url).content.decode()
        assert 'id="judicial-freezes"' in html
        panel = html[html.index('id="judicial-freezes"'):]
        panel = panel[:panel.index("</table>")]
        assert "示范市南山区人民法院" in panel and "示范市福田区人民法院" in panel
        assert CASE_1 in panel and CASE_2 in panel and "(2026)粤0305执30999号" in panel
        assert "30,000.00" in panel and "20,000.00" in panel and "40,000.00" in panel and "5,000.00" in panel
        assert panel.count('data-state="active"') == 2 and panel.count('data-state="waiting"') == 1
        assert "轮候" in panel and frozen[0].number in panel
        assert "<form" not in panel and "<button" not in panel  # read only: no judicial action here


def test_other_staff_see_the_held_amount_but_not_the_court_or_the_queue(client, funded, frozen):
    for role in (roles.LOAN_OFFICER, roles.FINANCE):
        user = make_user(f"hp_{role}", role)
        client.force_login(user)
        html = client.get(reverse("accounts:account", args=[funded.number])).content.decode()
        assert 'id="judicial-freezes"' not in html and CASE_1 not in html
        assert "50,000.00" in html  # the held amount itself is on every staff view of the balance
        assert selectors.account_panel(viewer=user, account=funded) is None


def depositor_home(client, account, username):
    user = account.depositor.user or portal_user(account.depositor, username)
    client.force_login(user)
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    return response.content.decode()


def test_the_depositor_sees_a_freeze_in_force_with_its_court_and_case_number(client, officers, court, funded):
    freeze(officers, court, funded, "12345.67", case_number=CASE_1, end_date="2027-10-11")
    html = depositor_home(client, funded, "zhang_p")
    assert 'id="my-freezes"' in html
    box = html[html.index('id="my-freezes"'):html.index("</ul>", html.index('id="my-freezes"'))]
    assert "示范市南山区人民法院" in box and CASE_1 in box and "12,345.67" in box
    assert "2026-10-12" in box and "2027-10-11" in box
    assert "37,654.33" in html  # available balance 50,000.00 − 12,345.67


def test_the_depositor_is_not_told_of_a_query_nor_of_a_freeze_not_yet_in_force(
        client, officers, court, court2, funded):
    run(officers, court, funded, "query", case_number="(2026)粤0305执查询1号")  # executed query
    received = receive(officers, court2, funded, "freeze", amount="1000.00", case_number="(2026)粤0304执待办1号")
    prepared = receive(officers, court2, funded, "freeze", amount="2000.00", case_number="(2026)粤0304执待办2号")
    services.prepare(actor=officers["op"], request=prepared)
    html = depositor_home(client, funded, "zhang_q")
    assert 'id="my-freezes"' not in html
    for text in ("查询1号", "待办1号", "待办2号", "示范市南山区人民法院", "示范市福田区人民法院"):
        assert text not in html
    assert received.state == "received"
    # a freeze in force for the whole balance, then a waiting one: the depositor sees only the one in force
    freeze(officers, court, funded, "50000.00", case_number=CASE_1)
    waiting = freeze(officers, court2, funded, "3000.00", case_number=CASE_2)
    assert waiting.freeze.state == "waiting"
    html = depositor_home(client, funded, "zhang_q")
    assert CASE_1 in html and "50,000.00" in html
    assert CASE_2 not in html and "示范市福田区人民法院" not in html and "查询1号" not in html
    # the profile's access log tells nothing of the judicial look-ups either
    profile = client.get(reverse("portal:profile")).content.decode()
    assert "法院" not in profile


def test_the_selectors_fail_closed(officers, court, funded):
    freeze(officers, court, funded, "100.00")
    other = make_user("hp_depositor_other", roles.DEPOSITOR)
    assert selectors.freezes_in_force(funded, viewer=other) == []
    assert selectors.freezes_in_force(funded, viewer=None) == []
    assert selectors.account_freezes(viewer=None, account=funded) is None
