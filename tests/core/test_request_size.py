"""An oversized request is refused from its declared length, before any view or parser reads the body."""

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from core import roles
from tests.conftest import make_user
from withdrawals.models import WithdrawalDocument


@pytest.fixture
def clerk(db):
    return make_user("clerk-size", roles.CLERK)


@override_settings(REQUEST_BODY_MAX_MB=1)
def test_a_body_over_the_limit_is_a_413_page_and_nothing_is_read(clerk):
    client = Client()
    client.force_login(clerk)
    body = b"x" * (1024 * 1024 + 1)
    response = client.generic("POST", reverse("withdrawals:new"), body,
                              content_type="multipart/form-data; boundary=zzz", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 413
    assert "请求过大（最多 1 MB）" in response.content.decode()
    assert not WithdrawalDocument.objects.exists()


@override_settings(REQUEST_BODY_MAX_MB=1)
def test_the_api_answers_413_in_its_error_shape(db):
    response = Client().generic("POST", "/api/v1/loans/calculator/", b"{" + b" " * (1024 * 1024 + 1) + b"}",
                                content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "too_large" and set(response.json()) == {"code", "message", "fields"}


@override_settings(REQUEST_BODY_MAX_MB=1)
def test_a_body_within_the_limit_goes_through(clerk):
    client = Client()
    client.force_login(clerk)
    assert client.get(reverse("withdrawals:new")).status_code == 200


@override_settings(REQUEST_BODY_MAX_MB=1)
def test_the_413_page_speaks_the_requests_language_whatever_the_thread_spoke_last(clerk):
    from django.utils import translation

    client = Client()
    client.force_login(clerk)
    body = b"x" * (1024 * 1024 + 1)
    with translation.override("en"):
        response = client.generic("POST", reverse("withdrawals:new"), body,
                                  content_type="multipart/form-data; boundary=zzz", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 413 and "请求过大" in response.content.decode()
