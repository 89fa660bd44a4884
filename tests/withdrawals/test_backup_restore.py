"""Backup and restore of the database and the documents together (issue "Security and reliability" 9), as
docs/operations.md describes it: ``pg_dump -Fc`` of the database and a tar archive of the media directory;
restored into a fresh database and a fresh directory, every document of a case is found, byte for byte. And
the media storage setting: a directory by default, S3-compatible object storage with MEDIA_STORAGE=s3."""

import datetime
import hashlib
import os
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

import psycopg
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage, storages
from django.db import connection
from django.test import override_settings

from fund_center.settings import media_storage
from tests import factories
from tests.withdrawals.conftest import CARD, doc, on
from withdrawals import services
from withdrawals.models import DocumentType as Doc
from withdrawals.models import Reason, WithdrawalDocument


def pgserver_bin():
    import pgserver  # the embedded server's wheel ships the client programs too

    return Path(pgserver.__file__).parent / "pginstall" / "bin"


def client_bin(name):
    """A PostgreSQL client program at least as new as the server: the system's, else the embedded one's."""
    server = connection.cursor().connection.info.server_version // 10000
    for directory in (None, "pgserver"):
        program = shutil.which(name, path=str(pgserver_bin()) if directory else None)
        if program:
            version = subprocess.run([program, "--version"], capture_output=True, text=True, check=True).stdout
            if int(re.search(r"(\d+)\.", version).group(1)) >= server:
                return program
    pytest.fail(f"no {name} for PostgreSQL {server}")


def conninfo(name=None):
    s = connection.settings_dict
    return {
        "host": s["HOST"] or "127.0.0.1",
        "port": str(s["PORT"] or 5432),
        "user": s["USER"] or "postgres",
        "password": s["PASSWORD"] or "",
        "dbname": name or s["NAME"],
    }


def pg_env(info):
    return {
        **os.environ,
        "PGHOST": info["host"],
        "PGPORT": info["port"],
        "PGUSER": info["user"],
        "PGPASSWORD": info["password"],
    }


def digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.mark.django_db(transaction=True)
def test_a_restored_dump_and_media_archive_hold_every_document_of_a_case(staff, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    on(datetime.date(2026, 10, 12))
    acc = factories.account(staff["clerk"], name="张三")
    factories.deposit(acc, "50000")
    scans = [(Doc.RETIREMENT_CERT, doc("retirement.pdf")), (Doc.ID_CARD, doc("id-card.pdf"))]
    app = services.apply(
        actor=staff["clerk"],
        account=acc,
        reason=Reason.RETIREMENT,
        amount=None,
        facts={"retired_on": "2026-01-01"},
        payee_card=CARD,
        payee_name="张三",
        documents=scans,
    )
    original = {d.file.name: d.sha256 for d in WithdrawalDocument.objects.filter(application=app)}
    assert len(original) == 2 and all(default_storage.exists(name) for name in original)

    # backup (docs/operations.md): the database, then the documents
    info = conninfo()
    dump, archive = tmp_path / "fund_center.dump", tmp_path / "media.tar.gz"
    subprocess.run(
        [client_bin("pg_dump"), "-Fc", "--no-owner", "-f", str(dump), info["dbname"]], env=pg_env(info), check=True
    )
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(settings.MEDIA_ROOT, arcname=".")

    # restore into a fresh database and a fresh directory
    restored_db = f"{info['dbname']}_restore"
    restored_media = tmp_path / "restored-media"
    admin = psycopg.connect(**{**info, "dbname": "postgres"}, autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{restored_db}"')
    admin.execute(f'CREATE DATABASE "{restored_db}"')
    try:
        subprocess.run(
            [client_bin("pg_restore"), "--no-owner", "--exit-on-error", "-d", restored_db, str(dump)],
            env=pg_env(info),
            check=True,
        )
        with tarfile.open(archive) as tar:
            tar.extractall(restored_media, filter="data")
        with psycopg.connect(**{**info, "dbname": restored_db}) as db:
            rows = db.execute(
                "SELECT d.file, d.sha256 FROM withdrawals_withdrawaldocument d"
                " JOIN withdrawals_withdrawalapplication a ON a.id = d.application_id WHERE a.number = %s",
                [app.number],
            ).fetchall()
        assert dict(rows) == original
        for name, sha in rows:
            assert digest(restored_media / name) == sha  # every document of the case, byte for byte
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{restored_db}" WITH (FORCE)')
        admin.close()


def test_media_storage_setting():
    assert media_storage({}) == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    s3 = media_storage(
        {
            "MEDIA_STORAGE": "s3",
            "MEDIA_S3_BUCKET": "fund-docs",
            "MEDIA_S3_ENDPOINT_URL": "https://minio.internal:9000",
            "MEDIA_S3_ACCESS_KEY_ID": "k",
            "MEDIA_S3_SECRET_ACCESS_KEY": "s",
        }
    )
    assert s3["BACKEND"] == "storages.backends.s3.S3Storage"
    assert s3["OPTIONS"]["default_acl"] == "private" and s3["OPTIONS"]["file_overwrite"] is False
    with override_settings(
        STORAGES={"default": s3, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    ):
        backend = storages["default"]
        assert type(backend).__name__ == "S3Storage" and backend.bucket_name == "fund-docs"
        assert backend.endpoint_url == "https://minio.internal:9000" and backend.location == "media"
    with pytest.raises(ImproperlyConfigured):
        media_storage({"MEDIA_STORAGE": "s3"})
    with pytest.raises(ImproperlyConfigured):
        media_storage({"MEDIA_STORAGE": "ftp"})
