"""The 绿/黄/红 status rule: the trajectory from opening balance to target, the status of a metric and
of a finding with its reason, and the rule in words as the legends show it."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from rectification.core import config, vocabulary
from rectification.core.months import as_date, chinese, month_end, month_index
from rectification.core.vocabulary import CLOSED, LONG_TERM, PENDING
from rectification.rules.data import Data
from rectification.rules.text import gap_text

GREEN, YELLOW, RED, GREY = "绿", "黄", "红", "灰"
RAG_ORDER = {RED: 0, YELLOW: 1, GREEN: 2, GREY: 3}
TOLERANCE = 0.10  # 黄: at most this far below the trajectory


def due_soon_days() -> int:
    """黄: the deadline is at most this many days away and the work is not done. The deadline
    预警 setting, so the colours, 需要关注, 问题详情 and the 催办单 draw the line at the same day."""
    return config.deadline_days()[1]


def rag_rule() -> dict[str, str]:
    """The one documented status rule, with the thresholds in force: the overview shows it as its
    legend, README repeats it."""
    warning = due_soon_days()
    return {
        GREEN: "达到或超过进度线（从期初值到目标值的直线进度），或已达目标、已销号、待审核",
        YELLOW: f"低于进度线不超过{TOLERANCE:.0%}；或距截止不超过{warning}天（预警）且尚未完成",
        RED: f"低于进度线超过{TOLERANCE:.0%}；或已过截止日期仍未完成（逾期）",
        GREY: "未设目标和截止日期，无从判断",
    }


def deadline_rule() -> str:
    """The deadline thresholds in force, as the legend names them (settings deadline_notice_days and
    deadline_warning_days)."""
    notice, warning = config.deadline_days()
    return (
        f"期限提醒：剩余{notice}天内为{vocabulary.NOTICE}（提示，不改颜色），"
        f"{warning}天内为{vocabulary.WARNING}（黄），过期为{vocabulary.OVERDUE}（红）"
    )


def reference_date(as_of: str, today: dt.date | None = None) -> dt.date:
    """The day deadlines are judged against: the end of the 'as of' month, but never after today."""
    return min(month_end(as_of), today or dt.date.today())


def trajectory_value(
    month: str, *, opening_value: float, opening_month: str, target_value: float, target_month: str | None
) -> float:
    """Where a metric should stand in `month`: a straight line from the opening balance to the target.
    A target without a month (or dated at or before the opening) applies at once."""
    if not target_month or month_index(target_month) <= month_index(opening_month):
        return float(target_value)
    span = month_index(target_month) - month_index(opening_month)
    share = min(max((month_index(month) - month_index(opening_month)) / span, 0.0), 1.0)
    return float(opening_value + (target_value - opening_value) * share)


def metric_rag(
    actual: float | None,
    expected: float | None,
    *,
    target: float | None,
    due: dt.date | None,
    ref: dt.date,
    warning: int | None = None,
    unit: str = "",
) -> tuple[str, str]:
    """The status of one metric and the reason in words. Higher is better for every metric.
    `warning`: days before `due` from which it is yellow (default: the deadline 预警 setting); `unit`
    words the gap (a rate's in 个百分点)."""
    if target is None or pd.isna(target):
        return GREY, "未设目标"
    actual = 0.0 if actual is None or pd.isna(actual) else float(actual)
    if actual >= target:
        return GREEN, "已达目标"
    if due is not None and ref > due:
        return RED, f"已过目标期限（{due:%Y-%m-%d}）仍未达目标"
    expected = float(target if expected is None or pd.isna(expected) else expected)
    floor = expected * (1 - TOLERANCE)
    epsilon = 1e-9 * max(1.0, abs(expected))  # 90 must count as "within 10% of 100" despite rounding
    if actual < floor - epsilon:
        return RED, f"{BEHIND}（{gap_text(actual, expected, unit)}）"
    if actual < expected - epsilon:
        return YELLOW, f"{SLIGHTLY_BEHIND}（{gap_text(actual, expected, unit)}）"
    warning = due_soon_days() if warning is None else warning
    if due is not None and (due - ref).days <= warning:
        return YELLOW, f"{vocabulary.WARNING}：目标期限 {due:%Y-%m-%d}，剩余 {(due - ref).days} 天"
    return GREEN, "符合进度"


BEHIND, SLIGHTLY_BEHIND = "低于进度线", "略低于进度线"


def finding_rag(
    status: str,
    *,
    is_long_term: bool,
    deadline: dt.date | None,
    ref: dt.date,
    metric_rags: list[str],
    warning: int | None = None,
) -> tuple[str, str]:
    """The status of one finding: done, overdue, due soon, else the worst of its metrics.
    `warning`: days before the deadline from which it is yellow (default: the deadline 预警 setting)."""
    if status == CLOSED:
        return GREEN, CLOSED
    if status == PENDING:
        return GREEN, "已申请销号，待审核"
    dated = deadline is not None and not pd.isna(deadline) and not is_long_term and status != LONG_TERM
    if dated and ref > deadline:
        return RED, f"已过整改期限（{deadline:%Y-%m-%d}）仍未完成"
    known = [r for r in metric_rags if r != GREY]
    worst = min(known, key=RAG_ORDER.get) if known else None
    if worst == RED:
        return RED, "有指标低于进度线超过10%"
    warning = due_soon_days() if warning is None else warning
    if dated and (deadline - ref).days <= warning:
        return YELLOW, f"{vocabulary.WARNING}：整改期限 {deadline:%Y-%m-%d}，剩余 {(deadline - ref).days} 天"
    if worst == YELLOW:
        return YELLOW, "有指标略低于进度线"
    if worst == GREEN or dated:
        return GREEN, "按期推进"
    return GREY, "未设期限和目标"


def metric_due(target_month: str | None, deadline) -> dt.date | None:
    """A target is due at the end of its month; without one, by the finding's deadline."""
    if target_month and not pd.isna(target_month):
        return month_end(target_month)
    return as_date(deadline)


def metric_positions(data: Data, metrics: pd.DataFrame, as_of: str) -> pd.DataFrame:
    """One row per metric: this month's value, the cumulative position as of `as_of` and its source."""
    upto = data.monthly[data.monthly.month <= as_of]
    last = upto.groupby("metric_code", sort=False).tail(1).set_index("metric_code")
    this = data.monthly[data.monthly.month == as_of].set_index("metric_code")
    out = metrics[["metric_code"]].copy()
    out["month_value"] = out.metric_code.map(this.value)
    out["cumulative"] = out.metric_code.map(last.cumulative)
    out["source"] = out.metric_code.map(last.source)
    return out


def metric_status(data: Data, metrics: pd.DataFrame, as_of: str, today: dt.date | None = None) -> pd.DataFrame:
    """metric_positions plus the trajectory value, the due date and the status with its reason."""
    ref = reference_date(as_of, today)
    frame = metrics.merge(metric_positions(data, metrics, as_of), on="metric_code", how="left")
    expected, due, rag, reason = [], [], [], []
    warning = due_soon_days()
    for m in frame.itertuples():
        target = None if pd.isna(m.target_value) else float(m.target_value)
        exp = None
        if target is not None:
            exp = trajectory_value(
                as_of,
                opening_value=0.0 if pd.isna(m.opening_value) else float(m.opening_value),
                opening_month=m.opening_month if isinstance(m.opening_month, str) else as_of,
                target_value=target,
                target_month=m.target_month if isinstance(m.target_month, str) else None,
            )
        d = metric_due(m.target_month if isinstance(m.target_month, str) else None, m.deadline)
        unit = m.unit if isinstance(getattr(m, "unit", None), str) else ""
        r, why = metric_rag(m.cumulative, exp, target=target, due=d, ref=ref, warning=warning, unit=unit)
        opening = m.opening_month if isinstance(m.opening_month, str) else None
        if target is not None and opening and as_of < opening:
            # The trajectory starts at the report's month: before it nothing is behind or overdue.
            exp, r, why = None, GREY, f"通报基准月（{chinese(opening)}）之前，不对照进度线"
        expected.append(exp)
        due.append(d)
        rag.append(r)
        reason.append(why)
    frame["expected"] = expected
    frame["due"] = due
    frame["rag"] = rag
    frame["reason"] = reason
    return frame
