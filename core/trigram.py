"""Trigram (pg_trgm) indexes for the name searches, created only where the server ships the extension.

A name search is ``UPPER(name) LIKE UPPER('%…%')`` (Django's ``icontains``) whatever the server: with a GIN
index on ``UPPER(name) gin_trgm_ops`` PostgreSQL finds the rows by their trigrams, without it the same query reads
the whole table. PostgreSQL as packaged by Debian and the ``postgres`` Docker image ship pg_trgm (in contrib); the
embedded server of the ``pgserver`` wheel, used when DATABASE_URL is unset, ships only plpgsql. So the migration
asks ``pg_available_extensions`` first and, where pg_trgm is missing (or may not be created), creates nothing and
the searches stay correct, only slower (docs/operations.md, "Name searches").
"""

import logging

from django.db import DatabaseError, migrations, transaction

EXTENSION = "pg_trgm"
logger = logging.getLogger(__name__)


def available(connection) -> bool:
    """Whether the server can install pg_trgm (it ships the extension's files)."""
    with connection.cursor() as cur:
        cur.execute("SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = %s)", [EXTENSION])
        return cur.fetchone()[0]


def installed(connection) -> bool:
    with connection.cursor() as cur:
        cur.execute("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = %s)", [EXTENSION])
        return cur.fetchone()[0]


def index_sql(name: str, table: str, column: str) -> str:
    return f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin (UPPER("{column}") gin_trgm_ops)'


def create_indexes(schema_editor, indexes) -> bool:
    """Install pg_trgm and create ``indexes`` ((name, table, column), ...) when the server has the extension;
    otherwise (or when this database user may not create it) do nothing. Returns whether the indexes exist."""
    connection = schema_editor.connection
    if not available(connection):
        logger.warning("PostgreSQL has no %s extension: the name searches run without a trigram index", EXTENSION)
        return False
    if not installed(connection):
        try:
            with transaction.atomic(using=connection.alias):  # a savepoint: a refusal leaves the migration usable
                schema_editor.execute(f"CREATE EXTENSION IF NOT EXISTS {EXTENSION}")
        except DatabaseError as exc:
            logger.warning("could not create the %s extension (%s): no trigram index", EXTENSION, exc)
            return False
    for name, table, column in indexes:
        schema_editor.execute(index_sql(name, table, column))
    return True


def drop_indexes(schema_editor, indexes):
    for name, _table, _column in indexes:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def index_operation(*indexes):
    """A migration operation creating the trigram ``indexes`` where pg_trgm is available (and dropping them on
    the way back; the extension stays, other indexes may use it)."""

    def forwards(apps, schema_editor):
        create_indexes(schema_editor, indexes)

    def backwards(apps, schema_editor):
        drop_indexes(schema_editor, indexes)

    return migrations.RunPython(forwards, backwards)
