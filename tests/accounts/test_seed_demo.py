"""seed_demo and demo_users: the generated data is valid, the ledger agrees with it, reconcile catches a
corrupted balance."""

import datetime
import io
from collections import defaultdict
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum
from rest_framework.authtoken.models import Token

from accounts.contributions import monthly_parts
from accounts.models import AccountEvent, Depositor, Employer, EmployerAgent, FundAccount
from core import roles, workflow
from core.business_date import today
from core.identity import is_valid_account_number, resident_id_facts, validate_resident_id, validate_uscc
from ledger import chart
from ledger.models import Account, BankStatementLine, JournalEntry, JournalLine
from ledger.posting import Line, lines_hash
from ledger.reconciliation import run_checks

SIZES = dict(employers=5, depositors=60, months=6, seed=7)  # seed 7: a closed employer and a closing withdrawal


def seed(**options):
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **{**SIZES, **options})
    return out.getvalue()


@pytest.fixture
def seeded(db):
    output = seed(no_cases=True)  # the accounts and remittances only; the cases of every module: seeded_for_loans
    # The test runs inside a transaction that is never committed: fire the deferred checks now
    # (the balance trigger on every entry, the foreign keys of the COPYed rows).
    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
    return output


def months_between(first: datetime.date, last: datetime.date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month + 1


def signed_sums():
    """{ledger account id: Σ lines in the account's normal direction}."""
    debit_normal = dict(Account.objects.values_list("pk", "debit_normal"))
    sums = defaultdict(Decimal)
    for account_id, side, amount in JournalLine.objects.values_list("account_id", "side", "amount"):
        sums[account_id] += amount if (side == "D") == debit_normal[account_id] else -amount
    return sums


def test_seed_prints_counts_and_creates_the_requested_sizes(seeded):
    assert "Done in" in seeded and "JournalLine" in seeded
    assert Employer.objects.count() == 5
    assert Depositor.objects.count() == 60
    assert FundAccount.objects.count() == 60


def test_identities_and_numbers_are_valid(seeded):
    for person in Depositor.objects.all():
        assert validate_resident_id(person.id_number) == person.id_number
        birth, gender = resident_id_facts(person.id_number)
        assert (birth, gender) == (person.birth_date, person.gender)
        assert 1965 <= birth.year <= 2003
        assert len(person.name) in (2, 3)
    for employer in Employer.objects.all():
        assert validate_uscc(employer.uscc) == employer.uscc
        assert is_valid_account_number(employer.account_number)
        assert 1 <= employer.payday <= 28
        assert employer.suspense_account.code == f"{chart.HOUSING_FUND}-S-{employer.account_number}"
        assert employer.suspense_account.role == Account.Role.SUSPENSE
        assert employer.suspense_account.parent.code == chart.HOUSING_FUND
    for account in FundAccount.objects.select_related("ledger_account__parent"):
        assert is_valid_account_number(account.number)
        assert account.ledger_account.code == f"{chart.HOUSING_FUND}-P-{account.number}"
        assert account.ledger_account.role == Account.Role.PERSONAL
        assert account.ledger_account.parent.code == chart.HOUSING_FUND
        assert Decimal("2330") <= account.base <= Decimal("32969")
        for ratio in (account.employee_ratio, account.employer_ratio):
            assert Decimal("0.05") <= ratio <= Decimal("0.12") and (ratio * 100) % 1 == 0


def test_spouses_are_mutual_married_couples(seeded):
    couples = Depositor.objects.filter(spouse__isnull=False).select_related("spouse")
    assert couples.count() >= 0.25 * 60
    for person in couples:
        assert person.spouse.spouse_id == person.pk
        assert person.marital_status == person.spouse.marital_status == Depositor.Marital.MARRIED
        assert person.gender != person.spouse.gender
        assert person.children == person.spouse.children


def test_balances_equal_lines_and_monthly_parts(seeded):
    sums = signed_sums()
    remittance_lines = defaultdict(int)
    for account_id in JournalLine.objects.filter(entry__business_type="01", side="C").values_list("account_id",
                                                                                                  flat=True):
        remittance_lines[account_id] += 1
    statuses = set()
    for account in FundAccount.objects.select_related("ledger_account", "employer"):
        ledger = account.ledger_account
        statuses.add(account.status)
        assert ledger.balance == sums.get(ledger.pk, Decimal(0))
        months = remittance_lines[ledger.pk]
        if account.paid_up_to:
            assert months == months_between(account.opened_on, account.paid_up_to)
        else:
            assert months == 0
        parts = monthly_parts(account.base, account.employee_ratio, account.employer_ratio)
        if account.status == FundAccount.Status.CLOSED_WITHDRAWN:
            assert ledger.balance == 0 and ledger.status == Account.Status.CLOSED and account.closed_on
            assert months > 0  # paid in, then withdrawn
        else:
            assert ledger.balance == sum(parts) * months
            assert ledger.status == Account.Status.OPEN
        if account.status == FundAccount.Status.SEALED:
            assert account.sealed_on and account.seal_reason
            assert account.events.filter(business_type=AccountEvent.BusinessType.SEAL).exists()
        assert account.events.filter(business_type=AccountEvent.BusinessType.OPEN).count() == 1
    assert {FundAccount.Status.NORMAL, FundAccount.Status.SEALED, FundAccount.Status.CLOSED_WITHDRAWN} <= statuses
    closed = Employer.objects.filter(status=Employer.Status.CLOSED)
    assert closed.exists()
    for employer in closed:
        assert employer.closed_on and employer.suspense_account.status == Account.Status.CLOSED
        assert not employer.accounts.filter(status=FundAccount.Status.NORMAL).exists()


def test_one_entry_per_employer_month_with_the_bank_statement_line(seeded):
    entries = JournalEntry.objects.filter(business_type="01").prefetch_related("lines")
    assert entries.exists()
    for entry in entries:
        lines = list(entry.lines.all())
        debits = [ln for ln in lines if ln.side == "D"]
        assert len(debits) == 1 and debits[0].account.role == Account.Role.BANK
        assert debits[0].amount == sum(ln.amount for ln in lines if ln.side == "C") == entry.total
        assert entry.line_count == len(lines)
        assert entry.idempotency_key.startswith("seed:")
        assert entry.lines_hash == lines_hash([Line(ln.account_id, ln.side, ln.amount) for ln in lines])
        statement = BankStatementLine.objects.get(entry=entry)
        assert (statement.direction, statement.amount, statement.match_status) == ("C", entry.total, "booked")
        assert statement.bank_account.ledger_account_id == debits[0].account_id
    employer = Employer.objects.exclude(status=Employer.Status.CLOSED).first()
    month = employer.paid_up_to
    assert JournalEntry.objects.filter(idempotency_key=f"seed:{employer.account_number}:{month:%Y%m}").count() == 1


def test_reconciliation_agrees(seeded):
    report = run_checks()
    assert report["ok"], [c for c in report["checks"] if not c["ok"]]


def test_reconcile_command_exits_0_on_clean_data(seeded):
    call_command("reconcile", "--no-save", stdout=io.StringIO())  # raises SystemExit(1) on any difference


def test_reconcile_command_exits_1_on_a_corrupted_balance(seeded):
    account = Account.objects.filter(role=Account.Role.PERSONAL, balance__gt=0).order_by("code").first()
    with connection.cursor() as cur:
        cur.execute("UPDATE ledger_account SET balance = balance + 1 WHERE id = %s", [account.pk])
    try:
        out = io.StringIO()
        with pytest.raises(SystemExit) as exc:
            call_command("reconcile", "--no-save", stdout=out)
        assert exc.value.code == 1
        assert account.code in out.getvalue()
        diff = next(d for c in run_checks()["checks"] if c["name"] == "account_balances"
                    for d in c["differences"] if d["account"] == account.code)
        assert Decimal(diff["cached"]) - Decimal(diff["from_lines"]) == 1
    finally:
        with connection.cursor() as cur:
            cur.execute("UPDATE ledger_account SET balance = balance - 1 WHERE id = %s", [account.pk])
    call_command("reconcile", "--no-save", stdout=io.StringIO())


def test_if_empty_does_nothing_when_depositors_exist(seeded):
    lines = JournalLine.objects.count()
    output = seed(if_empty=True, seed=8, no_cases=True)
    assert "nothing to do" in output
    assert Depositor.objects.count() == 60 and JournalLine.objects.count() == lines


def test_a_second_seed_adds_new_people_and_numbers(seeded):
    seed(employers=2, depositors=10, months=2, seed=7, no_cases=True)  # same seed: collisions must be avoided
    assert Depositor.objects.count() == 70
    assert Employer.objects.values("uscc").distinct().count() == 7
    assert run_checks()["checks"][0]["ok"]  # trial balance


def test_demo_users_is_idempotent(seeded):
    for _ in range(2):
        out = io.StringIO()
        call_command("demo_users", stdout=out)
    text = out.getvalue()
    for username in ("clerk", "reviewer", "approver", "loan", "judicial", "finance", "auditor", "admin",
                     "bank_api", "agent1"):
        assert username in text
        assert User.objects.get(username=username).check_password("demo12345")
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    for role in roles.STAFF_ROLES:  # and a second judicial officer, who confirms what the first prepares
        assert User.objects.filter(groups__name=role).count() == (2 if role == roles.JUDICIAL_OFFICER else 1)
    assert User.objects.get(username="judicial2").check_password("demo12345")
    portal = Depositor.objects.filter(user__isnull=False)
    assert portal.count() == 3
    for person in portal:
        assert person.user.username == person.id_number
        assert person.user.groups.filter(name=roles.DEPOSITOR).exists()
    assert EmployerAgent.objects.count() == User.objects.filter(username__startswith="agent").count() >= 2
    bank = User.objects.get(username="bank_api")
    assert bank.groups.filter(name=roles.BANK_CLIENT).exists() and Token.objects.filter(user=bank).exists()


def test_remittance_lists_match_the_postings_and_give_continuity(seeded):
    from deposits.models import RemittanceLine, RemittanceList
    from deposits.selectors import continuous_months

    lists = list(RemittanceList.objects.select_related("entry"))
    assert lists and all(rl.status == "posted" and rl.kind == "1" for rl in lists)
    for rl in lists:
        lines = list(rl.lines.all())
        assert len(lines) == rl.headcount and sum(ln.amount for ln in lines) == rl.total == rl.entry.total
        assert rl.employee_total + rl.employer_total == rl.total
        assert all(ln.posted and ln.month == rl.month and ln.employee_amount + ln.employer_amount == ln.amount
                   for ln in lines)
        credited = dict(JournalLine.objects.filter(entry=rl.entry, side="C").values_list("account_id", "amount"))
        assert {ln.account.ledger_account_id: ln.amount for ln in lines} == credited
    # a depositor paid every month of the window has that many continuous months before today's month
    normal = FundAccount.objects.filter(status=FundAccount.Status.NORMAL).first()
    paid = RemittanceLine.objects.filter(account=normal, posted=True).order_by("month")
    last = paid.last().month
    assert continuous_months(normal, last) == paid.filter(month__lte=last).count() >= 1


@pytest.fixture
def seeded_for_loans(db):
    """A demo large enough for a borrower per demo loan (each family borrows once)."""
    # the loan disbursed 40 days ago needs 6 continuous months by then; ten employers for the deposit cases
    output = seed(employers=10, depositors=120, months=12)
    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
    return output


def test_demo_loans_in_every_state_through_the_services(seeded_for_loans):
    from loans.models import LoanApplication, LoanContract, LoanRepayment, ScheduleInstallment

    states = sorted(LoanApplication.objects.values_list("state", flat=True))
    # accepted: one purchase, one commercial-to-fund conversion, one combined loan
    assert states == sorted(
        ["approved"] * 7 + ["accepted"] * 3 + ["draft", "submitted", "reviewed", "rejected", "returned", "cancelled"]
    )
    contracts = list(LoanContract.objects.order_by("pk"))
    statuses = ["normal", "normal", "paid_off", "awaiting_disbursement", "disbursing", "overdue"]
    assert [c.status for c in contracts] == statuses
    assert [c.repayments.count() for c in contracts] == [2, 1, 1, 0, 0, 0]
    assert [c.application.channel for c in contracts] == ["online"] + ["counter"] * 4 + ["online"]
    # disbursed 40 days ago and never repaid: today's close of business found its first installment overdue
    overdue = contracts[5]
    from loans.models import LoanOverdueState

    state = LoanOverdueState.objects.get(contract=overdue)
    first = ScheduleInstallment.objects.in_force_of(overdue.pk)[0]
    assert (state.periods, state.grade, state.dpd) == (1, "02", (today() - first.due_date).days)
    assert state.dpd > 3 and state.penalty == first.penalty_accrued > 0
    returned = LoanApplication.objects.get(state="returned")
    assert returned.channel == "online" and "收入证明" in workflow.history(returned).last().comment
    for c in contracts[:3]:
        repaid = LoanRepayment.objects.filter(contract=c).aggregate(p=Sum("principal"))["p"]
        rows = ScheduleInstallment.objects.in_force_of(c.pk)
        left = sum((r.principal - r.principal_paid for r in rows), Decimal(0))
        assert left == c.principal - repaid  # outstanding principal: what the schedule still owes
        assert c.ledger_account.balance == (0 if c.status == "paid_off" else left)
        assert c.repayments.filter(statement_line__statement__channel="bank").count() == c.repayments.count()
    assert contracts[2].closed_on is not None and contracts[2].repayments.get().kind == "payoff"
    # the online borrower of the first loan is a demo login, listed with the loan
    out = io.StringIO()
    call_command("demo_users", stdout=out)
    assert f"{contracts[0].borrower.id_number}  {contracts[0].borrower.name}" in out.getvalue()
    assert f"贷款 {contracts[0].number}" in out.getvalue()
    report = run_checks()
    assert report["ok"], [c for c in report["checks"] if not c["ok"]]
    output = io.StringIO()
    call_command("seed_demo_loans", stdout=output)  # idempotent
    assert "already exist" in output.getvalue() and LoanApplication.objects.count() == 16


def test_every_module_has_cases_in_every_state(seeded_for_loans):
    """A newcomer finds a working center: each module's cases in each state, made by the services (workflow
    history, ledger entries), and the books still balance."""
    from deposits.models import ArrearsRecord, BaseAdjustment, DeferralApplication, FlexibleDeposit
    from documents.models import AnnualStatement, Certificate
    from judicial.models import Freeze, JudicialRequest
    from withdrawals.models import WithdrawalApplication

    def states(model, field, **filters):
        return sorted(model.objects.filter(**filters).values_list(field, flat=True))

    output = seeded_for_loans
    for line in ("demo deposits:", "demo loans:", "demo withdrawals:", "demo court requests:", "demo documents:"):
        assert line in output
    # deposits: deferrals and a ratio reduction through the workflow, base adjustments, arrears, flexible workers
    assert states(DeferralApplication, "status", kind="deferral") == ["approved", "rejected", "reviewed", "submitted"]
    assert states(DeferralApplication, "status", kind="ratio_reduction") == ["approved"]
    rejected = DeferralApplication.objects.get(status="rejected")
    assert workflow.history(rejected).last().comment.startswith("单位当期经营正常")
    assert states(BaseAdjustment, "status") == ["applied", "pending"]
    applied = BaseAdjustment.objects.get(status="applied")
    line = applied.lines.select_related("account").first()
    assert line.account.base == line.new_base != line.old_base
    in_arrears = Employer.objects.filter(arrears__status=ArrearsRecord.Status.OPEN).distinct()
    assert in_arrears.count() == 1 and in_arrears.get().status != Employer.Status.CLOSED
    assert ArrearsRecord.objects.filter(status="open").count() == 3  # three months unpaid
    flexible = FundAccount.objects.filter(kind=FundAccount.Kind.FLEXIBLE)
    assert flexible.count() == 2
    for account in flexible.select_related("ledger_account"):
        deposits = FlexibleDeposit.objects.filter(account=account)
        assert deposits.exists() and account.paid_up_to == max(d.month_to for d in deposits)
        assert sum(d.amount for d in deposits) == account.monthly_total * sum(d.months for d in deposits)
    # interest: the year that ended last June 30 settled, one credit per account, and its statements built
    year = today().year if today() >= datetime.date(today().year, 6, 30) else today().year - 1
    interest = JournalEntry.objects.filter(business_date=datetime.date(year, 6, 30), lines__side="C",
                                           lines__account__role=Account.Role.PERSONAL).distinct()
    assert interest.exists()
    assert AnnualStatement.objects.filter(year=year).count() == FundAccount.objects.filter(
        opened_on__lte=datetime.date(year, 6, 30)).count()
    # withdrawals: one at each step of the workflow
    assert set(states(WithdrawalApplication, "state")) >= {
        "submitted", "accepted", "reviewed", "approved", "paid", "closed", "returned", "rejected", "cancelled"}
    paid = WithdrawalApplication.objects.filter(state="paid")
    assert paid.exists() and all(app.instruction_id for app in paid)
    # court requests: a query, freezes in force, one waiting for the checker, a refusal, a deduction paid
    assert sorted(f"{m}:{s}" for m, s in JudicialRequest.objects.values_list("measure", "state")) == [
        "deduct:paid", "freeze:executed", "freeze:executed", "freeze:prepared", "freeze:refused", "query:executed"]
    assert Freeze.objects.filter(state="active").count() == 2
    # certificates of each kind
    assert states(Certificate, "kind") == ["deposit", "other_place", "payoff"]
    report = run_checks()
    assert report["ok"], [c for c in report["checks"] if not c["ok"]]
    again = seed(employers=10, depositors=120, months=12, if_empty=True)
    assert "nothing to do" in again and DeferralApplication.objects.count() == 5
