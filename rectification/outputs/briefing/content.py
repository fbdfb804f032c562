"""What the 督办会 meeting pack says, before anything is drawn: the briefing's months and scope, which
findings get a slide, each slide's title, figure recipe and table rows, the finding cards and the
appendix of metrics, gathered in a Pack. The bureau's name lives here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property, partial

import duckdb
import pandas as pd
import plotly.graph_objects as go

from rectification.core import store, vocabulary
from rectification.core.months import add_months, chinese
from rectification.core.programme import Programme
from rectification.core.vocabulary import CLOSED, LONG_TERM, NOT_STARTED
from rectification.outputs.briefing.images import CHART_BOX, FINDING_BOX, HEADLINE_BOX, BriefingError, for_box
from rectification.outputs.briefing.tables import (
    ATTENTION_HEADER,
    ATTENTION_WIDTHS,
    appendix_pages,
    attention_cells,
    room_for_rows,
    row_height,
    split_rows,
)
from rectification.outputs.charts.assembly import completion_figure, heatmap_figure, metric_figure, status_strip_figure
from rectification.outputs.charts.theme import short, source_label, value_text
from rectification.rules import deadline_levels
from rectification.rules.attention import attention
from rectification.rules.data import Data, Filters, filter_findings, filter_metrics, metrics_in_use, resolve
from rectification.rules.data import load as load_data
from rectification.rules.headlines import Headline, headlines
from rectification.rules.rag import metric_positions, reference_date
from rectification.rules.statuses import (
    closure_cutoff,
    closure_note,
    status_counts,
    status_grid,
    unconfirmed_counts,
)
from rectification.rules.text import finding_label, number_with_unit
from rectification.workflow import closure

# 56 findings at 10 pt need ~730 pt of rows, a slide has 430: the heatmap goes over slides in equal
# parts of at most 14 rows, whose labels (14 px) then sit on rows of ~25 px of a 602 px canvas.
HEATMAP_ROWS_PER_SLIDE = 14
BRIEFING_MONTHS = 12


@dataclass
class Slide:
    title: str
    figure: go.Figure


# --- What goes in the deck -----------------------------------------------------------------------


def briefing_filters(data: Data, month: str | None, department: str | None = None) -> Filters:
    """The whole bureau (or one lead department), the twelve months up to `month` (default: the latest
    month substantially reported, as on the overview)."""
    as_of = month or data.default_as_of
    start = max(data.months[0], add_months(as_of, -(BRIEFING_MONTHS - 1)))  # not before tracking began
    return resolve(Filters(department=department, start=start, end=as_of, as_of=as_of), data)


@dataclass
class HeadlinePanel:
    """What a headline slide shows beside its chart: the group's total and every metric of the group."""

    summary: str  # 隐患整改处数：累计 332 处，本月 +43 处（7 项指标之和）
    definition: str  # the headline's 口径
    rows: list[tuple[str, str, str, str]]  # (问题, 指标（累计/月末）, 截至本月, 本月变化)
    summed: list[bool]  # the row counts in the headline's total
    charted: str  # the metric the chart shows


@dataclass
class Recipe:
    """A slide's title and how to build its figure (built only when the renderer asks for it)."""

    title: str
    make: Callable[[], go.Figure] | None  # None: a table slide, no picture
    headline: HeadlinePanel | None = None
    table: pd.DataFrame | None = None  # the rows a table slide lists: 需要关注 (类别, 状态, 问题, 事项, 说明)
    # or the headline outcomes (OUTCOME_COLUMNS)
    outcomes: bool = False


def overview_recipes(data: Data, filters: Filters, *, today=None) -> list[Recipe]:
    """The briefing's overview charts, in order: headlines, completion, status by finding, attention,
    and each headline metric's progress."""
    metrics = filter_metrics(data.metrics, filters)
    found = headlines(data, metrics, filters.as_of)
    # The dashboard's five small panels of 重点成效 cannot reach 10 pt on one slide: the slide lists the
    # totals as a table, and each group's chart has a slide of its own below.
    # A rectification tracked by its findings alone (a 问题清单 with no figures) has no 重点成效 slide.
    out = [Recipe("重点成效", None, table=outcome_rows(found), outcomes=True)] if found else []
    out.append(Recipe("整改完成进度", for_box(lambda: completion_figure(data, filters, today), CHART_BOX)))
    findings = filter_findings(data.findings, data.metrics, filters)
    chunks = _even_chunks(list(findings.finding_code), HEATMAP_ROWS_PER_SLIDE)
    for i, chunk in enumerate(chunks):
        suffix = f"（{i + 1}/{len(chunks)}）" if len(chunks) > 1 else ""
        title = f"各问题逐月整改状态{suffix}"
        make = partial(heatmap_figure, data, filters, tuple(chunk), title=title, today=today)
        out.append(Recipe(title, for_box(make, CHART_BOX)))
    # A native table, not a picture of one: legible at the back of a meeting room, and staff can edit it.
    flagged = attention(data, filters, today).reset_index(drop=True)
    heights = [row_height(attention_cells(row), ATTENTION_WIDTHS) for row in flagged.itertuples()]
    pages = split_rows(heights, room_for_rows(ATTENTION_HEADER, ATTENTION_WIDTHS))
    for i, (start, end) in enumerate(pages):
        suffix = f"（{i + 1}/{len(pages)}）" if len(pages) > 1 else ""
        out.append(Recipe(f"需要关注{suffix}", None, table=flagged.iloc[start:end].reset_index(drop=True)))
    positions = Positions(data, filters.as_of)
    for headline in found:
        summed = positions.now.reindex(list(headline.metric_codes))
        lead = summed.sort_values("cumulative", ascending=False, kind="stable").index[0]
        panel = headline_panel(data, metrics, headline, lead, positions)
        make = for_box(partial(metric_figure, data, lead, filters), HEADLINE_BOX)
        out.append(Recipe(f"{headline.group_name}", make, panel))
    return out


def _even_chunks(items: list, most: int) -> list[list]:
    """`items` in as few parts of at most `most` as it takes, the parts as even as can be (56: 4 × 14)."""
    parts = max(1, -(-len(items) // most))
    size = max(1, -(-len(items) // parts))
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]


OUTCOME_COLUMNS = ["类别", "成效", "累计", "本月", "目标", "构成"]


def outcome_rows(found: list[Headline]) -> pd.DataFrame:
    """The 重点成效 slide's table: each group's total, this month's change, its target and what it adds up."""
    rows = [
        [
            h.group_name,
            h.name,
            value_text(h.cumulative, h.unit, h.approximate),
            change_text(h.month_value, h.unit),
            "—" if h.target is None else value_text(h.target, h.unit),
            short(h.breakdown, 240),
        ]
        for h in found
    ]
    return pd.DataFrame(rows, columns=OUTCOME_COLUMNS)


class Positions:
    """Every metric's position at the month and the month before: what a key figure and its change read."""

    def __init__(self, data: Data, as_of: str):
        self.as_of = as_of
        self.now = metric_positions(data, data.metrics, as_of).set_index("metric_code")
        self.before = metric_positions(data, data.metrics, add_months(as_of, -1)).set_index("metric_code")

    def figure(self, m) -> tuple[str, str, str]:
        """(指标（累计/月末）, 截至本月, 本月变化) of a metrics row: a count's change is this month's
        figure, a level's the difference from last month's."""
        total = self.now.cumulative.get(m.metric_code)
        # a running total that includes the report's rounded figure is as rounded (2,000余 人次)
        approximate = m.approximate if isinstance(getattr(m, "approximate", None), str) else None
        if m.kind == "count":
            delta = self.now.month_value.get(m.metric_code)
        else:
            prior = self.before.cumulative.get(m.metric_code)
            delta = None if pd.isna(total) or prior is None or pd.isna(prior) else total - prior
        return (
            f"{m.metric_name}（{'累计' if m.kind == 'count' else '月末'}）",
            value_text(total, m.unit, approximate),
            change_text(delta, m.unit),
        )


def headline_panel(
    data: Data, metrics: pd.DataFrame, headline: Headline, lead: str, positions: Positions
) -> HeadlinePanel:
    """The headline's total and every metric of its group still asked for at the month (those in other
    units too: the headline adds up only its own unit), in catalogue order."""
    group = metrics_in_use(metrics[metrics.group_code == headline.group_code], positions.as_of)
    rows, summed = [], []
    for m in group.itertuples():
        name, total, change = positions.figure(m)
        rows.append((finding_label(m.finding_code, m.report_number), name, total, change))
        summed.append(m.metric_code in headline.metric_codes)
    month = change_text(headline.month_value, headline.unit)
    total = value_text(headline.cumulative, headline.unit, headline.approximate)
    parts = f"（{len(headline.metric_codes)} 项指标之和）" if len(headline.metric_codes) > 1 else ""
    return HeadlinePanel(
        summary=f"{headline.name}：累计 {total}，本月 {month}{parts}",
        definition=headline.definition,
        rows=rows,
        summed=summed,
        charted=data.metrics.set_index("metric_code").metric_name.get(lead, lead),
    )


def slides(data: Data, filters: Filters, *, today=None) -> list[Slide]:
    """The overview charts, built."""
    return [Slide(r.title, r.make()) for r in overview_recipes(data, filters, today=today)]


def load(con: duckdb.DuckDBPyConnection) -> Data:
    return load_data(lambda name, **params: store.query(con, name, **params))


def latest_notes(con: duckdb.DuckDBPyConnection, as_of: str) -> pd.DataFrame:
    """finding_code, month, note: each finding's latest ledger note (进展说明) up to `as_of`."""
    from rectification.core.months import to_date

    return store.query(con, "finding_notes_latest", last=to_date(as_of))


def select_findings(
    data: Data,
    filters: Filters,
    *,
    numbers: Iterable[str] | None = None,
    department: str | None = None,
    attention_only: bool = False,
    today=None,
) -> list[str]:
    """The finding codes the pack gives a slide, in report order: all (the 54 and both long-term
    items), the numbers asked for (1, 05, F05, L1), a lead department's, or those needing attention."""
    findings = data.findings
    if numbers is not None:
        wanted = set()
        by_number = {int(r.report_number): r.finding_code for r in findings.itertuples() if pd.notna(r.report_number)}
        codes = set(findings.finding_code)
        for raw in numbers:
            text = str(raw).strip().upper().removeprefix("问题")
            if not text:
                continue
            if text in codes:
                wanted.add(text)
            elif text.isdigit() and int(text) in by_number:
                wanted.add(by_number[int(text)])
            else:
                raise BriefingError(f"没有这个整改问题：{raw}（应如 5、F05、L1）")
        findings = findings[findings.finding_code.isin(wanted)]
    if department:
        if department not in set(data.findings.lead_department.dropna()):
            raise BriefingError(f"没有以「{department}」为牵头部门的整改问题。")
        findings = findings[findings.lead_department == department]
    if attention_only:
        flagged = set(attention(data, filters, today).finding_code.dropna())
        findings = findings[findings.finding_code.isin(flagged)]
    return list(findings.finding_code)


@dataclass
class FindingCard:
    """What one finding's slide says besides its chart."""

    code: str
    label: str  # 问题05 / 长期L1
    title: str
    status: str  # the status at the month (逾期 once the deadline has passed unfinished)
    closure: str | None  # the closure state (销号) with its step: 待审核（张三 2026-04-20 申请）, 已退回…
    department: str
    leader: str
    deadline: str
    figures: list[tuple[str, str, str]]  # (指标, 累计/月末值, 本月变化): all; the slide shows those that fit
    note: str
    make_figure: Callable[[], go.Figure] = field(repr=False)
    confirmed: bool = True  # False: the status is the catalogue's reading of the report (UNCONFIRMED)


def _text_or(value, fallback: str = "未设定") -> str:
    return value if isinstance(value, str) and value.strip() else fallback


def deadline_text(deadline, *, long_term: bool, status: str, ref: dt.date, original=None) -> str:
    """2025-06-30（剩余 91 天） / （已逾期 12 天） / 原定 2026-04-30，经批准延至 2025-06-30（剩余 91 天） /
    长期整改事项 / 未设定."""
    if long_term:
        return "长期整改事项"
    if deadline is None or pd.isna(deadline):
        return "未设定"
    day = pd.Timestamp(deadline).date()
    text = deadline_levels.described(day, original) or f"{day:%Y-%m-%d}"
    if status in (CLOSED, LONG_TERM):
        return text
    days = (day - ref).days
    return f"{text}（剩余 {days} 天）" if days >= 0 else f"{text}（已逾期 {-days} 天）"


def closure_states(con: duckdb.DuckDBPyConnection, as_of: str, today=None, *, data=None) -> pd.DataFrame:
    """closure.states as of the month, one row per finding (indexed by finding_code): what the finding
    slides say about 销号 and the deadline (an approved extension keeps its original date). With `data`
    the 销号 steps are counted as the overview counts them (closure_cutoff)."""
    until = closure_cutoff(data, as_of, today) if data is not None else None
    return closure.states(con, as_of, today=today, closures_until=until).set_index("finding_code")


def closure_text(row) -> str | None:
    """A finding's 销号 step in a few words, from a closure_states row; None for a long-term item."""
    state, last = row.closure_state, row.last_event
    if state == vocabulary.LONG_TERM:
        return None
    if state == vocabulary.PENDING:
        parts = [row.submitted_by] if isinstance(row.submitted_by, str) else []
        if row.submitted_at is not None and pd.notna(row.submitted_at):
            parts.append(f"{pd.Timestamp(row.submitted_at):%Y-%m-%d}")
        who = " ".join(parts)
        text = f"{vocabulary.PENDING}（{who} 申请销号）" if who else f"{vocabulary.PENDING}（台账报已完成）"
    elif state == vocabulary.CLOSED:
        text = vocabulary.CLOSED
        if last == "held":
            text += "，回头看巩固"
        elif isinstance(row.recheck_month, str):
            text += f"，{chinese(row.recheck_month)}回头看"
    elif last == "return":
        reason = short(row.note, 24) if isinstance(row.note, str) and row.note else ""
        text = "已退回，重新整改" + (f"（{reason}）" if reason else "")
    elif last == "relapsed":
        text = "回头看反弹，重新整改"
    else:
        text = "未申请销号"
    if bool(row.extension_pending):
        text += "；延期申请待批"
    return text


def change_text(value: float | None, unit: str) -> str:
    """本月变化: +43 处, +5.4 个百分点 (a rate's change is in points), 持平, 本月未报."""
    if value is None or pd.isna(value):
        return "本月未报"
    if value == 0:
        return "持平" if unit else "0"
    return number_with_unit(value, unit, difference=True, signed=True)


def main_metric(data: Data, code: str, as_of: str) -> str | None:
    """The metric a finding's slide charts: the first with a target, else the first count in its headline
    group's own unit (头盔劝导 → 场次), else its first count, else its first metric still asked for."""
    metrics = metrics_in_use(data.metrics[data.metrics.finding_code == code], as_of)
    if metrics.empty:
        return None
    count = metrics.kind == "count"
    headline = metrics.is_headline.fillna(False).astype(bool) & (metrics.unit == metrics.headline_unit)
    for rows in (metrics[metrics.target_value.notna()], metrics[count & headline], metrics[count]):
        if len(rows):
            return rows.metric_code.iloc[0]
    return metrics.metric_code.iloc[0]


def finding_cards(
    data: Data,
    filters: Filters,
    codes: list[str],
    notes: pd.DataFrame,
    *,
    today=None,
    closures: pd.DataFrame | None = None,
) -> list[FindingCard]:
    """One card per finding: facts, key figures with this month's change, latest note, main chart.
    `closures` (closure_states: the 销号 state, deadline and original deadline by finding) adds each
    finding's 销号 step and any extension; without it a slide shows the status and the catalogue's deadline."""
    if not codes:
        return []
    as_of = filters.as_of
    ref = reference_date(as_of, today)
    info = data.findings.set_index("finding_code")
    grid = status_grid(data, data.findings[data.findings.finding_code.isin(codes)], [as_of], today)
    grid = grid.set_index("finding_code")
    positions = Positions(data, as_of)
    ledger_notes = notes.set_index("finding_code") if len(notes) else None
    finding_notes = data.annotations[data.annotations.month <= as_of]
    cards = []
    for code in codes:
        f = info.loc[code]
        label = finding_label(code, f.report_number)
        status = grid.shown.get(code, NOT_STARTED)
        metrics = metrics_in_use(data.metrics[data.metrics.finding_code == code], as_of)
        figures = [positions.figure(m) for m in metrics.itertuples()]
        note = _latest_note(code, ledger_notes, finding_notes)
        lead = main_metric(data, code, as_of)
        if lead is not None:
            make = for_box(partial(metric_figure, data, lead, filters), FINDING_BOX)
        else:
            make = for_box(
                partial(status_strip_figure, data, filters, code, f"{label} 逐月整改状态", today=today),
                FINDING_BOX,
            )
        deadline, original, closed = f.deadline, None, None
        if closures is not None and code in closures.index:
            row = closures.loc[code]
            deadline, original, closed = row.deadline, row.original_deadline, closure_text(row)
        cards.append(
            FindingCard(
                code=code,
                label=label,
                title=f.title,
                status=status,
                closure=closed,
                department=_text_or(f.lead_department),
                leader=_text_or(f.responsible_leader),
                deadline=deadline_text(
                    deadline, long_term=bool(f.is_long_term), status=status, ref=ref, original=original
                ),
                figures=figures,
                note=note,
                make_figure=make,
                confirmed=bool(grid.confirmed.get(code, False)),
            )
        )
    return cards


def _latest_note(code: str, ledger_notes, annotations: pd.DataFrame) -> str:
    """The newest of the ledger's 进展说明 and the notes on the finding or its metrics."""
    found = []
    if ledger_notes is not None and code in ledger_notes.index:
        row = ledger_notes.loc[code]
        found.append((row.month, f"{chinese(row.month)}台账：{row.note}"))
    mine = annotations[annotations.finding_code == code]
    if len(mine):
        row = mine.sort_values(["month", "created_at"]).iloc[-1]
        about = f"（{row.metric_name}）" if isinstance(row.metric_name, str) else ""
        found.append((row.month, f"{chinese(row.month)}注释{about}：{row.text}（{row.author}）"))
    if not found:
        return "暂无进展说明。"
    return max(found, key=lambda item: item[0])[1]


def appendix_rows(data: Data, as_of: str, codes: list[str] | None) -> pd.DataFrame:
    """Every metric (or those of the chosen findings) as of the month, with its 口径 where the catalogue
    defines one (a `definition` column; blank while there is none)."""
    metrics = data.metrics if codes is None else data.metrics[data.metrics.finding_code.isin(codes)]
    now = metric_positions(data, metrics, as_of).set_index("metric_code")
    definitions = metrics.definition if "definition" in metrics.columns else pd.Series(None, index=metrics.index)
    rows = []
    for m, definition in zip(metrics.itertuples(), definitions, strict=True):
        month_value = now.month_value.get(m.metric_code)
        target = "" if pd.isna(m.target_value) else value_text(m.target_value, m.unit)
        approximate = m.approximate if isinstance(getattr(m, "approximate", None), str) else None
        rows.append(
            {
                "问题": finding_label(m.finding_code, m.report_number),
                "指标": m.metric_name
                + ("（已停用）" if isinstance(m.retired_from, str) and m.retired_from <= as_of else ""),
                "类型": "累计" if m.kind == "count" else "月末值",
                f"截至{chinese(as_of)}": value_text(now.cumulative.get(m.metric_code), m.unit, approximate),
                "本月": "—" if pd.isna(month_value) else value_text(month_value, m.unit),
                "目标": target,
                "口径": definition if isinstance(definition, str) else "",
            }
        )
    return pd.DataFrame(rows)


# --- The pack: everything a deck shows, gathered before anything is drawn ------------------------


@dataclass
class Pack:
    """Everything a deck shows, built before any image is rendered."""

    as_of: str
    scope: str
    sources: str
    demo: bool
    counts: dict
    overview: list[Recipe]
    cards: list[FindingCard]
    appendix: pd.DataFrame | None
    closures: str = ""  # 销号情况截至 12月2日, when the counts run past the month (closure_note)
    unconfirmed: int = 0  # findings in scope whose status is the catalogue's reading, not confirmed
    unit: str = ""  # the unit as it signs (the programme's), on the title slide
    unit_short: str = ""  # the unit in short, on every slide's band
    title: str = ""  # 巡察整改进展情况 / 审计整改进展情况…: the programme's kind

    @property
    def heading(self) -> str:
        return self.title or "整改进展情况"

    @property
    def recipes(self) -> list[Callable[[], go.Figure]]:
        return [r.make for r in self.overview if r.make is not None] + [c.make_figure for c in self.cards]

    @cached_property
    def appendix_pages(self) -> list[tuple[int, int]]:
        return [] if self.appendix is None or self.appendix.empty else appendix_pages(self.appendix)

    @property
    def n_slides(self) -> int:
        return 1 + len(self.overview) + len(self.cards) + len(self.appendix_pages)


def prepare(
    data: Data,
    filters: Filters,
    *,
    finding_codes: list[str] | None = None,
    notes: pd.DataFrame | None = None,
    appendix: bool = True,
    scope: str = "",
    today=None,
    closures: pd.DataFrame | None = None,
) -> Pack:
    as_of = filters.as_of
    monthly = data.monthly[data.monthly.month <= as_of].source
    statuses = data.statuses[data.statuses.month <= as_of].source
    sources = source_label(pd.concat([monthly, statuses]))
    findings = filter_findings(data.findings, data.metrics, filters)
    codes = finding_codes or []
    notes = notes if notes is not None else pd.DataFrame(columns=["finding_code", "month", "note"])
    return Pack(
        as_of=as_of,
        scope=scope,
        sources=sources,
        demo="示例数据" in sources,
        counts=status_counts(data, findings, as_of, today),
        overview=overview_recipes(data, filters, today=today),
        cards=finding_cards(data, filters, codes, notes, today=today, closures=closures),
        appendix=appendix_rows(data, as_of, None if finding_codes is None else codes) if appendix else None,
        closures=closure_note(data, as_of, today) or "",
        unconfirmed=sum(unconfirmed_counts(data, findings, as_of, today).values()),
        **_facts(data.programme),
    )


def _facts(own: Programme | None) -> dict:
    if own is None:
        return {}
    return {"unit": own.unit, "unit_short": own.unit_short, "title": f"{own.kind}整改进展情况"}


def scope_text(*, numbers=None, department=None, attention_only=False, n: int = 0) -> str:
    parts = []
    if department:
        parts.append(f"{department}牵头")
    if numbers is not None:
        parts.append("所选")
    if attention_only:
        parts.append("需要关注")
    return f"范围：{'、'.join(parts)}的问题 {n} 项" if parts else f"范围：全部整改问题 {n} 项（含长期整改事项）"


def pack_file_name(own: Programme, month: str) -> str:
    """{unit_short}{kind}整改进展_{month}.pptx, the month as 2026年4月."""
    return f"{own.unit_short}{own.kind}整改进展_{chinese(month)}.pptx"
