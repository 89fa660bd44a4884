"""Demo documents on top of ``seed_demo``: the annual statements of the settled interest year built by the
statements run, and certificates issued at the counter (deposit, other-place loan, loan payoff), all through the
documents services."""

import time

from django.core.management.base import BaseCommand

from accounts.management.demo import staff_user
from accounts.models import FundAccount
from core import roles
from core.actors import system_actor
from core.business_date import today
from deposits.management.commands.seed_demo_deposits import settled_year
from documents.models import Certificate
from documents.services import certificates, statements
from loans.models import LoanContract


class Command(BaseCommand):
    help = ("Demo documents (idempotent: nothing when certificates exist): last year's annual statements and "
            "certificates of each kind, through the documents services.")

    def handle(self, *args, **options):
        if Certificate.objects.exists():
            self.stdout.write("Certificates already exist; no demo documents added.")
            return
        started = time.perf_counter()
        year = settled_year(today())
        built = 0
        if statements.settled(year):
            run = statements.build_statements(year=year, actor=system_actor())
            built = run.result.get("statements", 0)
        clerk = staff_user(roles.CLERK)
        issued = 0
        account = (FundAccount.objects.filter(status=FundAccount.Status.NORMAL, depositor__user__isnull=False)
                   .order_by("pk").first() or FundAccount.objects.filter(status=FundAccount.Status.NORMAL)
                   .order_by("pk").first())
        if account is not None:
            certificates.issue(actor=clerk, account_number=account.number, kind=Certificate.Kind.DEPOSIT, months=12)
            certificates.issue(actor=clerk, account_number=account.number, kind=Certificate.Kind.OTHER_PLACE,
                               addressee="示范省省直住房公积金管理中心")
            issued += 2
        paid_off = LoanContract.objects.filter(status=LoanContract.Status.PAID_OFF).select_related(
            "borrower").order_by("pk").first()
        if paid_off is not None:
            borrower_account = paid_off.borrower.accounts.order_by("-pk").first()
            certificates.issue(actor=clerk, account_number=borrower_account.number, kind=Certificate.Kind.PAYOFF,
                               contract_number=paid_off.number)
            issued += 1
        self.stdout.write(f"  demo documents: {built} annual statements of {year}, {issued} certificates "
                          f"in {time.perf_counter() - started:.1f} s")
