"""Regression tests for defects found by clicking through every page as every role."""

from django.urls import reverse

from core import roles
from tests.conftest import make_user


def test_withdrawal_queue_offers_accepting_an_application_only_to_clerks(client, db):
    new_url = reverse("withdrawals:new")
    for username, role, shown in (
        ("q_clerk", roles.CLERK, True),
        ("q_reviewer", roles.REVIEWER, False),
        ("q_finance", roles.FINANCE, False),
        ("q_auditor", roles.AUDITOR, False),
    ):
        client.force_login(make_user(username, role))
        page = client.get(reverse("withdrawals:queue"))
        assert page.status_code == 200
        assert (f'href="{new_url}"' in page.content.decode()) is shown, username
        # the link, where shown, leads to a page the user may open
        assert client.get(new_url).status_code == (200 if shown else 403)


def test_employer_page_remittance_table_scrolls_inside_its_card_on_a_phone(client, clerk):
    from tests import factories

    emp = factories.employer(clerk)
    client.force_login(clerk)
    html = client.get(reverse("accounts:employer", args=[emp.account_number])).content.decode()
    card = html[html.index('id="employer-remittances"') :]
    # the six-column table sits in a horizontally scrolling wrapper, so the page itself is not wider than 390 px
    assert '<div class="table-responsive"><table class="table table-hover table-sm mb-0 align-middle">' in card
    # and the month picker with its button wraps instead of pushing the header out of the card
    assert 'class="d-flex flex-wrap gap-2 ms-auto align-items-center" id="generate-form"' in card
