"""Findings over time: the status grid (finding × month, 逾期 once the deadline passed), the
overview's counts and completion rate, and the cutoff up to which 销号 steps count."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from rectification.core import vocabulary
from rectification.core.months import month_end
from rectification.core.vocabulary import CLOSED, LONG_TERM, NOT_STARTED, ONGOING, OVERDUE, PENDING
from rectification.rules import closure_states
from rectification.rules.data import Data
from rectification.rules.text import finding_label

# The order the tiles and charts list the shown statuses in. A finding is done when a reviewer has
# signed it off (已销号); 待审核 awaits that sign-off.
STATUS_ORDER = [CLOSED, PENDING, LONG_TERM, ONGOING, NOT_STARTED, OVERDUE]

# The catalogue's statuses are a reading of the document it was set up from (a 通报 publishes no
# per-finding status; a 问题清单's 完成情况 is the unit's own word): said wherever one shows until a
# ledger or a 销号 step confirms it (status_confirmed).
UNCONFIRMED = "据原文措辞归纳，待整改办确认"


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
        & ~grid.status.isin([CLOSED, PENDING, LONG_TERM])
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
    done = int(counts.get(CLOSED, 0))
    return {
        CLOSED: done,
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
    return f"{counts[CLOSED]} / {total - int(counts[LONG_TERM])} 项，不含长期坚持"


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
        done=(grid.status == CLOSED).astype(int),
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
