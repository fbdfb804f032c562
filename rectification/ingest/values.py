"""Months and values: what a cell means, with a Chinese reason when it means nothing."""

from __future__ import annotations

import datetime as dt
import math
import re

from rectification.core.months import current_month
from rectification.core.vocabulary import MAX_ABS_VALUE
from rectification.ingest.problems import Problem, cell_text, shown

_MONTH_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})(\d{2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月份?$"),
    # A date cell that Excel or WPS wrote into a CSV: 2025/4/1, 2025-04-01 00:00:00, 2025年4月1日.
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.]\d{1,2}(?:T?\d{1,2}:\d{2}(?::\d{2})?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月\d{1,2}日$"),
)
_AMBIGUOUS_MONTH = re.compile(r"^(\d{1,2}年)?\d{1,2}月份?$|^\d{2}[-/.]\d{1,2}$|^\d{4}$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
MONTH_HINT = "请写成 2025-04 或 2025年4月"


def month_of(value) -> tuple[str | None, str | None]:
    """(YYYY-MM, None) or (None, reason). Accepts typed text, Excel dates and date serials."""
    if isinstance(value, dt.datetime | dt.date):
        return _month(value.year, value.month)
    if isinstance(value, bool) or value is None:
        return None, "月份为空" if value is None else f"月份无法识别，{MONTH_HINT}"
    if isinstance(value, float) and not value.is_integer():
        # Excel turns a typed 2025.04 into the number 2025.04, and 2025.10 into 2025.1.
        year, _, fraction = repr(value).partition(".")
        if len(year) == 4 and fraction == "1":
            return None, "2025.1 这样的写法分不清是1月还是10月，请写成 2025-01 或 2025-10"
        if len(year) == 4 and len(fraction) <= 2:
            return _month(int(year), int(fraction))
        return None, f"月份无法识别，{MONTH_HINT}"
    text = re.sub(r"\s", "", cell_text(value))
    if text.endswith(".0"):
        text = text[:-2]
    if not text:
        return None, "月份为空"
    if re.fullmatch(r"\d{5}", text):
        # An Excel date serial (a date cell formatted as General).
        day = _EXCEL_EPOCH + dt.timedelta(days=int(text))
        return _month(day.year, day.month)
    for pattern in _MONTH_PATTERNS:
        match = pattern.match(text)
        if match:
            return _month(int(match.group(1)), int(match.group(2)))
    if _AMBIGUOUS_MONTH.match(text):
        return None, f"月份缺少完整的年份或月份，无法确定是哪一个月，{MONTH_HINT}"
    return None, f"月份无法识别，{MONTH_HINT}"


def _month(year: int, month: int) -> tuple[str | None, str | None]:
    if 1900 <= year <= 2100 and 1 <= month <= 12:
        return f"{year:04d}-{month:02d}", None
    return None, f"月份无法识别，{MONTH_HINT}"


def parse_month(text) -> str | None:
    """'2025年4月' -> '2025-04'; None when the month is not certain."""
    return month_of(text)[0]


def month_problem(value, line: int, *, tracking_start: str, column: str = "月份") -> tuple[str | None, Problem | None]:
    """The month of a data row, checked against the tracked period (from the programme's tracking start)."""
    month, reason = month_of(value)
    if month is None:
        return None, Problem(line, column, shown(value), reason)
    latest = current_month()
    if month > latest:
        return None, Problem(line, column, shown(value), f"月份晚于本月（{latest}），不能填报未来的月份")
    if month < tracking_start:
        return None, Problem(line, column, shown(value), f"月份早于整改跟踪开始的 {tracking_start}")
    return month, None


# Cells that mean "not reported this month": skipped, never stored as 0.
NOT_REPORTED = {"", "-", "--", "—", "——", "–", "/", "无", "N/A", "#N/A", "#DIV/0!"}
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_GROUPED = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")
_SCIENTIFIC = re.compile(r"^-?\d+(\.\d+)?E[+-]?\d+$", re.IGNORECASE)  # how Excel writes 1.2E+15 into a CSV
# A monthly figure counts cases, people, places or items (the largest in the catalogue are thousands of
# 人次), or is a percentage: a unit never reports a trillion of anything. A value this large is a typo or
# pasted junk, and 400 nines would even become infinity, which no chart, sum or export can show.
TOO_LARGE = "数值过大（应小于 1 万亿），请检查是否多填了数字"


def is_not_reported(value) -> bool:
    return not isinstance(value, int | float) and re.sub(r"\s", "", cell_text(value)).upper() in NOT_REPORTED


def number_of(value, *, percent_metric: bool, percent_cell: bool = False) -> float:
    """The cell as a number; ValueError with a Chinese reason when it is not one."""
    if isinstance(value, bool) or isinstance(value, dt.date | dt.time | dt.datetime):
        raise ValueError("不是数字")
    if isinstance(value, int | float):
        number = float(value)
        if math.isnan(number):
            raise ValueError("不是数字")
        if percent_cell:
            if not percent_metric:
                raise ValueError("该指标不是百分比，请填写数字")
            number *= 100  # Excel keeps 12.5% as 0.125
        return round(_within_bound(number), 9)
    text = re.sub(r"\s", "", cell_text(value))
    if text.startswith("#"):
        raise ValueError("单元格是 Excel 错误值，请检查公式")
    if text.startswith("=") or (text[:1] in "+@" and re.search(r"[A-Za-z(]", text)):
        raise ValueError("这是公式，不是数值：请填写计算结果（在 Excel/WPS 中复制后「选择性粘贴 → 数值」）")
    if re.fullmatch(r"[\d,.%]*[OoIl][\d,.%OoIl]*", text) and re.search(r"\d", text):
        digits = text.translate(str.maketrans("OoIl", "0011"))
        raise ValueError(f"不是数字：含有字母 O 或 l（或 I），是否应为数字 0 或 1（{digits}）？")
    if text.endswith("%"):
        if not percent_metric:
            raise ValueError("该指标不是百分比，请只填数字")
        text = text[:-1]
    if "," in text:
        if not _GROUPED.match(text):
            raise ValueError("千分位写法不正确（应如 1,234 或 12,345.6）")
        text = text.replace(",", "")
    if _SCIENTIFIC.match(text) and abs(float(text)) >= MAX_ABS_VALUE:
        raise ValueError(TOO_LARGE)  # small ones stay refused below, as before: a figure is typed in full
    if not _NUMBER.match(text):
        raise ValueError("不是数字")
    return _within_bound(float(text))


def _within_bound(number: float) -> float:
    if not math.isfinite(number) or abs(number) >= MAX_ABS_VALUE:
        raise ValueError(TOO_LARGE)
    return number
