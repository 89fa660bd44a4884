-- The contract of every schedule installment exists: the guarantee of a foreign key, checked once per statement
-- instead of once per row (loaded by the loans migrations; edit here, then add a migration that loads this file
-- again; a test compares what the database holds with this file). A row-level foreign key trigger costs about as
-- much as the rest of storing a schedule row (bench/loans.py): a batch writes millions of rows.
--
-- * Rows written (INSERT, COPY): after the statement, its new rows' contracts are locked FOR KEY SHARE, as a
--   foreign key check locks them (no one deletes them or changes their id until this transaction ends), and a
--   contract id without a contract fails the statement with foreign_key_violation (23503).
-- * An installment never moves to another contract (BEFORE UPDATE, only when contract_id changes).
-- * A contract with installments cannot be deleted, nor its id changed (BEFORE DELETE / UPDATE on the
--   contract, through the contract_id index): what the foreign key's NO ACTION did. The application never
--   deletes a contract (on_delete=PROTECT in the model, too).
CREATE OR REPLACE FUNCTION public.loans_installments_have_contracts()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
DECLARE
    missing bigint;
BEGIN
    PERFORM 1 FROM loans_loancontract c WHERE c.id IN (SELECT DISTINCT contract_id FROM new_rows)
      ORDER BY c.id FOR KEY SHARE OF c;
    SELECT n.contract_id INTO missing
      FROM (SELECT DISTINCT contract_id FROM new_rows) n
      LEFT JOIN loans_loancontract c ON c.id = n.contract_id
     WHERE c.id IS NULL
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'schedule installment of contract % that does not exist', missing
            USING ERRCODE = '23503';
    END IF;
    RETURN NULL;
END;
$function$;

CREATE OR REPLACE FUNCTION public.loans_installment_keeps_its_contract()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    RAISE EXCEPTION 'schedule installment % cannot move to another contract', OLD.id USING ERRCODE = '23503';
END;
$function$;

CREATE OR REPLACE FUNCTION public.loans_contract_keeps_its_installments()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    IF EXISTS (SELECT 1 FROM loans_scheduleinstallment WHERE contract_id = OLD.id) THEN
        RAISE EXCEPTION 'contract % has schedule installments', OLD.id USING ERRCODE = '23503';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$function$;

DROP TRIGGER IF EXISTS loans_installments_have_contracts ON public.loans_scheduleinstallment;
CREATE TRIGGER loans_installments_have_contracts AFTER INSERT ON public.loans_scheduleinstallment REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION loans_installments_have_contracts();

DROP TRIGGER IF EXISTS loans_installment_keeps_its_contract ON public.loans_scheduleinstallment;
CREATE TRIGGER loans_installment_keeps_its_contract BEFORE UPDATE ON public.loans_scheduleinstallment FOR EACH ROW WHEN ((old.contract_id IS DISTINCT FROM new.contract_id)) EXECUTE FUNCTION loans_installment_keeps_its_contract();

DROP TRIGGER IF EXISTS loans_contract_keeps_its_installments ON public.loans_loancontract;
CREATE TRIGGER loans_contract_keeps_its_installments BEFORE DELETE ON public.loans_loancontract FOR EACH ROW EXECUTE FUNCTION loans_contract_keeps_its_installments();

DROP TRIGGER IF EXISTS loans_contract_id_keeps_its_installments ON public.loans_loancontract;
CREATE TRIGGER loans_contract_id_keeps_its_installments BEFORE UPDATE ON public.loans_loancontract FOR EACH ROW WHEN ((old.id IS DISTINCT FROM new.id)) EXECUTE FUNCTION loans_contract_keeps_its_installments();
