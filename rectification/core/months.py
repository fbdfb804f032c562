"""Months as the app speaks them: 'YYYY-MM' strings in code, first-of-month dates in the store."""

from __future__ import annotations

import datetime as dt


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
    """'2025-03' -> '2025年3月', the form every label and title uses."""
    year, mon = month.split("-")
    return f"{int(year)}年{int(mon)}月"


def current_month(today: dt.date | None = None) -> str:
    return to_month(today or dt.date.today())
