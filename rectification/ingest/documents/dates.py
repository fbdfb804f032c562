"""Dates as 通报 and 问题清单 write them: 2024年3月29日 (a later 6月28日 takes the year before it),
2025.6.30, 2025-06-30, 2025/6/30, 2025年6月 (the month's last day for a deadline)."""

from __future__ import annotations

import calendar
import datetime as dt
import re

FULL_DATE = re.compile(r"(?:(?P<year>(?:19|20)\d{2})\s*年\s*)?(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*日")
NUMERIC_DATE = re.compile(r"(?P<year>(?:19|20)\d{2})[.\-/](?P<month>\d{1,2})(?:[.\-/](?P<day>\d{1,2}))?")
YEAR_MONTH = re.compile(r"(?P<year>(?:19|20)\d{2})\s*年\s*(?P<month>\d{1,2})\s*月(?!\s*\d{1,2}\s*日)")


def _date(year: int, month: int, day: int | None) -> dt.date | None:
    if not 1 <= month <= 12:
        return None
    last = calendar.monthrange(year, month)[1]
    day = last if day is None else day
    return dt.date(year, month, day) if 1 <= day <= last else None


def dates_in(text: str, year: int | None = None) -> list[tuple[dt.date, int, int]]:
    """(date, start, end) of every 年月日 date, in order; a date without its year takes the one before."""
    found = []
    for match in FULL_DATE.finditer(text):
        year = int(match["year"]) if match["year"] else year
        if year is None:
            continue
        date = _date(year, int(match["month"]), int(match["day"]))
        if date:
            found.append((date, match.start(), match.end()))
    return found


def months_in(text: str) -> list[str]:
    """'YYYY-MM' of every YYYY年M月 not followed by a day (截至2026年4月)."""
    return [
        f"{int(m['year']):04d}-{int(m['month']):02d}" for m in YEAR_MONTH.finditer(text) if 1 <= int(m["month"]) <= 12
    ]


def deadline(text: str) -> dt.date | None:
    """A deadline cell or phrase: 2025年6月30日前, 2025.6.30, 2025-06-30, 2025年6月底; None for 长期坚持 or blank."""
    text = str(text or "")
    if found := dates_in(text):
        return found[0][0]
    if match := NUMERIC_DATE.search(text):
        return _date(int(match["year"]), int(match["month"]), int(match["day"]) if match["day"] else None)
    if match := YEAR_MONTH.search(text):
        return _date(int(match["year"]), int(match["month"]), None)
    return None
