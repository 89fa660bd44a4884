"""Access fails closed: the system actor, ``require_role`` and ``visible_to`` on every model with personal or
case data."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from accounts.models import AccountEvent, Depositor, Employer, FundAccount
from core import roles, workflow
from core.actors import SYSTEM_USERNAME, is_system, system_actor
from core.errors import Forbidden
from core.models import AuditEvent, Notification
from deposits.models import BaseAdjustment, DeferralApplication, RemittanceLine, RemittanceList
from ledger.models import BankStatementLine, Hold, JournalLine
from tests import access_world
from tests.conftest import make_user
from withdrawals.models import (
    FraudBan,
    PropertyRecord,
    Recovery,
    StandingInstruction,
    WithdrawalApplication,
    WithdrawalDocument,
)
from withdrawals.services import FLOW


@pytest.fixture
def world(db):
    return access_world.build()


def test_an_audit_event_needs_an_actor(db):
    from core import audit

    for nobody in (None, AnonymousUser()):
        with pytest.raises(Forbidden):
            audit.record(actor=nobody, action="test.nobody")
    assert not AuditEvent.objects.filter(action="test.nobody").exists()
    event = audit.record(actor=system_actor(), action="test.system")
    assert event.actor.username == SYSTEM_USERNAME


def test_require_role_refuses_a_missing_or_anonymous_actor_and_lets_the_system_act(db):
    clerk = make_user("c", roles.CLERK)
    for nobody in (None, AnonymousUser()):
        with pytest.raises(Forbidden):
            roles.require_role(nobody, roles.CLERK)
    with pytest.raises(Forbidden):
        roles.require_role(make_user("d", roles.DEPOSITOR), roles.CLERK)
    roles.require_role(clerk, roles.CLERK)
    roles.require_role(system_actor(), roles.CLERK)


def test_money_does_not_move_without_an_actor(world):
    from ledger.models import JournalEntry
    from ledger.posting import credit, debit, post

    account, bank = world.a.account.ledger_account, world.bank_line.bank_account.ledger_account
    entries = JournalEntry.objects.count()
    for nobody in (None, AnonymousUser()):
        with pytest.raises(Forbidden):
            post(actor=nobody, lines=[debit(bank, "1.00"), credit(account, "1.00")], memo="x")
    assert JournalEntry.objects.count() == entries
    entry = post(actor=system_actor(), lines=[debit(bank, "1.00"), credit(account, "1.00")], memo="x")
    assert entry.actor == system_actor()


def test_the_system_actor_is_one_inactive_row_nobody_can_log_in_as(db):
    system = system_actor()
    assert system.username == SYSTEM_USERNAME and not system.is_active and not system.has_usable_password()
    assert system_actor().pk == system.pk and is_system(system)
    assert not Client().login(username=SYSTEM_USERNAME, password="")
    system.is_active = True  # an activated copy is an ordinary (role-less) user
    assert not is_system(system)
    assert not is_system(None) and not is_system(AnonymousUser())


def test_workflow_refuses_a_missing_actor_and_lets_the_system_take_only_system_steps(world):
    app = world.a.withdrawal
    assert FLOW.actions_for(app, None) == []
    system_actions = {t.action for t in FLOW.actions_for(app, system_actor())}
    assert system_actions and all(FLOW.transition(a).system for a in system_actions)
    with pytest.raises(Forbidden):
        workflow.apply(FLOW, app, action="review", actor=None)
    with pytest.raises(Forbidden):
        workflow.apply(FLOW, app, action="review", actor=system_actor())


def _ids(qs):
    return set(qs.values_list("pk", flat=True))


def test_visible_to_scopes_every_model_with_personal_or_case_data(world):
    a, b = world.a, world.b
    clerk, auditor = world.staff[roles.CLERK], world.staff[roles.AUDITOR]
    outsider = make_user("outsider")  # logged in, no role
    cases = [  # model, rows of side a, rows of side b, who besides staff sees a's rows (depositor, agent)
        (Depositor, {a.depositor.pk}, {b.depositor.pk}, (True, True)),
        (FundAccount, {a.account.pk}, {b.account.pk}, (True, True)),
        (Employer, {a.employer.pk}, {b.employer.pk}, (False, True)),
        (AccountEvent, _ids(a.account.events.all()), _ids(b.account.events.all()), (True, True)),
        (RemittanceList, {a.remittance.pk}, {b.remittance.pk}, (False, True)),
        (RemittanceLine, _ids(a.remittance.lines.all()), _ids(b.remittance.lines.all()), (True, True)),
        (DeferralApplication, {a.deferral.pk}, {b.deferral.pk}, (False, True)),
        (BaseAdjustment, {a.base_adjustment.pk}, {b.base_adjustment.pk}, (False, True)),
        (WithdrawalApplication, {a.withdrawal.pk}, {b.withdrawal.pk}, (True, False)),
        (WithdrawalDocument, {a.document.pk}, {b.document.pk}, (True, False)),
        (Recovery, {a.recovery.pk}, {b.recovery.pk}, (True, False)),
        (StandingInstruction, {a.standing.pk}, {b.standing.pk}, (True, False)),
        (JournalLine, _ids(JournalLine.objects.filter(account=a.account.ledger_account)),
         _ids(JournalLine.objects.filter(account=b.account.ledger_account)), (True, False)),
        (Notification, {a.notification.pk}, {b.notification.pk}, (True, False)),
    ]
    for model, rows_a, rows_b, (depositor_sees, agent_sees) in cases:
        assert rows_a and rows_b, model
        both = rows_a | rows_b
        manager = model.objects
        for nobody in (None, AnonymousUser(), outsider):
            assert _ids(manager.visible_to(nobody)) == set(), (model, nobody)
        assert _ids(manager.visible_to(system_actor())) >= both, model
        assert _ids(manager.visible_to(clerk)) >= both and _ids(manager.visible_to(auditor)) >= both, model
        assert _ids(manager.visible_to(a.user)) & both == (rows_a if depositor_sees else set()), model
        assert _ids(manager.visible_to(b.user)) & rows_a == set(), model
        assert _ids(manager.visible_to(a.agent)) & both == (rows_a if agent_sees else set()), model
        assert _ids(manager.visible_to(b.agent)) & rows_a == set(), model
    # The center's own books and registers: staff only.
    assert AuditEvent.objects.exists() and BankStatementLine.objects.exists()
    for model in (BankStatementLine, AuditEvent, FraudBan, PropertyRecord, Hold):
        for user in (None, a.user, a.agent, outsider):
            assert not model.objects.visible_to(user).exists(), (model, user)
    assert _ids(BankStatementLine.objects.visible_to(clerk)) >= {world.bank_line.pk}


def test_selectors_return_nothing_for_an_unknown_viewer_and_only_own_rows_to_a_portal_user(world):
    from django.http import Http404

    from accounts import selectors as accounts
    from deposits import selectors as deposits
    from ledger import selectors as ledger
    from portal import selectors as portal
    from withdrawals import selectors as withdrawals

    a, b = world.a, world.b
    ledger_a = a.account.ledger_account

    def reads(viewer):
        return {
            "accounts": set(accounts.fund_accounts(viewer=viewer)),
            "search": set(accounts.search_depositors(viewer=viewer, q=a.account.number)),
            "employers": set(accounts.employers(viewer=viewer)),
            "employees": set(accounts.employer_employees(viewer=viewer, employer=a.employer)),
            "lists": set(deposits.remittance_lists(viewer=viewer)),
            "list page": set(deposits.remittance_for_page(viewer=viewer)),
            "list lines": set(deposits.remittance_lines(a.remittance, viewer=viewer)),
            "deferrals": set(deposits.deferral_applications(viewer=viewer)),
            "base adjustments": set(deposits.base_adjustments(viewer=viewer)),
            "bank lines": set(deposits.bank_lines(viewer=viewer)),
            "bank overview": len(deposits.bank_overview(viewer=viewer)),
            "unmatched": set(ledger.unmatched_incoming(viewer=viewer)),
            "ledger lines": len(ledger.lines_with_running_balance(ledger_a, viewer=viewer)),
            "withdrawals": set(withdrawals.applications(viewer=viewer)),
            "standing": set(withdrawals.standing_instructions(viewer=viewer)),
            "portal accounts": set(portal.accounts_of(viewer=viewer)),
        }

    for nobody in (None, AnonymousUser()):
        assert not any(reads(nobody).values()), reads(nobody)
        with pytest.raises(Http404):
            portal.depositor_of(viewer=nobody)
        with pytest.raises(Http404):
            portal.employer_of(viewer=nobody)
    mine = reads(a.user)
    assert mine["accounts"] == mine["search"] == mine["portal accounts"] == {a.account}
    assert mine["withdrawals"] == {a.withdrawal} and mine["standing"] == {a.standing}
    assert mine["ledger lines"] == 1 and not mine["employers"] and not mine["lists"] and not mine["bank lines"]
    assert reads(b.user)["ledger lines"] == 0 and reads(b.user)["withdrawals"] == {b.withdrawal}
    with pytest.raises(Http404):
        portal.account_of(viewer=b.user, number=a.account.number)
    agent = reads(b.agent)
    assert agent["employers"] == {b.employer} and agent["lists"] == {b.remittance} and not agent["employees"]
    assert not agent["list lines"] and not agent["withdrawals"] and not agent["unmatched"]
    with pytest.raises(Http404):
        portal.remittance_of(a.employer, a.remittance.reference, viewer=b.agent)
    staff = reads(world.staff[roles.AUDITOR])
    assert {a.account, b.account} <= staff["accounts"] and staff["bank overview"] >= 1
    assert staff["employees"] == {a.account} and staff["ledger lines"] == 1
