"""Which accounts are debit-normal becomes one generated column of the ledger account, and the ledger's SQL
moves into versioned files (ledger/sql) that this migration loads: the journal's guards (balance trigger,
immutable lines) and the posting (``ledger_post_entry``, which single and batch postings now share, so both
meet the same refusals)."""

from django.db import migrations, models

from core import sqlfiles


class Migration(migrations.Migration):

    dependencies = [
        ("ledger", "0004_posting_function"),
    ]

    operations = [
        migrations.AddField(
            model_name="account",
            name="debit_normal",
            field=models.GeneratedField(db_persist=True, expression=models.Q(("kind__in", ["asset", "expense"])),
                                        output_field=models.BooleanField(verbose_name="debit-normal")),
        ),
        sqlfiles.load("ledger", "journal.sql", "posting.sql"),
    ]
