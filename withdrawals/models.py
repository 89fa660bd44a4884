"""Withdrawal applications (提取), their documents, property records from the real-estate registry, fraud
bans and standing monthly withdrawals (DOMAIN.md §3)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Depositor, FundAccount
from core.money import MoneyField, format_yuan
from core.visibility import StaffOnlyQuerySet, VisibleQuerySet
from ledger.models import BankInstruction, JournalEntry


class Reason(models.TextChoices):
    """JGJ/T 320-style codes (DOMAIN.md §3.6); 2x and 3x are local codes for the 2026 and local grounds. 10 is a
    court deduction (协助执法扣划, [YLGJJ] 010): not a ground a person applies for, but recorded as a withdrawal by
    the judicial module (``withdrawals.services.court``) so the account's withdrawals show it."""

    PURCHASE = "01", _("Buying a home")
    BUILD = "02", _("Building, rebuilding or major repair of a home")
    RETIREMENT = "03", _("Retirement")
    DISABILITY = "04", _("Loss of working capacity and end of employment")
    EMIGRATION = "05", _("Emigration for settlement")
    LOAN_REPAYMENT = "06", _("Repaying a home loan")
    RENT = "07", _("Paying rent")
    DEATH = "08", _("Death or declared death")
    ILLNESS = "09", _("Serious illness")
    RENOVATION = "20", _("Renovating one's own home")
    PROPERTY_FEE = "21", _("Property-management fees")
    OTHER_HOUSING = "22", _("Other housing consumption approved by the State Council")
    LIFT = "31", _("Lift installation in an existing building")
    MIN_LIVING = "32", _("Minimum living allowance")
    LEAVING_JOB = "33", _("Leaving a job")
    COURT_DEDUCTION = "10", _("Court deduction (协助执法扣划)")
    LOAN_RECOVERY = "25", _("Deduction for an overdue housing loan (强制扣划还贷)")

    @classmethod
    def applicable(cls):
        """The reasons a person applies for (every one but the deductions ordered by a court or by the loans'
        collection), as form choices."""
        return [c for c in cls.choices if c[0] not in ORDERED_REASONS]


# Deductions ordered by a court or by the loans' collection, recorded as withdrawals: nobody applies for them and no
# withdrawal page acts on them.
ORDERED_REASONS = (Reason.COURT_DEDUCTION, Reason.LOAN_RECOVERY)


class DocumentType(models.TextChoices):
    ID_CARD = "id_card", _("Identity card")
    LEASE = "lease", _("Lease contract")
    PURCHASE_CONTRACT = "purchase_contract", _("Purchase contract or title certificate")
    INVOICE = "invoice", _("Invoice")
    LOAN_STATEMENT = "loan_statement", _("Loan repayment statement")
    BUILD_PERMIT = "build_permit", _("Building or repair permit")
    RETIREMENT_CERT = "retirement_cert", _("Retirement certificate")
    DISABILITY_CERT = "disability_cert", _("Disability assessment and end of employment")
    EMIGRATION_PROOF = "emigration_proof", _("Proof of emigration")
    DEATH_CERT = "death_cert", _("Death certificate and proof of inheritance")
    NO_HEIR_PROOF = "no_heir_proof", _("Proof that there is no heir or legatee (notarial or court document)")
    MEDICAL = "medical", _("Diagnosis and medical invoices")
    LIFT_AGREEMENT = "lift_agreement", _("Lift installation agreement and cost sharing")
    RELATION_PROOF = "relation_proof", _("Proof of family relation")
    MIN_LIVING_CERT = "min_living_cert", _("Minimum living allowance certificate")
    APPROVAL = "approval", _("Approval document")
    OTHER = "other", _("Other")


class Evidence(models.Model):
    """One piece of evidence money is drawn against (a medical bill, an invoice, a registered lease), by its
    number. What the applications drew against it (approved, paid or completed) never exceeds its amount: the
    rules add them up (:meth:`withdrawals.rules.Rule.check_evidence`) and approval locks this row while it
    re-checks."""

    class Kind(models.TextChoices):
        BILL = "bill", _("Medical bill")
        INVOICE = "invoice", _("Invoice")
        LEASE = "lease", _("Registered lease")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    number = models.CharField(_("number"), max_length=60)
    amount = MoneyField(_("amount on the document"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = StaffOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        constraints = [
            models.UniqueConstraint(fields=["kind", "number"], name="one_evidence_per_number",
                                    violation_error_message=_("This document number is already on record.")),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="evidence_amount_positive"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number} {format_yuan(self.amount)}"


class WithdrawalApplicationQuerySet(VisibleQuerySet):
    depositor_path = "depositor__user"


class WithdrawalApplication(models.Model):
    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted online")
        ACCEPTED = "accepted", _("Accepted")
        REVIEWED = "reviewed", _("Reviewed")
        APPROVED = "approved", _("Approved")
        PAID = "paid", _("Paid, awaiting the bank")
        CLOSED = "closed", _("Completed")
        RETURNED = "returned", _("Returned for more documents")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    class Channel(models.TextChoices):
        COUNTER = "counter", _("Counter")
        ONLINE = "online", _("Online")
        STANDING = "standing", _("Standing instruction")
        COURT = "court", _("Court enforcement")
        LOAN_COLLECTION = "loan", _("Overdue-loan collection")

    number = models.CharField(_("application number"), max_length=30, unique=True)
    account = models.ForeignKey(FundAccount, on_delete=models.PROTECT, related_name="withdrawals",
                                verbose_name=_("account"))
    depositor = models.ForeignKey(Depositor, on_delete=models.PROTECT, related_name="withdrawals",
                                  verbose_name=_("depositor"))
    reason = models.CharField(_("reason"), max_length=2, choices=Reason.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.COUNTER)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, db_index=True)
    application_date = models.DateField(_("application date"),
                                        help_text=_("The rules and policy in force on this date apply."))
    facts = models.JSONField(_("declared facts"), default=dict, blank=True)
    amount_requested = MoneyField(_("amount requested"))
    amount_approved = MoneyField(_("amount approved"), null=True, blank=True)
    interest_paid = MoneyField(_("closing interest"), default=0)
    closes_account = models.BooleanField(_("closes the account"), default=False)
    effect = models.JSONField(_("computed effect"), default=dict, blank=True)
    evidence = models.ForeignKey(Evidence, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="withdrawals", verbose_name=_("evidence drawn against"))
    property_record = models.ForeignKey("PropertyRecord", null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="withdrawals", verbose_name=_("property"))
    payee_card = models.CharField(_("payee card number"), max_length=19)
    payee_name = models.CharField(_("payee name"), max_length=60)
    payee_bank = models.CharField(_("payee bank"), max_length=120, blank=True)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    decision_due = models.DateField(_("decision due"), null=True, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    auto_rule = models.CharField(_("auto-approval rule"), max_length=80, blank=True)
    refusal_reason = models.TextField(_("reason for refusal or return"), blank=True)
    instruction = models.ForeignKey(BankInstruction, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("bank instruction"))
    interest_entry = models.ForeignKey(JournalEntry, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+", verbose_name=_("closing interest entry"))
    payments = models.PositiveSmallIntegerField(_("payment attempts"), default=0)
    standing = models.ForeignKey("StandingInstruction", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="withdrawals", verbose_name=_("standing instruction"))
    period = models.DateField(_("month (standing)"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    objects = WithdrawalApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("withdrawal application")
        verbose_name_plural = _("withdrawal applications")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_requested__gt=0), name="withdrawal_amount_positive",
                                   violation_error_message=_("The amount must be greater than zero.")),
            models.UniqueConstraint(fields=["standing", "period"], name="one_standing_withdrawal_per_month",
                                    condition=models.Q(standing__isnull=False),
                                    violation_error_message=_("This month was already withdrawn.")),
        ]
        indexes = [models.Index(fields=["account", "reason", "state"], name="withdrawal_acc_reason_state"),
                   # the staff home's figures of the day and its charts over the last months
                   models.Index(fields=["decided_on"], name="withdrawal_decided_on"),
                   models.Index(fields=["application_date"], name="withdrawal_application_date")]

    def __str__(self):
        return f"{self.number} {self.get_reason_display()} {format_yuan(self.amount_requested)}"


class WithdrawalDocumentQuerySet(VisibleQuerySet):
    depositor_path = "application__depositor__user"


class WithdrawalDocument(models.Model):
    application = models.ForeignKey(WithdrawalApplication, on_delete=models.CASCADE, related_name="documents")
    doc_type = models.CharField(_("document type"), max_length=20, choices=DocumentType.choices)
    file = models.FileField(_("file"), upload_to="withdrawals/%Y/%m/")
    sha256 = models.CharField(max_length=64, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = WithdrawalDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("withdrawal document")
        verbose_name_plural = _("withdrawal documents")
        ordering = ["application", "id"]

    def __str__(self):
        return f"{self.application_id} {self.get_doc_type_display()}"

    @property
    def filename(self):
        return self.file.name.rsplit("/", 1)[-1]


class PropertyRecord(models.Model):
    """A home registered in the city, as received from the real-estate registry by data sharing."""

    certificate_number = models.CharField(_("certificate or contract number"), max_length=60, unique=True)
    owner_id_number = models.CharField(_("owner ID number"), max_length=18, db_index=True)
    owner_name = models.CharField(_("owner name"), max_length=60)
    address = models.CharField(_("address"), max_length=200)
    area = models.DecimalField(_("area (m²)"), max_digits=10, decimal_places=2)
    registration_date = models.DateField(_("registration date"), null=True, blank=True)
    contract_date = models.DateField(_("contract date"), null=True, blank=True)
    price = MoneyField(_("price"), null=True, blank=True)
    loan_amount = MoneyField(_("loan amount"), default=0)
    cancelled_on = models.DateField(_("contract cancelled on"), null=True, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = StaffOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("property record")
        verbose_name_plural = _("property records")
        ordering = ["owner_id_number", "id"]

    def __str__(self):
        return f"{self.certificate_number} {self.address}"


class FraudBan(models.Model):
    class Kind(models.TextChoices):
        WITHDRAWAL = "withdrawal", _("Withdrawals")
        LOAN = "loan", _("Loans")

    depositor = models.ForeignKey(Depositor, on_delete=models.PROTECT, related_name="fraud_bans",
                                  verbose_name=_("person"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    reason = models.TextField(_("reason"))
    application = models.ForeignKey(WithdrawalApplication, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("application"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("by"))
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = StaffOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("fraud ban")
        verbose_name_plural = _("fraud bans")
        ordering = ["-starts_on"]

    def __str__(self):
        return f"{self.depositor_id} {self.kind} {self.starts_on}–{self.ends_on}"


class RecoveryQuerySet(VisibleQuerySet):
    depositor_path = "depositor__user"


class Recovery(models.Model):
    """The order to return money withdrawn by fraud (责令退回, 2026 Art. 41) and what has come back so far.
    The money returns to the person's fund account as bank receipts are applied to it."""

    class Status(models.TextChoices):
        OPEN = "open", _("Outstanding")
        RECOVERED = "recovered", _("Recovered in full")

    application = models.OneToOneField(WithdrawalApplication, on_delete=models.PROTECT, related_name="recovery",
                                       verbose_name=_("application"))
    depositor = models.ForeignKey(Depositor, on_delete=models.PROTECT, related_name="recoveries",
                                  verbose_name=_("person"))
    amount_due = MoneyField(_("amount to return"))
    amount_recovered = MoneyField(_("amount returned"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    reason = models.TextField(_("reason"))
    ordered_on = models.DateField(_("ordered on"))
    recovered_on = models.DateField(_("recovered on"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("by"))
    history = HistoricalRecords()

    objects = RecoveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("fraud recovery")
        verbose_name_plural = _("fraud recoveries")
        ordering = ["-ordered_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_recovered__gte=0)
                                   & models.Q(amount_recovered__lte=models.F("amount_due")),
                                   name="recovery_within_amount_due"),
        ]

    def __str__(self):
        return f"{self.application_id} {format_yuan(self.amount_recovered)}/{format_yuan(self.amount_due)}"

    @property
    def outstanding(self):
        return self.amount_due - self.amount_recovered


class StandingInstructionQuerySet(VisibleQuerySet):
    depositor_path = "account__depositor__user"


class StandingInstruction(models.Model):
    """Monthly rent or loan-offset withdrawal (按月提取)."""

    class Kind(models.TextChoices):
        RENT = "rent", _("Monthly rent")
        LOAN_OFFSET = "loan_offset", _("Monthly loan repayment offset")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        STOPPED = "stopped", _("Stopped")

    account = models.ForeignKey(FundAccount, on_delete=models.PROTECT, related_name="standing_withdrawals",
                                verbose_name=_("account"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    monthly_amount = MoneyField(_("monthly amount"), help_text=_("Monthly rent or installment."))
    payee_card = models.CharField(_("payee card number"), max_length=19)
    payee_name = models.CharField(_("payee name"), max_length=60)
    starts_on = models.DateField(_("first month"))
    ends_on = models.DateField(_("last month"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.ACTIVE,
                              db_index=True)
    stop_reason = models.CharField(_("stop reason"), max_length=200, blank=True)
    last_month = models.DateField(_("last month paid"), null=True, blank=True)
    facts = models.JSONField(_("declared facts"), default=dict, blank=True)
    # 按月冲还贷 of the center's own loan: the contract number (withdrawals may not import loans). The run pays what
    # the loan owes for the month straight to the loan, no bank payment and no card; empty: paid to the card.
    loan_contract = models.CharField(_("the center's loan contract"), max_length=30, blank=True, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("by"))
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = StandingInstructionQuerySet.as_manager()

    class Meta:
        verbose_name = _("standing withdrawal")
        verbose_name_plural = _("standing withdrawals")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(monthly_amount__gt=0), name="standing_amount_positive",
                                   violation_error_message=_("The monthly amount must be greater than zero.")),
        ]

    def __str__(self):
        return f"{self.account_id} {self.get_kind_display()} {self.monthly_amount}"
