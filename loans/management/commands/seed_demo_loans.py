"""Demo housing loans on top of ``seed_demo``'s depositors, all through the loans services: applications in every
workflow state, two disbursed loans with repayments from bank statement lines, and one loan paid off."""

import datetime
import time
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import F

from accounts.management.demo import DEMO_PDF, business_date, demo_card, portal_user, staff_user
from accounts.models import FundAccount
from core import roles
from core.actors import system_actor
from core.business_date import today
from core.errors import ApplicationError
from ledger import selectors as ledger_selectors
from ledger import services as ledger_services
from ledger.models import BankAccount
from loans import services
from loans.models import EscrowAccount, LoanApplication, LoanContract

ESCROW = "6222000011110001"
OVERDUE_DAYS = 40
# (final state, amount asked, term in months, method, installments repaid, applied online by the borrower);
# the online borrowers get a portal login, which ``demo_users`` keeps and lists
PLAN = (
    ("disbursed", "50000.00", 120, "equal_installment", 2, True),
    ("disbursed", "40000.00", 60, "equal_principal", 1, False),
    ("paid_off", "20000.00", 36, "equal_installment", 0, False),
    ("draft", "150000.00", 180, "equal_installment", 0, False),
    ("submitted", "100000.00", 120, "equal_installment", 0, True),
    ("accepted", "90000.00", 120, "equal_principal", 0, False),
    ("reviewed", "110000.00", 240, "equal_installment", 0, False),
    ("approved", "30000.00", 120, "equal_installment", 0, False),
    ("rejected", "60000.00", 60, "equal_installment", 0, False),
    # a commercial-to-fund conversion (商转公) and a combined loan (组合贷), both accepted: the case pages show the
    # commercial loan's bank, number and remaining term, and the commercial part's own schedule
    (
        "accepted",
        "80000.00",
        96,
        "equal_installment",
        0,
        False,
        {
            "purpose": "conversion",
            "property_kind": "resale",
            "commercial_remaining": "85000.00",
            "commercial_remaining_months": 108,
            "commercial_bank": "示范银行人民路支行",
            "commercial_loan_number": "SY-2021-000888",
        },
    ),
    (
        "accepted",
        "70000.00",
        120,
        "equal_installment",
        0,
        False,
        {
            "commercial_amount": "60000.00",
            "commercial_rate": "0.0395",
            "commercial_term_months": 120,
            "commercial_method": "equal_installment",
            "commercial_bank": "示范银行人民路支行",
        },
    ),
    # returned for a missing document, cancelled at the borrower's request, a contract waiting for its payment, and one
    # paid to the escrow account whose bank confirmation has not come back yet
    ("returned", "90000.00", 120, "equal_installment", 0, True),
    ("cancelled", "50000.00", 60, "equal_installment", 0, False),
    ("signed", "60000.00", 120, "equal_installment", 0, False),
    ("disbursing", "45000.00", 96, "equal_principal", 0, False),
    # disbursed OVERDUE_DAYS ago and never repaid: the close of business today finds its first installment overdue
    # (one period: the fund deduction comes at the second), with penalty interest; the borrower logs in online
    ("overdue", "35000.00", 60, "equal_installment", 0, True),
)
ROLE_ORDER = (roles.LOAN_OFFICER, roles.REVIEWER, roles.APPROVER, roles.FINANCE)


def demo_scans(doc_types):
    """A one-page placeholder scan (a minimal PDF) per document type, for the demo applications."""
    return [(t, SimpleUploadedFile(f"{t}.pdf", DEMO_PDF, content_type="application/pdf")) for t in doc_types]


def example(amount, term, method, **extra):
    return {
        "purpose": "purchase",
        "property_address": "示范市人民路8号3单元501室",
        "property_kind": "new",
        "property_price": str(Decimal(amount) * 3),
        "property_area": "89.50",
        "monthly_income": "20000.00",
        "other_monthly_debt": "0.00",
        "requested_amount": amount,
        "term_months": term,
        "method": method,
        "female_category": "worker",  # read for women only
        **extra,
    }


class Command(BaseCommand):
    help = (
        "Demo loans (idempotent: nothing when loan applications exist): applications in every state, two "
        "disbursed loans with repayments and one paid off, through the loans services."
    )

    def handle(self, *args, **options):
        if LoanApplication.objects.exists():
            self.stdout.write("Loan applications already exist; no demo loans added.")
            return
        started = time.perf_counter()
        with transaction.atomic():
            done = self._seed()
        self.stdout.write(
            f"  demo loans: {done} applications, {LoanContract.objects.count()} contracts "
            f"in {time.perf_counter() - started:.1f} s"
        )

    def _seed(self):
        officer, reviewer, approver, finance = (staff_user(r) for r in ROLE_ORDER)
        bank = BankAccount.objects.order_by("pk").first()
        if not EscrowAccount.objects.filter(number=ESCROW).exists():
            services.register_escrow_account(
                actor=finance, kind="presale", number=ESCROW, name="示范置业有限公司预售资金监管户", bank="示范银行"
            )
        # borrowers: normal accounts with the largest balances, one per family
        used, done, skipped = set(), 0, 0
        candidates = (
            FundAccount.objects.filter(status=FundAccount.Status.NORMAL, depositor__user__isnull=True)
            .select_related("depositor", "ledger_account")
            .order_by(F("ledger_account__balance").desc(), "pk")
        )
        plan = iter(PLAN)
        step = next(plan)
        for account in candidates[:200]:
            family = {account.depositor_id, account.depositor.spouse_id} - {None}
            if family & used:
                continue
            try:
                with transaction.atomic():
                    if step[0] == "overdue":
                        with business_date(today() - datetime.timedelta(days=OVERDUE_DAYS)):
                            self._one(step, account, officer, reviewer, approver, finance, bank)
                    else:
                        self._one(step, account, officer, reviewer, approver, finance, bank)
            except ApplicationError:  # an ineligible borrower (limit, deposit months): try the next one
                skipped += 1
                continue
            used |= family
            done += 1
            step = next(plan, None)
            if step is None:
                break
        if LoanContract.objects.filter(status=LoanContract.Status.NORMAL).exists():
            # today's close of business: the loan disbursed in the past is overdue, its penalty accrued and posted
            services.close_business(actor=finance)
        if step is not None:
            self.stderr.write(
                f"  only {done} of {len(PLAN)} demo loans: too few eligible borrowers ({skipped} refused)"
            )
        return done

    def _one(self, step, account, officer, reviewer, approver, finance, bank):
        state, amount, term, method, repaid, online, *extra = step
        applicant = portal_user(account.depositor) if online else officer
        app = services.create_draft(
            actor=applicant, account=account, data=example(amount, term, method, **(extra[0] if extra else {}))
        )
        if state == "draft":
            return
        services.add_documents(actor=applicant, application=app, documents=demo_scans(services.required_types(app)))
        if online:
            app = services.submit(actor=applicant, application=app)
            if state == "submitted":
                return
        if state == "cancelled":
            services.cancel(actor=applicant, application=app, reason="借款人已改用商业银行贷款购房")
            return
        app = services.accept(actor=officer, application=app)
        if state == "accepted":
            return
        if state == "returned":
            services.return_for_documents(
                actor=reviewer, application=app, reason="收入证明未加盖单位公章，请补充后重新提交"
            )
            return
        services.assess(actor=officer, application=app, credit_ok=True)
        app = services.review(actor=reviewer, application=app)
        if state == "reviewed":
            return
        if state == "rejected":
            services.reject(actor=approver, application=app, reason="月还款额超过月收入的一半")
            return
        app = services.approve(actor=approver, application=app)
        if state == "approved":
            return
        contract = services.sign_contract(
            actor=officer,
            application=app,
            title_number=f"示范不动产权第{app.pk:07d}号",
            repayment_card=demo_card(app.pk, prefix="622202"),
            repayment_card_bank="中国工商银行示范市分行",
        )
        if state == "signed":
            return
        contract = services.disburse(
            actor=finance, contract=contract, payee_kind="presale_escrow", payee_account=ESCROW
        )
        if state == "disbursing":
            return
        contract = services.confirm_disbursement(actor=finance, contract=contract)
        for n in range(repaid):
            due = services.amount_due(contract=contract)
            line = self._receipt(bank, due["dues"][0].total, f"{contract.number}-{n + 1}", account.depositor.name)
            services.repay(actor=finance, contract=contract, line=line)
        if state == "paid_off":
            quote = services.payoff_quote(contract=contract)
            line = self._receipt(bank, quote.total, f"{contract.number}-P", account.depositor.name)
            services.pay_off(actor=finance, contract=contract, line=line)

    def _receipt(self, bank, amount, reference, payer):
        """The borrower's money as the bank reports it: a statement line through the bank's channel."""
        bank = BankAccount.objects.select_for_update().get(pk=bank.pk)
        held = ledger_selectors.bank_held_balance(bank)
        row = {
            "bank_reference": reference,
            "value_date": today().isoformat(),
            "direction": "C",
            "amount": str(amount),
            "counterparty_name": payer,
        }
        (line,) = ledger_services.import_statement(
            bank_account=bank, rows=[row], closing_balance=held + amount, actor=system_actor()
        )
        return line
