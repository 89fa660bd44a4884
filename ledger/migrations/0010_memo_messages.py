"""A journal memo keeps its message (msgid and arguments) beside its text, so a page in another language says it
in that language; ``ledger_post_entry`` writes them (ledger/sql/posting.sql, loaded again). Its signature grows
by two parameters, so the old function is dropped first."""

from django.db import migrations, models

from core import sqlfiles

OLD_SIGNATURE = ("public.ledger_post_entry(date, text, text, text, text, text, text, numeric, bigint, bigint, boolean,"
                 " bigint[], text[], numeric[], text[])")


class Migration(migrations.Migration):

    dependencies = [
        ("ledger", "0009_home_dashboard_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="journalentry",
            name="memo_message",
            field=models.JSONField(blank=True, editable=False, null=True, verbose_name="memo message",
                                   help_text="The memo's message and arguments, to say it in another language"),
        ),
        migrations.AddField(
            model_name="journalline",
            name="memo_message",
            field=models.JSONField(blank=True, editable=False, null=True, verbose_name="memo message"),
        ),
        migrations.AlterField(
            model_name="journalentry",
            name="memo",
            field=models.CharField(help_text="In the center's language", max_length=200, verbose_name="memo"),
        ),
        migrations.RunSQL(f"DROP FUNCTION IF EXISTS {OLD_SIGNATURE}", migrations.RunSQL.noop),
        sqlfiles.load("ledger", "posting.sql"),
    ]
