"""Remittance lists (汇缴清册) and their lines, for regular monthly and supplementary payments."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Employer, FundAccount
from core.money import MoneyField, RateField, format_yuan
from core.visibility import VisibleQuerySet
from ledger.models import BankStatementLine, JournalEntry


class RemittanceListQuerySet(VisibleQuerySet):
    employer_path = "employer_id"


class RemittanceList(models.Model):
    class Kind(models.TextChoices):
        REGULAR = "1", _("Monthly remittance")
        SUPPLEMENTARY = "2", _("Supplementary payment")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        CONFIRMED = "confirmed", _("Confirmed, awaiting payment")
        POSTED = "posted", _("Paid and posted")
        REVERSED = "reversed", _("Reversed")
        CANCELLED = "cancelled", _("Cancelled")

    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="remittance_lists",
                                 verbose_name=_("employer"))
    kind = models.CharField(_("kind"), max_length=1, choices=Kind.choices, default=Kind.REGULAR)
    month = models.DateField(_("month"), help_text=_("First day of the month remitted (for supplementary "
                                                     "payments: the first month covered)."))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT,
                              db_index=True)
    reference = models.CharField(_("payment reference"), max_length=30, unique=True,
                                 help_text=_("The employer quotes it in the bank transfer so the payment matches."))
    employee_total = MoneyField(_("employee part"), default=0)
    employer_total = MoneyField(_("employer part"), default=0)
    total = MoneyField(_("total"), default=0)
    headcount = models.PositiveIntegerField(_("employees"), default=0)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("created by"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("confirmed by"))
    entry = models.OneToOneField(JournalEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("posting"))
    paid_by = models.ForeignKey(BankStatementLine, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="remittances", verbose_name=_("paid by bank line"))
    reversal_entry = models.OneToOneField(JournalEntry, null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="+", verbose_name=_("reversal"))
    history = HistoricalRecords()

    objects = RemittanceListQuerySet.as_manager()

    class Meta:
        verbose_name = _("remittance list")
        verbose_name_plural = _("remittance lists")
        ordering = ["-month", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["employer", "month"], condition=models.Q(kind="1", status__in=["draft", "confirmed",
                                                                                      "posted"]),
                name="one_live_regular_list_per_employer_month",
                violation_error_message=_("This employer already has a remittance list for that month."),
            ),
        ]

    def __str__(self):
        return f"{self.reference} {self.employer.name if self.employer_id else ''} {self.month:%Y-%m}"


class RemittanceLineQuerySet(VisibleQuerySet):
    depositor_path = "account__depositor__user"
    employer_path = "remittance__employer_id"


class RemittanceLine(models.Model):
    remittance = models.ForeignKey(RemittanceList, on_delete=models.CASCADE, related_name="lines")
    account = models.ForeignKey(FundAccount, on_delete=models.PROTECT, related_name="remittance_lines",
                                verbose_name=_("account"))
    month = models.DateField(_("month covered"))
    base = MoneyField(_("deposit base"))
    employee_ratio = RateField(_("employee ratio"))
    employer_ratio = RateField(_("employer ratio"))
    employee_amount = MoneyField(_("employee part"))
    employer_amount = MoneyField(_("employer part"))
    amount = MoneyField(_("amount"))
    posted = models.BooleanField(_("posted"), default=False)

    objects = RemittanceLineQuerySet.as_manager()

    class Meta:
        verbose_name = _("remittance line")
        verbose_name_plural = _("remittance lines")
        ordering = ["remittance", "account", "month"]
        constraints = [
            models.UniqueConstraint(fields=["remittance", "account", "month"], name="remittance_line_unique"),
            models.UniqueConstraint(fields=["account", "month"], condition=models.Q(posted=True),
                                    name="one_posted_deposit_per_account_month",
                                    violation_error_message=_("This month is already paid for this account.")),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="remittance_line_amount_positive"),
        ]
        indexes = [models.Index(fields=["account", "month"], name="remit_line_account_month")]

    def __str__(self):
        return f"{self.account_id} {self.month:%Y-%m} {format_yuan(self.amount)}"


# --- deferral (缓缴) and ratio reduction (降低比例), DOMAIN.md §1.5 --------------------------------------

class DeferralApplicationQuerySet(VisibleQuerySet):
    employer_path = "employer_id"


class DeferralApplication(models.Model):
    """An employer's application to defer deposits or lower its ratios for a period (≤ 12 months, renewable).

    Workflow (:data:`deposits.services.deferral.FLOW` on :mod:`core.workflow`): submitted → reviewed →
    approved / rejected; the submitter, the reviewer and the approver are three different people. Who took
    each step, when and with what comment is the case's :class:`core.models.CaseTransition` history.
    """

    class Kind(models.TextChoices):
        DEFERRAL = "deferral", _("Deferral")
        RATIO_REDUCTION = "ratio_reduction", _("Ratio reduction")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        REVIEWED = "reviewed", _("Reviewed")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="deferral_applications",
                                 verbose_name=_("employer"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    month_from = models.DateField(_("first month"))
    month_to = models.DateField(_("last month"))
    employee_ratio = RateField(_("reduced employee ratio"), null=True, blank=True)
    employer_ratio = RateField(_("reduced employer ratio"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    evidence = models.FileField(_("decision of the workers' congress or union"),
                                upload_to="deposits/deferrals/%Y/%m/", max_length=200)
    decision_date = models.DateField(_("date of the decision"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED,
                              db_index=True)
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    # Set when the period starts (on approval, or by the daily job for a later first month) and ends.
    started_on = models.DateField(_("period started on"), null=True, blank=True)
    ended_on = models.DateField(_("period ended on"), null=True, blank=True)
    previous_status = models.CharField(_("employer status before"), max_length=2, blank=True)
    previous_employee_ratio = RateField(_("employee ratio before"), null=True, blank=True)
    previous_employer_ratio = RateField(_("employer ratio before"), null=True, blank=True)
    history = HistoricalRecords()

    objects = DeferralApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("deferral or ratio reduction application")
        verbose_name_plural = _("deferral and ratio reduction applications")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(month_to__gte=models.F("month_from")),
                                   name="deferral_period_order",
                                   violation_error_message=_("The last month cannot be before the first month.")),
            models.CheckConstraint(
                condition=models.Q(kind="deferral") | models.Q(employee_ratio__isnull=False,
                                                               employer_ratio__isnull=False),
                name="ratio_reduction_has_ratios",
                violation_error_message=_("A ratio reduction needs the reduced ratios.")),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.employer_id} {self.month_from:%Y-%m}–{self.month_to:%Y-%m}"


class DeferredMonthQuerySet(VisibleQuerySet):
    employer_path = "employer_id"


class DeferredMonth(models.Model):
    """A month an approved deferral lets the employer skip; it must be made up (补缴) after the period."""

    application = models.ForeignKey(DeferralApplication, on_delete=models.PROTECT, related_name="deferred_months")
    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="deferred_months",
                                 verbose_name=_("employer"))
    month = models.DateField(_("month"))

    objects = DeferredMonthQuerySet.as_manager()

    class Meta:
        verbose_name = _("deferred month")
        verbose_name_plural = _("deferred months")
        ordering = ["employer", "month"]
        constraints = [
            models.UniqueConstraint(fields=["employer", "month"], name="one_deferral_per_employer_month",
                                    violation_error_message=_("This month is already deferred.")),
        ]

    def __str__(self):
        return f"{self.employer_id} {self.month:%Y-%m}"


class DeferralAccountRatioQuerySet(VisibleQuerySet):
    employer_path = "application__employer_id"


class DeferralAccountRatio(models.Model):
    """The ratios an account had before a ratio reduction lowered them, restored when the period ends."""

    application = models.ForeignKey(DeferralApplication, on_delete=models.CASCADE, related_name="account_ratios")
    account = models.ForeignKey(FundAccount, on_delete=models.PROTECT, related_name="+")
    employee_ratio = RateField(_("employee ratio before"))
    employer_ratio = RateField(_("employer ratio before"))
    applied_employee_ratio = RateField(_("employee ratio during the period"))
    applied_employer_ratio = RateField(_("employer ratio during the period"))

    objects = DeferralAccountRatioQuerySet.as_manager()

    class Meta:
        verbose_name = _("ratio before a reduction")
        verbose_name_plural = _("ratios before a reduction")
        constraints = [
            models.UniqueConstraint(fields=["application", "account"], name="deferral_account_ratio_unique"),
        ]

    def __str__(self):
        return f"{self.application_id} {self.account_id}"


# --- annual base adjustment (基数调整), DOMAIN.md §1.2 -------------------------------------------------

class BaseAdjustmentQuerySet(VisibleQuerySet):
    employer_path = "employer_id"


class BaseAdjustment(models.Model):
    """New bases submitted by an employer for a deposit year; applied to the accounts on ``effective_from``."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the new deposit year")
        APPLIED = "applied", _("Applied")
        SUPERSEDED = "superseded", _("Replaced by a later submission")

    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="base_adjustments",
                                 verbose_name=_("employer"))
    effective_from = models.DateField(_("effective from"), help_text=_("First day of the deposit year."))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING,
                              db_index=True)
    source = models.CharField(_("source"), max_length=40, blank=True, help_text=_("Form or file name."))
    line_count = models.PositiveIntegerField(_("employees"), default=0)
    clamped_count = models.PositiveIntegerField(_("bases raised to the floor or lowered to the cap"), default=0)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("submitted by"))
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    applied_on = models.DateField(_("applied on"), null=True, blank=True)
    history = HistoricalRecords()

    objects = BaseAdjustmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("base adjustment")
        verbose_name_plural = _("base adjustments")
        ordering = ["-effective_from", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["employer", "effective_from"], condition=models.Q(status="pending"),
                                    name="one_pending_base_adjustment_per_employer_year",
                                    violation_error_message=_("A base adjustment for that year is already "
                                                              "waiting.")),
        ]

    def __str__(self):
        return f"{self.employer_id} {self.effective_from:%Y-%m} {self.get_status_display()}"


class BaseAdjustmentLineQuerySet(VisibleQuerySet):
    employer_path = "adjustment__employer_id"


class BaseAdjustmentLine(models.Model):
    class Clamp(models.TextChoices):
        NONE = "", _("Within floor and cap")
        FLOOR = "floor", _("Raised to the floor")
        CAP = "cap", _("Lowered to the cap")

    adjustment = models.ForeignKey(BaseAdjustment, on_delete=models.CASCADE, related_name="lines")
    account = models.ForeignKey(FundAccount, on_delete=models.PROTECT, related_name="base_adjustment_lines",
                                verbose_name=_("account"))
    row = models.PositiveIntegerField(_("row"))
    wage = MoneyField(_("previous-year average monthly wage"))
    old_base = MoneyField(_("previous base"))
    new_base = MoneyField(_("new base"))
    clamped = models.CharField(_("clamped"), max_length=5, choices=Clamp.choices, blank=True)

    objects = BaseAdjustmentLineQuerySet.as_manager()

    class Meta:
        verbose_name = _("base adjustment line")
        verbose_name_plural = _("base adjustment lines")
        ordering = ["adjustment", "row"]
        constraints = [
            models.UniqueConstraint(fields=["adjustment", "account"], name="base_adjustment_line_unique"),
        ]

    def __str__(self):
        return f"{self.account_id} {self.old_base} → {self.new_base}"


# --- arrears (欠缴) and reminders (催缴), DOMAIN.md §1.6 ----------------------------------------------

class ArrearsRecordQuerySet(VisibleQuerySet):
    employer_path = "employer_id"


class ArrearsRecord(models.Model):
    """A month an employer should have paid (past payday + deadline, after its paid-up-to month) but did
    not pay in full. Kept up to date by the arrears job: cleared once the month is paid."""

    class Status(models.TextChoices):
        OPEN = "open", _("Unpaid")
        CLEARED = "cleared", _("Cleared")

    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="arrears",
                                 verbose_name=_("employer"))
    month = models.DateField(_("month"))
    headcount = models.PositiveIntegerField(_("employees"), default=0)
    amount_expected = MoneyField(_("amount expected"), default=0)
    amount_received = MoneyField(_("amount received"), default=0)
    amount_due = MoneyField(_("amount due"), default=0)
    deadline = models.DateField(_("deadline"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN,
                              db_index=True)
    detected_on = models.DateField(_("detected on"))
    checked_on = models.DateField(_("last checked on"))
    cleared_on = models.DateField(_("cleared on"), null=True, blank=True)

    objects = ArrearsRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("arrears record")
        verbose_name_plural = _("arrears records")
        ordering = ["employer", "month"]
        constraints = [
            models.UniqueConstraint(fields=["employer", "month"], name="one_arrears_record_per_employer_month"),
        ]

    def __str__(self):
        return f"{self.employer_id} {self.month:%Y-%m} {format_yuan(self.amount_due)} {self.status}"


# --- flexible workers (灵活就业人员), DOMAIN.md §1.9 ---------------------------------------------------

class FlexibleDepositQuerySet(VisibleQuerySet):
    depositor_path = "account__depositor__user"


class FlexibleDeposit(models.Model):
    """A flexible worker's payment: one bank statement line, one journal entry, one or more months.

    Remittance lists belong to an employer; a flexible worker has none, so the months paid are
    :class:`FlexibleDepositMonth` rows, the counterpart of posted remittance lines."""

    account = models.ForeignKey(FundAccount, on_delete=models.PROTECT, related_name="flexible_deposits",
                                verbose_name=_("account"))
    reference = models.CharField(_("reference"), max_length=40, unique=True)
    statement_line = models.OneToOneField(BankStatementLine, on_delete=models.PROTECT,
                                          related_name="flexible_deposit", verbose_name=_("bank line"))
    entry = models.OneToOneField(JournalEntry, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("posting"))
    month_from = models.DateField(_("first month"))
    month_to = models.DateField(_("last month"))
    months = models.PositiveSmallIntegerField(_("months"))
    amount = MoneyField(_("amount"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("created by"))
    history = HistoricalRecords()

    objects = FlexibleDepositQuerySet.as_manager()

    class Meta:
        verbose_name = _("flexible-worker deposit")
        verbose_name_plural = _("flexible-worker deposits")
        ordering = ["-id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="flexible_deposit_positive")]

    def __str__(self):
        return f"{self.reference} {format_yuan(self.amount)}"


class FlexibleDepositMonthQuerySet(VisibleQuerySet):
    depositor_path = "account__depositor__user"


class FlexibleDepositMonth(models.Model):
    deposit = models.ForeignKey(FlexibleDeposit, on_delete=models.CASCADE, related_name="lines")
    account = models.ForeignKey(FundAccount, on_delete=models.PROTECT, related_name="flexible_months",
                                verbose_name=_("account"))
    month = models.DateField(_("month covered"))
    base = MoneyField(_("deposit base"))
    ratio = RateField(_("ratio"))
    amount = MoneyField(_("amount"))
    posted = models.BooleanField(_("posted"), default=True)

    objects = FlexibleDepositMonthQuerySet.as_manager()

    class Meta:
        verbose_name = _("flexible-worker deposit month")
        verbose_name_plural = _("flexible-worker deposit months")
        ordering = ["account", "month"]
        constraints = [
            models.UniqueConstraint(fields=["account", "month"], condition=models.Q(posted=True),
                                    name="one_posted_flexible_deposit_per_account_month",
                                    violation_error_message=_("This month is already paid for this account.")),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="flexible_month_amount_positive"),
        ]

    def __str__(self):
        return f"{self.account_id} {self.month:%Y-%m} {format_yuan(self.amount)}"
