"""The judicial officer's workbench page: requests by state, expiring freezes, the queue per account."""

from django.urls import reverse

from tests.judicial.conftest import freeze, receive


def test_workbench_lists_requests_expiring_freezes_and_queues(client, officers, court, court2, funded):
    freeze(officers, court, funded, "50000.00", end_date="2026-10-31")
    freeze(officers, court2, funded, "100.00")
    receive(officers, court, funded, "query")
    client.force_login(officers["chk"])
    page = client.get(reverse("judicial:workbench"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "示范市南山区人民法院" in html and "示范市福田区人民法院" in html
    assert "50,000.00" in html and funded.number in html
    received = client.get(reverse("judicial:workbench") + "?state=received").content.decode()
    assert received.count("(2026)粤0305执30003号") >= 1
    export = client.get(reverse("judicial:workbench") + "?export=csv")
    assert export.status_code == 200


def test_workbench_is_closed_to_other_roles(client, officers):
    client.force_login(officers["finance"])
    assert client.get(reverse("judicial:workbench")).status_code in (302, 403)
