"""How near a finding's deadline is: 临近 / 预警 / 逾期 by the thresholds in the settings."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from rectification.core import config
from rectification.core.months import as_date
from rectification.core.vocabulary import NOTICE, OVERDUE, WARNING

LEVEL_ORDER = {OVERDUE: 0, WARNING: 1, NOTICE: 2}


def described(deadline, original) -> str:
    """'2025-06-30', or '原定 2025-06-30，经批准延至 2025-09-30' once extended; '' without one."""
    deadline, original = as_date(deadline), as_date(original)
    if deadline is None:
        return ""
    if original is not None and original != deadline:
        return f"原定 {original}，经批准延至 {deadline}"
    return str(deadline)


def level(
    deadline, ref: dt.date, *, notice: int | None = None, warning: int | None = None
) -> tuple[str | None, int | None]:
    """(level, days left) of an open finding's deadline on day `ref`: None above the notice
    threshold, 临近 within it, 预警 within the warning threshold, 逾期 past the deadline."""
    deadline = as_date(deadline)
    if deadline is None:
        return None, None
    if notice is None or warning is None:
        notice, warning = config.deadline_days()
    days = (deadline - ref).days
    if days < 0:
        return OVERDUE, days
    if days <= warning:
        return WARNING, days
    if days <= notice:
        return NOTICE, days
    return None, days


def level_text(level_: str | None, days: int | None, leader: str | None = None) -> str:
    """剩余 12 天 / 已逾期 5 天（责任领导：张三）."""
    if days is None or pd.isna(days):
        return "未设期限"
    days = int(days)
    who = f"（责任领导：{leader}）" if leader else ""
    if level_ == OVERDUE:
        return f"已逾期 {-days} 天{who}"
    return f"剩余 {days} 天" + (who if level_ else "")
