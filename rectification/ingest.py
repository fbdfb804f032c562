"""Monthly figures upload: decode -> find header -> normalise -> stage -> check -> commit.

The same pipeline serves the upload page and `python -m rectification import`. Nothing is
written unless every row passes; the write is one transaction.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from rectification import uploads
from rectification.config import TRACKING_START
from rectification.months import current_month, to_date
from rectification.store import transaction

FORM_HEADER = ["月份", "指标编码", "指标名称", "单位", "数值", "备注"]
COLUMN_ALIASES = {
    "月份": "month", "month": "month",
    "指标编码": "metric_code", "metric_code": "metric_code",
    "指标名称": "metric_name", "metric_name": "metric_name",
    "单位": "unit", "unit": "unit",
    "数值": "value", "value": "value",
    "备注": "note", "note": "note",
}
REQUIRED = ("month", "metric_code", "value")
NOT_REPORTED = {"", "-", "—", "无", "#N/A", "#DIV/0!"}


@dataclass
class Problem:
    row: int | None
    column: str | None
    value: str | None
    reason: str

    def __str__(self) -> str:
        where = f"第{self.row}行" if self.row else "文件"
        column = f"「{self.column}」列" if self.column else ""
        value = f"（值：{self.value}）" if self.value not in (None, "") else ""
        return f"{where}{column}{value}：{self.reason}"


class Refused(Exception):
    """The file cannot be imported; `problems` lists every reason at once."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class Staged:
    """Rows that passed every check, with their spreadsheet row numbers."""

    rows: pd.DataFrame  # row, month (YYYY-MM), metric_code, value, note
    warnings: list[Problem] = field(default_factory=list)
    skipped: int = 0


@dataclass
class Plan:
    staged: Staged
    new: pd.DataFrame
    unchanged: pd.DataFrame
    conflicts: pd.DataFrame  # metric_code, month, old, new

    def summary(self) -> str:
        return (
            f"新增 {len(self.new)} 条，未变 {len(self.unchanged)} 条，"
            f"修订 {len(self.conflicts)} 条，跳过 {self.staged.skipped} 条"
        )


def decode(data: bytes) -> str:
    """BOM, then UTF-8, then GB18030; anything else is refused."""
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return data.decode(encoding)
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Refused([Problem(None, None, None, "无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV 后重新上传")])


def read_cells(data: bytes, file_name: str) -> list[list[str]]:
    """The file's cells as text rows, exactly as a spreadsheet shows them (row 1 = first line)."""
    text = decode(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    return [list(row) for row in csv.reader(io.StringIO(text), dialect)]


def find_header(cells: list[list[str]]) -> tuple[int, dict[str, int]]:
    """The header row's index and the column index of each known field."""
    for index, row in enumerate(cells[:30]):
        columns = {}
        for position, cell in enumerate(row):
            name = COLUMN_ALIASES.get(unicodedata.normalize("NFKC", str(cell)).strip().lower())
            if name and name not in columns:
                columns[name] = position
        if all(name in columns for name in REQUIRED):
            return index, columns
    missing = "、".join(FORM_HEADER[i] for i in (0, 1, 4))
    raise Refused([Problem(None, None, None, f"找不到表头：文件须包含「{missing}」列")])


def parse_month(text: str) -> str | None:
    text = unicodedata.normalize("NFKC", str(text)).strip()
    parts = text.replace("/", "-").replace(".", "-").split("-")
    if len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit() and len(parts[0]) == 4:
        year, month = int(parts[0]), int(parts[1])
        if 1 <= month <= 12:
            return f"{year:04d}-{month:02d}"
    return None


def parse_value(text: str) -> float | None:
    """A number, or None for a cell that is not a number."""
    text = unicodedata.normalize("NFKC", str(text)).strip().replace(",", "")
    try:
        return float(text)
    except ValueError:
        return None


def stage(con: duckdb.DuckDBPyConnection, data: bytes, file_name: str) -> Staged:
    """Parse and check a filled form; raise Refused listing every problem."""
    if not data.strip():
        raise Refused([Problem(None, None, None, "文件为空")])
    cells = read_cells(data, file_name)
    header_index, columns = find_header(cells)
    metrics = dict(con.execute("select metric_code, kind from metrics").fetchall())
    units = dict(con.execute("select metric_code, unit from metrics").fetchall())
    latest = current_month()
    problems: list[Problem] = []
    warnings: list[Problem] = []
    rows = []
    skipped = 0

    def cell(row: list[str], name: str) -> str:
        position = columns.get(name)
        return str(row[position]).strip() if position is not None and position < len(row) else ""

    for index in range(header_index + 1, len(cells)):
        row = cells[index]
        line = index + 1
        if not any(str(c).strip() for c in row):
            continue
        raw_month, code, raw_value = cell(row, "month"), cell(row, "metric_code"), cell(row, "value")
        month = parse_month(raw_month)
        if month is None:
            problems.append(Problem(line, "月份", raw_month, "月份格式无法识别，请写成 2025-04"))
        elif not TRACKING_START <= month <= latest:
            problems.append(Problem(line, "月份", raw_month, f"月份须在 {TRACKING_START} 至 {latest} 之间"))
        code = unicodedata.normalize("NFKC", code).strip().upper()
        if code not in metrics:
            problems.append(Problem(line, "指标编码", code, "指标编码不存在，请使用本月模板中的编码"))
            continue
        if unicodedata.normalize("NFKC", raw_value).strip() in NOT_REPORTED:
            skipped += 1
            warnings.append(Problem(line, "数值", raw_value, "未填报，已跳过（不会记为 0）"))
            continue
        value = parse_value(raw_value)
        if value is None:
            problems.append(Problem(line, "数值", raw_value, "数值不是数字"))
            continue
        if value < 0 and metrics[code] == "count":
            problems.append(Problem(line, "数值", raw_value, "数量类指标不能为负数"))
        if units[code] == "%" and not 0 <= value <= 100:
            problems.append(Problem(line, "数值", raw_value, "百分比须在 0 到 100 之间"))
        rows.append({"row": line, "month": month, "metric_code": code, "value": value, "note": cell(row, "note") or None})

    frame = pd.DataFrame(rows, columns=["row", "month", "metric_code", "value", "note"])
    duplicated = frame[frame.duplicated(["month", "metric_code"], keep=False)]
    for (month, code), group in duplicated.groupby(["month", "metric_code"]):
        if group.value.nunique() > 1:
            lines = "、".join(str(r) for r in group.row)
            problems.append(Problem(int(group.row.iloc[-1]), "数值", None, f"{code} 在 {month} 有多个不同的数值（第{lines}行）"))
    if problems:
        raise Refused(problems)
    if frame.empty and not skipped:
        raise Refused([Problem(None, None, None, "文件中没有数据行")])
    return Staged(frame.drop_duplicates(["month", "metric_code"]), warnings, skipped)


def plan(con: duckdb.DuckDBPyConnection, staged: Staged) -> Plan:
    """Compare staged rows with the current values: new, unchanged, or conflicting."""
    current = con.execute(
        "select metric_code, strftime(month, '%Y-%m') as month, value as old from current_observations"
    ).df()
    merged = staged.rows.merge(current, on=["metric_code", "month"], how="left")
    new = merged[merged.old.isna()]
    same = merged[merged.old.notna() & (merged.old == merged.value)]
    conflicts = merged[merged.old.notna() & (merged.old != merged.value)]
    return Plan(staged, new, same, conflicts.rename(columns={"value": "new"}))


@dataclass
class Result:
    upload_id: int | None
    plan: Plan
    message: str


def commit(
    con: duckdb.DuckDBPyConnection,
    plan_: Plan,
    *,
    data: bytes,
    file_name: str,
    user: str,
    replace: bool = False,
) -> Result:
    """Write a checked plan as one upload, in one transaction."""
    if len(plan_.conflicts) and not replace:
        lines = [
            Problem(int(r.row), "数值", None, f"{r.metric_code} {r.month} 已有数值 {r.old:g}，本次为 {r.new:g}")
            for r in plan_.conflicts.itertuples()
        ]
        lines.append(Problem(None, None, None, "与已存数值不一致；如确认以本次为准，请勾选“替换已有数值”（命令行加 --replace）"))
        raise Refused(lines)
    writes = pd.concat([plan_.new, plan_.conflicts.rename(columns={"new": "value"})])
    if writes.empty:
        return Result(None, plan_, f"与已存数据完全相同，未作更改（{plan_.summary()}）。")
    with transaction(con):
        revisions = uploads.next_revisions(con, "observations", "metric_code")
        upload_id = uploads.new_upload(
            con, kind="observations", source=uploads.SOURCE_MONTHLY, user=user, file_name=file_name,
            original=data, months=list(plan_.staged.rows.month), n_rows=len(plan_.staged.rows) + plan_.staged.skipped,
            n_new=len(plan_.new), n_unchanged=len(plan_.unchanged), n_revised=len(plan_.conflicts),
            n_skipped=plan_.staged.skipped,
        )
        con.executemany(
            "insert into observations (metric_code, month, value, note, upload_id, revision) values (?, ?, ?, ?, ?, ?)",
            [
                [r.metric_code, to_date(r.month), float(r.value), r.note, upload_id,
                 revisions.get((r.metric_code, r.month), 1)]
                for r in writes.itertuples()
            ],
        )
    return Result(upload_id, plan_, f"已导入（上报批次 #{upload_id}）：{plan_.summary()}。")


def import_figures(con, data: bytes, file_name: str, *, user: str, replace: bool = False, dry_run: bool = False) -> Result:
    """stage -> plan -> commit, the whole import as the CLI and the page run it."""
    plan_ = plan(con, stage(con, data, file_name))
    if dry_run:
        return Result(None, plan_, f"试运行，未写入：{plan_.summary()}。")
    return commit(con, plan_, data=data, file_name=file_name, user=user, replace=replace)
