"""CSV and XLSX files the app hands out: the upload form, exports of values and findings."""

from __future__ import annotations

import duckdb
import pandas as pd

from rectification.core import programme
from rectification.core.months import to_date
from rectification.core.store import query
from rectification.core.tables import number_text, to_csv_bytes, to_xlsx_bytes
from rectification.ingest.header import PROGRAMME_COLUMN
from rectification.rules.text import definition_text
from rectification.workflow import closure


def lead_departments(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The departments that lead at least one finding, for per-department forms."""
    rows = con.execute(
        "select distinct lead_department from findings where lead_department is not null order by 1"
    ).fetchall()
    return [row[0] for row in rows]


DEFINITION_COLUMN = "口径（定义，仅供参考）"
FILL_IN = {"count": "填本月新增数", "level": "填月末数（状态值）"}


def upload_form(
    con: duckdb.DuckDBPyConnection, month: str, *, with_hint: bool = False, department: str | None = None
) -> pd.DataFrame:
    """The month's form: header 月份,指标编码,指标名称,单位,数值,备注 (with the hints: 填写方式 before
    数值 — 本月新增数 or 月末数 — and 上次填报 after), then each metric's 口径;
    with `department`, only the metrics of the findings that department leads."""
    rows = query(con, "upload_form_rows", month=to_date(month))
    if department:
        rows = rows[rows.lead_department == department]
    form = pd.DataFrame(
        {
            "月份": month,
            "指标编码": rows.metric_code,
            "指标名称": rows.metric_name,
            "单位": rows.unit,
            "数值": None,
            "备注": None,
        }
    )
    if with_hint:
        # What the figure is, per metric: a count's new number this month, or a level's state at month end.
        form.insert(form.columns.get_loc("数值"), "填写方式", rows.kind.map(FILL_IN).fillna("").to_numpy())
        form["上次填报（供参考）"] = [
            "" if pd.isna(v) else f"{number_text(v)}（{m}）" for v, m in zip(rows.previous_value, rows.previous_month)
        ]
    # What to count, where the figure is filled in: the import reads past this column (old forms
    # without it import just the same).
    form[DEFINITION_COLUMN] = [definition_text(d) for d in rows.definition]
    # Which rectification the form is for: the import refuses it in any other (ingest.check_programme).
    form[PROGRAMME_COLUMN] = programme.current(con).code
    return form


def form_bytes(con, month: str, file_name: str, *, with_hint: bool = False, department: str | None = None) -> bytes:
    form = upload_form(con, month, with_hint=with_hint, department=department)
    if file_name.lower().endswith(".xlsx"):
        widths = {
            "指标编码": 30,
            "指标名称": 24,
            "填写方式": 20,
            "备注": 30,
            "上次填报（供参考）": 22,
            DEFINITION_COLUMN: 80,
        }
        return to_xlsx_bytes(form, widths=widths)
    return to_csv_bytes(form)


def metric_values(con, month: str | None = None) -> pd.DataFrame:
    """Current values: header month,metric_code,metric_name,unit,value,cumulative."""
    if month:
        return query(con, "metric_values_as_of", as_of=to_date(month))
    return query(con, "metric_values_export")


def _day(value) -> str:
    return "" if value is None or pd.isna(value) else str(value)[:10]


def findings_table(con, as_of: str) -> pd.DataFrame:
    """One row per finding: its reported status, and its closure state (销号), deadlines and re-check
    month as of `as_of`."""
    frame = query(con, "findings_with_status", as_of=to_date(as_of))
    frame["deadline"] = frame.deadline.map(_day)
    states = closure.states(con, as_of).set_index("finding_code")
    frame["closure_state"] = frame.code.map(states.closure_state)
    frame["original_deadline"] = frame.code.map(states.original_deadline).map(_day)
    frame["recheck_month"] = frame.code.map(states.recheck_month).fillna("")
    columns = ["code", "report_number", "section", "theme", "title", "lead_department", "deadline", "status"]
    return frame[columns + ["closure_state", "original_deadline", "recheck_month"]]
