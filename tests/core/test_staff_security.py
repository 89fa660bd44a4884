"""Staff logins: a second factor (TOTP) for every role that moves money or approves, the password change, and staff
sessions that end after 30 minutes without a request."""

import datetime
import io
import time

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import roles
from core.models import AuditEvent
from tests.conftest import make_user

PASSWORD = "pw-Secret-123"
pytestmark = pytest.mark.django_db


@pytest.fixture
def enforced(settings):
    settings.STAFF_2FA_REQUIRED = True
    return settings


def log_in(client, username):
    response = client.post(reverse("core:login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def code(device, drift=0):
    """The device's code ``drift`` steps from now, computed away from the end of a step: the server checks it in the
    same step however slow the machine is (a code computed at the very end of a step would be checked in the next
    one, and django-otp would then shift its window for the codes that follow)."""
    left = device.step - (time.time() - device.t0) % device.step
    if left < 3:
        time.sleep(left + 0.05)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift):06d}"


@pytest.mark.parametrize("role", roles.TWO_FACTOR_ROLES)
def test_money_and_approval_roles_must_set_up_and_pass_a_second_factor(client, enforced, role):
    user = make_user("staff1", role)
    log_in(client, "staff1")
    response = client.get(reverse("core:home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("core:two_factor"))
    assert client.get("/counter/ledger/reconciliation/").status_code == 302  # every staff page, not only home
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert "otpauth://totp/" in page and 'id="totp-secret"' in page and "<svg" in page

    response = client.post(
        reverse("core:two_factor"), {"token": "000000", "next": "/counter/"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 400 and "验证码错误或已过期" in response.content.decode()
    assert client.get(reverse("core:home")).status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # a wrong code makes the next attempt wait (django-otp)
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    response = client.post(reverse("core:two_factor"), {"token": code(device), "next": "/counter/"})
    assert response.status_code == 302 and response["Location"] == "/counter/"
    assert client.get(reverse("core:home")).status_code == 200
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert AuditEvent.objects.filter(actor=user, action="staff.two_factor.setup").count() == 1

    # the next login asks for the code of the device set up, and shows no key any more
    client.post(reverse("core:logout"))
    log_in(client, "staff1")
    page = client.get(reverse("core:two_factor")).content.decode()
    assert "otpauth://" not in page and 'id="id_token"' in page
    client.post(reverse("core:two_factor"), {"token": code(device, drift=1)})  # a later code counts once
    assert client.get(reverse("core:home")).status_code == 200


def test_other_staff_roles_are_not_forced_and_the_next_target_stays_on_the_site(client, enforced):
    auditor = make_user("auditor9", roles.AUDITOR)
    log_in(client, "auditor9")
    assert client.get(reverse("core:home")).status_code == 200
    TOTPDevice.objects.create(user=auditor, name="app", confirmed=True)  # set up by choice: then always asked
    client.post(reverse("core:logout"))
    log_in(client, "auditor9")
    assert client.get(reverse("core:home")).status_code == 302
    user = make_user("fin9", roles.FINANCE)
    client.force_login(user)
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    response = client.post(reverse("core:two_factor"), {"token": code(device), "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == reverse("core:home")


def test_password_change_for_staff(client):
    user = make_user("clerk9", roles.CLERK)
    log_in(client, "clerk9")
    response = client.post(
        reverse("core:password_change"),
        {"old_password": "wrong", "new_password1": "Another-Secret-456", "new_password2": "Another-Secret-456"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 200 and "旧密码不正确" in response.content.decode()
    response = client.post(
        reverse("core:password_change"),
        {"old_password": PASSWORD, "new_password1": "Another-Secret-456", "new_password2": "Another-Secret-456"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Another-Secret-456")
    assert AuditEvent.objects.filter(actor=user, action="staff.password.change").exists()


def test_staff_sessions_end_after_thirty_idle_minutes(client):
    make_user("fin8", roles.FINANCE)
    log_in(client, "fin8")
    assert client.get(reverse("core:home")).status_code == 200
    assert client.session.get_expiry_age() == 1800
    session = Session.objects.get(session_key=client.session.session_key)
    assert session.expire_date <= timezone.now() + datetime.timedelta(minutes=30)
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get(reverse("core:home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("core:login"))


def test_staff_sessions_are_renewed_at_most_once_a_minute(client, monkeypatch):
    from core import middleware

    make_user("fin9", roles.FINANCE)
    log_in(client, "fin9")
    now = [2_000_000_000]
    monkeypatch.setattr(middleware.time, "time", lambda: now[0])
    assert client.get(reverse("core:home")).status_code == 200
    key = client.session.session_key
    first = Session.objects.get(session_key=key).expire_date
    Session.objects.filter(session_key=key).update(expire_date=first - datetime.timedelta(seconds=5))
    now[0] += 59  # within the minute: the session row is not written again
    assert client.get(reverse("core:home")).status_code == 200
    assert Session.objects.get(session_key=key).expire_date == first - datetime.timedelta(seconds=5)
    now[0] += 1  # a minute after the last renewal: pushed 30 minutes past now again
    assert client.get(reverse("core:home")).status_code == 200
    renewed = Session.objects.get(session_key=key).expire_date
    assert renewed > first - datetime.timedelta(seconds=5)
    assert renewed <= timezone.now() + datetime.timedelta(minutes=30)


def test_demo_users_print_a_totp_key_for_the_money_roles(db):
    out = io.StringIO()
    call_command("demo_users", stdout=out)
    text = out.getvalue()
    for username in ("clerk", "reviewer", "approver", "finance", "admin"):
        device = TOTPDevice.objects.get(user__username=username, confirmed=True)
        assert device.config_url in text
    assert not TOTPDevice.objects.filter(user__username="auditor").exists()
    call_command("demo_users", stdout=io.StringIO())  # idempotent: the keys stay
    assert TOTPDevice.objects.filter(user__username="finance").count() == 1


def test_sessions_are_read_through_sql_kept_once_and_an_expired_one_is_not_found(client):
    """core.sessions: the session row is read by a query compiled once (core.compiled); its expiry is checked
    against the time of each request, not the time it was compiled."""
    from core import compiled

    make_user("fin10", roles.FINANCE)
    log_in(client, "fin10")
    assert client.get(reverse("core:home")).status_code == 200
    assert compiled._cache[(("session",), (False, False))] is not None
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + datetime.timedelta(seconds=2))
    assert client.get(reverse("core:home")).status_code == 200
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get(reverse("core:home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("core:login"))


def test_the_user_and_the_second_factor_device_are_read_through_kept_sql_and_still_checked(client, enforced):
    """core.sessions.UserBackend and OTPMiddleware: the user and the TOTP device are read by queries compiled once;
    a deactivated user is logged out, and a device that is deleted, unconfirmed or moved to another user no longer
    counts as the second factor, on the very next request."""
    from core import compiled

    user = make_user("fin11", roles.FINANCE)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    log_in(client, "fin11")
    client.post(reverse("core:two_factor"), {"token": code(device), "next": "/counter/"})
    assert client.get(reverse("core:home")).status_code == 200
    assert compiled._cache[(("session user",), (False,))] is not None
    assert compiled._cache[(("otp device",), (False,))] is not None
    assert client.get(reverse("core:home")).status_code == 200  # the kept queries answer again

    TOTPDevice.objects.filter(pk=device.pk).update(confirmed=False)
    response = client.get(reverse("core:home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("core:two_factor"))
    assert "otp_device_id" not in client.session  # django-otp forgets a device that does not count

    TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
    client.post(reverse("core:two_factor"), {"token": code(device, drift=1), "next": "/counter/"})
    assert client.get(reverse("core:home")).status_code == 200
    other = make_user("fin12", roles.FINANCE)
    TOTPDevice.objects.filter(pk=device.pk).update(user=other)
    assert client.get(reverse("core:home")).status_code == 302

    TOTPDevice.objects.filter(pk=device.pk).update(user=user)
    client.post(reverse("core:two_factor"), {"token": code(device, drift=2), "next": "/counter/"})
    assert client.get(reverse("core:home")).status_code == 200
    TOTPDevice.objects.filter(pk=device.pk).delete()
    assert client.get(reverse("core:home")).status_code == 302

    type(user).objects.filter(pk=user.pk).update(is_active=False)
    response = client.get(reverse("core:home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("core:login"))


def test_the_users_roles_are_read_with_the_user_and_a_removed_role_counts_on_the_next_request(client, enforced):
    """core.sessions.UserBackend reads the user's groups in the same query as the user (no query of its own for
    the roles); a role taken away stops counting on the very next request, and a superuser is a system
    administrator as core.roles.roles_of says."""
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core.sessions import UserBackend

    user = make_user("aud11", roles.AUDITOR)
    loaded = UserBackend().get_user(user.pk)
    with CaptureQueriesContext(connection) as queries:
        assert roles.roles_of(loaded) == {roles.AUDITOR}
        assert roles.is_staff_user(loaded)
    assert len(queries) == 0

    log_in(client, "aud11")
    assert client.get(reverse("core:home")).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("core:home")).status_code == 200
    assert [q["sql"] for q in queries if q["sql"].startswith('SELECT "auth_group"')] == []

    user.groups.remove(Group.objects.get(name=roles.AUDITOR))
    assert client.get(reverse("core:home")).status_code == 403  # no staff role any more
    assert roles.roles_of(UserBackend().get_user(user.pk)) == set()

    type(user).objects.filter(pk=user.pk).update(is_superuser=True)
    assert roles.roles_of(UserBackend().get_user(user.pk)) == {roles.SYSADMIN}
