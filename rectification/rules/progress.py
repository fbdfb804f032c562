"""Progress against targets: the trajectory, the 绿/黄/红 status rule, headline outcomes and 需要关注."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from rectification.core import config, vocabulary
from rectification.core.config import TRACKING_START
from rectification.core.months import add_months, chinese, to_date
from rectification.rules import closure_states, deadline_levels

GREEN, YELLOW, RED, GREY = "绿", "黄", "红", "灰"
RAG_ORDER = {RED: 0, YELLOW: 1, GREEN: 2, GREY: 3}
TOLERANCE = 0.10  # 黄: at most this far below the trajectory


def due_soon_days() -> int:
    """黄: the deadline is at most this many days away and the work is not done. The deadline
    预警 setting, so the colours, 需要关注, 问题详情 and the 催办单 draw the line at the same day."""
    return config.deadline_days()[1]


def rag_rule() -> dict[str, str]:
    """The one documented status rule, with the thresholds in force: the overview shows it as its
    legend, README repeats it."""
    warning = due_soon_days()
    return {
        GREEN: "达到或超过进度线（从期初值到目标值的直线进度），或已达目标、已销号、待审核",
        YELLOW: f"低于进度线不超过{TOLERANCE:.0%}；或距截止不超过{warning}天（预警）且尚未完成",
        RED: f"低于进度线超过{TOLERANCE:.0%}；或已过截止日期仍未完成（逾期）",
        GREY: "未设目标和截止日期，无从判断",
    }


def deadline_rule() -> str:
    """The deadline thresholds in force, as the legend names them (settings deadline_notice_days and
    deadline_warning_days)."""
    notice, warning = config.deadline_days()
    return (
        f"期限提醒：剩余{notice}天内为{vocabulary.NOTICE}（提示，不改颜色），"
        f"{warning}天内为{vocabulary.WARNING}（黄），过期为{vocabulary.OVERDUE}（红）"
    )


# A jump is implausible when it exceeds a multiple of the largest recent month, or what the spread of
# recent months allows (median + k·MAD); repeats are only suspicious for monthly counts (a level may
# well stay put) and only for figures large enough that a copy-paste is likelier than coincidence.
JUMP_FACTOR = 3.0
MAD_K = 5.0
JUMP_HISTORY_MONTHS = 24
MIN_HISTORY = 3
REPEAT_MONTHS = 3
REPEAT_MIN_VALUE = 10  # one meeting a month, three months running, is normal; 2,629 sessions thrice is not

# A finding is done when a reviewer has signed it off (已销号); 待审核 awaits that sign-off.
DONE, PENDING = vocabulary.CLOSED, vocabulary.PENDING
ONGOING, LONG_TERM, NOT_STARTED, OVERDUE = (
    vocabulary.ONGOING,
    vocabulary.LONG_TERM,
    vocabulary.NOT_STARTED,
    vocabulary.OVERDUE,
)
STATUS_ORDER = [DONE, PENDING, LONG_TERM, ONGOING, NOT_STARTED, OVERDUE]

# A month is "substantially reported" when at least this share of the best-reported month's metrics
# (or ledger statuses) came in: one early figure for a future month must not move everyone's default.
SUBSTANTIAL_SHARE = 0.5


@dataclass(frozen=True)
class Filters:
    """The sidebar's view: which findings and metrics, which months, and the month treated as 'now'."""

    section: str | None = None
    department: str | None = None
    group: str | None = None
    start: str | None = None
    end: str | None = None
    as_of: str | None = None


@dataclass
class Data:
    """Everything the dashboard pages and the briefing draw from, as read from the store."""

    metrics: pd.DataFrame  # metric_catalogue
    monthly: pd.DataFrame  # metric_monthly
    findings: pd.DataFrame  # finding_catalogue
    statuses: pd.DataFrame  # finding_status_monthly, statuses replaced by the closure state (closure_states.monthly)
    annotations: pd.DataFrame  # annotations_current
    closure_events: pd.DataFrame = field(default_factory=pd.DataFrame)  # closure_events_effective

    @property
    def months(self) -> list[str]:
        """Every month the store covers, from the start of tracking to its last month of data."""
        last = max(
            [TRACKING_START]
            + ([self.monthly.month.max()] if len(self.monthly) else [])
            + ([self.statuses.month.max()] if len(self.statuses) else [])
        )
        return _month_list(TRACKING_START, last)

    @property
    def latest(self) -> str:
        """The last month with any figure or status."""
        return self.months[-1]

    @cached_property
    def reported(self) -> pd.DataFrame:
        """month × (metrics, statuses): how many metric figures and ledger statuses each month has."""
        metrics = self.monthly[self.monthly.value.notna()].groupby("month").metric_code.nunique()
        statuses = (
            self.statuses[self.statuses.is_reported.fillna(False).astype(bool)].groupby("month").finding_code.nunique()
            if "is_reported" in self.statuses
            else pd.Series(dtype="int64")
        )
        frame = pd.DataFrame({"metrics": metrics, "statuses": statuses}).reindex(self.months).fillna(0)
        return frame.astype(int)

    @cached_property
    def default_as_of(self) -> str:
        """The default 'as of' month: the latest month substantially reported (figures or statuses),
        so one early upload for a future month does not empty everyone's overview."""
        counts = self.reported
        substantial = pd.Series(False, index=counts.index)
        for column in counts.columns:
            most = counts[column].max()
            if most > 0:
                substantial |= counts[column] >= SUBSTANTIAL_SHARE * most
        chosen = counts.index[substantial]
        return chosen[-1] if len(chosen) else self.latest

    def later_months(self, as_of: str) -> list[tuple[str, int]]:
        """(month, metrics reported) for the months after `as_of` that have any figure or status."""
        counts = self.reported
        later = counts[(counts.index > as_of) & (counts.sum(axis=1) > 0)]
        return [(month, int(n)) for month, n in later.metrics.items()]


def load(query: Callable[..., pd.DataFrame]) -> Data:
    """Read the dashboard's data with `query(name, **params)` (app_state.query or a bound store.query)."""
    findings = query("finding_catalogue")
    events = query("closure_events_effective", finding=None)
    return Data(
        metrics=query("metric_catalogue"),
        monthly=query("metric_monthly"),
        findings=findings,
        statuses=closure_states.monthly(
            query("finding_status_monthly", first=to_date(TRACKING_START)), events, findings
        ),
        annotations=query("annotations_current"),
        closure_events=events,
    )


def _month_list(first: str, last: str) -> list[str]:
    start, end = month_index(first), month_index(last)
    return [add_months(first, i) for i in range(end - start + 1)]


def month_index(month: str) -> int:
    year, mon = month.split("-")
    return int(year) * 12 + int(mon) - 1


def month_end(month: str) -> dt.date:
    year, mon = map(int, month.split("-"))
    return dt.date(year, mon, calendar.monthrange(year, mon)[1])


def reference_date(as_of: str, today: dt.date | None = None) -> dt.date:
    """The day deadlines are judged against: the end of the 'as of' month, but never after today."""
    return min(month_end(as_of), today or dt.date.today())


def finding_label(finding_code: str | None, report_number) -> str:
    """问题05 for a numbered finding, 长期L1 for a long-term item, 综合 for metrics of no finding."""
    if finding_code is None or pd.isna(finding_code):
        return "综合"
    if report_number is None or pd.isna(report_number):
        return f"长期{finding_code}"
    return f"问题{int(report_number):02d}"


def resolve(filters: Filters, data: Data) -> Filters:
    """Fill in defaults and drop what the store does not know (a hand-edited URL): as_of defaults to
    the latest substantially reported month, the range to all months up to as_of, section/department/
    group to 全部."""
    months = data.months
    as_of = filters.as_of if filters.as_of in months else data.default_as_of
    start = filters.start if filters.start in months else months[0]
    end = filters.end if filters.end in months else months[-1]
    if start > end:
        start, end = end, start
    # Nothing after the month the view is "as of": the dashboard as it would have looked then.
    end = min(end, as_of)
    start = min(start, end)
    section = filters.section if filters.section in set(data.findings.section_code) else None
    department = filters.department if filters.department in set(data.findings.lead_department.dropna()) else None
    group = filters.group if filters.group in set(data.metrics.group_code) else None
    return Filters(section, department, group, start, end, as_of)


# --- Filtering -------------------------------------------------------------------------------


def filter_findings(findings: pd.DataFrame, metrics: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    keep = pd.Series(True, index=findings.index)
    if filters.section:
        keep &= findings.section_code == filters.section
    if filters.department:
        keep &= findings.lead_department == filters.department
    if filters.group:
        with_group = metrics.loc[metrics.group_code == filters.group, "finding_code"].dropna()
        keep &= findings.finding_code.isin(with_group)
    return findings[keep]


def filter_metrics(metrics: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    keep = pd.Series(True, index=metrics.index)
    if filters.section:
        keep &= metrics.section_code == filters.section
    if filters.department:
        keep &= metrics.lead_department == filters.department
    if filters.group:
        keep &= metrics.group_code == filters.group
    return metrics[keep]


def in_range(frame: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    return frame[(frame.month >= filters.start) & (frame.month <= filters.end)]


# --- The status rule ---------------------------------------------------------------------------


def trajectory_value(
    month: str, *, opening_value: float, opening_month: str, target_value: float, target_month: str | None
) -> float:
    """Where a metric should stand in `month`: a straight line from the opening balance to the target.
    A target without a month (or dated at or before the opening) applies at once."""
    if not target_month or month_index(target_month) <= month_index(opening_month):
        return float(target_value)
    span = month_index(target_month) - month_index(opening_month)
    share = min(max((month_index(month) - month_index(opening_month)) / span, 0.0), 1.0)
    return float(opening_value + (target_value - opening_value) * share)


def metric_rag(
    actual: float | None,
    expected: float | None,
    *,
    target: float | None,
    due: dt.date | None,
    ref: dt.date,
    warning: int | None = None,
    unit: str = "",
) -> tuple[str, str]:
    """The status of one metric and the reason in words. Higher is better for every metric.
    `warning`: days before `due` from which it is yellow (default: the deadline 预警 setting); `unit`
    words the gap (a rate's in 个百分点)."""
    if target is None or pd.isna(target):
        return GREY, "未设目标"
    actual = 0.0 if actual is None or pd.isna(actual) else float(actual)
    if actual >= target:
        return GREEN, "已达目标"
    if due is not None and ref > due:
        return RED, f"已过目标期限（{due:%Y-%m-%d}）仍未达目标"
    expected = float(target if expected is None or pd.isna(expected) else expected)
    floor = expected * (1 - TOLERANCE)
    epsilon = 1e-9 * max(1.0, abs(expected))  # 90 must count as "within 10% of 100" despite rounding
    if actual < floor - epsilon:
        return RED, f"{BEHIND}（{gap_text(actual, expected, unit)}）"
    if actual < expected - epsilon:
        return YELLOW, f"{SLIGHTLY_BEHIND}（{gap_text(actual, expected, unit)}）"
    warning = due_soon_days() if warning is None else warning
    if due is not None and (due - ref).days <= warning:
        return YELLOW, f"{vocabulary.WARNING}：目标期限 {due:%Y-%m-%d}，剩余 {(due - ref).days} 天"
    return GREEN, "符合进度"


BEHIND, SLIGHTLY_BEHIND = "低于进度线", "略低于进度线"


def gap_text(actual: float, expected: float, unit: str = "") -> str:
    """How far below its trajectory a figure is: 差 10 个百分点 for a rate (the values are percentages
    themselves, so a relative 10% would be a third number), 差 16 宗（12%） for anything else."""
    gap = float(expected) - float(actual)
    if unit == "%":
        return f"差 {number_with_unit(gap, unit, difference=True)}"
    share = f"（{gap / expected:.0%}）" if expected else ""
    return f"差 {number_with_unit(gap, unit)}{share}"


def position_text(actual, expected, unit: str = "", *, kind: str = "count", approximate: str | None = None) -> str:
    """Where a metric stands against its trajectory, as 需要关注 says it: 当前 90%，进度线 100%，差 10 个百分点
    (a level reads 当前, a count 累计; the gap only when it is behind)."""
    word = "累计" if kind == "count" else "当前"
    text = f"{word} {number_with_unit(actual, unit, approximate)}"
    if expected is None or pd.isna(expected):
        return text
    text += f"，进度线 {number_with_unit(expected, unit)}"
    actual = 0.0 if actual is None or pd.isna(actual) else float(actual)
    if actual < float(expected) - 1e-9 * max(1.0, abs(float(expected))):
        text += f"，{gap_text(actual, expected, unit)}"
    return text


def finding_rag(
    status: str,
    *,
    is_long_term: bool,
    deadline: dt.date | None,
    ref: dt.date,
    metric_rags: list[str],
    warning: int | None = None,
) -> tuple[str, str]:
    """The status of one finding: done, overdue, due soon, else the worst of its metrics.
    `warning`: days before the deadline from which it is yellow (default: the deadline 预警 setting)."""
    if status == DONE:
        return GREEN, "已销号"
    if status == PENDING:
        return GREEN, "已申请销号，待审核"
    dated = deadline is not None and not pd.isna(deadline) and not is_long_term and status != LONG_TERM
    if dated and ref > deadline:
        return RED, f"已过整改期限（{deadline:%Y-%m-%d}）仍未完成"
    known = [r for r in metric_rags if r != GREY]
    worst = min(known, key=RAG_ORDER.get) if known else None
    if worst == RED:
        return RED, "有指标低于进度线超过10%"
    warning = due_soon_days() if warning is None else warning
    if dated and (deadline - ref).days <= warning:
        return YELLOW, f"{vocabulary.WARNING}：整改期限 {deadline:%Y-%m-%d}，剩余 {(deadline - ref).days} 天"
    if worst == YELLOW:
        return YELLOW, "有指标略低于进度线"
    if worst == GREEN or dated:
        return GREEN, "按期推进"
    return GREY, "未设期限和目标"


def _as_date(value) -> dt.date | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()


def metric_due(target_month: str | None, deadline) -> dt.date | None:
    """A target is due at the end of its month; without one, by the finding's deadline."""
    if target_month and not pd.isna(target_month):
        return month_end(target_month)
    return _as_date(deadline)


def metric_positions(data: Data, metrics: pd.DataFrame, as_of: str) -> pd.DataFrame:
    """One row per metric: this month's value, the cumulative position as of `as_of` and its source."""
    upto = data.monthly[data.monthly.month <= as_of]
    last = upto.groupby("metric_code", sort=False).tail(1).set_index("metric_code")
    this = data.monthly[data.monthly.month == as_of].set_index("metric_code")
    out = metrics[["metric_code"]].copy()
    out["month_value"] = out.metric_code.map(this.value)
    out["cumulative"] = out.metric_code.map(last.cumulative)
    out["source"] = out.metric_code.map(last.source)
    return out


def metric_status(data: Data, metrics: pd.DataFrame, as_of: str, today: dt.date | None = None) -> pd.DataFrame:
    """metric_positions plus the trajectory value, the due date and the status with its reason."""
    ref = reference_date(as_of, today)
    frame = metrics.merge(metric_positions(data, metrics, as_of), on="metric_code", how="left")
    expected, due, rag, reason = [], [], [], []
    warning = due_soon_days()
    for m in frame.itertuples():
        target = None if pd.isna(m.target_value) else float(m.target_value)
        exp = None
        if target is not None:
            exp = trajectory_value(
                as_of,
                opening_value=0.0 if pd.isna(m.opening_value) else float(m.opening_value),
                opening_month=m.opening_month if isinstance(m.opening_month, str) else as_of,
                target_value=target,
                target_month=m.target_month if isinstance(m.target_month, str) else None,
            )
        d = metric_due(m.target_month if isinstance(m.target_month, str) else None, m.deadline)
        unit = m.unit if isinstance(getattr(m, "unit", None), str) else ""
        r, why = metric_rag(m.cumulative, exp, target=target, due=d, ref=ref, warning=warning, unit=unit)
        opening = m.opening_month if isinstance(m.opening_month, str) else None
        if target is not None and opening and as_of < opening:
            # The trajectory starts at the report's month: before it nothing is behind or overdue.
            exp, r, why = None, GREY, f"通报基准月（{chinese(opening)}）之前，不对照进度线"
        expected.append(exp)
        due.append(d)
        rag.append(r)
        reason.append(why)
    frame["expected"] = expected
    frame["due"] = due
    frame["rag"] = rag
    frame["reason"] = reason
    return frame


# --- Findings over time ------------------------------------------------------------------------

# The catalogue's statuses are a reading of the report's wording (it publishes no per-finding status):
# said wherever one shows until a ledger or a 销号 step confirms it (status_confirmed).
UNCONFIRMED = "据通报措辞归纳，待整改办确认"


def closure_cutoff(data: Data, month: str, today: dt.date | None = None) -> dt.date:
    """The last day whose 销号 steps a view as of `month` counts for that month. A step is dated the day
    it is taken, and the overview opens on last month: the current view (the default month or later)
    counts every step up to today, or each sign-off would be missing from it for a month while 问题详情
    says 已销号. A past month counts its own, up to its end; so do the months before the view's (the
    tiles' 较上月, the charts' earlier months)."""
    end = month_end(month)
    if month < data.default_as_of:
        return end
    return max(end, today or dt.date.today())


def closure_cutoff_text(data: Data, month: str, today: dt.date | None = None) -> str:
    """销号情况截至 12月2日 (the year too when it is not the month's): what the closure figures of a view of
    `month` count, as the overview, its charts and the pack label them."""
    day = min(closure_cutoff(data, month, today), today or dt.date.today())
    year = "" if str(day.year) == month[:4] else f"{day.year}年"
    return f"销号情况截至 {year}{day.month}月{day.day}日"


def closure_note(data: Data, month: str, today: dt.date | None = None) -> str | None:
    """closure_cutoff_text where a view of `month` counts 销号 steps after the month (the current view),
    for the charts' context line; None for a past month, whose closures are those of its own month."""
    if closure_cutoff(data, month, today) <= month_end(month):
        return None
    return closure_cutoff_text(data, month, today)


def _closures_until_cutoff(data: Data, grid: pd.DataFrame, as_of: str | None, today: dt.date | None) -> pd.DataFrame:
    """The grid with the view's own month's closure state counted up to its cutoff (closure_cutoff)."""
    events = data.closure_events
    if as_of is None or grid.empty or "reported" not in grid or events is None or events.empty:
        return grid
    cutoff = closure_cutoff(data, as_of, today)
    later = grid.month == as_of
    if cutoff <= month_end(as_of) or not later.any():
        return grid
    rows = grid[later]
    steps = closure_states.last_event_at(rows.finding_code, [cutoff] * len(rows), events)
    long_term = data.findings.set_index("finding_code").is_long_term.fillna(False).astype(bool)
    shown = [
        closure_states.state_of(reported, bool(long_term.get(code, False)), kind)
        for reported, code, kind in zip(rows.reported, rows.finding_code, steps.kind, strict=True)
    ]
    grid = grid.copy()
    grid.loc[later, "status"] = shown
    grid.loc[later, "closure_event"] = steps.event_id.to_numpy()
    return grid


def status_confirmed(grid: pd.DataFrame) -> pd.Series:
    """Whether each status of a status grid is confirmed, the one rule for it: the status in force came
    from a ledger upload (整改台账), or a 销号 step someone took (a submission, a review, a re-check) is in
    force. The catalogue's opening statuses (期初数据), the demo history and the report's own 已完成 (a
    sign-off derived from the catalogue, with a negative event id) are a reading of the report, not
    confirmed."""
    from_ledger = grid.source.eq(vocabulary.SOURCE_LEDGER) if "source" in grid else pd.Series(False, index=grid.index)
    if "closure_event" not in grid:
        return from_ledger.fillna(False).astype(bool)
    stepped = pd.to_numeric(grid.closure_event, errors="coerce").fillna(0) > 0
    return (from_ledger.fillna(False) | stepped).astype(bool)


def status_grid(
    data: Data,
    findings: pd.DataFrame,
    months: list[str] | None = None,
    today: dt.date | None = None,
    *,
    as_of: str | None = None,
) -> pd.DataFrame:
    """finding × month: the reported status, shown as 逾期 from the month its deadline has passed;
    `confirmed` says whether the status is confirmed (status_confirmed). `as_of`, the month the view is
    as of (default: the last of `months`), counts its 销号 steps up to its cutoff (closure_cutoff)."""
    grid = data.statuses[data.statuses.finding_code.isin(findings.finding_code)]
    if months is not None:
        grid = grid[grid.month.isin(months)]
    as_of = as_of or (max(months) if months else None)
    grid = _closures_until_cutoff(data, grid, as_of, today)
    info = findings.set_index("finding_code")
    deadline = pd.to_datetime(grid.finding_code.map(info.deadline))
    long_term = grid.finding_code.map(info.is_long_term).fillna(False).astype(bool)
    ends = pd.to_datetime(grid.month + "-01") + pd.offsets.MonthEnd(0)
    today = pd.Timestamp(today or dt.date.today())
    overdue = (
        deadline.notna()
        & (ends.where(ends < today, today) > deadline)
        & ~grid.status.isin([DONE, PENDING, LONG_TERM])
        & ~long_term
    )
    grid = grid.assign(shown=grid.status.where(~overdue, OVERDUE), confirmed=status_confirmed(grid))
    grid["label"] = grid.finding_code.map(
        {r.finding_code: finding_label(r.finding_code, r.report_number) for r in findings.itertuples()}
    )
    grid["title"] = grid.finding_code.map(info.title)
    return grid


def status_counts(
    data: Data, findings: pd.DataFrame, month: str, today: dt.date | None = None, *, as_of: str | None = None
) -> dict[str, float | None]:
    """The overview's tiles for one month: counts by status as a partition of the findings (an overdue
    finding counts under 逾期 only, not also under 推进中 or 未启动), and the completion rate. `as_of`:
    the view's month when `month` is another (the month before, for 较上月)."""
    grid = status_grid(data, findings, [month], today, as_of=as_of or month)
    counts = grid.shown.value_counts()
    total = len(findings)
    long_term = int(counts.get(LONG_TERM, 0))
    done = int(counts.get(DONE, 0))
    return {
        DONE: done,
        PENDING: int(counts.get(PENDING, 0)),
        ONGOING: int(counts.get(ONGOING, 0)),
        LONG_TERM: long_term,
        NOT_STARTED: int(counts.get(NOT_STARTED, 0)),
        OVERDUE: int(counts.get(OVERDUE, 0)),
        "完成率": done / (total - long_term) if total - long_term > 0 else None,
    }


def unconfirmed_counts(data: Data, findings: pd.DataFrame, month: str, today: dt.date | None = None) -> dict[str, int]:
    """Shown status (as the tiles count them) → how many of those findings' statuses are not confirmed."""
    grid = status_grid(data, findings, [month], today)
    return {k: int(v) for k, v in grid[~grid.confirmed].shown.value_counts().items()}


def completion_text(counts: dict) -> str:
    """19 / 27 项，不含长期坚持: what a 完成率 of status_counts is the share of."""
    total = sum(int(counts.get(status, 0)) for status in STATUS_ORDER)
    return f"{counts[DONE]} / {total - int(counts[LONG_TERM])} 项，不含长期坚持"


def completion_rate_text(counts: dict) -> str:
    """完成率 70%（19 / 27 项，不含长期坚持）: the rate always with its denominator."""
    rate = counts["完成率"]
    return f"完成率 {'—' if rate is None else f'{rate:.0%}'}（{completion_text(counts)}）"


def completion_by_section(
    data: Data, findings: pd.DataFrame, months: list[str], today: dt.date | None = None, *, as_of: str | None = None
) -> pd.DataFrame:
    """month × section: how many of the section's findings were 已销号 by then (`as_of`: the view's month)."""
    grid = status_grid(data, findings, months, today, as_of=as_of)
    sections = findings.set_index("finding_code")
    grid = grid.assign(
        section_code=grid.finding_code.map(sections.section_code),
        done=(grid.status == DONE).astype(int),
    )
    table = grid.groupby(["section_code", "month"], as_index=False).done.sum()
    titles = findings.drop_duplicates("section_code").set_index("section_code")
    table["section"] = table.section_code.map(
        {code: section_label(int(r.section_ordinal), r.section_title) for code, r in titles.iterrows()}
    )
    table["section_ordinal"] = table.section_code.map(titles.section_ordinal)
    table["source"] = table.month.map(grid.groupby("month").source.agg(lambda s: ",".join(sorted(set(s.dropna())))))
    return table.sort_values(["section_ordinal", "month"]).rename(columns={"done": "completed"})


NUMERALS = "一二三四五六七八九十"


def section_label(ordinal: int, title: str, width: int = 14) -> str:
    """（一）贯彻落实习近平新时代… : the report's section, short enough for a legend."""
    text = title.removeprefix("聚焦").removesuffix("方面").removesuffix("情况")
    text = text if len(text) <= width else text[: width - 1] + "…"
    numeral = NUMERALS[ordinal - 1] if 1 <= ordinal <= len(NUMERALS) else str(ordinal)
    return f"（{numeral}）{text}"


# --- Headline outcomes -------------------------------------------------------------------------


@dataclass(frozen=True)
class Headline:
    group_code: str
    group_name: str
    unit: str
    metric_codes: tuple[str, ...]
    metric_names: tuple[str, ...]
    month_value: float | None
    cumulative: float
    target: float | None
    title: str = ""  # what the tile says it counts (醉驾积案移诉及撤案), from the catalogue
    definition: str = ""  # the headline's one-line 口径, from the catalogue
    parts: tuple[float, ...] = ()  # each metric's cumulative, in metric_codes order
    approximate: str | None = None  # 余 / 约 when any figure added up is the report's rounded one

    @property
    def name(self) -> str:
        return self.title or self.group_name

    @property
    def breakdown(self) -> str:
        """醉驾案件移送起诉 128 宗 + 醉驾案件撤案 149 宗 = 277 宗: what the number is made of."""
        total = number_with_unit(self.cumulative, self.unit, self.approximate)
        if len(self.parts) != len(self.metric_names):
            return "、".join(self.metric_names)
        if len(self.metric_names) == 1:
            return f"{self.metric_names[0]} {total}"
        items = " + ".join(
            f"{name} {number_with_unit(value, self.unit)}" for name, value in zip(self.metric_names, self.parts)
        )
        return f"{items} = {total}"

    @property
    def label(self) -> str:
        """The tile's help: the 口径 first, then the breakdown."""
        lines = [f"口径：{self.definition}"] if self.definition else []
        return "\n\n".join([*lines, f"构成：{self.breakdown}"])


def names_headlines(metrics: pd.DataFrame) -> bool:
    """Whether the catalogue names the headlines' metrics (every store since migration 008 does)."""
    return "in_headline" in metrics and bool(metrics.in_headline.fillna(False).astype(bool).any())


def headline_metrics(
    metrics: pd.DataFrame, group_code: str, positions: pd.DataFrame, unit: str | None = None, *, named: bool = False
) -> pd.DataFrame:
    """The metrics a headline shows: with `named`, those the catalogue names for it (headline_metrics.csv),
    in its order — of `metrics`, which may be a filtered view. Without (a catalogue that names none) it
    falls back to the group's count metrics of one unit, because sums across units mean nothing — the
    catalogue's headline unit for the group, else the unit most of them share, on a tie the one with
    the larger total."""
    if named:
        chosen = metrics[(metrics.group_code == group_code) & metrics.in_headline.fillna(False).astype(bool)]
        return chosen.sort_values("headline_ordinal")
    counts = metrics[(metrics.group_code == group_code) & (metrics.kind == "count")]
    if counts.empty:
        return counts
    if unit and (counts.unit == unit).any():
        return counts[counts.unit == unit]
    totals = counts.merge(positions, on="metric_code", how="left")
    by_unit = totals.groupby("unit").agg(n=("metric_code", "size"), total=("cumulative", "sum"))
    unit = by_unit.sort_values(["n", "total"], ascending=False).index[0]
    return counts[counts.unit == unit]


def approximate_marker(markers) -> str | None:
    """The marker of a sum: 约 when any part is 约, else 余 when any part is 余, else exact."""
    found = {m for m in markers if isinstance(m, str) and m}
    return "约" if "约" in found else ("余" if found else None)


def headlines(data: Data, metrics: pd.DataFrame, as_of: str) -> list[Headline]:
    """The headline outcome groups (头盔劝导, 隐患整治, …) as this month + cumulative + target."""
    positions = metric_positions(data, data.metrics, as_of)
    groups = data.metrics[data.metrics.is_headline].drop_duplicates("group_code").sort_values("group_ordinal")
    out = []
    for g in groups.itertuples():
        unit = g.headline_unit if isinstance(g.headline_unit, str) else None
        chosen = headline_metrics(metrics, g.group_code, positions, unit, named=names_headlines(data.metrics))
        if chosen.empty:
            continue
        pos = positions.set_index("metric_code").reindex(chosen.metric_code)
        month_value = pos.month_value.sum() if pos.month_value.notna().any() else None
        targets = chosen.target_value
        title = getattr(g, "headline_title", None)
        definition = getattr(g, "headline_definition", None)
        out.append(
            Headline(
                group_code=g.group_code,
                group_name=g.group_name,
                unit=chosen.unit.iloc[0],
                metric_codes=tuple(chosen.metric_code),
                metric_names=tuple(chosen.metric_name),
                month_value=month_value,
                cumulative=float(pos.cumulative.fillna(0).sum()),
                # A group target only when every summed metric has one; a partial sum would mislead.
                target=float(targets.sum()) if targets.notna().all() else None,
                title=title if isinstance(title, str) else "",
                definition=definition if isinstance(definition, str) else "",
                parts=tuple(float(v) for v in pos.cumulative.fillna(0)),
                approximate=approximate_marker(chosen.get("approximate", pd.Series(dtype=object))),
            )
        )
    return out


SERIES_COLUMNS = [
    "month",
    "value",
    "cumulative",
    "source",
    "group",
    "unit",
    "target",
    "title",
    "definition",
    "approximate",
    "breakdown",
]


def headline_series(data: Data, headline_list: list[Headline], months: list[str]) -> pd.DataFrame:
    """group × month: the monthly sum and the cumulative sum of each headline's metrics, with the
    headline's title, 口径 and, month by month, what the cumulative figure is made of."""
    frames = []
    for h in headline_list:
        rows = data.monthly[data.monthly.metric_code.isin(h.metric_codes) & data.monthly.month.isin(months)]
        grouped = rows.groupby("month", as_index=False).agg(
            value=("value", "sum"), reported=("value", "count"), cumulative=("cumulative", "sum")
        )
        grouped["value"] = grouped.value.where(grouped.reported > 0)  # a month nobody reported stays empty
        grouped["source"] = ",".join(sorted(set(rows.source.dropna())))
        grouped["group"] = h.group_name
        grouped["unit"] = h.unit
        grouped["target"] = h.target
        grouped["title"] = h.name
        grouped["definition"] = h.definition
        grouped["approximate"] = h.approximate
        names = dict(zip(h.metric_codes, h.metric_names))
        order = {code: i for i, code in enumerate(h.metric_codes)}
        by_month = (
            rows.assign(name=rows.metric_code.map(names), _order=rows.metric_code.map(order))
            .sort_values(["month", "_order"])
            .set_index("month")
        )
        grouped["breakdown"] = [
            " + ".join(
                f"{r.name} {number_with_unit(r.cumulative, h.unit)}"
                for r in by_month.loc[[month]].itertuples()
                if not pd.isna(r.cumulative)
            )
            for month in grouped.month
        ]
        frames.append(grouped.drop(columns="reported"))
    if not frames:
        return pd.DataFrame(columns=SERIES_COLUMNS)
    return pd.concat(frames, ignore_index=True)


# --- 需要关注 ---------------------------------------------------------------------------------


def suspicious(data: Data, metrics: pd.DataFrame, as_of: str) -> pd.DataFrame:
    """Figures this month that look wrong (metric_code, detail): suspicions() for one month."""
    found = suspicions(data, metrics, [as_of])
    return found[["metric_code", "detail"]].reset_index(drop=True)


SUSPICION_COLUMNS = ["month", "metric_code", "detail"]


def suspicions(data: Data, metrics: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    """Figures of `months` that look wrong (month, metric_code, detail), every month and metric in one
    pass. Monthly counts: the same as in each of the previous months (REPEAT_MONTHS in a row), or a
    jump beyond what recent history makes plausible. Month-end levels: a rate over 100 %, or a fall
    where the level cannot fall (one heading for a target above where it started: schools brought
    up to standard do not drop out again by themselves). The upload preview runs the same rules on
    the figures of a file before they are imported. Each month: counts by code, then levels in
    catalogue order."""
    months = sorted(set(months))
    if not months or metrics.empty:
        return pd.DataFrame(columns=SUSPICION_COLUMNS)
    counts = _count_suspicions(data.monthly, metrics[metrics.kind == "count"], months)
    levels = _level_suspicions(data.monthly, metrics[metrics.kind == "level"], months)
    found = pd.concat([counts.assign(rule=0), levels.assign(rule=1)], ignore_index=True)
    found = found.sort_values(["month", "rule", "order"], kind="stable")
    return found[SUSPICION_COLUMNS].reset_index(drop=True)


def _count_suspicions(monthly: pd.DataFrame, counts: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    """Repeats and jumps: each judged month against its own window of the months before it."""
    grid = _month_list(add_months(months[0], -JUMP_HISTORY_MONTHS), months[-1])
    # Only the months some judged month looks back on (需要关注 judges one month of ten years).
    rows = monthly[monthly.metric_code.isin(counts.metric_code) & monthly.month.between(grid[0], grid[-1])]
    if rows.empty:
        return pd.DataFrame(columns=[*SUSPICION_COLUMNS, "order"])
    # month × metric, every calendar month (a month without a row is a month without a figure)
    wide = rows.pivot(index="month", columns="metric_code", values="value").reindex(grid)
    values = wide.to_numpy(dtype=float)
    at = np.array([grid.index(month) for month in months])
    index = pd.MultiIndex.from_product([months, wide.columns], names=["month", "metric_code"])

    def window(length: int, end: int) -> pd.DataFrame:
        """One row per (judged month, metric): the `length` months ending `end` months after it."""
        frames = sliding_window_view(values, length, axis=0)[at + end - length + 1]
        return pd.DataFrame(frames.reshape(-1, length), index=index)

    now = pd.Series(values[at].reshape(-1), index=index)
    recent = window(REPEAT_MONTHS, 0)
    repeated = recent.notna().all(axis=1) & (recent.max(axis=1) == recent.min(axis=1)) & (now >= REPEAT_MIN_VALUE)
    previous = window(JUMP_HISTORY_MONTHS, -1)
    largest = previous.max(axis=1)
    median = previous.median(axis=1)
    spread = 1.4826 * previous.sub(median, axis=0).abs().median(axis=1)  # MAD scaled to a standard deviation
    enough = previous.notna().sum(axis=1) >= MIN_HISTORY
    jump = enough & (((largest > 0) & (now > JUMP_FACTOR * largest)) | ((spread > 0) & (now > median + MAD_K * spread)))
    flagged = ((repeated | jump) & now.notna()).to_numpy()
    found = pd.DataFrame({"now": now, "repeated": repeated, "largest": largest, "median": median}, index=index)[
        flagged
    ].reset_index()
    found["detail"] = [
        f"连续{REPEAT_MONTHS}个月数值相同（均为 {f.now:,.0f}）"
        if f.repeated
        else f"本月 {f.now:,.0f}，远高于以往（此前最高 {f.largest:,.0f}，中位数 {f.median:,.0f}）"
        for f in found.itertuples()
    ]
    return found.assign(order=wide.columns.get_indexer(found.metric_code))[[*SUSPICION_COLUMNS, "order"]]


def _level_suspicions(monthly: pd.DataFrame, levels: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    """Rates over 100 % and falls on the way to a target: each month against the state before it."""
    levels = levels.reindex(columns=["metric_code", "unit", "target_value", "opening_value"]).astype(
        {"target_value": float, "opening_value": float}
    )
    levels = levels.assign(order=range(len(levels)), unit=[u if isinstance(u, str) else "" for u in levels.unit])
    rows = monthly[monthly.metric_code.isin(levels.metric_code)].sort_values(["metric_code", "month"])
    # The month-end state before each month: its figure, else the state carried over (the cumulative).
    shown = rows.value.where(rows.value.notna(), rows.cumulative)
    last = shown.groupby(rows.metric_code).shift().groupby(rows.metric_code).ffill()
    judged = rows.assign(last=last)[rows.month.isin(months) & rows.value.notna()].merge(levels, on="metric_code")
    over_100 = (judged.unit == "%") & (judged.value > 100)
    heading_up = (
        judged.target_value.notna() & judged.opening_value.notna() & (judged.target_value >= judged.opening_value)
    )
    falls = ~over_100 & heading_up & judged.last.notna() & (judged.value < judged.last)
    found = judged[over_100 | falls]
    found = found.assign(
        detail=[
            f"本月 {f.value:g}%，百分比不应超过 100%"
            if f.unit == "%" and f.value > 100
            else f"月末值由 {number_with_unit(f.last, f.unit)} 降到 {number_with_unit(f.value, f.unit)}："
            "该指标朝目标只增不减，请核对"
            for f in found.itertuples()
        ]
    )
    return found[[*SUSPICION_COLUMNS, "order"]]


ATTENTION_COLUMNS = ["类别", "状态", "问题", "事项", "说明", "finding_code", "metric_code"]


def metrics_in_use(metrics: pd.DataFrame, as_of: str) -> pd.DataFrame:
    """The metrics not retired by `as_of` (retired_from is 'YYYY-MM' or empty)."""
    retired = metrics.retired_from.map(lambda month: isinstance(month, str) and month <= as_of)
    return metrics[~retired.astype(bool)]


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
            deadline = _as_date(f.deadline)
            days = (ref - deadline).days
            rows.append(
                (
                    "逾期",
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
            level, days = deadline_levels.level(_as_date(f.deadline), ref)
            if level in (vocabulary.NOTICE, vocabulary.WARNING):
                rows.append(
                    (
                        "临近期限",
                        YELLOW if level == vocabulary.WARNING else GREY,
                        labels[f.finding_code],
                        f.title,
                        f"{level}：整改期限 {_as_date(f.deadline):%Y-%m-%d}，"
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
        kind = "逾期" if "已过目标期限" in m.reason else "落后进度"
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
        if finding_status.get(m.finding_code) == DONE:
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
    order = {"逾期": 0, "临近期限": 1, "回头看": 2, "落后进度": 3, "长期坚持缺进展": 4, "数据存疑": 5, "本月无数据": 6}
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
    months = events.month.map(lambda d: f"{pd.Timestamp(d):%Y-%m}")
    last = events[months <= as_of].groupby("finding_code", sort=False).tail(1)
    due = {}
    for e in last[last.kind == "approve"].itertuples():
        if e.recheck_month is not None and not pd.isna(e.recheck_month):
            month = f"{pd.Timestamp(e.recheck_month):%Y-%m}"
            if month <= as_of:
                due[e.finding_code] = month
    return due


def recheck_counts(data: Data, findings: pd.DataFrame, as_of: str) -> dict[str, int]:
    """回头看 so far: closed findings that held at re-check, that relapsed (reopened), and re-checks due."""
    events = data.closure_events
    if events is None or events.empty:
        return {"held": 0, "relapsed": 0, "due": 0}
    months = events.month.map(lambda d: f"{pd.Timestamp(d):%Y-%m}")
    mine = events[(months <= as_of) & events.finding_code.isin(findings.finding_code)]
    due = [c for c in due_rechecks(data, as_of) if c in set(findings.finding_code)]
    return {
        "held": int((mine.kind == "held").sum()),
        "relapsed": int((mine.kind == "relapsed").sum()),
        "due": len(due),
    }


def approximate_text(figure: str, approximate: str | None) -> str:
    """A written figure as the report words a rounded one: 2,000余 / 约700 (the 通报 draft's 2000余 too)."""
    if approximate == "余":
        return f"{figure}余"
    if approximate == "约":
        return f"约{figure}"
    return figure


def number_with_unit(
    value, unit: str = "", approximate: str | None = None, *, difference: bool = False, signed: bool = False
) -> str:
    """2,629 场次 / 90% / — : thousands separators, the unit after a space (none before %). A figure
    the report rounds reads as the report words it: 2,000余 人次, 约700 个. `difference`: the value is a
    difference of two figures, so a difference of rates reads 5.4 个百分点, not 5.4%; `signed`: with its
    sign (+5.4 个百分点, +43 处). The one way a figure is written: tiles, charts, 需要关注, the pack."""
    if value is None or pd.isna(value):
        return "—"
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    if signed and value > 0:
        text = f"+{text}"
    text = approximate_text(text, approximate)
    if difference and unit == "%":
        return f"{text} 个百分点"
    return f"{text}{unit}" if unit == "%" or not unit else f"{text} {unit}"


# --- 指标趋势 -------------------------------------------------------------------------------------

BY = {"metric": "按指标", "group": "按成效类别合计", "department": "按牵头部门合计"}
MEASURES = {"monthly": "每月数值", "cumulative": "累计"}


NO_DEFINITION = "（未填写口径）"


def definition_text(value) -> str:
    """A metric's 口径 as shown, or a plain note that nobody has written one (an added metric)."""
    return value if isinstance(value, str) and value.strip() else NO_DEFINITION


def counted_twice(metrics: pd.DataFrame, metric_codes) -> list[str]:
    """Of these metrics, those that report the same event as another one among them (same_as): a
    total leaves them out, so 问题12's and 问题17's 79 joint inspections count once."""
    if "same_as" not in metrics:
        return []
    chosen = set(metric_codes)
    twins = metrics[metrics.metric_code.isin(chosen)]
    return [m.metric_code for m in twins.itertuples() if isinstance(m.same_as, str) and m.same_as in chosen]


def explorer_series(data: Data, metric_codes: list[str], filters: Filters, *, measure: str, by: str) -> pd.DataFrame:
    """month, series, unit, y, source, kind for the chosen metrics over the filtered months. By group or
    department the monthly counts are added up per unit (a sum across units means nothing; a level
    such as a rate is not added at all)."""
    column = "value" if measure == "monthly" else "cumulative"
    info = data.metrics.set_index("metric_code")
    rows = in_range(data.monthly[data.monthly.metric_code.isin(metric_codes)], filters)
    rows = rows.assign(unit=rows.metric_code.map(info.unit), y=rows[column])
    if by == "metric":
        names = {
            c: f"{finding_label(info.finding_code[c], info.report_number[c])} {info.metric_name[c]}"
            for c in metric_codes
        }
        rows = rows.assign(series=rows.metric_code.map(names))
        order = {c: i for i, c in enumerate(metric_codes)}
        rows = rows.assign(_o=rows.metric_code.map(order)).sort_values(["_o", "month"]).drop(columns="_o")
        rows = rows.assign(kind=rows.metric_code.map(info.kind))
        return rows[["month", "series", "unit", "y", "source", "kind"]].reset_index(drop=True)
    rows = rows[rows.metric_code.map(info.kind) == "count"]
    rows = rows[~rows.metric_code.isin(counted_twice(data.metrics, metric_codes))]
    key = info.group_name if by == "group" else info.lead_department.fillna("未定部门")
    rows = rows.assign(key=rows.metric_code.map(key))
    summed = rows.groupby(["key", "unit", "month"], as_index=False, sort=True).agg(
        y=("y", lambda s: s.sum() if s.notna().any() else None),
        n=("metric_code", "nunique"),
        source=("source", lambda s: ",".join(sorted(set(s.dropna())))),
    )
    counts = summed.groupby(["key", "unit"]).n.transform("max")
    summed["series"] = summed.key + "（" + summed.unit + "，" + counts.astype(str) + "项合计）"
    summed["kind"] = "count"
    return summed[["month", "series", "unit", "y", "source", "kind"]]


# --- 总览 ----------------------------------------------------------------------------------------


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


@dataclass
class Overview:
    """What the overview page shows besides its charts, computed once per data version and view."""

    n_findings: int
    n_metrics: int
    now: dict
    before: dict | None
    attention: pd.DataFrame
    changes: pd.DataFrame
    headlines: list[Headline]
    headline_series: pd.DataFrame
    rechecks: dict = field(default_factory=dict)  # 回头看: held, relapsed, due
    unconfirmed: dict = field(default_factory=dict)  # shown status → findings whose status is not confirmed
    closures: str = ""  # 销号情况截至 12月2日: what the closure tiles and charts count


def overview(data: Data, filters: Filters, today: dt.date | None = None) -> Overview:
    findings = filter_findings(data.findings, data.metrics, filters)
    metrics = filter_metrics(data.metrics, filters)
    previous = add_months(filters.as_of, -1)
    found = headlines(data, metrics, filters.as_of)
    months = [m for m in data.months if filters.start <= m <= filters.end]
    return Overview(
        n_findings=len(findings),
        n_metrics=len(metrics),
        now=status_counts(data, findings, filters.as_of, today),
        before=status_counts(data, findings, previous, today, as_of=filters.as_of) if previous in data.months else None,
        attention=attention(data, filters, today),
        changes=month_changes(data, filters, today),
        headlines=found,
        headline_series=headline_series(data, found, months),
        rechecks=recheck_counts(data, findings, filters.as_of),
        unconfirmed=unconfirmed_counts(data, findings, filters.as_of, today),
        closures=closure_cutoff_text(data, filters.as_of, today),
    )


# --- 问题详情's search ---------------------------------------------------------------------------

_LONG_TERM_QUERY = re.compile(r"(?:长期L?|L)0*(\d{1,3})")


def search_findings(findings: pd.DataFrame, metrics: pd.DataFrame, measures: pd.DataFrame, text: str) -> pd.DataFrame:
    """The findings a search means, the one whose number or code was typed first: 5 / 问题05 / F05,
    长期1 / L1 / 长期L1 for a long-term item, else any finding whose title, measures' text or
    metrics' names contain the text. measures: finding_code, ordinal_label, text."""
    if not text.strip():
        return findings
    hits = search_hits(findings, metrics, measures, text)
    exact = set(hits.finding_code[hits.place == NUMBER_PLACE])
    found = findings[findings.finding_code.isin(set(hits.finding_code))]
    return (
        found.assign(_exact=found.finding_code.isin(exact))
        .sort_values("_exact", ascending=False, kind="stable")
        .drop(columns="_exact")
    )


NUMBER_PLACE = "问题编号"
SNIPPET_CONTEXT = 12  # characters kept on each side of the matched text


def search_hits(findings: pd.DataFrame, metrics: pd.DataFrame, measures: pd.DataFrame, text: str) -> pd.DataFrame:
    """Where a search matched, one row per place: finding_code, place (问题编号 / 问题原文 /
    整改措施「三是」 / 指标「一类视频卡口修复率」) and snippet (the matched text with a little of what
    surrounds it, "" for a number or a metric's name), in the findings' order, a finding's places in
    the report's order. A bare number means a finding's number, not every "5" in measures and metrics."""
    text = text.strip()
    columns = ["finding_code", "place", "snippet"]
    if not text:
        return pd.DataFrame(columns=columns)
    compact = re.sub(r"\s", "", text).upper()
    number = compact.removeprefix("问题").lstrip("0")
    rows: list[tuple[str, str, str]] = []
    for f in findings.itertuples():
        if _is_numbered(f, compact, number):
            rows.append((f.finding_code, NUMBER_PLACE, ""))
        if text in str(f.title):
            rows.append((f.finding_code, "问题原文", _snippet(str(f.title), text)))
        if number.isdigit():
            continue
        for m in measures[measures.finding_code == f.finding_code].itertuples():
            if text in str(m.text):
                label = m.ordinal_label if isinstance(m.ordinal_label, str) else f"第{m.ordinal}条"
                rows.append((f.finding_code, f"整改措施「{label}」", _snippet(str(m.text), text)))
        for name in metrics.loc[metrics.finding_code == f.finding_code, "metric_name"]:
            if text in str(name):
                rows.append((f.finding_code, f"指标「{name}」", ""))
    return pd.DataFrame(rows, columns=columns)


def search_opens(hits: pd.DataFrame) -> str | None:
    """The finding a search opens at once: the one whose number or code was typed, else the only
    finding it matched; None when it matched several (the page lists them to pick from)."""
    numbered = hits.finding_code[hits.place == NUMBER_PLACE]
    if len(numbered):
        return numbered.iloc[0]
    found = hits.finding_code.unique()
    return found[0] if len(found) == 1 else None


def _is_numbered(finding, compact: str, number: str) -> bool:
    if str(finding.finding_code).upper() == compact:
        return True
    if number.isdigit() and not pd.isna(finding.report_number) and int(finding.report_number) == int(number):
        return True
    match = _LONG_TERM_QUERY.fullmatch(compact)
    return bool(match) and finding.finding_code == f"L{int(match.group(1))}"


def _snippet(text: str, found: str) -> str:
    """`found` in `text` with SNIPPET_CONTEXT characters either side, … where text was cut."""
    at = text.index(found)
    start, end = max(0, at - SNIPPET_CONTEXT), min(len(text), at + len(found) + SNIPPET_CONTEXT)
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
