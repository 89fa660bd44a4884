"""Without DATABASE_URL the settings start (or attach to) the embedded PostgreSQL server."""

import os
import subprocess
import sys
from pathlib import Path

from core import dbserver

ROOT = Path(__file__).resolve().parent.parent.parent

PROBE = """
import django
django.setup()
from django.conf import settings
from django.db import connection
from core import dbserver
with connection.cursor() as cur:
    cur.execute("SELECT 41 + 1")
    answer = cur.fetchone()[0]
print(settings.DATABASES["default"]["HOST"], answer, dbserver.describe(connection), sep="|")
"""


def test_without_database_url_the_tests_run_on_the_embedded_server():
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(TESTING="1", DJANGO_SETTINGS_MODULE="fund_center.settings")
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300, check=True).stdout.strip().splitlines()[-1]
    host, answer, description = out.split("|")
    assert answer == "42"
    assert host.startswith("/")  # a Unix socket: the embedded server listens on no TCP port
    assert description.startswith("PostgreSQL 16.") and description.endswith(f"embedded ({dbserver.test_data_dir()})")


def test_urls_name_the_socket_directory():
    class Server:
        def get_postmaster_info(self):
            return type("Info", (), {"socket_dir": Path("/tmp/a b/pg")})()

    assert dbserver.url(Server(), "fc") == "postgres://postgres@%2Ftmp%2Fa%20b%2Fpg/fc"
    assert dbserver.admin_url(Server()).endswith("/postgres")
