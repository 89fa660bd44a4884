"""Depositors reset a forgotten portal password with a code sent by SMS (the notification outbox), and every portal
user changes their own password."""

import re

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from core.actors import system_actor
from core.models import AuditEvent, Notification
from tests import factories
from tests.conftest import make_user

PHONE = "13912345678"


@pytest.fixture
def depositor(clerk):
    account = factories.account(clerk, name="甲")
    person = account.depositor
    person.phone = PHONE
    person.user = make_user(person.id_number, "depositor")
    person.save(update_fields=["phone", "user"])
    return person


def sms_code():
    (note,) = Notification.objects.filter(channel="sms")
    assert note.address == PHONE
    return re.search(r"\d{6}", note.body).group(0)


def test_a_code_by_sms_resets_the_password(client, depositor):
    zh = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
    response = client.post(reverse("portal:password_reset"), {"id_number": depositor.id_number, "phone": PHONE}, **zh)
    assert response.status_code == 302 and response["Location"] == reverse("portal:password_reset_confirm")
    code = sms_code()
    assert AuditEvent.objects.filter(action="depositor.password_reset.request", actor=system_actor()).exists()

    wrong = "000000" if code != "000000" else "111111"
    page = client.post(
        reverse("portal:password_reset_confirm"),
        {"code": wrong, "new_password1": "New-Secret-789", "new_password2": "New-Secret-789"},
        **zh,
    )
    assert page.status_code == 400 and "验证码错误或已过期，请重新获取。" in page.content.decode()
    page = client.post(
        reverse("portal:password_reset_confirm"), {"code": code, "new_password1": "123", "new_password2": "123"}, **zh
    )
    assert page.status_code == 400 and not User.objects.get(pk=depositor.user_id).check_password("123")
    response = client.post(
        reverse("portal:password_reset_confirm"),
        {"code": code, "new_password1": "New-Secret-789", "new_password2": "New-Secret-789"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("portal:login")
    assert User.objects.get(pk=depositor.user_id).check_password("New-Secret-789")
    assert AuditEvent.objects.filter(action="depositor.password_reset", actor_id=depositor.user_id).exists()
    # the code is used up
    client.post(reverse("portal:password_reset"), {"id_number": depositor.id_number, "phone": "1"})
    page = client.post(
        reverse("portal:password_reset_confirm"),
        {"code": code, "new_password1": "Other-Secret-789", "new_password2": "Other-Secret-789"},
    )
    assert page.status_code == 400 and User.objects.get(pk=depositor.user_id).check_password("New-Secret-789")


def test_wrong_details_send_nothing_and_say_the_same(client, depositor):
    for data in (
        {"id_number": depositor.id_number, "phone": "13000000000"},
        {"id_number": "110101199003070011", "phone": PHONE},
        {"id_number": "x" * 500, "phone": PHONE},
    ):
        response = client.post(reverse("portal:password_reset"), data)
        assert response.status_code in (200, 302)
    assert not Notification.objects.filter(channel="sms").exists()


def test_five_wrong_codes_use_the_code_up(client, depositor):
    client.post(reverse("portal:password_reset"), {"id_number": depositor.id_number, "phone": PHONE})
    code = sms_code()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        client.post(
            reverse("portal:password_reset_confirm"),
            {"code": wrong, "new_password1": "New-Secret-789", "new_password2": "New-Secret-789"},
        )
    page = client.post(
        reverse("portal:password_reset_confirm"),
        {"code": code, "new_password1": "New-Secret-789", "new_password2": "New-Secret-789"},
    )
    assert page.status_code == 400 and not User.objects.get(pk=depositor.user_id).check_password("New-Secret-789")


def test_depositors_and_agents_change_their_password(client, depositor):
    client.force_login(depositor.user)
    response = client.post(
        reverse("portal:password_change"),
        {"old_password": "pw-Secret-123", "new_password1": "New-Secret-789", "new_password2": "New-Secret-789"},
    )
    assert response.status_code == 302 and response["Location"] == "/portal/"
    assert User.objects.get(pk=depositor.user_id).check_password("New-Secret-789")
    agent = make_user("agent9", "employer_agent")
    client.force_login(agent)
    assert client.get(reverse("portal:employer_password_change")).status_code == 200
    assert client.get(reverse("portal:password_change")).status_code in (302, 403)
