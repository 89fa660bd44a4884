"""The chart of accounts: control accounts created by a migration, sub-accounts by services."""

from django.utils.translation import gettext_lazy as _

from ledger.models import AccountKind

BANK_DEPOSITS = "101"  # 银行存款 (one sub-account per entrusted bank account)
ENTRUSTED_LOANS = "121"  # 委托贷款
OVERDUE_LOANS = "122"  # 逾期贷款
INTEREST_RECEIVABLE = "131"  # 应收利息
HOUSING_FUND = "201"  # 住房公积金 (one sub-account per personal fund account, plus suspense)
GENERAL_SUSPENSE = "201-S-000"  # 暂收未分摊 for money whose payer is unknown
INTEREST_PAYABLE = "211"  # 应付利息
OTHER_PAYABLES = "221"  # 其他应付款
LOAN_RISK_RESERVE = "301"  # 贷款风险准备
VALUE_ADDED = "311"  # 待分配增值收益
LOAN_INTEREST_INCOME = "401"  # 委托贷款利息收入
DEPOSIT_INTEREST_INCOME = "402"  # 住房公积金利息收入 (bank interest)
PENALTY_INCOME = "403"  # 罚息收入
FUND_INTEREST_EXPENSE = "501"  # 住房公积金利息支出
FEE_EXPENSE = "502"  # 手续费支出

# code, name, kind, is_control
CHART = [
    (BANK_DEPOSITS, _("Bank deposits"), AccountKind.ASSET, True),
    (ENTRUSTED_LOANS, _("Entrusted loans"), AccountKind.ASSET, True),
    (OVERDUE_LOANS, _("Overdue loans"), AccountKind.ASSET, True),
    (INTEREST_RECEIVABLE, _("Interest receivable"), AccountKind.ASSET, False),
    (HOUSING_FUND, _("Housing provident fund"), AccountKind.LIABILITY, True),
    (INTEREST_PAYABLE, _("Interest payable"), AccountKind.LIABILITY, False),
    (OTHER_PAYABLES, _("Other payables"), AccountKind.LIABILITY, False),
    (LOAN_RISK_RESERVE, _("Loan risk reserve"), AccountKind.EQUITY, False),
    (VALUE_ADDED, _("Value-added income to distribute"), AccountKind.EQUITY, False),
    (LOAN_INTEREST_INCOME, _("Interest income on entrusted loans"), AccountKind.INCOME, False),
    (DEPOSIT_INTEREST_INCOME, _("Interest income on fund deposits"), AccountKind.INCOME, False),
    (PENALTY_INCOME, _("Penalty interest income"), AccountKind.INCOME, False),
    (FUND_INTEREST_EXPENSE, _("Interest expense on the housing fund"), AccountKind.EXPENSE, False),
    (FEE_EXPENSE, _("Fee expense"), AccountKind.EXPENSE, False),
]

# Names in Chinese for the stored chart (the table holds one name; the UI translates the code list above).
CHART_NAMES_ZH = {
    BANK_DEPOSITS: "银行存款",
    ENTRUSTED_LOANS: "委托贷款",
    OVERDUE_LOANS: "逾期贷款",
    INTEREST_RECEIVABLE: "应收利息",
    HOUSING_FUND: "住房公积金",
    INTEREST_PAYABLE: "应付利息",
    OTHER_PAYABLES: "其他应付款",
    LOAN_RISK_RESERVE: "贷款风险准备",
    VALUE_ADDED: "待分配增值收益",
    LOAN_INTEREST_INCOME: "委托贷款利息收入",
    DEPOSIT_INTEREST_INCOME: "住房公积金利息收入",
    PENALTY_INCOME: "罚息收入",
    FUND_INTEREST_EXPENSE: "住房公积金利息支出",
    FEE_EXPENSE: "手续费支出",
}


def install_chart(Account):  # noqa: N803 - may be the historical model in a migration
    """Create the control and general accounts and the general suspense account if missing."""
    for code, _name, kind, is_control in CHART:
        Account.objects.get_or_create(
            code=code,
            defaults={"name": CHART_NAMES_ZH[code], "kind": kind, "role": "control" if is_control else "general",
                      "allow_negative": kind in (AccountKind.INCOME, AccountKind.EXPENSE, AccountKind.EQUITY)},
        )
    fund = Account.objects.get(code=HOUSING_FUND)
    Account.objects.get_or_create(
        code=GENERAL_SUSPENSE,
        defaults={"name": "暂收未分摊（付款单位不明）", "kind": AccountKind.LIABILITY, "role": "suspense",
                  "parent": fund},
    )
