-- Posting (loaded by the ledger migrations; edit here, then add a migration that loads this file again).
-- A test compares what the database holds with this file.
--
-- ledger_post_entry is the one posting of the ledger: ledger.posting.post calls it with an entry's lines, and
-- ledger.posting.post_set with a batch's lines aggregated from a set in SQL. Both thereby take the same locks
-- and meet the same refusals: unknown, closed or control account, available balance (balance - active holds)
-- too low when check_available, balance below zero.
-- Which accounts are debit-normal is the generated column ledger_account.debit_normal.

CREATE OR REPLACE FUNCTION public.ledger_post_entry(p_business_date date, p_time_zone text,
    p_business_type text, p_memo text, p_source text, p_key text, p_hash text, p_total numeric,
    p_reversal_of bigint, p_actor bigint, p_check_available boolean,
    p_accounts bigint[], p_sides text[], p_amounts numeric[], p_memos text[], p_memo_message jsonb,
    p_line_messages jsonb[], OUT o_outcome text,
    OUT o_entry_id bigint, OUT o_business_date date, OUT o_posted_at timestamp with time zone,
    OUT o_account_id bigint, OUT o_code text, OUT o_balance numeric, OUT o_held numeric, OUT o_delta numeric)
 RETURNS record
 LANGUAGE plpgsql
AS $function$
DECLARE
    v_hash text;
BEGIN
    -- The one posting of the ledger, for a single entry and for a batch (ledger.posting.post_set) alike:
    -- lock the accounts in primary-key order, honour the idempotency key, refuse, then write the entry, its
    -- lines and the cached balances. It writes nothing when it refuses, and says which check and which account.
    PERFORM 1 FROM ledger_account WHERE id = ANY(p_accounts) ORDER BY id FOR UPDATE;

    -- A posting with this key already? (Read after the locks: a concurrent retry has committed by now.)
    IF p_key IS NOT NULL THEN
        SELECT e.id, e.lines_hash INTO o_entry_id, v_hash FROM ledger_journalentry e WHERE e.idempotency_key = p_key;
        IF FOUND THEN
            o_outcome := CASE WHEN v_hash = p_hash THEN 'existing' ELSE 'conflict' END;
            RETURN;
        END IF;
    END IF;

    -- The refusals, under the lock: the first account (in id order) that is unknown, closed, a control account,
    -- short of available balance (balance - active holds) when p_check_available, or that would go below zero.
    -- The change to an account's balance follows its normal side (the generated column debit_normal).
    SELECT CASE WHEN a.id IS NULL THEN 'unknown'
                WHEN a.status <> 'open' THEN 'closed'
                WHEN a.parent_id IS NULL AND a.role = 'control' THEN 'control'
                WHEN d.delta < 0 AND NOT a.allow_negative AND p_check_available AND a.balance + d.delta < a.held
                    THEN 'insufficient'
                ELSE 'negative' END,
           u.id, a.code, a.balance, a.held, d.delta
      INTO o_outcome, o_account_id, o_code, o_balance, o_held, o_delta
      FROM (SELECT t.a AS id, sum(CASE WHEN t.s = 'D' THEN t.m ELSE -t.m END) AS net
              FROM unnest(p_accounts, p_sides, p_amounts) AS t(a, s, m) GROUP BY t.a) AS u
      LEFT JOIN ledger_account a ON a.id = u.id
     CROSS JOIN LATERAL (SELECT CASE WHEN a.debit_normal THEN u.net ELSE -u.net END AS delta) AS d
     WHERE a.id IS NULL OR a.status <> 'open' OR (a.parent_id IS NULL AND a.role = 'control')
        OR (d.delta < 0 AND NOT a.allow_negative AND p_check_available AND a.balance + d.delta < a.held)
        OR (a.balance + d.delta < 0 AND NOT a.allow_negative)
     ORDER BY u.id
     LIMIT 1;
    IF FOUND THEN
        RETURN;
    END IF;

    INSERT INTO ledger_journalentry (business_date, posted_at, business_type, memo, memo_message, source,
                                     idempotency_key, lines_hash, line_count, total, reversal_of_id, actor_id)
    VALUES (COALESCE(p_business_date, (SELECT current FROM core_businessday WHERE id = 1),
                     (now() AT TIME ZONE p_time_zone)::date),
            now(), p_business_type, p_memo, p_memo_message, p_source, p_key, p_hash, cardinality(p_accounts),
            p_total, p_reversal_of, p_actor)
    ON CONFLICT DO NOTHING
    RETURNING id, business_date, posted_at INTO o_entry_id, o_business_date, o_posted_at;
    IF NOT FOUND THEN  -- the key or the reversed entry was taken by a transaction that committed meanwhile
        o_outcome := CASE WHEN p_reversal_of IS NOT NULL AND EXISTS (
                              SELECT 1 FROM ledger_journalentry e WHERE e.reversal_of_id = p_reversal_of)
                          THEN 'reversed' ELSE 'conflict' END;
        RETURN;
    END IF;

    -- p_line_messages is NULL when no line has a message of its own (unnest pads it with NULLs).
    INSERT INTO ledger_journalline (entry_id, account_id, side, amount, business_date, memo, memo_message)
    SELECT o_entry_id, u.a, u.s, u.m, o_business_date, u.t, u.g
      FROM unnest(p_accounts, p_sides, p_amounts, p_memos, p_line_messages) AS u(a, s, m, t, g);

    UPDATE ledger_account AS acc SET balance = acc.balance + CASE WHEN acc.debit_normal THEN u.net ELSE -u.net END
      FROM (SELECT t.a AS id, sum(CASE WHEN t.s = 'D' THEN t.m ELSE -t.m END) AS net
              FROM unnest(p_accounts, p_sides, p_amounts) AS t(a, s, m) GROUP BY t.a) AS u
     WHERE acc.id = u.id;

    o_outcome := 'posted';
END;
$function$;
