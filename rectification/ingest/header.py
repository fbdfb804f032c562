"""Header: found by its column names, in Chinese or English, anywhere in the first rows (past title rows);
then the data rows below it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rectification.ingest.problems import Problem, Refused, cell_text, refuse
from rectification.ingest.reading import RESAVE, Sheet


@dataclass(frozen=True)
class Layout:
    kind: str  # the upload kind it produces
    aliases: dict[str, tuple[str, ...]]  # field -> accepted header names, preferred first
    required: tuple[str, ...]
    labels: dict[str, str]  # field -> the column name messages use


# The column the month form carries (exports.upload_form): which rectification the file is for, so it
# cannot land in another. Optional: a form or ledger without it imports into the one chosen.
PROGRAMME_COLUMN = "整改事项编号"
PROGRAMME_ALIASES = (PROGRAMME_COLUMN, "programme", "programme_code")

FIGURES = Layout(
    "observations",
    {
        "month": ("月份", "month", "填报月份", "统计月份", "月度"),
        "metric_code": ("指标编码", "metric_code", "metriccode", "编码", "code"),
        "value": ("数值", "value", "本月数值", "填报数值", "本月数"),
        "note": ("备注", "note", "说明"),
        "metric_name": ("指标名称", "metric_name", "metricname", "指标"),
        "unit": ("单位", "unit"),
        "programme": PROGRAMME_ALIASES,
    },
    ("month", "metric_code", "value"),
    {
        "month": "月份",
        "metric_code": "指标编码",
        "value": "数值",
        "note": "备注",
        "metric_name": "指标名称",
        "unit": "单位",
        "programme": PROGRAMME_COLUMN,
    },
)
LEDGER = Layout(
    "ledger",
    {
        "month": ("月份", "month", "填报月份", "统计月份", "月度"),
        "finding": ("问题编号", "finding_code", "finding", "编号", "问题序号", "序号"),
        "status": ("状态", "status", "整改状态", "整改情况"),
        "note": ("进展说明", "note", "整改进展", "进展情况", "说明", "备注", "progress"),
        "programme": PROGRAMME_ALIASES,
    },
    ("month", "finding", "status"),
    {"month": "月份", "finding": "问题编号", "status": "状态", "note": "进展说明", "programme": PROGRAMME_COLUMN},
)
LAYOUTS = (LEDGER, FIGURES)  # a ledger is recognised first: it has a 状态 column a form never has
HEADER_SEARCH_ROWS = 30


def _header_key(cell) -> str:
    """'数值（次）*' -> '数值', 'Metric Code' -> 'metriccode': how header names are compared."""
    text = cell_text(cell).lower()
    text = re.sub(r"[(\[].*?[)\]]", "", text)
    return re.sub(r"[\s*:]", "", text)


def _columns(row: list, layout: Layout) -> dict[str, int]:
    keys = [_header_key(c) for c in row]
    columns = {}
    for name, aliases in layout.aliases.items():
        for alias in aliases:
            if _header_key(alias) in keys:
                columns[name] = keys.index(_header_key(alias))
                break
    return columns


@dataclass
class Header:
    sheet: Sheet
    layout: Layout
    index: int  # 0-based index of the header row in sheet.rows
    columns: dict[str, int]


def find_header(sheets: list[Sheet]) -> Header:
    """The first sheet and row holding every required column of a layout; else name what is missing."""
    best: tuple[int, Layout, int, dict] | None = None
    for sheet in sheets:
        for index, row in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
            for layout in LAYOUTS:
                columns = _columns(row, layout)
                if all(name in columns for name in layout.required):
                    return Header(sheet, layout, index, columns)
                found = sum(name in columns for name in layout.required)
                if found and (best is None or found > best[0]):
                    best = (found, layout, index, columns)
    if best is None:
        raise refuse(
            "找不到表头：月报须包含「月份」「指标编码」「数值」列；整改台账须包含「月份」「问题编号」「状态」列"
        )
    _, layout, index, columns = best
    missing = "、".join(f"「{layout.labels[n]}」" for n in layout.required if n not in columns)
    raise Refused([Problem(index + 1, None, None, f"表头缺少必需的列：{missing}")])


def is_total_row(row: list) -> bool:
    first = next((cell_text(c) for c in row if cell_text(c)), "")
    return first.replace(" ", "").startswith(("合计", "小计", "总计"))


def data_rows(header: Header):
    """(Excel row number, row, cell getter) for each row below the header that holds anything."""
    sheet, columns = header.sheet, header.columns
    for index in range(header.index + 1, len(sheet.rows)):
        row = sheet.rows[index]
        if not any(cell_text(c) for c in row):
            continue
        line = index + 1

        def cell(name: str, row=row):
            position = columns.get(name)
            return row[position] if position is not None and position < len(row) else None

        yield line, row, cell


def checked_rows(header: Header, required: tuple[str, ...], problems: list[Problem], warnings: list[Problem]):
    """(Excel row number, cell getter) for each data row worth checking: 合计/小计 rows are dropped
    with a warning, rows whose `required` cells are uncalculated formulas are refused into `problems`."""
    for line, row, cell in data_rows(header):
        if is_total_row(row):
            warnings.append(Problem(line, None, None, "合计/小计行，已忽略"))
            continue
        formula_problems = uncached_problems(header, line, required)
        if formula_problems:
            problems.extend(formula_problems)
            continue
        yield line, cell


def uncached_problems(header: Header, line: int, names) -> list[Problem]:
    """Formula cells Excel never calculated read as empty: refuse them rather than skip them."""
    return [
        Problem(line, header.layout.labels[n], None, f"公式没有计算结果，{RESAVE}")
        for n in names
        if n in header.columns and (line, header.columns[n] + 1) in header.sheet.uncached
    ]
