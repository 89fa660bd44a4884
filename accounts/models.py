"""Employers (单位), depositors (缴存职工) and personal fund accounts (个人账户), with status codes of
DOMAIN.md §1.7 and §8.3."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.money import MoneyField, RateField
from core.visibility import StaffOnlyQuerySet, VisibleQuerySet, employer_id_of
from ledger.models import Account, Bank


class EconomicType(models.TextChoices):
    STATE_ORGAN = "10", _("State organ")
    PUBLIC_INSTITUTION = "20", _("Public institution")
    SOCIAL_ORGANISATION = "30", _("Social organisation")
    PRIVATE_NON_ENTERPRISE = "40", _("Private non-enterprise unit")
    STATE_OWNED = "50", _("State-owned enterprise")
    URBAN_COLLECTIVE = "60", _("Urban collective enterprise")
    FOREIGN_INVESTED = "70", _("Foreign-invested enterprise")
    PRIVATE = "80", _("Private enterprise")
    JOINT_STOCK = "85", _("Joint-stock company")
    SELF_EMPLOYED = "90", _("Individual business")
    OTHER = "99", _("Other")


class EmployerQuerySet(VisibleQuerySet):
    """A staff member sees every employer; an agent only the employer it acts for."""

    employer_path = "pk"


class Employer(models.Model):
    class Status(models.TextChoices):
        NORMAL = "01", _("Normal")
        OPENED = "02", _("Opened")
        DEFERRED = "03", _("Deferred")
        CLOSED = "04", _("Closed")
        SEALED = "05", _("Sealed")
        OTHER = "99", _("Other")

    account_number = models.CharField(_("employer account number"), max_length=20, unique=True)
    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=120, db_index=True)
    address = models.CharField(_("address"), max_length=200)
    legal_representative = models.CharField(_("legal representative"), max_length=60)
    contact_name = models.CharField(_("contact person"), max_length=60)
    contact_phone = models.CharField(_("contact phone"), max_length=20)
    economic_type = models.CharField(_("economic type"), max_length=2, choices=EconomicType.choices)
    industry = models.CharField(_("industry"), max_length=60, blank=True)
    payday = models.PositiveSmallIntegerField(_("payday"), help_text=_("Day of the month wages are paid (1-28)."))
    bank = models.CharField(_("entrusted bank"), max_length=3, choices=Bank.choices)
    employer_ratio = RateField(_("employer ratio"))
    employee_ratio = RateField(_("employee ratio"))
    status = models.CharField(_("status"), max_length=2, choices=Status.choices, default=Status.NORMAL)
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    close_reason = models.CharField(_("closing reason"), max_length=200, blank=True)
    paid_up_to = models.DateField(_("paid up to (month)"), null=True, blank=True,
                                  help_text=_("First day of the last month fully paid (JZNY)."))
    suspense_account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="employer",
                                            verbose_name=_("suspense ledger account"))
    history = HistoricalRecords()

    objects = EmployerQuerySet.as_manager()

    class Meta:
        verbose_name = _("employer")
        verbose_name_plural = _("employers")
        ordering = ["account_number"]
        constraints = [
            models.CheckConstraint(condition=models.Q(payday__gte=1, payday__lte=28), name="employer_payday_range",
                                   violation_error_message=_("The payday must be between 1 and 28.")),
        ]

    def __str__(self):
        return f"{self.name} ({self.account_number})"


class DepositorQuerySet(VisibleQuerySet):
    """Staff see every person; a depositor only themself; an agent the people employed by its employer."""

    depositor_path = "user"

    def own_rows(self, user):
        condition = super().own_rows(user)
        employer_id = employer_id_of(user)
        if employer_id is None:
            return condition
        employees = Q(pk__in=FundAccount.objects.filter(employer_id=employer_id).values("depositor_id"))
        return employees if condition is None else condition | employees


class Depositor(models.Model):
    class IdType(models.TextChoices):
        RESIDENT_ID = "01", _("Resident ID card")
        OFFICER = "02", _("Military officer card")
        PASSPORT = "03", _("Passport")
        FOREIGN_PR = "04", _("Foreigner permanent residence card")
        OTHER = "99", _("Other")

    class Gender(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    class Marital(models.TextChoices):
        SINGLE = "10", _("Unmarried")
        MARRIED = "20", _("Married")
        WIDOWED = "30", _("Widowed")
        DIVORCED = "40", _("Divorced")

    name = models.CharField(_("name"), max_length=60, db_index=True)
    id_type = models.CharField(_("ID type"), max_length=2, choices=IdType.choices, default=IdType.RESIDENT_ID)
    id_number = models.CharField(_("ID number"), max_length=18, unique=True)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("birth date"))
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True, db_index=True)
    marital_status = models.CharField(_("marital status"), max_length=2, choices=Marital.choices,
                                      default=Marital.SINGLE)
    spouse = models.OneToOneField("self", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="spouse_of", verbose_name=_("spouse"))
    local_hukou = models.BooleanField(_("household registered in the city"), default=True)
    children = models.PositiveSmallIntegerField(_("number of children"), default=0)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="depositor", verbose_name=_("portal user"))
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = DepositorQuerySet.as_manager()

    class Meta:
        verbose_name = _("depositor")
        verbose_name_plural = _("depositors")
        ordering = ["id"]

    def __str__(self):
        return self.name


class FundAccountQuerySet(VisibleQuerySet):
    """Staff see every account; a depositor their own; an agent the accounts of its employer."""

    depositor_path = "depositor__user"
    employer_path = "employer_id"


class FundAccount(models.Model):
    class Status(models.TextChoices):
        NORMAL = "01", _("Normal")
        SEALED = "02", _("Sealed")
        CLOSED_MERGED = "03", _("Closed: merged")
        CLOSED_TRANSFERRED = "04", _("Closed: transferred out")
        CLOSED_WITHDRAWN = "05", _("Closed: withdrawn")
        FROZEN = "06", _("Frozen")
        OTHER = "99", _("Other")

    class Kind(models.TextChoices):
        EMPLOYEE = "employee", _("Employee")
        FLEXIBLE = "flexible", _("Flexible worker")

    CLOSED_STATUSES = (Status.CLOSED_MERGED, Status.CLOSED_TRANSFERRED, Status.CLOSED_WITHDRAWN)

    number = models.CharField(_("personal account number"), max_length=20, unique=True)
    depositor = models.ForeignKey(Depositor, on_delete=models.PROTECT, related_name="accounts",
                                  verbose_name=_("depositor"))
    employer = models.ForeignKey(Employer, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="accounts", verbose_name=_("employer"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.EMPLOYEE)
    status = models.CharField(_("status"), max_length=2, choices=Status.choices, default=Status.NORMAL,
                              db_index=True)
    base = MoneyField(_("deposit base"))
    employer_ratio = RateField(_("employer ratio"))
    employee_ratio = RateField(_("employee ratio"))
    opened_on = models.DateField(_("opened on"))
    paid_up_to = models.DateField(_("paid up to (month)"), null=True, blank=True)
    sealed_on = models.DateField(_("sealed on"), null=True, blank=True)
    seal_reason = models.CharField(_("sealing reason"), max_length=200, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    close_reason = models.CharField(_("closing reason"), max_length=200, blank=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="merged_from", verbose_name=_("merged into"))
    ledger_account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="fund_account",
                                          verbose_name=_("ledger account"))
    history = HistoricalRecords()

    objects = FundAccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("personal fund account")
        verbose_name_plural = _("personal fund accounts")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(
                fields=["depositor"], condition=~models.Q(status__in=["03", "04", "05"]),
                name="one_open_fund_account_per_person",
                violation_error_message=_("This person already has an open fund account."),
            ),
            models.CheckConstraint(condition=models.Q(base__gte=0), name="fund_account_base_not_negative"),
        ]

    def __str__(self):
        return f"{self.number} {self.depositor.name if self.depositor_id else ''}"

    @property
    def is_closed(self):
        return self.status in self.CLOSED_STATUSES

    @property
    def monthly_total(self):
        """Both parts, rounded to the fen; from the ``monthly_amount`` annotation of a list when there is one."""
        if "monthly_amount" in self.__dict__:
            return self.__dict__["monthly_amount"]
        from accounts.contributions import monthly_parts

        return sum(monthly_parts(self.base, self.employee_ratio, self.employer_ratio))


class AccountEventQuerySet(VisibleQuerySet):
    """An account's history: staff, the account holder, and the employer the event happened under."""

    depositor_path = "account__depositor__user"
    employer_path = "employer_id"


class AccountEvent(models.Model):
    """Status history of a personal account (business types of DOMAIN.md §8.3)."""

    class BusinessType(models.TextChoices):
        OPEN = "03", _("Open")
        UNSEAL = "04", _("Unseal")
        SEAL = "05", _("Seal")
        INTERNAL_TRANSFER = "06", _("Internal transfer")
        TRANSFER_OUT = "07", _("Transfer out")
        CLOSE_WITHDRAWAL = "12", _("Closing withdrawal")
        FREEZE = "14", _("Freeze")
        UNFREEZE = "15", _("Unfreeze")
        CHANGE = "70", _("Change")
        MERGE = "71", _("Merge")
        CLOSE = "72", _("Close")

    account = models.ForeignKey(FundAccount, on_delete=models.PROTECT, related_name="events")
    business_type = models.CharField(_("business type"), max_length=2, choices=BusinessType.choices)
    from_status = models.CharField(_("from status"), max_length=2, blank=True)
    to_status = models.CharField(_("to status"), max_length=2)
    employer = models.ForeignKey(Employer, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("employer"))
    business_date = models.DateField(_("business date"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("by"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AccountEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("account event")
        verbose_name_plural = _("account events")
        ordering = ["account", "id"]

    def __str__(self):
        return f"{self.account_id} {self.get_business_type_display()} {self.business_date}"

    @staticmethod
    def _status_label(code):
        try:
            return FundAccount.Status(code).label if code else ""
        except ValueError:
            return code

    @property
    def from_status_label(self):
        return self._status_label(self.from_status)

    @property
    def to_status_label(self):
        return self._status_label(self.to_status)


class EmployerAgent(models.Model):
    """A portal user acting for an employer (单位经办人)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="employer_agent")
    employer = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="agents")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("employer agent")
        verbose_name_plural = _("employer agents")

    def __str__(self):
        return f"{self.user} @ {self.employer}"


class EmployerRegistration(models.Model):
    """An employer's online application to open its employer account (单位网上开户登记), waiting for the counter:
    approved, it opens the account through ``accounts.services.register_employer`` and the applicant's portal
    login (user name: the USCC, with the password chosen on the form); refused, it keeps the reason."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the counter")
        APPROVED = "approved", _("Approved: account opened")
        REFUSED = "refused", _("Refused")

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    uscc = models.CharField(_("unified social credit code"), max_length=18, db_index=True)
    name = models.CharField(_("name"), max_length=120)
    address = models.CharField(_("address"), max_length=200)
    legal_representative = models.CharField(_("legal representative"), max_length=60)
    contact_name = models.CharField(_("contact person"), max_length=60)
    contact_phone = models.CharField(_("contact phone"), max_length=20)
    economic_type = models.CharField(_("economic type"), max_length=2, choices=EconomicType.choices)
    industry = models.CharField(_("industry"), max_length=60, blank=True)
    payday = models.PositiveSmallIntegerField(_("payday"))
    bank = models.CharField(_("entrusted bank"), max_length=3, choices=Bank.choices)
    password_hash = models.CharField(max_length=128, blank=True, editable=False)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING,
                              db_index=True)
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    submitted_from = models.GenericIPAddressField(_("submitted from"), null=True, blank=True, db_index=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    refusal_reason = models.CharField(_("reason for refusal"), max_length=200, blank=True)
    employer = models.OneToOneField(Employer, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="registration", verbose_name=_("employer"))
    history = HistoricalRecords(excluded_fields=["password_hash"])

    objects = StaffOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("employer registration")
        verbose_name_plural = _("employer registrations")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["uscc"], condition=models.Q(status="pending"),
                                    name="one_pending_registration_per_uscc",
                                    violation_error_message=_("This employer already has a registration waiting "
                                                              "for the counter.")),
            models.CheckConstraint(condition=models.Q(payday__gte=1, payday__lte=28),
                                   name="registration_payday_range",
                                   violation_error_message=_("The payday must be between 1 and 28.")),
        ]

    def __str__(self):
        return f"{self.reference} {self.name}"
