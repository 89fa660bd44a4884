"""Overdue classification (DOMAIN.md §5.3, §5.4): pure functions on days past due and periods, no ORM.

* :func:`risk_grade`: the five-grade classification (五级分类) from days past due: any overdue installment → 关注;
  more than the substandard / doubtful / loss thresholds (policy values, 90 / 270 / 360 by default) → 次级 / 可疑 /
  损失.
* :func:`credit_status`: the PBoC credit-report monthly status: N (normal), 1–7 by 30-day steps of days past due,
  and the letters of the closed or written-off loans (B 呆账, C 结清, G 非正常结清).
* :func:`bucket`: the supervision bucket of an overdue loan (1–3 months, 3–6, 6–12, 1–3 years, ≥ 3 years).
"""

NORMAL, SPECIAL_MENTION, SUBSTANDARD, DOUBTFUL, LOSS = "01", "02", "03", "04", "05"
BUCKETS = ("m1_3", "m3_6", "m6_12", "y1_3", "y3")


def risk_grade(dpd: int, *, overdue: bool, substandard: int = 90, doubtful: int = 270, loss: int = 360) -> str:
    """The grade of a loan ``dpd`` days past due on its oldest unpaid installment; ``overdue``: whether an
    installment is overdue (past its grace days)."""
    if not overdue:
        return NORMAL
    if dpd > loss:
        return LOSS
    if dpd > doubtful:
        return DOUBTFUL
    if dpd > substandard:
        return SUBSTANDARD
    return SPECIAL_MENTION


def credit_status(dpd: int, *, overdue: bool, closed: str = "") -> str:
    """The PBoC monthly repayment status (DOMAIN.md §5.4): ``closed`` = "paid_off" → C, "written_off" → B,
    "accelerated" (settled otherwise than by the schedule) → G; else N when nothing is overdue, 1 for 1–30 days,
    2 for 31–60, ..., 7 for more than 180 days."""
    if closed == "paid_off":
        return "C"
    if closed == "written_off":
        return "B"
    if closed == "accelerated":
        return "G"
    if not overdue or dpd <= 0:
        return "N"
    return str(min((dpd - 1) // 30 + 1, 7))


def bucket(dpd: int) -> str | None:
    """The supervision bucket ([YLGJJ] H10_1) of a loan overdue ``dpd`` days: months of 30 days, years of 360."""
    if dpd <= 0:
        return None
    if dpd <= 90:
        return "m1_3"
    if dpd <= 180:
        return "m3_6"
    if dpd <= 360:
        return "m6_12"
    if dpd <= 1080:
        return "y1_3"
    return "y3"
