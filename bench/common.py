"""What every benchmark needs: its own PostgreSQL database on the server DATABASE_URL names (with DATABASE_URL
unset: the embedded server of ``make run``, data in .pgdata/), and Django set up in it with query logging off
and the schema migrated. Every benchmark prints which server it ran on."""

import os
import sys
from urllib.parse import urlsplit, urlunsplit


def bench_database_url(database):
    """(URL of ``database`` on the server DATABASE_URL names, URL of that server's ``postgres`` database)."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        from core import dbserver

        server = dbserver.start(dbserver.RUN_DATA_DIR)
        return dbserver.url(server, database), dbserver.admin_url(server)
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        sys.exit(f"{sys.argv[0]} needs PostgreSQL: set DATABASE_URL=postgres://user@host:port/any_db")
    return urlunsplit(parts._replace(path="/" + database)), urlunsplit(parts._replace(path="/postgres"))


# --- raw SQL helpers for building synthetic data set-based -------------------------------------------------


def execute(sql, params=None):
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.rowcount


def scalar(sql, params=None):
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchone()[0]


def next_id(table):
    return scalar(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")


def sync_sequence(table):
    execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")


def ensure_database(admin_url, database, recreate):
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if exists and recreate:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(database)))
            exists = None
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
            print(f"created database {database}")


def fresh_database(database):
    """The benchmark's own database, dropped and created again on the server of DATABASE_URL, then Django in it,
    migrated."""
    url, admin_url = bench_database_url(database)
    ensure_database(admin_url, database, recreate=True)
    print(f"database {database}: migrate", flush=True)
    setup_django(url)


def setup_django(url):
    """Django in the benchmark's database, migrated."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fund_center.settings")
    os.environ.setdefault("DEBUG", "1")  # no SECRET_KEY needed; query logging is switched off below
    import django
    from django.conf import settings

    django.setup()
    settings.DEBUG = False  # Django keeps every query in connection.queries when DEBUG is on
    from django.core.management import call_command
    from django.db import connection

    from core import dbserver

    print(f"server: {dbserver.describe(connection)}", flush=True)
    with connection.cursor() as cur:  # the settings a bulk load depends on most (docs/operations.md)
        cur.execute(
            "SELECT string_agg(name || ' ' || current_setting(name), ', ' ORDER BY name) FROM pg_settings"
            " WHERE name IN ('shared_buffers', 'max_wal_size', 'checkpoint_timeout', 'synchronous_commit')"
        )
        print(f"server settings: {cur.fetchone()[0]}", flush=True)
    call_command("migrate", verbosity=0)


def python_speed() -> float:
    """Seconds one core takes for a fixed piece of pure Python (10,000,000 squares summed, best of three): a
    yardstick printed beside figures that depend on the machine, so that runs on different machines compare
    (about 0.5 s on a fast desktop core; the lower, the faster)."""
    import time

    best = None
    for _ in range(3):
        started = time.perf_counter()
        sum(i * i for i in range(10_000_000))
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    return best
