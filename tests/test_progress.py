"""The status rule at its boundaries, the trajectory, the headline outcomes and the 需要关注 list."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from rectification import ingest
from rectification.core import vocabulary
from rectification.core.months import add_months
from rectification.core.vocabulary import CLOSED, LONG_TERM, NOT_STARTED, ONGOING, OVERDUE
from rectification.outputs.briefing.content import briefing_filters, load
from rectification.rules import deadline_levels
from rectification.rules.attention import attention, month_changes
from rectification.rules.data import Data, Filters, filter_metrics, resolve
from rectification.rules.explorer import explorer_series
from rectification.rules.headlines import approximate_marker, headline_metrics, headlines
from rectification.rules.overview import overview
from rectification.rules.rag import (
    GREEN,
    GREY,
    RED,
    YELLOW,
    deadline_rule,
    finding_rag,
    metric_rag,
    metric_status,
    rag_rule,
    reference_date,
    trajectory_value,
)
from rectification.rules.statuses import (
    closure_cutoff,
    closure_cutoff_text,
    closure_note,
    completion_rate_text,
    completion_text,
    status_counts,
    status_grid,
    unconfirmed_counts,
)
from rectification.rules.suspicions import suspicious
from rectification.rules.text import approximate_text, gap_text, number_with_unit, position_text
from rectification.workflow import targets
from support import account, add_night_check_metric

REF = dt.date(2025, 6, 30)


# --- The status rule -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actual", "expected", "rag"),
    [
        (100, 100, GREEN),  # on the trajectory
        (120, 100, GREEN),  # above it
        (99.99, 100, YELLOW),  # just below
        (90, 100, YELLOW),  # exactly 10% below: still 黄
        (89.99, 100, RED),  # beyond 10% below
        (0, 100, RED),
    ],
)
def test_metric_rag_against_trajectory(actual, expected, rag):
    due = REF + dt.timedelta(days=90)
    assert metric_rag(actual, expected, target=200, due=due, ref=REF)[0] == rag


def test_metric_rag_deadline_boundaries():
    on_track = dict(target=200, ref=REF)
    # yellow from the deadline 预警 setting (10 days by default), as 需要关注 and the 催办单 warn
    assert metric_rag(150, 150, due=REF + dt.timedelta(days=11), **on_track)[0] == GREEN
    assert metric_rag(150, 150, due=REF + dt.timedelta(days=10), **on_track) == (
        YELLOW,
        "预警：目标期限 2025-07-10，剩余 10 天",
    )
    assert metric_rag(150, 150, due=REF, **on_track)[0] == YELLOW  # due today, not yet late
    rag, reason = metric_rag(199, 150, due=REF - dt.timedelta(days=1), **on_track)
    assert (rag, reason) == (RED, "已过目标期限（2025-06-29）仍未达目标")
    # reaching the target ends the question, however late
    assert metric_rag(200, 150, due=REF - dt.timedelta(days=100), **on_track) == (GREEN, "已达目标")


def test_metric_rag_without_target_is_grey():
    assert metric_rag(5, None, target=None, due=None, ref=REF) == (GREY, "未设目标")


def test_trajectory_runs_straight_from_opening_to_target():
    line = dict(opening_value=100, opening_month="2025-03", target_value=1000, target_month="2025-12")
    assert trajectory_value("2025-03", **line) == 100
    assert trajectory_value("2025-06", **line) == 400
    assert trajectory_value("2025-12", **line) == 1000
    assert trajectory_value("2026-06", **line) == 1000  # after the target month: the target
    assert trajectory_value("2024-10", **line) == 100  # before the opening: the opening
    # a target without a month applies at once
    assert trajectory_value("2025-04", **{**line, "target_month": None}) == 1000


def test_finding_rag_boundaries():
    deadline = dt.date(2025, 6, 30)
    common = dict(is_long_term=False, metric_rags=[])
    assert finding_rag("已销号", deadline=deadline, ref=dt.date(2025, 9, 1), **common)[0] == GREEN
    assert finding_rag("推进中", deadline=deadline, ref=dt.date(2025, 7, 1), **common)[0] == RED
    assert finding_rag("推进中", deadline=deadline, ref=deadline, **common)[0] == YELLOW
    assert finding_rag("推进中", deadline=deadline, ref=dt.date(2025, 6, 20), **common) == (
        YELLOW,
        "预警：整改期限 2025-06-30，剩余 10 天",
    )
    assert finding_rag("推进中", deadline=deadline, ref=dt.date(2025, 6, 19), **common)[0] == GREEN
    assert finding_rag("推进中", deadline=None, ref=REF, **common) == (GREY, "未设期限和目标")
    # a long-term item is never overdue; its metrics decide
    long_term = dict(is_long_term=True, deadline=deadline, ref=dt.date(2026, 1, 1))
    assert finding_rag("长期坚持", metric_rags=[GREEN], **long_term)[0] == GREEN
    assert finding_rag("长期坚持", metric_rags=[GREEN, RED, GREY], **long_term)[0] == RED
    assert finding_rag("推进中", deadline=None, ref=REF, is_long_term=False, metric_rags=[YELLOW])[0] == YELLOW


def test_the_yellow_window_is_the_deadline_warning_setting(monkeypatch):
    """Changing RECTIFICATION_DEADLINE_WARNING_DAYS moves the colours, the legend and the deadline
    level together, so the overview, 需要关注, 问题详情 and the 催办单 agree."""
    deadline = dt.date(2025, 6, 30)
    ref = dt.date(2025, 6, 5)  # 25 days left
    common = dict(is_long_term=False, metric_rags=[], deadline=deadline, ref=ref)
    on_track = dict(target=200, ref=ref, due=deadline)
    assert finding_rag("推进中", **common)[0] == GREEN
    assert metric_rag(150, 150, **on_track)[0] == GREEN
    assert "不超过10天" in rag_rule()[YELLOW]
    monkeypatch.setenv("RECTIFICATION_DEADLINE_WARNING_DAYS", "25")
    assert finding_rag("推进中", **common) == (YELLOW, "预警：整改期限 2025-06-30，剩余 25 天")
    assert metric_rag(150, 150, **on_track)[0] == YELLOW
    assert deadline_levels.level(deadline, ref)[0] == vocabulary.WARNING
    assert "不超过25天" in rag_rule()[YELLOW]
    monkeypatch.setenv("RECTIFICATION_DEADLINE_NOTICE_DAYS", "40")
    assert "剩余40天内为临近" in deadline_rule() and "25天内为预警" in deadline_rule()


def test_reference_date_is_month_end_but_never_after_today():
    assert reference_date("2025-03", today=dt.date(2026, 1, 1)) == dt.date(2025, 3, 31)
    assert reference_date("2025-03", today=dt.date(2025, 3, 12)) == dt.date(2025, 3, 12)


# --- Suspicious figures, on a hand-made history ----------------------------------------------------


def _data(history: dict[str, list[float | None]], kind: str = "count", first: str = "2025-01") -> Data:
    rows = []
    for code, values in history.items():
        months = [add_months(first, i) for i in range(len(values))]
        rows += [
            {"month": m, "metric_code": code, "value": v, "cumulative": 0.0, "source": "月报"}
            for m, v in zip(months, values)
        ]
    metrics = pd.DataFrame({"metric_code": list(history), "kind": kind})
    empty = pd.DataFrame()
    return Data(metrics=metrics, monthly=pd.DataFrame(rows), findings=empty, statuses=empty, annotations=empty)


def _flagged(history, kind="count") -> list[str]:
    data = _data(history, kind)
    as_of = add_months("2025-01", max(len(v) for v in history.values()) - 1)
    return list(suspicious(data, data.metrics, as_of).metric_code)


def test_suspicious_jump_beyond_spread_or_three_times_the_largest():
    assert _flagged({"A": [10, 11, 9, 10, 12, 35]}) == ["A"]  # far outside the spread of its history
    assert _flagged({"A": [10, 11, 9, 10, 12, 16]}) == []
    assert _flagged({"A": [2, 2, 2, 7]}) == ["A"]  # no spread: more than 3× the largest month
    assert _flagged({"A": [2, 2, 2, 6]}) == []  # exactly 3×: plausible
    assert _flagged({"A": [0, 0, 0, 1]}) == []  # first activity after quiet months is not a jump
    assert _flagged({"A": [10, 10, 500]}) == []  # too little history to judge


def test_suspicious_repeats_only_for_counts_worth_noticing():
    assert _flagged({"A": [40, 50, 50, 50]}) == ["A"]  # the same figure three months running
    assert _flagged({"A": [50, 50, 49, 50]}) == []
    assert _flagged({"A": [1, 1, 1, 1]}) == []  # one a month is normal
    assert _flagged({"A": [50, 50, 50]}, kind="level") == []  # a state may stay put


def test_suspicious_levels_a_rate_over_100_or_a_fall_on_the_way_to_a_target():
    data = _data({"A": [80, 85, 90, 60], "B": [80, 85, 90, 60], "C": [50, 60, 70, 120]}, kind="level")
    data.metrics["unit"] = ["%", "校", "%"]
    data.metrics["opening_value"] = [80, 80, None]
    data.metrics["target_value"] = [100, None, None]
    frame = suspicious(data, data.metrics, "2025-04")
    assert frame.to_dict("records") == [
        {"metric_code": "A", "detail": "月末值由 90% 降到 60%：该指标朝目标只增不减，请核对"},
        {"metric_code": "C", "detail": "本月 120%，百分比不应超过 100%"},
    ]  # B has no target to head for: a level may fall


def test_suspicious_detail_names_the_repeated_value():
    data = _data({"A": [40, 2629, 2629, 2629]})
    frame = suspicious(data, data.metrics, "2025-04")
    assert frame.to_dict("records") == [{"metric_code": "A", "detail": "连续3个月数值相同（均为 2,629）"}]


# --- On the demo store ---------------------------------------------------------------------------


def _demo(con) -> Data:
    return load(con)


def test_status_counts_on_demo_store(con):
    data = _demo(con)
    counts = status_counts(data, data.findings, "2025-03")
    assert counts == {"已销号": 19, "待审核": 0, "推进中": 8, "长期坚持": 29, "未启动": 0, "逾期": 0, "完成率": 19 / 27}
    section = data.findings[data.findings.section_code == "S2"]
    assert status_counts(data, section, "2025-03")["已销号"] == 8


def test_headlines_show_the_metrics_the_catalogue_names(con):
    data = _demo(con)
    found = {
        h.group_name: (h.name, h.unit, h.cumulative, h.metric_codes) for h in headlines(data, data.metrics, "2025-03")
    }
    hazards = found["隐患整治"]
    assert found == {
        "头盔劝导": ("头盔劝导场次", "场次", 2629, ("F05_DISSUADE_SESSIONS",)),  # not the larger 人次 total
        "隐患整治": ("隐患整改处数", "处", 332, hazards[3]),  # 10 + 8 + 35 + 129 + 6 + 65 + 79
        # the report's only patrol count, not the 2000余 staff sent down to front-line duty
        "巡逻防控": ("义警巡逻行动", "次", 15, ("F01_VOLUNTEER_PATROL_OPERATIONS",)),
        "案件办理": ("醉驾积案移诉及撤案", "宗", 277, ("F24_CASES_TRANSFERRED", "F24_CASES_WITHDRAWN")),
        # disposals only: 3 减册 + 1 报废, not 560 belongings returned, 5 registered, 4 title approvals
        "资产处置": ("固定资产减册及报废", "件", 4, ("F40_ASSETS_WRITTEN_OFF", "F40_ASSETS_SCRAPPED")),
    }
    assert len(hazards[3]) == 7 and "F13_ISSUES_FIXED" not in hazards[3]
    case = next(h for h in headlines(data, data.metrics, "2025-03") if h.group_code == "CASE")
    assert case.breakdown == "醉驾案件移送起诉 128 宗 + 醉驾案件撤案 149 宗 = 277 宗"
    assert case.label.startswith("口径：醉驾积案中已移送审查起诉和已撤案的案件宗数之和")


def test_an_approximate_figure_reads_as_the_report_words_it():
    assert number_with_unit(2000, "人次", "余") == "2,000余 人次"
    assert number_with_unit(700, "个", "约") == "约700 个"
    assert number_with_unit(90, "%") == "90%"
    assert approximate_marker([None, "余"]) == "余"
    assert approximate_marker(["余", "约"]) == "约"
    assert approximate_marker([None, None]) is None


def test_headline_without_a_catalogue_unit_takes_the_most_shared_unit():
    metrics = pd.DataFrame(
        {
            "metric_code": ["A", "B", "C", "D"],
            "group_code": ["G"] * 4,
            "kind": ["count", "count", "count", "level"],
            "unit": ["处", "处", "人次", "%"],
        }
    )
    positions = pd.DataFrame({"metric_code": ["A", "B", "C"], "cumulative": [1.0, 2.0, 900.0]})
    assert list(headline_metrics(metrics, "G", positions).metric_code) == ["A", "B"]
    assert list(headline_metrics(metrics, "G", positions, "人次").metric_code) == ["C"]


def test_resolve_drops_unknown_values_and_caps_the_range_at_as_of(con):
    data = _demo(con)
    resolved = resolve(
        Filters(section="S9", department="交警大队", group="NOPE", start="2019-01", end="2025-03", as_of="2024-12"),
        data,
    )
    assert resolved == Filters(None, "交警大队", None, "2024-08", "2024-12", "2024-12")
    assert resolve(Filters(), data) == Filters(None, None, None, "2024-08", "2025-03", "2025-03")


def _import(con, rows: list[tuple[str, str, float]]) -> None:
    """Figures arrive the way staff send them: the month's form as a CSV, through the real importer."""
    lines = ["月份,指标编码,指标名称,单位,数值,备注"] + [f"{m},{code},,,{value:g}," for m, code, value in rows]
    ingest.import_file(con, ("\n".join(lines) + "\n").encode("utf-8"), "月报.csv", user="test")


def test_attention_lists_overdue_behind_suspicious_and_missing(con):
    targets.set_finding_plan(
        con, "F03", deadline=dt.date(2025, 5, 31), leader="李副局长", department="交警大队", user=account(con, "admin")
    )
    targets.set_target(
        con, metric_code="F05_DISSUADE_SESSIONS", value=10000, month="2025-09", user=account(con, "admin")
    )
    months = ["2025-04", "2025-05", "2025-06"]
    rows = [(m, "F05_DISSUADE_SESSIONS", 100) for m in months]  # far below a line heading to 10,000
    rows += [(m, "F07_LEAFLETS", 300) for m in months]  # the same figure three months running
    rows += [("2025-04", "F05_PERSONS_EDUCATED", 3000), ("2025-05", "F05_PERSONS_EDUCATED", 3200)]
    rows += [("2025-06", "F05_PERSONS_EDUCATED", 90000)]  # an implausible jump
    _import(con, rows)
    data = _demo(con)
    filters = resolve(Filters(as_of="2025-06"), data)
    frame = attention(data, filters, today=dt.date(2026, 1, 1))
    kinds = {
        (r["类别"], r["finding_code"], None if pd.isna(r["metric_code"]) else r["metric_code"])
        for r in frame.to_dict("records")
    }

    assert ("逾期", "F03", None) in kinds
    assert ("落后进度", "F05", "F05_DISSUADE_SESSIONS") in kinds
    assert ("数据存疑", "F07", "F07_LEAFLETS") in kinds
    assert ("数据存疑", "F05", "F05_PERSONS_EDUCATED") in kinds
    # F05 is 长期坚持 and must keep reporting; F02 is 已完成 and need not.
    assert ("本月无数据", "F05", "F05_VILLAGE_CAMPAIGNS") in kinds
    assert not any(code == "F02" and kind == "本月无数据" for kind, code, _ in kinds)
    # most urgent first
    # 长期坚持 items without a progress note this month show as missing
    assert ("长期坚持缺进展", "F05", None) in kinds
    assert list(frame["类别"].drop_duplicates()) == ["逾期", "落后进度", "长期坚持缺进展", "数据存疑", "本月无数据"]
    overdue = frame[frame["类别"] == "逾期"].iloc[0]
    assert overdue["状态"] == RED and overdue["说明"].startswith("整改期限 2025-05-31，已逾期30天")
    assert overdue["说明"].endswith("责任领导：李副局长")


def test_attention_respects_filters(con):
    targets.set_finding_plan(
        con, "F03", deadline=dt.date(2025, 1, 31), leader=None, department="交警大队", user=account(con, "admin")
    )
    data = _demo(con)
    everyone = resolve(Filters(), data)
    other_department = resolve(Filters(department="纪委"), data)
    assert "F03" in set(attention(data, everyone).finding_code)
    assert "F03" not in set(attention(data, other_department).finding_code)


def test_explorer_series_adds_counts_per_unit_by_group(con):
    data = _demo(con)
    filters = resolve(Filters(), data)
    codes = ["F02_DIM_LIGHTING_POINTS_FIXED", "F02_TRUCK_STOP_JUNCTIONS_FIXED", "F05_VILLAGES_COVERED"]
    by_metric = explorer_series(data, codes, filters, measure="cumulative", by="metric")
    assert sorted(by_metric.series.unique()) == [
        "问题02 照明不足点整改",
        "问题02 货车右转必停路口整改",
        "问题05 劝导覆盖村（社区）",
    ]
    by_group = explorer_series(data, codes, filters, measure="cumulative", by="group")
    # the level metric (villages covered) is not added up
    assert list(by_group.series.unique()) == ["隐患整治（处，2项合计）"]
    assert by_group[by_group.month == "2025-03"].y.tolist() == [18]  # 10 + 8


def test_month_changes_lists_status_moves_then_notes(con):
    from rectification.workflow import annotations

    ledger = "月份,问题编号,状态,进展说明\n2025-04,（3）,已完成,庆丰路改造完成\n2025-04,F04,推进中,\n"
    ingest.import_file(con, ledger.encode("utf-8"), "台账.csv", user=account(con, "test"))
    _import(con, [("2025-04", "F05_DISSUADE_SESSIONS", 120)])
    annotations.add(
        con, user=account(con, "张科长"), text="4月起开展夜查行动", month="2025-04", metric_code="F05_DISSUADE_SESSIONS"
    )
    data = _demo(con)

    changes = month_changes(data, resolve(Filters(as_of="2025-04"), data), today=dt.date(2026, 1, 1))
    assert changes[["类别", "问题", "变化"]].values.tolist() == [
        ["状态变化", "问题03", "推进中 → 待审核"],
        ["注释", "问题05", "4月起开展夜查行动（张科长）"],
    ]
    assert changes["事项"].iloc[1] == "头盔劝导场次"

    traffic_only = resolve(Filters(as_of="2025-04", group="ASSET"), data)
    assert month_changes(data, traffic_only, today=dt.date(2026, 1, 1)).empty


def test_a_filtered_view_shows_only_the_named_metrics_it_contains(con):
    """A department that leads no headline metric gets no headline tiles, not a sum of whatever it has."""
    data = _demo(con)
    police = filter_metrics(data.metrics, Filters(department="政工监督室"))
    assert headlines(data, police, "2025-03") == []
    traffic = filter_metrics(data.metrics, Filters(department="交警大队"))
    found = {h.group_code: h.metric_codes for h in headlines(data, traffic, "2025-03")}
    assert found["CASE"] == ("F24_CASES_TRANSFERRED", "F24_CASES_WITHDRAWN")
    assert "F12_FIRE_HAZARDS_FIXED" not in found["HAZARD"] and "ASSET" not in found


# --- issue 8: the month the dashboard opens on, the report month, tiles as a partition ----------------


def test_default_as_of_ignores_one_early_figure_for_a_future_month(con):
    _import(con, [("2025-06", "F05_DISSUADE_SESSIONS", 120)])
    data = _demo(con)
    assert data.latest == "2025-06"
    assert data.default_as_of == "2025-03"
    assert data.later_months("2025-03") == [("2025-06", 1)]
    assert resolve(Filters(), data).as_of == "2025-03"
    assert briefing_filters(data, None).as_of == "2025-03"
    # the user may still move forward
    assert resolve(Filters(as_of="2025-06"), data).as_of == "2025-06"


def test_default_as_of_moves_once_a_month_is_substantially_reported(con):
    data = _demo(con)
    codes = list(data.metrics.metric_code)
    _import(con, [("2025-04", code, 1) for code in codes[: len(codes) // 2 + 1]])
    assert _demo(con).default_as_of == "2025-04"


def test_nothing_is_behind_the_trajectory_before_the_report_month(con):
    targets.set_target(
        con, metric_code="F05_DISSUADE_SESSIONS", value=10000, month="2025-09", user=account(con, "admin")
    )
    data = _demo(con)
    metric = data.metrics[data.metrics.metric_code == "F05_DISSUADE_SESSIONS"]
    before = metric_status(data, metric, "2025-01", dt.date(2026, 1, 1)).iloc[0]
    assert (before.rag, before.reason) == (GREY, "通报基准月（2025年3月）之前，不对照进度线")
    frame = attention(data, resolve(Filters(as_of="2025-01"), data), today=dt.date(2026, 1, 1))
    assert "落后进度" not in set(frame["类别"])
    # from the report's month on, the line applies
    at_report = metric_status(data, metric, "2025-03", dt.date(2026, 1, 1)).iloc[0]
    assert (at_report.rag, at_report.reason) == (GREEN, "符合进度")


def test_a_metric_added_later_is_not_missing_before_it_existed(con):
    code = add_night_check_metric(con, active_from="2025-05")
    _import(con, [(m, "F05_DISSUADE_SESSIONS", 100) for m in ("2025-04", "2025-05")])
    data = _demo(con)
    assert data.metrics.set_index("metric_code").active_from[code] == "2025-05"

    def missing(month: str) -> set[str]:
        frame = attention(data, resolve(Filters(as_of=month), data), today=dt.date(2026, 1, 1))
        return set(frame[frame["类别"] == "本月无数据"].metric_code)

    assert code not in missing("2025-04")
    assert code in missing("2025-05")


def test_status_tiles_partition_the_findings_when_one_is_overdue(con):
    before = status_counts(_demo(con), _demo(con).findings, "2025-03")
    targets.set_finding_plan(
        con, "F03", deadline=dt.date(2025, 1, 31), leader=None, department="交警大队", user=account(con, "admin")
    )
    data = _demo(con)
    counts = status_counts(data, data.findings, "2025-03")
    assert counts[OVERDUE] == 1
    assert counts[ONGOING] == before[ONGOING] - 1  # F03 counts under 逾期 only
    parts = [CLOSED, ONGOING, LONG_TERM, NOT_STARTED, OVERDUE]
    assert sum(counts[k] for k in parts) == len(data.findings) == 56


# --- Issue 17: closures on the current view, confirmed statuses, figures as the report words them ---


def _sign_off(con, code: str = "F03", department: str = "交警大队", today: dt.date | None = None) -> None:
    """A real 销号: the lead department's editor submits, a reviewer approves (dated `today`)."""
    from rectification.workflow import auth, closure
    from support import TEST_PASSWORD

    auth.create_user(con, "ed17", "editor", TEST_PASSWORD, department=department)
    auth.create_user(con, "rev17", "reviewer", TEST_PASSWORD)
    closure.submit(con, code, note="整改完成", user="ed17", today=today)
    closure.approve(con, code, user="rev17", today=today)


def test_closure_cutoff_is_today_on_the_current_view_and_the_month_end_before():
    statuses = pd.DataFrame(
        {"finding_code": ["F"] * 3, "month": ["2026-09", "2026-10", "2026-11"], "is_reported": [True] * 3}
    )
    data = Data(
        metrics=pd.DataFrame(columns=["metric_code", "value"]),
        monthly=pd.DataFrame(columns=["month", "metric_code", "value"]),
        findings=pd.DataFrame(),
        statuses=statuses,
        annotations=pd.DataFrame(),
    )
    today = dt.date(2026, 12, 2)
    assert data.default_as_of == "2026-11"
    assert closure_cutoff(data, "2026-11", today) == today
    assert closure_cutoff_text(data, "2026-11", today) == "销号情况截至 12月2日"
    assert closure_note(data, "2026-11", today) == "销号情况截至 12月2日"
    assert closure_cutoff(data, "2026-10", today) == dt.date(2026, 10, 31)
    assert closure_cutoff_text(data, "2026-10", today) == "销号情况截至 10月31日"
    assert closure_note(data, "2026-10", today) is None
    assert closure_cutoff_text(data, "2026-11", dt.date(2027, 1, 5)) == "销号情况截至 2027年1月5日"


def test_a_sign_off_today_counts_on_the_default_view_not_on_a_past_month(con):
    today = dt.date.today()
    _sign_off(con, today=today)
    data = _demo(con)
    assert data.default_as_of == "2025-03"  # the sign-off is dated this month, long after the data
    now = status_counts(data, data.findings, "2025-03", today)
    assert (now["已销号"], now["推进中"]) == (20, 7)
    earlier = status_counts(data, data.findings, "2025-02", today)
    assert earlier["已销号"] == status_counts(_demo_without_events(data), data.findings, "2025-02")["已销号"]
    # 较上月 on the default view compares with last month's end, so the tile moves by the sign-off
    view = overview(data, resolve(Filters(), data), today)
    assert view.now["已销号"] - view.before["已销号"] >= 1
    grid = status_grid(data, data.findings[data.findings.finding_code == "F03"], ["2025-02", "2025-03"], today)
    assert list(grid.status) == ["推进中", "已销号"]


def _demo_without_events(data: Data) -> Data:
    return Data(data.metrics, data.monthly, data.findings, data.statuses, data.annotations, pd.DataFrame())


def test_statuses_are_unconfirmed_until_a_ledger_or_a_closure_step(con):
    data = _demo(con)
    assert unconfirmed_counts(data, data.findings, "2025-03") == {"长期坚持": 29, "已销号": 19, "推进中": 8}
    ledger = "月份,问题编号,状态,进展说明\n2025-04,F04,推进中,庆丰路施工中\n"
    ingest.import_file(con, ledger.encode("utf-8"), "台账.csv", user="test")
    _sign_off(con)
    data = _demo(con)
    grid = status_grid(data, data.findings, ["2025-04"], dt.date.today()).set_index("finding_code")
    assert grid.confirmed["F04"] and grid.confirmed["F03"]  # a ledger row; a 销号 decision
    assert not grid.confirmed["F05"] and not grid.confirmed["F01"]  # the report's reading, its 已完成 too
    march = status_grid(data, data.findings, ["2025-03"], dt.date(2025, 3, 31)).set_index("finding_code")
    assert not march.confirmed["F04"]  # the ledger confirms from its own month on


def test_completion_rate_reads_with_its_denominator(con):
    data = _demo(con)
    counts = status_counts(data, data.findings, "2025-03")
    assert completion_text(counts) == "19 / 27 项，不含长期坚持"
    assert completion_rate_text(counts) == "完成率 70%（19 / 27 项，不含长期坚持）"


def test_a_difference_of_rates_is_in_points_and_a_rounded_figure_keeps_its_marker():
    assert number_with_unit(5.4, "%", difference=True, signed=True) == "+5.4 个百分点"
    assert number_with_unit(-3, "%", difference=True, signed=True) == "-3 个百分点"
    assert number_with_unit(43, "处", difference=True, signed=True) == "+43 处"
    assert number_with_unit(2000, "人次", "余") == "2,000余 人次"
    assert approximate_text("2000", "余") == "2000余"
    assert gap_text(90, 100, "%") == "差 10 个百分点"
    assert gap_text(120, 136, "宗") == "差 16 宗（12%）"
    assert position_text(90, 100, "%", kind="level") == "当前 90%，进度线 100%，差 10 个百分点"
    assert metric_rag(90, 100, target=100, due=None, ref=dt.date(2025, 3, 31), unit="%") == (
        YELLOW,
        "略低于进度线（差 10 个百分点）",
    )


def test_attention_words_a_rate_behind_its_line_in_points(con):
    data = _demo(con)
    frame = attention(data, resolve(Filters(), data), dt.date(2025, 3, 31))
    assert frame["说明"].tolist() == [
        "低于进度线：当前 0 校，进度线 31 校，差 31 校（100%）；目标 31 校",
        "略低于进度线：当前 90%，进度线 100%，差 10 个百分点；目标 100%",  # not 「累计 90%」「低于进度线 10%」
    ]
