"""Without Redis (issue "Security and reliability" 8): with the cache and the Celery broker pointed at a closed
port, pages and the API keep answering (throttling degrades with a logged warning), starting the interest
settlement records the run and answers at once, and a beat sweep queues it once the broker is back. With a
broker up, starting a settlement queues it without waiting on a result. A database connection dropped under
a kept connection is replaced before the next request uses it."""

import datetime
import logging
import socket

import pytest
import redis
from django.contrib.messages import get_messages
from django.core.cache import caches
from django.db import close_old_connections, connection, connections
from django.test import override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts import services as account_services
from core.actors import system_actor
from core.business_date import set_business_date
from core.models import BatchRun
from deposits import tasks as deposit_tasks
from fund_center.celery import app
from fund_center.settings import redis_caches
from tests import factories
from tests.conftest import make_user
from tests.core.test_services_up import redis_url  # noqa: F401 - the fixture

D = datetime.date


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens there once the socket is closed


@pytest.fixture
def cache_down():
    with override_settings(CACHES=redis_caches(f"redis://127.0.0.1:{closed_port()}/0")):  # caches are reset
        yield


def use_broker(url, eager):
    app.conf.update(broker_url=url, task_always_eager=eager)
    app._pool = None  # noqa: SLF001 - the connection pools keep the broker URL they were made for
    app.amqp._producer_pool = None  # noqa: SLF001


@pytest.fixture
def broker():
    before = (app.conf.broker_url, app.conf.task_always_eager)
    yield use_broker
    use_broker(*before)


@pytest.fixture
def world(clerk):
    set_business_date(actor=system_actor(), date=D(2025, 7, 1))
    emp = factories.employer(clerk)
    account = factories.account(clerk, emp, name="甲", base="9000")
    factories.deposit(account, "36000")  # a year's interest at 1.5 %: 547.50
    set_business_date(actor=system_actor(), date=D(2026, 7, 2))
    agent = make_user("payroll", "employer_agent")
    account_services.link_employer_agent(actor=clerk, user=agent, employer=emp)
    return emp, account, agent


def test_pages_and_the_api_answer_without_redis(world, clerk, cache_down, caplog):
    emp, account, agent = world
    with pytest.raises(redis.ConnectionError):
        caches["default"].get("anything")  # the cache really is down
    staff = settings_client(clerk)
    assert staff.get("/counter/").status_code == 200
    assert staff.get(f"/counter/accounts/{account.number}/").status_code == 200
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=agent).key}")
    with caplog.at_level(logging.WARNING, logger="core.throttling"):
        resp = api.post("/api/v1/employer/remittances/", {"month": "2026-07"}, format="json")
        assert resp.status_code == 201, resp.content
        assert api.get(f"/api/v1/employer/remittances/{resp.json()['reference']}/").status_code == 200
    assert any("throttling is off" in r.getMessage() for r in caplog.records)


def settings_client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def test_starting_a_settlement_with_the_broker_down_records_it_and_the_sweep_queues_it_later(
    world, finance, broker, caplog
):
    emp, account, agent = world
    broker(f"redis://127.0.0.1:{closed_port()}/0", eager=False)
    staff = settings_client(finance)
    with caplog.at_level(logging.WARNING, logger="core.batch"):
        resp = staff.post("/counter/deposits/interest/settle/", {"year": "2026"})
    assert resp.status_code == 302
    assert [m.level_tag for m in get_messages(resp.wsgi_request)] == ["warning"]
    run = BatchRun.objects.get(key="interest:2026")
    assert run.status == BatchRun.Status.PENDING and "queued_at" not in run.result
    assert any("not queued" in r.getMessage() for r in caplog.records)
    assert deposit_tasks.resume_interest_runs() == {"runs": 1, "queued": 0}  # still down: kept for later
    broker(app.conf.broker_url, eager=True)  # the broker is back (tasks run in-process here)
    assert deposit_tasks.resume_interest_runs() == {"runs": 1, "queued": 1}
    run.refresh_from_db()
    assert run.status == BatchRun.Status.DONE and run.result["accounts"] == 1 and "queued_at" in run.result
    assert run.result["total"] == "547.50"
    assert deposit_tasks.resume_interest_runs() == {"runs": 0, "queued": 0}


def test_starting_a_settlement_with_a_broker_queues_it_without_waiting(world, finance, broker, redis_url):  # noqa: F811
    broker(redis_url, eager=False)
    client = redis.Redis.from_url(redis_url)
    client.delete("celery")
    try:
        resp = settings_client(finance).post("/counter/deposits/interest/settle/", {"year": "2026"})
        assert resp.status_code == 302
        assert [m.level_tag for m in get_messages(resp.wsgi_request)] == ["success"]
        run = BatchRun.objects.get(key="interest:2026")
        assert run.status == BatchRun.Status.PENDING and "queued_at" in run.result  # a worker will run it
        assert client.llen("celery") == 1
        assert deposit_tasks.resume_interest_runs() == {"runs": 0, "queued": 0}  # queued, not stalled
    finally:
        client.delete("celery")


def test_a_bad_year_is_a_message_not_an_error(world, finance):
    for year in ("1900", "99999999999999999999", "abc", "2027"):
        resp = settings_client(finance).post("/counter/deposits/interest/settle/", {"year": year})
        assert resp.status_code == 302
        assert [m.level_tag for m in get_messages(resp.wsgi_request)] == ["error"], year
    assert not BatchRun.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_dropped_database_connection_is_replaced_before_the_next_request(clerk):
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    other = connections.create_connection("default")
    try:
        with other.cursor() as cur:
            cur.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()
    close_old_connections()  # what Django does when a request starts
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        assert cur.fetchone()[0] != pid


def test_a_yearly_run_lost_with_the_broker_is_recorded_and_run_by_the_july_sweep(world, broker):
    assert not BatchRun.objects.filter(key="interest:2026").exists()  # the July 1 beat message never arrived
    broker(app.conf.broker_url, eager=True)
    assert deposit_tasks.resume_interest_runs() == {"runs": 1, "queued": 1}
    run = BatchRun.objects.get(key="interest:2026")
    assert run.status == BatchRun.Status.DONE and run.started_by.username == "system"
    assert run.result["total"] == "547.50"
    set_business_date(actor=system_actor(), date=D(2026, 8, 3))  # after July, nothing is planned by itself
    BatchRun.objects.filter(key="interest:2026").update(key="interest:2026-moved")
    assert deposit_tasks.resume_interest_runs() == {"runs": 0, "queued": 0}
    assert not BatchRun.objects.filter(key="interest:2026").exists()
