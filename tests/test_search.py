"""问题详情's search (issue 17 item 16): which findings a search finds and where in each it matched."""

from __future__ import annotations

import pandas as pd
import pytest

from rectification.core import store
from rectification.rules.data import load
from rectification.rules.search import search_findings, search_hits


@pytest.fixture
def catalogue(con):
    data = load(lambda name, **params: store.query(con, name, **params))
    return data.findings, data.metrics, store.query(con, "catalogue_measures")


def hits(catalogue, text: str) -> list[tuple[str, str, str]]:
    return list(search_hits(*catalogue, text).itertuples(index=False, name=None))


def test_search_hits_say_where_each_finding_matched(catalogue):
    # 视频: F32's training measure and L1's measures and metric, not only "F32" as the first hit
    assert hits(catalogue, "视频") == [
        ("F32", "整改措施「三是」", "…及警情处置枪支使用指引的视频微课程共2轮次264人次…"),
        ("L1", "整改措施「三是」", "积极推进多个一类视频治安卡口修复，现已修复9…"),
        ("L1", "整改措施「四是」", "积极敦促维护公司及时制定视频设备定期巡查检查维护机制…"),
        ("L1", "整改措施「六是」", "…镇党委政府支持，开展补点视频建设项目，目前设计单位完…"),
        ("L1", "指标「一类视频卡口修复率」", ""),
    ]


def test_search_hits_for_a_number_are_the_finding_and_titles_only(catalogue):
    # a bare number is a finding's number (and a title that says it), not every "12" in the measures
    assert hits(catalogue, "12") == [
        ("F12", "问题编号", ""),
        ("F16", "问题原文", "…常态值守，联动多部门完成12校交通管制布控、31校监…"),
    ]
    assert hits(catalogue, "长期1") == [("L1", "问题编号", "")]
    assert hits(catalogue, " 问题07 ") == [("F07", "问题编号", "")]
    assert hits(catalogue, "   ") == []


def test_search_findings_puts_the_numbered_finding_first(catalogue):
    found = search_findings(*catalogue, "12")
    assert list(found.finding_code) == ["F12", "F16"]
    assert list(search_findings(*catalogue, "视频").finding_code) == ["F32", "L1"]
    assert search_findings(*catalogue, "没有这样的问题").empty


def test_search_hits_on_another_catalogue():
    """Not only the report's: codes, labels and text of a small made-up catalogue."""
    findings = pd.DataFrame(
        {
            "finding_code": ["A1", "A2"],
            "report_number": [1, None],
            "title": ["门禁系统老化", "巡逻不到位"],
        }
    )
    measures = pd.DataFrame(
        {
            "finding_code": ["A2", "A2"],
            "ordinal": ["1", "2"],
            "ordinal_label": [None, "二是"],
            "text": ["更换门禁", "夜间巡逻"],
        }
    )
    metrics = pd.DataFrame({"finding_code": ["A1", None], "metric_name": ["门禁更换数", "门禁总数"]})
    found = search_hits(findings, metrics, measures, "门禁")
    assert list(found.itertuples(index=False, name=None)) == [
        ("A1", "问题原文", "门禁系统老化"),
        ("A1", "指标「门禁更换数」", ""),
        ("A2", "整改措施「第1条」", "更换门禁"),
    ]
    long_text = "甲" * 30 + "门禁" + "乙" * 30
    snippet = search_hits(findings.assign(title=[long_text, "无"]), metrics[:0], measures[:0], "门禁")
    assert list(snippet.snippet) == ["…" + "甲" * 12 + "门禁" + "乙" * 12 + "…"]
