"""The production settings (DEBUG off, not testing) in a fresh interpreter: ``check --deploy`` is clean with nothing
silenced, and a page served over HTTPS carries HSTS, a Referrer-Policy, nosniff and DENY framing, with secure,
HTTP-only cookies; plain HTTP is redirected to HTTPS, and the Content-Security-Policy allows no inline script."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = r"""
import json
import django
django.setup()
from django.conf import settings
from django.test import Client, override_settings

# Static files as they are before collectstatic (production serves the manifest collectstatic builds).
with override_settings(STORAGES={**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}):
    client = Client()
    secure = client.get("/counter/login/", secure=True, HTTP_HOST="fund.example.cn")
    plain = client.get("/counter/login/", HTTP_HOST="fund.example.cn")
print(json.dumps({
    "debug": settings.DEBUG, "status": secure.status_code, "headers": dict(secure.headers),
    "cookies": {name: {"secure": bool(c["secure"]), "httponly": bool(c["httponly"]), "samesite": c["samesite"]}
                for name, c in secure.cookies.items()},
    "plain": [plain.status_code, plain.headers.get("Location")],
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE, "csrf_cookie_secure": settings.CSRF_COOKIE_SECURE,
    "silenced": list(settings.SILENCED_SYSTEM_CHECKS),
}))
"""


def production_env():
    env = {
        k: v
        for k, v in os.environ.items()
        # DJANGO_ALLOW_ASYNC_UNSAFE: set in this process by the browser tests' server, never in production
        if k not in ("TESTING", "DEBUG", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="fund.example.cn",
        CSRF_TRUSTED_ORIGINS="https://fund.example.cn",
        DJANGO_SETTINGS_MODULE="fund_center.settings",
        PYTHONPATH=str(ROOT),
    )
    return env


def test_check_deploy_is_clean_with_nothing_silenced():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_pages_carry_the_security_headers_and_secure_cookies():
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=production_env(), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["debug"] is False and probe["status"] == 200 and probe["silenced"] == []
    headers = probe["headers"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    csp = dict(d.strip().split(" ", 1) for d in headers["Content-Security-Policy"].split(";") if d.strip())
    assert csp["default-src"] == "'self'" and csp["script-src"] == "'self'" and csp["object-src"] == "'none'"
    assert csp["frame-ancestors"] == "'none'" and "unsafe-inline" not in csp["script-src"]
    assert probe["cookies"]["csrftoken"]["secure"] is True
    assert probe["session_cookie_secure"] is True and probe["csrf_cookie_secure"] is True
    assert probe["plain"] == [301, "https://fund.example.cn/counter/login/"]


def gunicorn_config(**env):
    import runpy
    from unittest import mock

    with mock.patch.dict(os.environ, env, clear=True):
        return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_the_dockerfile_starts_gunicorn_with_the_server_settings_file():
    """The image, the smoke run and the load benchmark share gunicorn.conf.py: synchronous workers, two per core,
    unless the environment says otherwise."""
    import multiprocessing
    import re

    dockerfile = (ROOT / "Dockerfile").read_text()
    cmd = json.loads(re.search(r"^CMD (\[.*\])$", dockerfile, re.M).group(1))
    assert cmd[:2] == ["gunicorn", "fund_center.wsgi:application"]
    assert cmd[cmd.index("--config") + 1] == "gunicorn.conf.py" and "--workers" not in cmd and "--threads" not in cmd
    conf = gunicorn_config()
    assert (conf["workers"], conf["threads"], conf["worker_class"]) == (2 * multiprocessing.cpu_count(), 1, "sync")
    assert conf["timeout"] == 60 and conf["control_socket_disable"] is True
    conf = gunicorn_config(WEB_CONCURRENCY="3", GUNICORN_THREADS="4", GUNICORN_TIMEOUT="30")
    assert (conf["workers"], conf["threads"], conf["worker_class"], conf["timeout"]) == (3, 4, "gthread", 30)


def test_each_worker_keeps_the_collector_off_the_loaded_application():
    """gunicorn.conf.py's post_worker_init freezes what the worker has loaded and raises the collector's first
    threshold (in a process of its own: the test process keeps Python's defaults)."""
    probe = ("import gc, json, runpy; import django.db.models; conf = runpy.run_path('gunicorn.conf.py'); "
             "before = gc.get_freeze_count(); conf['post_worker_init'](None); "
             "print(json.dumps([before, gc.get_freeze_count(), gc.get_threshold()]))")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=production_env(), capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    before, frozen, thresholds = json.loads(result.stdout)
    assert before == 0 and frozen > 10_000 and thresholds == [50_000, 20, 100]
