-- The journal's own guards (loaded by the ledger migrations; edit here, then add a migration that loads
-- this file again). A test compares what the database holds with this file.

-- Rejects an unbalanced journal entry at commit: a deferred constraint trigger, so no code path (raw SQL,
-- bulk insert, a session that changes its constraint mode) can skip the check.
CREATE OR REPLACE FUNCTION public.ledger_check_entry_balanced()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
DECLARE
    eid bigint;
    diff numeric;
BEGIN
    IF TG_OP = 'DELETE' THEN eid := OLD.entry_id; ELSE eid := NEW.entry_id; END IF;
    -- Deferred row events fire in the order the rows were written, so the lines of one entry come together:
    -- remember the last entry checked (interleaved lines only cause an extra check, never a missed one).
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
$function$;

DROP TRIGGER IF EXISTS ledger_entry_balanced ON public.ledger_journalline;
CREATE CONSTRAINT TRIGGER ledger_entry_balanced
    AFTER INSERT OR DELETE OR UPDATE ON public.ledger_journalline
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_check_entry_balanced();

-- Journal lines are never changed or deleted: a mistake is corrected by a reversal.
CREATE OR REPLACE FUNCTION public.ledger_lines_immutable()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    RAISE EXCEPTION 'journal lines cannot be changed or deleted; post a reversal instead'
        USING ERRCODE = '23514';
END;
$function$;

DROP TRIGGER IF EXISTS ledger_lines_immutable ON public.ledger_journalline;
CREATE TRIGGER ledger_lines_immutable
    BEFORE DELETE OR UPDATE ON public.ledger_journalline
    FOR EACH ROW EXECUTE FUNCTION ledger_lines_immutable();
