"""The house style of every chart of the dashboard and the briefing: colours, fonts, the template, the
title with its context line (unit, 数据截至, data source), the month and value axes, how a number reads,
the export size and st.plotly_chart's config. No figure is drawn here.

One template (style()), one colour set, one empty() for "no data". Each figure carries its own
context — title, unit, 数据截至 and the data source — so a screenshot or exported PNG stands alone.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable

import pandas as pd
import plotly.graph_objects as go

from rectification.core.months import chinese
from rectification.core.vocabulary import CLOSED, LONG_TERM, NOT_STARTED, ONGOING, OVERDUE, PENDING
from rectification.rules.rag import GREEN, GREY, RED, YELLOW
from rectification.rules.text import number_with_unit

FONT_FAMILY = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, SimHei, sans-serif"
FONT_SIZE = 16  # legible when exported at 1600×900 and pasted into a slide
TITLE_SIZE = 24
SUBTITLE_SIZE = 15
TICK_SIZE = 14
EXPORT_WIDTH, EXPORT_HEIGHT, EXPORT_SCALE = 1600, 900, 2
NARROW_EXPORT_WIDTH = 420

STATUS_COLOURS = {
    CLOSED: "#2e7d32",
    PENDING: "#9ccc65",
    LONG_TERM: "#7b1fa2",
    ONGOING: "#1e88e5",
    NOT_STARTED: "#bdbdbd",
    OVERDUE: "#d32f2f",
}
RAG_COLOURS = {GREEN: "#2e7d32", YELLOW: "#f9a825", RED: "#d32f2f", GREY: "#9e9e9e"}
# Streamlit's badge colours for the same statuses (emoji need a font many intranet PCs lack).
RAG_BADGES = {GREEN: "green", YELLOW: "yellow", RED: "red", GREY: "gray"}
# Qualitative, distinguishable in print: sections, outcome groups and several metrics at once.
SERIES_COLOURS = [
    "#1565c0",
    "#ef6c00",
    "#2e7d32",
    "#6a1b9a",
    "#00838f",
    "#ad1457",
    "#5d4037",
    "#9e9d24",
    "#283593",
    "#c62828",
    "#00695c",
    "#4e342e",
]
MONTHLY_COLOUR = "#90caf9"
CUMULATIVE_COLOUR = "#0d47a1"
TARGET_COLOUR = "#d32f2f"
TRAJECTORY_COLOUR = "#616161"
NOTE_COLOUR = "#ef6c00"
DEMO_COLOUR = "#b71c1c"

SOURCE_LABELS = {
    "月报": "各部门月报",
    "台账": "工作台账",
    "期初数据": "整改进展通报（期初数据）",  # the published report's figures, as of its own month
    "示例数据": "示例数据（系统生成，非真实数据）",
}

LABELS = {
    "monthly": "本月",
    "cumulative": "累计",
    "level": "月末值",
    "target": "目标",
    "trajectory": "进度线",
    "notes": "注释",
    "scope": "应完成（不含长期坚持）",
}

# plotly.js ships English only and Streamlit registers no locale, so the zh-CN strings travel in the
# config itself (config.locales) — modebar tooltips and date names then read in Chinese.
ZH_CN_LOCALE = {
    "dictionary": {
        "Autoscale": "自动缩放",
        "Box Select": "框选",
        "Download plot as a png": "下载图片（PNG）",
        "Download plot as a PNG": "下载图片（PNG）",  # the spelling of newer plotly.js
        "Fullscreen": "全屏",
        "Exit fullscreen": "退出全屏",
        "Download plot": "下载图片",
        "Lasso Select": "套索选择",
        "Pan": "平移",
        "Reset axes": "重置坐标轴",
        "Reset view": "重置视图",
        "Reset": "重置",
        "Show closest data on hover": "悬停显示最近数据",
        "Compare data on hover": "悬停比较数据",
        "Toggle Spike Lines": "显示/隐藏参考线",
        "Zoom": "缩放",
        "Zoom in": "放大",
        "Zoom out": "缩小",
        "Double-click to zoom back out": "双击恢复原始大小",
        "Double-click on legend to isolate one trace": "双击图例只显示该项",
        "Click to enter Plot title": "点击输入标题",
        "Taking snapshot - this may take a few seconds": "正在生成图片，请稍候",
        "Snapshot succeeded": "图片已生成",
        "Sorry, there was a problem downloading your snapshot!": "抱歉，图片下载失败！",
        "Produced with Plotly.js": "由 Plotly.js 生成",
        "trace": "数据系列",
    },
    "format": {
        "days": ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
        "shortDays": ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
        "months": [f"{i}月" for i in range(1, 13)],
        "shortMonths": [f"{i}月" for i in range(1, 13)],
        "date": "%Y-%m-%d",
        "decimal": ".",
        "thousands": ",",
    },
}

TEMPLATE = go.layout.Template(
    layout=go.Layout(
        font=dict(family=FONT_FAMILY, size=FONT_SIZE, color="#212121"),
        paper_bgcolor="white",
        plot_bgcolor="white",
        separators=".,",
        colorway=SERIES_COLOURS,
        hoverlabel=dict(font=dict(family=FONT_FAMILY, size=FONT_SIZE)),
        # Anchored to the figure's bottom edge (yref container), below the month labels whatever the
        # plot's height: a legend placed relative to the plot ran into the labels.
        legend=dict(orientation="h", yref="container", yanchor="bottom", y=0.01, x=0, font=dict(size=FONT_SIZE)),
        margin=dict(l=90, r=90, t=120, b=110),
        xaxis=dict(showgrid=False, linecolor="#9e9e9e", ticks="outside", tickfont=dict(size=TICK_SIZE)),
        yaxis=dict(gridcolor="#e0e0e0", zerolinecolor="#bdbdbd", tickfont=dict(size=TICK_SIZE), rangemode="tozero"),
    )
)


def plain(text) -> str:
    """Text from the catalogue or from users, made inert: plotly reads <b>, <a> and <br> in labels."""
    return html.escape(str(text), quote=False)


def file_name(*parts: str) -> str:
    """问题05_头盔劝导场次_2026年4月 — safe on Windows and in a URL."""
    text = "_".join(str(p) for p in parts if p)
    return re.sub(r'[\\/:*?"<>|\s“”]+', "", text)[:120]


def source_label(sources: Iterable) -> str:
    found = set()
    for value in sources:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        found.update(part for part in str(value).split(",") if part)
    order = ["月报", "台账", "期初数据", "示例数据"]
    ordered = sorted(found, key=lambda s: order.index(s) if s in order else -1)
    return "、".join(SOURCE_LABELS.get(s, s) for s in ordered) or "—"


def subtitle(*, unit: str | None, as_of: str, sources: Iterable, narrow: bool = False) -> str:
    parts = []
    if unit:
        parts.append(f"单位：{plain(unit)}")
    parts.append(f"数据截至 {chinese(as_of)}")
    parts.append(f"数据来源：{plain(source_label(sources))}")
    if narrow:  # one fact a line, a long source list broken: a phone's chart is ~360 px wide
        return "<br>".join(line for part in parts for line in split_every(part, NARROW_SUBTITLE_CHARS))
    return "　|　".join(parts)


# A phone (a page under 640 px, where Streamlit itself switches to its mobile layout) draws a chart ~360 px
# wide: the title goes onto lines of 14 characters at 20 px, each fact of the context line onto its own,
# below a strip left for the modebar (it sat on the title).
NARROW_TITLE_CHARS, NARROW_TITLE_SIZE, NARROW_SUBTITLE_CHARS = 15, 20, 25
NARROW_MODEBAR_STRIP = 34  # px above the title
WIDE_TITLE_BLOCK = 70  # px from the top to below a wide chart's context line; the margins allow for it
NARROW_MAX_TICKS = 4  # month labels on a phone's month axis


def narrow_title_block(title: str, subtitle_text: str) -> int:
    """px from the top of a narrow chart to below its context line."""
    title_lines = len(wrap_title(title, NARROW_TITLE_CHARS))
    return NARROW_MODEBAR_STRIP + 27 * title_lines + 19 * (subtitle_text.count("<br>") + 1) + 10


def style(
    fig: go.Figure,
    *,
    title: str,
    as_of: str,
    sources: Iterable = (),
    unit: str | None = None,
    filename: str | None = None,
    height: int | None = None,
    narrow: bool = False,
) -> go.Figure:
    """The one house style: template, title with its context line, and the export file name.
    `narrow`: the title and context line wrapped for a phone, the margin above grown to hold them."""
    sources = list(sources)
    demo = "示例数据" in source_label(sources)
    height = height or fig.layout.height
    context = subtitle(unit=unit, as_of=as_of, sources=sources, narrow=narrow)
    title_text, title_size, top = plain(title), TITLE_SIZE, 14
    if narrow:
        title_text = "<br>".join(plain(line) for line in wrap_title(title, NARROW_TITLE_CHARS))
        title_size, top = NARROW_TITLE_SIZE, NARROW_MODEBAR_STRIP
        grow = narrow_title_block(title, context) - WIDE_TITLE_BLOCK
        margin_top = fig.layout.margin.t if fig.layout.margin.t is not None else TEMPLATE.layout.margin.t
        fig.update_layout(margin=dict(t=margin_top + grow))
        height = (height or 450) + grow
    fig.update_layout(
        template=TEMPLATE,
        separators=".,",  # decimal point, thousands comma, whatever the viewer's locale
        title=dict(
            text=title_text,
            x=0.01,
            xanchor="left",
            # 14 px from the top whatever the height (0.97 of a tall heatmap pushed it onto the months)
            y=1 - top / height if height else 0.97,
            yanchor="top",
            font=dict(size=title_size),
            subtitle=dict(
                text=context,
                font=dict(size=SUBTITLE_SIZE - (2 if narrow else 0), color=DEMO_COLOUR if demo else "#616161"),
            ),
        ),
        meta=dict(filename=file_name(filename or title, chinese(as_of)), narrow=narrow),
    )
    if narrow:
        fig.update_layout(legend=dict(font=dict(size=TICK_SIZE - 1)))
    if height:
        fig.update_layout(height=height)
    return fig


def export_size(fig: go.Figure) -> tuple[int, int]:
    """1600×900, or taller for a figure drawn taller (a heatmap of 56 findings): squeezed into 900 px
    its rows would be too thin for every label, and plotly would label only every other one. A phone's
    figure exports as drawn, 420 px wide: its layout is made for that width."""
    meta = fig.layout.meta if isinstance(fig.layout.meta, dict) else {}
    if meta.get("narrow"):
        return NARROW_EXPORT_WIDTH, int(fig.layout.height or EXPORT_HEIGHT)
    return EXPORT_WIDTH, max(EXPORT_HEIGHT, int(fig.layout.height or 0))


def plotly_config(fig: go.Figure) -> dict:
    """st.plotly_chart's config: Chinese modebar, and a 1600×900 (or taller) PNG at 2× with a Chinese
    file name."""
    meta = fig.layout.meta if isinstance(fig.layout.meta, dict) else {}
    width, height = export_size(fig)
    return {
        "locale": "zh-CN",
        "locales": {"zh-CN": ZH_CN_LOCALE},
        "displaylogo": False,
        "modeBarButtonsToRemove": ["select2d", "lasso2d"],
        "toImageButtonOptions": {
            "format": "png",
            "filename": meta.get("filename") or "图表",
            "width": width,
            "height": height,
            "scale": EXPORT_SCALE,
        },
    }


def empty(title: str, message: str = "暂无数据", *, as_of: str | None = None, narrow: bool = False) -> go.Figure:
    """A figure that says there is nothing to show, in the same style as the others."""
    fig = go.Figure()
    fig.add_annotation(
        text=plain(message),
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        showarrow=False,
        font=dict(size=20, color="#757575"),
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    if as_of:
        return style(fig, title=title, as_of=as_of, height=360, narrow=narrow)
    fig.update_layout(template=TEMPLATE, title=dict(text=plain(title), x=0.01, font=dict(size=TITLE_SIZE)), height=360)
    return fig


# --- Axis and number helpers --------------------------------------------------------------------


def month_labels(months: Iterable[str]) -> list[str]:
    return [chinese(m) for m in months]


def tick_step(n: int, max_ticks: int = 12) -> int:
    """Label every month up to a year, then every 2nd, 3rd, 6th or 12th… so labels never collide."""
    for step in (1, 2, 3, 6, 12, 24, 60):
        if math.ceil(n / step) <= max_ticks:
            return step
    return math.ceil(n / max_ticks)


def tick_label(label: str) -> str:
    """2026年4月 on two lines (2025年 / 3月): half as wide, so labels stay level instead of tilting
    into the title, the source line or the legend."""
    year, _, month = label.partition("年")
    return f"{year}年<br>{month}" if month else label


def month_axis(labels: list[str], max_ticks: int = 12) -> dict:
    """A category axis over the months in order, ticks thinned for long ranges, labels level."""
    # Counted back from the last month, so the latest month (the one that matters) always has a label.
    shown = labels[::-1][:: tick_step(len(labels), max_ticks)][::-1]
    return dict(
        type="category",
        categoryorder="array",
        categoryarray=labels,
        tickmode="array",
        tickvals=shown,
        ticktext=[tick_label(label) for label in shown],
        tickangle=0,
        title=None,
    )


def number_format(values) -> str:
    """d3 format: thousands separators; decimals only when the figures have them."""
    series = pd.Series(values, dtype="float64").dropna()
    whole = series.empty or bool((series.round() == series).all())
    return ",d" if whole else ",.1f"


def value_axis(*values) -> dict:
    """A y-axis for these figures: thousands separators, from zero, and whole-number ticks for small
    counts (left alone plotly puts ticks at 0.5 and ",d" prints them as 0, 0, 1, 1)."""
    series = pd.concat([pd.Series(v, dtype="float64") for v in values]).dropna()
    fmt = number_format(series)
    axis = dict(tickformat=fmt, rangemode="tozero", tickmode="auto")
    if fmt == ",d":
        # Whole-number steps always: plotly's own (0.5, 2.5…) print as 0 1 1 2 2 under ",d".
        axis.update(tickmode="linear", tick0=0, dtick=integer_step(series.abs().max() if len(series) else 0))
    return axis


def integer_step(largest: float, max_ticks: int = 6) -> int:
    """1, 2, 5, 10, 20, 50… : the smallest such step giving at most `max_ticks` ticks up to `largest`."""
    decade = 1
    while True:
        for step in (decade, 2 * decade, 5 * decade):
            if largest / step <= max_ticks:
                return step
        decade *= 10


def value_text(value: float | None, unit: str = "", approximate: str | None = None) -> str:
    """2,629 场次 / 90% / 2,000余 人次 / — : how every figure reads in titles, tiles and legends."""
    return number_with_unit(value, unit, approximate)


def short(text: str, width: int) -> str:
    text = str(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def split_every(text: str, width: int) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)] or [""]


def wrap_title(text: str, width: int) -> list[str]:
    """Lines of at most `width` characters, broken after 「：，、」 or a space or before 「（」 where one is near
    enough (「重点成效（5 项，每月数值与累计）」 must not end on a lone 「计）」), else mid-word."""
    pieces = [p for p in re.findall(r"（?[^：，、 （]*(?:[：，、 ]|(?=（)|$)", text) if p]
    lines = [""]
    for piece in pieces:
        for chunk in split_every(piece, width):
            if lines[-1] and len(lines[-1]) + len(chunk) > width:
                lines.append("")
            lines[-1] += chunk
    return [line.strip() for line in lines if line.strip()] or [""]
