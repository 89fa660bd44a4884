"""The request page at the counter (prepare by the maker, confirm by a different checker) and the printable
receipt (回执) of a paper request."""

from decimal import Decimal

from django.urls import reverse

from judicial.models import JudicialRequest
from tests.judicial.conftest import ledger, receive


def test_maker_prepares_checker_confirms_and_the_receipt_shows_the_amount(client, officers, court, funded):
    req = receive(officers, court, funded, "freeze", amount="12000.00")
    page = reverse("judicial:request", args=[req.pk])
    client.force_login(officers["op"])
    html = client.get(page).content.decode()
    assert "judicial:act" not in html and reverse("judicial:act", args=[req.pk, "prepare"]) in html
    assert "2026-10-15" in html  # the answer is due three days after receipt
    assert client.post(reverse("judicial:act", args=[req.pk, "prepare"])).status_code == 302
    req.refresh_from_db()
    assert (req.state, req.operator) == ("prepared", officers["op"])
    assert reverse("judicial:act", args=[req.pk, "confirm"]) not in client.get(page).content.decode()
    client.post(reverse("judicial:act", args=[req.pk, "confirm"]))  # the maker cannot check their own work
    req.refresh_from_db()
    assert req.state == "prepared" and ledger(funded).held == Decimal("0.00")

    client.force_login(officers["chk"])
    client.post(reverse("judicial:act", args=[req.pk, "confirm"]))
    req.refresh_from_db()
    assert (req.state, req.actual_amount, req.checker) == ("executed", Decimal("12000.00"), officers["chk"])
    assert ledger(funded).held == Decimal("12000.00")
    receipt = client.get(reverse("judicial:receipt", args=[req.pk]))
    assert receipt.status_code == 200
    html = receipt.content.decode()
    assert "12,000.00" in html and req.case_number in html and court.name in html


def test_a_refusal_needs_a_reason_and_is_printed_on_the_receipt(client, officers, court, funded):
    req = receive(officers, court, funded, "freeze", amount="100.00")
    client.force_login(officers["op"])
    client.post(reverse("judicial:act", args=[req.pk, "prepare"]))
    client.force_login(officers["chk"])
    client.post(reverse("judicial:act", args=[req.pk, "refuse"]), {"comment": ""})
    assert JudicialRequest.objects.get(pk=req.pk).state == "prepared"
    client.post(reverse("judicial:act", args=[req.pk, "refuse"]), {"comment": "文书不全"})
    assert JudicialRequest.objects.get(pk=req.pk).state == "refused"
    assert "文书不全" in client.get(reverse("judicial:receipt", args=[req.pk])).content.decode()


def test_request_pages_are_closed_to_other_roles_and_unknown_actions(client, officers, court, funded):
    req = receive(officers, court, funded, "query")
    client.force_login(officers["finance"])
    assert client.get(reverse("judicial:request", args=[req.pk])).status_code in (302, 403)
    assert client.post(reverse("judicial:act", args=[req.pk, "prepare"])).status_code in (302, 403)
    client.force_login(officers["op"])
    assert client.post(reverse("judicial:act", args=[req.pk, "explode"])).status_code == 404
    assert client.get(reverse("judicial:request", args=[req.pk + 999])).status_code == 404
    assert client.get(reverse("judicial:act", args=[req.pk, "prepare"])).status_code == 405
