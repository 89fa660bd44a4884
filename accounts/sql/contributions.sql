-- The monthly contribution parts (DOMAIN.md §1.3): base × ratio, each part rounded half-up separately to the
-- fen or to the yuan (policy deposits.rounding), two places kept. The only implementation of the rule: the
-- remittance INSERT … SELECT calls it, and so does Python through accounts.contributions.
CREATE OR REPLACE FUNCTION public.fund_contribution_part(p_base numeric, p_ratio numeric, p_rounding text)
 RETURNS numeric
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE STRICT
AS $function$
    SELECT round(round(p_base * p_ratio, CASE p_rounding WHEN 'yuan' THEN 0 WHEN 'fen' THEN 2 END), 2)
$function$;
