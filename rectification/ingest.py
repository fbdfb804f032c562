"""Monthly uploads: decode -> find header -> normalise -> stage -> check -> commit.

The same pipeline serves the upload page and `python -m rectification import`, for the monthly
figures (月报) and, through rectification/ledger.py, the status ledger (整改台账). Nothing is written
unless every row passes; the write is one transaction that also records the upload and the audit row.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import math
import os
import re
import time
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from rectification import audit, closure, uploads
from rectification.config import TRACKING_START, max_upload_bytes
from rectification.months import chinese, current_month, to_date
from rectification.store import query, transaction

# ---------------------------------------------------------------------------------------------
# Problems: every reason a file is refused, each with the row and column the user sees in Excel.


@dataclass
class Problem:
    row: int | None
    column: str | None
    value: str | None
    reason: str
    subject: str | None = None  # the metric (or finding) the row is about, as the form names it

    def __str__(self) -> str:
        where = f"第{self.row}行" if self.row else "文件"
        column = f"「{self.column}」列" if self.column else ""
        value = f"（值：{self.value}）" if self.value not in (None, "") else ""
        about = f"（{self.subject}）" if self.subject else ""
        return f"{where}{column}{value}：{self.reason}{about}"


class Refused(Exception):
    """The file cannot be imported; `problems` lists every reason at once."""

    def __init__(self, problems: list[Problem], headline: str | None = None):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems
        self.headline = headline or f"未导入，文件有 {len(problems)} 处问题："


def refuse(reason: str) -> Refused:
    """A refusal about the whole file (no row to point at)."""
    return Refused([Problem(None, None, None, reason)], headline="未导入：")


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    """Problems as a table: what the page shows and offers as a CSV download."""
    return pd.DataFrame(
        [
            [
                "" if p.row is None else p.row,
                p.subject or "",
                p.column or "",
                "" if p.value is None else p.value,
                p.reason,
            ]
            for p in problems
        ],
        columns=["行", "指标/问题", "列", "值", "问题"],
    )


def cell_text(value) -> str:
    """A cell as text the way the user typed it, full-width characters folded (NFKC)."""
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip()


def shown(value) -> str:
    """A cell's value as quoted in a message."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d")
    return "" if value is None else str(value).strip()


# ---------------------------------------------------------------------------------------------
# Reading: bytes -> rows of cells numbered as the spreadsheet numbers them (rows[0] is row 1).

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls and WPS .et: the pre-2007 binary formats
ZIP_MAGIC = b"PK\x03\x04"
# What a monthly form can reasonably unpack to; an xlsx far beyond it is a zip bomb, not a form.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100  # real sheets compress 5-30x; bombs compress 1000x and more
MAX_ZIP_MEMBERS = 2000
MAX_ROWS = 50_000
RESAVE = "请在 Excel/WPS 中打开并保存后重新上传"


@dataclass
class Sheet:
    name: str
    rows: list[list]
    uncached: set[tuple[int, int]] = field(default_factory=set)  # (row, column) of formulas with no value
    percent: set[tuple[int, int]] = field(default_factory=set)  # numbers formatted as 12.5% (stored 0.125)


def size_text(size: float) -> str:
    """Bytes as the page states every size: MB of 1,048,576 bytes (as Windows counts them)."""
    return f"{size / 1048576:.1f} MB" if size % 1048576 else f"{size // 1048576:.0f} MB"


def check_size(size: int) -> None:
    limit = max_upload_bytes()
    if size > limit:
        raise refuse(f"文件过大（{size_text(size)}，{size:,} 字节），上限为 {size_text(limit)}（{limit:,} 字节）")


def read_sheets(data: bytes, file_name: str = "") -> list[Sheet]:
    """Candidate sheets in order of preference; the first with a recognised header is used."""
    check_size(len(data))
    if not data.strip(b" \t\r\n\x00"):
        raise refuse("文件为空")
    if data.startswith(ZIP_MAGIC):
        return read_xlsx(data)
    if data.startswith(OLE_MAGIC):
        # Also what a password-protected .xlsx looks like: an encrypted package inside an OLE file.
        raise refuse(
            "不支持旧版 .xls/.et 文件或设了密码的工作簿，请在 Excel/WPS 中“另存为”（不设密码）.xlsx 或 CSV 后重新上传"
        )
    text = decode(data)
    # The delimiter is whichever one makes a known header appear: the header decides, not a guess.
    return [
        Sheet(f"CSV（{name}分隔）", _csv_rows(text, sep))
        for sep, name in ((",", "逗号"), ("\t", "制表符"), (";", "分号"))
    ]


def decode(data: bytes) -> str:
    """BOM, then UTF-8, then GB18030 (what Excel writes on Chinese Windows); anything else is refused."""
    text = None
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                break
            break
    else:
        # GB18030, not GBK: GBK cannot decode rarer names such as 王䶮.
        for encoding in ("utf-8", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
    # NUL characters mean UTF-16 without a BOM or a binary file, neither of which we can trust.
    if text is None or "\x00" in text:
        raise refuse("无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV（或 .xlsx）后重新上传")
    return text


def _csv_rows(text: str, delimiter: str) -> list[list]:
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:  # e.g. a quoted field that never ends
        raise refuse(f"CSV 文件格式无法读取（{exc}），请用 Excel/WPS 重新另存为 CSV") from exc
    if len(rows) > MAX_ROWS:
        raise refuse(f"文件超过 {MAX_ROWS} 行，不是一份月报")
    return rows


def check_archive(data: bytes) -> zipfile.ZipFile:
    """Look at the zip's directory before anything unpacks it: size, ratio, member count, DTDs."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise refuse(f"文件已损坏或不是有效的 Excel 文件，{RESAVE}") from exc
    unpacked = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    bomb = (
        len(infos) > MAX_ZIP_MEMBERS
        or unpacked > MAX_UNPACKED_BYTES
        or (unpacked > 1048576 and unpacked > MAX_COMPRESSION_RATIO * max(packed, 1))
        or any(i.file_size > 1048576 and i.file_size > MAX_COMPRESSION_RATIO * max(i.compress_size, 1) for i in infos)
    )
    if bomb:
        raise refuse(f"文件解压后体积异常（{unpacked / 1048576:.0f} MB，疑似压缩炸弹），已拒绝")
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        raise refuse("文件不是 Excel 工作簿（.xlsx），请另存为 .xlsx 或 CSV 后重新上传")
    try:
        unsafe = any(i.filename.endswith((".xml", ".rels")) and _has_dtd(archive, i) for i in infos)
    except (RuntimeError, zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:  # encrypted or damaged members
        raise refuse(f"文件已损坏或无法解压，{RESAVE}") from exc
    if unsafe:
        raise refuse("文件含有不安全的 XML 内容（DTD/实体声明），已拒绝")
    return archive


def _has_dtd(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Excel and WPS never write a DTD; one in an xlsx can only be an entity-expansion attack."""
    tail = b""
    with archive.open(info) as member:
        while chunk := member.read(1 << 20):
            window = tail + chunk
            if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                return True
            tail = window[-16:]
    return False


def read_xlsx(data: bytes) -> list[Sheet]:
    """Every worksheet, those named like 月报/台账 first; values as Excel last calculated them."""
    import openpyxl
    from openpyxl import load_workbook

    archive = check_archive(data)
    # openpyxl parses worksheets through defusedxml when it is installed (openpyxl/xml/functions.py);
    # check_archive has already refused DTDs, so this is the second of two locks.
    assert openpyxl.DEFUSEDXML, "defusedxml must be installed for openpyxl"
    try:
        values = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        formulas = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        names = sorted(values.sheetnames, key=lambda n: 0 if any(k in n for k in ("月报", "台账", "上报")) else 1)
        return [_read_worksheet(archive, values[name], formulas[name]) for name in names]
    except Refused:
        raise
    except Exception as exc:  # openpyxl raises many kinds of errors on damaged files
        raise refuse(f"无法读取该 Excel 文件（{type(exc).__name__}），{RESAVE}") from exc


def _read_worksheet(archive: zipfile.ZipFile, values_ws, formulas_ws) -> Sheet:
    # WPS and some tools write a wrong <dimension>; without a reset read_only stops at it.
    values_ws.reset_dimensions()
    formulas_ws.reset_dimensions()
    rows: list[list] = []
    percent: set[tuple[int, int]] = set()
    for r, cells in enumerate(values_ws.iter_rows(), start=1):
        if r > MAX_ROWS:
            raise refuse(f"工作表「{values_ws.title}」超过 {MAX_ROWS} 行，不是一份月报")
        row = []
        for c, cell in enumerate(cells, start=1):
            value = getattr(cell, "value", None)
            if isinstance(value, int | float) and not isinstance(value, bool) and "%" in (cell.number_format or ""):
                percent.add((r, c))
            row.append(value)
        rows.append(row)
    uncached = set()
    for r, cells in enumerate(formulas_ws.iter_rows(), start=1):
        for c, cell in enumerate(cells, start=1):
            if getattr(cell, "data_type", None) == "f" and _at(rows, r, c) is None:
                uncached.add((r, c))
    _fill_merged(rows, _merged_ranges(archive, values_ws))
    return Sheet(values_ws.title, rows, uncached, percent)


def _at(rows: list[list], r: int, c: int):
    return rows[r - 1][c - 1] if r <= len(rows) and c <= len(rows[r - 1]) else None


def _merged_ranges(archive: zipfile.ZipFile, ws) -> list[tuple[int, int, int, int]]:
    """(min_row, min_col, max_row, max_col) of merged cells; read_only mode does not read them."""
    from defusedxml.ElementTree import iterparse
    from openpyxl.utils.cell import range_boundaries

    path = getattr(ws, "_worksheet_path", None)
    if not path:
        return []
    ranges = []
    with archive.open(path.lstrip("/")) as source:
        for _, element in iterparse(source):
            if element.tag.endswith("}mergeCell") and element.get("ref"):
                min_col, min_row, max_col, max_row = range_boundaries(element.get("ref"))
                ranges.append((min_row, min_col, max_row, max_col))
            element.clear()
    return ranges


def _fill_merged(rows: list[list], ranges) -> None:
    """A merged cell shows its value in every cell it covers (a 月份 merged down the column)."""
    for min_row, min_col, max_row, max_col in ranges:
        value = _at(rows, min_row, min_col)
        for r in range(min_row, min(max_row, len(rows)) + 1):
            row = rows[r - 1]
            for c in range(min_col, min(max_col, 64) + 1):
                if c > len(row):
                    row.extend([None] * (c - len(row)))
                if (r, c) != (min_row, min_col):
                    row[c - 1] = value


# ---------------------------------------------------------------------------------------------
# Header: found by its column names, in Chinese or English, anywhere in the first rows.


@dataclass(frozen=True)
class Layout:
    kind: str  # the upload kind it produces
    aliases: dict[str, tuple[str, ...]]  # field -> accepted header names, preferred first
    required: tuple[str, ...]
    labels: dict[str, str]  # field -> the column name messages use


FIGURES = Layout(
    "observations",
    {
        "month": ("月份", "month", "填报月份", "统计月份", "月度"),
        "metric_code": ("指标编码", "metric_code", "metriccode", "编码", "code"),
        "value": ("数值", "value", "本月数值", "填报数值", "本月数"),
        "note": ("备注", "note", "说明"),
        "metric_name": ("指标名称", "metric_name", "metricname", "指标"),
        "unit": ("单位", "unit"),
    },
    ("month", "metric_code", "value"),
    {
        "month": "月份",
        "metric_code": "指标编码",
        "value": "数值",
        "note": "备注",
        "metric_name": "指标名称",
        "unit": "单位",
    },
)
LEDGER = Layout(
    "ledger",
    {
        "month": ("月份", "month", "填报月份", "统计月份", "月度"),
        "finding": ("问题编号", "finding_code", "finding", "编号", "问题序号", "序号"),
        "status": ("状态", "status", "整改状态", "整改情况"),
        "note": ("进展说明", "note", "整改进展", "进展情况", "说明", "备注", "progress"),
    },
    ("month", "finding", "status"),
    {"month": "月份", "finding": "问题编号", "status": "状态", "note": "进展说明"},
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


# ---------------------------------------------------------------------------------------------
# Months and values.

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


def month_problem(value, line: int, column: str = "月份") -> tuple[str | None, Problem | None]:
    """The month of a data row, checked against the tracked period."""
    month, reason = month_of(value)
    if month is None:
        return None, Problem(line, column, shown(value), reason)
    latest = current_month()
    if month > latest:
        return None, Problem(line, column, shown(value), f"月份晚于本月（{latest}），不能填报未来的月份")
    if month < TRACKING_START:
        return None, Problem(line, column, shown(value), f"月份早于整改跟踪开始的 {TRACKING_START}")
    return month, None


# Cells that mean "not reported this month": skipped, never stored as 0.
NOT_REPORTED = {"", "-", "--", "—", "——", "–", "/", "无", "N/A", "#N/A", "#DIV/0!"}
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_GROUPED = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")


def is_not_reported(value) -> bool:
    return not isinstance(value, int | float) and re.sub(r"\s", "", cell_text(value)).upper() in NOT_REPORTED


def number_of(value, *, percent_metric: bool, percent_cell: bool = False) -> float:
    """The cell as a number; ValueError with a Chinese reason when it is not one."""
    if isinstance(value, bool) or isinstance(value, dt.date | dt.time | dt.datetime):
        raise ValueError("不是数字")
    if isinstance(value, int | float):
        number = float(value)
        if not math.isfinite(number):
            raise ValueError("不是数字")
        if percent_cell:
            if not percent_metric:
                raise ValueError("该指标不是百分比，请填写数字")
            number *= 100  # Excel keeps 12.5% as 0.125
        return round(number, 9)
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
    if not _NUMBER.match(text):
        raise ValueError("不是数字")
    return float(text)


# ---------------------------------------------------------------------------------------------
# Staging: parse and check every row, then load the survivors into a TEMP table.


@dataclass
class Staged:
    """Rows that passed every check (line, month YYYY-MM, code, value, note), with what was skipped."""

    layout: Layout
    rows: pd.DataFrame
    warnings: list[Problem] = field(default_factory=list)
    skipped: int = 0
    n_rows: int = 0


def stage(con: duckdb.DuckDBPyConnection, data: bytes, file_name: str = "") -> Staged:
    """Parse and check a filled form or ledger; raise Refused listing every problem."""
    header = find_header(read_sheets(data, file_name))
    if header.layout is LEDGER:
        from rectification import ledger  # ledger builds on this module

        return ledger.stage_rows(con, header)
    return _stage_figures(con, header)


def _stage_figures(con: duckdb.DuckDBPyConnection, header: Header) -> Staged:
    metrics = {
        code: (name, unit, kind)
        for code, name, unit, kind in con.execute("select metric_code, name, unit, kind from metrics").fetchall()
    }
    # A retired metric (目录管理) takes no figures from its retirement month on; earlier months may
    # still be filled in or corrected.
    retired = dict(
        con.execute(
            "select metric_code, strftime(retired_from, '%Y-%m') from metrics where retired_from is not null"
        ).fetchall()
    )
    problems: list[Problem] = []
    warnings: list[Problem] = []
    rows = []
    named: dict[int, str] = {}  # line -> "CODE 名称" of the metric the row is about
    skipped = n_rows = 0
    # A refused row need not be counted: any problem refuses the whole file.
    for line, cell in checked_rows(header, ("month", "metric_code", "value"), problems, warnings):
        n_rows += 1
        raw_code, raw_value = cell("metric_code"), cell("value")
        code = re.sub(r"\s", "", cell_text(raw_code)).upper()
        if not code and is_not_reported(raw_value):
            warnings.append(Problem(line, None, None, "没有指标编码和数值，不是数据行，已忽略"))
            n_rows -= 1
            continue
        if code not in metrics:
            reason = "指标编码为空" if not code else "指标编码不存在，请使用本月模板中的编码"
            problems.append(Problem(line, "指标编码", shown(raw_code), reason))
            continue
        name, unit, kind = metrics[code]
        named[line] = f"{code} {name}"
        if is_not_reported(raw_value):
            skipped += 1
            warnings.append(Problem(line, "数值", shown(raw_value), f"{code} 未填报，已跳过（不会记为 0）"))
            continue
        month, problem = month_problem(cell("month"), line)
        if problem:
            problems.append(problem)
        try:
            percent_cell = "value" in header.columns and (line, header.columns["value"] + 1) in header.sheet.percent
            value = number_of(raw_value, percent_metric=unit == "%", percent_cell=percent_cell)
        except ValueError as reason:
            problems.append(Problem(line, "数值", shown(raw_value), str(reason)))
            continue
        if value < 0:
            problems.append(Problem(line, "数值", shown(raw_value), "数值不能为负数"))
        if unit == "%" and value > 100:
            problems.append(Problem(line, "数值", shown(raw_value), "百分比不能超过 100"))
        if unit == "%" and 0 < value <= 1:
            warnings.append(
                Problem(
                    line,
                    "数值",
                    shown(raw_value),
                    f"按 {value:g}% 记录；如应为 {value * 100:g}%，请填写 {value * 100:g}",
                )
            )
        warnings += _catalogue_warnings(line, code, name, unit, cell("metric_name"), cell("unit"))
        if month and code in retired and month >= retired[code]:
            problems.append(
                Problem(
                    line,
                    "指标编码",
                    shown(raw_code),
                    f"{code}（{name}）已自{chinese(retired[code])}起停用，不再接收{chinese(month)}的数值",
                )
            )
            continue
        if month:
            rows.append(
                {"line": line, "month": month, "code": code, "value": value, "note": cell_text(cell("note")) or None}
            )
    for problem in problems + warnings:  # each problem names its metric, unless its reason already does
        about = named.get(problem.row)
        if about and not problem.subject and about.split()[0] not in problem.reason:
            problem.subject = about
    return finish_staging(FIGURES, rows, problems, warnings, skipped, n_rows, "数值")


def _catalogue_warnings(line, code, name, unit, sent_name, sent_unit) -> list[Problem]:
    """指标名称 and 单位 are optional and only checked: the code decides what is stored."""
    warnings = []
    if cell_text(sent_name) and re.sub(r"\s", "", cell_text(sent_name)) != re.sub(r"\s", "", cell_text(name)):
        warnings.append(
            Problem(line, "指标名称", shown(sent_name), f"与 {code} 的目录名称「{name}」不一致，按指标编码导入")
        )
    if cell_text(sent_unit) and cell_text(sent_unit) != cell_text(unit):
        warnings.append(
            Problem(line, "单位", shown(sent_unit), f"与 {code} 的目录单位「{unit}」不一致，请按「{unit}」填写")
        )
    return warnings


def finish_staging(layout: Layout, rows, problems, warnings, skipped, n_rows, value_label: str) -> Staged:
    """Same month and code twice: identical rows merge, different values refuse the file."""
    frame = pd.DataFrame(rows, columns=["line", "month", "code", "value", "note"])
    for (month, code), group in frame[frame.duplicated(["month", "code"], keep=False)].groupby(["month", "code"]):
        lines = "、".join(str(r) for r in group.line)
        if group.value.nunique() > 1:
            values = " / ".join(shown(v) for v in group.value)
            problems.append(
                Problem(
                    int(group.line.iloc[-1]), value_label, values, f"{code} 在 {month} 有多个不同的值（第{lines}行）"
                )
            )
        else:
            warnings.append(
                Problem(
                    int(group.line.iloc[-1]),
                    value_label,
                    None,
                    f"{code} 在 {month} 重复出现（第{lines}行），数值相同，按一条导入",
                )
            )
    if problems:
        raise Refused(sorted(problems, key=lambda p: p.row or 0))
    if frame.empty:
        raise refuse("文件中没有填报任何数值（数值为空或为“-”“无”的行都会跳过）")
    return Staged(layout, frame.drop_duplicates(["month", "code"]).reset_index(drop=True), warnings, skipped, n_rows)


# ---------------------------------------------------------------------------------------------
# Plan and commit, shared by figures and ledger.


@dataclass(frozen=True)
class Target:
    """Where one kind of upload goes: its staging table, plan query and insert."""

    kind: str
    source: str
    label: str
    value_type: str
    staging_table: str
    plan_query: str
    insert_sql: str


TARGETS = {
    "observations": Target(
        "observations",
        uploads.SOURCE_MONTHLY,
        "月报",
        "double",
        "staged_observations",
        "staged_observations_plan",
        """
        insert into observations (metric_code, month, value, note, upload_id, revision)
        select w.code, w.month, w.value, w.note, $upload_id,
               coalesce((select max(o.revision) from observations as o
                         where o.metric_code = w.code and o.month = w.month), 0) + 1
        from planned_writes as w
        """,
    ),
    "ledger": Target(
        "ledger",
        uploads.SOURCE_LEDGER,
        "台账",
        "varchar",
        "staged_statuses",
        "staged_statuses_plan",
        """
        insert into finding_status (finding_code, month, status, note, upload_id, revision)
        select w.code, w.month, w.value, w.note, $upload_id,
               coalesce((select max(s.revision) from finding_status as s
                         where s.finding_code = w.code and s.month = w.month), 0) + 1
        from planned_writes as w
        """,
    ),
}


CHECK_COLUMNS = ["line", "month", "code", "value", "warning", "previous"]


@dataclass
class Plan:
    """What the import will do, row by row: action is new, unchanged or revised; and the figures that
    look like typos (checks), each on its row with the values before it — warnings, never a refusal."""

    staged: Staged
    rows: pd.DataFrame  # line, month, code, name, value, note, old_value, old_note, action
    checks: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CHECK_COLUMNS))

    def check_problems(self) -> list[Problem]:
        """The checks as messages, for the command line: 第5行「数值」（值：1234）：数据存疑：…"""
        return [
            Problem(
                int(c.line),
                "数值",
                shown(c.value),
                f"数据存疑：{c.warning}" + (f"（此前：{c.previous}）" if c.previous else ""),
            )
            for c in self.checks.itertuples()
        ]

    @property
    def new(self) -> pd.DataFrame:
        return self.rows[self.rows.action == "new"]

    @property
    def unchanged(self) -> pd.DataFrame:
        return self.rows[self.rows.action == "unchanged"]

    @property
    def conflicts(self) -> pd.DataFrame:
        return self.rows[self.rows.action == "revised"]

    @property
    def months(self) -> list[str]:
        return sorted(set(self.rows.month))

    def summary(self) -> str:
        return (
            f"新增 {len(self.new)} 条，未变 {len(self.unchanged)} 条，"
            f"修订 {len(self.conflicts)} 条，跳过 {self.staged.skipped} 条"
        )

    def conflict_problems(self) -> list[Problem]:
        column = "状态" if self.staged.layout is LEDGER else "数值"
        problems = []
        for r in self.conflicts.itertuples():
            old, new = shown(r.old_value), shown(r.value)
            if old == new:  # only the note differs
                column_, old, new = ("进展说明" if column == "状态" else "备注"), r.old_note or "", r.note or ""
            else:
                column_ = column
            problems.append(Problem(int(r.line), column_, f"{old} → {new}", f"{r.code} {r.month} 与已存的值不一致"))
        return problems


def _stage_table(con: duckdb.DuckDBPyConnection, staged: Staged) -> None:
    """(Re)create this connection's TEMP staging table from the checked rows."""
    target = TARGETS[staged.layout.kind]
    frame = staged.rows.assign(month=staged.rows.month.map(to_date))
    con.register("staged_frame", frame)
    try:
        # Identifiers come from TARGETS, never from the file.
        con.execute(
            f"create or replace temp table {target.staging_table} as "  # noqa: S608
            f"select cast(line as integer) as line, cast(month as date) as month, cast(code as varchar) as code, "
            f"cast(value as {target.value_type}) as value, cast(note as varchar) as note from staged_frame"
        )
    finally:
        con.unregister("staged_frame")


def plan(con: duckdb.DuckDBPyConnection, staged: Staged) -> Plan:
    """Compare the staged rows with what counts now: new, unchanged, or revised (a conflict)."""
    _stage_table(con, staged)
    rows = query(con, TARGETS[staged.layout.kind].plan_query)
    if staged.layout is FIGURES:
        return Plan(staged, rows, figure_checks(con, staged.rows))
    return Plan(staged, rows)


PREVIOUS_SHOWN = 3  # months of history beside a warning


def figure_checks(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame) -> pd.DataFrame:
    """The 需要关注 suspicious-figure rules (progress.suspicious) run on the file before it lands: the
    store's history with the file's figures in place of what it holds for those months. One row per
    flagged figure: line, month, code, value, warning and the previous months' values as text."""
    from rectification import progress  # the rules live with 需要关注

    if rows.empty:
        return pd.DataFrame(columns=CHECK_COLUMNS)
    codes = set(rows.code)
    metrics = query(con, "metric_catalogue")
    metrics = metrics[metrics.metric_code.isin(codes)]
    history = query(con, "metric_monthly")
    history = history[history.metric_code.isin(codes)][["month", "metric_code", "value", "cumulative"]]
    sent = rows.rename(columns={"code": "metric_code"})[["month", "metric_code", "value"]]
    replaced = history.set_index(["metric_code", "month"]).index.isin(sent.set_index(["metric_code", "month"]).index)
    monthly = pd.concat([history[~replaced], sent.assign(cumulative=None)], ignore_index=True)
    monthly["cumulative"] = monthly.cumulative.astype(float)
    empty = pd.DataFrame()
    data = progress.Data(metrics=metrics, monthly=monthly, findings=empty, statuses=empty, annotations=empty)
    units = metrics.set_index("metric_code").unit
    out = []
    for month, in_month in rows.groupby("month"):
        flagged = progress.suspicious(data, metrics[metrics.metric_code.isin(in_month.code)], month)
        for f in flagged.itertuples():
            row = in_month[in_month.code == f.metric_code].iloc[0]
            before = monthly[(monthly.metric_code == f.metric_code) & (monthly.month < month)].sort_values("month")
            before = before.assign(shown=before.value.where(before.value.notna(), before.cumulative)).dropna(
                subset=["shown"]
            )
            previous = "、".join(
                f"{chinese(r.month)} {progress.number_with_unit(r.shown, units.get(f.metric_code, ''))}"
                for r in before.tail(PREVIOUS_SHOWN).itertuples()
            )
            out.append([int(row.line), month, f.metric_code, row.value, f.detail, previous])
    out += _twin_checks(rows, metrics)
    return pd.DataFrame(out, columns=CHECK_COLUMNS).sort_values("line").reset_index(drop=True)


def _twin_checks(rows: pd.DataFrame, metrics: pd.DataFrame) -> list[list]:
    """Two metrics that report the same event (same_as) sent for the same month with different values."""
    twins = metrics.set_index("metric_code").same_as.dropna() if "same_as" in metrics else pd.Series(dtype=object)
    sent = rows.set_index(["code", "month"])
    out = []
    for r in rows[rows.code.isin(twins.index)].itertuples():
        twin = twins[r.code]
        if (twin, r.month) in sent.index and sent.loc[(twin, r.month), "value"] != r.value:
            other = sent.loc[(twin, r.month)]
            out.append(
                [
                    int(r.line),
                    r.month,
                    r.code,
                    r.value,
                    f"与 {twin} 是同一事项，数值应相同（第{int(other.line)}行为 {shown(other.value)}）",
                    "",
                ]
            )
    return out


@dataclass
class Result:
    upload_id: int | None
    plan: Plan
    message: str


# A test-only hook: when set, commit writes this file and waits inside its open transaction, so
# a test can SIGKILL the process mid-commit and prove the store holds all or nothing.
HOLD_IN_TRANSACTION_ENV = "RECTIFICATION_TEST_HOLD_IN_TRANSACTION"


def _test_hold(con: duckdb.DuckDBPyConnection, upload_id: int) -> None:
    marker = os.environ.get(HOLD_IN_TRANSACTION_ENV)
    if marker:
        # The marker says how many rows the open transaction holds, so the test knows it killed a real write.
        written = con.execute(
            "select (select count(*) from observations where upload_id = $id)"
            " + (select count(*) from finding_status where upload_id = $id)",
            {"id": upload_id},
        ).fetchone()[0]
        Path(marker).write_text(str(written), encoding="utf-8")
        time.sleep(600)


def commit(
    con: duckdb.DuckDBPyConnection,
    plan_: Plan,
    *,
    data: bytes,
    file_name: str,
    user: str,
    replace: bool = False,
) -> Result:
    """Write a checked plan as one upload: rows, upload record and audit row in one transaction."""
    staged = plan_.staged
    target = TARGETS[staged.layout.kind]
    with transaction(con):
        # Planned again under the write lock: someone may have imported since the preview.
        fresh = plan(con, staged)
        if len(fresh.conflicts) and not replace:
            raise Refused(
                fresh.conflict_problems(),
                headline=f"未导入：{len(fresh.conflicts)} 个值与已存的不一致。如确认以本次为准，"
                "请勾选“替换已有数值”（命令行加 --replace）；原值会保留在历史中：",
            )
        writes = fresh.rows[fresh.rows.action != "unchanged"]
        if writes.empty:
            return Result(None, fresh, f"与已存数据完全相同，未作更改（{fresh.summary()}）。{held_by(con, data)}")
        upload_id = uploads.new_upload(
            con,
            kind=target.kind,
            source=target.source,
            user=user,
            file_name=file_name,
            original=data,
            months=fresh.months,
            n_rows=staged.n_rows,
            n_new=len(fresh.new),
            n_unchanged=len(fresh.unchanged),
            n_revised=len(fresh.conflicts),
            n_skipped=staged.skipped,
        )
        con.register(
            "planned_writes", writes.assign(month=writes.month.map(to_date))[["code", "month", "value", "note"]]
        )
        try:
            con.execute(target.insert_sql, {"upload_id": upload_id})
        finally:
            con.unregister("planned_writes")
        if target.kind == "ledger":
            # 已完成 in a ledger is a closure request (待审核), never a closure.
            closure.requests_from_ledger(con, writes, upload_id=upload_id, user=user)
        audit.record(
            con,
            user=user,
            action="upload",
            target=str(upload_id),
            detail=f"{target.label} {file_name}：{fresh.summary()}",
        )
        _test_hold(con, upload_id)
    return Result(upload_id, fresh, f"已导入{target.label}（上报批次 #{upload_id}）：{fresh.summary()}。")


def held_by(con: duckdb.DuckDBPyConnection, data: bytes) -> str:
    """Which upload already holds this very file (same SHA-256), said so the user can find it."""
    row = con.execute(
        "select upload_id, user_name, created_at from live_uploads where sha256 = ? order by upload_id desc limit 1",
        [hashlib.sha256(data).hexdigest()],
    ).fetchone()
    if row is None:
        return ""
    upload_id, user, created = row
    return f"此文件已于 {created:%Y-%m-%d %H:%M} 由 {user} 导入（上报批次 #{upload_id}，见「数据管理」页）。"


def preview(con: duckdb.DuckDBPyConnection, data: bytes, file_name: str) -> Plan:
    """stage -> plan without writing: what the page shows before the user confirms."""
    return plan(con, stage(con, data, file_name))


def import_file(
    con: duckdb.DuckDBPyConnection,
    data: bytes,
    file_name: str,
    *,
    user: str,
    replace: bool = False,
    dry_run: bool = False,
) -> Result:
    """The whole import of a monthly form or a ledger (told apart by their columns)."""
    plan_ = preview(con, data, file_name)
    if dry_run:
        return Result(None, plan_, f"试运行，未写入：{plan_.summary()}。")
    return commit(con, plan_, data=data, file_name=file_name, user=user, replace=replace)
