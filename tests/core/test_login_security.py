"""Login throttling (django-axes) and CSRF on every form post: the controls docs/security.md lists for the
network and for a stolen or guessed password."""

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from core import roles
from tests.conftest import make_user


@pytest.fixture
def finance(db):
    return make_user("fin-login", roles.FINANCE, password="pw-Secret-123")


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=5)
def test_five_wrong_passwords_lock_the_username_and_address_even_for_the_right_password(finance):
    client = Client(REMOTE_ADDR="203.0.113.7")
    url = reverse("core:login")
    for _ in range(5):
        response = client.post(url, {"username": "fin-login", "password": "wrong-password"})
        assert response.status_code in (200, 403, 429)
    locked = client.post(url, {"username": "fin-login", "password": "pw-Secret-123"})
    assert locked.status_code in (403, 429)
    assert "_auth_user_id" not in client.session
    # another address is not locked out by these failures (username + address pair)
    other = Client(REMOTE_ADDR="198.51.100.9")
    response = other.post(url, {"username": "fin-login", "password": "pw-Secret-123"})
    assert response.status_code == 302 and other.session.get("_auth_user_id") == str(finance.pk)


def test_a_form_post_without_the_csrf_token_is_refused(finance):
    client = Client(enforce_csrf_checks=True)
    client.force_login(finance)
    response = client.post(reverse("ledger:reconciliation"), {})
    assert response.status_code == 403
