"""The elderly-friendly mode's toggle: a POST sets or clears a cookie and goes back to the page it came from (on
this site only); every page then carries the mode's class on <html>."""

import pytest
from django.test import Client
from django.urls import reverse

URL = "/display/elderly/"


@pytest.fixture
def client():
    return Client(enforce_csrf_checks=False)


def test_turning_it_on_and_off_for_an_anonymous_visitor(client, db):
    assert reverse("elderly_mode") == URL
    response = client.post(URL, {"on": "1", "next": "/portal/loans/calculator/?principal=1"})
    assert (response.status_code, response["Location"]) == (302, "/portal/loans/calculator/?principal=1")
    cookie = response.cookies["elderly"]
    assert (cookie.value, cookie["max-age"], cookie["samesite"], cookie["httponly"]) == ("1", 31536000, "Lax", True)
    page = client.get("/portal/login/")
    assert '<html lang="zh-hans" class="elderly">' in page.content.decode()
    assert "退出长辈模式" in page.content.decode()
    response = client.post(URL, {"on": "0", "next": "/portal/login/"})
    assert response["Location"] == "/portal/login/" and response.cookies["elderly"].value == ""
    page = client.get("/portal/login/")
    assert 'class="elderly"' not in page.content.decode() and "长辈模式（大字体）" in page.content.decode()


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", "", "javascript:alert(1)"])
def test_it_never_sends_the_visitor_to_another_site(client, db, next_url):
    response = client.post(URL, {"on": "1", "next": next_url})
    assert (response.status_code, response["Location"]) == (302, "/")
    assert response.cookies["elderly"].value == "1"


def test_a_get_changes_nothing(client, db):
    response = client.get(URL + "?on=1")
    assert response.status_code == 405 and "elderly" not in response.cookies


def test_the_toggle_needs_the_csrf_token(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post(URL, {"on": "1", "next": "/"})
    assert response.status_code == 403 and "elderly" not in response.cookies
