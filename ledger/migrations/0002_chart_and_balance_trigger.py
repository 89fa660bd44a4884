"""Install the chart of accounts, a deferred constraint trigger that rejects any
unbalanced journal entry at commit and a trigger that makes journal lines immutable."""

from django.db import migrations

from ledger.chart import install_chart

BALANCE_CHECK = """
CREATE OR REPLACE FUNCTION ledger_check_entry_balanced() RETURNS trigger AS $$
DECLARE
    eid bigint;
    diff numeric;
BEGIN
    IF TG_OP = 'DELETE' THEN eid := OLD.entry_id; ELSE eid := NEW.entry_id; END IF;
    -- Deferred row triggers all fire at commit: check each entry once per transaction.
    IF current_setting('ledger.checked_' || eid, true) = '1' THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('ledger.checked_' || eid, '1', true);
    SELECT COALESCE(SUM(CASE WHEN side = 'D' THEN amount ELSE -amount END), 0) INTO diff
      FROM ledger_journalline WHERE entry_id = eid;
    IF diff <> 0 THEN
        RAISE EXCEPTION 'journal entry % is unbalanced by %', eid, diff USING ERRCODE = '23514';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS ledger_entry_balanced ON ledger_journalline;
CREATE CONSTRAINT TRIGGER ledger_entry_balanced
    AFTER INSERT OR UPDATE OR DELETE ON ledger_journalline
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_check_entry_balanced();

CREATE OR REPLACE FUNCTION ledger_lines_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'journal lines cannot be changed or deleted; post a reversal instead'
        USING ERRCODE = '23514';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS ledger_lines_immutable ON ledger_journalline;
CREATE TRIGGER ledger_lines_immutable BEFORE UPDATE OR DELETE ON ledger_journalline
    FOR EACH ROW EXECUTE FUNCTION ledger_lines_immutable();
"""

DROP = """
DROP TRIGGER IF EXISTS ledger_entry_balanced ON ledger_journalline;
DROP TRIGGER IF EXISTS ledger_lines_immutable ON ledger_journalline;
DROP FUNCTION IF EXISTS ledger_check_entry_balanced();
DROP FUNCTION IF EXISTS ledger_lines_immutable();
"""


def create_triggers(apps, schema_editor):
    schema_editor.execute(BALANCE_CHECK, params=None)


def drop_triggers(apps, schema_editor):
    schema_editor.execute(DROP, params=None)


def chart(apps, schema_editor):
    install_chart(apps.get_model("ledger", "Account"))


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [
        migrations.RunPython(chart, migrations.RunPython.noop),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
