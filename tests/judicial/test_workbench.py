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


def test_the_time_limit_is_measured_in_business_days_answered_in_time_is_never_overdue(client, officers, court,
                                                                                      funded):
    """Received 2026-10-12, the receipt is due 2026-10-15 (policy 3 days): one answered the same day stays in time
    whatever the wall clock says; one unanswered after the 15th is overdue; one answered on the 16th went late."""
    from judicial import selectors, services
    from tests.judicial.conftest import day, on

    in_time = freeze(officers, court, funded, "100.00")
    waiting = receive(officers, court, funded, "query")
    late = services.prepare(actor=officers["op"], request=receive(officers, court, funded, "query"))
    on(day(2026, 10, 15))
    rows = {r.pk: r.receipt_timing for r in selectors.requests(viewer=officers["chk"])}
    assert rows == {in_time.pk: "", waiting.pk: "", late.pk: ""}  # the 15th is still within the limit
    on(day(2026, 10, 16))
    late = services.confirm(actor=officers["chk"], request=late)
    assert late.answered_on == day(2026, 10, 16) and in_time.answered_on == day(2026, 10, 12)
    rows = {r.pk: r.receipt_timing for r in selectors.requests(viewer=officers["chk"])}
    assert rows == {in_time.pk: "", waiting.pk: "overdue", late.pk: "late"}
    client.force_login(officers["chk"])
    html = client.get(reverse("judicial:workbench")).content.decode()
    assert html.count('data-receipt="overdue"') == 1 and html.count('data-receipt="late"') == 1
    assert "回执已逾期" in html
    page = client.get(reverse("judicial:request", args=[in_time.pk])).content.decode()
    assert 'id="receipt-timing"' not in page
    page = client.get(reverse("judicial:request", args=[waiting.pk])).content.decode()
    assert 'id="receipt-timing"' in page and "回执已逾期" in page


def test_deduction_rows_link_to_their_risk_page(client, officers, court, funded):
    from tests.judicial.test_deductions import DOCS

    f = freeze(officers, court, funded, "50000.00")
    flagged = receive(officers, court, funded, "deduct", original_number=f.number, amount="50000.00", **DOCS)
    assert flagged.risk_flagged  # the debt equals the balance
    client.force_login(officers["op"])
    html = client.get(reverse("judicial:workbench")).content.decode()
    risk_url = reverse("judicial:risk_case", args=[flagged.pk])
    assert f'href="{risk_url}" data-risk="flagged"' in html
    assert html.count("data-risk=") == 1  # the freeze row has no risk link
    assert client.get(risk_url).status_code == 200
