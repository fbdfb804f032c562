"""The rectification ledger (整改台账): findings' statuses for a month, imported like the figures."""

from __future__ import annotations

import re

import duckdb
import pandas as pd

from rectification.catalogue import STATUSES
from rectification.core import programme
from rectification.core.months import add_months, to_date
from rectification.core.store import query
from rectification.ingest.header import LEDGER, PROGRAMME_COLUMN, Header, checked_rows
from rectification.ingest.problems import Problem, cell_text, free_text, shown
from rectification.ingest.staging import Staged, finish_staging
from rectification.ingest.values import is_not_reported, month_problem
from rectification.rules.text import finding_label

# What departments actually write in the 状态 column, mapped to the four statuses of the report.
STATUS_SYNONYMS = {
    "已完成": "已完成",
    "完成": "已完成",
    "已整改": "已完成",
    "整改完成": "已完成",
    "已整改完成": "已完成",
    "已办结": "已完成",
    "推进中": "推进中",
    "正在推进": "推进中",
    "整改中": "推进中",
    "正在整改": "推进中",
    "进行中": "推进中",
    "长期坚持": "长期坚持",
    "长期整改": "长期坚持",
    "持续推进": "长期坚持",
    "常态化": "长期坚持",
    "常态化推进": "长期坚持",
    "未启动": "未启动",
    "未开始": "未启动",
    "尚未启动": "未启动",
}
# The last column names the rectification (codes like F05 recur across rectifications): the import
# refuses the form in any other one (pipeline.check_programme).
FORM_COLUMNS = [
    "月份",
    "问题编号",
    "问题（摘要）",
    "牵头部门",
    "状态",
    "进展说明",
    "上次状态（供参考）",
    PROGRAMME_COLUMN,
]


def status_of(value) -> str | None:
    """'整改中' -> '推进中'; None for a word that is not a status."""
    return STATUS_SYNONYMS.get(re.sub(r"[\s。.]", "", cell_text(value)))


_BY_NUMBER = (
    re.compile(r"^\(?(\d{1,3})\)?[.、]?$"),  # 1, (1), （1） (NFKC folds the full-width brackets), 1.
    re.compile(r"^问题\(?(\d{1,3})\)?$"),  # 问题1, 问题（1）
    re.compile(r"^第(\d{1,3})[项个条]?$"),  # 第1项
)


def finding_of(value, codes: set[str], by_number: dict[int, str]) -> str | None:
    """The finding code a ledger's 问题编号 cell means: one of the store's own codes (any letters then
    digits, case-insensitive, zero padding as the store writes it: F1 / f01 -> F01, A3 -> A03, L01 -> L1),
    长期L1 / 长期1 -> L1, or the report's number: 1 / (1) / 问题1 / 第1项 -> the finding numbered 1."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    # 长期L1 / 长期1 is how the form and the dashboard name a long-term item (问题02 a numbered one).
    text = re.sub(r"\s", "", cell_text(value)).upper()
    if match := re.fullmatch(r"长期L?(\d{1,3})", text):
        text = f"L{match.group(1)}"
    if match := re.fullmatch(r"([A-Z]+)(\d{1,4})", text):
        return _code_by_letters_and_number(codes).get((match.group(1), int(match.group(2))))
    for pattern in _BY_NUMBER:
        if match := pattern.fullmatch(text):
            return by_number.get(int(match.group(1)))
    return None


def _code_by_letters_and_number(codes: set[str]) -> dict[tuple[str, int], str]:
    """('F', 5) -> 'F05' for every store code of letters then digits: the cell's padding need not match."""
    found = {}
    for code in codes:
        if match := re.fullmatch(r"([A-Za-z]+)(\d+)", code):
            found[(match.group(1).upper(), int(match.group(2)))] = code
    return found


def stage_rows(con: duckdb.DuckDBPyConnection, header: Header, *, tracking_start: str) -> Staged:
    """Check every ledger row: month, finding, status; raise Refused listing every problem."""
    findings = con.execute("select finding_code, report_number from findings").fetchall()
    codes = {code for code, _ in findings}
    by_number = {int(number): code for code, number in findings if number is not None}
    numbers = {code: number for code, number in findings}
    named: dict[int, str] = {}
    problems: list[Problem] = []
    warnings: list[Problem] = []
    rows = []
    skipped = n_rows = 0
    for line, cell in checked_rows(header, ("month", "finding", "status"), problems, warnings):
        n_rows += 1
        raw_finding, raw_status = cell("finding"), cell("status")
        if not cell_text(raw_finding) and is_not_reported(raw_status):
            warnings.append(Problem(line, None, None, "没有问题编号和状态，不是数据行，已忽略"))
            n_rows -= 1
            continue
        code = finding_of(raw_finding, codes, by_number)
        if code is None:
            reason = "问题编号为空" if not cell_text(raw_finding) else "问题编号不存在（应如 1、（1）、问题1、F01、L1）"
            problems.append(Problem(line, "问题编号", shown(raw_finding), reason))
            continue
        named[line] = finding_label(code, numbers.get(code))
        if is_not_reported(raw_status):
            skipped += 1
            warnings.append(Problem(line, "状态", shown(raw_status), f"{code} 未填写状态，已跳过"))
            continue
        month, problem = month_problem(cell("month"), line, tracking_start=tracking_start)
        if problem:
            problems.append(problem)
        status = status_of(raw_status)
        if status is None:
            problems.append(Problem(line, "状态", shown(raw_status), f"状态无法识别，应为：{'、'.join(STATUSES)}"))
            continue
        if month:
            rows.append(
                {"line": line, "month": month, "code": code, "value": status, "note": free_text(cell("note")) or None}
            )
    for problem in problems + warnings:  # each problem names its finding, not only its row
        problem.subject = problem.subject or named.get(problem.row)
    return finish_staging(LEDGER, rows, problems, warnings, skipped, n_rows, "状态")


def ledger_form(con: duckdb.DuckDBPyConnection, month: str, department: str | None = None) -> pd.DataFrame:
    """The month's ledger to fill in: one row per finding (those `department` leads, if given),
    last month's status as a hint."""
    findings = query(con, "findings_with_status", as_of=to_date(add_months(month, -1)))
    if department:
        findings = findings[findings.lead_department == department]
    return pd.DataFrame(
        {
            "月份": month,
            # The dashboard's names (问题02, 长期L1), so the form and the pages speak alike.
            "问题编号": [finding_label(c, n) for c, n in zip(findings.code, findings.report_number, strict=True)],
            "问题（摘要）": [t if len(t) <= 40 else t[:40] + "…" for t in findings.title],
            "牵头部门": findings.lead_department.fillna(""),
            "状态": "",
            "进展说明": "",
            "上次状态（供参考）": findings.status,
            PROGRAMME_COLUMN: programme.current(con).code,
        },
        columns=FORM_COLUMNS,
    )
