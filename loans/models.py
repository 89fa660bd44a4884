"""Housing loan applications, their parties, contracts and repayment schedules (DOMAIN.md §4).

An application moves through the workflow of :mod:`loans.services.flow` (草稿 → 受理 → 审核 → 审批); its
eligibility and limit are computed by :mod:`loans.rules` and :mod:`loans.calculations` and stored with their
explanation. A contract carries the loan's terms; its schedule is computed by :func:`loans.calculations.amortise`
and stored as a plan (:class:`SchedulePlan`) with the installments due within the horizon as rows.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Depositor, FundAccount
from core import roles, translatable
from core.money import MoneyField, RateField, format_yuan
from core.visibility import VisibleQuerySet
from ledger.models import Account, BankInstruction, BankStatementLine, JournalEntry
from loans.calculations import EQUAL_INSTALLMENT, EQUAL_PRINCIPAL, MAX_MONTHS, due_date, fen, yuan

STAFF_LOAN_ROLES = roles.READ_ROLES


class Method(models.TextChoices):
    """[HANDGE] RepaymentMethod 01 / 02."""

    EQUAL_INSTALLMENT = EQUAL_INSTALLMENT, _("Equal installment (等额本息)")
    EQUAL_PRINCIPAL = EQUAL_PRINCIPAL, _("Equal principal (等额本金)")


class Purpose(models.TextChoices):
    PURCHASE = "purchase", _("Buying a home")
    BUILD = "build", _("Building or rebuilding a home")
    REPAIR = "repair", _("Major repair")
    CONVERSION = "conversion", _("Commercial-to-fund conversion (商转公)")


class PropertyKind(models.TextChoices):
    NEW = "new", _("New home (presale or completed)")
    RESALE = "resale", _("Resale home")
    OWN = "own", _("Own home (build or repair)")


class FemaleCategory(models.TextChoices):
    """Women's statutory retirement category (DOMAIN.md §4.4); not used for men."""

    CADRE = "cadre", _("Cadre (55 → 58)")
    WORKER = "worker", _("Worker (50 → 55)")


class PartyVisibleQuerySet(VisibleQuerySet):
    """Staff see every row; a depositor the rows of the applications they borrow on: as borrower
    (``depositor_path``) or as spouse or co-borrower (a party of the application at ``application_path``)."""

    staff_roles = STAFF_LOAN_ROLES
    application_path = "pk"

    def own_rows(self, user):
        condition = super().own_rows(user)
        if condition is None:
            return None
        parties = LoanParty.objects.filter(application=OuterRef(self.application_path), depositor__user=user)
        return condition | Q(Exists(parties))


class LoanApplicationQuerySet(PartyVisibleQuerySet):
    """Staff see every application; a depositor those they borrow on: as borrower, spouse or co-borrower."""

    depositor_path = "borrower__user"


class LoanApplication(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted online")
        ACCEPTED = "accepted", _("Accepted")
        REVIEWED = "reviewed", _("Reviewed")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned for more documents")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    class Channel(models.TextChoices):
        COUNTER = "counter", _("Counter")
        ONLINE = "online", _("Online")

    number = models.CharField(_("application number"), max_length=30, unique=True)
    borrower = models.ForeignKey(
        Depositor, on_delete=models.PROTECT, related_name="loan_applications", verbose_name=_("borrower")
    )
    account = models.ForeignKey(
        FundAccount, on_delete=models.PROTECT, related_name="loan_applications", verbose_name=_("fund account")
    )
    female_category = models.CharField(
        _("retirement category"), max_length=10, choices=FemaleCategory.choices, blank=True
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.COUNTER)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.DRAFT, db_index=True)
    application_date = models.DateField(
        _("application date"), help_text=_("The rules and policy in force on this date apply.")
    )
    purpose = models.CharField(_("purpose"), max_length=12, choices=Purpose.choices, default=Purpose.PURCHASE)
    # the home
    property_address = models.CharField(_("property address"), max_length=200)
    property_kind = models.CharField(_("property kind"), max_length=10, choices=PropertyKind.choices)
    property_price = MoneyField(_("price"))
    property_area = models.DecimalField(_("area (m²)"), max_digits=10, decimal_places=2)
    green_building = models.BooleanField(_("green or prefabricated building"), default=False)
    ownership_share = models.DecimalField(
        _("buyer's ownership share"),
        max_digits=5,
        decimal_places=4,
        default=1,
        help_text=_("Shared-ownership homes (共有产权房): the buyer's share, e.g. 0.6000."),
    )
    purchase_certificate_number = models.CharField(
        _("purchase contract or title certificate number"),
        max_length=60,
        blank=True,
        db_default="",
        help_text=_("The home this loan is for, as the real-estate registry records it: not counted as a home owned."),
    )
    # computed at each assessment from the real-estate registry (settings.LOAN_PROPERTY_SOURCE), never typed
    homes_owned = models.PositiveSmallIntegerField(
        _("homes owned in the city"),
        default=0,
        help_text=_("Homes of the borrower and the spouse in the registry, without the home of this application."),
    )
    owned_home_loan_unpaid = models.BooleanField(_("a loan on the home owned is still being repaid"), default=False)
    # the household
    children = models.PositiveSmallIntegerField(_("number of children"), default=0)
    monthly_income = MoneyField(_("monthly income of all borrowers"))
    other_monthly_debt = MoneyField(_("other monthly debt payments"), default=0)
    # the request
    requested_amount = MoneyField(_("amount requested"))
    term_months = models.PositiveSmallIntegerField(_("term (months)"))
    method = models.CharField(
        _("repayment method"), max_length=20, choices=Method.choices, default=Method.EQUAL_INSTALLMENT
    )
    commercial_remaining = MoneyField(
        _("commercial principal still owed"),
        null=True,
        blank=True,
        help_text=_("Commercial-to-fund conversion only: the remaining principal of the bank loan."),
    )
    commercial_remaining_months = models.PositiveSmallIntegerField(
        _("commercial loan months remaining"),
        null=True,
        blank=True,
        help_text=_("Commercial-to-fund conversion only: the fund loan's term may not be longer."),
    )
    # the commercial bank loan: the one converted (商转公, the disbursement pays this bank) or the commercial part
    # of a combined loan (组合贷: its own contract, rate and schedule at the bank; not posted in our ledger)
    commercial_bank = models.CharField(_("commercial bank"), max_length=120, blank=True, db_default="")
    commercial_loan_number = models.CharField(_("commercial loan number"), max_length=40, blank=True, db_default="")
    commercial_amount = MoneyField(
        _("commercial part of a combined loan"),
        null=True,
        blank=True,
        help_text=_("Combined loan (组合贷) only: the amount the commercial bank lends on the same home."),
    )
    commercial_rate = RateField(_("commercial annual rate"), null=True, blank=True)
    commercial_term_months = models.PositiveSmallIntegerField(_("commercial term (months)"), null=True, blank=True)
    commercial_method = models.CharField(
        _("commercial repayment method"), max_length=20, choices=Method.choices, blank=True, db_default=""
    )
    credit_ok = models.BooleanField(_("credit report checked and good"), null=True, blank=True)
    # computed (rules and calculations), with the explanation the pages show
    annual_rate = RateField(_("annual rate"), null=True, blank=True)
    limit_amount = MoneyField(_("loan limit"), null=True, blank=True)
    limit_binding = models.CharField(_("binding limit"), max_length=20, blank=True)
    max_term_months = models.PositiveSmallIntegerField(_("longest term (months)"), null=True, blank=True)
    assessment = models.JSONField(_("eligibility and limit"), default=dict, blank=True)
    assessed_on = models.DateField(_("assessed on"), null=True, blank=True)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    decision_due = models.DateField(_("decision due"), null=True, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    # the workbench's clocks (loans.services.documents): when the application was last complete (submitted online
    # or accepted with every required document, or resubmitted after a return) and whether every check passed on
    # data the center holds itself (the fast lane, computed at each assessment)
    completed_at = models.DateTimeField(_("complete since"), null=True, blank=True)
    fast_lane = models.BooleanField(_("fast lane"), default=False, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    objects = LoanApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("loan application")
        verbose_name_plural = _("loan applications")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(requested_amount__gt=0),
                name="loan_application_amount_positive",
                violation_error_message=_("The amount must be greater than zero."),
            ),
            models.CheckConstraint(
                condition=Q(term_months__gte=1, term_months__lte=MAX_MONTHS),
                name="loan_application_term_range",
                violation_error_message=_("The term must be between 1 and 480 months."),
            ),
            models.CheckConstraint(condition=Q(property_price__gt=0), name="loan_application_price_positive"),
            models.CheckConstraint(condition=Q(property_area__gt=0), name="loan_application_area_positive"),
            models.CheckConstraint(
                condition=Q(monthly_income__gte=0, other_monthly_debt__gte=0), name="loan_application_income_debt"
            ),
            models.CheckConstraint(
                condition=Q(ownership_share__gt=0, ownership_share__lte=1), name="loan_application_share_range"
            ),
            models.CheckConstraint(condition=Q(children__lte=20), name="loan_application_children_range"),
            models.CheckConstraint(
                condition=Q(limit_amount__isnull=True) | Q(limit_amount__gte=0), name="loan_application_limit"
            ),
            models.CheckConstraint(
                condition=Q(annual_rate__isnull=True) | Q(annual_rate__gte=0, annual_rate__lte=1),
                name="loan_application_rate_range",
            ),
            models.CheckConstraint(
                condition=~Q(purpose=Purpose.CONVERSION)
                | Q(commercial_remaining__isnull=False, commercial_remaining__gt=0),
                name="loan_conversion_needs_commercial_principal",
                violation_error_message=_("A commercial-to-fund conversion needs the commercial principal owed."),
            ),
            models.CheckConstraint(
                condition=~Q(purpose=Purpose.CONVERSION)
                | Q(
                    commercial_remaining_months__gte=1,
                    commercial_remaining_months__lte=MAX_MONTHS,
                    commercial_bank__gt="",
                    commercial_loan_number__gt="",
                ),
                name="loan_conversion_needs_commercial_loan",
                violation_error_message=_(
                    "A commercial-to-fund conversion needs the bank, the loan number and the months remaining."
                ),
            ),
            models.CheckConstraint(
                condition=Q(commercial_amount__isnull=True)
                | (
                    ~Q(purpose=Purpose.CONVERSION)
                    & Q(
                        commercial_amount__gt=0,
                        commercial_rate__gte=0,
                        commercial_rate__lte=1,
                        commercial_term_months__gte=1,
                        commercial_term_months__lte=MAX_MONTHS,
                        commercial_bank__gt="",
                        commercial_method__in=[EQUAL_INSTALLMENT, EQUAL_PRINCIPAL],
                    )
                ),
                name="loan_combined_commercial_part",
                violation_error_message=_(
                    "The commercial part of a combined loan needs its bank, amount, rate, term and method."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.number} {format_yuan(self.requested_amount)}"

    @property
    def second_home(self) -> bool:
        return self.homes_owned >= 1

    @property
    def combined(self) -> bool:
        """A combined loan (组合贷): a commercial bank lends the rest on the same home."""
        return self.commercial_amount is not None


class LoanPartyQuerySet(VisibleQuerySet):
    staff_roles = STAFF_LOAN_ROLES

    def own_rows(self, user):
        if not roles.has_role(user, roles.DEPOSITOR):
            return None
        return Q(application__borrower__user=user) | Q(depositor__user=user)


class LoanParty(models.Model):
    """The spouse or a co-borrower of an application: a depositor of this center or not (then their name,
    ID number and the fund balance their own center certifies)."""

    class Role(models.TextChoices):
        SPOUSE = "spouse", _("Spouse")
        CO_BORROWER = "co_borrower", _("Co-borrower")

    application = models.ForeignKey(LoanApplication, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    depositor = models.ForeignKey(
        Depositor,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="loan_parties",
        verbose_name=_("depositor of this center"),
    )
    name = models.CharField(_("name"), max_length=60)
    id_number = models.CharField(_("ID number"), max_length=18)
    female_category = models.CharField(
        _("retirement category"),
        max_length=10,
        choices=FemaleCategory.choices,
        blank=True,
        db_default="",
        help_text=_("Women only; a woman is a worker (50 → 55) unless recorded as a cadre."),
    )
    other_center_balance = MoneyField(
        _("fund balance at another center"),
        null=True,
        blank=True,
        help_text=_("For a person who deposits with another center: the balance on its certificate."),
    )
    history = HistoricalRecords()

    objects = LoanPartyQuerySet.as_manager()

    class Meta:
        verbose_name = _("loan party")
        verbose_name_plural = _("loan parties")
        ordering = ["application", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(role="spouse"),
                name="loan_one_spouse",
                violation_error_message=_("An application has at most one spouse."),
            ),
            models.UniqueConstraint(
                fields=["application", "id_number"],
                name="loan_party_once",
                violation_error_message=_("This person is already a party of the application."),
            ),
            models.CheckConstraint(
                condition=Q(other_center_balance__isnull=True) | Q(other_center_balance__gte=0),
                name="loan_party_balance_nonnegative",
            ),
        ]

    def __str__(self):
        return f"{self.application_id} {self.get_role_display()} {self.name}"


class PayeeKind(models.TextChoices):
    """Where a loan is paid (DOMAIN.md §4.8)."""

    PRESALE_ESCROW = "presale_escrow", _("Presale-funds supervision account (预售资金监管账户)")
    TRANSACTION_ESCROW = "escrow", _("Transaction-funds escrow account")
    SELLER = "seller", _("The seller's account")
    COMMERCIAL_BANK = "commercial_bank", _("The commercial bank (commercial-to-fund conversion)")
    BORROWER = "borrower", _("The borrower or the builder (build or repair)")


class EscrowAccount(models.Model):
    """A supervision or escrow account the center may pay loans into: the developers' presale-funds supervision
    accounts (the only payees of a loan for a new home) and the transaction-funds escrow accounts."""

    class Kind(models.TextChoices):
        PRESALE = "presale", _("Presale-funds supervision account")
        TRANSACTION = "transaction", _("Transaction-funds escrow account")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    number = models.CharField(_("account number"), max_length=40, unique=True)
    name = models.CharField(_("account name"), max_length=120)
    bank = models.CharField(_("bank"), max_length=120)
    project = models.CharField(_("project"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("escrow account")
        verbose_name_plural = _("escrow accounts")
        ordering = ["number"]

    def __str__(self):
        return f"{self.name} {self.number}"


class LoanContractQuerySet(PartyVisibleQuerySet):
    depositor_path = "borrower__user"
    application_path = "application_id"


class LoanContract(models.Model):
    """A signed loan: its terms and, once disbursed, its state ([HANDGE] loan account states, DOMAIN.md §4.9)."""

    class Status(models.TextChoices):
        AWAITING_DISBURSEMENT = "awaiting_disbursement", _("Awaiting disbursement")
        DISBURSING = "disbursing", _("Disbursing (waiting for the bank)")
        NORMAL = "normal", _("Normal")
        OVERDUE = "overdue", _("Overdue")
        PAID_OFF = "paid_off", _("Paid off")
        WRITTEN_OFF = "written_off", _("Written off")
        CANCELLED = "cancelled", _("Cancelled")

    number = models.CharField(_("contract number"), max_length=30, unique=True)
    application = models.OneToOneField(
        LoanApplication, on_delete=models.PROTECT, related_name="contract", verbose_name=_("application")
    )
    borrower = models.ForeignKey(
        Depositor, on_delete=models.PROTECT, related_name="loan_contracts", verbose_name=_("borrower")
    )
    status = models.CharField(
        _("status"), max_length=24, choices=Status.choices, default=Status.AWAITING_DISBURSEMENT, db_index=True
    )
    principal = MoneyField(_("principal"))
    annual_rate = RateField(_("annual rate"))
    term_months = models.PositiveSmallIntegerField(_("term (months)"))
    method = models.CharField(_("repayment method"), max_length=20, choices=Method.choices)
    signed_on = models.DateField(_("signed on"))
    first_due_date = models.DateField(_("first due date"))
    disbursed_on = models.DateField(_("disbursed on"), null=True, blank=True)
    disbursed_at = models.DateTimeField(
        _("disbursement sent at"), null=True, blank=True, help_text=_("Stops the fast-lane clock of the application.")
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    collateral_title_number = models.CharField(_("property title number"), max_length=60, blank=True)
    mortgage_registered_on = models.DateField(_("mortgage registered on"), null=True, blank=True)
    # the mortgage released after the payoff (loans.services.fund_repayments.record_mortgage_release)
    mortgage_released_on = models.DateField(_("mortgage released on"), null=True, blank=True)
    mortgage_release_number = models.CharField(_("mortgage release number"), max_length=60, blank=True)
    # disbursement (loans.services.disbursement): the loan's own ledger sub-accounts under 121 (normal principal)
    # and 122 (overdue principal), the payee and the bank instruction of the latest attempt
    ledger_account = models.OneToOneField(
        Account,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="loan_contract",
        verbose_name=_("ledger account"),
    )
    overdue_account = models.OneToOneField(
        Account,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="overdue_loan_contract",
        verbose_name=_("overdue principal ledger account"),
    )
    payee_kind = models.CharField(_("payee kind"), max_length=16, choices=PayeeKind.choices, blank=True)
    payee_name = models.CharField(_("payee name"), max_length=120, blank=True)
    payee_account = models.CharField(_("payee account"), max_length=40, blank=True)
    payee_bank = models.CharField(_("payee bank"), max_length=120, blank=True)
    disbursement = models.OneToOneField(
        BankInstruction,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="loan_contract",
        verbose_name=_("disbursement instruction"),
    )
    # the borrower's own bank card the monthly debit run (loans.services.debits) collects the installments from
    # (a database default too: the set-based builders of bench/ insert contracts with raw SQL)
    repayment_card = models.CharField(_("repayment bank card"), max_length=32, blank=True, db_default="")
    repayment_card_bank = models.CharField(_("repayment card bank"), max_length=120, blank=True, db_default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    objects = LoanContractQuerySet.as_manager()

    class Meta:
        verbose_name = _("loan contract")
        verbose_name_plural = _("loan contracts")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(principal__gt=0),
                name="loan_contract_principal_positive",
                violation_error_message=_("The amount must be greater than zero."),
            ),
            models.CheckConstraint(
                condition=Q(annual_rate__gte=0, annual_rate__lte=1), name="loan_contract_rate_range"
            ),
            models.CheckConstraint(
                condition=Q(term_months__gte=1, term_months__lte=MAX_MONTHS),
                name="loan_contract_term_range",
                violation_error_message=_("The term must be between 1 and 480 months."),
            ),
            models.CheckConstraint(condition=Q(first_due_date__gt=F("signed_on")), name="loan_contract_first_due"),
        ]

    def __str__(self):
        return f"{self.number} {format_yuan(self.principal)}"


class ScheduleInstallmentQuerySet(PartyVisibleQuerySet):
    depositor_path = "contract__borrower__user"
    application_path = "contract__application_id"

    def in_force_of(self, contract_id) -> list:
        """The whole schedule in force of a contract, in order: its stored rows not superseded (the installments
        due up to the horizon, :class:`SchedulePlan`), then the installments its plan has beyond them, as unsaved
        rows (``pk`` None, ``planned`` True) with nothing paid. Empty when this queryset leaves the contract out
        (e.g. ``visible_to`` a depositor who is not a party)."""
        rows = list(self.filter(contract_id=contract_id, superseded_on__isnull=True).order_by("number"))
        for row in rows:
            row.planned = False
        if not rows:
            return rows
        plan = SchedulePlan.objects.filter(contract_id=contract_id, superseded_on__isnull=True).first()
        if plan is not None:
            first_due = LoanContract.objects.filter(pk=contract_id).values_list("first_due_date", flat=True).get()
            rows += plan.rows_after(rows[-1].number, first_due)
        return rows


class ScheduleInstallment(models.Model):
    """One installment of a contract's schedule, as :func:`loans.calculations.schedule` computed it."""

    # the database guarantees the contract exists by statement-level triggers (loans/sql/installment_contract.sql)
    # rather than a foreign key constraint, whose row-level check doubled the cost of storing schedules
    contract = models.ForeignKey(
        LoanContract, on_delete=models.PROTECT, related_name="installments", db_constraint=False
    )
    number = models.PositiveSmallIntegerField(_("installment"))
    due_date = models.DateField(_("due date"))
    principal = MoneyField(_("principal"))
    interest = MoneyField(_("interest"))
    payment = MoneyField(_("payment"))
    balance = MoneyField(_("principal remaining after"))
    annual_rate = RateField(_("annual rate"))
    principal_paid = MoneyField(_("principal paid"), default=0)
    interest_paid = MoneyField(_("interest paid"), default=0)
    penalty_paid = MoneyField(_("penalty interest paid"), default=0)
    # the daily close of business (loans.services.close_of_business): the penalty interest accrued so far (the
    # rounded cumulative total of loans.calculations.penalty_interest, never less than what was paid) and the date
    # the installment first went overdue (kept when cured: it counts towards the cumulative overdue periods)
    penalty_accrued = MoneyField(_("penalty interest accrued"), default=0, db_default=0)
    overdue_on = models.DateField(_("went overdue on"), null=True, blank=True)
    superseded_on = models.DateField(
        _("superseded on"),
        null=True,
        blank=True,
        help_text=_("Replaced by a re-amortised schedule (prepayment) or closed by a payoff on this date."),
    )
    interest_accrued_on = models.DateField(
        _("interest accrued on"),
        null=True,
        blank=True,
        help_text=_("The day its unpaid interest was booked to 131 interest receivable (it fell due)."),
    )

    objects = ScheduleInstallmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("schedule installment")
        verbose_name_plural = _("schedule installments")
        ordering = ["contract", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "number"],
                condition=Q(superseded_on__isnull=True),
                name="loan_installment_number_once",
                violation_error_message=_("This installment is already in the schedule."),
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="loan_installment_number_positive"),
            models.CheckConstraint(condition=Q(principal__gt=0), name="loan_installment_principal_positive"),
            models.CheckConstraint(condition=Q(interest__gte=0), name="loan_installment_interest_nonnegative"),
            models.CheckConstraint(
                condition=Q(payment=F("principal") + F("interest")), name="loan_installment_payment_sum"
            ),
            models.CheckConstraint(condition=Q(balance__gte=0), name="loan_installment_balance_nonnegative"),
            models.CheckConstraint(
                condition=Q(principal_paid__gte=0, principal_paid__lte=F("principal")),
                name="loan_installment_principal_paid_range",
            ),
            models.CheckConstraint(
                condition=Q(interest_paid__gte=0, interest_paid__lte=F("interest")),
                name="loan_installment_interest_paid_range",
            ),
            models.CheckConstraint(condition=Q(penalty_paid__gte=0), name="loan_installment_penalty_paid"),
        ]
        indexes = [
            models.Index(fields=["due_date"], name="loan_installment_due"),
            # the installments whose interest has not fallen due yet (loans.services.accrual)
            models.Index(
                fields=["due_date"],
                name="loan_installment_to_accrue",
                condition=Q(interest_accrued_on__isnull=True, superseded_on__isnull=True),
            ),
            # the close of business reads only the unpaid installments due by the business date: a partial index
            # holds just those (and the few not yet due), never a loan's paid history
            models.Index(
                fields=["due_date", "contract"],
                name="loan_installment_unpaid_due",
                condition=Q(superseded_on__isnull=True)
                & (Q(principal_paid__lt=F("principal")) | Q(interest_paid__lt=F("interest"))),
            ),
        ]

    def __str__(self):
        return f"{self.contract_id} #{self.number} {self.due_date} {self.payment}"


class SchedulePlan(models.Model):
    """A contract's schedule as it was last amortised, whole: installments ``first_number`` … the last, their
    principal and interest in whole fen (what :func:`loans.calculations.amortise` computed), the principal before
    the first of them and the rate. Written with the schedule (signing, a prepayment, a repricing: the old plan is
    superseded); one plan in force per contract.

    The installments themselves are stored as :class:`ScheduleInstallment` rows only up to a horizon
    (``loans.schedule_horizon_months`` after the business date; at least the plan's first): the rows are what
    repayments, debits and overdue work on and what records the amounts paid. The daily job
    :func:`loans.services.schedules.extend_schedules` stores the next ones from the plan as their due dates come
    within the horizon; :meth:`ScheduleInstallmentQuerySet.in_force_of` gives the whole schedule (rows, then the
    plan beyond them). A 30-year loan thus costs one plan row and about a dozen installment rows, not 360."""

    contract = models.ForeignKey(LoanContract, on_delete=models.PROTECT, related_name="plans")
    first_number = models.PositiveSmallIntegerField(_("first installment"))
    balance = MoneyField(_("principal before the first installment"))
    annual_rate = RateField(_("annual rate"))
    principals = ArrayField(models.BigIntegerField(), verbose_name=_("principal per installment (fen)"))
    interests = ArrayField(models.BigIntegerField(), verbose_name=_("interest per installment (fen)"))
    created_on = models.DateField(_("amortised on"))
    superseded_on = models.DateField(_("superseded on"), null=True, blank=True)

    class Meta:
        verbose_name = _("schedule plan")
        verbose_name_plural = _("schedule plans")
        ordering = ["contract", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract"], condition=Q(superseded_on__isnull=True), name="loan_plan_one_in_force"
            ),
            models.CheckConstraint(condition=Q(first_number__gte=1), name="loan_plan_first_number_positive"),
            models.CheckConstraint(condition=Q(balance__gt=0), name="loan_plan_balance_positive"),
        ]

    def __str__(self):
        return f"{self.contract_id} #{self.first_number}+{len(self.principals)}"

    @property
    def last_number(self) -> int:
        return self.first_number + len(self.principals) - 1

    def rows_after(self, number: int, first_due) -> list:
        """Installments ``number`` + 1 … the last of the plan as unsaved :class:`ScheduleInstallment` rows, dated
        from ``first_due`` (the contract's installment 1) by :func:`loans.calculations.due_date`."""
        start = max(number + 1, self.first_number) - self.first_number
        balance = fen(self.balance) - sum(self.principals[:start])
        out = []
        for k in range(start, len(self.principals)):
            principal, interest = self.principals[k], self.interests[k]
            balance -= principal
            n = self.first_number + k
            row = ScheduleInstallment(
                contract_id=self.contract_id,
                number=n,
                due_date=due_date(first_due, n),
                principal=yuan(principal),
                interest=yuan(interest),
                payment=yuan(principal + interest),
                balance=yuan(balance),
                annual_rate=self.annual_rate,
                principal_paid=0,
                interest_paid=0,
                penalty_paid=0,
            )
            row.planned = True
            out.append(row)
        return out


class LoanRepaymentQuerySet(PartyVisibleQuerySet):
    depositor_path = "contract__borrower__user"
    application_path = "contract__application_id"


class LoanRepayment(models.Model):
    """Money received on a loan and how it was applied ([HANDGE] loan business types 02 / 03 / 04 / 06): the
    penalty, interest and principal parts, the journal entry that posted them and the bank line it came from."""

    class Kind(models.TextChoices):
        INSTALLMENT = "installment", _("Installment repayment")
        PREPAYMENT = "prepayment", _("Partial prepayment")
        PAYOFF = "payoff", _("Payoff")

    class Source(models.TextChoices):
        """[YLGJJ] repayment source: 1 住房公积金, 2 现金 (money received by the bank: a transfer or cash paid in)."""

        BANK = "bank", _("Bank transfer or cash")
        FUND = "fund", _("Housing fund accounts")

    contract = models.ForeignKey(LoanContract, on_delete=models.PROTECT, related_name="repayments")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    source = models.CharField(_("source of the money"), max_length=8, choices=Source.choices, default=Source.BANK)
    paid_on = models.DateField(_("paid on"))
    amount = MoneyField(_("amount"))
    principal = MoneyField(_("principal"), default=0)
    interest = MoneyField(_("interest"), default=0)
    penalty = MoneyField(_("penalty interest"), default=0)
    keep = models.CharField(_("after the prepayment"), max_length=8, blank=True)
    allocation = models.JSONField(_("allocation by installment"), default=list, blank=True)
    # A repayment of the monthly debit run shares its batch's entry and bank line (one entry per debit batch,
    # one line per loan on the loan's own sub-accounts): hence foreign keys, not one-to-one.
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="loan_repayments")
    statement_line = models.ForeignKey(
        BankStatementLine, null=True, blank=True, on_delete=models.PROTECT, related_name="loan_repayments"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LoanRepaymentQuerySet.as_manager()

    class Meta:
        verbose_name = _("loan repayment")
        verbose_name_plural = _("loan repayments")
        ordering = ["contract", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0, principal__gte=0, interest__gte=0, penalty__gte=0),
                name="loan_repayment_amounts",
            ),
            models.CheckConstraint(
                condition=Q(amount=F("principal") + F("interest") + F("penalty")), name="loan_repayment_sum"
            ),
        ]
        indexes = [models.Index(fields=["paid_on"], name="loan_repayment_paid_on")]

    def __str__(self):
        return f"{self.contract_id} {self.kind} {self.paid_on} {format_yuan(self.amount)}"


class LoanDebitBatch(models.Model):
    """One batch of debit orders (批量代扣) sent to the bank by the monthly debit run (loans.services.debits): one
    per chunk of a run. The bank debits each borrower's card and credits the batch's total collected to the
    center's account in one statement line (``statement_line``, its serial number is the batch reference); the
    result file gives each order's outcome. Applying the result posts ONE journal entry for the batch."""

    class Status(models.TextChoices):
        SENT = "sent", _("Sent to the bank")
        RETURNED = "returned", _("Result received")
        APPLIED = "applied", _("Applied")

    run = models.ForeignKey("core.BatchRun", on_delete=models.PROTECT, related_name="loan_debit_batches")
    reference = models.CharField(_("batch reference"), max_length=40, unique=True)
    due_on = models.DateField(_("debit date"))
    bank_account = models.ForeignKey(
        "ledger.BankAccount", on_delete=models.PROTECT, related_name="+", verbose_name=_("collecting account")
    )
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.SENT)
    count = models.PositiveIntegerField(_("orders"), default=0)
    amount = MoneyField(_("amount requested"), default=0)
    debited = MoneyField(_("amount debited"), default=0)
    statement_line = models.OneToOneField(
        BankStatementLine, null=True, blank=True, on_delete=models.PROTECT, related_name="loan_debit_batch"
    )
    entry = models.OneToOneField(
        JournalEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="loan_debit_batch"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    returned_at = models.DateTimeField(_("result received at"), null=True, blank=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)

    class Meta:
        verbose_name = _("loan debit batch")
        verbose_name_plural = _("loan debit batches")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0, debited__gte=0, debited__lte=F("amount")), name="loan_debit_batch_amounts"
            ),
        ]

    def __str__(self):
        return f"{self.reference} {format_yuan(self.amount)}"


class LoanDebit(models.Model):
    """One debit order of a batch: what is due on a loan on the debit date (loans.services.repayments.dues), from
    the borrower's repayment card, and the bank's answer (``result``, ``debited``). It stays 已发送 until the
    answer is applied: then 已扣款 / 部分扣款 (a repayment through the allocation order) or 扣款失败 (nothing posted,
    the installment stays due). A loan has at most one order not applied yet."""

    class Status(models.TextChoices):
        SENT = "sent", _("Sent")
        PAID = "paid", _("Debited in full")
        PARTIAL = "partial", _("Debited in part")
        FAILED = "failed", _("Debit failed")

    batch = models.ForeignKey(LoanDebitBatch, on_delete=models.PROTECT, related_name="debits")
    contract = models.ForeignKey(LoanContract, on_delete=models.PROTECT, related_name="debits")
    reference = models.CharField(_("debit reference"), max_length=40, unique=True)
    amount = MoneyField(_("amount due"))
    # the installments the order was for (the unpaid ones due by the debit date), read again when it is applied
    first_number = models.PositiveSmallIntegerField(_("first installment"))
    last_number = models.PositiveSmallIntegerField(_("last installment"))
    card = models.CharField(_("bank card"), max_length=32)
    card_name = models.CharField(_("card holder"), max_length=60)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.SENT)
    result = models.CharField(_("bank result"), max_length=8, choices=Status.choices, blank=True)
    debited = MoneyField(_("amount debited"), default=0)
    bank_reference = models.CharField(_("bank serial number"), max_length=40, blank=True)
    reason = models.CharField(_("failure reason"), max_length=200, blank=True)
    excess = MoneyField(
        _("booked to suspense"),
        default=0,
        help_text=_("Money debited that was no longer due when the result was applied (paid in between)."),
    )
    repayment = models.OneToOneField(
        LoanRepayment, null=True, blank=True, on_delete=models.PROTECT, related_name="debit"
    )

    class Meta:
        verbose_name = _("loan debit")
        verbose_name_plural = _("loan debits")
        ordering = ["batch", "contract"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "contract"], name="loan_debit_once_per_batch"),
            models.UniqueConstraint(
                fields=["contract"],
                condition=Q(status="sent"),
                name="loan_debit_one_open_per_loan",
                violation_error_message=_("This loan already has a debit order waiting for the bank."),
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0, debited__gte=0, debited__lte=F("amount"), excess__gte=0),
                name="loan_debit_amounts",
            ),
        ]

    def __str__(self):
        return f"{self.reference} {format_yuan(self.amount)} {self.status}"


class LoanDocumentType(models.TextChoices):
    """The scanned documents of a loan application; which ones are required is the policy value
    ``loans.required_documents`` (:func:`loans.services.documents.required_types`)."""

    ID_CARD = "id_card", _("Identity cards of the borrower and the spouse")
    MARITAL = "marital", _("Marriage certificate or single declaration")
    PURCHASE_CONTRACT = "purchase_contract", _("Purchase contract or presale contract")
    DOWN_PAYMENT = "down_payment", _("Down-payment receipt")
    INCOME = "income", _("Income certificate")
    CREDIT_AUTH = "credit_auth", _("Credit report authorisation")
    COMMERCIAL_LOAN = "commercial_loan", _("Commercial loan contract and statement (商转公)")
    PROPERTY_TITLE = "property_title", _("Property title certificate (build or repair)")
    OTHER = "other", _("Other")


class LoanDocumentQuerySet(PartyVisibleQuerySet):
    """Staff see every document; a depositor those of the applications they borrow on (borrower, spouse or
    co-borrower)."""

    depositor_path = "application__borrower__user"
    application_path = "application_id"


class LoanDocument(models.Model):
    """A scanned document of a loan application, judged by its content (``core.uploads.check_scan``), stored under
    a random name with its SHA-256."""

    application = models.ForeignKey(
        LoanApplication, on_delete=models.CASCADE, related_name="documents", verbose_name=_("application")
    )
    doc_type = models.CharField(_("document type"), max_length=20, choices=LoanDocumentType.choices)
    file = models.FileField(_("file"), upload_to="loans/%Y/%m/")
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("size (bytes)"))
    original_name = models.CharField(_("uploaded as"), max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    history = HistoricalRecords()

    objects = LoanDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("loan document")
        verbose_name_plural = _("loan documents")
        ordering = ["application", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="loan_document_not_empty"),
        ]

    def __str__(self):
        return f"{self.application_id} {self.get_doc_type_display()}"

    @property
    def filename(self):
        return self.file.name.rsplit("/", 1)[-1]


class PrepaymentRequestQuerySet(PartyVisibleQuerySet):
    depositor_path = "contract__borrower__user"
    application_path = "contract__application_id"


class PrepaymentRequest(models.Model):
    """A borrower's request to prepay from their own money (not the fund): the borrower asks in the portal, the
    money arrives at the bank (a transfer, or cash paid in), and finance applies it as a partial prepayment or
    the payoff (``loans.services.fund_repayments.complete_prepayment_request``)."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("Requested, waiting for the money")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    class Mode(models.TextChoices):
        PARTIAL = "partial", _("Partial prepayment")
        PAYOFF = "payoff", _("Payoff")

    contract = models.ForeignKey(LoanContract, on_delete=models.PROTECT, related_name="prepayment_requests")
    mode = models.CharField(_("prepayment"), max_length=8, choices=Mode.choices)
    amount = MoneyField(_("amount"), null=True, blank=True, help_text=_("Partial prepayment only."))
    keep = models.CharField(_("after the prepayment"), max_length=8, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.REQUESTED)
    requested_on = models.DateField(_("requested on"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    repayment = models.OneToOneField(
        LoanRepayment, null=True, blank=True, on_delete=models.PROTECT, related_name="request"
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    comment = models.CharField(_("comment"), max_length=200, blank=True)
    history = HistoricalRecords()

    objects = PrepaymentRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("prepayment request")
        verbose_name_plural = _("prepayment requests")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(mode="payoff", amount__isnull=True) | Q(mode="partial", amount__gt=0),
                name="loan_prepayment_request_amount",
                violation_error_message=_("A partial prepayment needs an amount greater than zero."),
            ),
            models.UniqueConstraint(
                fields=["contract"],
                condition=Q(state="requested"),
                name="loan_one_open_prepayment_request",
                violation_error_message=_("This loan already has a prepayment request waiting for the money."),
            ),
        ]

    def __str__(self):
        amount = format_yuan(self.amount) if self.amount is not None else ""
        return f"{self.contract_id} {self.mode} {amount} {self.state}"


# --- overdue monitoring and collection (DOMAIN.md §5; loans.services.close_of_business, loans.services.collection)


class RiskGrade(models.TextChoices):
    """Five-grade classification (五级分类, [HANDGE] LoanRiskStatus)."""

    NORMAL = "01", _("Normal (正常)")
    SPECIAL_MENTION = "02", _("Special mention (关注)")
    SUBSTANDARD = "03", _("Substandard (次级)")
    DOUBTFUL = "04", _("Doubtful (可疑)")
    LOSS = "05", _("Loss (损失)")


class ContractPartyQuerySet(PartyVisibleQuerySet):
    depositor_path = "contract__borrower__user"
    application_path = "contract__application_id"


class LoanCloseOfBusiness(models.Model):
    """The daily close of business of the loans for one business date: its batch run (chunks, progress, resume)
    and, once every chunk is done, the date it completed. Dates are closed in order, one after the other."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")

    business_date = models.DateField(_("business date"), unique=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.RUNNING)
    run = models.OneToOneField(
        "core.BatchRun", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("batch run")
    )
    result = models.JSONField(_("result"), default=dict, blank=True)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("loan close of business")
        verbose_name_plural = _("loan closes of business")
        ordering = ["-business_date"]

    def __str__(self):
        return f"{self.business_date} {self.status}"


class LoanOverdueState(models.Model):
    """A loan's overdue figures as of the last close of business ([HANDGE] StHousingOverdueRegistration): days
    past due of the oldest unpaid installment, the overdue periods now, consecutive and cumulative, the overdue
    principal / interest / penalty interest and the risk grade. Written set-based by the daily job."""

    contract = models.OneToOneField(
        LoanContract,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="overdue_state",
        verbose_name=_("contract"),
    )
    as_of = models.DateField(_("as of"))
    dpd = models.PositiveIntegerField(_("days past due"), default=0)
    periods = models.PositiveSmallIntegerField(_("overdue periods"), default=0)
    consecutive = models.PositiveSmallIntegerField(_("consecutive overdue periods"), default=0)
    cumulative = models.PositiveSmallIntegerField(_("cumulative overdue periods"), default=0)
    principal = MoneyField(_("overdue principal"), default=0)
    interest = MoneyField(_("overdue interest"), default=0)
    penalty = MoneyField(_("penalty interest owed"), default=0)
    grade = models.CharField(_("risk grade"), max_length=2, choices=RiskGrade.choices, default=RiskGrade.NORMAL)
    outstanding = MoneyField(_("principal outstanding"), default=0)

    objects = ContractPartyQuerySet.as_manager()

    class Meta:
        verbose_name = _("loan overdue state")
        verbose_name_plural = _("loan overdue states")
        indexes = [models.Index(fields=["grade", "dpd"], name="loan_overdue_grade_dpd")]

    def __str__(self):
        return f"{self.contract_id} {self.as_of} {self.dpd}"


class RiskGradeChange(models.Model):
    """One change of a loan's risk grade: the date, from, to and the days past due then."""

    contract = models.ForeignKey(LoanContract, on_delete=models.CASCADE, related_name="grade_changes")
    on = models.DateField(_("date"))
    from_grade = models.CharField(_("from"), max_length=2, choices=RiskGrade.choices)
    to_grade = models.CharField(_("to"), max_length=2, choices=RiskGrade.choices)
    dpd = models.PositiveIntegerField(_("days past due"))

    class Meta:
        verbose_name = _("risk grade change")
        verbose_name_plural = _("risk grade changes")
        ordering = ["contract", "on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "on"], name="loan_grade_change_once_a_day"),
        ]

    def __str__(self):
        return f"{self.contract_id} {self.on} {self.from_grade}->{self.to_grade}"


class CollectionLog(models.Model):
    """A step of the collection ladder on a loan (DOMAIN.md §5.4), automatic or recorded by staff. ``key`` makes
    an automatic step once (a job run twice writes it once)."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("Reminder before the due date")
        OVERDUE_NOTICE = "overdue_notice", _("Overdue reminder")
        FUND_DEDUCTION = "fund_deduction", _("Deduction from fund accounts")
        DEFAULTER = "defaulter", _("Put on the defaulter list")
        CALL = "call", _("Phone call")
        VISIT = "visit", _("Visit")
        LETTER = "letter", _("Written demand")
        ACCELERATE = "accelerate", _("Loan accelerated")
        WRITE_OFF = "write_off", _("Loan written off")
        REQUEST = "request", _("Action requested")

    contract = models.ForeignKey(LoanContract, on_delete=models.PROTECT, related_name="collection_log")
    on = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    amount = MoneyField(_("amount"), default=0)
    text = models.CharField(_("text"), max_length=500, blank=True)
    # What the system wrote (core.translatable): its message, to say it in the reader's language.
    text_message = models.JSONField(_("text message"), null=True, blank=True, editable=False)
    key = models.CharField(_("key"), max_length=120, null=True, blank=True, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ContractPartyQuerySet.as_manager()

    class Meta:
        verbose_name = _("collection log entry")
        verbose_name_plural = _("collection log")
        ordering = ["contract", "-on", "-id"]
        indexes = [models.Index(fields=["contract", "on"], name="loan_collection_contract_on")]

    def __str__(self):
        return f"{self.contract_id} {self.on} {self.kind}"

    @property
    def localized_text(self):
        """The text in the reader's language (what a member of staff typed reads as typed)."""
        return translatable.localized(self.text, self.text_message)


class DefaulterEntry(models.Model):
    """A borrower published on the defaulter list (3 consecutive or 6 cumulative overdue periods, policy values)."""

    contract = models.ForeignKey(LoanContract, on_delete=models.PROTECT, related_name="defaulter_entries")
    listed_on = models.DateField(_("listed on"))
    consecutive = models.PositiveSmallIntegerField(_("consecutive overdue periods"))
    cumulative = models.PositiveSmallIntegerField(_("cumulative overdue periods"))
    removed_on = models.DateField(_("removed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("defaulter list entry")
        verbose_name_plural = _("defaulter list")
        ordering = ["-listed_on", "contract"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract"], condition=Q(removed_on__isnull=True), name="loan_defaulter_once"
            ),
        ]

    def __str__(self):
        return f"{self.contract_id} {self.listed_on}"


class LoanActionRequest(models.Model):
    """Accelerate (宣布提前到期) or write off (核销) a loan: requested by one person, approved or rejected by
    another (core.workflow, four eyes)."""

    class Kind(models.TextChoices):
        ACCELERATE = "accelerate", _("Accelerate the loan")
        WRITE_OFF = "write_off", _("Write the loan off")

    class State(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    contract = models.ForeignKey(LoanContract, on_delete=models.PROTECT, related_name="action_requests")
    kind = models.CharField(_("action"), max_length=12, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.REQUESTED)
    reason = models.CharField(_("reason"), max_length=500)
    amount = MoneyField(_("principal concerned"), default=0)
    requested_on = models.DateField(_("requested on"))
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("loan action request")
        verbose_name_plural = _("loan action requests")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "kind"], condition=Q(state="requested"), name="loan_action_request_open_once"
            ),
        ]

    def __str__(self):
        return f"{self.contract_id} {self.kind} {self.state}"
