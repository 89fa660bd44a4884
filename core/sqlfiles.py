"""Database objects written in SQL (functions, triggers) live in versioned files, ``<app>/sql/<name>.sql``.

Migrations load them with :func:`load` (``CREATE OR REPLACE``, so loading a file again is safe); when a file
changes, a new migration loads it again. A test compares the definitions installed in the database
(``pg_get_functiondef``, ``pg_get_triggerdef``) with the files through :func:`definitions`. The files are
written in the form PostgreSQL prints them back, so the comparison only has to normalise whitespace.
"""

import re
from pathlib import Path

from django.db import migrations

BASE_DIR = Path(__file__).resolve().parent.parent

_STATEMENT = re.compile(
    r"^(CREATE OR REPLACE FUNCTION (?P<function>[\w.]+)\(.*?\$function\$;"
    r"|CREATE (?:CONSTRAINT )?TRIGGER (?P<trigger>\w+)\b.*?;)",
    re.DOTALL | re.MULTILINE)


def path(app: str, name: str) -> Path:
    return BASE_DIR / app / "sql" / name


def read(app: str, name: str) -> str:
    return path(app, name).read_text(encoding="utf-8")


def load(app: str, *names: str):
    """A migration operation that runs the files ``names`` of ``app/sql/`` in that order."""

    def forwards(apps, schema_editor):
        for name in names:
            schema_editor.execute(read(app, name), params=None)

    forwards.__name__ = f"load_{app}_sql"
    return migrations.RunPython(forwards, migrations.RunPython.noop)


def normalise(text: str) -> str:
    """One space for every run of whitespace, without a final semicolon."""
    return " ".join(text.split()).rstrip(";").rstrip()


def definitions(app: str) -> dict:
    """{("function" | "trigger", name): normalised definition} of every ``CREATE`` in ``app/sql/*.sql``."""
    found = {}
    for file in sorted((BASE_DIR / app / "sql").glob("*.sql")):
        for match in _STATEMENT.finditer(file.read_text(encoding="utf-8")):
            kind = "function" if match.group("function") else "trigger"
            name = match.group("function") or match.group("trigger")
            found[(kind, name.split(".")[-1])] = normalise(match.group(0))
    return found
