"""Demo court requests on top of ``seed_demo``'s accounts, all through the judicial services: a query answered, a
freeze in force, a freeze waiting for the checker, a deduction paid to the court from a retired person's frozen
money, and a request refused. Each is prepared by one judicial officer and confirmed by another."""

import datetime
import time
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import F

from accounts.management.demo import SECOND_JUDICIAL_OFFICER, staff_user
from accounts.models import FundAccount
from core import roles
from core.business_date import today
from core.errors import ApplicationError
from judicial import services
from judicial.models import Court, JudicialRequest
from judicial.services import risk

COURT = {"code": "3301020", "name": "示范市东城区人民法院",
         "enforcement_account_name": "示范市东城区人民法院执行款专户",
         "enforcement_account_number": "33050161000000000001", "enforcement_bank": "中国建设银行示范市东城支行"}
DEDUCTION_DOCS = {"ruling_number": "(2026)示0102执1208号之一", "notice_number": "协执字第2026-118号",
                  "payee_name": COURT["enforcement_account_name"], "payee_account": COURT["enforcement_account_number"]}


class Command(BaseCommand):
    help = ("Demo court requests (idempotent: nothing when requests exist): a query, freezes, a deduction and a "
            "refusal, through the judicial services.")

    def handle(self, *args, **options):
        if JudicialRequest.objects.exists():
            self.stdout.write("Court requests already exist; no demo court requests added.")
            return
        started = time.perf_counter()
        with transaction.atomic():
            done = self._seed()
        self.stdout.write(f"  demo court requests: {done} in {time.perf_counter() - started:.1f} s")

    def _seed(self):
        self.operator = staff_user(roles.JUDICIAL_OFFICER)
        self.checker = staff_user(roles.JUDICIAL_OFFICER, username=SECOND_JUDICIAL_OFFICER)
        self.approver = staff_user(roles.APPROVER)
        self.court = Court.objects.filter(code=COURT["code"]).first() or services.register_court(
            actor=self.operator, **COURT)
        self.serial = 0
        accounts = (FundAccount.objects.filter(status=FundAccount.Status.NORMAL, kind=FundAccount.Kind.EMPLOYEE,
                                               depositor__user__isnull=True, depositor__loan_applications__isnull=True,
                                               depositor__withdrawals__isnull=True, ledger_account__balance__gt=20000)
                    .select_related("depositor", "ledger_account").order_by(F("ledger_account__balance").desc(), "pk"))
        # men of 60 and more have retired: a withdrawal condition, so the court's deduction can be paid
        retired_by = today().replace(year=today().year - 60)
        retired = accounts.filter(depositor__gender="M", depositor__birth_date__lte=retired_by).first()
        others = [a for a in accounts[:20] if retired is None or a.pk != retired.pk]
        done = 0
        steps = [(self._query, others[0:1]), (self._freeze, others[1:2]), (self._waiting, others[2:3]),
                 (self._refused, others[3:4]), (self._deduction, [retired] if retired else [])]
        for step, candidates in steps:
            for account in candidates:
                try:
                    with transaction.atomic():
                        step(account)
                    done += 1
                except ApplicationError as exc:
                    self.stderr.write(f"  demo court request not made ({step.__name__}): {exc.message}")
        return done

    def _receive(self, account, measure, **data):
        self.serial += 1
        person = account.depositor
        data = {"number": f"SF{today():%Y%m%d}{self.serial:04d}", "measure": measure, "person_name": person.name,
                "id_number": person.id_number, "judge": "陈法官", "judge_phone": "0571-87001234",
                "case_number": f"(2026)示0102执{1200 + self.serial}号", **data}
        return services.receive_request(actor=self.operator, court=self.court, data=data)

    def _run(self, request):
        request = services.prepare(actor=self.operator, request=request)
        if request.risk_flagged:  # a possible sham lawsuit: a second-level review lets it through first
            request = risk.second_review(actor=self.approver, request=request, decision="proceed",
                                         comment="已核对执行依据，准予执行")
        return services.confirm(actor=self.checker, request=request)

    def _query(self, account):
        self._run(self._receive(account, "query"))

    def _freeze(self, account):
        amount = (account.ledger_account.balance / 2).quantize(Decimal("0.01"))
        return self._run(self._receive(account, "freeze", amount=str(amount)))

    def _waiting(self, account):
        """Received and prepared: waiting for the second officer."""
        services.prepare(actor=self.operator, request=self._receive(account, "freeze", amount="8000.00"))

    def _refused(self, account):
        request = services.prepare(actor=self.operator, request=self._receive(account, "freeze", amount="12000.00"))
        services.refuse(actor=self.checker, request=request,
                        reason="协助执行通知书未加盖法院印章，请补正后重新送达")

    def _deduction(self, account):
        freeze = self._freeze(account)
        request = self._receive(account, "deduct", original_number=freeze.number, amount="10000.00",
                                ruling_date=(today() - datetime.timedelta(days=60)).isoformat(), **DEDUCTION_DOCS)
        request = self._run(request)
        if request.state == JudicialRequest.State.EXECUTED:  # the bank confirms the payment to the court
            services.settle_deduction(request=request, actor=staff_user(roles.FINANCE))
