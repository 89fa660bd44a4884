"""The electronic archive: append-only in the database, and `manage.py verify_archive` finds the first record
altered or missing."""

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from core import sqlfiles
from documents.models import ArchiveRecord
from documents.services import archive
from tests.ledger.test_sql_files import installed

TRIGGER = "documents_archive_append_only"


@pytest.fixture
def three(db):
    return [archive.append(kind="receipt", reference=f"R{i}", content=f"document {i} 文档".encode()) for i in (1, 2, 3)]


def run_check(capsys):
    try:
        call_command("verify_archive")
    except SystemExit as exc:
        return exc.code, capsys.readouterr().err
    return 0, capsys.readouterr().out


def tamper(sql, params):
    """Change the archive behind the trigger's back (as someone with the table owner's rights could)."""
    with connection.cursor() as cur:
        cur.execute(f"ALTER TABLE documents_archiverecord DISABLE TRIGGER {TRIGGER}")
        cur.execute(sql, params)
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending foreign-key events on the table
        cur.execute(f"ALTER TABLE documents_archiverecord ENABLE TRIGGER {TRIGGER}")


def test_chain_links_each_record_to_the_previous(three):
    assert [r.seq for r in three] == [1, 2, 3]
    assert three[0].prev_hash == archive.GENESIS
    assert three[1].prev_hash == three[0].record_hash and three[2].prev_hash == three[1].record_hash
    assert archive.verify_chain() == {"ok": True, "count": 3}


def test_intact_archive_exits_0(three, capsys):
    assert run_check(capsys) == (0, "Archive intact: 3 records.\n")


def test_update_and_delete_are_refused_by_the_database(three):
    for sql in ("UPDATE documents_archiverecord SET reference = 'X' WHERE seq = 2",
                "DELETE FROM documents_archiverecord WHERE seq = 2"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql)
    with pytest.raises(DatabaseError), transaction.atomic():
        ArchiveRecord.objects.filter(seq=3).delete()
    assert ArchiveRecord.objects.count() == 3 and archive.verify_chain()["ok"]


def test_one_altered_byte_is_named(three, capsys):
    tamper("UPDATE documents_archiverecord SET content = set_byte(content, 3, get_byte(content, 3) # 1)"
           " WHERE seq = %s", [2])
    code, err = run_check(capsys)
    assert code == 1 and "record #2 (receipt R2): the stored document was altered" in err


def test_altered_field_is_named(three, capsys):
    tamper("UPDATE documents_archiverecord SET reference = 'R9' WHERE seq = %s", [2])
    code, err = run_check(capsys)
    assert code == 1 and "record #2 (receipt R9): the record was altered" in err


def test_deleted_row_is_named(three, capsys):
    tamper("DELETE FROM documents_archiverecord WHERE seq = %s", [2])
    code, err = run_check(capsys)
    assert code == 1 and "record #2 is missing (next found: #3)" in err


def test_deleted_last_row_is_named(three, capsys):
    tamper("DELETE FROM documents_archiverecord WHERE seq = %s", [3])
    code, err = run_check(capsys)
    assert code == 1 and "record #3 is missing (the archive issued up to #3)" in err


def test_every_issued_certificate_is_archived(world):
    from documents import services

    cert = services.issue(actor=world["clerk"], account_number=world["a"].number, kind="deposit")
    record = ArchiveRecord.objects.get(certificate=cert)
    assert bytes(record.content) == services.pdf_bytes(cert) and record.size == len(services.pdf_bytes(cert))
    assert archive.verify_chain() == {"ok": True, "count": 1}


def test_installed_trigger_equals_the_file(db):
    definitions = sqlfiles.definitions("documents")
    assert set(definitions) == {("function", "documents_archive_append_only"), ("trigger", TRIGGER)}
    for (kind, name), definition in definitions.items():
        assert installed(kind, name) == [definition], f"{kind} {name} differs from documents/sql"
