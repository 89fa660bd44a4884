-- The journal's own guards (loaded by the ledger migrations; edit here, then add a migration that loads
-- this file again). A test compares what the database holds with this file.

-- Rejects an unbalanced journal entry: a deferred constraint trigger, so no code path (raw SQL, bulk insert)
-- can skip the check, and a session that changes its constraint mode only moves the moment it runs.
CREATE OR REPLACE FUNCTION public.ledger_check_entry_balanced()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
DECLARE
    eid bigint;
    lid bigint;
    diff numeric;
    last_id bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN eid := OLD.entry_id; lid := OLD.id; ELSE eid := NEW.entry_id; lid := NEW.id; END IF;
    -- The lines of one entry usually come together, so the entry is summed once: remember the last entry
    -- checked and the highest line id that check saw. A row event is skipped only for that entry, for a line
    -- the check saw, and only while no statement has written journal lines since (the statement triggers
    -- below forget the entry), so a line added after a check is always checked again, whichever constraint
    -- mode the session set in between.
    IF TG_OP = 'INSERT' AND current_setting('ledger.last_checked_entry', true) = eid::text
       AND lid <= COALESCE(NULLIF(current_setting('ledger.last_checked_line', true), '')::bigint, 0) THEN
        RETURN NULL;
    END IF;
    SELECT COALESCE(SUM(CASE WHEN side = 'D' THEN amount ELSE -amount END), 0), MAX(id) INTO diff, last_id
      FROM ledger_journalline WHERE entry_id = eid;
    IF diff <> 0 THEN
        RAISE EXCEPTION 'journal entry % is unbalanced by %', eid, diff USING ERRCODE = '23514';
    END IF;
    PERFORM set_config('ledger.last_checked_entry', eid::text, true);
    PERFORM set_config('ledger.last_checked_line', COALESCE(last_id, 0)::text, true);
    RETURN NULL;
END;
$function$;

-- Before and after every statement that writes journal lines: forget the entry last checked, so the next row
-- event sums its entry again.
CREATE OR REPLACE FUNCTION public.ledger_forget_checked_entry()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    PERFORM set_config('ledger.last_checked_entry', '', true);
    PERFORM set_config('ledger.last_checked_line', '', true);
    RETURN NULL;
END;
$function$;

DROP TRIGGER IF EXISTS ledger_lines_written_before ON public.ledger_journalline;
CREATE TRIGGER ledger_lines_written_before BEFORE INSERT OR DELETE OR UPDATE ON public.ledger_journalline FOR EACH STATEMENT EXECUTE FUNCTION ledger_forget_checked_entry();

DROP TRIGGER IF EXISTS ledger_lines_written_after ON public.ledger_journalline;
CREATE TRIGGER ledger_lines_written_after AFTER INSERT OR DELETE OR UPDATE ON public.ledger_journalline FOR EACH STATEMENT EXECUTE FUNCTION ledger_forget_checked_entry();

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
