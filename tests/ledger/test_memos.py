"""Journal memos: stored in the center's language whoever posted them, said in the reader's language on the pages."""

import datetime
import pickle
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext_noop

from core.actors import system_actor
from core.business_date import set_business_date
from core.translatable import StoredText, localized
from deposits.services import remittance
from ledger import chart
from ledger.models import Account, JournalEntry, JournalLine
from ledger.posting import credit, debit, post, reverse
from tests import factories
from withdrawals.models import Reason


def test_a_memo_is_the_centers_text_with_its_message_whatever_the_active_language(db):
    with translation.override("en"):
        memo = StoredText(gettext_noop("Withdrawal %(n)s %(r)s"), n="TQ2026000001", r=Reason.DEATH.label)
    assert memo == "提取 TQ2026000001 死亡或被宣告死亡"
    assert memo.message == {"key": "Withdrawal %(n)s %(r)s",
                            "args": {"n": "TQ2026000001", "r": {"key": "Death or declared death", "args": {}}}}
    with translation.override("en"):
        assert localized(memo, memo.message) == "Withdrawal TQ2026000001 Death or declared death"
    assert localized(memo, memo.message) == memo
    # dates and numbers as they print; a slice or a pickled memo is plain text
    dated = StoredText(gettext_noop("Year-end interest %(start)s – %(end)s"), start=datetime.date(2025, 7, 1),
                       end=datetime.date(2026, 6, 30))
    assert dated == "年终结息 2025-07-01 至 2026-06-30"
    assert dated.message["args"] == {"start": "2025-07-01", "end": "2026-06-30"}
    counted = StoredText(gettext_noop("Standing withdrawals %(m)s (%(n)d)"), m="2026-11", n=3)
    with translation.override("en"):
        assert localized(counted, counted.message) == "Standing withdrawals 2026-11 (3)"
    assert type(dated[:4]) is str and type(pickle.loads(pickle.dumps(dated))) is str


def test_a_message_that_no_longer_fits_its_translation_shows_the_stored_text():
    with translation.override("en"):
        assert localized("汇缴 R1", {"key": "Remittance %(r)s", "args": {"x": "R1"}}) == "汇缴 R1"
        assert localized("汇缴 R1", None) == "汇缴 R1"
        assert localized("旧摘要", {"key": "Standing withdrawals %(m)s (%(n)d)", "args": {"m": "a", "n": "b"}}) \
            == "旧摘要"


@pytest.fixture
def funded(clerk):
    account = factories.account(clerk)
    factories.deposit(account, "500.00")
    return account


def test_a_posting_keeps_the_message_of_the_entry_and_of_a_line_that_says_more(funded):
    bank = factories.bank_account()
    own = StoredText(gettext_noop("Deduction from fund accounts for overdue loan %(n)s (reason %(r)s)"), n="DK1",
                     r="25")
    entry_memo = StoredText(gettext_noop("Payment failed: %(r)s"), r="卡号错误")
    with translation.override("en"):  # an English page posts: the stored text is still the center's
        entry = post(actor=system_actor(), memo=entry_memo,
                     lines=[debit(funded.ledger_account, Decimal("120.00"), own),
                            credit(bank.ledger_account, Decimal("120.00"), entry_memo)])
    stored = JournalEntry.objects.get(pk=entry.pk)
    assert stored.memo == "支付失败：卡号错误"
    assert stored.memo_message == {"key": "Payment failed: %(r)s", "args": {"r": "卡号错误"}}
    lines = {ln.side: ln for ln in JournalLine.objects.filter(entry=entry).select_related("entry")}
    assert lines["D"].memo == str(own) and lines["D"].memo_message == own.message
    assert lines["C"].memo == str(entry_memo) and lines["C"].memo_message is None  # the entry's, not repeated
    with translation.override("en"):
        assert lines["D"].localized_memo == "Deduction from fund accounts for overdue loan DK1 (reason 25)"
        assert lines["C"].localized_memo == "Payment failed: 卡号错误"
    assert lines["C"].localized_memo == str(entry_memo)

    # the reversal says "Reversal of entry #n" in the reader's language, and its lines keep their messages
    back = reverse(entry=entry, actor=system_actor())
    assert back.memo == f"冲正凭证 #{entry.pk}"
    back_lines = {ln.side: ln for ln in JournalLine.objects.filter(entry=back).select_related("entry")}
    assert back_lines["C"].memo_message == own.message
    with translation.override("en"):
        assert JournalEntry.objects.get(pk=back.pk).localized_memo == f"Reversal of entry #{entry.pk}"
        assert back_lines["C"].localized_memo == "Deduction from fund accounts for overdue loan DK1 (reason 25)"


def test_plain_memos_and_line_references_read_as_stored(funded):
    entry = JournalEntry.objects.filter(lines__account=funded.ledger_account).get()
    line = entry.lines.get(account=funded.ledger_account)
    assert entry.memo_message is None
    with translation.override("en"):
        assert entry.localized_memo == "test deposit" and line.localized_memo == "test deposit"


@pytest.fixture
def paid(clerk):
    set_business_date(actor=system_actor(), date=datetime.date(2026, 11, 20))
    emp = factories.employer(clerk)
    account = factories.account(clerk, emp, name="甲", base="9000")
    user = factories.portal_login(account)
    rem = remittance.generate_list(actor=clerk, employer=emp, month=datetime.date(2026, 11, 1))
    remittance.confirm_list(actor=clerk, remittance=rem)
    (line,) = factories.statement(bank_account=factories.bank_account(), rows=[
        {"bank_reference": "P1", "value_date": "2026-11-15", "direction": "C", "amount": str(rem.total),
         "remark": rem.reference}])
    with translation.override("en"):  # posted from an English page
        remittance.pay_from_statement(actor=clerk, remittance=rem, line=line)
    rem.refresh_from_db()
    return account, rem, user


def page(user, url, language):
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_pages_say_a_remittance_in_the_readers_language(paid, clerk):
    account, rem, depositor = paid
    assert rem.entry.memo == f"汇缴 {rem.reference}"
    english = f"Remittance {rem.reference}"
    for user, url in ((clerk, f"/counter/deposits/remittances/{rem.reference}/"),
                      (depositor, f"/portal/accounts/{account.number}/deposits/")):
        assert english in page(user, url, "en"), url
        chinese = page(user, url, "zh-hans")
        assert f"汇缴 {rem.reference}" in chinese and english not in chinese, url


def test_the_account_page_says_the_entrys_memo_in_the_readers_language_and_a_lines_reference_as_is(paid, clerk):
    account, rem, _depositor = paid
    expense = Account.objects.get(code=chart.FUND_INTEREST_EXPENSE)
    with translation.override("en"):
        post(actor=system_actor(),
             lines=[debit(expense, Decimal("3.21")), credit(account.ledger_account, Decimal("3.21"))],
             memo=StoredText(gettext_noop("Interest %(start)s – %(end)s before closing"),
                             start=datetime.date(2026, 7, 1), end=datetime.date(2026, 11, 19)))
    url = f"/counter/accounts/{account.number}/"
    english, chinese = page(clerk, url, "en"), page(clerk, url, "zh-hans")
    assert "Interest 2026-07-01 – 2026-11-19 before closing" in english and "结息" not in english
    assert re.search(r">\s*Memo\s*<", english) and re.search(r">\s*摘要\s*<", chinese)  # the column's header
    assert "Interest 2026-07-01" not in chinese
    assert rem.reference in english and rem.reference in chinese  # the remittance's line carries its reference
