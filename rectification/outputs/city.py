"""各单位整改进展 as it leaves the building: the table in Chinese, its xlsx, and the chart of each
rectification's completion over time (a 16:9 picture like every other chart)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go

from rectification.core import tables
from rectification.core.months import month_range
from rectification.core.programme import distinct_titles
from rectification.outputs.charts.theme import (
    NARROW_MAX_TICKS,
    SERIES_COLOURS,
    empty,
    month_axis,
    month_labels,
    plain,
    style,
)
from rectification.rules.rollup import ROW_COLUMNS

TITLE = "各单位整改进展"
CHART_TITLE = "各整改事项完成率（按月）"


def table(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows with Chinese headers, the rate as a percentage text (as the overview's tile reads),
    in the office's own order."""
    shown = rows.rename(columns=ROW_COLUMNS)
    shown["完成率"] = [f"{rate:.0%}" if pd.notna(rate) else "—" for rate in rows.completion]
    return shown


def xlsx_bytes(rows: pd.DataFrame, today: dt.date) -> bytes:
    frame = table(rows)
    frame.insert(0, "数据日期", f"{today:%Y-%m-%d}")
    return tables.to_xlsx_bytes(frame, sheet=TITLE, widths={"单位": 14, "整改事项": 36, "最近上报月份": 14})


def file_name(today: dt.date) -> str:
    return f"{TITLE}_{today:%Y%m%d}.xlsx"


def completion_chart(history: pd.DataFrame, *, as_of: str, narrow: bool = False) -> go.Figure:
    """One line per rectification: its share of findings 已销号 (long-term items left out, as each
    overview counts it), month by month from its own tracking start."""
    if history.empty:
        return empty(CHART_TITLE, "暂无可汇总的整改事项", as_of=as_of, narrow=narrow)
    months = month_range(history.month.min(), history.month.max())  # every month, so the axis is even
    labels = month_labels(months)
    names = distinct_titles(dict(zip(history.code, history.label)))
    fig = go.Figure()
    for i, (code, rows) in enumerate(history.groupby("code", sort=False)):
        rows = rows.set_index("month").reindex(months)
        name = plain(names[code])
        fig.add_trace(
            go.Scatter(
                x=labels,
                y=rows.completion * 100,
                name=name,
                mode="lines",
                connectgaps=False,
                line=dict(width=3, color=SERIES_COLOURS[i % len(SERIES_COLOURS)]),
                hovertemplate=f"{name}：%{{y:.0f}}%<extra></extra>",
            )
        )
    fig.update_xaxes(**month_axis(labels, max_ticks=NARROW_MAX_TICKS if narrow else 12))
    fig.update_yaxes(title_text="完成率（%）", range=[0, 100], ticksuffix="%")
    fig.update_layout(hovermode="x unified", legend=dict(orientation="h", y=-0.18, x=0), margin=dict(b=150))
    return style(
        fig,
        title=CHART_TITLE,
        unit="%",
        as_of=as_of,
        sources=history.source.dropna(),
        filename="各整改事项完成率",
        height=640 if narrow else 600,
        narrow=narrow,
    )
