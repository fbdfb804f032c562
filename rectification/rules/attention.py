"""需要关注 and what moved: overdue and due findings and targets, metrics behind or missing, suspicious
figures, 回头看 re-checks due, and the month's status changes and notes."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from rectification.core import vocabulary
from rectification.core.months import add_months, as_date, chinese, to_month
from rectification.core.vocabulary import CLOSED, LONG_TERM, NOT_STARTED, ONGOING, OVERDUE
from rectification.rules import deadline_levels
from rectification.rules.data import Data, Filters, filter_findings, filter_metrics, metrics_in_use
from rectification.rules.rag import BEHIND, GREY, RAG_ORDER, RED, SLIGHTLY_BEHIND, YELLOW, metric_status, reference_date
from rectification.rules.statuses import status_grid
from rectification.rules.suspicions import suspicious
from rectification.rules.text import finding_label, number_with_unit, position_text

ATTENTION_COLUMNS = ["类别", "状态", "问题", "事项", "说明", "finding_code", "metric_code"]


def attention(data: Data, filters: Filters, today: dt.date | None = None) -> pd.DataFrame:
    """The 需要关注 list: overdue findings and targets, metrics behind their trajectory, metrics with
    no figure this month (unless their finding is done), and suspicious figures — retired metrics left out.
    Most urgent first."""
    as_of = filters.as_of
    ref = reference_date(as_of, today)
    findings = filter_findings(data.findings, data.metrics, filters)
    metrics = filter_metrics(data.metrics, filters)
    labels = {r.finding_code: finding_label(r.finding_code, r.report_number) for r in data.findings.itertuples()}
    grid = status_grid(data, findings, [as_of], today).set_index("finding_code")
    rows = []

    for f in findings.itertuples():
        status = grid.status.get(f.finding_code, NOT_STARTED)
        leader = f.responsible_leader if isinstance(f.responsible_leader, str) and f.responsible_leader else None
        if grid.shown.get(f.finding_code) == OVERDUE:
            deadline = as_date(f.deadline)
            days = (ref - deadline).days
            rows.append(
                (
                    OVERDUE,
                    RED,
                    labels[f.finding_code],
                    f.title,
                    f"整改期限 {deadline:%Y-%m-%d}，已逾期{days}天，当前状态：{status}"
                    + (f"，责任领导：{leader}" if leader else ""),
                    f.finding_code,
                    None,
                )
            )
        elif status in (ONGOING, NOT_STARTED) and not f.is_long_term:
            # 临近期限: within the notice threshold (a setting) a notice, within the warning one yellow.
            level, days = deadline_levels.level(as_date(f.deadline), ref)
            if level in (vocabulary.NOTICE, vocabulary.WARNING):
                rows.append(
                    (
                        "临近期限",
                        YELLOW if level == vocabulary.WARNING else GREY,
                        labels[f.finding_code],
                        f.title,
                        f"{level}：整改期限 {as_date(f.deadline):%Y-%m-%d}，"
                        + deadline_levels.level_text(level, days, leader),
                        f.finding_code,
                        None,
                    )
                )
        if status == LONG_TERM and not grid.is_reported.get(f.finding_code, False):
            rows.append(
                (
                    "长期坚持缺进展",
                    YELLOW,
                    labels[f.finding_code],
                    f.title,
                    f"长期坚持事项须每月填报进展，{chinese(as_of)}未填报",
                    f.finding_code,
                    None,
                )
            )

    for code, month in due_rechecks(data, as_of).items():
        if code in set(findings.finding_code):
            rows.append(
                (
                    "回头看",
                    YELLOW,
                    labels[code],
                    data.findings.set_index("finding_code").title[code],
                    f"已销号，应于{chinese(month)}回头看（巩固或反弹）",
                    code,
                    None,
                )
            )

    # A metric retired in 目录管理 is no longer asked for: neither behind its trajectory nor missing.
    status_now = metric_status(data, metrics_in_use(metrics, as_of), as_of, today)
    for m in status_now[status_now.rag.isin([RED, YELLOW])].itertuples():
        kind = OVERDUE if "已过目标期限" in m.reason else "落后进度"
        # The gap is in the position (差 10 个百分点), so a behind-trajectory reason keeps only its head.
        head = m.reason.split("（")[0] if m.reason.startswith((BEHIND, SLIGHTLY_BEHIND)) else m.reason
        approximate = m.approximate if isinstance(getattr(m, "approximate", None), str) else None
        position = position_text(m.cumulative, m.expected, m.unit, kind=m.kind, approximate=approximate)
        detail = f"{head}：{position}；目标 {number_with_unit(m.target_value, m.unit)}"
        rows.append(
            (
                kind,
                m.rag,
                finding_label(m.finding_code, m.report_number),
                m.metric_name,
                detail,
                m.finding_code,
                m.metric_code,
            )
        )

    for m in suspicious(data, metrics, as_of).merge(metrics, on="metric_code").itertuples():
        rows.append(
            (
                "数据存疑",
                YELLOW,
                finding_label(m.finding_code, m.report_number),
                m.metric_name,
                m.detail,
                m.finding_code,
                m.metric_code,
            )
        )

    finding_status = grid.status.to_dict()
    for m in status_now[status_now.month_value.isna()].itertuples():
        opening = m.opening_month if isinstance(m.opening_month, str) else None
        if opening and as_of <= opening:
            continue  # the report's opening balance stands for its own month
        if isinstance(getattr(m, "active_from", None), str) and as_of < m.active_from:
            continue  # a metric added later was not asked for before it existed
        if finding_status.get(m.finding_code) == CLOSED:
            continue  # a finished finding need not keep reporting
        rows.append(
            (
                "本月无数据",
                YELLOW,
                finding_label(m.finding_code, m.report_number),
                m.metric_name,
                f"{chinese(as_of)}未上报",
                m.finding_code,
                m.metric_code,
            )
        )

    frame = pd.DataFrame(rows, columns=ATTENTION_COLUMNS)
    order = {OVERDUE: 0, "临近期限": 1, "回头看": 2, "落后进度": 3, "长期坚持缺进展": 4, "数据存疑": 5, "本月无数据": 6}
    frame["_kind"] = frame["类别"].map(order)
    frame["_rag"] = frame["状态"].map(RAG_ORDER)
    return (
        frame.sort_values(["_kind", "_rag", "问题"], kind="stable")
        .drop(columns=["_kind", "_rag"])
        .reset_index(drop=True)
    )


def due_rechecks(data: Data, as_of: str) -> dict[str, str]:
    """finding → re-check month, for findings signed off and not yet re-checked whose 回头看 month has come."""
    events = data.closure_events
    if events is None or events.empty:
        return {}
    months = events.month.map(lambda d: to_month(pd.Timestamp(d)))
    last = events[months <= as_of].groupby("finding_code", sort=False).tail(1)
    due = {}
    for e in last[last.kind == "approve"].itertuples():
        if e.recheck_month is not None and not pd.isna(e.recheck_month):
            month = to_month(pd.Timestamp(e.recheck_month))
            if month <= as_of:
                due[e.finding_code] = month
    return due


def recheck_counts(data: Data, findings: pd.DataFrame, as_of: str) -> dict[str, int]:
    """回头看 so far: closed findings that held at re-check, that relapsed (reopened), and re-checks due."""
    events = data.closure_events
    if events is None or events.empty:
        return {"held": 0, "relapsed": 0, "due": 0}
    months = events.month.map(lambda d: to_month(pd.Timestamp(d)))
    mine = events[(months <= as_of) & events.finding_code.isin(findings.finding_code)]
    due = [c for c in due_rechecks(data, as_of) if c in set(findings.finding_code)]
    return {
        "held": int((mine.kind == "held").sum()),
        "relapsed": int((mine.kind == "relapsed").sum()),
        "due": len(due),
    }


CHANGE_COLUMNS = ["类别", "问题", "事项", "变化", "finding_code"]


def month_changes(data: Data, filters: Filters, today: dt.date | None = None) -> pd.DataFrame:
    """What moved in the 'as of' month: findings whose status differs from the month before (in
    report order), then the notes editors dated in that month — the "why" beside the "what"."""
    as_of, previous = filters.as_of, add_months(filters.as_of, -1)
    findings = filter_findings(data.findings, data.metrics, filters)
    rows = []
    if previous in data.months:
        grid = status_grid(data, findings, [previous, as_of], today)
        shown = grid.pivot(index="finding_code", columns="month", values="shown")
        for f in findings.itertuples():
            before, now = shown.at[f.finding_code, previous], shown.at[f.finding_code, as_of]
            if before != now:
                label = finding_label(f.finding_code, f.report_number)
                rows.append(("状态变化", label, f.title, f"{before} → {now}", f.finding_code))
    metric_codes = set(filter_metrics(data.metrics, filters).metric_code)
    notes = data.annotations[data.annotations.month == as_of]
    in_view = notes.finding_code.isin(findings.finding_code) | notes.metric_code.isin(metric_codes)
    numbers = data.findings.set_index("finding_code").report_number
    for n in notes[in_view].itertuples():
        subject = n.metric_name if isinstance(n.metric_name, str) else "（整改问题）"
        label = finding_label(n.finding_code, numbers.get(n.finding_code))
        rows.append(("注释", label, subject, f"{n.text}（{n.author}）", n.finding_code))
    return pd.DataFrame(rows, columns=CHANGE_COLUMNS)
