"""The PostgreSQL server the project runs on when ``DATABASE_URL`` is not set: an embedded one.

The ``pgserver`` package ships the PostgreSQL binaries in its wheel and runs a private server on a data
directory, listening on a Unix socket inside that directory only (no TCP port, so it never collides with a
PostgreSQL service on the machine). It needs neither root nor Docker, and works as root too: PostgreSQL refuses
to run as root, so pgserver then runs it as the system user ``pgserver`` (created with ``useradd`` on first use)
and lets that user traverse the data directory's parent folders (o+rx).

* ``make run`` and the benchmarks use ``.pgdata/`` beside ``manage.py`` (git-ignored, removed by
  ``make clean``): the demo data survives a restart.
* The tests use a directory in the system's temporary folder, one per checkout, so the test database
  (pytest-django's ``--reuse-db``) is kept between runs. Its server runs without fsync: its data is disposable.

Every process that needs the server attaches to it (the first one starts it, under pgserver's lock; the
pytest-xdist workers and the controller share one server); the last process to exit stops it.
"""

import hashlib
import json
import os
import tempfile
import warnings
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
RUN_DATA_DIR = BASE_DIR / ".pgdata"
DATABASE = "fund_center"

# Settings for a server whose data may be lost at any time (the tests' server): no waiting for the disk.
DISPOSABLE_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


def test_data_dir() -> Path:
    """The tests' data directory: in the temporary folder, named after this checkout and the user."""
    digest = hashlib.sha256(str(BASE_DIR).encode()).hexdigest()[:10]
    return Path(tempfile.gettempdir()) / f"fund-center-test-pg-{os.getuid()}-{digest}"


def _forget_dead_processes(data_dir: Path):
    """pgserver stops the server when the last process using it exits, counting the processes in a file of
    the data directory; a process that was killed never leaves that file, so drop those first."""
    handles = data_dir / ".handle_pids.json"
    if not handles.exists():
        return
    import psutil

    try:
        pids = json.loads(handles.read_text())
    except (OSError, ValueError):
        pids = []
    alive = [pid for pid in pids if psutil.pid_exists(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


_started = {}  # socket directory: data directory, of the embedded servers this process uses


def start(data_dir: Path, *, disposable=False):
    """Start (or attach to) the embedded server on ``data_dir``; return the pgserver handle."""
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset (e.g. as root in CI)
        warnings.simplefilter("ignore")
        import pgserver

    data_dir = Path(data_dir)
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    if data_dir.exists():
        with pgserver.PostgresServer._lock:  # the lock under which pgserver itself reads and writes that file
            _forget_dead_processes(data_dir)
    server = pgserver.get_server(data_dir, cleanup_mode="stop")
    _started[socket_dir(server)] = data_dir
    if disposable:
        _configure(server, DISPOSABLE_SETTINGS)
    return server


def _configure(server, values):
    import psycopg

    with psycopg.connect(admin_url(server), autocommit=True) as conn:
        changed = False
        for name, value in values.items():
            if conn.execute("SELECT current_setting(%s)", [name]).fetchone()[0] != value:
                conn.execute(f"ALTER SYSTEM SET {name} = '{value}'")
                changed = True
        if changed:
            conn.execute("SELECT pg_reload_conf()")


def socket_dir(server) -> str:
    return str(server.get_postmaster_info().socket_dir)


def url(server, database=DATABASE) -> str:
    """A ``postgres://`` URL of ``database`` on the server (the socket directory as the percent-encoded host,
    which both dj-database-url and libpq understand)."""
    return f"postgres://postgres@{quote(socket_dir(server), safe='')}/{database}"


def admin_url(server) -> str:
    return url(server, "postgres")


def ensure_database(server, database=DATABASE):
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url(server), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))


def database_url(*, testing: bool) -> str:
    """The URL the settings use when ``DATABASE_URL`` is not set."""
    server = start(test_data_dir(), disposable=True) if testing else start(RUN_DATA_DIR)
    ensure_database(server)
    return url(server)


def describe(connection) -> str:
    """Which server a connection runs on, e.g. "PostgreSQL 16.2, embedded (.pgdata)" or "PostgreSQL 15.20,
    service (127.0.0.1:5432)"."""
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        version = cur.fetchone()[0].split()[0]
    host, port = connection.settings_dict.get("HOST") or "", connection.settings_dict.get("PORT") or ""
    if host in _started:
        data_dir = _started[host]
        where = data_dir.relative_to(BASE_DIR) if data_dir.is_relative_to(BASE_DIR) else data_dir
        return f"PostgreSQL {version}, embedded ({where})"
    return f"PostgreSQL {version}, service ({host}{':' if port else ''}{port})"
