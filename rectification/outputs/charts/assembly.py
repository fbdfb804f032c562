"""From the dashboard's data to a chart: each function takes `Data` and `Filters`, picks the frames a
figure needs, and draws it with figures.py — the same assembly for the pages and the briefing.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from rectification.core.months import add_months, month_range
from rectification.core.vocabulary import LONG_TERM
from rectification.outputs.charts.figures import (
    MetricSpec,
    attention_table,
    completion_by_section,
    headline_outcomes,
    metric_progress,
    status_heatmap,
    status_strip,
    with_closure_note,
)
from rectification.rules.attention import attention
from rectification.rules.data import Data, Filters, filter_findings, filter_metrics, in_range
from rectification.rules.headlines import headline_series, headlines
from rectification.rules.rag import trajectory_value
from rectification.rules.statuses import closure_note, status_grid
from rectification.rules.statuses import completion_by_section as completion_by_section_table
from rectification.rules.text import finding_label

MAX_MONTHS_AHEAD = 36  # a metric chart runs on to its target month, but no further than this


def metric_spec(data: Data, metric_code: str) -> MetricSpec:
    m = data.metrics.set_index("metric_code").loc[metric_code]
    target = None if pd.isna(m.target_value) else float(m.target_value)
    return MetricSpec(
        name=m.metric_name,
        unit=m.unit,
        kind=m.kind,
        label=finding_label(m.finding_code, m.report_number),
        target=target,
        target_month=m.target_month if isinstance(m.target_month, str) else None,
        definition=_text_or_none(m.get("definition")),
        approximate=_text_or_none(m.get("approximate")),
    )


def _text_or_none(value) -> str | None:
    return value if isinstance(value, str) and value else None


def trajectory(data: Data, metric_code: str, months: list[str]) -> pd.DataFrame:
    """month, expected: the straight line from the opening balance to the target, from the opening month."""
    m = data.metrics.set_index("metric_code").loc[metric_code]
    # Without a target month the target applies at once: the target line says it all.
    if pd.isna(m.target_value) or not isinstance(m.opening_month, str) or not isinstance(m.target_month, str):
        return pd.DataFrame(columns=["month", "expected"])
    shown = [month for month in months if month >= m.opening_month]
    expected = [
        trajectory_value(
            month,
            opening_value=float(m.opening_value),
            opening_month=m.opening_month,
            target_value=float(m.target_value),
            target_month=m.target_month if isinstance(m.target_month, str) else None,
        )
        for month in shown
    ]
    return pd.DataFrame({"month": shown, "expected": expected})


def metric_figure(data: Data, metric_code: str, filters: Filters, narrow: bool = False) -> go.Figure:
    """A metric's progress over the filtered months, with its target, trajectory and notes."""
    series = in_range(data.monthly[data.monthly.metric_code == metric_code], filters)
    series = series[series.month <= filters.as_of]  # nothing after the month the view is "as of"
    spec = metric_spec(data, metric_code)
    last = max(filters.end, spec.target_month or filters.end)
    last = min(last, add_months(filters.end, MAX_MONTHS_AHEAD))
    months = month_range(filters.start, last)
    notes = data.annotations[data.annotations.metric_code == metric_code]
    return metric_progress(
        series,
        metric=spec,
        as_of=filters.as_of,
        trajectory=trajectory(data, metric_code, months),
        annotations=notes,
        narrow=narrow,
    )


def completion_figure(data: Data, filters: Filters, today=None, narrow: bool = False) -> go.Figure:
    """The completion chart; its last month counts 销号 up to today on the current view (closure_cutoff)."""
    findings = filter_findings(data.findings, data.metrics, filters)
    months = [m for m in data.months if filters.start <= m <= filters.end]
    table = completion_by_section_table(data, findings, months, today, as_of=filters.as_of)
    scope = int((status_grid(data, findings, [filters.as_of], today).status != LONG_TERM).sum())
    closures = closure_note(data, filters.as_of, today)
    return completion_by_section(table, scope=scope, as_of=filters.as_of, closures=closures, narrow=narrow)


def heatmap_figure(
    data: Data,
    filters: Filters,
    finding_codes: tuple[str, ...] | None = None,
    title: str | None = None,
    today=None,
    narrow: bool = False,
) -> go.Figure:
    """The status heatmap of the filtered findings, or of `finding_codes` (a briefing page, one finding);
    its last month counts 销号 up to today on the current view (closure_cutoff)."""
    if finding_codes is None:
        findings = filter_findings(data.findings, data.metrics, filters)
    else:
        findings = data.findings[data.findings.finding_code.isin(finding_codes)]
    months = [m for m in data.months if filters.start <= m <= filters.end]
    grid = status_grid(data, findings, months, today, as_of=filters.as_of)
    notes = data.annotations[data.annotations.is_finding_note]
    fig = status_heatmap(
        grid, as_of=filters.as_of, annotations=notes, narrow=narrow, **({"title": title} if title else {})
    )
    return with_closure_note(fig, closure_note(data, filters.as_of, today))


def headline_figure(data: Data, filters: Filters, narrow: bool = False) -> go.Figure:
    metrics = filter_metrics(data.metrics, filters)
    months = [m for m in data.months if filters.start <= m <= filters.end]
    found = headlines(data, metrics, filters.as_of)
    return headline_outcomes(headline_series(data, found, months), as_of=filters.as_of, narrow=narrow)


def attention_figure(data: Data, filters: Filters, today=None) -> go.Figure:
    frame = attention(data, filters, today)
    now = [filters.as_of]
    sources = pd.concat(
        [data.monthly[data.monthly.month.isin(now)].source, data.statuses[data.statuses.month.isin(now)].source]
    )
    return attention_table(frame, as_of=filters.as_of, sources=sources)


def status_strip_figure(data: Data, filters: Filters, finding_code: str, title: str, today=None) -> go.Figure:
    """status_strip of one finding over the filtered months (the last counting 销号 as the overview does)."""
    months = [m for m in data.months if filters.start <= m <= filters.end]
    findings = data.findings[data.findings.finding_code == finding_code]
    fig = status_strip(
        status_grid(data, findings, months, today, as_of=filters.as_of), as_of=filters.as_of, title=title
    )
    return with_closure_note(fig, closure_note(data, filters.as_of, today))
