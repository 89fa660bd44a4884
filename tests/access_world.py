"""One dataset with two of everything, for the access tests: employer A with depositor 1 (and their records),
employer B with depositor 2; a portal user for each depositor, an agent for each employer, one user per staff
role. Built through the services where a user would act."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from accounts import services as account_services
from accounts.models import Depositor
from core import roles
from core.models import BusinessDay, Notification
from deposits.models import BaseAdjustment, DeferralApplication, RemittanceList
from deposits.services import deferral as deferral_services
from deposits.services import remittance as remittance_services
from documents import services as document_services
from ledger.models import BankStatementLine
from loans.models import LoanApplication, LoanContract, LoanDocument, PrepaymentRequest
from tests import factories
from tests.conftest import make_user
from withdrawals.models import Recovery, StandingInstruction, WithdrawalApplication, WithdrawalDocument

D = Decimal
PASSWORD = "pw-Secret-123"


@dataclass
class Side:
    """One employer with one employee and everything that belongs to them."""

    employer: object
    agent: object
    depositor: object
    user: object
    account: object
    remittance: RemittanceList = None
    deferral: DeferralApplication = None
    base_adjustment: BaseAdjustment = None
    withdrawal: WithdrawalApplication = None
    document: WithdrawalDocument = None
    loan_document: LoanDocument = None
    standing: StandingInstruction = None
    recovery: Recovery = None
    notification: Notification = None
    loan: LoanApplication = None
    loan_contract: LoanContract = None
    prepayment_request: PrepaymentRequest = None
    certificate: object = None


@dataclass
class World:
    a: Side
    b: Side
    staff: dict = field(default_factory=dict)
    bank_line: BankStatementLine = None
    judicial_request: object = None
    judicial_document: object = None


def _side(tag, clerk, bank, n):
    employer = factories.employer(clerk, name=f"示范{tag}有限公司")
    agent = make_user(f"agent_{tag}", password=PASSWORD)
    account_services.link_employer_agent(actor=clerk, user=agent, employer=employer)
    account = factories.account(clerk, employer, name=f"职工{tag}", base="10000")
    user = make_user(f"dep_{tag}", roles.DEPOSITOR, password=PASSWORD)
    Depositor.objects.filter(pk=account.depositor_id).update(user=user)
    depositor = Depositor.objects.get(pk=account.depositor_id)
    factories.deposit(account, "20000", bank=bank)
    side = Side(employer=employer, agent=agent, depositor=depositor, user=user, account=account)
    side.remittance = remittance_services.generate_list(actor=clerk, employer=employer,
                                                        month=datetime.date(2026, 11, 1))
    side.deferral = deferral_services.submit_application(
        actor=agent, employer=employer, kind="deferral", month_from=datetime.date(2026, 12, 1),
        month_to=datetime.date(2027, 1, 1), reason="经营困难", decision_date=datetime.date(2026, 11, 1),
        evidence=SimpleUploadedFile("决议.pdf", b"%PDF-1.4 decision", content_type="application/pdf"))
    side.base_adjustment = BaseAdjustment.objects.create(employer=employer, effective_from=datetime.date(2027, 7, 1),
                                                         submitted_by=agent)
    number = f"TQ20261120{n:08d}"
    side.withdrawal = WithdrawalApplication.objects.create(
        number=number, account=account, depositor=depositor, reason="09", state="accepted", channel="counter",
        application_date=datetime.date(2026, 11, 20), amount_requested=D("1000"), payee_card="6222021000000000000",
        payee_name=depositor.name)
    side.document = WithdrawalDocument.objects.create(
        application=side.withdrawal, doc_type="medical",
        file=SimpleUploadedFile(f"病历{tag}.pdf", b"%PDF-1.4 record", content_type="application/pdf"),
        sha256="0" * 64, uploaded_by=clerk)
    side.standing = StandingInstruction.objects.create(
        account=account, kind="rent", monthly_amount=D("1500"), payee_card="6222021000000000000",
        payee_name=depositor.name, starts_on=datetime.date(2026, 12, 1), created_by=user)
    side.recovery = Recovery.objects.create(application=side.withdrawal, depositor=depositor, amount_due=D("1000"),
                                            reason="虚假材料", ordered_on=datetime.date(2026, 11, 20),
                                            created_by=clerk)
    side.loan = LoanApplication.objects.create(
        number=f"DK20261120{n:08d}", borrower=depositor, account=account, state="draft", channel="online",
        application_date=datetime.date(2026, 11, 20), property_address="示范市人民路8号", property_kind="new",
        property_price=D("1000000"), property_area=D("89.5"), monthly_income=D("20000"), requested_amount=D("500000"),
        term_months=240, created_by=user)
    approved = LoanApplication.objects.create(
        number=f"DK20261120{n + 10:08d}", borrower=depositor, account=account, state="approved",
        application_date=datetime.date(2026, 11, 20), property_address="示范市人民路9号", property_kind="resale",
        property_price=D("800000"), property_area=D("70"), monthly_income=D("20000"), requested_amount=D("400000"),
        term_months=120, annual_rate=D("0.026"), created_by=clerk)
    side.loan_contract = LoanContract.objects.create(
        number=f"HT20261120{n:08d}", application=approved, borrower=depositor, principal=D("400000"),
        annual_rate=D("0.026"), term_months=120, method="equal_installment", signed_on=datetime.date(2026, 11, 20),
        first_due_date=datetime.date(2026, 12, 20), status="normal", disbursed_on=datetime.date(2026, 11, 20))
    side.prepayment_request = PrepaymentRequest.objects.create(
        contract=side.loan_contract, mode="payoff", requested_on=datetime.date(2026, 11, 20), requested_by=user)
    side.loan_document = LoanDocument.objects.create(
        application=side.loan, doc_type="id_card", sha256="0" * 64, size=15, uploaded_by=user,
        file=SimpleUploadedFile(f"身份证{tag}.pdf", b"%PDF-1.4 idcard", content_type="application/pdf"))
    side.notification = Notification.objects.create(user=user, channel="inbox", subject=f"通知{tag}", body="正文")
    side.certificate = document_services.issue(actor=clerk, account_number=account.number, kind="deposit")
    return side


def build() -> World:
    BusinessDay.objects.update_or_create(pk=1, defaults={"current": datetime.date(2026, 11, 20)})
    staff = {role: make_user(f"staff_{role}", role, password=PASSWORD) for role in roles.STAFF_ROLES}
    clerk = staff[roles.CLERK]
    bank = factories.bank_account()
    world = World(a=_side("甲", clerk, bank, 1), b=_side("乙", clerk, bank, 2), staff=staff)
    (world.bank_line,) = factories.statement(bank_account=bank, rows=[{
        "bank_reference": "ACCESS-1", "value_date": "2026-11-15", "direction": "C", "amount": "123.45",
        "remark": "unknown payer", "counterparty_name": "某人"}])
    world.judicial_request = _judicial_request(staff[roles.JUDICIAL_OFFICER], world.a)
    world.judicial_document = _judicial_document(staff[roles.JUDICIAL_OFFICER], world.judicial_request)
    return world


def _judicial_document(officer, request):
    from judicial.models import JudicialDocument

    return JudicialDocument.objects.create(
        request=request, doc_type="notice", sha256="0" * 64, size=15, uploaded_by=officer,
        file=SimpleUploadedFile("协助执行通知书.pdf", b"%PDF-1.4 notice", content_type="application/pdf"))


def _judicial_request(officer, side):
    from judicial import services as judicial_services

    court = judicial_services.register_court(
        actor=officer, code="4403050", name="示范市南山区人民法院", enforcement_account_name="执行款专户",
        enforcement_account_number="44201500000000001", enforcement_bank="建设银行南山支行")
    person = side.account.depositor
    return judicial_services.receive_request(actor=officer, court=court, data={
        "number": "ACCESS-Q1", "measure": "query", "person_name": person.name, "id_number": person.id_number,
        "judge": "李法官", "case_number": "(2026)粤0305执1号"})
