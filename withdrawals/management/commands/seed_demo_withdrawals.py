"""Demo withdrawal applications on top of ``seed_demo``'s accounts, all through the withdrawals services: one at each
step of the workflow (submitted online, accepted, reviewed, approved, paid and waiting for the bank, completed,
returned for documents, rejected, cancelled) and one online rent withdrawal approved by rule."""

import time

from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import F

from accounts.management.demo import demo_card, portal_user, scan, staff_user
from accounts.models import FundAccount
from core import roles
from core.business_date import today
from core.errors import ApplicationError
from withdrawals import rules, services
from withdrawals.models import Reason, WithdrawalApplication

# (final state, reason, amount, facts, applied online)
PLAN = (
    ("submitted", Reason.ILLNESS, "3000.00", {"medical_cost": "3000.00", "bill_number": "YL20261101"}, True),
    ("accepted", Reason.ILLNESS, "4200.00", {"medical_cost": "4200.00", "bill_number": "YL20261102"}, False),
    ("reviewed", Reason.ILLNESS, "2600.50", {"medical_cost": "2600.50", "bill_number": "YL20261103"}, False),
    ("approved", Reason.ILLNESS, "1800.00", {"medical_cost": "1800.00", "bill_number": "YL20261104"}, False),
    ("paid", Reason.ILLNESS, "5000.00", {"medical_cost": "5000.00", "bill_number": "YL20261105"}, False),
    ("closed", Reason.ILLNESS, "3500.00", {"medical_cost": "3500.00", "bill_number": "YL20261106"}, False),
    ("returned", Reason.ILLNESS, "2000.00", {"medical_cost": "2000.00", "bill_number": "YL20261107"}, True),
    ("rejected", Reason.ILLNESS, "6000.00", {"medical_cost": "6000.00", "bill_number": "YL20261108"}, False),
    ("cancelled", Reason.ILLNESS, "1500.00", {"medical_cost": "1500.00", "bill_number": "YL20261109"}, True),
    ("auto", Reason.RENT, "1500.00", {"monthly_rent": "1500.00"}, True),
)
RETURN_REASON = "医疗费用发票为复印件，请提交原件或加盖医院公章的复印件"
REJECT_REASON = "医疗费用发票与病历记载的就诊日期不一致"


class Command(BaseCommand):
    help = ("Demo withdrawal applications (idempotent: nothing when applications exist): one at each step of the "
            "workflow, through the withdrawals services.")

    def handle(self, *args, **options):
        if WithdrawalApplication.objects.exists():
            self.stdout.write("Withdrawal applications already exist; no demo withdrawals added.")
            return
        started = time.perf_counter()
        with transaction.atomic():
            done = self._seed()
        self.stdout.write(f"  demo withdrawals: {done} applications in {time.perf_counter() - started:.1f} s")

    def _seed(self):
        clerk, reviewer, approver, finance = (
            staff_user(r) for r in (roles.CLERK, roles.REVIEWER, roles.APPROVER, roles.FINANCE))
        candidates = (FundAccount.objects.filter(status=FundAccount.Status.NORMAL, kind=FundAccount.Kind.EMPLOYEE,
                                                 depositor__user__isnull=True, depositor__loan_contracts__isnull=True,
                                                 depositor__loan_applications__isnull=True)
                      .select_related("depositor").order_by(F("ledger_account__balance").desc(), "pk"))
        used, done = set(), 0
        plan = iter(PLAN)
        step = next(plan)
        for account in candidates[:200]:
            family = {account.depositor_id, account.depositor.spouse_id} - {None}
            if family & used:
                continue
            try:
                with transaction.atomic():
                    self._one(step, account, clerk, reviewer, approver, finance)
            except ApplicationError:  # not eligible (e.g. too few deposit months): the next account
                continue
            used |= family
            done += 1
            step = next(plan, None)
            if step is None:
                break
        if step is not None:
            self.stderr.write(f"  only {done} of {len(PLAN)} demo withdrawals: too few eligible accounts")
        return done

    def _one(self, step, account, clerk, reviewer, approver, finance):
        state, reason, amount, facts, online = step
        applicant = portal_user(account.depositor) if online else clerk
        rule = rules.rule_for(reason, today())
        documents = [(doc_type, scan(f"{doc_type}.pdf")) for doc_type in (rule.evidence if rule else ())]
        app = services.apply(actor=applicant, account=account, reason=reason, amount=amount, facts=facts,
                             payee_card=demo_card(account.pk), payee_name=account.depositor.name,
                             payee_bank="中国工商银行示范市分行", documents=documents)
        if state in ("submitted", "auto"):
            return
        if state == "cancelled":
            services.cancel(actor=applicant, application=app, comment="已通过医保报销，不再提取")
            return
        if state == "returned":
            services.return_for_documents(actor=clerk, application=app, reason=RETURN_REASON)
            return
        if online:
            app = services.accept(actor=clerk, application=app)
        if state == "accepted":
            return
        app = services.review(actor=reviewer, application=app, comment="材料齐全，金额无误")
        if state == "reviewed":
            return
        if state == "rejected":
            services.reject(actor=approver, application=app, reason=REJECT_REASON)
            return
        app = services.approve(actor=approver, application=app, comment="同意", pay_now=state != "approved")
        if state == "closed":
            services.settle_payment(application=app, actor=finance)
