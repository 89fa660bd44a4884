"""Beat schedule, declared in code (django-celery-beat copies it into the admin-editable tables)."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    # Nightly three-ledger reconciliation (三账平衡); the result is stored and shown to finance staff.
    "ledger-reconcile-nightly": {
        "task": "ledger.reconcile",
        "schedule": crontab(hour=1, minute=30),
    },
    # Daily, after midnight: end deferral / ratio-reduction periods that are over and start approved ones
    # whose first month has come (缓缴、降低比例), then apply the annual base adjustment on July 1 (基数调整).
    "deposits-deferral-periods-daily": {
        "task": "deposits.deferral_periods",
        "schedule": crontab(hour=0, minute=20),
    },
    "deposits-base-adjustments-daily": {
        "task": "deposits.apply_base_adjustments",
        "schedule": crontab(hour=0, minute=40),
    },
    # Monthly on the 6th: employers' arrears (欠缴) and reminders (催缴). By then the deadline (payday ≤ 28
    # + 5 days) of every employer's previous month has passed; the job is idempotent, so a rerun is harmless.
    "deposits-detect-arrears-monthly": {
        "task": "deposits.detect_arrears",
        "schedule": crontab(day_of_month=6, hour=3, minute=0),
    },
    # Monthly on the 1st: standing rent and loan-offset withdrawals (按月提取) for the month; idempotent.
    "withdrawals-standing-monthly": {
        "task": "withdrawals.run_standing",
        "schedule": crontab(day_of_month=1, hour=2, minute=0),
    },
    # Daily: pick up what the bank settled or refused and close or reopen the withdrawal cases.
    "withdrawals-sync-bank-daily": {
        "task": "withdrawals.sync_bank",
        "schedule": crontab(hour=3, minute=0),
    },
    # Every five minutes: send again the settlement runs recorded while the broker was unreachable (or stalled).
    "deposits-resume-interest-runs": {
        "task": "deposits.resume_interest_runs",
        "schedule": crontab(minute="*/5"),
    },
    # Every five minutes: send again the background reconciliations, matchings and list uploads started by staff
    # while the broker was unreachable (or stalled).
    "ledger-resume-reconciliation-runs": {
        "task": "ledger.resume_reconciliation_runs",
        "schedule": crontab(minute="*/5"),
    },
    "deposits-resume-match-runs": {
        "task": "deposits.resume_match_runs",
        "schedule": crontab(minute="*/5"),
    },
    "deposits-resume-upload-runs": {
        "task": "deposits.resume_upload_runs",
        "schedule": crontab(minute="*/5"),
    },
    "ledger-resume-statement-import-runs": {
        "task": "ledger.resume_statement_import_runs",
        "schedule": crontab(minute="*/5"),
    },
    # July 1, after midnight: the annual interest settlement (结息) for the interest year that ended on June 30.
    # Idempotent and resumable: a settled year posts nothing.
    "deposits-interest-settlement-yearly": {
        "task": "deposits.settle_interest",
        "schedule": crontab(month_of_year=7, day_of_month=1, hour=0, minute=30),
    },
    # Daily in July: the annual statements (年度对账单) of the interest year that ended on June 30, once its
    # interest is settled (skipped before); idempotent and resumable.
    "documents-statements-yearly": {
        "task": "documents.build_statements",
        "schedule": crontab(month_of_year=7, hour=6, minute=0),
    },
    # Every five minutes: send again the statement runs recorded while the broker was unreachable (or stalled).
    "documents-resume-statement-runs": {
        "task": "documents.resume_statement_runs",
        "schedule": crontab(minute="*/5"),
    },
    # Daily, after midnight: the loan installments whose due date comes within the horizon are stored from their
    # schedule plans (loans.models.SchedulePlan); idempotent.
    "loans-extend-schedules-daily": {
        "task": "loans.extend_schedules",
        "schedule": crontab(hour=0, minute=40),
    },
    # Daily, after midnight: the interest of the installments falling due is booked to 131 应收利息; idempotent.
    "loans-accrue-interest-daily": {
        "task": "loans.accrue_interest",
        "schedule": crontab(hour=0, minute=45),
    },
    # Daily, early: the bank debit orders (批量代扣) of the loan installments due today; idempotent, resumable.
    "loans-debit-run-daily": {
        "task": "loans.debit_run",
        "schedule": crontab(hour=4, minute=30),
    },
    # Every half hour: post the debit batches the bank answered (its channel, or a confirmed result file).
    "loans-apply-debit-results": {
        "task": "loans.apply_debit_results",
        "schedule": crontab(minute="*/30"),
    },
    # Every five minutes: send again the debit runs recorded while the broker was unreachable (or stalled).
    "loans-resume-debit-runs": {
        "task": "loans.resume_debit_runs",
        "schedule": crontab(minute="*/5"),
    },
    # Daily, after the debit run: the close of business of the loans (overdue installments, penalty interest,
    # 121 → 122, the five-grade classification, reminders, fund deductions, the defaulter list). Every business
    # date not closed yet is closed in order (a missed night is caught up); idempotent and resumable.
    "loans-close-of-business-daily": {
        "task": "loans.close_of_business",
        "schedule": crontab(hour=5, minute=0),
    },
    # January 1, after midnight: loans of more than one year take the rate table's new rate (利率调整, DOMAIN.md
    # §4.5). Idempotent and resumable: a repriced contract already has the table's rate.
    "loans-reprice-yearly": {
        "task": "loans.reprice",
        "schedule": crontab(month_of_year=1, day_of_month=1, hour=0, minute=50),
    },
    # Daily, after midnight: judicial freezes past their end date expire (their holds are released) and the
    # waiting freezes of those accounts take effect in queue order (DOMAIN.md §6.3). Idempotent.
    "judicial-expire-freezes-daily": {
        "task": "judicial.expire_freezes",
        "schedule": crontab(hour=0, minute=10),
    },
    # Daily: close or re-freeze the court deductions whose payment the bank settled or returned.
    "judicial-sync-bank-daily": {
        "task": "judicial.sync_bank",
        "schedule": crontab(hour=3, minute=10),
    },
}
