-- The electronic archive is append-only (loaded by the documents migrations; edit here, then add a migration
-- that loads this file again). A record can be inserted, never changed or removed, whatever code path writes.
CREATE OR REPLACE FUNCTION public.documents_archive_append_only()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    RAISE EXCEPTION 'the document archive is append-only: % refused', TG_OP USING ERRCODE = '42501';
END;
$function$;

DROP TRIGGER IF EXISTS documents_archive_append_only ON public.documents_archiverecord;
CREATE TRIGGER documents_archive_append_only BEFORE DELETE OR UPDATE ON public.documents_archiverecord FOR EACH ROW EXECUTE FUNCTION documents_archive_append_only();
