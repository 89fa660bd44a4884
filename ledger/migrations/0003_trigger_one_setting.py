"""The balance trigger remembered each checked entry in its own session setting, and PostgreSQL keeps those
for the life of the connection, so long-lived connections slowed down. Remember only the last entry checked:
deferred row events fire in the order the rows were written, so the lines of one entry come together;
interleaved lines only cause an extra check, never a missed one."""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION ledger_check_entry_balanced() RETURNS trigger AS $$
DECLARE
    eid bigint;
    diff numeric;
BEGIN
    IF TG_OP = 'DELETE' THEN eid := OLD.entry_id; ELSE eid := NEW.entry_id; END IF;
    IF current_setting('ledger.last_checked_entry', true) = eid::text THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('ledger.last_checked_entry', eid::text, true);
    SELECT COALESCE(SUM(CASE WHEN side = 'D' THEN amount ELSE -amount END), 0) INTO diff
      FROM ledger_journalline WHERE entry_id = eid;
    IF diff <> 0 THEN
        RAISE EXCEPTION 'journal entry % is unbalanced by %', eid, diff USING ERRCODE = '23514';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    schema_editor.execute(FUNCTION, params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_chart_and_balance_trigger")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
