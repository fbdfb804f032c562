"""Months as the app speaks them: 'YYYY-MM' strings in code, first-of-month dates in the store."""

from __future__ import annotations

import calendar
import datetime as dt

import pandas as pd


def to_date(month: str) -> dt.date:
    year, mon = month.split("-")
    return dt.date(int(year), int(mon), 1)


def to_month(value: dt.date | dt.datetime) -> str:
    return f"{value.year:04d}-{value.month:02d}"


def month_range(first: str, last: str) -> list[str]:
    """Every month from first to last inclusive, as 'YYYY-MM'."""
    year, mon = map(int, first.split("-"))
    end = tuple(map(int, last.split("-")))
    months = []
    while (year, mon) <= end:
        months.append(f"{year:04d}-{mon:02d}")
        year, mon = (year + 1, 1) if mon == 12 else (year, mon + 1)
    return months


def add_months(month: str, n: int) -> str:
    year, mon = map(int, month.split("-"))
    index = year * 12 + (mon - 1) + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def chinese(month: str) -> str:
    """'2026-04' -> '2026年4月', the form every label and title uses."""
    year, mon = month.split("-")
    return f"{int(year)}年{int(mon)}月"


def current_month(today: dt.date | None = None) -> str:
    return to_month(today or dt.date.today())


def month_index(month: str) -> int:
    """Months since year 0: the difference of two is the months between them."""
    year, mon = month.split("-")
    return int(year) * 12 + int(mon) - 1


def month_end(month: str) -> dt.date:
    year, mon = map(int, month.split("-"))
    return dt.date(year, mon, calendar.monthrange(year, mon)[1])


def as_date(value) -> dt.date | None:
    """A date, timestamp or ISO string as a date; None for a missing one (None, NaN, NaT)."""
    # NaT is a datetime too: ask pandas whether any scalar is missing, not only a non-date one.
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return None
    return pd.Timestamp(value).date()
