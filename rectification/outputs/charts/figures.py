"""One function per chart: DataFrames in, plotly Figure out, no I/O and no knowledge of the dashboard's
data (assembly.py picks the frames). The house style comes from theme.py.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from rectification.core.months import chinese
from rectification.core.vocabulary import NOT_STARTED, PENDING
from rectification.outputs.charts.theme import (
    CUMULATIVE_COLOUR,
    FONT_SIZE,
    LABELS,
    MONTHLY_COLOUR,
    NARROW_MAX_TICKS,
    NOTE_COLOUR,
    RAG_COLOURS,
    SERIES_COLOURS,
    STATUS_COLOURS,
    TARGET_COLOUR,
    TICK_SIZE,
    TRAJECTORY_COLOUR,
    WIDE_TITLE_BLOCK,
    empty,
    file_name,
    month_axis,
    month_labels,
    number_format,
    plain,
    short,
    split_every,
    style,
    value_axis,
    value_text,
)
from rectification.rules.rag import GREY
from rectification.rules.statuses import STATUS_ORDER


@dataclass(frozen=True)
class MetricSpec:
    """What a metric chart needs to know about its metric besides the numbers."""

    name: str
    unit: str
    kind: str  # count | level
    label: str  # 问题05 / 长期L1 / 综合
    target: float | None = None
    target_month: str | None = None
    definition: str | None = None  # the 口径, shown on hover
    approximate: str | None = None  # 余 / 约: the report's figure is a rounded one


def metric_progress(
    series: pd.DataFrame,
    *,
    metric: MetricSpec,
    as_of: str,
    trajectory: pd.DataFrame | None = None,
    annotations: pd.DataFrame | None = None,
    narrow: bool = False,
) -> go.Figure:
    """One metric over the chosen months: monthly bars with the cumulative line (a level metric: its
    month-end line), the target, the trajectory from the opening balance, and annotation markers.

    series: month (YYYY-MM), value, cumulative, source. trajectory: month, expected.
    annotations: month, text, author."""
    title = f"{metric.label} {metric.name}"
    if series.empty:
        return empty(title, "所选月份内暂无数据", as_of=as_of, narrow=narrow)
    series = series.sort_values("month")
    labels = month_labels(series.month)
    # The axis runs on to the target month, so the trajectory shows where the metric is heading.
    ahead = [] if trajectory is None else list(trajectory.month)
    axis_labels = month_labels(sorted(set(series.month) | set(ahead)))
    unit = plain(metric.unit)
    count = metric.kind == "count"
    fmt = number_format(pd.concat([series.value, series.cumulative]))
    fig = make_subplots(specs=[[{"secondary_y": count}]])
    line_axis = dict(secondary_y=True) if count else {}
    if count:
        fig.add_trace(
            go.Bar(
                x=labels,
                y=series.value,
                name=LABELS["monthly"],
                marker_color=MONTHLY_COLOUR,
                hovertemplate=f"本月 %{{y:{fmt}}} {unit}<extra></extra>",
            ),
            secondary_y=False,
        )
    fig.add_trace(
        go.Scatter(
            x=labels,
            y=series.cumulative,
            name=LABELS["cumulative" if count else "level"],
            mode="lines+markers",
            line=dict(color=CUMULATIVE_COLOUR, width=3),
            marker=dict(size=7),
            customdata=_line_hover(series, metric, LABELS["cumulative" if count else "level"]),
            hovertemplate="%{customdata}<extra></extra>",
        ),
        **line_axis,
    )
    if trajectory is not None and not trajectory.empty:
        shown = trajectory.sort_values("month")
        fig.add_trace(
            go.Scatter(
                x=month_labels(shown.month),
                y=shown.expected,
                name=LABELS["trajectory"],
                mode="lines",
                line=dict(color=TRAJECTORY_COLOUR, width=2, dash="dot"),
                hovertemplate=f"进度线 %{{y:{fmt}}} {unit}<extra></extra>",
            ),
            **line_axis,
        )
    if metric.target is not None and not pd.isna(metric.target):
        due = f"（{chinese(metric.target_month)}）" if metric.target_month else ""
        fig.add_trace(
            go.Scatter(
                x=axis_labels,
                y=[metric.target] * len(axis_labels),
                name=f"{LABELS['target']} {value_text(metric.target, unit)}{due}",
                mode="lines",
                line=dict(color=TARGET_COLOUR, width=2, dash="dash"),
                hovertemplate=f"目标 %{{y:{fmt}}} {unit}<extra></extra>",
            ),
            **line_axis,
        )
    _add_notes(fig, series, labels, annotations, line_axis)
    fig.update_xaxes(**month_axis(axis_labels, max_ticks=NARROW_MAX_TICKS if narrow else 12))
    if axis_labels[-1] != chinese(as_of) and chinese(as_of) in axis_labels:
        fig.add_shape(
            type="line",
            xref="x",
            yref="paper",
            x0=chinese(as_of),
            x1=chinese(as_of),
            y0=0,
            y1=1,
            line=dict(color="#9e9e9e", width=1, dash="dot"),
        )
        fig.add_annotation(
            x=chinese(as_of),
            y=1,
            xref="x",
            yref="paper",
            text=f"数据截至 {chinese(as_of)}",
            showarrow=False,
            yanchor="bottom",
            font=dict(size=TICK_SIZE, color="#757575"),
        )
    line_values = [series.cumulative, [metric.target]]  # the trajectory lies between them
    if count:
        fig.update_yaxes(title_text=f"本月（{unit}）", secondary_y=False, **value_axis(series.value))
        # plotly.js aligns an overlaying axis to the primary grid unless told otherwise (tickmode).
        fig.update_yaxes(title_text=f"累计（{unit}）", secondary_y=True, showgrid=False, **value_axis(*line_values))
    else:
        fig.update_yaxes(title_text=f"月末值（{unit}）", **value_axis(*line_values))
    fig.update_layout(hovermode="x unified", bargap=0.3, margin=dict(b=140))
    if narrow:
        _narrow_axes(fig)
    return style(
        fig,
        title=title,
        unit=metric.unit,
        as_of=as_of,
        sources=series.source,
        filename=file_name(metric.label, metric.name),
        height=520,
        narrow=narrow,
    )


def _narrow_axes(fig: go.Figure, *, right: bool = True) -> None:
    """A phone's margins and axis titles: 90 px each side left ~180 px of a 360 px chart for the plot."""
    fig.update_layout(margin=dict(l=58, r=58 if right else 34), legend=dict(x=0, xanchor="left"))
    fig.update_yaxes(title_font=dict(size=TICK_SIZE - 1), tickfont=dict(size=TICK_SIZE - 2))
    fig.update_xaxes(tickfont=dict(size=TICK_SIZE - 2))


def _line_hover(series: pd.DataFrame, metric: MetricSpec, label: str) -> list[str]:
    """累计 2,000余 人次<br>口径：… — a figure the report rounds keeps its 余/约 while the report's
    opening balance is part of it, and the metric's definition travels with every point."""
    definition = ""
    if isinstance(metric.definition, str) and metric.definition:
        definition = "<br>口径：" + "<br>".join(plain(line) for line in split_every(metric.definition, 30))
    return [f"{label} {value_text(v, metric.unit, metric.approximate)}{definition}" for v in series.cumulative]


def _add_notes(fig, series: pd.DataFrame, labels: list[str], annotations, line_axis: dict) -> None:
    """Annotation markers on the cumulative line, the note's text on hover."""
    if annotations is None or annotations.empty:
        return
    notes = annotations[annotations.month.isin(series.month)]
    if notes.empty:
        return
    level = series.set_index("month").cumulative
    by_month = notes.groupby("month", sort=True)
    months = list(by_month.groups)
    texts = [
        "<br>".join(f"注释：{plain(r.text)}（{plain(r.author)}）" for r in group.itertuples()) for _, group in by_month
    ]
    fig.add_trace(
        go.Scatter(
            x=month_labels(months),
            y=[level.get(m) for m in months],
            name=LABELS["notes"],
            mode="markers",
            marker=dict(symbol="star", size=20, color=NOTE_COLOUR, line=dict(color="white", width=1)),
            customdata=texts,
            hovertemplate="%{customdata}<extra></extra>",
        ),
        **line_axis,
    )


def metrics_trend(frame: pd.DataFrame, *, measure: str, as_of: str, title: str) -> go.Figure:
    """Several series over the months, one panel per unit so every axis carries one unit.

    frame: month, series (its label), unit, y, source (and kind: a level panel reads 月末值).
    measure: 'monthly' or 'cumulative'."""
    if frame.empty:
        return empty(title, "所选指标在所选月份内暂无数据", as_of=as_of)
    months = sorted(frame.month.unique())
    labels = month_labels(months)
    units = list(dict.fromkeys(frame.unit))
    fig = make_subplots(rows=len(units), cols=1, shared_xaxes=True, vertical_spacing=0.08 if len(units) > 1 else 0.0)
    word = LABELS[measure]
    for i, name in enumerate(dict.fromkeys(frame.series)):
        rows = frame[frame.series == name].sort_values("month")
        unit = rows.unit.iloc[0]
        fmt = number_format(rows.y)
        said = LABELS["level"] if "kind" in rows and rows.kind.iloc[0] == "level" else word
        fig.add_trace(
            go.Scatter(
                x=month_labels(rows.month),
                y=rows.y,
                name=plain(name),
                mode="lines+markers",
                line=dict(width=3, color=SERIES_COLOURS[i % len(SERIES_COLOURS)]),
                hovertemplate=f"{plain(name)}<br>{said} %{{y:{fmt}}} {plain(unit)}<extra></extra>",
            ),
            row=units.index(unit) + 1,
            col=1,
        )
    for row, unit in enumerate(units, start=1):
        panel = frame[frame.unit == unit]
        # A level (a rate, a head count) has no 累计: both measures show its month-end value.
        levels = "kind" in panel and bool((panel.kind == "level").all())
        fig.update_yaxes(
            title_text=f"{LABELS['level'] if levels else word}（{plain(unit)}）",
            **value_axis(panel.y),
            row=row,
            col=1,
        )
        fig.update_xaxes(**month_axis(labels), row=row, col=1)
    fig.update_layout(hovermode="closest")
    return style(
        fig,
        title=title,
        unit="、".join(units),
        as_of=as_of,
        sources=frame.source,
        filename=title,
        height=260 + 300 * len(units),
    )


def completion_by_section(
    table: pd.DataFrame, *, scope: int, as_of: str, closures: str | None = None, narrow: bool = False
) -> go.Figure:
    """Findings 已销号 over time, stacked by report section, against the number that can be completed.
    `closures` (销号情况截至 12月2日) goes in the context line when the last month counts later sign-offs.

    table: month, section, completed, source (one row per section and month)."""
    title = "整改完成进度（按通报部分累计已销号问题数）"
    if table.empty:
        return empty(title, "所选范围内暂无整改问题", as_of=as_of, narrow=narrow)
    months = sorted(table.month.unique())
    labels = month_labels(months)
    fig = go.Figure()
    for i, section in enumerate(dict.fromkeys(table.section)):
        rows = table[table.section == section].set_index("month").reindex(months)
        fig.add_trace(
            go.Scatter(
                x=labels,
                y=rows.completed.fillna(0),
                name=plain(section),
                mode="lines",
                stackgroup="done",
                line=dict(width=1, color=SERIES_COLOURS[i % len(SERIES_COLOURS)]),
                hovertemplate=f"{plain(section)}：%{{y:,d}} 项<extra></extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=labels,
            y=[scope] * len(labels),
            name=f"{LABELS['scope']} {scope} 项",
            mode="lines",
            line=dict(color=TARGET_COLOUR, width=2, dash="dash"),
            hovertemplate="应完成 %{y:,d} 项<extra></extra>",
        )
    )
    # Standoff: the first month sits on the value axis, its label under the axis's 0.
    fig.update_xaxes(**month_axis(labels, max_ticks=NARROW_MAX_TICKS if narrow else 12), ticklabelstandoff=8)
    totals = table.groupby("month").completed.sum()
    fig.update_yaxes(title_text="已销号问题数（项）", **value_axis(totals, [scope]))
    fig.update_layout(hovermode="x unified", legend=dict(traceorder="normal"), margin=dict(b=170))
    if narrow:
        _narrow_axes(fig, right=False)
        fig.update_layout(margin=dict(b=200))  # the six legend entries, one a line under the months
    fig = style(
        fig,
        title=title,
        unit="项",
        as_of=as_of,
        sources=table.source,
        filename="整改完成进度",
        height=640 if narrow else 600,
        narrow=narrow,
    )
    return with_closure_note(fig, closures)


def with_closure_note(fig: go.Figure, closures: str | None) -> go.Figure:
    """The figure with 销号情况截至 … added to its context line (a chart counting closures)."""
    context = fig.layout.title.subtitle.text
    if closures and context:
        # On a line of its own: beside the source it ran past the chart's edge at 1280 px and on a phone.
        fig.layout.title.subtitle.text = f"{context}<br>{plain(closures)}"
    return fig


def status_heatmap(
    grid: pd.DataFrame,
    *,
    as_of: str,
    title: str = "各问题逐月整改状态",
    annotations: pd.DataFrame | None = None,
    narrow: bool = False,
) -> go.Figure:
    """finding × month, coloured by status (逾期 once the deadline has passed unfinished), with the
    findings' own notes as markers.

    grid: finding_code, label (问题05), title, month, shown (status to colour), source; in report order.
    annotations: finding_code, month, text, author."""
    if grid.empty:
        return empty(title, "所选范围内暂无整改问题", as_of=as_of, narrow=narrow)
    months = sorted(grid.month.unique())
    labels = month_labels(months)
    rows = list(dict.fromkeys(grid.label))
    titles = grid.drop_duplicates("label").set_index("label").title
    # On a phone a row is named by its number and the title's first words: 320 px of names left no plot.
    row_names = [f"{r} {short(titles[r], 5 if narrow else 14)}" for r in rows]
    codes = {status: i for i, status in enumerate(STATUS_ORDER)}
    wide = grid.pivot(index="label", columns="month", values="shown").reindex(index=rows, columns=months)
    z = wide.apply(lambda col: col.map(codes)).to_numpy(dtype="float64")
    # Built from plain lists: a .at lookup per cell costs a quarter second over ten years.
    shown = wide.to_numpy(dtype=object)
    month_names = [chinese(m) for m in months]
    hover = [
        [
            f"{head}<br>{month_names[j]}：{value if isinstance(value, str) else '无记录'}"
            for j, value in enumerate(shown[i])
        ]
        for i, head in enumerate(f"{plain(r)} {plain(short(titles[r], 30))}" for r in rows)
    ]
    n = len(STATUS_ORDER)
    scale = []
    for i, status in enumerate(STATUS_ORDER):
        scale += [[i / n, STATUS_COLOURS[status]], [(i + 1) / n, STATUS_COLOURS[status]]]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=labels,
            y=[plain(r) for r in row_names],
            zmin=-0.5,
            zmax=n - 0.5,
            colorscale=scale,
            showscale=False,
            xgap=2,
            ygap=2,
            customdata=hover,
            hovertemplate="%{customdata}<extra></extra>",
        )
    )
    for status in STATUS_ORDER:  # the heatmap has no legend of its own: one swatch per status
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name=status,
                marker=dict(symbol="square", size=16, color=STATUS_COLOURS[status]),
            )
        )
    if annotations is not None and not annotations.empty:
        names = dict(zip(grid.drop_duplicates("label").finding_code, (plain(r) for r in row_names), strict=True))
        notes = annotations[annotations.finding_code.isin(names) & annotations.month.isin(months)]
        if not notes.empty:
            fig.add_trace(
                go.Scatter(
                    x=month_labels(notes.month),
                    y=[names[c] for c in notes.finding_code],
                    name=LABELS["notes"],
                    mode="markers",
                    marker=dict(symbol="star", size=20, color=NOTE_COLOUR, line=dict(color="white", width=1)),
                    customdata=[
                        f"{chinese(r.month)} 注释：{plain(r.text)}（{plain(r.author)}）" for r in notes.itertuples()
                    ],
                    hovertemplate="%{customdata}<extra></extra>",
                )
            )
    # Few month labels (the plot is narrow beside the findings' names at 1280 px), level, on top.
    fig.update_xaxes(**month_axis(labels, max_ticks=3 if narrow else 6), side="top")
    # Every finding labelled: tick values given, so plotly never thins them to every other row.
    ys = [plain(r) for r in row_names]
    fig.update_yaxes(
        autorange="reversed",
        tickfont=dict(size=TICK_SIZE),
        gridcolor="white",
        rangemode=None,
        tickmode="array",
        tickvals=ys,
        ticktext=ys,
    )
    fig.update_layout(margin=dict(l=320, t=160, b=90))
    height = max(380, 270 + 26 * len(rows))
    if narrow:
        # The status swatches in three columns under the grid, and one finding's row a band, not a line.
        fig.update_layout(margin=dict(l=150, r=12, b=130), legend=dict(entrywidth=100, x=0, xanchor="left"))
        fig.update_yaxes(tickfont=dict(size=TICK_SIZE - 1))
        fig.update_xaxes(tickfont=dict(size=TICK_SIZE - 2))
        height = max(420, 300 + 30 * len(rows))
    return style(fig, title=title, as_of=as_of, sources=grid.source, filename=title, height=height, narrow=narrow)


def _headline_title(rows: pd.DataFrame, title: str, unit: str) -> str:
    last = rows.sort_values("month").iloc[-1]
    approximate = last.get("approximate")
    approximate = approximate if isinstance(approximate, str) else None
    # The unit goes with the numbers, not the title: five titles side by side must not run into each other.
    return (
        f"<b>{plain(title)}</b><br>"
        f"累计 {value_text(last.cumulative, plain(unit), approximate)}<br>本月 {value_text(last.value, plain(unit))}"
    )


def _headline_hover(rows: pd.DataFrame, unit: str) -> list[str]:
    """累计 277 宗（醉驾案件移送起诉 128 宗、醉驾案件撤案 149 宗）<br>口径：…, month by month."""
    texts = []
    for r in rows.itertuples():
        approximate = r.approximate if isinstance(getattr(r, "approximate", None), str) else None
        text = f"累计 {value_text(r.cumulative, unit, approximate)}"
        breakdown = getattr(r, "breakdown", "")
        if isinstance(breakdown, str) and " + " in breakdown:
            text += "<br>其中 " + "<br>　+ ".join(plain(part) for part in breakdown.split(" + "))
        definition = getattr(r, "definition", "")
        if isinstance(definition, str) and definition:
            text += "<br>口径：" + "<br>".join(plain(line) for line in split_every(definition, 30))
        texts.append(text)
    return texts


# Pixel budget of the headline chart: it is drawn at ~820 px (a 1280 px page with the sidebar open), ~1480 px
# (1920 px), 1600 px (the PNG export and the pack's slide) and ~360 px (a phone). Five panels in a row left
# ~130 px each at 1280 px, too narrow for a panel's title and both axes' numbers; three to a row (a phone: one)
# leave room, and every gap is wide enough for one panel's right-hand numbers and the next one's left-hand ones.
HEADLINE_COLUMNS, HEADLINE_COLUMNS_NARROW = 3, 1
HEADLINE_PANEL_HEIGHT = 190  # px of plot per panel
HEADLINE_ROW_GAP = 112  # px between rows: the month labels of one row, the three-line title of the next
HEADLINE_FOOTNOTE_CHARS, HEADLINE_FOOTNOTE_CHARS_NARROW = 54, 25  # 13 px characters within 750 / 330 px
HEADLINE_PANEL_TITLE_CHARS = 10  # a panel title longer than this goes onto two lines (17 px bold)


def headline_grid(n_groups: int, *, narrow: bool = False) -> tuple[int, int]:
    """(rows, columns) of the headline panels."""
    columns = min(n_groups, HEADLINE_COLUMNS_NARROW if narrow else HEADLINE_COLUMNS)
    return math.ceil(n_groups / columns), columns


def headline_outcomes(series: pd.DataFrame, *, as_of: str, narrow: bool = False) -> go.Figure:
    """The headline outcomes in a grid of panels: monthly bars, the cumulative line, the target. Each panel is
    titled by what it counts, and hovering the line shows what the figure is made of and its 口径.
    `narrow`: one panel under another, for a phone.

    series: group, unit, month, value, cumulative, target, source (and title, definition, approximate,
    breakdown from headline_series)."""
    if "title" not in series:
        series = series.assign(title=series.group)
    if series.empty:
        return empty("重点成效", "暂无重点成效数据", as_of=as_of, narrow=narrow)
    groups = list(dict.fromkeys(series.group))
    first_rows = series.drop_duplicates("group").set_index("group")
    units = first_rows.unit
    # The names in the title while they fit a page's chart at 1280 px; each panel is titled anyway.
    listed = "、".join(dict.fromkeys(series.title))
    title = f"重点成效：{listed}" if len(listed) <= 24 else f"重点成效（{len(groups)} 项，每月数值与累计）"
    n_rows, n_cols = headline_grid(len(groups), narrow=narrow)
    plot_height = n_rows * HEADLINE_PANEL_HEIGHT + (n_rows - 1) * HEADLINE_ROW_GAP
    fig = make_subplots(
        rows=n_rows,
        cols=n_cols,
        specs=[[{"secondary_y": True}] * n_cols] * n_rows,
        subplot_titles=[_headline_title(series[series.group == g], first_rows.title[g], units[g]) for g in groups],
        # A fraction of the plot's width: 0.16 of 680 px (a 1280 px page) is 109 px, room for "2,500" and "300".
        horizontal_spacing=0.16 if n_cols > 1 else 0.0,
        vertical_spacing=HEADLINE_ROW_GAP / plot_height if n_rows > 1 else 0.0,
    )
    targets_shown = False
    for i, group in enumerate(groups):
        row, col = divmod(i, n_cols)
        row, col = row + 1, col + 1
        rows = series[series.group == group].sort_values("month")
        labels = month_labels(rows.month)
        unit = plain(units[group])
        first = i == 0
        fig.add_trace(
            go.Bar(
                x=labels,
                y=rows.value,
                name=LABELS["monthly"],
                marker_color=MONTHLY_COLOUR,
                showlegend=first,
                legendgroup="monthly",
                hovertemplate=f"本月 %{{y:,d}} {unit}<extra>{plain(first_rows.title[group])}</extra>",
            ),
            row=row,
            col=col,
            secondary_y=False,
        )
        fig.add_trace(
            go.Scatter(
                x=labels,
                y=rows.cumulative,
                name=LABELS["cumulative"],
                mode="lines",
                showlegend=first,
                legendgroup="cumulative",
                line=dict(color=CUMULATIVE_COLOUR, width=3),
                customdata=_headline_hover(rows, units[group]),
                hovertemplate=f"%{{customdata}}<extra>{plain(first_rows.title[group])}</extra>",
            ),
            row=row,
            col=col,
            secondary_y=True,
        )
        target = rows.target.dropna()
        if len(target):
            fig.add_trace(
                go.Scatter(
                    x=labels,
                    y=[float(target.iloc[0])] * len(labels),
                    name=LABELS["target"],
                    mode="lines",
                    showlegend=not targets_shown,
                    legendgroup="target",
                    line=dict(color=TARGET_COLOUR, dash="dash", width=2),
                    hovertemplate=f"目标 %{{y:,d}} {unit}<extra>{plain(first_rows.title[group])}</extra>",
                ),
                row=row,
                col=col,
                secondary_y=True,
            )
            targets_shown = True
        # One line per label (the rows are close) and few of them: a panel is ~160 px wide at 1280 px.
        axis = month_axis(labels, max_ticks=3 if narrow else 2)
        # Standoff: the last month's label reaches past the bars, under the right-hand axis's 0.
        fig.update_xaxes(**(axis | {"ticktext": axis["tickvals"]}), ticklabelstandoff=8, row=row, col=col)
        # Each panel says which axis is which: the panels no longer share a row's outer edges.
        fig.update_yaxes(**value_axis(rows.value), row=row, col=col, secondary_y=False)
        fig.update_yaxes(**value_axis(rows.cumulative, target), showgrid=False, row=row, col=col, secondary_y=True)
    fig.update_annotations(font=dict(size=FONT_SIZE + 1))
    # What each number is made of, on the figure itself: a screenshot needs no report at hand. Wrapped for
    # the narrowest width the figure is drawn at (its lines were cut at the right at 1280 px).
    width = HEADLINE_FOOTNOTE_CHARS_NARROW if narrow else HEADLINE_FOOTNOTE_CHARS
    lines = _wrap_items([_headline_footnote(series[series.group == g]) for g in groups], width)
    line_height = 18
    fig.add_annotation(
        text="<br>".join(plain(line) for line in lines),
        x=0,
        y=0,
        xref="paper",
        yref="paper",
        yshift=-36,
        xshift=-30 if narrow else 0,
        showarrow=False,
        xanchor="left",
        yanchor="top",
        align="left",
        font=dict(size=TICK_SIZE - 1, color="#424242"),
    )
    # The legend sits between the title block and the first panels' three-line titles, clear of every
    # month label (beside the last panel's labels it hid 「2026年4月」 at 1920 px).
    top = WIDE_TITLE_BLOCK + 40 + 80
    bottom = 50 + line_height * len(lines)
    fig.update_layout(
        hovermode="x unified",
        bargap=0.25,
        margin=dict(l=48 if narrow else 70, r=48 if narrow else 70, t=top, b=bottom),
        legend=dict(x=0, xanchor="left", yref="paper", y=1 + 78 / plot_height, yanchor="bottom"),
    )
    return style(
        fig,
        title=title,
        as_of=as_of,
        sources=series.source,
        filename="重点成效",
        height=top + plot_height + bottom,
        narrow=narrow,
    )


def _headline_footnote(rows: pd.DataFrame) -> str:
    last = rows.sort_values("month").iloc[-1]
    breakdown = last.get("breakdown")
    if not isinstance(breakdown, str) or " + " not in breakdown:
        definition = last.get("definition")
        return f"{last.title}：{definition}" if isinstance(definition, str) and definition else str(last.title)
    return f"{last.title} = {breakdown}"


def _wrap_items(items: list[str], width: int) -> list[str]:
    """One item per line, a long one broken into lines of `width` characters."""
    return [line for item in items for line in split_every(item, width)]


def attention_table(frame: pd.DataFrame, *, as_of: str, sources: Iterable = (), limit: int = 14) -> go.Figure:
    """The 需要关注 list as a table figure for the briefing (the page shows it as a dataframe).

    frame: 类别, 状态 (绿/黄/红), 问题, 事项, 说明."""
    title = f"需要关注（{chinese(as_of)}）"
    if frame.empty:
        return empty(title, "本月没有需要关注的事项", as_of=as_of)
    shown = frame.head(limit)
    colours = [RAG_COLOURS.get(r, RAG_COLOURS[GREY]) for r in shown["状态"]]
    columns = ["类别", "问题", "事项", "说明"]
    fig = go.Figure(
        go.Table(
            columnwidth=[1.1, 1.0, 2.6, 5.6],
            header=dict(
                values=[f"<b>{c}</b>" for c in columns],
                fill_color="#eceff1",
                align="left",
                font=dict(size=FONT_SIZE),
                height=34,
            ),
            cells=dict(
                values=[[plain(short(v, 60)) for v in shown[c]] for c in columns],
                fill_color=[colours, ["white"] * len(shown), ["white"] * len(shown), ["white"] * len(shown)],
                font=dict(size=TICK_SIZE, color=[["white"] * len(shown), ["#212121"] * len(shown)]),
                align="left",
                height=32,
            ),
        )
    )
    if len(frame) > limit:
        fig.add_annotation(
            text=f"另有 {len(frame) - limit} 项未列出，详见看板「总览」页。",
            x=0,
            y=-0.02,
            xref="paper",
            yref="paper",
            showarrow=False,
            xanchor="left",
            yanchor="top",
            font=dict(size=TICK_SIZE, color="#616161"),
        )
    fig.update_layout(margin=dict(l=40, r=40, t=120, b=60))
    return style(fig, title=title, as_of=as_of, sources=sources, filename="需要关注", height=620)


def status_strip(grid: pd.DataFrame, *, as_of: str, title: str) -> go.Figure:
    """One finding's status month by month, every cell labelled with its status and every month named:
    what a briefing slide shows for a finding with no metric (a one-row heatmap is a coloured slab
    whose only label is a 14 px row name).

    grid: month, shown (status to colour), source — one finding's rows."""
    if grid.empty:
        return empty(title, "所选月份内暂无状态记录", as_of=as_of)
    grid = grid.sort_values("month")
    labels = month_labels(grid.month)
    codes = {status: i for i, status in enumerate(STATUS_ORDER)}
    n = len(STATUS_ORDER)
    scale = []
    for i, status in enumerate(STATUS_ORDER):
        scale += [[i / n, STATUS_COLOURS[status]], [(i + 1) / n, STATUS_COLOURS[status]]]
    shown = [s if isinstance(s, str) else "无记录" for s in grid.shown]
    fig = go.Figure(
        go.Heatmap(
            z=[[codes.get(s, math.nan) for s in shown]],
            x=labels,
            y=[0],
            zmin=-0.5,
            zmax=n - 0.5,
            colorscale=scale,
            showscale=False,
            xgap=4,
            hovertemplate="%{x}<extra></extra>",
        )
    )
    for label, status in zip(labels, shown, strict=True):
        light = status in (PENDING, NOT_STARTED) or status not in STATUS_COLOURS
        fig.add_annotation(
            x=label,
            y=0,
            text=plain(status),
            showarrow=False,
            font=dict(size=FONT_SIZE + 6, color="#212121" if light else "white"),
        )
    fig.update_xaxes(**month_axis(labels, max_ticks=len(labels)), tickfont=dict(size=FONT_SIZE + 2))
    fig.update_yaxes(visible=False, range=[-0.5, 0.5])
    fig.update_layout(margin=dict(l=40, r=40, t=170, b=170))
    return style(fig, title=title, as_of=as_of, sources=grid.source, filename=title)
