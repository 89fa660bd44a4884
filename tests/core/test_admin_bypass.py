"""Django admin cannot bypass a workflow or the ledger (DESIGN.md §4): each attempt is refused and changes nothing.

A superuser (every model permission) tries, on each model that carries money or moves through a workflow: the
change form POST, the delete page (GET and POST), the ``delete_selected`` bulk action, the add form, and a revert
from a historical version. The pages still show the record read-only with its history.
"""

import datetime
from decimal import Decimal

import pytest
from django.contrib.admin.sites import site
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts import services as account_services
from accounts.models import Employer, FundAccount
from core import roles
from core.actors import system_actor
from core.business_date import set_business_date, today
from core.models import AuditEvent, PolicyValue
from core.readonly_admin import ReadOnlyAdminMixin
from deposits.models import DeferralApplication
from deposits.services import deferral
from ledger.models import Account, BankAccount
from tests import factories
from tests.conftest import make_user
from withdrawals.models import WithdrawalApplication

BUSINESS_DAY = datetime.date(2026, 11, 20)


@pytest.fixture(autouse=True)
def business_day(db):
    set_business_date(actor=system_actor(), date=BUSINESS_DAY)


@pytest.fixture
def admin_client(db):
    user = make_user("root", roles.SYSADMIN)
    user.is_superuser = user.is_staff = True
    user.save()
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


@pytest.fixture
def records(db, clerk, settings, tmp_path):
    """One row of each guarded model."""
    settings.MEDIA_ROOT = tmp_path
    employer = factories.employer(clerk)
    account = factories.account(clerk, employer, name="甲")
    agent = make_user("agent", roles.EMPLOYER_AGENT)
    account_services.link_employer_agent(actor=clerk, user=agent, employer=employer)
    application = deferral.submit_application(
        actor=agent, employer=employer, kind="deferral", month_from=datetime.date(2026, 12, 1),
        month_to=datetime.date(2027, 1, 1), reason="订单骤减", decision_date=datetime.date(2026, 11, 2),
        evidence=SimpleUploadedFile("决议.pdf", b"%PDF-1.4 decision", content_type="application/pdf"))
    withdrawal = WithdrawalApplication.objects.create(
        number="TQ-ADMIN-1", account=account, depositor=account.depositor, reason="07", state="accepted",
        application_date=BUSINESS_DAY, amount_requested=Decimal("100.00"), payee_card="6222020000000000000",
        payee_name="甲")
    policy_value = PolicyValue.objects.create(key="overdue.grace_days", effective_from=datetime.date(2026, 11, 1),
                                              value="3", reason="2026年第1号文")  # in force since November
    return {"employer": employer, "fund account": account, "ledger account": Account.objects.get(
        pk=account.ledger_account_id), "bank account": factories.bank_account(), "deferral": application,
        "withdrawal": withdrawal, "policy value in force": policy_value}


def admin_url(obj, view, *args):
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


def state(obj):
    return model_to_dict(type(obj).objects.get(pk=obj.pk))


GUARDED = ["employer", "fund account", "ledger account", "bank account", "deferral", "withdrawal",
           "policy value in force"]


@pytest.mark.parametrize("name", GUARDED)
def test_admin_refuses_every_bypass(admin_client, records, name):
    obj = records[name]
    model = type(obj)
    before, count = state(obj), model.objects.count()
    change_url = admin_url(obj, "change", obj.pk)

    page = admin_client.get(change_url)
    assert page.status_code == 200  # shown, read-only
    html = page.content.decode()
    assert 'name="_save"' not in html and "<input type=\"text\"" not in html
    data = {**{k: ("" if v is None else v) for k, v in before.items()}, "_save": "保存"}
    data.update({"name": "改名", "allow_negative": "on", "opening_balance": "999999.00", "status": "approved",
                 "state": "paid", "value": "9", "balance": "1000000.00", "base": "99999.00"})
    assert admin_client.post(change_url, data).status_code == 403

    assert admin_client.get(admin_url(obj, "delete", obj.pk)).status_code == 403
    assert admin_client.post(admin_url(obj, "delete", obj.pk), {"post": "yes"}).status_code == 403

    changelist = admin_url(obj, "changelist")
    listing = admin_client.get(changelist)
    assert listing.status_code == 200 and "delete_selected" not in listing.content.decode()
    response = admin_client.post(changelist, {"action": "delete_selected", "_selected_action": [obj.pk],
                                              "post": "yes"})
    assert response.status_code in (200, 302)  # Django answers "no action selected"; nothing is deleted

    add_url = admin_url(obj, "add")
    if name == "policy value in force":  # adding a *new* value is allowed (with rules, see below)
        assert admin_client.get(add_url).status_code == 200
    else:
        assert admin_client.get(add_url).status_code == 403
        assert admin_client.post(add_url, data).status_code == 403

    history = admin_client.get(admin_url(obj, "history", obj.pk))
    assert history.status_code == 200  # the history stays visible
    version = obj.history.order_by("history_id").first()
    revert = admin_url(obj, "simple_history", obj.pk, version.history_id)
    assert admin_client.get(revert).status_code == 200
    assert admin_client.post(revert, data).status_code == 403

    assert state(obj) == before and model.objects.count() == count


def test_every_money_or_workflow_admin_uses_the_read_only_mixin():
    from core.models import AuditEvent, BatchRun, CaseTransition, NumberSequence
    from deposits.models import ArrearsRecord, BaseAdjustment, FlexibleDeposit, RemittanceList
    from ledger.models import (
        BankInstruction,
        BankStatement,
        BankStatementLine,
        Hold,
        JournalEntry,
        ReconciliationRun,
        SettingChange,
    )
    from withdrawals.models import FraudBan, PropertyRecord, Recovery, StandingInstruction

    guarded = [Employer, FundAccount, Account, BankAccount, JournalEntry, Hold, BankInstruction, BankStatementLine,
               ReconciliationRun, DeferralApplication, RemittanceList, BaseAdjustment, ArrearsRecord,
               FlexibleDeposit, WithdrawalApplication, StandingInstruction, Recovery, FraudBan, PropertyRecord,
               AuditEvent, CaseTransition, BatchRun, NumberSequence, BankStatement, SettingChange]
    assert [m.__name__ for m in guarded if not isinstance(site._registry.get(m), ReadOnlyAdminMixin)] == []


# --- policy values -------------------------------------------------------------------------------------

def policy_form(**kw):
    data = {"key": "overdue.grace_days", "effective_from": "2027-01-01", "value": "5",
            "reason": "示范市公积金管理委员会2026年第3号文", "note": "", "_save": "保存"}
    data.update(kw)
    return data


def test_a_new_policy_value_needs_a_future_date_and_a_reason(admin_client):
    in_force = PolicyValue.objects.filter(key="overdue.grace_days").order_by("-effective_from").first()
    count = PolicyValue.objects.count()
    add_url = reverse("admin:core_policyvalue_add")
    with translation.override("zh-hans"):
        response = admin_client.post(add_url, policy_form(effective_from=BUSINESS_DAY.isoformat(), reason=" "))
        assert response.status_code == 200
        errors = response.context["adminform"].form.errors
        assert "2026-11-20" in errors["effective_from"][0] and "新值" in errors["effective_from"][0]
        assert "原因" in errors["reason"][0]
    assert PolicyValue.objects.count() == count

    response = admin_client.post(add_url, policy_form())
    assert response.status_code == 302
    new = PolicyValue.objects.get(key="overdue.grace_days", effective_from=datetime.date(2027, 1, 1))
    assert (new.value, new.reason) == ("5", "示范市公积金管理委员会2026年第3号文")
    assert new.history.get().history_change_reason == "示范市公积金管理委员会2026年第3号文"
    history = admin_client.get(reverse("admin:core_policyvalue_history", args=[new.pk])).content.decode()
    assert "示范市公积金管理委员会2026年第3号文" in history
    listing = admin_client.get(reverse("admin:core_policyvalue_changelist") + "?q=overdue.grace_days")
    assert "示范市公积金管理委员会2026年第3号文" in listing.content.decode()

    # a value not yet in force may be corrected (again with a reason, again in the future) or withdrawn
    change_url = reverse("admin:core_policyvalue_change", args=[new.pk])
    assert admin_client.post(change_url, policy_form(value="6", effective_from="2026-11-01")).status_code == 200
    assert admin_client.post(change_url, policy_form(value="6", reason="更正")).status_code == 302
    new.refresh_from_db()
    assert new.value == "6" and new.reason == "更正"

    # the batch jobs' snapshot sees the old value until the new date, the new one from it
    from core import policy

    assert policy.snapshot("overdue.", on=datetime.date(2026, 12, 31))["overdue.grace_days"] == int(in_force.value)
    assert policy.snapshot("overdue.", on=datetime.date(2027, 1, 1))["overdue.grace_days"] == 6

    # once the business date reaches it, it is in force and read-only
    set_business_date(actor=system_actor(), date=datetime.date(2027, 1, 1))
    assert admin_client.post(change_url, policy_form(value="7", effective_from="2027-02-01")).status_code == 403
    assert admin_client.post(reverse("admin:core_policyvalue_delete", args=[new.pk]),
                             {"post": "yes"}).status_code == 403
    new.refresh_from_db()
    assert (new.value, new.effective_from) == ("6", datetime.date(2027, 1, 1))


def test_a_future_policy_value_can_be_withdrawn_one_at_a_time(admin_client):
    future = PolicyValue.objects.create(key="overdue.grace_days", effective_from=datetime.date(2027, 3, 1),
                                        value="4", reason="拟调整")
    response = admin_client.post(reverse("admin:core_policyvalue_delete", args=[future.pk]), {"post": "yes"})
    assert response.status_code == 302 and not PolicyValue.objects.filter(pk=future.pk).exists()


def test_the_business_date_set_in_admin_goes_through_its_service(admin_client):
    response = admin_client.post(reverse("admin:core_businessday_change", args=[1]),
                                 {"current": "2026-11-23", "_save": "保存"})
    assert response.status_code == 302 and today() == datetime.date(2026, 11, 23)
    event = AuditEvent.objects.filter(action="business_date.set").latest("id")
    assert (event.actor.username, event.before, event.after) == ("root", {"date": "2026-11-20"},
                                                                 {"date": "2026-11-23"})


def test_a_case_page_in_admin_shows_its_workflow_steps(admin_client, records):
    application = records["deferral"]
    page = admin_client.get(admin_url(application, "change", application.pk)).content.decode()
    steps = page.split("流程环节")[1][:400]
    assert "submit: — → submitted (agent)" in steps


def test_an_account_page_in_admin_lists_its_lifecycle_read_only(admin_client, records):
    account = records["fund account"]
    page = admin_client.get(admin_url(account, "change", account.pk)).content.decode()
    events = page.split('id="events-group"')[1]
    assert "开户" in events and 'name="events-0-reason"' not in events and "<select" not in events


def test_stored_json_is_shown_indented_and_in_chinese(admin_client):
    """An audit event's snapshot in the admin: indented, its Chinese as written (not \\u escapes), escaped HTML."""
    event = AuditEvent.objects.create(actor=None, action="account.seal", object_type="accounts.fundaccount",
                                      object_id="1", before={"状态": "正常", "note": "<b>x</b>"},
                                      after={"状态": "封存", "amount": "1,000.00"})
    page = admin_client.get(reverse("admin:core_auditevent_change", args=[event.pk])).content.decode()
    assert '<pre class="json-value"' in page
    assert '&quot;状态&quot;: &quot;正常&quot;' in page and "&lt;b&gt;x&lt;/b&gt;" in page
    assert "\\u72b6" not in page and "<b>x</b>" not in page
    # one key a line
    assert "{<br>  &quot;amount&quot;: &quot;1,000.00&quot;,<br>  &quot;状态&quot;: &quot;封存&quot;<br>}" in page
