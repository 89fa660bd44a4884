"""The withdrawal condition of a court deduction ((2013)执他字第14号, policy
``judicial.deduct_requires_withdrawal_condition``): the withdrawals app's own rules, for the grounds its records
establish without an application or a document (withdrawals.rules.grounds_on_record), through the settings seam
``JUDICIAL_WITHDRAWAL_CONDITION_SOURCE`` — never a second implementation in judicial."""

import pytest

from accounts import services as account_services
from judicial import services
from judicial.models import Freeze, JudicialRequest
from ledger.models import BankInstruction
from tests import factories
from tests.judicial.conftest import D, day, freeze, ledger, on, receive
from tests.judicial.test_deductions import DOCS
from withdrawals import rules
from withdrawals.models import Reason, WithdrawalApplication
from withdrawals.selectors import judicial_withdrawal_condition

JR = JudicialRequest
RETIREMENT, LEAVING_JOB = str(Reason.RETIREMENT.label), str(Reason.LEAVING_JOB.label)


def holder(clerk_user, *, birth, n, local_hukou=True, amount="20000.00"):
    """An account of a person born on ``birth`` (YYYYMMDD; ``n`` odd: a man, even: a woman) with ``amount``."""
    person = account_services.register_depositor(actor=clerk_user, name="王五", phone="13900000000",
                                                 id_number=factories.make_id(n, birth=birth),
                                                 local_hukou=local_hukou)
    acc = account_services.open_account(actor=clerk_user, employer=factories.employer(clerk_user), depositor=person,
                                        base="8000")
    factories.deposit(acc, amount)
    acc.refresh_from_db()
    return acc


@pytest.fixture
def clerk_user(officers):
    from core import roles
    from tests.conftest import make_user

    on(day(2026, 10, 12))
    return make_user("j_cond_clerk", roles.CLERK)


def condition(acc, when):
    return judicial_withdrawal_condition(account_id=acc.pk, on=when)


def test_retirement_age_reached_is_a_condition_and_not_before(clerk_user):
    man = holder(clerk_user, birth="19640307", n=1)  # born before 1965: 60 years, on 2024-03-07
    assert condition(man, day(2024, 3, 6)) == ""
    assert condition(man, day(2024, 3, 7)) == RETIREMENT
    assert rules.grounds_on_record(account=man, on=day(2026, 10, 12)) == [Reason.RETIREMENT]


def test_a_womans_retirement_counts_from_the_later_category(clerk_user):
    """Women workers retire at 50, cadres at 55 (+ the 2025 reform's months); the category is not on record, so
    the later date is taken: born 1971-01-15 → cadre 55 years 4 months = 2026-05-15."""
    woman = holder(clerk_user, birth="19710115", n=2)
    assert woman.depositor.gender == "F"
    assert condition(woman, day(2026, 3, 1)) == ""  # a worker would have retired in 2021
    assert condition(woman, day(2026, 5, 14)) == ""
    assert condition(woman, day(2026, 5, 15)) == RETIREMENT


def test_an_account_sealed_long_enough_after_leaving_a_job_is_a_condition(clerk_user, officers):
    away = holder(clerk_user, birth="19900307", n=3, local_hukou=False)
    local = holder(clerk_user, birth="19900307", n=5)
    for acc in (away, local):
        account_services.seal_account(actor=clerk_user, account=acc, reason="离职", sealed_on=day(2026, 3, 1))
    assert condition(away, day(2026, 8, 31)) == ""  # sealed 5 months: the policy wants 6
    assert condition(away, day(2026, 9, 1)) == LEAVING_JOB
    assert condition(local, day(2026, 10, 12)) == ""  # local hukou: the leaving-job ground is not open to them


def test_a_closing_ground_on_record_counts_a_housing_withdrawal_does_not(clerk_user):
    acc = holder(clerk_user, birth="19900307", n=7)

    def withdrawal(number, reason, state):
        WithdrawalApplication.objects.create(
            number=number, account=acc, depositor=acc.depositor, reason=reason, state=state,
            application_date=day(2026, 9, 1), amount_requested=D("100.00"), amount_approved=D("100.00"),
            payee_card="6222", payee_name="王五")

    withdrawal("W-C-1", Reason.PURCHASE, "closed")  # bought a home: housing consumption, not a condition
    withdrawal("W-C-2", Reason.RENT, "approved")
    withdrawal("W-C-3", Reason.DEATH, "rejected")
    assert condition(acc, day(2026, 10, 12)) == ""
    withdrawal("W-C-4", Reason.DISABILITY, "approved")
    assert condition(acc, day(2026, 10, 12)) == str(Reason.DISABILITY.label)
    assert condition(acc, day(2030, 1, 1)) == str(Reason.DISABILITY.label)  # an established ground does not lapse


def test_deduction_runs_for_a_retired_person_through_the_real_seam(clerk_user, officers, court):
    """No override: the settings seam reaches the withdrawals rules; the retired person's money is deducted and the
    employed person's stays frozen with the center's written answer."""
    retired = holder(clerk_user, birth="19640307", n=9)
    employed = holder(clerk_user, birth="19900307", n=11)
    results = {}
    for acc in (retired, employed):
        f = freeze(officers, court, acc, "5000.00")
        req = receive(officers, court, acc, "deduct", original_number=f.number, amount="1234.56",
                      basis_type="judgment", **DOCS)
        req = services.prepare(actor=officers["op"], request=req)
        results[acc.pk] = (services.confirm(actor=officers["chk"], request=req), f)
    done, f = results[retired.pk]
    assert (done.state, done.actual_amount, done.answer["withdrawal_ground"]) == (JR.State.EXECUTED,
                                                                                  D("1234.56"), RETIREMENT)
    assert (ledger(retired).balance, ledger(retired).held) == (D("18765.44"), D("3765.44"))
    refused, f2 = results[employed.pk]
    assert refused.state == JR.State.REFUSED
    assert "withdrawal condition" in refused.refusal_reason or "提取条件" in refused.refusal_reason
    f2.freeze.refresh_from_db()
    assert (f2.freeze.state, f2.freeze.amount_frozen) == (Freeze.State.ACTIVE, D("5000.00"))
    assert (ledger(employed).balance, ledger(employed).held) == (D("20000.00"), D("5000.00"))
    assert BankInstruction.objects.count() == 1
