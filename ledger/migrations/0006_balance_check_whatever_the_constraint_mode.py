"""The balance trigger skipped a line of an entry it had already checked, so a session could post an entry with
its constraints immediate, defer them again and add an unbalanced line to the same entry. It now skips only a
line its check saw, and statement triggers make it forget the entry whenever journal lines are written."""

from django.db import migrations

from core import sqlfiles


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0005_debit_normal_and_versioned_sql"),
    ]

    operations = [
        sqlfiles.load("ledger", "journal.sql"),
    ]
