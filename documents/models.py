"""Issued documents: certificates (DOMAIN.md §7.1-7.3, §7.5), their verification log, and the append-only
electronic archive every issued document is stored in (a SHA-256 hash chain, see documents.services.archive);
the annual statements (DOMAIN.md §7.4, see documents.services.statements)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import FundAccount
from core import roles
from core.models import BatchRun
from core.money import MoneyField, RateField
from core.visibility import StaffOnlyQuerySet, VisibleQuerySet


class ArchiveRecord(models.Model):
    """One archived document. Rows are only ever inserted: a database trigger (documents/sql/archive.sql) refuses
    UPDATE and DELETE. ``record_hash`` covers this record's fields and the previous record's hash, so
    ``manage.py verify_archive`` finds a changed byte or a missing row."""

    seq = models.BigIntegerField(_("sequence"), unique=True)
    kind = models.CharField(_("document kind"), max_length=30)
    reference = models.CharField(_("reference"), max_length=60, db_index=True)
    content = models.BinaryField(_("content"))
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256 of the content"), max_length=64)
    prev_hash = models.CharField(_("previous record's hash"), max_length=64)
    record_hash = models.CharField(_("record hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("archived at"))

    objects = StaffOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("archived document")
        verbose_name_plural = _("archived documents")
        ordering = ["seq"]
        constraints = [models.CheckConstraint(condition=models.Q(seq__gte=1), name="archive_seq_positive")]

    def __str__(self):
        return f"#{self.seq} {self.kind} {self.reference}"


class CertificateQuerySet(VisibleQuerySet):
    """Staff see every certificate; a depositor the certificates of their own accounts."""

    depositor_path = "account__depositor__user"


class Certificate(models.Model):
    class Kind(models.TextChoices):
        DEPOSIT = "deposit", _("Deposit certificate")
        OTHER_PLACE = "other_place", _("Deposit-and-use certificate for an other-place loan")
        PAYOFF = "payoff", _("Loan payoff certificate")

    class Channel(models.TextChoices):
        PORTAL = "portal", _("Online (depositor)")
        COUNTER = "counter", _("Counter")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    number = models.CharField(_("certificate number"), max_length=30, unique=True)
    code = models.CharField(_("verification code"), max_length=32, unique=True)
    account = models.ForeignKey(FundAccount, on_delete=models.PROTECT, related_name="certificates",
                                verbose_name=_("account"))
    contract = models.ForeignKey("loans.LoanContract", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("loan contract"))
    data = models.JSONField(_("certified data"), default=dict)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("issued by"))
    issued_at = models.DateTimeField(_("issued at"))
    issued_on = models.DateField(_("issue date"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True, help_text=_("Empty: no expiry."))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("revoked by"))
    revoke_reason = models.CharField(_("revocation reason"), max_length=200, blank=True)
    sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64)
    archive = models.OneToOneField(ArchiveRecord, on_delete=models.PROTECT, related_name="certificate",
                                   verbose_name=_("archived document"))

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(valid_until__isnull=True)
                                   | models.Q(valid_until__gte=models.F("issued_on")),
                                   name="certificate_valid_after_issue"),
            models.CheckConstraint(condition=models.Q(revoked_at__isnull=True) | ~models.Q(revoke_reason=""),
                                   name="certificate_revocation_has_reason"),
        ]

    def __str__(self):
        return f"{self.number} {self.get_kind_display()}"

    def state_on(self, day) -> str:
        """``valid``, ``expired`` or ``revoked`` on ``day``."""
        if self.revoked_at:
            return "revoked"
        if self.valid_until is not None and day > self.valid_until:
            return "expired"
        return "valid"


class VerificationLogQuerySet(VisibleQuerySet):
    """Staff see every look; a depositor the looks at their own certificates and statement PDFs."""

    depositor_path = "certificate__account__depositor__user"

    def own_rows(self, user):
        condition = super().own_rows(user)
        if condition is None or not roles.has_role(user, roles.DEPOSITOR):
            return condition
        return condition | models.Q(statement_document__statement__account__depositor__user=user)


class VerificationLog(models.Model):
    """One look at the public verification page of a certificate or of an annual statement's PDF (exactly one of
    the two is set), or one uploaded copy checked there."""

    class Action(models.TextChoices):
        VIEW = "view", _("Opened the verification page")
        UPLOAD = "upload", _("Checked an uploaded copy")

    certificate = models.ForeignKey(Certificate, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="verifications")
    statement_document = models.ForeignKey("StatementDocument", null=True, blank=True, on_delete=models.PROTECT,
                                           related_name="verifications")
    at = models.DateTimeField(_("at"), auto_now_add=True)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    state = models.CharField(_("state shown"), max_length=10)
    matched = models.BooleanField(_("uploaded copy matches"), null=True)
    ip_address = models.GenericIPAddressField(_("client address"), null=True)
    user_agent = models.CharField(_("browser"), max_length=200, blank=True)

    objects = VerificationLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("certificate verification")
        verbose_name_plural = _("certificate verifications")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(certificate__isnull=False, statement_document__isnull=True)
                | models.Q(certificate__isnull=True, statement_document__isnull=False),
                name="verification_log_one_document",
                violation_error_message=_("A verification concerns exactly one certificate or statement PDF."),
            ),
        ]

    def __str__(self):
        return f"{self.document_number} {self.action} {self.at:%Y-%m-%d %H:%M}"

    @property
    def document(self):
        """The certificate or the statement PDF looked at."""
        return self.certificate if self.certificate_id else self.statement_document

    @property
    def document_number(self) -> str:
        document = self.document
        return document.number if document is not None else ""


# --- annual statements (个人住房公积金年度对账单, DOMAIN.md §7.4) ----------------------------------------------


class AnnualStatement(models.Model):
    """One account's statement for one interest year (July 1 – June 30), computed from the journal by the
    statement run (``documents.services.statements``); never edited. ``closing`` is the ledger's balance at the
    end of the year (the cached balance less the lines dated after it); the identity
    opening + movements = closing must hold to the fen (``identity_ok``)."""

    year = models.PositiveSmallIntegerField(_("interest year ending in"))
    # The statement run writes a year's statements for every account in one INSERT … SELECT per chunk that reads the
    # accounts it refers to, and statements are never edited; accounts and runs are never deleted (PROTECT in the
    # ORM). So the two keys carry no database constraint: a per-row foreign-key check would lock every fund account
    # row (FOR KEY SHARE, a write to each of a million rows) and took over a third of the run's time. No single-column
    # indexes either: (account, year) below serves the account's lookups, and a run is never looked up from its
    # statements.
    account = models.ForeignKey(
        FundAccount,
        on_delete=models.PROTECT,
        related_name="annual_statements",
        verbose_name=_("account"),
        db_index=False,
        db_constraint=False,
    )
    run = models.ForeignKey(
        BatchRun, on_delete=models.PROTECT, related_name="+", verbose_name=_("run"), db_index=False, db_constraint=False
    )
    opening = MoneyField(_("opening balance"))
    regular = MoneyField(_("regular deposits"))
    regular_months = models.PositiveSmallIntegerField(_("months of regular deposits"), default=0)
    back = MoneyField(_("back payments"))
    transfer_in = MoneyField(_("transfers in"))
    transfer_out = MoneyField(_("transfers out"))
    withdrawn = MoneyField(_("withdrawals"))
    withdrawals = models.JSONField(
        _("withdrawals by reason"), default=dict, blank=True, help_text=_("Reason code: amount (text, two decimals).")
    )
    interest = MoneyField(_("interest"))
    other = MoneyField(_("other movements"))
    closing = MoneyField(_("closing balance"))
    identity_ok = models.BooleanField(_("identity holds"))
    base = MoneyField(_("deposit base"))
    employer_ratio = RateField(_("employer ratio"))
    employee_ratio = RateField(_("employee ratio"))
    paid_up_to = models.DateField(_("paid up to (month)"), null=True, blank=True)
    created_at = models.DateTimeField(_("computed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("annual statement")
        verbose_name_plural = _("annual statements")
        ordering = ["-year", "account"]
        constraints = [
            models.UniqueConstraint(fields=["year", "account"], name="annual_statement_one_per_year"),
        ]
        indexes = [
            models.Index(fields=["year"], condition=models.Q(identity_ok=False), name="annual_statement_failed"),
            models.Index(fields=["account", "year"], name="annual_statement_account"),
        ]

    def __str__(self):
        return f"{self.year} {self.account_id}"

    @property
    def movements(self):
        return (
            self.regular
            + self.back
            + self.transfer_in
            - self.transfer_out
            - self.withdrawn
            + self.interest
            + self.other
        )

    @property
    def difference(self):
        """Closing less (opening + movements): zero when the identity holds."""
        return self.closing - (self.opening + self.movements)


class StatementDocumentQuerySet(VisibleQuerySet):
    depositor_path = "statement__account__depositor__user"


class StatementDocument(models.Model):
    """The signed PDF of an annual statement, issued once for what it shows: the bytes are the archive record's
    (``archive``), and ``content_hash`` is the SHA-256 of the printed figures, so a download of the same statement
    hands out the same bytes and only a statement whose printed data changed gets a new document."""

    statement = models.ForeignKey(AnnualStatement, on_delete=models.PROTECT, related_name="documents",
                                  verbose_name=_("annual statement"))
    content_hash = models.CharField(_("SHA-256 of the printed data"), max_length=64)
    number = models.CharField(_("document number"), max_length=40, unique=True)
    # Empty on documents issued before statements carried a QR code: those cannot be verified online.
    code = models.CharField(_("verification code"), max_length=32, unique=True, null=True, blank=True)
    sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64)
    archive = models.OneToOneField(ArchiveRecord, on_delete=models.PROTECT, related_name="statement_document",
                                   verbose_name=_("archived document"))
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("issued by"))

    objects = StatementDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("annual statement PDF")
        verbose_name_plural = _("annual statement PDFs")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["statement", "content_hash"], name="statement_document_once"),
        ]

    def __str__(self):
        return self.number
