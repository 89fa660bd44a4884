"""Demo deposit cases on top of ``seed_demo``'s employers and accounts, all through the deposits services: the
interest year that ended last June 30 settled, an employer in arrears found by the arrears job, deferral and ratio
reduction applications in every state, annual base adjustments applied and waiting, and flexible workers with their
deposits."""

import datetime
import random
import time
from decimal import ROUND_HALF_UP, Decimal

from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Count, Q

from accounts.management.demo import bank_receipt, business_date, scan, staff_user
from accounts.models import Depositor, Employer, FundAccount
from bench.synthetic import chinese_name, mobile, resident_id
from core import roles
from core.actors import system_actor
from core.business_date import today
from deposits.models import ArrearsRecord, DeferralApplication, FlexibleDeposit
from deposits.services import arrears, base_adjustment, deferral, flexible, interest

FLEXIBLE_MONTHS = 3  # months the demo flexible workers have paid
# (employer: its index among the paid-up employers, final state, kind, months, reason); the employer refused first
# applies again; the base adjustments go to the employers of the applications still in progress
DEFERRALS = (
    (0, "approved", "deferral", 6, "受市场影响订单骤减，资金周转困难，经职工代表大会同意申请缓缴"),
    (1, "approved", "ratio_reduction", 12, "连续两年亏损，经职工代表大会同意申请降低缴存比例"),
    (2, "reviewed", "deferral", 3, "主要客户拖欠货款，暂时无力缴存"),
    (3, "rejected", "deferral", 12, "经营困难，申请缓缴一年"),
    (3, "submitted", "deferral", 6, "营业收入下降，补充亏损证明后重新申请缓缴"),
)
BASE_ADJUSTMENT_EMPLOYERS = (2, 3)
REJECTION = "单位当期经营正常，未提供亏损证明材料"


def month_start(day):
    return day.replace(day=1)


def add_months(day, n):
    index = day.year * 12 + day.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


def settled_year(on):
    """The last interest year that has ended by ``on`` (years end on June 30): 2026 for 2026-12-01."""
    return on.year if on >= datetime.date(on.year, 6, 30) else on.year - 1


class Command(BaseCommand):
    help = ("Demo deposit cases (idempotent: nothing when deferral applications exist): last year's interest "
            "settled, arrears, deferrals and ratio reductions in every state, base adjustments, flexible workers.")

    def handle(self, *args, **options):
        if DeferralApplication.objects.exists():
            self.stdout.write("Deferral applications already exist; no demo deposit cases added.")
            return
        started = time.perf_counter()
        with transaction.atomic():
            done = self._seed()
        self.stdout.write("  demo deposits: " + ", ".join(f"{k} {v}" for k, v in done.items())
                          + f" in {time.perf_counter() - started:.1f} s")

    def _seed(self):
        clerk, reviewer, approver = (staff_user(r) for r in (roles.CLERK, roles.REVIEWER, roles.APPROVER))
        finance = staff_user(roles.FINANCE)
        system = system_actor()
        on = today()
        done = {}
        year = settled_year(on)
        settlement = interest.settle_interest(year=year, actor=system)
        done["interest year"] = f"{year} ({settlement.accounts} accounts)"
        arrears.detect_arrears(on=on, actor=system)
        done["employers in arrears"] = ArrearsRecord.objects.filter(status=ArrearsRecord.Status.OPEN).values(
            "employer").distinct().count()

        employers = self._employers()
        done["deferrals"] = self._deferrals(employers, clerk, reviewer, approver, on)
        done["base adjustments"] = self._base_adjustments(employers, clerk, on)
        done["flexible workers"] = self._flexible(clerk, finance, on)
        return done

    def _employers(self):
        """Active employers that are paid up, with at least two active employees, largest ratios first."""
        last_month = add_months(month_start(today()), -1)
        return list(Employer.objects.filter(status=Employer.Status.NORMAL, paid_up_to__gte=last_month)
                    .annotate(active=Count("accounts", filter=Q(accounts__status=FundAccount.Status.NORMAL)))
                    .filter(active__gte=2).order_by("-employer_ratio", "pk"))

    def _deferrals(self, employers, clerk, reviewer, approver, on):
        first = month_start(on)
        count = 0
        for index, state, kind, months, reason in DEFERRALS:
            if index >= len(employers):
                break
            employer = employers[index]
            extra = {}
            if kind == "ratio_reduction":
                extra = {"employee_ratio": Decimal("0.05"), "employer_ratio": Decimal("0.05")}
            app = deferral.submit_application(
                actor=clerk, employer=employer, kind=kind, month_from=first, month_to=add_months(first, months - 1),
                reason=reason, evidence=scan("职工代表大会决议.pdf"), decision_date=on - datetime.timedelta(days=10),
                **extra)
            count += 1
            if state == "submitted":
                continue
            app = deferral.review_application(actor=reviewer, application=app, comment="材料齐全")
            if state == "reviewed":
                continue
            if state == "rejected":
                deferral.reject_application(actor=approver, application=app, comment=REJECTION)
                continue
            deferral.approve_application(actor=approver, application=app, comment="同意")
        return count

    def _base_adjustments(self, employers, clerk, on):
        """One employer's bases for this deposit year (applied at once), another's for the next (waiting)."""
        this_year = base_adjustment.year_start(on)
        if this_year > on:
            this_year = this_year.replace(year=this_year.year - 1)
        count = 0
        years = ((this_year, Decimal("1.05")), (this_year.replace(year=this_year.year + 1), Decimal("1.08")))
        for index, (effective_from, raise_by) in zip(BASE_ADJUSTMENT_EMPLOYERS, years, strict=True):
            if index >= len(employers):
                break
            employer = employers[index]
            rows = [{"account_number": a.number, "name": a.depositor.name,
                     "wage": str((a.base * raise_by).quantize(Decimal("0.01"), ROUND_HALF_UP))}
                    for a in employer.accounts.filter(status=FundAccount.Status.NORMAL).select_related("depositor")
                    .order_by("number")]
            base_adjustment.submit_base_adjustment(actor=clerk, employer=employer, rows=rows,
                                                   effective_from=effective_from, source="demo")
            count += 1
        return count

    def _flexible(self, clerk, finance, on):
        """A new flexible worker and a former employee continuing on their own, both registered some months ago
        and paid every month since, each payment as the bank reported it."""
        rng = random.Random(11)
        opened = add_months(month_start(on), -FLEXIBLE_MONTHS + 1)
        taken = set(Depositor.objects.values_list("id_number", flat=True))
        birth = datetime.date(1988, 5, 17)
        id_number = next(n for n in (resident_id(rng, birth, "F") for _ in range(100)) if n not in taken)
        sealed = (FundAccount.objects.filter(status=FundAccount.Status.SEALED, kind=FundAccount.Kind.EMPLOYEE)
                  .exclude(depositor__accounts__status=FundAccount.Status.NORMAL)
                  .select_related("depositor").order_by("pk").first())
        workers = []
        with business_date(opened.replace(day=3)):
            workers.append(flexible.register_flexible(
                actor=clerk, base="6800.00", ratio=Decimal("0.10"), name=chinese_name(rng, "F"), id_number=id_number,
                phone=mobile(rng)))
            if sealed is not None:
                workers.append(flexible.register_flexible(actor=clerk, base="5200.00", ratio=Decimal("0.12"),
                                                          depositor=sealed.depositor))
        for n, account in enumerate(workers):
            account.refresh_from_db()
            for i in range(FLEXIBLE_MONTHS - (1 if n else 0)):
                month = add_months(opened, i)
                paid_on = month.replace(day=10 + n)
                if paid_on > on:
                    break
                with business_date(paid_on):
                    line = bank_receipt(amount=account.monthly_total, reference=f"LH{account.number}{month:%Y%m}",
                                        payer=account.depositor.name, value_date=paid_on)
                    flexible.flexible_deposit(actor=finance, account=account, months=[month], statement_line=line)
        return f"{len(workers)} ({FlexibleDeposit.objects.count()} deposits)"
