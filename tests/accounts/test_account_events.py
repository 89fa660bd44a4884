"""The status history of a personal account shows each step's statuses by their names."""

from django.urls import reverse
from django.utils import translation

from accounts import services
from accounts.models import AccountEvent
from tests import factories


def test_event_status_labels_name_the_codes():
    with translation.override("zh-hans"):
        event = AccountEvent(from_status="01", to_status="02")
        assert (event.from_status_label, event.to_status_label) == ("正常", "封存")
        assert AccountEvent(from_status="", to_status="06").from_status_label == ""
        assert AccountEvent(from_status="", to_status="77").to_status_label == "77"  # an unknown code stays as is


def test_the_account_page_shows_the_status_history_by_name(client, clerk):
    account = factories.account(clerk)
    services.seal_account(actor=clerk, account=account, reason="离职")
    client.force_login(clerk)
    html = client.get(reverse("accounts:account", args=[account.number])).content.decode()
    assert "正常 → 封存" in html
