"""Deductions from fund accounts for overdue housing loans recorded as withdrawals (DOMAIN.md §5, the collection
ladder; [YLGJJ] 025 强制扣划公积金还贷款): the loans' close of business draws the available balances of the
borrower's, the spouse's and the co-borrowers' accounts and posts them to the loan itself. Loans may not import
withdrawals, so it calls :func:`record_loan_recoveries` through settings (``LOAN_RECOVERY_WITHDRAWAL``) in the
transaction of that posting.

Each deduction is one completed case with reason 25 on the account it was drawn from, channel 贷款催收, naming the
loan and the journal entry; it posts nothing (the money already moved) and no withdrawal page can act on it. The
cases of one chunk are written set-based (one sequence reservation, two bulk inserts)."""

import datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import FundAccount
from core import numbering
from core.models import CaseTransition
from core.translatable import StoredText
from withdrawals.models import Reason, WithdrawalApplication

W = WithdrawalApplication
RULE = "loans:overdue_fund_deduction"


@transaction.atomic
def record_loan_recoveries(*, actor, on: datetime.date, entry_id: int, items: list[dict]) -> int:
    """The withdrawal cases of the deductions of one posting (``entry_id``): ``items`` are
    ``{"ledger_account_id", "amount", "contract"}`` (the fund account's ledger account, the amount drawn, the loan's
    contract number). Called once per posting, in its transaction (a chunk re-run after a commit finds the
    installments paid and deducts nothing). Returns how many cases were written."""
    items = [i for i in items if Decimal(i["amount"]) > 0]
    if not items:
        return 0
    accounts = {
        a["ledger_account_id"]: a
        for a in FundAccount.objects.filter(ledger_account_id__in=[i["ledger_account_id"] for i in items]).values(
            "pk", "depositor_id", "ledger_account_id"
        )
    }
    first = numbering.reserve("withdrawal", len(items))
    cases = W.objects.bulk_create(
        [
            W(
                number=f"TQ{on:%Y%m%d}{first + n:08d}",
                account_id=accounts[i["ledger_account_id"]]["pk"],
                depositor_id=accounts[i["ledger_account_id"]]["depositor_id"],
                reason=Reason.LOAN_RECOVERY,
                channel=W.Channel.LOAN_COLLECTION,
                state=W.State.CLOSED,
                application_date=on,
                facts={"contract": i["contract"], "entry": entry_id},
                amount_requested=Decimal(i["amount"]),
                amount_approved=Decimal(i["amount"]),
                payee_card="",
                payee_name=(_("Housing loan %(n)s") % {"n": i["contract"]})[:60],
                accepted_on=on,
                decided_on=on,
                auto_rule=RULE,
            )
            for n, i in enumerate(items)
        ]
    )
    ct = ContentType.objects.get_for_model(W)
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    CaseTransition.objects.bulk_create(
        [
            CaseTransition(
                case_type=ct,
                case_id=case.pk,
                action="loan_deduction",
                from_state="",
                to_state=W.State.CLOSED,
                actor_id=actor_id,
                rule=RULE,
                comment=(comment := StoredText(gettext_noop("Deducted for overdue housing loan %(n)s"),
                                               n=case.facts["contract"])),
                comment_message=comment.message,
                business_date=on,
            )
            for case in cases
        ]
    )
    return len(cases)
