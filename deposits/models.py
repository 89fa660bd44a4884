"""Remittance lists (汇缴清册) and their lines, for regular monthly and supplementary payments."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Employer, FundAccount
from core.money import MoneyField, RateField
from ledger.models import BankStatementLine, JournalEntry


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
        return f"{self.account_id} {self.month:%Y-%m} {self.amount}"
