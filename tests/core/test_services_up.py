"""Tests that need Redis itself (cache and Celery broker); skipped without REDIS_URL."""

import uuid

import pytest
from django.conf import settings
from django.core.cache import cache

pytestmark = pytest.mark.redis


def test_cache_round_trip_in_redis():
    key = f"t:{uuid.uuid4().hex}"
    cache.set(key, {"amount": "12.34"}, 30)
    assert cache.get(key) == {"amount": "12.34"}
    assert "RedisCache" in settings.CACHES["default"]["BACKEND"]


def test_celery_broker_reachable():
    from fund_center.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1)
        assert conn.connected
