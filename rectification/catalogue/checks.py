"""Everything wrong with a catalogue directory before it becomes a rectification (`programme create`,
the 新建整改 page): missing files or columns, repeated codes, references to nothing, unknown kinds and
statuses, numbers and dates that are not. Each problem is one Chinese line naming the file and row,
so a reviewer fixes them all in one pass; nothing is written while there is any."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd

from rectification.catalogue import FILE_COLUMNS, STATUSES, headline_problems, read_headline_metrics, read_table
from rectification.core import programme
from rectification.core.vocabulary import METRIC_KINDS

# The files a rectification cannot do without; headline_metrics.csv may be absent (no headlines).
REQUIRED = ("sections", "themes", "findings", "measures", "metrics", "outcome_groups")
MAX_PROBLEMS = 200  # a wrong directory would otherwise list every row of every file


def problems(directory: Path, *, programme_file: Path | None = None, code: str | None = None) -> list[str]:
    """Every problem of the catalogue in `directory` and of its programme.csv (or `programme_file`);
    `code`, when given, stands for the file's (a draft leaves it blank)."""
    directory = Path(directory)
    found = _programme_problems(programme_file or directory / "programme.csv", code)
    tables = {}
    for name in FILE_COLUMNS:
        path = directory / f"{name}.csv"
        if not path.exists():
            if name in REQUIRED:
                found.append(f"{name}.csv：文件不存在")
            continue
        try:
            frame = read_table(name, directory)
        except (UnicodeDecodeError, pd.errors.ParserError) as error:
            found.append(f"{name}.csv：无法读取（应为 UTF-8 编码的 CSV）：{error}")
            continue
        missing = [column for column in FILE_COLUMNS[name] if column not in frame.columns]
        if missing and not (name == "metrics" and set(missing) <= {"definition", "approximate", "same_as"}):
            found.append(f"{name}.csv：缺少列 {'、'.join(missing)}")
            continue
        tables[name] = frame
    if len([n for n in REQUIRED if n in tables]) == len(REQUIRED):
        found += _table_problems(tables, directory)
    return _grouped(found)[:MAX_PROBLEMS]


_ROW_PROBLEM = re.compile(r"^(\S+\.csv) 第 (\d+) 行：(.*)$")


def _grouped(found: list[str]) -> list[str]:
    """The same problem on many rows as one line naming them all (第 12、20、21 行), in first-seen order."""
    rows: dict[tuple[str, str], list[str]] = {}
    lines: list = []
    for line in found:
        match = _ROW_PROBLEM.match(line)
        if not match:
            lines.append(line)
            continue
        key = (match.group(1), match.group(3))
        if key not in rows:
            rows[key] = []
            lines.append(key)
        rows[key].append(match.group(2))
    return [line if isinstance(line, str) else f"{line[0]} 第 {'、'.join(rows[line])} 行：{line[1]}" for line in lines]


def _programme_problems(path: Path, code: str | None) -> list[str]:
    if not path.exists():
        return [f"{path.name}：文件不存在（整改事项的单位、名称、类别和日期）"]
    try:
        own = programme.read_file(path)
    except (ValueError, KeyError) as error:
        return [f"{path.name}：{_programme_file_error(path, error, code)}"]
    found = []
    if not code and not own.code:
        found.append(f"{path.name}：须填写整改编号（code），或在创建时给出")
    if not (own.unit or "").strip() or not (own.unit_short or "").strip():
        found.append(f"{path.name}：单位名称（unit）和简称（unit_short）不能为空")
    if not (own.name or "").strip():
        found.append(f"{path.name}：整改事项名称（name）不能为空")
    if own.opening_month < own.tracking_start:
        found.append(f"{path.name}：期初月份（opening_month）不能早于开始跟踪的月份（tracking_start）")
    return found


def _text(value) -> str:
    """A cell as text: "" for a blank one (None, or NaN where pandas made one)."""
    return value.strip() if isinstance(value, str) else ""


def _rows(frame: pd.DataFrame) -> list[tuple[int, dict[str, str]]]:
    return [
        (index, {key: _text(value) for key, value in row.items()}) for index, row in enumerate(frame.to_dict("records"))
    ]


def _programme_file_error(path: Path, error: Exception, code: str | None) -> str:
    """read_file's message, or for a blank month or date (the draft leaves them blank where the document
    does not say) which one to fill in."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    blank = [
        c
        for c in ("code", "unit", "unit_short", "name", "kind", "tracking_start", "opening_month")
        if c in frame and not frame[c].str.strip().all() and not (c == "code" and code)
    ]
    if blank:
        return f"须填写 {'、'.join(blank)}（月份为 YYYY-MM：四位年份、两位月份）"
    return str(error)


def _row(name: str, index: int) -> str:
    """A row as the reviewer sees it in a spreadsheet: the header is row 1."""
    return f"{name}.csv 第 {index + 2} 行"


def _codes(found: list[str], name: str, frame: pd.DataFrame, column: str) -> set[str]:
    seen: set[str] = set()
    for index, code in enumerate(frame[column].map(_text)):
        if not code:
            found.append(f"{_row(name, index)}：{column} 为空")
        elif code in seen:
            found.append(f"{_row(name, index)}：{column}「{code}」重复")
        seen.add(code)
    return seen


def _refers(found: list[str], name: str, frame: pd.DataFrame, column: str, known: set[str], *, blank_ok: bool) -> None:
    for index, code in enumerate(frame[column].map(_text)):
        if not code and blank_ok:
            continue
        if code not in known:
            found.append(f"{_row(name, index)}：{column}「{code}」不存在")


def _is_number(text: str) -> bool:
    if not text:
        return False
    try:
        float(str(text).replace(",", ""))
    except ValueError:
        return False
    return True


def _is_date(text) -> bool:
    try:
        dt.date.fromisoformat(str(text))
    except ValueError:
        return False
    return True


def _table_problems(tables: dict[str, pd.DataFrame], directory: Path) -> list[str]:
    found: list[str] = []
    sections = _codes(found, "sections", tables["sections"], "section_code")
    themes = _codes(found, "themes", tables["themes"], "theme_code")
    _refers(found, "themes", tables["themes"], "section_code", sections, blank_ok=False)
    findings = tables["findings"]
    finding_codes = _codes(found, "findings", findings, "finding_code")
    if not finding_codes:
        found.append("findings.csv：没有任何整改问题")
    _refers(found, "findings", findings, "section_code", sections, blank_ok=False)
    _refers(found, "findings", findings, "theme_code", themes, blank_ok=True)
    for index, f in _rows(findings):
        where = _row("findings", index)
        if not f["title"]:
            found.append(f"{where}：问题（title）为空")
        if f["status"] not in STATUSES:
            found.append(f"{where}：状态「{f['status']}」应为 {'、'.join(STATUSES)} 之一")
        if f["is_long_term"].lower() not in ("true", "false"):
            found.append(f"{where}：is_long_term 应为 true 或 false")
        if f["deadline"] and not _is_date(f["deadline"]):
            found.append(f"{where}：整改期限「{f['deadline']}」应为 YYYY-MM-DD")
    measures = tables["measures"]
    _refers(found, "measures", measures, "finding_code", finding_codes, blank_ok=False)
    for index, m in _rows(measures):
        if not m["text"]:
            found.append(f"{_row('measures', index)}：措施内容为空")
    groups = tables["outcome_groups"]
    group_codes = _codes(found, "outcome_groups", groups, "group_code")
    metrics = tables["metrics"]
    _codes(found, "metrics", metrics, "metric_code")
    _refers(found, "metrics", metrics, "finding_code", finding_codes, blank_ok=True)
    # A metric of no group goes into 未分组 (catalogue.UNGROUPED) when the rectification is created.
    _refers(found, "metrics", metrics, "group_code", group_codes, blank_ok=True)
    for index, m in _rows(metrics):
        where = _row("metrics", index)
        if m["kind"] not in METRIC_KINDS:
            found.append(f"{where}：kind「{m['kind']}」应为 count（数量）或 level（状态）")
        if not m["name"] or not m["unit"]:
            found.append(f"{where}：指标名称和单位不能为空")
        if not _is_number(m["opening_value"]):
            found.append(f"{where}：期初值「{m['opening_value']}」不是数字")
        if m["target_value"] and not _is_number(m["target_value"]):
            found.append(f"{where}：目标值「{m['target_value']}」不是数字")
    if "headline_metrics" in tables and not found:
        found += headline_problems(metrics, groups, read_headline_metrics(directory))
    return found
