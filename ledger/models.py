"""Double-entry ledger: chart of accounts, journal entries and lines, holds, bank accounts,
bank instructions and statement lines, reconciliation runs.

Balances are cached on :class:`Account` in the account's normal direction (credit-normal accounts:
credits − debits; debit-normal: debits − credits). Only ``ledger.services`` writes them.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core import translatable
from core.money import MoneyField, format_yuan
from core.visibility import StaffOnlyQuerySet, VisibleQuerySet


class AccountKind(models.TextChoices):
    ASSET = "asset", _("Asset")
    LIABILITY = "liability", _("Liability")
    EQUITY = "equity", _("Equity")
    INCOME = "income", _("Income")
    EXPENSE = "expense", _("Expense")




class Side(models.TextChoices):
    DEBIT = "D", _("Debit")
    CREDIT = "C", _("Credit")


class Account(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    class Role(models.TextChoices):
        CONTROL = "control", _("Control account")
        PERSONAL = "personal", _("Personal fund account")
        SUSPENSE = "suspense", _("Suspense (暂收未分摊)")
        BANK = "bank", _("Bank deposit")
        GENERAL = "general", _("General")

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=10, choices=AccountKind.choices)
    # The one statement of which accounts are debit-normal (assets and expenses): a column the database computes
    # from the kind, read alike by the posting functions (ledger/sql), reports and Python.
    debit_normal = models.GeneratedField(
        expression=models.Q(kind__in=[AccountKind.ASSET, AccountKind.EXPENSE]),
        output_field=models.BooleanField(_("debit-normal")), db_persist=True)
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.GENERAL)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               verbose_name=_("control account"))
    status = models.CharField(_("status"), max_length=6, choices=Status.choices, default=Status.OPEN)
    allow_negative = models.BooleanField(_("may go below zero"), default=False)
    balance = MoneyField(_("balance"), default=0)
    held = MoneyField(_("held amount"), default=0)
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["balance", "held", "debit_normal"])

    class Meta:
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(held__gte=0), name="ledger_account_held_not_negative",
                                   violation_error_message=_("The held amount cannot be negative.")),
            models.CheckConstraint(
                condition=models.Q(allow_negative=True) | models.Q(balance__gte=0),
                name="ledger_account_no_negative_balance",
                violation_error_message=_("This account cannot have a negative balance."),
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def available(self):
        return self.balance - self.held


class JournalEntry(models.Model):
    business_date = models.DateField(_("business date"), db_index=True)
    posted_at = models.DateTimeField(_("posted at"), auto_now_add=True)
    business_type = models.CharField(_("business type"), max_length=4, blank=True,
                                     help_text=_("GJHTQYWLX code, e.g. 01 remittance, 09 interest"))
    memo = models.CharField(_("memo"), max_length=200, help_text=_("In the center's language"))
    memo_message = models.JSONField(_("memo message"), null=True, blank=True, editable=False,
                                    help_text=_("The memo's message and arguments, to say it in another language"))
    source = models.CharField(_("source"), max_length=80, blank=True, help_text=_("The business record posted"))
    idempotency_key = models.CharField(_("idempotency key"), max_length=120, null=True, blank=True)
    lines_hash = models.CharField(max_length=64, editable=False)
    line_count = models.PositiveIntegerField(default=0)
    total = MoneyField(_("total"), default=0)
    reversal_of = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="reversed_by", verbose_name=_("reverses"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("posted by"))

    class Meta:
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        ordering = ["-id"]
        # A constraint rather than unique=True: the same unique index without the second, pattern-matching
        # index Django adds for a unique CharField (every posting would maintain it for nothing).
        constraints = [models.UniqueConstraint(fields=["idempotency_key"], name="journal_entry_idempotency_key")]

    def __str__(self):
        return f"#{self.pk} {self.business_date} {self.memo}"

    @property
    def localized_memo(self):
        """The memo in the reader's language."""
        return translatable.localized(self.memo, self.memo_message)


class JournalLineQuerySet(VisibleQuerySet):
    """Lines of a personal fund account are its holder's; every other line is the center's (staff only)."""

    depositor_path = "account__fund_account__depositor__user"


class JournalLine(models.Model):
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="lines")
    # Indexed by line_account_date_idx, which starts with the account: no index of its own.
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="lines", db_index=False)
    side = models.CharField(_("side"), max_length=1, choices=Side.choices)
    amount = MoneyField(_("amount"))
    business_date = models.DateField(_("business date"))
    memo = models.CharField(_("memo"), max_length=120, blank=True)
    # Only when the line says something of its own (the entry's message is not repeated on every line).
    memo_message = models.JSONField(_("memo message"), null=True, blank=True, editable=False)

    objects = JournalLineQuerySet.as_manager()

    class Meta:
        verbose_name = _("journal line")
        verbose_name_plural = _("journal lines")
        indexes = [models.Index(fields=["account", "business_date", "id"], name="line_account_date_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="journal_line_amount_positive",
                                   violation_error_message=_("A journal line amount must be positive.")),
            models.CheckConstraint(condition=models.Q(side__in=["D", "C"]), name="journal_line_side_valid"),
        ]

    def __str__(self):
        return f"{self.side} {format_yuan(self.amount)} {self.account_id}"

    @property
    def localized_memo(self):
        """The line's memo in the reader's language; the entry's when the line has none of its own (or repeats
        the entry's)."""
        if self.memo_message:
            return translatable.localized(self.memo, self.memo_message)
        if not self.memo or self.memo == self.entry.memo[:120]:
            return self.entry.localized_memo
        return self.memo


class HoldQuerySet(VisibleQuerySet):
    depositor_path = "account__fund_account__depositor__user"


class Hold(models.Model):
    """An amount of a balance that may not be used (judicial freeze, pending payout, ...)."""

    class Kind(models.TextChoices):
        JUDICIAL = "judicial", _("Judicial freeze")
        LOAN_SECURITY = "loan_security", _("Security for a loan")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        RELEASED = "released", _("Released")
        CONSUMED = "consumed", _("Consumed")

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="holds")
    amount = MoneyField(_("amount"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    reference = models.CharField(_("reference"), max_length=120)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    created_on = models.DateField(_("business date"))
    released_on = models.DateField(_("released on"), null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    history = HistoricalRecords()

    objects = HoldQuerySet.as_manager()

    class Meta:
        verbose_name = _("hold")
        verbose_name_plural = _("holds")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="hold_amount_positive",
                                   violation_error_message=_("A hold must be for a positive amount.")),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {format_yuan(self.amount)} ({self.get_status_display()})"


class Bank(models.TextChoices):
    ICBC = "102", _("Industrial and Commercial Bank of China")
    ABC = "103", _("Agricultural Bank of China")
    BOC = "104", _("Bank of China")
    CCB = "105", _("China Construction Bank")
    BOCOM = "301", _("Bank of Communications")


class BankAccount(models.Model):
    """One of the center's accounts at an entrusted bank (专户), mapped to a ledger account."""

    class Purpose(models.TextChoices):
        DEPOSIT = "deposit", _("Deposit collection")
        SETTLEMENT = "settlement", _("Settlement")
        LOAN_FUND = "loan_fund", _("Loan fund")
        VALUE_ADDED = "value_added", _("Value-added income")

    bank = models.CharField(_("bank"), max_length=3, choices=Bank.choices)
    number = models.CharField(_("account number"), max_length=32, unique=True)
    name = models.CharField(_("account name"), max_length=120)
    purpose = models.CharField(_("purpose"), max_length=12, choices=Purpose.choices, default=Purpose.DEPOSIT)
    ledger_account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="bank_account")
    opening_balance = MoneyField(_("statement opening balance"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")

    def __str__(self):
        return f"{self.get_bank_display()} {self.number}"


class BankInstruction(models.Model):
    """An outgoing payment order to a bank. The ledger is posted when it is created."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SETTLED = "settled", _("Settled")
        FAILED = "failed", _("Failed")

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    bank_account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="instructions")
    amount = MoneyField(_("amount"))
    payee_name = models.CharField(_("payee name"), max_length=120)
    payee_account = models.CharField(_("payee account"), max_length=40)
    payee_bank = models.CharField(_("payee bank"), max_length=120, blank=True)
    purpose = models.CharField(_("purpose"), max_length=120)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    entry = models.OneToOneField(JournalEntry, on_delete=models.PROTECT, related_name="bank_instruction")
    created_on = models.DateField(_("business date"))
    settled_on = models.DateField(_("settled on"), null=True, blank=True)
    failure_reason = models.CharField(_("failure reason"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=80, blank=True)
    history = HistoricalRecords()

    objects = StaffOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("bank instruction")
        verbose_name_plural = _("bank instructions")
        ordering = ["-id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="instruction_amount_positive")]

    def __str__(self):
        return f"{self.reference} {format_yuan(self.amount)} {self.get_status_display()}"


class BankStatement(models.Model):
    """One import of a bank statement: who brought it, through which channel, the file's SHA-256 and the bank's
    own closing balance after its lines (what the reconciliation compares the books with).

    Lines received from the bank through its API credentials are the bank's word and usable at once; a file
    imported (or lines entered) by finance staff waits for a second finance person to confirm it, and its
    lines cannot be matched before, nor ever by the person who imported it."""

    class Channel(models.TextChoices):
        BANK = "bank", _("Bank channel (API)")
        FILE = "file", _("File imported by finance")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a second confirmation")
        CONFIRMED = "confirmed", _("Confirmed")

    bank_account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="statements")
    channel = models.CharField(_("channel"), max_length=4, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=9, choices=Status.choices)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("imported by"))
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    file_sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    closing_balance = MoneyField(_("bank's closing balance"))
    line_count = models.PositiveIntegerField(_("new lines"), default=0)
    # The highest statement line id of the bank account once this import was written: the bank's closing
    # balance covers every line of the account up to it.
    last_line_id = models.BigIntegerField(default=0, editable=False)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("confirmed by"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    objects = StaffOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("bank statement")
        verbose_name_plural = _("bank statements")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="pending", channel="file", confirmed_by__isnull=True)
                | models.Q(status="confirmed", channel="file", confirmed_by__isnull=False)
                | models.Q(status="confirmed", channel="bank", confirmed_by__isnull=True),
                name="statement_confirmed_by_someone"),
            models.CheckConstraint(condition=~models.Q(confirmed_by=models.F("imported_by")),
                                   name="statement_confirmed_by_another_person"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.bank_account_id} {self.closing_balance} {self.get_status_display()}"


class BankStatementLine(models.Model):
    """A line of an entrusted bank's statement, imported from CSV or received through the API."""

    class Direction(models.TextChoices):
        CREDIT = "C", _("Money in")
        DEBIT = "D", _("Money out")

    class Match(models.TextChoices):
        UNMATCHED = "unmatched", _("Unmatched")
        BOOKED = "booked", _("Booked")
        SUSPENSE = "suspense", _("Booked to suspense")

    bank_account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="statement_lines")
    statement = models.ForeignKey(BankStatement, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="lines", verbose_name=_("statement"),
                                  help_text=_("Empty for a payment the bank confirmed on its own"))
    bank_reference = models.CharField(_("bank serial number"), max_length=40)
    value_date = models.DateField(_("value date"))
    direction = models.CharField(_("direction"), max_length=1, choices=Direction.choices)
    amount = MoneyField(_("amount"))
    counterparty_name = models.CharField(_("counterparty"), max_length=120, blank=True)
    counterparty_account = models.CharField(_("counterparty account"), max_length=40, blank=True)
    remark = models.CharField(_("remark"), max_length=200, blank=True)
    match_status = models.CharField(_("match"), max_length=10, choices=Match.choices, default=Match.UNMATCHED)
    entry = models.ForeignKey(JournalEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    instruction = models.OneToOneField(BankInstruction, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="statement_line")
    imported_at = models.DateTimeField(auto_now_add=True)

    objects = StaffOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("bank statement line")
        verbose_name_plural = _("bank statement lines")
        ordering = ["value_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["bank_account", "bank_reference"], name="statement_line_unique_ref",
                                    violation_error_message=_("This bank serial number was already imported.")),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="statement_amount_positive"),
        ]
        # The receipts waiting to be matched (the bank page, the staff home, matching): few among many lines.
        indexes = [models.Index(fields=["direction", "id"], condition=models.Q(match_status="unmatched"),
                                name="statement_line_unmatched")]

    def __str__(self):
        return f"{self.bank_reference} {self.direction} {format_yuan(self.amount)}"


class SettingChange(models.Model):
    """A change of what the reconciliation and the posting accept: an account's overdraft permission or a bank
    account's statement opening balance. Requested by one person with a reason and applied only when a second
    person confirms it (four eyes, core.workflow: the steps are CaseTransitions, the actions audit events)."""

    class Kind(models.TextChoices):
        OVERDRAFT = "overdraft", _("Overdraft permission")
        OPENING_BALANCE = "opening", _("Statement opening balance")

    class State(models.TextChoices):
        REQUESTED = "requested", _("Waiting for a second person")
        APPLIED = "applied", _("Confirmed and applied")
        REJECTED = "rejected", _("Rejected")

    kind = models.CharField(_("change"), max_length=9, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=9, choices=State.choices, default=State.REQUESTED)
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("ledger account"))
    allow_negative = models.BooleanField(_("may go below zero"), null=True, blank=True)
    bank_account = models.ForeignKey(BankAccount, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("bank account"))
    opening_balance = MoneyField(_("statement opening balance"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200)
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)

    objects = StaffOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger setting change")
        verbose_name_plural = _("ledger setting changes")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="overdraft", account__isnull=False, allow_negative__isnull=False,
                                   bank_account__isnull=True, opening_balance__isnull=True)
                | models.Q(kind="opening", account__isnull=True, allow_negative__isnull=True,
                           bank_account__isnull=False, opening_balance__isnull=False),
                name="setting_change_one_target"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.get_kind_display()} {self.get_state_display()}"


class ReconciliationRun(models.Model):
    business_date = models.DateField(_("business date"))
    created_at = models.DateTimeField(auto_now_add=True)
    ok = models.BooleanField(_("all agree"))
    report = models.JSONField(_("report"))

    class Meta:
        verbose_name = _("reconciliation run")
        verbose_name_plural = _("reconciliation runs")
        ordering = ["-id"]

    def __str__(self):
        return f"{self.business_date} {'OK' if self.ok else 'DIFFERENCES'}"
