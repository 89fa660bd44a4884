"""The functions and triggers installed in the database are exactly those of the versioned SQL files."""

from django.db import connection

from core import sqlfiles


def installed(kind, name):
    with connection.cursor() as cur:
        if kind == "function":
            cur.execute("SELECT pg_get_functiondef(p.oid) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
                        " WHERE n.nspname = 'public' AND p.proname = %s", [name])
        else:
            cur.execute("SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t WHERE t.tgname = %s AND NOT t.tgisinternal",
                        [name])
        return [sqlfiles.normalise(row[0]) for row in cur.fetchall()]


def test_the_ledger_files_define_the_functions_and_triggers_the_posting_needs():
    assert set(sqlfiles.definitions("ledger")) == {
        ("function", "ledger_check_entry_balanced"), ("function", "ledger_forget_checked_entry"),
        ("function", "ledger_lines_immutable"), ("function", "ledger_post_entry"),
        ("trigger", "ledger_entry_balanced"), ("trigger", "ledger_lines_immutable"),
        ("trigger", "ledger_lines_written_after"), ("trigger", "ledger_lines_written_before")}


def test_installed_definitions_equal_the_files(db):
    for (kind, name), definition in sqlfiles.definitions("ledger").items():
        assert installed(kind, name) == [definition], f"{kind} {name} differs from ledger/sql"


def test_a_changed_file_is_noticed(db):
    definitions = sqlfiles.definitions("ledger")
    changed = definitions[("function", "ledger_post_entry")].replace("o_outcome := 'posted'", "o_outcome := 'done'")
    assert installed("function", "ledger_post_entry") != [changed]
