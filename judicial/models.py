"""Judicial enforcement on fund balances (DOMAIN.md §6): the court register, the requests courts and other
authorities send (query, freeze, renew, unfreeze, deduct), the freezes they put on fund accounts (each a ledger
hold, with a waiting queue per account) and the log of queries.

A request is append-only: what the authority sent (and the SHA-256 of it) is never changed; a correction is a new
request. Only the center's handling of it (state, answer, operator and checker) is written later, by the services.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Depositor, FundAccount
from core import roles
from core.money import MoneyField, format_yuan
from core.visibility import StaffOnlyQuerySet, VisibleQuerySet
from ledger.models import BankInstruction, Hold


class Court(models.Model):
    """A court (or another enforcing authority) and its enforcement-money account (执行款专户): a deduction is
    paid to this account only."""

    code = models.CharField(_("court code"), max_length=20, unique=True)
    name = models.CharField(_("court name"), max_length=120)
    enforcement_account_name = models.CharField(_("enforcement account name"), max_length=120)
    enforcement_account_number = models.CharField(_("enforcement account number"), max_length=40)
    enforcement_bank = models.CharField(_("enforcement account bank"), max_length=120)
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    objects = StaffOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("court")
        verbose_name_plural = _("courts")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class Measure(models.TextChoices):
    QUERY = "query", _("Query (查询)")
    FREEZE = "freeze", _("Freeze (冻结)")
    RENEW = "renew", _("Renewal (续冻)")
    UNFREEZE = "unfreeze", _("Unfreeze (解除冻结)")
    DEDUCT = "deduct", _("Deduction (扣划)")


class Authority(models.TextChoices):
    COURT = "court", _("People's court")
    PUBLIC_SECURITY = "public_security", _("Public security organ")
    PROCURATORATE = "procuratorate", _("Procuratorate")
    SUPERVISION = "supervision", _("Supervision commission")


class Channel(models.TextChoices):
    API = "api", _("Online (court API)")
    COUNTER = "counter", _("Paper request at the counter")


class BasisType(models.TextChoices):
    """The document a deduction is based on (执行依据). Uncontested ones (a consent judgment, a judicial
    confirmation of a mediation agreement, a payment order) are a sham-lawsuit signal (DOMAIN.md §6.4)."""

    JUDGMENT = "judgment", _("Judgment (判决书)")
    CONSENT = "consent", _("Consent judgment / mediation statement (民事调解书)")
    JUDICIAL_CONFIRMATION = "judicial_confirmation", _("Judicial confirmation of a mediation agreement (司法确认裁定)")
    PAYMENT_ORDER = "payment_order", _("Payment order (支付令)")
    ARBITRATION = "arbitration", _("Arbitral award (仲裁裁决书)")
    NOTARIAL = "notarial", _("Notarized creditor's rights document (公证债权文书)")
    OTHER = "other", _("Other")


class RequestQuerySet(StaffOnlyQuerySet):
    pass


class JudicialRequest(models.Model):
    """One request of a court or another authority (DOMAIN.md §6.2), and the center's answer (回执)."""

    class State(models.TextChoices):
        RECEIVED = "received", _("Received")
        PREPARED = "prepared", _("Prepared, waiting for the checker")
        EXECUTED = "executed", _("Executed")
        REFUSED = "refused", _("Refused")
        PAID = "paid", _("Paid to the court")
        RETURNED = "returned", _("Payment returned, money frozen again")

    court = models.ForeignKey(Court, on_delete=models.PROTECT, related_name="requests", verbose_name=_("court"))
    number = models.CharField(_("request number"), max_length=40)
    measure = models.CharField(_("measure"), max_length=10, choices=Measure.choices)
    authority = models.CharField(_("authority"), max_length=16, choices=Authority.choices, default=Authority.COURT)
    person_name = models.CharField(_("person's name"), max_length=60)
    id_type = models.CharField(_("ID type"), max_length=2, choices=Depositor.IdType.choices,
                               default=Depositor.IdType.RESIDENT_ID)
    id_number = models.CharField(_("ID number"), max_length=18)
    judge = models.CharField(_("judge in charge"), max_length=60)
    judge_phone = models.CharField(_("judge's phone"), max_length=20, blank=True)
    case_number = models.CharField(_("enforcement case number (执行案号)"), max_length=80)
    ruling_number = models.CharField(_("ruling number (裁定书)"), max_length=80, blank=True)
    notice_number = models.CharField(_("assistance notice number (协助执行通知书)"), max_length=80, blank=True)
    account_number = models.CharField(_("account number given"), max_length=20, blank=True)
    account = models.ForeignKey(FundAccount, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="judicial_requests", verbose_name=_("fund account"))
    amount = MoneyField(_("amount requested"), null=True, blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    payee_name = models.CharField(_("court account name"), max_length=120, blank=True)
    payee_account = models.CharField(_("court account number"), max_length=40, blank=True)
    payee_bank = models.CharField(_("court account bank"), max_length=120, blank=True)
    original_number = models.CharField(_("original freeze request number"), max_length=40, blank=True)
    original_freeze = models.ForeignKey("Freeze", null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="later_requests", verbose_name=_("original freeze"))
    # Sham-lawsuit risk (DOMAIN.md §6.4): the basis of a deduction and the parties as the documents name them
    # (all optional), and the score computed at intake by judicial.services.risk.
    basis_type = models.CharField(_("basis document type"), max_length=24, choices=BasisType.choices, blank=True)
    ruling_date = models.DateField(_("date of the ruling enforced"), null=True, blank=True)
    enforcement_filed_on = models.DateField(_("enforcement application date"), null=True, blank=True)
    creditor_name = models.CharField(_("applicant (creditor)"), max_length=120, blank=True)
    creditor_phone = models.CharField(_("applicant's phone"), max_length=20, blank=True)
    creditor_address = models.CharField(_("applicant's address"), max_length=200, blank=True)
    lawyer = models.CharField(_("applicant's lawyer"), max_length=120, blank=True)
    mediator = models.CharField(_("mediation committee or mediator"), max_length=120, blank=True)
    risk_score = models.PositiveSmallIntegerField(_("risk score"), default=0)
    risk_signals = models.JSONField(_("risk signals"), default=list, blank=True)
    risk_flagged = models.BooleanField(_("flagged for second-level review"), default=False)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    received_sha256 = models.CharField(_("SHA-256 of what was received"), max_length=64)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    received_on = models.DateField(_("business date received"))
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("received by"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.RECEIVED)
    # The center's handling: prepared by the operator, taking effect when a different checker confirms it.
    proposal = models.JSONField(_("prepared effect"), default=dict, blank=True)
    actual_amount = MoneyField(_("actual amount"), null=True, blank=True)
    refusal_reason = models.CharField(_("refusal reason"), max_length=300, blank=True)
    answer = models.JSONField(_("answer"), default=dict, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    # The business date of the answer: it is what the time limit (``received_on`` + policy days) is measured against.
    answered_on = models.DateField(_("business date answered"), null=True, blank=True)
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("operator"))
    checker = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("checker"))
    instruction = models.OneToOneField(BankInstruction, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="judicial_request", verbose_name=_("bank instruction"))
    # A paper request at the counter (DOMAIN.md §6.3 point 1): the two court officers who brought it in person,
    # each with a work card (工作证) and an enforcement-officer certificate (执行公务证).
    officer1_name = models.CharField(_("first officer's name"), max_length=60, blank=True)
    officer1_work_card = models.CharField(_("first officer's work-card number"), max_length=40, blank=True)
    officer1_certificate = models.CharField(_("first officer's enforcement-certificate number"), max_length=40,
                                            blank=True)
    officer2_name = models.CharField(_("second officer's name"), max_length=60, blank=True)
    officer2_work_card = models.CharField(_("second officer's work-card number"), max_length=40, blank=True)
    officer2_certificate = models.CharField(_("second officer's enforcement-certificate number"), max_length=40,
                                            blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    objects = RequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("judicial request")
        verbose_name_plural = _("judicial requests")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["court", "number"], name="judicial_request_number_per_court",
                                    violation_error_message=_("This court already sent a request with this number.")),
            models.CheckConstraint(condition=models.Q(amount__isnull=True) | models.Q(amount__gt=0),
                                   name="judicial_request_amount_positive",
                                   violation_error_message=_("The amount must be greater than zero.")),
            models.CheckConstraint(
                condition=models.Q(start_date__isnull=True) | models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="judicial_request_end_after_start",
                violation_error_message=_("The end date cannot be before the start date.")),
            models.CheckConstraint(condition=models.Q(actual_amount__isnull=True) | models.Q(actual_amount__gte=0),
                                   name="judicial_request_actual_not_negative"),
            models.CheckConstraint(condition=models.Q(checker__isnull=True) | ~models.Q(checker=models.F("operator")),
                                   name="judicial_request_checker_not_operator",
                                   violation_error_message=_("The checker must be a different person.")),
        ]
        indexes = [models.Index(fields=["state", "received_on"], name="judicial_request_state_idx"),
                   # the staff case search looks requests up by their number, case number and ID number
                   models.Index(fields=["number"], name="judicial_request_number_idx"),
                   models.Index(fields=["case_number"], name="judicial_request_case_idx"),
                   models.Index(fields=["id_number"], name="judicial_request_id_idx")]

    def __str__(self):
        return f"{self.court.code} {self.number} {self.get_measure_display()}"


class FreezeQuerySet(VisibleQuerySet):
    """Staff see every freeze; the depositor sees the freezes on their own account."""

    depositor_path = "account__depositor__user"


class Freeze(models.Model):
    """A freeze of (part of) a fund account's balance: an active one is a ledger hold of ``amount_frozen``;
    a waiting one (轮候冻结) holds nothing yet and is activated in queue order when earlier freezes end."""

    class State(models.TextChoices):
        ACTIVE = "active", _("In force")
        WAITING = "waiting", _("Waiting (轮候)")
        EXPIRED = "expired", _("Expired")
        RELEASED = "released", _("Unfrozen")
        DEDUCTED = "deducted", _("Deducted")

    LIVE_STATES = (State.ACTIVE, State.WAITING)

    account = models.ForeignKey(FundAccount, on_delete=models.PROTECT, related_name="freezes",
                                verbose_name=_("fund account"))
    request = models.OneToOneField(JudicialRequest, on_delete=models.PROTECT, related_name="freeze",
                                   verbose_name=_("freeze request"))
    court = models.ForeignKey(Court, on_delete=models.PROTECT, related_name="freezes", verbose_name=_("court"))
    case_number = models.CharField(_("enforcement case number (执行案号)"), max_length=80)
    amount_requested = MoneyField(_("amount requested"))
    amount_frozen = MoneyField(_("amount frozen"), default=0)
    hold = models.OneToOneField(Hold, null=True, blank=True, on_delete=models.PROTECT, related_name="freeze",
                                verbose_name=_("ledger hold"))
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    state = models.CharField(_("state"), max_length=9, choices=State.choices)
    queue_position = models.PositiveIntegerField(_("queue position"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = FreezeQuerySet.as_manager()

    class Meta:
        verbose_name = _("freeze")
        verbose_name_plural = _("freezes")
        ordering = ["account", "queue_position"]
        constraints = [
            models.UniqueConstraint(fields=["account", "queue_position"], name="freeze_queue_position_unique"),
            models.CheckConstraint(condition=models.Q(amount_requested__gt=0), name="freeze_requested_positive",
                                   violation_error_message=_("The amount must be greater than zero.")),
            models.CheckConstraint(condition=models.Q(amount_frozen__gte=0)
                                   & models.Q(amount_frozen__lte=models.F("amount_requested")),
                                   name="freeze_frozen_within_requested"),
            models.CheckConstraint(condition=models.Q(end_date__gte=models.F("start_date")),
                                   name="freeze_end_after_start",
                                   violation_error_message=_("The end date cannot be before the start date.")),
            models.CheckConstraint(condition=~models.Q(state="active")
                                   | (models.Q(hold__isnull=False) & models.Q(amount_frozen__gt=0)),
                                   name="freeze_active_has_hold"),
        ]
        indexes = [models.Index(fields=["state", "end_date"], name="freeze_state_end_idx")]

    def __str__(self):
        return f"{self.court.code} {self.case_number} {format_yuan(self.amount_frozen)} ({self.get_state_display()})"


class QueryLog(models.Model):
    """Every look at a person's fund data for a judicial request: who, when, what was answered. The depositor is
    not told of it (DOMAIN.md §6.3)."""

    request = models.ForeignKey(JudicialRequest, on_delete=models.PROTECT, related_name="query_logs")
    depositor = models.ForeignKey(Depositor, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    business_date = models.DateField(_("business date"))
    result = models.JSONField(_("what was answered"), default=dict)

    objects = StaffOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("judicial query log")
        verbose_name_plural = _("judicial query logs")
        ordering = ["-id"]

    def __str__(self):
        return f"{self.request_id} {self.at:%Y-%m-%d %H:%M}"


class CourtCredential(models.Model):
    """A court's API key: the key id it sends with each request and the secret it signs them with (HMAC-SHA256).

    The secret is never stored. It is derived from the key id and a random salt with a server key
    (``settings.COURT_API_KEY``, by default the SECRET_KEY) and shown once, when an administrator issues the key
    in admin; a copy of the database alone cannot sign a request. Rotating issues a new key and revokes the old
    one; a revoked key is refused at once. Requests act as the key's API user (role ``api_court``)."""

    court = models.ForeignKey(Court, on_delete=models.PROTECT, related_name="credentials", verbose_name=_("court"))
    key_id = models.CharField(_("key id"), max_length=40, unique=True)
    salt = models.CharField(max_length=64)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="court_credentials",
                             verbose_name=_("API user"))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("issued by"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("revoked by"))

    objects = StaffOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("court API key")
        verbose_name_plural = _("court API keys")
        ordering = ["court", "-id"]

    def __str__(self):
        return f"{self.court.code} {self.key_id}"


class SeenNonce(models.Model):
    """The nonces of signed court requests seen while their timestamp is still accepted: the same nonce again
    is a replay. Rows past ``expires_at`` are deleted as new requests arrive."""

    credential = models.ForeignKey(CourtCredential, on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(max_length=64)
    expires_at = models.DateTimeField()

    objects = StaffOnlyQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["credential", "nonce"], name="court_nonce_once")]
        indexes = [models.Index(fields=["expires_at"], name="court_nonce_expiry_idx")]

    def __str__(self):
        return f"{self.credential_id} {self.nonce}"


class JudicialDocumentType(models.TextChoices):
    RULING = "ruling", _("Ruling (裁定书)")
    NOTICE = "notice", _("Assistance notice (协助执行通知书)")


class JudicialDocumentQuerySet(StaffOnlyQuerySet):
    """Court documents are seen by judicial staff only (officers and auditors), never by other staff or the
    depositor."""

    staff_roles = (roles.JUDICIAL_OFFICER, roles.AUDITOR, roles.SYSADMIN)


class JudicialDocument(models.Model):
    """A scanned document of a paper request (the ruling, the assistance notice), judged by its content
    (``core.uploads.check_scan``) and stored under a random name with its SHA-256; never changed."""

    request = models.ForeignKey(JudicialRequest, on_delete=models.PROTECT, related_name="documents",
                                verbose_name=_("judicial request"))
    doc_type = models.CharField(_("document type"), max_length=10, choices=JudicialDocumentType.choices)
    file = models.FileField(_("file"), upload_to="judicial/%Y/%m/")
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("size (bytes)"))
    original_name = models.CharField(_("uploaded as"), max_length=100, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    history = HistoricalRecords()

    objects = JudicialDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("judicial document")
        verbose_name_plural = _("judicial documents")
        ordering = ["request", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(size__gt=0), name="judicial_document_not_empty"),
            models.UniqueConstraint(fields=["request", "doc_type"], name="judicial_document_one_per_type"),
        ]

    def __str__(self):
        return f"{self.request_id} {self.get_doc_type_display()}"


class RiskReview(models.Model):
    """The second-level review (二级审核) of a flagged deduction (DOMAIN.md §6.4): an approver, who is neither the
    operator nor the checker, lets it proceed, or holds it while the center asks the court to verify. The latest
    review taken after the operator's latest preparation decides. Written only by judicial.services.risk."""

    class Decision(models.TextChoices):
        PROCEED = "proceed", _("Proceed: the checker may confirm")
        VERIFY = "verify", _("Hold: ask the court to verify")

    request = models.ForeignKey(JudicialRequest, on_delete=models.PROTECT, related_name="risk_reviews",
                                verbose_name=_("judicial request"))
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("second-level reviewer"))
    decision = models.CharField(_("decision"), max_length=8, choices=Decision.choices)
    comment = models.CharField(_("comment"), max_length=500)
    at = models.DateTimeField(_("time"), auto_now_add=True)
    business_date = models.DateField(_("business date"))

    objects = StaffOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("second-level review")
        verbose_name_plural = _("second-level reviews")
        ordering = ["request", "id"]

    def __str__(self):
        return f"{self.request_id} {self.decision}"


class RiskLetter(models.Model):
    """A written objection or verification request (异议函 / 核实函) sent to the court about a flagged
    deduction, with the SHA-256 of the letter as printed."""

    class Kind(models.TextChoices):
        VERIFICATION = "verification", _("Request to verify (核实函)")
        OBJECTION = "objection", _("Written objection (书面异议)")

    request = models.ForeignKey(JudicialRequest, on_delete=models.PROTECT, related_name="risk_letters",
                                verbose_name=_("judicial request"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    number = models.CharField(_("letter number"), max_length=30, unique=True)
    sent_on = models.DateField(_("sent on"))
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("sent by"))
    content_sha256 = models.CharField(_("SHA-256 of the letter"), max_length=64)
    at = models.DateTimeField(_("time"), auto_now_add=True)

    objects = StaffOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("letter to the court")
        verbose_name_plural = _("letters to the court")
        ordering = ["request", "id"]

    def __str__(self):
        return self.number
