from django.db import migrations


class Migration(migrations.Migration):
    """The interest queries look up the few interest entries (year-end 09, before a closure 98) by type and date
    for every chunk of the settlement; without this index that is a scan of every journal entry."""

    dependencies = [("deposits", "0004_drop_deferral_step_fields"), ("ledger", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS journal_entry_interest_idx ON ledger_journalentry (business_type, business_date)"
            " WHERE business_type IN ('09', '98')",
            "DROP INDEX IF EXISTS journal_entry_interest_idx",
        ),
    ]
