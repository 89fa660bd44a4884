"""Checks and helpers shared by the withdrawal services: amounts, bank cards, heirs, eligibility, documents, notices."""

import datetime
import hashlib

from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import Depositor
from core import bounds, numbering, policy, uploads, workflow
from core.business_date import today
from core.errors import InvalidInput
from core.identity import luhn_ok
from core.money import FEN, ZERO, format_yuan, to_decimal
from withdrawals import rules
from withdrawals.models import Evidence, Reason, WithdrawalDocument


def _money(value, field="amount"):
    try:
        amount = to_decimal(value)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(_("The amount is not a number."), fields={field: [_("Not a number.")]}) from exc
    if amount.is_finite() and abs(amount) > bounds.MONEY_MAX:
        raise InvalidInput(_("The amount must be a positive amount in yuan and fen."),
                           fields={field: [_("Enter at most %(max)s.") % {"max": f"{bounds.MONEY_MAX:,}"}]})
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(FEN):
        raise InvalidInput(_("The amount must be a positive amount in yuan and fen."),
                           fields={field: [_("Enter a positive amount with at most two decimals.")]})
    return amount


def check_card(*, card, name, depositor):
    """The payee is the depositor's own bank card: Luhn check and the holder's name must match."""
    card = (card or "").replace(" ", "")
    if not luhn_ok(card):
        raise InvalidInput(_("The bank card number is not valid (check digit)."),
                           fields={"payee_card": [_("Check the card number.")]}, code="bad_card")
    if (name or "").strip() != depositor.name:
        raise InvalidInput(_("The card holder's name must be the depositor's own name; money is only paid to "
                             "the depositor's own card."), fields={"payee_name": [_("Not the depositor.")]},
                           code="not_own_card")
    return card


def no_heirs(app) -> bool:
    """A death case with no heir or legatee: the balance goes to value-added income, not to a bank card."""
    return app.reason == Reason.DEATH and bool(app.facts.get("no_heirs"))


def _check_heirs(facts, payee_card, payee_name):
    """Death: the money goes to the heirs or legatees by their shares; each heir's card is Luhn-checked and the
    contact payee must be one of them. With no heir or legatee there is no payee at all."""
    heirs = facts.get("heirs") or []
    if facts.get("no_heirs"):
        if heirs or (payee_card or "").strip():
            raise InvalidInput(_("With no heir or legatee nobody is paid: leave the heirs and the card empty."),
                               fields={"heirs": [_("Must be empty.")]}, code="no_heirs")
        return ""
    for heir in heirs:
        card = str(heir.get("card", "")).replace(" ", "")
        if not luhn_ok(card) or not str(heir.get("name", "")).strip():
            raise InvalidInput(_("The bank card number of heir %(n)s is not valid.") % {"n": heir.get("name", "?")},
                               fields={"heirs": [_("Check the card number.")]}, code="bad_card")
        heir["card"] = card
    card = (payee_card or "").replace(" ", "")
    if heirs and not any(h["card"] == card and h["name"].strip() == (payee_name or "").strip() for h in heirs):
        raise InvalidInput(_("The payee must be one of the heirs, with the heir's own card."),
                           fields={"payee_name": [_("Not an heir.")]}, code="not_own_card")
    return card


def _closing_interest(account, on):
    from deposits.services.interest import closing_interest_total

    return closing_interest_total(account, on)


LANGUAGES = ("zh-hans", "en")  # the languages of the rules' texts stored with a case (settings.LANGUAGES)


def check_record(outcome, evaluate, languages=LANGUAGES) -> dict:
    """The rules' outcome as stored with the case, with the rules' texts in both languages (``passed_en``,
    ``refusals_zh-hans``, ...) so the case page reads in the viewer's language. ``evaluate``: the same
    evaluation again (not needed for the language ``outcome`` was worded in, the active one). ``languages``:
    fewer for a record only shown now (the live effect on a case page)."""
    record = outcome.as_dict()
    current = translation.get_language()
    for language in languages:
        if language == current:
            again = outcome
        else:
            with translation.override(language):
                again = evaluate()
        with translation.override(language):
            record[f"passed_{language}"] = [str(text) for text in again.passed]
            record[f"refusals_{language}"] = [str(text) for text in again.refusals]
    return record


def _evaluate(app_or_none, *, account, reason, on, facts):
    closes = reason in {cls.reason for cls in rules.RULES_ALWAYS if issubclass(cls, rules.ClosingRule)}
    interest = _closing_interest(account, today()) if closes else ZERO
    return rules.evaluate(reason=reason, account=account, on=on, facts=facts,
                          application_id=getattr(app_or_none, "pk", None), closing_interest=interest)


def _refuse_if_ineligible(outcome):
    if not outcome.eligible:
        raise InvalidInput(outcome.refusals[0], fields={"reason": outcome.refusals}, code="not_eligible")


def _check_amount(amount, outcome, available):
    if amount > outcome.maximum:
        if amount > available and not outcome.closes_account:
            raise InvalidInput(_("The amount %(a)s exceeds the available balance %(v)s.")
                               % {"a": format_yuan(amount), "v": format_yuan(available)},
                               fields={"amount": [_("Above the available balance.")]}, code="above_available")
        raise InvalidInput(_("The amount %(a)s exceeds the maximum of %(m)s for this reason.")
                           % {"a": format_yuan(amount), "m": format_yuan(outcome.maximum)},
                           fields={"amount": [_("Above the maximum.")]}, code="above_maximum")


def missing_documents(app, outcome=None) -> list:
    outcome = outcome or _evaluate(app, account=app.account, reason=app.reason, on=app.application_date,
                                   facts=app.facts)
    have = set(app.documents.values_list("doc_type", flat=True))
    return [d for d in outcome.evidence if d not in have]


def _require_documents(app, outcome):
    missing = missing_documents(app, outcome)
    if missing:
        from withdrawals.models import DocumentType

        labels = "、".join(str(DocumentType(d).label) for d in missing)
        raise InvalidInput(_("Documents missing: %(d)s.") % {"d": labels}, fields={"documents": [labels]},
                           code="missing_document")


def lock_household(depositor):
    """Lock the depositor rows of the whole household (applicant and spouse), in id order so that two approvals
    of one household never deadlock. Every approval takes it before it re-checks a cap, so household caps
    (purchase, renovation, lift) and the running totals of shared evidence are checked one case at a time.
    FOR NO KEY UPDATE: new rows may still reference the depositors while the lock is held."""
    ids = rules.household_ids(depositor)
    list(Depositor.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk").values_list("pk"))
    return ids


def record_evidence(outcome):
    """The bill or invoice an application draws against, recorded once by its number (None for other reasons)."""
    if outcome.evidence_ref is None:
        return None
    kind, number, amount = outcome.evidence_ref
    evidence, _created = Evidence.objects.get_or_create(kind=kind, number=number, defaults={"amount": amount})
    return evidence


def lock_evidence(app):
    """Lock the evidence row of the case (after the household: one order everywhere)."""
    if app.evidence_id:
        list(Evidence.objects.select_for_update(no_key=True).filter(pk=app.evidence_id).values_list("pk"))


def _notify(app, subject, body, key):
    dep = app.depositor
    channels = ["inbox", "sms"] if dep.phone else ["inbox"]
    workflow.notify(subject=subject, body=body, user=dep.user, recipient=dep, channels=channels,
                    address=dep.phone, key=f"withdrawal:{app.pk}:{key}")


def _number():
    return f"TQ{today():%Y%m%d}{numbering.reserve('withdrawal'):08d}"


def check_documents(documents, *, on, already=0) -> list:
    """Every uploaded document judged before anything is written: a known document type, at most
    ``withdrawals.documents_max`` per application, each a PDF, JPEG or PNG by its content and at most
    ``withdrawals.document_max_mb``. Returns [(document type, upload, extension)]."""
    from withdrawals.models import DocumentType

    documents = list(documents or ())
    limit = policy.get("withdrawals.documents_max", on=on)
    if already + len(documents) > limit:
        raise InvalidInput(_("At most %(n)d documents per application.") % {"n": limit},
                           fields={"documents": [_("Too many files.")]}, code="too_many_files")
    max_bytes = policy.get("withdrawals.document_max_mb", on=on) * 1024 * 1024
    checked = []
    for doc_type, upload in documents:
        if doc_type not in DocumentType.values:
            raise InvalidInput(_("Unknown document type."), fields={"documents": [_("Unknown type.")]},
                               code="bad_document_type")
        checked.append((doc_type, upload, uploads.check_scan(upload, max_bytes=max_bytes)))
    return checked


def _save_documents(app, checked, actor):
    """Store documents judged by :func:`check_documents`, under random names with the judged extension."""
    for doc_type, upload, ext in checked:
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        upload.name = uploads.stored_name(ext)
        WithdrawalDocument.objects.create(application=app, doc_type=doc_type, file=upload,
                                          sha256=digest.hexdigest(),
                                          uploaded_by=actor if getattr(actor, "pk", None) else None)


def _is_applicant(actor, account):
    return (getattr(actor, "pk", None) is not None and account.depositor.user_id is not None
            and account.depositor.user_id == actor.pk)


def _set_clock(app, on):
    app.accepted_on = on
    app.decision_due = on + datetime.timedelta(days=policy.get("withdrawals.decision_days", on=on))
    app.save(update_fields=["accepted_on", "decision_due"])
