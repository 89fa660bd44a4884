"""Documents: certificates, the e-archive and the annual statements (DOMAIN.md §7)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import FundAccount
from core.models import BatchRun
from core.money import MoneyField, RateField

# --- annual statements (个人住房公积金年度对账单, DOMAIN.md §7.4) ----------------------------------------------


class AnnualStatement(models.Model):
    """One account's statement for one interest year (July 1 – June 30), computed from the journal by the
    statement run (``documents.services.statements``); never edited. ``closing`` is the ledger's balance at the
    end of the year (the cached balance less the lines dated after it); the identity
    opening + movements = closing must hold to the fen (``identity_ok``)."""

    year = models.PositiveSmallIntegerField(_("interest year ending in"))
    account = models.ForeignKey(
        FundAccount, on_delete=models.PROTECT, related_name="annual_statements", verbose_name=_("account")
    )
    run = models.ForeignKey(BatchRun, on_delete=models.PROTECT, related_name="+", verbose_name=_("run"))
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
