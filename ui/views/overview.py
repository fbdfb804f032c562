"""总览: where the rectification stands, what moved this month, and what needs attention."""

import datetime as dt

import streamlit as st

from rectification.core.months import add_months, chinese, current_month
from rectification.core.vocabulary import CLOSED, LONG_TERM, NOT_STARTED, ONGOING, OVERDUE, PENDING
from rectification.outputs.charts.assembly import completion_figure, headline_figure, heatmap_figure
from rectification.outputs.charts.theme import RAG_COLOURS, value_text
from rectification.rules.overview import overview
from rectification.rules.statuses import UNCONFIRMED, completion_rate_text, completion_text
from ui import database, page_frame, view_filters, widgets


def _briefing_pptx(data, filters) -> bytes:
    # Imported on a click, not on the page's first run: python-pptx is not needed to draw the page.
    from rectification.outputs.briefing.deck import build_pptx

    return build_pptx(data, filters)


st.title("整改进展总览")
if not page_frame.page_header():
    st.stop()

data = database.dashboard_data()
filters = view_filters.sidebar_filters(data)
narrow = widgets.narrow()  # a phone: the charts' narrow layouts, the lists as cards
as_of = filters.as_of
previous = add_months(as_of, -1)
view = database.view(overview, filters, dt.date.today())

st.caption(
    f"数据截至 {chinese(as_of)}　·　{view.closures}　·　纳入 {view.n_findings} 项整改问题、{view.n_metrics} 个指标"
)
if imported := view_filters.imported_month_note(data, as_of):
    month, sentence = imported
    st.info(sentence)
    # On a phone the sidebar is folded away: the same choice one tap from the notice.
    st.button(
        f"查看{chinese(month)}",
        key="overview_show_imported",
        on_click=lambda: st.session_state.update(flt_as_of=month),
    )
elif as_of == data.default_as_of and (later := data.later_months(as_of)):
    st.caption(
        "；".join(f"{chinese(month)}仅 {n} 个指标已上报" for month, n in later)
        + f"，故默认显示{chinese(as_of)}。可在左侧「数据截至」中选择之后的月份。"
    )
if data.latest < add_months(current_month(), -1):
    st.info(f"库中最近的数据为 {chinese(data.latest)}。各部门月报上传后，看板随即更新。")

# --- Tiles: the findings by status, each with its change since last month ---
now, before = view.now, view.before
# The tiles partition the findings: an overdue finding counts under 逾期 only.
tiles = [
    (CLOSED, "已销号", "normal", "；经审核人员审核销号的问题"),
    (PENDING, "待审核", "off", "；已申请销号、尚待审核的问题，不计入完成"),
    (ONGOING, "推进中", "off", "；不含已过整改期限的问题（计入「逾期」）"),
    (LONG_TERM, "长期坚持", "off", ""),
    (OVERDUE, "逾期", "inverse", "；已过整改期限仍未完成的问题，不再计入「推进中」「未启动」"),
]
# Grids, not st.columns(6), which cut labels to 「已销号（…」 at 1280 px: the six tiles in two halves of three,
# side by side where each tile gets ≥ 170 px (the widest label, 「长期坚持（项）」 with its "?", needs about
# 165 px; 1920 px with the sidebar open), else one half above the other (1280 px), never five and one.
TILE_WIDTH = 170
halves = st.grid(2, min_column_width=3 * TILE_WIDTH + 2 * 16)  # three tiles and the two 1rem gaps between
status_tiles = [half.grid(3, min_column_width=TILE_WIDTH) for half in (halves.cell(), halves.cell())]
unconfirmed = view.unconfirmed


def unconfirmed_note(n: int) -> str:
    return f"；其中 {n} 项的状态{UNCONFIRMED}（整改台账上报或销号审核后即为确认）" if n else ""


for i, (key, label, colour, note) in enumerate(tiles):
    delta = now[key] - before[key] if before else None
    # No change reads neutral (±0, grey, no arrow): a green ↑ +0 would read as progress.
    status_tiles[i // 3].metric(
        f"{label}（项）",
        now[key],
        delta=None if delta is None else (f"{delta:+d}" if delta else "±0"),
        delta_color=colour if delta else "off",
        delta_arrow="auto" if delta else "off",
        border=True,
        help=f"较{chinese(previous)}{note}{unconfirmed_note(unconfirmed.get(key, 0))}",
    )
rate, rate_before = now["完成率"], before["完成率"] if before else None
points = None if rate is None or rate_before is None else round((rate - rate_before) * 100)
status_tiles[1].metric(
    "完成率",
    "—" if rate is None else f"{rate:.0%}",
    delta=None if points is None else (f"{points:+d} 个百分点" if points else "±0 个百分点"),
    delta_color="normal" if points else "off",
    delta_arrow="auto" if points else "off",
    border=True,
    help=f"已销号 ÷（全部问题 − 长期坚持问题）：{completion_text(now)}；只有经审核人员销号的问题才算完成，"
    f"待审核不计入。{view.closures}。",
)
notes = [f"{completion_rate_text(now)}。"]
if n_unconfirmed := sum(unconfirmed.values()):
    notes.append(f"{n_unconfirmed} 项问题的状态{UNCONFIRMED}：整改台账上报或销号审核后即为确认。")
if now[NOT_STARTED]:
    notes.append(f"另有未启动 {now[NOT_STARTED]} 项。")
rechecks = view.rechecks
if any(rechecks.values()):
    notes.append(
        f"回头看：已销号问题复查巩固 {rechecks['held']} 项，反弹重新整改 {rechecks['relapsed']} 项，"
        f"到期待回头看 {rechecks['due']} 项。"
    )
for line in notes:
    st.caption(line)

widgets.rag_legend()


def completion_panel() -> None:
    widgets.chart(database.view(completion_figure, filters, dt.date.today(), narrow), key="completion_chart")


def attention_panel() -> None:
    attention = view.attention
    if attention.empty:
        st.success(f"{chinese(as_of)}没有需要关注的事项。")
        return
    # The link carries the view (filters and month), so the new tab opens on the same view.
    shown = attention.assign(
        详情=[
            view_filters.view_url("finding_detail", filters, finding=code) if code else ""
            for code in attention.finding_code.fillna("")
        ],
    )[["类别", "状态", "问题", "事项", "说明", "详情"]].fillna("")
    badge = {rag: f"background-color: {colour}; color: white" for rag, colour in RAG_COLOURS.items()}
    widgets.show_table(
        shown.style.map(badge.get, subset=["状态"]).format(na_rep=""),
        hide_index=True,
        width="stretch",
        column_config={
            "说明": st.column_config.TextColumn(width="large"),
            "详情": st.column_config.LinkColumn(display_text="查看"),
        },
        key="attention_table",
        cards=("状态", "问题", "事项"),
    )


def changes_panel() -> None:
    """What moved this month, and the editors' notes on why."""
    if view.changes.empty:
        st.caption(f"{chinese(as_of)}没有问题状态变化，也没有注释。")
        return
    widgets.show_table(
        view.changes.drop(columns="finding_code"),
        hide_index=True,
        width="stretch",
        column_config={"事项": st.column_config.TextColumn(width="large")},
        key="changes_table",
        cards=("问题",),
    )


def headlines_panel() -> None:
    """The headline outcomes: a tile for each, then their months in one chart."""
    headlines = view.headlines
    if not headlines:
        st.info("所选范围内没有重点成效指标。")
        return
    # A grid as for the status tiles: at 1280 px five tiles in a row cut 「醉驾积案移诉及撤案」.
    cells = st.grid(len(headlines))
    for h in headlines:
        column = cells.cell()
        target = (
            "未设目标"
            if h.target is None
            else f"目标 {value_text(h.target, h.unit)}（完成 {h.cumulative / h.target:.0%}）"
        )
        # The tile says what it counts (its catalogue title); its help gives the 口径 and the breakdown.
        # The figure alone as the value ("2,629 场次" was cut to "2,629 …" at 1280 px); the unit goes
        # with this month's figure and under the tile.
        bare = "%" if h.unit == "%" else ""
        column.metric(
            h.name,
            value_text(h.cumulative, bare, h.approximate),
            delta=f"本月 {value_text(h.month_value, h.unit)}",
            delta_color="off",
            delta_arrow="off",
            border=True,
            help=h.label,
        )
        column.caption(f"单位：{h.unit}　{target}" if not bare else target)
    widgets.chart(database.view(headline_figure, filters, narrow), key="headline_chart")


def heatmap_panel() -> None:
    widgets.chart(database.view(heatmap_figure, filters, None, None, dt.date.today(), narrow), key="status_heatmap")


# --- The body in tabs, and only the open tab is drawn. A cold browser then draws one chart and loads
# no table component before it: plotly draws all the charts of a page in one frame, and the tables'
# scripts (≈1.2 MB) compete with plotly's on the first load. The tab is part of the URL (?tab=…). ---
panels = {
    "整改完成进度": completion_panel,
    "需要关注": attention_panel,
    "本月变化": changes_panel,
    "重点成效": headlines_panel,
    "各问题逐月状态": heatmap_panel,
}
lists = {"需要关注": view.attention, "本月变化": view.changes}
waiting = [f"{name} {len(frame)} 项" for name, frame in lists.items() if not frame.empty]
if waiting:
    st.caption("，".join(waiting) + "：见下方同名页签。")
for tab, draw in zip(
    st.tabs(list(panels), key="tab", on_change="rerun", bind="query-params"), panels.values(), strict=True
):
    if tab.open:
        with tab:
            draw()

st.download_button(
    "下载本页简报（PPTX，16:9，每页一图）",
    data=lambda: _briefing_pptx(data, filters),
    file_name=f"整改进展简报_{chinese(as_of)}.pptx",
    mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
    key="briefing_download",
    help="生成需要十几秒：图表与看板相同，按当前筛选条件。",
)
