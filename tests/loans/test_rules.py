"""Loan eligibility rules (DOMAIN.md §4.2, §4.4, §13): each check passes and refuses with its own message."""

import dataclasses
import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from core import policy
from loans import rules

D = Decimal
day = datetime.date
ON = day(2026, 1, 15)


def defaults():
    return {k: p.default for k, p in policy.load_all().items() if k.startswith("loans.")}


def context(**changes):
    """An applicant who passes every check: the man of DOMAIN.md §4.3, born January 1981, applying for 276
    months on 2026-01-15 with a normal account and 24 continuous months."""
    values = {
        "on": ON,
        "p": defaults(),
        "borrower": rules.Borrower(day(1981, 1, 15), "M"),
        "account_status": "01",
        "flexible": False,
        "continuous_months": 24,
        "term_months": 276,
        "credit_ok": True,
        "requested_amount": D("600000.00"),
        "limit": D("600000.00"),
    }
    values.update(changes)
    return rules.Context(**values)


def refused(ctx, code):
    """The outcome refuses exactly the check ``code``; its message."""
    out = rules.evaluate(ctx)
    assert not out.eligible
    assert [c.code for c in out.checks if not c.passed] == [code]
    return out.check(code).message


def test_every_check_passes_for_a_good_applicant():
    out = rules.evaluate(context())
    assert out.eligible and out.refusals == []
    assert [c.code for c in out.checks] == [
        "account_normal",
        "continuous_deposits",
        "no_outstanding_loan",
        "loans_used",
        "homes",
        "fraud_ban",
        "age_term",
        "parties_account_normal",
        "parties_continuous_deposits",
        "parties_no_outstanding_loan",
        "parties_certified_balance",
        "parties_age",
        "conversion_term",
        "credit",
        "within_limit",
    ]
    assert out.term.months == 276 and out.term.binding == "age"
    assert out.check("age_term").message == "贷款期限 276 个月，最长 276 个月"
    assert out.as_dict()["max_term_months"] == 276


@pytest.mark.parametrize("status", ["02", "06", "05"])
def test_account_must_be_normal(status):
    message = refused(context(account_status=status), "account_normal")
    assert message.startswith("借款人的公积金账户须为正常状态，当前为")


def test_account_status_in_the_message():
    assert refused(context(account_status="02"), "account_normal") == "借款人的公积金账户须为正常状态，当前为封存。"


def test_continuous_deposits_policy_months():
    assert refused(context(continuous_months=5), "continuous_deposits") == (
        "申请前须连续缴存至少 6 个月，目前为 5 个月。"
    )
    assert rules.evaluate(context(continuous_months=6)).eligible


def test_flexible_workers_need_their_own_figure():
    assert refused(context(flexible=True, continuous_months=11), "continuous_deposits") == (
        "申请前须连续缴存至少 12 个月，目前为 11 个月。"
    )
    assert rules.evaluate(context(flexible=True, continuous_months=12)).eligible


def test_policy_value_changes_the_rule():
    p = {**defaults(), "loans.min_continuous_months": 12}
    assert not rules.evaluate(context(p=p, continuous_months=6)).eligible


def test_no_outstanding_fund_loan():
    assert refused(context(outstanding_loans=1), "no_outstanding_loan") == (
        "借款人或其配偶尚有未结清的住房公积金贷款。"
    )


def test_fund_loans_used_below_the_maximum():
    assert rules.evaluate(context(loans_used=1)).eligible
    assert refused(context(loans_used=2), "loans_used") == "家庭已使用住房公积金贷款 2 次，最多允许 2 次。"


def test_third_home_refused_second_home_only_when_the_first_loan_is_paid_off():
    assert refused(context(homes_owned=2), "homes") == (
        "家庭在本市已有 2 套住房，购买第三套及以上住房不予发放公积金贷款。"
    )
    assert refused(context(homes_owned=1, owned_home_loan_unpaid=True), "homes") == (
        "家庭已有一套住房且其贷款尚未结清；购买第二套住房须先结清首套住房贷款。"
    )
    second = rules.evaluate(context(homes_owned=1))
    assert second.eligible and second.check("homes").message == "第二套住房，首套住房贷款已结清"
    assert rules.evaluate(context()).check("homes").message == "首套住房"


def test_fraud_ban_until_its_last_day():
    assert refused(context(fraud_ban_until=ON), "fraud_ban") == "因此前存在骗贷行为，2026-01-15 前不得申请公积金贷款。"
    assert rules.evaluate(context(fraud_ban_until=ON - datetime.timedelta(days=1))).eligible


def test_term_beyond_the_age_limit():
    assert refused(context(term_months=277), "age_term") == (
        "贷款期限最长为 276 个月：贷款须在 2049-01-15 前到期，即借款人法定退休日期 2044-01-15 后 5 年。"
    )


def test_term_beyond_the_policy_limit():
    young = rules.Borrower(day(1995, 6, 1), "F", "cadre")
    assert refused(context(borrower=young, term_months=361), "age_term") == "贷款期限最长为 360 个月（30 年）。"
    assert rules.evaluate(context(borrower=young, term_months=360)).eligible
    assert refused(context(borrower=young, term_months=0), "age_term") == "贷款期限最长为 360 个月（30 年）。"


def test_women_workers_retire_earlier_than_cadres():
    """Born March 1980: a woman worker retires at 50 years + 32 months (the 32nd group of two birth months since
    January 1975) on 2032-11-01, a cadre at 55 years + 31 months (the 31st group of four since January 1970) on
    2037-10-01; five years later, from 2026-01-15: 141 and 200 whole months."""
    worker = rules.Borrower(day(1980, 3, 1), "F", "worker")
    cadre = rules.Borrower(day(1980, 3, 1), "F", "cadre")
    assert rules.max_term(context(borrower=worker)).retirement == day(2032, 11, 1)
    assert rules.max_term(context(borrower=cadre)).retirement == day(2037, 10, 1)
    assert rules.max_term(context(borrower=worker)).months == 141
    assert rules.max_term(context(borrower=cadre)).months == 200
    assert refused(context(borrower=worker, term_months=142), "age_term").startswith("贷款期限最长为 141 个月")
    assert rules.evaluate(context(borrower=worker, term_months=141)).eligible
    assert rules.evaluate(context(borrower=cadre, term_months=200)).eligible
    assert refused(context(borrower=cadre, term_months=201), "age_term").startswith("贷款期限最长为 200 个月")


def test_no_term_left_at_all():
    old = rules.Borrower(day(1958, 1, 1), "M")
    assert refused(context(borrower=old, term_months=12), "age_term") == (
        "借款人距最晚到期日（2023-01-01：法定退休日期 2018-01-01 后 5 年）不足一个月，无法确定贷款期限。"
    )


def test_credit_check_recorded_and_good():
    assert refused(context(credit_ok=None), "credit") == "尚未核查征信报告。"
    assert refused(context(credit_ok=False), "credit") == "征信报告存在不予贷款的记录。"


def test_requested_amount_within_the_limit():
    assert refused(context(requested_amount=D("600000.01")), "within_limit") == (
        "申请金额 600,000.01 超过可贷额度 600,000.00。"
    )
    assert refused(context(requested_amount=D("0")), "within_limit") == "申请金额必须大于零。"
    assert rules.evaluate(context(limit=None)).eligible


def test_several_refusals_are_all_listed():
    out = rules.evaluate(context(continuous_months=0, homes_owned=3, credit_ok=None))
    assert [c.code for c in out.checks if not c.passed] == ["continuous_deposits", "homes", "credit"]
    assert len(out.refusals) == 3 and len(out.passed) == 12


def test_messages_in_english_too():
    with translation.override("en"):
        out = rules.evaluate(context(outstanding_loans=1))
    assert out.refusals == ["The borrower or the spouse still has a housing fund loan that is not paid off."]


def test_context_is_plain_data():
    """Facts from other apps (registry homes, fraud bans) are passed in: no rule reads another app's tables."""
    fields = {f.name for f in dataclasses.fields(rules.Context)}
    assert {"homes_owned", "owned_home_loan_unpaid", "fraud_ban_until"} <= fields
