"""Each figure function: its traces, title and context line, Chinese month ticks, units on the axes,
thousands separators, and the PNG download's Chinese file name."""

from __future__ import annotations

import pandas as pd
import pytest

from rectification.outputs.briefing.content import load
from rectification.outputs.charts.assembly import (
    attention_figure,
    completion_figure,
    headline_figure,
    heatmap_figure,
    metric_figure,
)
from rectification.outputs.charts.figures import (
    HEADLINE_FOOTNOTE_CHARS,
    HEADLINE_FOOTNOTE_CHARS_NARROW,
    MetricSpec,
    metric_progress,
    metrics_trend,
)
from rectification.outputs.charts.theme import (
    DEMO_COLOUR,
    FONT_SIZE,
    NARROW_EXPORT_WIDTH,
    NARROW_MAX_TICKS,
    NARROW_MODEBAR_STRIP,
    TEMPLATE,
    empty,
    export_size,
    file_name,
    month_axis,
    plotly_config,
    source_label,
    value_axis,
    wrap_title,
)
from rectification.rules.data import Filters, resolve
from rectification.rules.explorer import explorer_series
from rectification.rules.statuses import STATUS_ORDER
from rectification.workflow import annotations, targets
from support import account


@pytest.fixture
def data(con):
    targets.set_target(
        con, metric_code="F05_DISSUADE_SESSIONS", value=6000, month="2025-12", user=account(con, "admin")
    )
    annotations.add(
        con,
        user=account(con, "张科长"),
        text="1月起开展<b>夜查</b>行动",
        month="2025-01",
        metric_code="F05_DISSUADE_SESSIONS",
    )
    return load(con)


@pytest.fixture
def filters(data) -> Filters:
    return resolve(Filters(), data)


def _names(fig) -> list[str]:
    return [t.name for t in fig.data]


def _subtitle(fig) -> str:
    return fig.layout.title.subtitle.text


def test_metric_progress_count_metric(data, filters):
    fig = metric_figure(data, "F05_DISSUADE_SESSIONS", filters)
    assert fig.layout.title.text == "问题05 头盔劝导场次"
    assert _names(fig) == ["本月", "累计", "进度线", "目标 6,000 场次（2025年12月）", "注释"]
    bars, cumulative, trajectory, target, notes = fig.data
    assert bars.type == "bar" and list(bars.x[:2]) == ["2024年8月", "2024年9月"]
    assert cumulative.yaxis == "y2" and cumulative.y[-1] == 2629  # the report's figure, reached by the demo months
    assert set(target.y) == {6000} and target.yaxis == "y2"
    # the trajectory runs from the opening balance in 2025-03 to the target in 2025-12
    assert (trajectory.x[0], trajectory.y[0]) == ("2025年3月", 2629)
    assert (trajectory.x[-1], trajectory.y[-1]) == ("2025年12月", 6000)
    # the note is a marker on the cumulative line, its text escaped for plotly's pseudo-HTML
    assert list(notes.x) == ["2025年1月"]
    assert notes.customdata[0] == "注释：1月起开展&lt;b&gt;夜查&lt;/b&gt;行动（张科长）"
    # units on both axes, thousands separators everywhere
    assert fig.layout.yaxis.title.text == "本月（场次）"
    assert fig.layout.yaxis2.title.text == "累计（场次）"
    assert fig.layout.yaxis.tickformat == ",d" and fig.layout.yaxis2.tickformat == ",d"
    assert fig.layout.separators == ".,"
    assert ",d" in bars.hovertemplate and "场次" in bars.hovertemplate
    # Chinese month ticks, running on to the target month; the latest month always labelled
    assert fig.layout.xaxis.categoryarray[0] == "2024年8月" and fig.layout.xaxis.categoryarray[-1] == "2025年12月"
    assert "2025年12月" in fig.layout.xaxis.tickvals and "2025年<br>12月" in fig.layout.xaxis.ticktext
    # context on the figure itself
    assert "单位：场次" in _subtitle(fig)
    assert "数据截至 2025年3月" in _subtitle(fig)
    assert "示例数据（系统生成，非真实数据）" in _subtitle(fig)


def test_metric_progress_level_metric_has_no_bars(data, filters):
    fig = metric_figure(data, "L1_CHECKPOINTS_REPAIRED_PCT", filters)
    assert fig.layout.title.text == "长期L1 一类视频卡口修复率"
    assert _names(fig)[0] == "月末值" and "bar" not in {t.type for t in fig.data}
    assert fig.layout.yaxis.title.text == "月末值（%）"
    assert any(name.startswith("目标 100%") for name in _names(fig))


def test_png_download_config_has_chinese_file_name(data, filters):
    fig = metric_figure(data, "F05_DISSUADE_SESSIONS", filters)
    config = plotly_config(fig)
    assert config["toImageButtonOptions"] == {
        "format": "png",
        "filename": "问题05_头盔劝导场次_2025年3月",
        "width": 1600,
        "height": 900,
        "scale": 2,
    }
    assert config["locale"] == "zh-CN"
    assert config["locales"]["zh-CN"]["dictionary"]["Download plot as a png"] == "下载图片（PNG）"
    assert config["displaylogo"] is False


def test_file_name_is_safe_on_windows():
    assert file_name("问题01", "“九个一”单位督导检查", "2025年3月") == "问题01_九个一单位督导检查_2025年3月"
    assert file_name("a/b:c*?", "x y") == "abc_xy"


def test_source_label_names_demo_data_only_when_present():
    assert source_label(["月报", "月报"]) == "各部门月报"
    assert source_label(["示例数据", "月报", None]) == "各部门月报、示例数据（系统生成，非真实数据）"
    assert source_label(["期初数据,示例数据"]) == "整改进展通报（期初数据）、示例数据（系统生成，非真实数据）"


def test_figure_from_reported_data_does_not_say_demo():
    series = pd.DataFrame(
        {
            "month": ["2025-04", "2025-05"],
            "value": [1200.0, 1300.0],
            "cumulative": [3829.0, 5129.0],
            "source": ["月报", "月报"],
        }
    )
    spec = MetricSpec(name="头盔劝导场次", unit="场次", kind="count", label="问题05")
    fig = metric_progress(series, metric=spec, as_of="2025-05")
    assert "示例数据" not in _subtitle(fig) and "数据来源：各部门月报" in _subtitle(fig)
    assert _names(fig) == ["本月", "累计"]  # no target, no trajectory, no notes
    assert fig.layout.title.subtitle.font.color != DEMO_COLOUR


def test_month_ticks_thin_out_over_ten_years_and_keep_the_last_month():
    labels = [f"{2025 + i // 12}年{i % 12 + 1}月" for i in range(120)]
    axis = month_axis(labels)
    assert len(axis["tickvals"]) <= 12
    assert axis["tickvals"][-1] == "2034年12月"
    assert axis["categoryarray"] == labels
    assert month_axis(labels[:12])["tickvals"] == labels[:12]


def test_metrics_trend_one_panel_per_unit(data, filters):
    codes = ["F05_DISSUADE_SESSIONS", "F05_PERSONS_EDUCATED", "F07_LEAFLETS"]
    frame = explorer_series(data, codes, filters, measure="cumulative", by="metric")
    fig = metrics_trend(frame, measure="cumulative", as_of=filters.as_of, title="指标趋势")
    assert _names(fig) == ["问题05 头盔劝导场次", "问题05 教育不戴头盔驾乘人员", "问题07 发放宣传单"]
    titles = [fig.layout[a].title.text for a in ("yaxis", "yaxis2", "yaxis3")]
    assert titles == ["累计（场次）", "累计（人次）", "累计（张）"]
    assert fig.data[1].yaxis == "y2"
    assert "2025年3月" in fig.layout.xaxis.tickvals


def test_completion_by_section_stacks_sections_under_the_scope(data, filters):
    fig = completion_figure(data, filters)
    assert fig.layout.title.text == "整改完成进度（按通报部分累计已销号问题数）"
    stacked = [t for t in fig.data if t.stackgroup == "done"]
    assert [t.name for t in stacked][:2] == ["（一）贯彻落实习近平新时代中国特…", "（二）全面从严管党治警"]
    assert sum(t.y[-1] for t in stacked) == 19  # 已完成 at 2025-03 (问题16 is 推进中), 已销号 since
    assert fig.data[-1].name == "应完成（不含长期坚持） 27 项"
    assert fig.layout.yaxis.title.text == "已销号问题数（项）" and fig.layout.yaxis.tickformat == ",d"


def test_status_heatmap_rows_in_report_order_with_a_legend_per_status(data, filters):
    fig = heatmap_figure(data, filters)
    heat = fig.data[0]
    assert heat.type == "heatmap" and len(heat.y) == 56
    assert heat.y[0].startswith("问题01 ") and heat.y[-1].startswith("长期L2 ")
    assert list(heat.x) == [f"2024年{m}月" for m in range(8, 13)] + [f"2025年{m}月" for m in range(1, 4)]
    assert [t.name for t in fig.data[1:]] == ["已销号", "待审核", "长期坚持", "推进中", "未启动", "逾期"]
    done = STATUS_ORDER.index("已销号")
    assert sum(row[-1] == done for row in heat.z) == 19


def test_overdue_shows_in_the_heatmap(con):
    targets.set_finding_plan(
        con, "F03", deadline=pd.Timestamp("2025-01-31").date(), leader=None, department=None, user=account(con, "admin")
    )
    data = load(con)
    fig = heatmap_figure(data, resolve(Filters(), data), ("F03",))
    overdue = STATUS_ORDER.index("逾期")
    assert list(fig.data[0].z[0][-3:]) == [STATUS_ORDER.index("推进中"), overdue, overdue]


def test_headline_outcomes_five_panels_with_their_numbers(data, filters):
    fig = headline_figure(data, filters)
    titles = [a.text for a in fig.layout.annotations]
    assert titles[0] == "<b>头盔劝导场次</b><br>累计 2,629 场次<br>本月 309 场次"
    assert [t.split("</b>")[0].removeprefix("<b>") for t in titles[:5]] == [
        "头盔劝导场次",
        "隐患整改处数",
        "义警巡逻行动",
        "醉驾积案移诉及撤案",
        "固定资产减册及报废",
    ]
    assert titles[4] == "<b>固定资产减册及报废</b><br>累计 4 件<br>本月 0 件"
    assert _names(fig)[:2] == ["本月", "累计"]
    # The breakdown and the 口径 travel with the figure: in the hover and in the footnote.
    cumulative = [t for t in fig.data if t.name == "累计"]
    last_asset = cumulative[4].customdata[-1]
    assert "其中 固定资产减册 3 件<br>　+ 固定资产报废 1 件" in last_asset and "口径：" in last_asset
    assert "口径：义警与民警一同参与" in cumulative[2].customdata[-1]
    footnote = titles[5]
    assert "醉驾积案移诉及撤案 = 醉驾案件移送起诉 128 宗 + 醉驾案件撤案 149 宗" in footnote
    assert "固定资产减册及报废 = 固定资产减册 3 件 + 固定资产报废 1 件" in footnote


def test_attention_table_lists_the_rows(data):
    filters = resolve(Filters(), data)
    fig = attention_figure(data, filters)
    assert fig.data[0].type == "table"
    assert list(fig.data[0].cells.values[1]) == ["问题16", "长期L1"]  # 0 of 31 schools reported, 90% of 100%
    assert fig.layout.title.text == "需要关注（2025年3月）"


def test_empty_figure_says_so():
    fig = empty("问题05 头盔劝导场次", as_of="2025-03")
    assert fig.layout.annotations[0].text == "暂无数据"
    assert "数据截至 2025年3月" in _subtitle(fig)
    assert fig.layout.meta["filename"] == "问题05头盔劝导场次_2025年3月"


def test_every_font_is_legible_at_1600_by_900(data, filters):
    for fig in (metric_figure(data, "F05_DISSUADE_SESSIONS", filters), heatmap_figure(data, filters)):
        layout = fig.layout
        sizes = [
            layout.template.layout.font.size,
            layout.title.font.size,
            layout.title.subtitle.font.size,
            layout.template.layout.xaxis.tickfont.size,
            layout.template.layout.yaxis.tickfont.size,
            layout.template.layout.legend.font.size,
        ]
        assert min(sizes) >= 14
        assert "Noto Sans CJK SC" in layout.template.layout.font.family


def test_small_counts_tick_in_whole_numbers(data, filters):
    fig = metric_figure(data, "F03_SIMILAR_HAZARDS_FIXED", filters)  # 6 hazards over 8 months
    assert (fig.layout.yaxis.dtick, fig.layout.yaxis.tickformat) == (1, ",d")
    assert fig.layout.yaxis2.dtick == 1
    # a target without a month applies at once: a target line, no trajectory
    assert _names(fig) == ["本月", "累计", "目标 6 处"]
    big = metric_figure(data, "F05_DISSUADE_SESSIONS", filters)
    assert (big.layout.yaxis.dtick, big.layout.yaxis.tickmode) == (200, "linear")  # whole steps, never 0.5


def test_finding_notes_are_markers_on_the_status_timeline(con):
    annotations.add(con, user=account(con, "张科长"), text="春节期间劝导岗减半", month="2025-02", finding_code="F05")
    data = load(con)
    fig = heatmap_figure(data, resolve(Filters(), data), ("F05",), "问题05 逐月整改状态")
    notes = fig.data[-1]
    assert notes.name == "注释" and list(notes.x) == ["2025年2月"]
    assert notes.y[0] == fig.data[0].y[0]  # on the finding's row
    assert notes.customdata[0] == "2025年2月 注释：春节期间劝导岗减半（张科长）"


def test_an_approximate_figure_keeps_its_wording_and_definition_on_hover(data, filters):
    fig = metric_figure(data, "F52_HQ_STAFF_DEPLOYED", filters)
    line = next(t for t in fig.data if t.name == "累计")
    assert line.customdata[-1].startswith("累计 2,000余 人次<br>口径：一人次 = 分局机关一名警力")
    parking = next(t for t in metric_figure(data, "F06_PARKING_SPACES_BUILT", filters).data if t.name == "累计")
    assert parking.customdata[-1].startswith("累计 约700 个")


# --- issue 8 item 7: labels that collide, repeat or say the wrong thing -----------------------------------


@pytest.mark.parametrize("largest", [2, 3, 7, 12, 18, 45, 130, 2629, 45000])
def test_whole_number_axes_never_repeat_a_tick(largest):
    axis = value_axis([0, largest])
    ticks = [axis["tick0"] + i * axis["dtick"] for i in range(int(largest // axis["dtick"]) + 2)]
    assert axis["tickmode"] == "linear" and float(axis["dtick"]).is_integer()
    labels = [f"{t:,.0f}" for t in ticks]
    assert len(labels) == len(set(labels)) and len(ticks) <= 8


def test_completion_chart_of_a_small_section_ticks_in_whole_numbers(data):
    filters = resolve(Filters(department="纪委"), data)
    fig = completion_figure(data, filters)
    # before: tickformat ",d" with plotly's own 0.5 steps printed 0 1 1 2 2
    assert fig.layout.yaxis.tickmode == "linear" and fig.layout.yaxis.dtick == 1


def test_month_labels_stay_level_on_two_lines_with_the_legend_below_them(data, filters):
    for fig in (
        metric_figure(data, "F05_DISSUADE_SESSIONS", filters),
        completion_figure(data, filters),
        heatmap_figure(data, filters),
    ):
        axis = fig.layout.xaxis
        assert axis.tickangle == 0 and all("<br>" in t for t in axis.ticktext)
        # the legend hangs from the figure's bottom edge, not from the plot (where labels grow into it)
        assert fig.layout.template.layout.legend.yref == "container"
        assert fig.layout.legend.y is None or fig.layout.legend.yref in (None, "container")


def test_heatmap_labels_every_finding_and_exports_tall_enough(data, filters):
    fig = heatmap_figure(data, filters)
    assert list(fig.layout.yaxis.tickvals) == list(fig.data[0].y)  # all 56 findings, none skipped
    width, height = export_size(fig)
    assert (width, height) == (1600, fig.layout.height) and height / 56 >= 26
    config = plotly_config(fig)
    assert config["toImageButtonOptions"]["height"] == height
    assert len(fig.layout.xaxis.tickvals) <= 6  # few month labels: level, clear of the source line


def test_a_rates_trend_is_labelled_month_end_not_cumulative(data):
    filters = resolve(Filters(), data)
    frame = explorer_series(data, ["L1_CHECKPOINTS_REPAIRED_PCT"], filters, measure="cumulative", by="metric")
    fig = metrics_trend(frame, measure="cumulative", as_of="2025-03", title="t")
    assert fig.layout.yaxis.title.text == "月末值（%）"


def test_headline_title_lists_only_the_groups_shown(data):
    filters = resolve(Filters(group="HELMET"), data)
    fig = headline_figure(data, filters)
    assert fig.layout.title.text.startswith("重点成效：头盔劝导") and "隐患" not in fig.layout.title.text


# --- issue 17 items 10 and 11: 重点成效 at 1280 px, every chart on a phone ---

PAGE_PLOT_WIDTH_1280 = 820 - 70 - 70  # the chart's width on a 1280 px page with the sidebar open, less margins


def _domains(fig, axis: str) -> list[tuple[float, float]]:
    """The domains of the figure's `axis` axes (xaxis, yaxis), overlaying ones (which have none) left out."""
    found = [fig.layout[name].domain for name in sorted(fig.layout) if name.startswith(axis)]
    return [tuple(d) for d in found if d is not None]


def test_headline_outcomes_in_three_columns_with_room_for_titles_and_axes(data, filters):
    fig = headline_figure(data, filters)
    domains = sorted(set(_domains(fig, "xaxis")))
    assert len(domains) == 3 and len(set(_domains(fig, "yaxis"))) == 2
    panel = min(right - left for left, right in domains) * PAGE_PLOT_WIDTH_1280
    gap = min(b[0] - a[1] for a, b in zip(domains, domains[1:], strict=False)) * PAGE_PLOT_WIDTH_1280
    # a title is centred over its panel and may use half the gap on each side: 「醉驾积案移诉及撤案」 in bold 17 px
    assert panel + gap >= 9 * (FONT_SIZE + 1)
    assert gap >= 100  # one panel's right-hand numbers (「300」) and the next one's left-hand ones (「2,500」)
    footnote = fig.layout.annotations[-1].text.split("<br>")
    assert max(len(line) for line in footnote) <= HEADLINE_FOOTNOTE_CHARS
    # the legend above the panels' titles, never beside a month label; the export stays 1600×900
    assert fig.layout.legend.yref == "paper" and fig.layout.legend.y > 1 and fig.layout.legend.yanchor == "bottom"
    assert export_size(fig) == (1600, 900) and fig.layout.height <= 900


def test_headline_outcomes_narrow_one_panel_under_another(data, filters):
    fig = headline_figure(data, filters, True)
    assert len(set(_domains(fig, "xaxis"))) == 1  # one column
    assert len(set(_domains(fig, "yaxis"))) == 5
    assert fig.layout.title.text == "重点成效（5 项，<br>每月数值与累计）"
    footnote = fig.layout.annotations[-1].text.split("<br>")
    assert max(len(line) for line in footnote) <= HEADLINE_FOOTNOTE_CHARS_NARROW
    assert export_size(fig) == (NARROW_EXPORT_WIDTH, fig.layout.height)


def test_narrow_charts_wrap_their_context_and_thin_their_months(data, filters):
    wide = metric_figure(data, "F05_DISSUADE_SESSIONS", filters)
    fig = metric_figure(data, "F05_DISSUADE_SESSIONS", filters, True)
    assert fig.layout.title.text == "问题05 头盔劝导场次"
    assert _subtitle(fig).split("<br>") == [
        "单位：场次",
        "数据截至 2025年3月",
        "数据来源：示例数据（系统生成，非真实数据）",
    ]
    # the title block grows by what the wrapped lines need, below a strip left for the modebar
    assert fig.layout.margin.t > TEMPLATE.layout.margin.t and fig.layout.height > wide.layout.height
    assert 1 - fig.layout.title.y == pytest.approx(NARROW_MODEBAR_STRIP / fig.layout.height)
    assert len(fig.layout.xaxis.tickvals) <= NARROW_MAX_TICKS < len(wide.layout.xaxis.tickvals)
    assert fig.layout.xaxis.tickvals[-1] == wide.layout.xaxis.tickvals[-1]  # the latest month keeps its label
    completion = completion_figure(data, filters, narrow=True)
    assert len(completion.layout.xaxis.tickvals) <= NARROW_MAX_TICKS
    assert completion.layout.title.text == "整改完成进度<br>（按通报部分累计已销号问题数）"


def test_narrow_heatmap_short_row_names_and_a_band_for_one_finding(data, filters):
    fig = heatmap_figure(data, filters, None, None, narrow=True)
    assert all(len(name.split(" ", 1)[1]) <= 5 for name in fig.layout.yaxis.ticktext)
    assert fig.layout.margin.l == 150 and len(fig.layout.xaxis.tickvals) <= 3
    one = heatmap_figure(data, filters, ("F05",), "问题05 逐月整改状态", narrow=True)
    plot = one.layout.height - one.layout.margin.t - one.layout.margin.b
    assert plot >= 100  # one row's band, not the thin line it was at 390 px


def test_wrap_title_breaks_at_punctuation():
    assert wrap_title("重点成效（5 项，每月数值与累计）", 15) == ["重点成效（5 项，", "每月数值与累计）"]
    assert wrap_title("各问题逐月整改状态", 15) == ["各问题逐月整改状态"]
    assert wrap_title("甲" * 20, 15) == ["甲" * 15, "甲" * 5]
