"""The staff menu bar (core.templatetags.counter.staff_menu): the entries a role may follow, in the page's language,
with the entry of the current page marked active; the items are worked out once per roles and language."""

import re

from django.test import Client

from core import roles
from tests.conftest import make_user


def menu(html: str) -> list[tuple[str, str, bool]]:
    bar = re.search(r'<ul class="navbar-nav[^"]*">(.*?)</ul>', html, re.S).group(1)
    return [(href, label, " active" in cls) for cls, href, label in
            re.findall(r'<a class="nav-link([^"]*)" href="([^"]*)">([^<]*)</a>', bar)]


def test_entries_follow_the_role_the_page_and_the_language(db):
    clerk, auditor = Client(), Client()
    clerk.force_login(make_user("menu_clerk", roles.CLERK))
    auditor.force_login(make_user("menu_auditor", roles.AUDITOR))

    items = menu(clerk.get("/counter/withdrawals/").content.decode())
    assert ("/counter/withdrawals/", "提取", True) in items  # "within": the queue itself
    assert ("/counter/accounts/new/", "个人开户", False) in items  # account_write: a clerk may open accounts
    assert [active for _href, _label, active in items].count(True) == 1
    assert items[0] == ("/counter/cases/", "业务查询", False)

    search = menu(clerk.get("/counter/search/?q=x").content.decode())  # "exact"
    assert ("/counter/search/", "职工查询", True) in search and ("/counter/withdrawals/", "提取", False) in search
    assert [active for _href, _label, active in search].count(True) == 1

    audited = menu(auditor.get("/counter/withdrawals/").content.decode())
    hrefs = [href for href, _label, _active in audited]
    assert "/counter/accounts/new/" not in hrefs and "/counter/withdrawals/" in hrefs

    english = menu(clerk.get("/counter/withdrawals/", HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert ("/counter/withdrawals/", "Withdrawals", True) in english
    assert ("/counter/accounts/new/", "Open an account", False) in english
    again = menu(clerk.get("/counter/withdrawals/").content.decode())
    assert again == items  # the kept items of each language stay apart
