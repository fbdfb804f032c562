"""催办单: per lead department, a one-page list of what needs chasing at the weekly meeting —
findings due soon, overdue, returned, or awaiting 回头看. No rankings, no scores, no check-ins."""

from __future__ import annotations

import datetime as dt
import html

import duckdb
import pandas as pd

from rectification.core import config, tables
from rectification.core.months import current_month
from rectification.rules import deadline_levels
from rectification.rules.text import finding_label
from rectification.workflow import closure, deadlines

COLUMNS = ["牵头部门", "问题", "事项", "类别", "整改期限", "责任领导", "说明"]
ORDER = {"逾期": 0, "预警": 1, "临近": 2, "已退回": 3, "待回头看": 4}
NO_DEPARTMENT = "未定部门"


def rows(con: duckdb.DuckDBPyConnection, today: dt.date | None = None) -> pd.DataFrame:
    """Every finding that needs chasing, one row per reason, by department then urgency."""
    today = today or dt.date.today()
    states = closure.states(con, current_month(today), today=today)
    notice, _ = config.deadline_days()
    asked = deadlines.requests(con).set_index("finding_code").requested  # open extension requests
    out = []
    for s in states.itertuples():
        department = s.lead_department if isinstance(s.lead_department, str) and s.lead_department else NO_DEPARTMENT
        leader = s.responsible_leader if isinstance(s.responsible_leader, str) else ""
        label = finding_label(s.finding_code, s.report_number)
        due = deadline_levels.described(s.deadline, s.original_deadline)
        base = (department, label, s.title)
        if isinstance(s.deadline_level, str):
            text = deadline_levels.level_text(s.deadline_level, s.days_left)
            if s.finding_code in asked.index:  # chased all the same, but the meeting should know
                text += f"，已申请延期至 {deadline_levels.described(asked[s.finding_code], None)}（待审批）"
            out.append((*base, s.deadline_level, due, leader, f"{text}，当前状态：{s.closure_state}"))
        if s.last_event == "return":
            reason = s.note if isinstance(s.note, str) else ""
            out.append((*base, "已退回", due, leader, f"销号申请被退回：{reason}"))
        if s.recheck_due:
            out.append((*base, "待回头看", due, leader, f"已销号，{s.recheck_month} 应回头看"))
    frame = pd.DataFrame(out, columns=COLUMNS)
    frame["_o"] = frame["类别"].map(ORDER)
    frame = frame.sort_values(["牵头部门", "_o"], kind="stable").drop(columns="_o").reset_index(drop=True)
    frame.attrs["notice_days"] = notice
    return frame


def for_department(frame: pd.DataFrame, department: str) -> pd.DataFrame:
    return frame[frame["牵头部门"] == department].reset_index(drop=True)


def title(department: str, today: dt.date) -> str:
    return f"催办单　{department}　{today:%Y-%m-%d}"


def xlsx_bytes(frame: pd.DataFrame, department: str, today: dt.date) -> bytes:
    return tables.to_xlsx_bytes(frame, sheet="催办单", widths={"事项": 50, "说明": 40, "整改期限": 30, "牵头部门": 16})


def html_bytes(frame: pd.DataFrame, department: str, today: dt.date) -> bytes:
    """A printable page (A4, one table); every cell escaped, no script, no external resource."""
    notice, warning = config.deadline_days()
    head = "".join(f"<th>{html.escape(c)}</th>" for c in COLUMNS[1:])
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row[1:]) + "</tr>"
        for row in frame[COLUMNS].itertuples(index=False)
    )
    if not body:
        body = f'<tr><td colspan="{len(COLUMNS) - 1}">没有需要催办的事项。</td></tr>'
    page = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>{html.escape(title(department, today))}</title>
<style>
@page {{ size: A4 landscape; margin: 12mm; }}
body {{ font-family: "Noto Sans CJK SC", "Microsoft YaHei", SimSun, sans-serif; font-size: 11pt; }}
h1 {{ font-size: 16pt; margin: 0 0 4pt; }}
p {{ margin: 0 0 8pt; color: #444; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border: 1px solid #888; padding: 3pt 5pt; vertical-align: top; text-align: left; }}
th {{ background: #eee; }}
</style></head><body>
<h1>{html.escape(title(department, today))}</h1>
<p>列入：已逾期、{notice} 天内到期（{warning} 天内为预警）、销号申请被退回、到期待回头看的整改问题。</p>
<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>
</body></html>
"""
    return page.encode("utf-8")
