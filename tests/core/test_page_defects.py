"""Regression tests for defects found by clicking through every page as every role."""

from django.urls import reverse

from core import roles
from tests.conftest import make_user


def test_withdrawal_queue_offers_accepting_an_application_only_to_clerks(client, db):
    new_url = reverse("withdrawals:new")
    for username, role, shown in (
        ("q_clerk", roles.CLERK, True),
        ("q_reviewer", roles.REVIEWER, False),
        ("q_finance", roles.FINANCE, False),
        ("q_auditor", roles.AUDITOR, False),
    ):
        client.force_login(make_user(username, role))
        page = client.get(reverse("withdrawals:queue"))
        assert page.status_code == 200
        assert (f'href="{new_url}"' in page.content.decode()) is shown, username
        # the link, where shown, leads to a page the user may open
        assert client.get(new_url).status_code == (200 if shown else 403)


def test_employer_page_remittance_table_scrolls_inside_its_card_on_a_phone(client, clerk):
    from tests import factories

    emp = factories.employer(clerk)
    client.force_login(clerk)
    html = client.get(reverse("accounts:employer", args=[emp.account_number])).content.decode()
    card = html[html.index('id="employer-remittances"') :]
    # the six-column table sits in a horizontally scrolling wrapper, so the page itself is not wider than 390 px
    assert '<div class="table-responsive"><table class="table table-hover table-sm mb-0 align-middle">' in card
    # and the month picker with its button wraps instead of pushing the header out of the card
    assert 'class="d-flex flex-wrap gap-2 ms-auto align-items-center" id="generate-form"' in card


def test_interest_pages_answer_a_hostile_year_with_a_message(client, clerk):
    """?year=99999999999999999999999 overflowed the date arithmetic: a 500 on the depositor's and the staff's
    interest page. Every bad year now shows the current interest year with the bounds message."""
    import datetime

    from core.actors import system_actor
    from core.business_date import set_business_date
    from tests import factories

    set_business_date(actor=system_actor(), date=datetime.date(2026, 11, 20))
    acct = factories.account(clerk, factories.employer(clerk), name="甲")
    depositor_user = make_user(acct.depositor.id_number, roles.DEPOSITOR)
    acct.depositor.user = depositor_user
    acct.depositor.save(update_fields=["user"])
    pages = (
        (depositor_user, f"/portal/accounts/{acct.number}/interest/"),
        (clerk, f"/counter/deposits/accounts/{acct.number}/interest/"),
    )
    for user, url in pages:
        client.force_login(user)
        for year in ("99999999999999999999999", "1e30", "-1", "0001", "9" * 5000, "😀", "<script>"):
            page = client.get(url, {"year": year}, HTTP_ACCEPT_LANGUAGE="zh-hans")
            assert page.status_code == 200, (url, year[:30])
            assert "请输入 1992 至 2027 之间的年份。" in page.content.decode(), (url, year[:30])
        # a year in the window still shows that year (2025-07-01 – 2026-06-30) without the message
        page = client.get(url, {"year": "2026"}, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert "2025-07-01" in page and "请输入" not in page


def test_header_and_error_pages_link_to_the_viewers_own_start_page(client, clerk):
    """The header's centre name and the 403/404 pages linked every user to /counter/, a 403 for depositors and
    employer agents."""
    from accounts import services as account_services
    from tests import factories

    emp = factories.employer(clerk)
    acct = factories.account(clerk, emp, name="甲")
    depositor_user = make_user(acct.depositor.id_number, roles.DEPOSITOR)
    acct.depositor.user = depositor_user
    acct.depositor.save(update_fields=["user"])
    agent = make_user("agent_x", roles.EMPLOYER_AGENT)
    account_services.link_employer_agent(actor=clerk, user=agent, employer=emp)
    for user, home, start in (
        (depositor_user, "/portal/", "/portal/"),
        (agent, "/employer/", "/employer/"),
        (clerk, "/counter/", "/counter/"),
    ):
        client.force_login(user)
        page = client.get(home)
        assert page.status_code == 200
        assert f'<a class="navbar-brand" href="{start}">' in page.content.decode()
        assert client.get(start).status_code == 200
        missing = client.get(f"{home}no-such-page/")
        assert missing.status_code == 404
        assert f'<a href="{start}">' in missing.content.decode()
    client.logout()
    login_page = client.get("/portal/login/").content.decode()
    assert '<a class="navbar-brand" href="/portal/">' in login_page


def test_periodic_task_admin_form_has_no_inline_script(client, db):
    """django-celery-beat's form ran an inline script, blocked by the Content-Security-Policy (a console error and
    no readable crontab). Every script on the page is now a file or JSON data."""
    import re

    from django.contrib.auth.models import User
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    client.force_login(User.objects.create_superuser("beat_admin", password="pw-Secret-123"))
    cron = CrontabSchedule.objects.create(minute="5", hour="2")
    task = PeriodicTask.objects.create(name="nightly", task="x.y", crontab=cron)
    for url in (
        "/admin/django_celery_beat/periodictask/add/",
        f"/admin/django_celery_beat/periodictask/{task.pk}/change/",
    ):
        page = client.get(url)
        assert page.status_code == 200
        html = page.content.decode()
        scripts = re.findall(r"<script\b[^>]*>", html)
        inline = [s for s in scripts if "src=" not in s and 'type="application/json"' not in s]
        assert inline == [], (url, inline)
        assert "/static/js/periodic-task-admin.js" in html
        assert 'id="readable-crontabs" type="application/json"' in html
        assert "script-src 'self'" in page["Content-Security-Policy"]


def test_staff_list_pagination_is_labelled_in_chinese(rf):
    """django-tables2's pagination carried the English aria-label "Table navigation" on every paged staff list."""
    import django_tables2 as dt
    from django.contrib.auth.models import AnonymousUser
    from django.utils import translation

    from core.tables import Table

    class Numbers(Table):
        n = dt.Column()

        class Meta(Table.Meta):
            pass

    request = rf.get("/counter/x/", {"page": "2"})
    request.user = AnonymousUser()
    table = Numbers([{"n": i} for i in range(120)])
    table.paginate(page=2, per_page=50)
    with translation.override("zh-hans"):
        html = table.as_html(request)
    assert '<nav aria-label="分页">' in html
    assert "Table navigation" not in html
    # the pages themselves still work: 3 pages of 50, the previous and next links keep the query string
    assert 'href="?page=1"' in html and 'href="?page=3"' in html and "上一页" in html and "下一页" in html


def test_ledger_setting_changes_table_scrolls_inside_the_page_on_a_phone(client, finance):
    """At 390 px the setting-changes table made the page 471 px wide."""
    client.force_login(finance)
    page = client.get("/counter/ledger/settings/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<div class="table-responsive"><table class="table table-sm align-middle" id="changes">' in html
    assert html.index('id="changes"') < html.index("</table></div>")


def test_evidence_number_and_pager_words_are_translated(db):
    """The withdrawal evidence's "number" field (admin, form errors) had no Chinese; the pager's words are the
    project's own entries now, so a message update cannot lose them."""
    from django.utils import translation

    from withdrawals.models import Evidence

    with translation.override("zh-hans"):
        assert str(Evidence._meta.get_field("number").verbose_name) == "编号"
        assert translation.gettext("previous") == "上一页"
        assert translation.gettext("next") == "下一页"


def test_portal_tables_scroll_inside_the_page_on_a_phone(client, clerk):
    """At 390 px the employer portal's home (425 px) and remittance list (650 px) were wider than the phone; every
    portal table now sits in a horizontally scrolling wrapper."""
    import datetime
    import re

    from accounts import services as account_services
    from core.actors import system_actor
    from core.business_date import set_business_date
    from deposits.services import remittance
    from tests import factories

    set_business_date(actor=system_actor(), date=datetime.date(2026, 11, 20))
    emp = factories.employer(clerk)
    acct = factories.account(clerk, emp, name="甲")
    rem = remittance.generate_list(actor=clerk, employer=emp, month=datetime.date(2026, 11, 1))
    agent = make_user("agent_t", roles.EMPLOYER_AGENT)
    account_services.link_employer_agent(actor=clerk, user=agent, employer=emp)
    depositor_user = make_user(acct.depositor.id_number, roles.DEPOSITOR)
    acct.depositor.user = depositor_user
    acct.depositor.save(update_fields=["user"])
    pages = [
        (agent, url)
        for url in ("/employer/", f"/employer/remittances/{rem.reference}/", "/employer/deferrals/", "/employer/bases/")
    ]
    pages += [
        (depositor_user, url) for url in ("/portal/withdrawals/", "/portal/withdrawals/apply/", "/portal/flexible/")
    ]
    tables = 0
    for user, url in pages:
        client.force_login(user)
        page = client.get(url)
        assert page.status_code == 200, url
        html = page.content.decode()
        for match in re.finditer(r"<table\b", html):
            tables += 1
            assert html[: match.start()].endswith('<div class="table-responsive">'), (
                url,
                html[match.start() : match.start() + 80],
            )
    assert tables >= 4  # the employer home's two tables, the list's lines, the withdrawal reasons at least


def test_crontab_schedule_admin_answers_a_negative_minute_with_a_form_error(client, db):
    """Admin, beat schedule: minute "-1" made the readable description raise, a 500 instead of the form's
    errors."""
    from django.contrib.auth.models import User
    from django.utils import translation
    from django_celery_beat.models import CrontabSchedule

    client.force_login(User.objects.create_superuser("cron_admin", password="pw-Secret-123"))
    before = CrontabSchedule.objects.count()
    for field in ("minute", "hour", "day_of_month", "month_of_year", "day_of_week"):
        data = {
            "minute": "5",
            "hour": "2",
            "day_of_month": "*",
            "month_of_year": "*",
            "day_of_week": "*",
            "timezone": "Asia/Shanghai",
            field: "-1",
        }
        page = client.post("/admin/django_celery_beat/crontabschedule/add/", data)
        assert page.status_code in (200, 302), field
        if page.status_code == 200:
            assert "errornote" in page.content.decode(), field
    # whatever the package's validators let through, the list and every change page still open
    assert client.get("/admin/django_celery_beat/crontabschedule/").status_code == 200
    for schedule in CrontabSchedule.objects.all():
        assert client.get(f"/admin/django_celery_beat/crontabschedule/{schedule.pk}/change/").status_code == 200
    assert CrontabSchedule.objects.count() - before <= 5
    with translation.override("zh-hans"):
        assert (
            client.get("/admin/django_celery_beat/crontabschedule/", HTTP_ACCEPT_LANGUAGE="zh-hans").status_code == 200
        )
        from core.admin import CrontabScheduleAdmin

        assert str(CrontabScheduleAdmin.readable.short_description) == "执行时间说明"


def test_business_date_outside_the_plausible_window_is_refused(client, db):
    """Admin accepted 0001-01-01 as the business date; every page counting an interest year from it then failed
    (the depositor's interest page was a 500). The admin form and the service now refuse it."""
    import datetime

    import pytest
    from django.contrib.auth.models import User
    from django.utils import timezone

    from core.actors import system_actor
    from core.business_date import set_business_date, today
    from core.errors import InvalidInput
    from core.models import AuditEvent, BusinessDay

    set_business_date(actor=system_actor(), date=datetime.date(2026, 11, 20))
    events = AuditEvent.objects.filter(action="business_date.set").count()
    client.force_login(User.objects.create_superuser("date_admin", password="pw-Secret-123"))
    url = f"/admin/core/businessday/{BusinessDay.objects.get().pk}/change/"
    far = (timezone.localdate() + datetime.timedelta(days=800)).isoformat()
    for bad in ("0001-01-01", "1990-12-31", "9999-12-31", far):
        page = client.post(url, {"current": bad}, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert page.status_code == 200, bad
        assert "请输入 1991-01-01 至" in page.content.decode(), bad
        with pytest.raises(InvalidInput):
            set_business_date(actor=system_actor(), date=datetime.date.fromisoformat(bad))
    assert today() == datetime.date(2026, 11, 20)
    assert AuditEvent.objects.filter(action="business_date.set").count() == events
    # a plausible date still goes through the audited service
    assert client.post(url, {"current": "2026-12-01"}).status_code == 302
    assert today() == datetime.date(2026, 12, 1)
    assert AuditEvent.objects.filter(action="business_date.set").count() == events + 1


def test_audit_and_case_history_admin_lists_do_not_query_per_row(client, db):
    """The audit-event list made one query per row for its actor (69 queries for 58 events)."""
    import datetime

    from django.contrib.auth.models import User
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core import audit
    from core.models import CaseTransition

    client.force_login(User.objects.create_superuser("list_admin", password="pw-Secret-123"))

    def queries(url):
        client.get(url)  # the session's first page renews it (written at most once a minute)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    counts = {}
    for rows in (3, 40):
        for i in range(rows):
            actor = make_user(f"actor_{rows}_{i}")
            audit.record(actor=actor, action="test.action", object_type="x", object_id=str(i))
            CaseTransition.objects.create(
                case_type=ContentType.objects.get_for_model(User),
                case_id=i,
                action="a",
                to_state="b",
                actor=actor,
                business_date=datetime.date(2026, 11, 20),
            )
        counts[rows] = (queries("/admin/core/auditevent/"), queries("/admin/core/casetransition/"))
    assert counts[40] == counts[3], counts
