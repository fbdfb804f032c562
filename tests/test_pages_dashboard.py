"""The dashboard pages as Streamlit runs them (AppTest): no exception, the expected charts, filters
that change what is shown, query parameters that restore a view, and the editors' forms."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from rectification.core import store
from rectification.workflow import auth
from support import account, login

ROOT = Path(__file__).resolve().parents[1]
OVERVIEW, DETAIL, EXPLORER, TARGETS = (
    "ui/views/overview.py",
    "ui/views/finding_detail.py",
    "ui/views/metric_explorer.py",
    "ui/views/targets.py",
)


def open_page(
    page: str,
    query: dict | None = None,
    *,
    store_path: Path | None = None,
    role: str | None = None,
    department: str | None = None,
) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    if role:
        login(at, store_path, role=role, department=department)
    at.query_params.update(query or {})  # as a shared link would: before the session's first run
    at.run()
    if page != OVERVIEW:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def values(array) -> list:
    """A trace's x or y as a list: plotly's JSON carries numeric arrays as base64 typed arrays."""
    if isinstance(array, dict) and "bdata" in array:
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=np.dtype(array["dtype"])).tolist()
    return list(array)


def figures(at) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def configs(at) -> list[dict]:
    return [json.loads(chart.proto.config) for chart in at.get("plotly_chart")]


def titles(at) -> list[str]:
    return [f["layout"]["title"]["text"] for f in figures(at)]


def table(at, column: str):
    """The first st.dataframe on the page with this column (a dataframe's key is not exposed)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def tiles(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def rows(store_path: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = store.connect(store_path)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


# --- Overview --------------------------------------------------------------------------------------


def open_tab(at, label: str) -> AppTest:
    """The overview with its `label` tab open, as the tab's own link (?tab=…) would open it."""
    at.query_params["tab"] = label
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_overview_tiles_charts_and_attention(store_path):
    at = open_page(OVERVIEW)
    assert tiles(at)["已销号（项）"] == "19"
    assert tiles(at)["长期坚持（项）"] == "29"
    assert tiles(at)["完成率"] == "70%"
    assert any("状态颜色" in c.value and "低于进度线超过10%" in c.value for c in at.caption)
    assert any("示例数据" in w.value for w in at.warning)
    # The body in tabs, only the open one drawn: completion first, so a cold browser draws one chart
    # and no table before it; the caption above the tabs counts what the other tabs hold.
    assert [tab.label for tab in at.tabs] == ["整改完成进度", "需要关注", "本月变化", "重点成效", "各问题逐月状态"]
    assert titles(at) == ["整改完成进度（按通报部分累计已销号问题数）"]
    assert not at.dataframe
    assert any(c.value.startswith("需要关注 2 项，本月变化 ") for c in at.caption)
    shown = [*figures(at)], [*configs(at)]

    attention = table(open_tab(at, "需要关注"), "类别")
    assert list(attention["问题"]) == ["问题16", "长期L1"]
    assert not figures(at)
    changes = table(open_tab(at, "本月变化"), "变化")  # the demo statuses move towards the report's in its last month
    assert len(changes) > 0 and set(changes["类别"]) == {"状态变化"}
    assert all(" → " in change for change in changes["变化"])

    # Each headline tile says what it counts, and only that: disposals are 3 减册 + 1 报废.
    open_tab(at, "重点成效")
    assert tiles(at)["头盔劝导场次"] == "2,629"
    assert tiles(at)["义警巡逻行动"] == "15"
    assert tiles(at)["醉驾积案移诉及撤案"] == "277"
    assert tiles(at)["固定资产减册及报废"] == "4"
    helps = {m.label: m.help for m in at.metric}
    assert "口径：固定资产完成减册和完成报废手续" in helps["固定资产减册及报废"]
    assert "固定资产减册 3 件 + 固定资产报废 1 件 = 4 件" in helps["固定资产减册及报废"]
    assert "醉驾案件移送起诉 128 宗 + 醉驾案件撤案 149 宗 = 277 宗" in helps["醉驾积案移诉及撤案"]
    assert any(c.value.startswith("单位：场次") for c in at.caption)  # the figure alone fits the tile at 1280 px
    assert not any(m.proto.chart_data for m in at.metric)  # no sparklines: the chart below shows the series
    assert titles(at) == ["重点成效（5 项，每月数值与累计）"]  # each panel names its outcome
    shown[0].extend(figures(at))
    shown[1].extend(configs(at))
    assert titles(open_tab(at, "各问题逐月状态")) == ["各问题逐月整改状态"]
    shown[0].extend(figures(at))
    shown[1].extend(configs(at))
    # every chart carries its context and downloads as a Chinese-named 1600×900 PNG at 2×
    for fig, config in zip(*shown, strict=True):
        assert "数据截至 2025年3月" in fig["layout"]["title"]["subtitle"]["text"]
        assert "示例数据" in fig["layout"]["title"]["subtitle"]["text"]
        assert config["locale"] == "zh-CN"
        assert config["toImageButtonOptions"]["filename"].endswith("_2025年3月")
        assert (config["toImageButtonOptions"]["width"], config["toImageButtonOptions"]["scale"]) == (1600, 2)


def test_overview_legend_names_the_deadline_settings(store_path, monkeypatch):
    def legend(at) -> str:
        return next(c.value for c in at.caption if "状态颜色" in c.value)

    at = open_page(OVERVIEW)
    assert "不超过10天（预警）" in legend(at) and "剩余20天内为临近" in legend(at)
    monkeypatch.setenv("RECTIFICATION_DEADLINE_WARNING_DAYS", "25")
    at.run()
    assert "不超过25天（预警）" in legend(at) and "25天内为预警（黄）" in legend(at)


def test_overview_section_filter_changes_counts_and_url(store_path):
    at = open_page(OVERVIEW, {"tab": "各问题逐月状态"})
    at.selectbox(key="flt_section").select("S2").run()
    assert not at.exception
    assert tiles(at)["已销号（项）"] == "8"
    assert at.query_params["section"] == "S2"
    heatmap = figures(at)[0]["data"][0]
    assert len(heatmap["y"]) == 16  # the section's findings only


def test_overview_query_parameters_restore_a_view(store_path):
    at = open_page(OVERVIEW, {"section": "S2", "asof": "2025-01", "from": "2024-10", "tab": "各问题逐月状态"})
    assert at.selectbox(key="flt_section").value == "S2"
    assert at.selectbox(key="flt_as_of").value == "2025-01"
    assert at.select_slider(key="flt_range").value == ("2024-10", "2025-01")
    assert any("数据截至 2025年1月" in c.value for c in at.caption)
    heatmap = figures(at)[0]["data"][0]
    assert heatmap["x"] == ["2024年10月", "2024年11月", "2024年12月", "2025年1月"]
    assert all("数据截至 2025年1月" in f["layout"]["title"]["subtitle"]["text"] for f in figures(at))


def test_overview_ignores_a_hand_edited_url(store_path):
    at = open_page(OVERVIEW, {"section": "<script>", "asof": "1999-01", "group": "NOPE"})
    assert at.selectbox(key="flt_section").value == ""  # 全部
    assert at.selectbox(key="flt_as_of").value == "2025-03"
    assert "section" not in at.query_params


def test_filters_persist_across_pages(store_path):
    at = open_page(OVERVIEW)
    at.selectbox(key="flt_department").select("交警大队").run()
    at.switch_page(EXPLORER).run()
    assert not at.exception
    assert at.selectbox(key="flt_department").value == "交警大队"
    assert at.query_params["dept"] == "交警大队"
    options = at.multiselect(key="explorer_metrics").options
    assert {name.split(" ")[0] for name in options} == {"问题02", "问题03", "问题04", "问题05", "问题06", "问题24"}


# --- Finding detail ----------------------------------------------------------------------------------


def test_finding_detail_from_a_link(store_path):
    at = open_page(DETAIL, {"finding": "F05"})
    assert at.selectbox(key="finding").value == "F05"
    texts = [t.value for t in at.text]
    assert any(t.startswith("建立“三维联动”机制提升“一盔一带”安全守护行动成效") for t in texts)
    assert any(t.startswith("一是组织人员每天在人口密集区域设点") for t in texts)
    assert "交警大队" in texts
    # the status timeline, then one chart per metric of the finding (F05 has eight)
    assert titles(at)[0] == "问题05 逐月整改状态"
    assert len(titles(at)) == 1 + 8
    assert "问题05 头盔劝导场次" in titles(at)
    assert at.query_params["finding"] == "F05"


@pytest.mark.parametrize(("search", "expected"), [("头盔", ["F05"]), ("12", ["F12", "F16"]), ("问题07", ["F07"])])
def test_finding_detail_search(store_path, search, expected):
    at = open_page(DETAIL)
    at.text_input(key="finding_search").input(search).run()
    assert not at.exception
    assert at.selectbox(key="finding").options == [o for o in at.selectbox(key="finding").options if o]
    assert [o.split("　")[0] for o in at.selectbox(key="finding").options] == [f"问题{c[1:]}" for c in expected]


def test_finding_detail_search_without_hits_says_so(store_path):
    at = open_page(DETAIL)
    at.text_input(key="finding_search").input("没有这样的问题").run()
    assert not at.exception
    assert any("没有符合条件的整改问题" in w.value for w in at.warning)


def test_viewer_sees_no_annotation_form(store_path):
    at = open_page(DETAIL, {"finding": "F05"})
    assert not any(f.key == "annotation_text" for f in at.text_area)
    assert "牵头部门（交警大队）的填报人员或管理员登录后可添加注释。" in [c.value for c in at.caption]


def test_editor_adds_an_annotation_shown_on_the_chart_and_listed(store_path):
    at = open_page(DETAIL, {"finding": "F05"}, store_path=store_path, role="editor", department="交警大队")
    at.selectbox(key="annotation_target").select("F05_DISSUADE_SESSIONS")
    at.selectbox(key="annotation_month").select("2025-01")
    at.text_area(key="annotation_text").input("1月起开展夜查行动 **重点** <b>x</b>")
    at.button(key="annotation_submit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    saved = rows(store_path, "select metric_code, strftime(month, '%Y-%m'), text, author from current_annotations")
    assert saved == [("F05_DISSUADE_SESSIONS", "2025-01", "1月起开展夜查行动 **重点** <b>x</b>", "test_editor")]
    assert rows(store_path, "select action, target from audit_log where action = 'annotation'") == [
        ("annotation", "F05_DISSUADE_SESSIONS")
    ]
    chart = next(f for f in figures(at) if f["layout"]["title"]["text"] == "问题05 头盔劝导场次")
    notes = next(t for t in chart["data"] if t.get("name") == "注释")
    assert notes["x"] == ["2025年1月"] and "&lt;b&gt;" in notes["customdata"][0]
    listed = table(at, "注释")
    assert list(listed["注释"]) == ["1月起开展夜查行动 **重点** <b>x</b>"]
    # user text never went through markdown
    assert not any("重点" in m.value for m in at.markdown)


def test_editor_gets_a_message_for_an_empty_annotation(store_path):
    at = open_page(DETAIL, {"finding": "F05"}, store_path=store_path, role="editor", department="交警大队")
    at.text_area(key="annotation_text").input("   ")
    at.button(key="annotation_submit").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["请填写注释内容。"]
    assert rows(store_path, "select count(*) from annotations") == [(0,)]


# --- Metric explorer -----------------------------------------------------------------------------------


def test_explorer_restores_metrics_from_the_url(store_path):
    at = open_page(EXPLORER, {"metrics": "F05_DISSUADE_SESSIONS,F07_LEAFLETS,NOPE", "measure": "cumulative"})
    assert at.multiselect(key="explorer_metrics").value == ["F05_DISSUADE_SESSIONS", "F07_LEAFLETS"]
    fig = figures(at)[0]
    assert [t["name"] for t in fig["data"]] == ["问题05 头盔劝导场次", "问题07 发放宣传单"]
    assert values(fig["data"][0]["y"])[-1] == 2629  # cumulative
    assert fig["layout"]["yaxis"]["title"]["text"] == "累计（场次）"


def test_explorer_by_group_adds_up_per_unit(store_path):
    at = open_page(EXPLORER, {"metrics": "F02_DIM_LIGHTING_POINTS_FIXED,F02_TRUCK_STOP_JUNCTIONS_FIXED"})
    at.radio(key="explorer_by").set_value("group").run()
    assert not at.exception
    assert [t["name"] for t in figures(at)[0]["data"]] == ["隐患整治（处，2项合计）"]
    assert at.query_params["by"] == "group"


def test_explorer_month_range_limits_the_chart(store_path):
    at = open_page(EXPLORER, {"metrics": "F05_DISSUADE_SESSIONS"})
    at.select_slider(key="flt_range").set_value(("2024-12", "2025-02")).run()
    assert not at.exception
    assert figures(at)[0]["data"][0]["x"] == ["2024年12月", "2025年1月", "2025年2月"]
    assert (at.query_params["from"], at.query_params["to"]) == ("2024-12", "2025-02")


# --- Targets (reviewers and admins) -------------------------------------------------------------------


def test_targets_page_asks_for_a_reviewer(store_path):
    at = open_page(TARGETS)
    assert not any(n.key and n.key.startswith("target_value_") for n in at.number_input)
    assert [i.value for i in at.info] == ["此页面需要「审核」及以上权限，请先登录。"]
    editor = open_page(TARGETS, store_path=store_path, role="editor")
    assert any("无权限" in w.value for w in editor.warning)
    assert not editor.get("plotly_chart")


def test_admin_sets_a_target_and_the_trajectory_follows(store_path):
    at = open_page(TARGETS, store_path=store_path, role="admin")
    at.selectbox(key="target_metric").select("F05_DISSUADE_SESSIONS").run()
    at.number_input(key="target_value_F05_DISSUADE_SESSIONS").set_value(6000.0)
    at.selectbox(key="target_month_F05_DISSUADE_SESSIONS").select("2025-12")
    at.button(key="target_submit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert rows(
        store_path,
        "select target_value, strftime(target_month, '%Y-%m'), set_by from current_targets where metric_code = ?",
        ["F05_DISSUADE_SESSIONS"],
    ) == [(6000.0, "2025-12", "test_admin")]
    assert rows(store_path, "select detail from audit_log where action = 'target'") == [
        ("头盔劝导场次 目标：无 → 6,000场次（2025年12月）",)
    ]
    preview = figures(at)[0]
    trajectory = next(t for t in preview["data"] if t["name"] == "进度线")
    assert (trajectory["x"][-1], values(trajectory["y"])[-1]) == ("2025年12月", 6000)


def test_admin_sets_a_deadline_and_the_finding_turns_overdue(store_path):
    at = open_page(TARGETS, store_path=store_path, role="admin")
    at.selectbox(key="plan_finding").select("F03").run()
    at.date_input(key="plan_deadline_F03").set_value(dt.date(2025, 1, 31))
    at.text_input(key="plan_leader_F03").input("李副局长")
    at.button(key="plan_submit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert rows(store_path, "select deadline, responsible_leader from findings where finding_code = 'F03'") == [
        (dt.date(2025, 1, 31), "李副局长")
    ]
    assert rows(store_path, "select user_name, detail from audit_log where action = 'finding_plan'") == [
        ("test_admin", "整改期限：无 → 2025-01-31；责任领导：无 → 李副局长")
    ]
    at.switch_page(OVERVIEW).run()
    assert tiles(at)["逾期（项）"] == "1"
    assert list(table(open_tab(at, "需要关注"), "类别")["问题"])[0] == "问题03"


@pytest.mark.parametrize("page", [OVERVIEW, DETAIL, EXPLORER])
def test_pages_run_on_a_store_without_demo_data(empty_store_path, page):
    at = open_page(page)
    assert not any("示例数据" in w.value for w in at.warning)
    assert at.get("plotly_chart")
    for fig in figures(at):
        assert "示例数据" not in fig["layout"]["title"]["subtitle"]["text"]


def test_finding_detail_shows_each_metrics_definition(store_path):
    at = open_page(DETAIL, {"finding": "F16"})
    texts = [t.value for t in at.text]
    assert any(t.startswith("口径：一校 = 监控存储已达90天的一所学校；通报只报") for t in texts)
    assert sum(t.startswith("口径：") for t in texts) == 7  # one per metric of 问题16
    fig = next(f for f in figures(at) if "监控存储达90天学校" in f["layout"]["title"]["text"])
    assert any("口径：" in str(point) for trace in fig["data"] for point in (trace.get("customdata") or []))


def test_explorer_counts_the_same_event_once(store_path):
    at = open_page(EXPLORER, {"metrics": "F12_JOINT_INSPECTIONS,F17_RENTAL_INSPECTIONS", "measure": "cumulative"})
    at.radio(key="explorer_by").set_value("group").run()
    assert not at.exception
    fig = figures(at)[0]
    assert [t["name"] for t in fig["data"]] == ["督导检查（次，1项合计）"]
    assert values(fig["data"][0]["y"])[-1] == 79  # not 158: 问题12 and 问题17 report the same inspections
    assert any(t.value.startswith("同一事项只计一次：问题17") for t in at.text)
    definitions = next(d.value for d in at.dataframe if "口径" in d.value.columns)
    assert definitions["口径"].str.contains("同一批").all()


# --- issue 8: the month the overview opens on, tiles, links and blank cells ----------------------------


def _import_figures(store_path: Path, rows: list[tuple[str, str, float]]) -> None:
    from rectification import ingest

    lines = ["月份,指标编码,指标名称,单位,数值,备注"] + [f"{m},{code},,,{value:g}," for m, code, value in rows]
    con = store.connect(store_path)
    try:
        ingest.import_file(con, ("\n".join(lines) + "\n").encode("utf-8"), "月报.csv", user="test")
    finally:
        con.close()


def shown_cells(frame) -> list[str]:
    """What a dataframe's cells read on the page: a Styler's display values, else the values as text."""
    import pyarrow as pa

    display = frame.proto.arrow_data.styler.display_values
    if display:
        return [str(v) for v in pa.ipc.open_stream(display).read_pandas().to_numpy().ravel()]
    value = frame.value
    if frame.proto.column_order:  # only the columns the page shows
        value = value[[c for c in frame.proto.column_order if c in value.columns]]
    return [str(v) for v in value.astype(object).to_numpy().ravel()]


def test_overview_opens_on_the_latest_substantially_reported_month(store_path):
    _import_figures(store_path, [("2025-06", "F05_DISSUADE_SESSIONS", 120)])
    at = open_page(OVERVIEW)
    assert at.selectbox(key="flt_as_of").value == "2025-03"
    assert "2025年6月" in at.selectbox(key="flt_as_of").options  # the user may move forward
    assert any("2025年6月仅 1 个指标已上报" in c.value for c in at.caption)
    assert tiles(at)["已销号（项）"] == "19"
    assert "本月无数据" not in set(table(open_tab(at, "需要关注"), "类别")["类别"])


def test_overview_tiles_partition_the_findings_with_an_overdue_one(store_path):
    from rectification.core.vocabulary import ONGOING
    from rectification.outputs.briefing.content import load
    from rectification.rules.statuses import status_counts
    from rectification.workflow import targets

    con = store.connect(store_path)
    data = load(con)
    ongoing = status_counts(data, data.findings, "2025-03")[ONGOING]
    targets.set_finding_plan(
        con, "F03", deadline=dt.date(2025, 1, 31), leader=None, department="交警大队", user=account(con, "admin")
    )
    con.close()
    at = open_page(OVERVIEW)
    shown = tiles(at)
    assert (shown["逾期（项）"], shown["推进中（项）"]) == ("1", str(ongoing - 1))  # F03 under 逾期 only
    parts = sum(int(shown[f"{k}（项）"]) for k in ("已销号", "待审核", "推进中", "长期坚持", "逾期"))
    assert parts == 56  # with 未启动 0: every finding counted once


def test_overview_zero_change_is_neutral(store_path):
    at = open_page(OVERVIEW, {"asof": "2025-02"})
    by_label = {m.label: m for m in at.metric}
    unchanged = [m for label, m in by_label.items() if label.endswith("（项）") and m.proto.delta in ("±0", "")]
    assert unchanged, {label: m.proto.delta for label, m in by_label.items()}
    for m in at.metric:
        assert m.proto.delta not in ("0", "+0", "-0") and not m.proto.delta.startswith("+0 ")


def test_attention_links_carry_the_view_and_blank_cells_stay_blank(store_path):
    _import_figures(store_path, [("2025-04", "F05_DISSUADE_SESSIONS", 100)])
    at = open_page(OVERVIEW, {"asof": "2025-04", "from": "2024-10", "dept": "交警大队", "tab": "需要关注"})
    frame = table(at, "类别")
    links = set(frame["详情"])
    assert (
        "finding_detail?programme=HL-XC-2024&dept=%E4%BA%A4%E8%AD%A6%E5%A4%A7%E9%98%9F&from=2024-10&to=2025-04&asof=2025-04&finding=F05"
        in links
    )
    everyone = open_page(OVERVIEW, {"asof": "2025-04", "tab": "需要关注"})
    attention = next(d for d in everyone.dataframe if "类别" in d.value.columns)
    assert "综合" in set(attention.value["问题"])  # a metric of no finding: no link
    cells = shown_cells(attention)
    assert not any(c in ("None", "nan", "<NA>") for c in cells), [c for c in cells if c in ("None", "nan")]


@pytest.mark.parametrize(
    ("search", "first", "among"),
    [
        ("视频", None, "长期L1"),
        ("长期1", "长期L1", None),
        ("L1", "长期L1", None),
        ("长期L2", "长期L2", None),
        ("夜查", None, "问题52"),
    ],
)
def test_finding_detail_search_finds_metrics_measures_and_long_term_items(store_path, search, first, among):
    at = open_page(DETAIL)
    at.text_input(key="finding_search").input(search).run()
    assert not at.exception
    labels = [o.split("　")[0] for o in at.selectbox(key="finding").options]
    if first:
        assert labels[0] == first
    if among:
        assert among in labels  # 一类视频卡口修复率 is L1's metric; 夜查 is in F52's measures


def test_finding_detail_search_lists_several_matches_before_opening_one(store_path):
    """Issue 17 item 16: 视频 is in F32's training measure and in L1: both are listed with where they
    matched, none is opened until one is picked, and the pick opens it."""
    at = open_page(DETAIL, {"finding": "F05"})
    at.text_input(key="finding_search").input("视频").run()
    assert not at.exception
    assert "找到 2 项：" in [t.value for t in at.text]
    listed = [t.value for t in at.text if t.value.startswith(("问题32　", "长期L1　"))]
    assert listed == [
        "问题32　构建“训考-审查-教育”三位一体公务用枪管理体系，通过常态化组织实弹射击培训考核、建立配枪民警动态审查机制、及时清理不…",
        "长期L1　强化智慧公安基础建设",
    ]
    captions = [c.value for c in at.caption if c.value.startswith("匹配")]
    assert captions[0] == "匹配：整改措施「三是」：…及警情处置枪支使用指引的视频微课程共2轮次264人次…"
    assert captions[1].startswith("匹配：整改措施「三是」：积极推进多个一类视频治安卡口修复")
    assert captions[1].endswith("指标「一类视频卡口修复率」")
    picker = at.selectbox(key="finding")
    assert picker.value is None and [o.split("　")[0] for o in picker.options] == ["问题32", "长期L1"]
    assert not at.get("plotly_chart")  # nothing opened
    assert "finding" not in at.query_params
    picker.select("L1").run()
    assert not at.exception
    assert at.selectbox(key="finding").value == "L1"
    assert titles(at)[0] == "长期L1 逐月整改状态"
    assert at.query_params["finding"] == "L1"


@pytest.mark.parametrize(
    ("search", "opened", "where"), [("5", "F05", "匹配：问题编号"), ("夜查", "F52", "匹配：整改措施「二是」：")]
)
def test_finding_detail_search_opens_a_number_or_a_single_match_and_says_where(store_path, search, opened, where):
    at = open_page(DETAIL, {"finding": "F12"})
    at.text_input(key="finding_search").input(search).run()
    assert not at.exception
    assert at.selectbox(key="finding").value == opened
    assert at.query_params["finding"] == opened
    assert any(c.value.startswith(where) for c in at.caption), [c.value for c in at.caption]


def test_finding_detail_search_without_hits_clears_the_finding_in_the_link(store_path):
    at = open_page(DETAIL, {"finding": "F05"})
    assert at.query_params["finding"] == "F05"
    at.text_input(key="finding_search").input("没有这样的问题").run()
    assert "finding" not in at.query_params


def test_finding_detail_shows_progress_notes_with_the_reporters_name(store_path):
    from rectification import ingest
    from rectification.workflow import auth

    con = store.connect(store_path)
    auth.create_user(
        con, "clerk", "editor", "clerk-pass-123", display_name="王科员", department="交警大队", actor="test"
    )
    ledger = "月份,问题编号,状态,进展说明\n2025-04,问题03,已完成,庆丰路改造完成\n"
    ingest.import_file(con, ledger.encode("utf-8"), "台账.csv", user="clerk")
    con.close()
    at = open_page(DETAIL, {"finding": "F03", "asof": "2025-04"})
    assert "2025年4月（王科员，已完成）：庆丰路改造完成" in [t.value for t in at.text]
    history = table(at, "进展说明")  # not inside a collapsed expander
    assert list(history["上报人"])[0] == "王科员"
    assert not any(e.label.startswith("状态上报记录") for e in at.expander)


def test_editor_is_told_the_annotation_was_saved(store_path):
    at = open_page(DETAIL, {"finding": "F05"}, store_path=store_path, role="editor", department="交警大队")
    at.text_area(key="annotation_text").input("4月起开展夜查行动")
    at.button(key="annotation_submit").click().run()
    assert not at.exception
    assert any("注释已保存" in s.value for s in at.success)


def test_finding_detail_tables_show_blank_not_none(store_path):
    at = open_page(DETAIL, {"finding": "F05"})
    for frame in at.dataframe:
        cells = shown_cells(frame)
        assert not any(c in ("None", "nan", "NaN", "<NA>") for c in cells), frame.value.columns


@pytest.mark.parametrize(
    "page",
    [OVERVIEW, DETAIL, EXPLORER, TARGETS, "ui/views/data_admin.py", "ui/views/catalogue.py", "ui/views/admin_users.py",
     "ui/views/audit_log.py"],
)  # fmt: skip
def test_no_table_shows_none_or_nan(store_path, page):
    _import_figures(store_path, [("2025-04", "F05_DISSUADE_SESSIONS", 100)])  # an upload: a row without rollback
    con = store.connect(store_path)
    auth.create_user(con, "never_signed_in", "viewer", "a-password-2026", actor="test")  # no last sign-in
    con.close()
    at = open_page(page, {"asof": "2025-04"}, store_path=store_path, role="admin")
    for frame in at.dataframe:
        cells = shown_cells(frame)
        assert not [c for c in cells if c in ("None", "nan", "NaN", "<NA>", "NaT")], list(frame.value.columns)


def test_finding_detail_says_which_day_its_badge_judges_the_deadline_by(store_path):
    from rectification.workflow import targets

    # Due ten days after the latest data month: 预警 as of that month's end, long overdue today.
    con = store.connect(store_path)
    targets.set_finding_plan(
        con, "F03", deadline=dt.date(2025, 4, 10), leader=None, department="交警大队", user=account(con, "admin")
    )
    con.close()
    at = open_page(DETAIL, {"finding": "F03"})
    badge = next(m.value for m in at.markdown if "剩余 10 天" in m.value)
    assert "按2025年3月末判断" in badge and "整改期限的当前情况见「销号」" in badge
    assert any("整改期限逾期" in m.value for m in at.markdown)  # today's warning, under 销号


def test_overview_counts_a_sign_off_made_today_and_says_so(store_path):
    from rectification.workflow import closure
    from support import TEST_PASSWORD

    con = store.connect(store_path)
    auth.create_user(con, "ed17", "editor", TEST_PASSWORD, department="交警大队")
    auth.create_user(con, "rev17", "reviewer", TEST_PASSWORD)
    closure.submit(con, "F03", note="整改完成", user="ed17")
    closure.approve(con, "F03", user="rev17")  # dated today, long after the default month's end
    con.close()
    at = open_page(OVERVIEW)
    assert at.selectbox(key="flt_as_of").value == "2025-03"
    assert tiles(at)["已销号（项）"] == "20"
    assert tiles(at)["完成率"] == "74%"
    today = dt.date.today()
    cut = f"销号情况截至 {today.year}年{today.month}月{today.day}日"
    assert any(cut in c.value for c in at.caption)
    assert any("完成率 74%（20 / 27 项，不含长期坚持）" in c.value for c in at.caption)
    assert cut in figures(at)[0]["layout"]["title"]["subtitle"]["text"]
    helps = {m.label: m.help for m in at.metric}
    assert "其中 29 项的状态据原文措辞归纳，待整改办确认" in helps["长期坚持（项）"]
    assert "据原文措辞归纳" not in helps["逾期（项）"]
    # a past month counts the closures of its own month: the sign-off is not in February
    past = open_page(OVERVIEW, {"asof": "2025-02"})
    assert tiles(past)["已销号（项）"] == "17"
    assert any("销号情况截至 2月28日" in c.value for c in past.caption)


def test_finding_detail_search_matches_are_plain_text(store_path):
    # 定点执法+路段流动巡查 (F05's title): the + is shown as typed, not read as markdown
    at = open_page(DETAIL)
    at.text_input(key="finding_search").input("执法+路段").run()
    assert not at.exception
    assert at.selectbox(key="finding").value == "F05"
    assert "匹配：问题原文：…法行动及实施重点路口定点执法\\+路段流动巡查等方式构建“查宣…" in [
        c.value for c in at.caption
    ]
