"""Integrity checks for the reviewed data catalogue (data/catalogue/*.csv).

Every check here is tied to the source document data/source/report.txt: titles,
measure texts, status phrases and metric quotes must be verbatim substrings of it,
so an edit that drifts from the report (or a broken regeneration) fails loudly.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "data" / "catalogue"
REPORT = ROOT / "data" / "source" / "report.txt"

HEADERS = {
    "sections.csv": ["section_code", "ordinal", "title"],
    "themes.csv": ["theme_code", "section_code", "ordinal", "title"],
    "findings.csv": [
        "finding_code",
        "report_number",
        "section_code",
        "theme_code",
        "title",
        "lead_department",
        "responsible_leader",
        "deadline",
        "is_long_term",
        "status",
        "status_basis",
    ],
    "measures.csv": ["finding_code", "ordinal", "ordinal_label", "text"],
    "outcome_groups.csv": [
        "group_code",
        "ordinal",
        "name",
        "is_headline",
        "headline_unit",
        "headline_title",
        "headline_definition",
    ],
    "headline_metrics.csv": ["group_code", "ordinal", "metric_code"],
    "metrics.csv": [
        "metric_code",
        "finding_code",
        "ordinal",
        "name",
        "unit",
        "kind",
        "group_code",
        "opening_value",
        "target_value",
        "target_month",
        "source_quote",
        "approximate",
        "same_as",
        "definition",
    ],
}
STATUSES = {"未启动", "推进中", "已完成", "长期坚持"}
HEADLINE_GROUPS = ["HELMET", "HAZARD", "PATROL", "CASE", "ASSET"]
CN_ORDINALS = "一二三四五六七八九十"
CN_SMALL = {
    1: {"一"},
    2: {"两", "二"},
    3: {"三"},
    4: {"四"},
    5: {"五"},
    6: {"六"},
    7: {"七"},
    8: {"八"},
    9: {"九"},
    10: {"十"},
}
DEPARTMENTS = {
    "交警大队",
    "法制大队",
    "政工监督室",
    "装财部门",
    "治安部门",
    "刑侦大队",
    "执法办案管理中心",
    "派出所",
    "纪委",
    "涉案财物管理中心",
    "情指中心",
}
FINDING_CODES = [f"F{n:02d}" for n in range(1, 55)] + ["L1", "L2"]


def _read(name: str) -> list[dict[str, str]]:
    with open(CATALOGUE / name, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == HEADERS[name], f"{name}: header {reader.fieldnames}"
        return list(reader)


@pytest.fixture(scope="module")
def report() -> str:
    return REPORT.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def sections():
    return _read("sections.csv")


@pytest.fixture(scope="module")
def themes():
    return _read("themes.csv")


@pytest.fixture(scope="module")
def findings():
    return _read("findings.csv")


@pytest.fixture(scope="module")
def measures():
    return _read("measures.csv")


@pytest.fixture(scope="module")
def groups():
    return _read("outcome_groups.csv")


@pytest.fixture(scope="module")
def metrics():
    return _read("metrics.csv")


@pytest.fixture(scope="module")
def headline_members():
    return _read("headline_metrics.csv")


@pytest.fixture(scope="module")
def metric_by_code(metrics):
    return {m["metric_code"]: m for m in metrics}


def _num(value: str) -> float:
    return float(value)


def _is_number(value: str) -> bool:
    return re.fullmatch(r"\d+(\.\d+)?", value) is not None


# ---------------------------------------------------------------- files


@pytest.mark.parametrize("name", sorted(HEADERS))
def test_file_encoding_and_newlines(name):
    raw = (CATALOGUE / name).read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), f"{name} has a BOM"
    assert b"\r" not in raw, f"{name} has CR characters"
    assert raw.endswith(b"\n")
    raw.decode("utf-8")
    assert b"[bookmark" not in raw, f"{name} carries a Word artifact"


# ---------------------------------------------------------------- sections / themes


def test_sections(sections, report):
    assert [s["section_code"] for s in sections] == ["S1", "S2", "S3", "S4", "SL"]
    assert [int(s["ordinal"]) for s in sections] == [1, 2, 3, 4, 5]
    for s in sections[:4]:
        assert f"{CN_ORDINALS[int(s['ordinal']) - 1]}）{s['title']}\n" in report
    assert sections[0]["title"] == "聚焦贯彻落实习近平新时代中国特色社会主义思想，推动公安工作高质量发展方面"
    assert sections[4]["title"] == "需长期整改事项"


def test_themes(themes, sections, report):
    section_codes = {s["section_code"] for s in sections}
    codes = [t["theme_code"] for t in themes]
    assert len(codes) == len(set(codes))
    per_section = defaultdict(list)
    for t in themes:
        assert re.fullmatch(r"S[1-4]T\d{2}", t["theme_code"])
        assert t["section_code"] in section_codes
        assert t["theme_code"].startswith(t["section_code"] + "T")
        assert int(t["theme_code"][-2:]) == int(t["ordinal"])
        assert f"\n{t['ordinal']}.{t['title']}\n" in report
        per_section[t["section_code"]].append(int(t["ordinal"]))
    for code, ordinals in per_section.items():
        assert ordinals == list(range(1, len(ordinals) + 1)), code
    assert {k: len(v) for k, v in per_section.items()} == {"S1": 13, "S2": 15, "S3": 7, "S4": 2}


# ---------------------------------------------------------------- findings


def test_finding_codes_and_numbers(findings):
    assert [f["finding_code"] for f in findings] == FINDING_CODES
    for f in findings[:54]:
        assert int(f["report_number"]) == int(f["finding_code"][1:])
        assert f["is_long_term"] == "false"
    for f in findings[54:]:
        assert f["report_number"] == ""
        assert f["section_code"] == "SL"
        assert f["theme_code"] == ""
        assert f["is_long_term"] == "true"
    assert findings[54]["title"] == "强化智慧公安基础建设"
    assert findings[55]["title"] == "持续抓好“三非”案件行政处罚的后续执行情况"


def test_finding_section_and_theme_exist(findings, sections, themes):
    section_codes = {s["section_code"] for s in sections}
    theme_section = {t["theme_code"]: t["section_code"] for t in themes}
    for f in findings:
        assert f["section_code"] in section_codes, f["finding_code"]
        if f["is_long_term"] == "false":
            assert f["theme_code"] in theme_section, f["finding_code"]
            assert theme_section[f["theme_code"]] == f["section_code"], f["finding_code"]


def test_finding_titles_verbatim(findings, report):
    for f in findings:
        title = f["title"]
        assert title and title == title.strip()
        if f["report_number"]:
            assert f"（{f['report_number']}）{title}\n" in report, f["finding_code"]
        else:
            assert f"）{title}\n" in report, f["finding_code"]


def test_finding_status_and_fields(findings, report):
    for f in findings:
        assert f["status"] in STATUSES, f["finding_code"]
        assert f["status_basis"], f["finding_code"]
        assert f["status_basis"] in report, f["finding_code"]
        assert f["lead_department"] == "" or f["lead_department"] in DEPARTMENTS
        # the report names no responsible person and no deadline
        assert f["responsible_leader"] == ""
        assert f["deadline"] == "" or re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", f["deadline"])
    by_code = {f["finding_code"]: f for f in findings}
    assert by_code["F26"]["status"] == "已完成"
    assert by_code["F43"]["status"] == "推进中"
    assert by_code["F04"]["status"] == "推进中"
    for n in (2, 3, 4, 5, 6, 24):
        assert by_code[f"F{n:02d}"]["lead_department"] == "交警大队"


# ---------------------------------------------------------------- measures


def test_every_finding_has_measures(findings, measures):
    codes = {f["finding_code"] for f in findings}
    with_measures = {m["finding_code"] for m in measures}
    assert with_measures <= codes
    assert codes == with_measures


def test_measure_ordinals_and_labels(measures):
    per_finding = defaultdict(list)
    for m in measures:
        per_finding[m["finding_code"]].append(m)
    for code, rows in per_finding.items():
        ordinals = [int(m["ordinal"]) for m in rows]
        assert ordinals == list(range(1, len(rows) + 1)), code
        for m in rows:
            if code in ("F26", "F27"):
                assert m["ordinal_label"] == ""
            else:
                assert m["ordinal_label"] == CN_ORDINALS[int(m["ordinal"]) - 1] + "是", code
    assert len(per_finding["F26"]) == len(per_finding["F27"]) == 1
    assert len(per_finding["L1"]) == 6
    assert len(per_finding["L2"]) == 3


def test_measures_cover_every_labelled_paragraph(measures, findings, report):
    """Each "一是/二是…" paragraph of a finding's block is catalogued, none dropped."""
    lines = report.replace("[bookmark: _GoBack]", "").split("\n")
    expected, current = defaultdict(int), None
    titles = {}
    for f in findings:
        key = f"（{f['report_number']}）{f['title']}" if f["report_number"] else f"）{f['title']}"
        titles[key] = f["finding_code"]
    for line in lines:
        line = line.strip()
        hit = next((code for key, code in titles.items() if line.endswith(key)), None)
        if hit:
            current = hit
        elif line.startswith(("3、", "4、")):
            current = None
        elif current and re.match(r"^[一二三四五六七八九十]+是", line):
            expected[current] += 1
    counts = defaultdict(int)
    for m in measures:
        counts[m["finding_code"]] += 1
    for f in findings:
        code = f["finding_code"]
        assert counts[code] == (expected[code] or 1), code
    assert sum(counts.values()) == 180


def test_measure_texts_verbatim(measures, report):
    for m in measures:
        text = m["text"]
        assert text and text == text.strip()
        assert not re.match(r"^[一二三四五六七八九十]+是", text), (m["finding_code"], m["ordinal"])
        assert m["ordinal_label"] + text in report, (m["finding_code"], m["ordinal"])


# ---------------------------------------------------------------- groups


def test_outcome_groups(groups):
    codes = [g["group_code"] for g in groups]
    assert codes[:5] == HEADLINE_GROUPS
    assert [g["name"] for g in groups[:5]] == ["头盔劝导", "隐患整治", "巡逻防控", "案件办理", "资产处置"]
    assert len(codes) == len(set(codes)) <= 12
    assert [int(g["ordinal"]) for g in groups] == list(range(1, len(groups) + 1))
    for g in groups:
        assert g["is_headline"] == ("true" if g["group_code"] in HEADLINE_GROUPS else "false")
        assert re.fullmatch(r"[A-Z]+", g["group_code"])
        assert g["name"]


def test_headline_groups_name_a_unit_their_count_metrics_use(groups, metrics):
    for g in groups:
        units = {m["unit"] for m in metrics if m["group_code"] == g["group_code"] and m["kind"] == "count"}
        if g["is_headline"] == "true":
            assert g["headline_unit"] in units, g["group_code"]
        else:
            assert g["headline_unit"] == ""


# ---------------------------------------------------------------- metrics


def test_metric_codes(metrics, findings):
    codes = [m["metric_code"] for m in metrics]
    assert len(codes) == len(set(codes))
    finding_codes = {f["finding_code"] for f in findings}
    for m in metrics:
        assert re.fullmatch(r"^[A-Z][A-Z0-9_]+$", m["metric_code"])
        if m["finding_code"]:
            assert m["finding_code"] in finding_codes
            assert m["metric_code"].startswith(m["finding_code"] + "_")
        else:
            assert m["metric_code"].startswith("ORG_")


def test_metric_ordinals(metrics):
    per_finding = defaultdict(list)
    for m in metrics:
        per_finding[m["finding_code"]].append(int(m["ordinal"]))
    for code, ordinals in per_finding.items():
        assert sorted(ordinals) == list(range(1, len(ordinals) + 1)), code


def test_metric_fields(metrics, groups):
    names = [m["name"] for m in metrics]
    assert len(names) == len(set(names)), "metric names must be unique"
    group_codes = {g["group_code"] for g in groups}
    for m in metrics:
        code = m["metric_code"]
        assert m["name"], code
        assert m["unit"], code
        assert m["kind"] in ("count", "level"), code
        assert m["group_code"] in group_codes, code
        assert _is_number(m["opening_value"]), code
        assert m["target_value"] == "" or _is_number(m["target_value"]), code
        assert m["target_month"] == "" or re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", m["target_month"])
        if m["unit"] == "%":
            assert m["kind"] == "level", code
            assert 0 <= _num(m["opening_value"]) <= 100, code
        if m["finding_code"] == "":
            assert m["group_code"] == "ORG", code


def _value_forms(value: str) -> set[str]:
    v = int(float(value))
    forms = {str(v)}
    if v and v % 10000 == 0:
        forms.add(f"{v // 10000}万")
    forms |= CN_SMALL.get(v, set())
    return forms


def test_metric_quotes_verbatim_and_contain_value(metrics, report):
    for m in metrics:
        quote = m["source_quote"]
        assert quote and quote in report, m["metric_code"]
        if m["opening_value"] == "0":
            # The report gives no figure: the quote is what it does say, the definition says so.
            assert "通报" in m["definition"] and "未报" in m["definition"], m["metric_code"]
            continue
        assert any(form in quote for form in _value_forms(m["opening_value"])), m["metric_code"]


def test_metric_quote_lies_in_its_finding(metrics, findings, report):
    """The quote must occur inside the text block of the finding it is filed under."""
    starts = {}
    for f in findings:
        marker = f"（{f['report_number']}）{f['title']}" if f["report_number"] else f"）{f['title']}"
        starts[f["finding_code"]] = report.index(marker)
    order = sorted(starts.items(), key=lambda kv: kv[1])
    sec2 = report.index("巡察反馈重点问题整改落实情况")
    sec3 = report.index("需长期整改事项进展情况")
    sec4 = report.index("下一步工作打算")
    spans = {"": (0, sec2)}
    for i, (code, start) in enumerate(order):
        end = order[i + 1][1] if i + 1 < len(order) else sec4
        if code == "F54":
            end = sec3
        spans[code] = (start, end)
    for m in metrics:
        start, end = spans[m["finding_code"]]
        assert report.find(m["source_quote"], start, end) >= 0, m["metric_code"]


def test_headline_groups_have_metrics(metrics):
    used = {m["group_code"] for m in metrics}
    for g in HEADLINE_GROUPS:
        assert g in used, g


def test_no_date_or_threshold_metrics(metrics):
    for m in metrics:
        assert m["unit"] not in ("年", "月", "日", "天", "元"), m["metric_code"]
        assert not re.search(r"\d{4}年", m["source_quote"]), m["metric_code"]


# ---------------------------------------------------------------- spot checks


def _values(metrics, finding_code):
    return {int(float(m["opening_value"])) for m in metrics if m["finding_code"] == finding_code}


def test_spot_checks(metric_by_code, metrics):
    assert metric_by_code["F05_DISSUADE_SESSIONS"]["opening_value"] == "2629"
    assert metric_by_code["F05_DISSUADE_SESSIONS"]["group_code"] == "HELMET"
    assert metric_by_code["F05_PERSONS_EDUCATED"]["opening_value"] == "30342"
    assert metric_by_code["F05_PERSUADERS"]["kind"] == "level"
    assert {2629, 30342, 33, 11, 2, 2300, 6, 12} <= _values(metrics, "F05")
    assert {128, 149} <= _values(metrics, "F24")
    assert metric_by_code["F24_CASES_TRANSFERRED"]["opening_value"] == "128"
    assert metric_by_code["F24_CASES_WITHDRAWN"]["opening_value"] == "149"
    assert metric_by_code["F43_ITEMS_RETURNED"]["opening_value"] == "560"
    assert metric_by_code["F43_ITEMS_RETURNED"]["group_code"] == "ASSET"
    l1 = metric_by_code["L1_CHECKPOINTS_REPAIRED_PCT"]
    assert (l1["opening_value"], l1["target_value"], l1["unit"], l1["kind"]) == ("90", "100", "%", "level")
    bus = metric_by_code["F02_BUS_STOP_HAZARDS_FIXED"]
    assert (bus["opening_value"], bus["group_code"]) == ("35", "HAZARD")
    assert metric_by_code["F52_HQ_STAFF_DEPLOYED"]["opening_value"] == "2000"
    assert metric_by_code["F01_PARENT_VOLUNTEERS_ADDED"]["opening_value"] == "120"
    org = {m["metric_code"]: m["opening_value"] for m in metrics if m["finding_code"] == ""}
    assert sorted(org.values(), key=int) == ["1", "7", "17"]


# ---------------------------------------------------------------- issue 10: faithful figures


@pytest.mark.parametrize(
    ("code", "value", "unit", "quote"),
    [
        ("F01_SUPERVISION_ROUNDS", "1", "轮", "开展一轮督导检查工作"),
        ("F02_LIGHTING_ROAD_LENGTH", "1240", "米", "总长约1240米"),
        ("F13_ISSUES_REPORTED", "45", "项", "通报问题隐患共45项"),
        ("F29_PROHIBITED_BEHAVIOURS", "21", "项", "紧紧围绕21项具体禁止行为"),
        ("F31_DEPARTMENT_HEADS_TALKED", "3", "名", "对3个相关部门主要负责人进行谈话提醒"),
    ],
)
def test_figures_the_first_review_missed_are_there(metric_by_code, code, value, unit, quote):
    m = metric_by_code[code]
    assert (m["opening_value"], m["unit"], m["source_quote"]) == (value, unit, quote)


def test_schools_cctv_opens_at_zero_and_finding_16_is_in_progress(metric_by_code, findings):
    """The title states the task (31校监控存储达90天); the progress text only says notices went out."""
    m = metric_by_code["F16_SCHOOLS_CCTV_90_DAYS"]
    assert (m["opening_value"], m["target_value"], m["kind"]) == ("0", "31", "level")
    assert m["source_quote"] == "对监控设备不符合要求发出整改通知"
    f16 = next(f for f in findings if f["finding_code"] == "F16")
    assert f16["status"] == "推进中"


def test_the_same_event_reported_twice_is_marked_once(metrics, metric_by_code):
    twins = {m["metric_code"]: m["same_as"] for m in metrics if m["same_as"]}
    assert twins == {
        "F17_RENTAL_INSPECTIONS": "F12_JOINT_INSPECTIONS",
        "F38_REWARD_VOUCHERS_CHECKED": "F36_REWARD_VOUCHERS_CHECKED",
    }
    for code, original in twins.items():
        m, o = metric_by_code[code], metric_by_code[original]
        assert (m["opening_value"], m["unit"], m["kind"]) == (o["opening_value"], o["unit"], o["kind"])
        assert not o["same_as"], "a chain of same_as would hide the original"


def test_approximate_figures_are_flagged_as_the_report_words_them(metrics):
    """120余, 2300余, 150余, 2000余: 余; 约700, 约1240: 约 — and no exact figure is flagged."""
    flagged = {m["metric_code"]: m["approximate"] for m in metrics if m["approximate"]}
    for m in metrics:
        in_quote = re.search(r"约\d|\d+余", m["source_quote"])
        assert bool(in_quote) == bool(m["approximate"]), m["metric_code"]
        if in_quote:
            assert m["approximate"] == ("约" if in_quote.group().startswith("约") else "余"), m["metric_code"]
    assert flagged == {
        "F01_PARENT_VOLUNTEERS_ADDED": "余",
        "F02_LIGHTING_ROAD_LENGTH": "约",
        "F05_VILLAGE_CAMPAIGN_AUDIENCE": "余",
        "F06_PARKING_SPACES_BUILT": "约",
        "F16_REFLECTIVE_VESTS": "余",
        "F52_HQ_STAFF_DEPLOYED": "余",
    }


def test_every_metric_has_a_definition_with_its_month_rule(metrics):
    for m in metrics:
        definition = m["definition"]
        assert definition and definition == definition.strip(), m["metric_code"]
        assert "\n" not in definition and len(definition) <= 160, m["metric_code"]
        rule = "当月新增" if m["kind"] == "count" else "月末"
        assert rule in definition, m["metric_code"]
        if m["approximate"]:
            assert "约数" in definition, m["metric_code"]
        if m["same_as"]:
            assert "只计一次" in definition, m["metric_code"]


def test_headlines_name_their_metrics_and_share_one_definition(metrics, groups, headline_members):
    import pandas as pd

    from rectification.catalogue import headline_problems

    frame = pd.DataFrame(metrics).replace({"": None})
    group_frame = pd.DataFrame(groups).replace({"": None})
    members = pd.DataFrame(headline_members)
    assert headline_problems(frame, group_frame, members) == []
    composition = defaultdict(list)
    for h in headline_members:
        composition[h["group_code"]].append(h["metric_code"])
    assert composition["ASSET"] == ["F40_ASSETS_WRITTEN_OFF", "F40_ASSETS_SCRAPPED"]  # 3 减册 + 1 报废
    assert composition["PATROL"] == ["F01_VOLUNTEER_PATROL_OPERATIONS"]  # 累计共开展行动15次
    assert composition["CASE"] == ["F24_CASES_TRANSFERRED", "F24_CASES_WITHDRAWN"]
    assert set(composition) == set(HEADLINE_GROUPS)
    for g in groups:
        if g["is_headline"] == "true":
            assert g["headline_title"] and g["headline_definition"], g["group_code"]
        else:
            assert g["headline_title"] == g["headline_definition"] == "", g["group_code"]
    titles = {g["group_code"]: g["headline_title"] for g in groups}
    assert "醉驾" in titles["CASE"] and "减册" in titles["ASSET"] and "报废" in titles["ASSET"]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"F43_ITEMS_RETURNED": "ASSET"}, None),  # the returned belongings are 件 too: unit alone is no 口径
        ({"F05_PERSONS_EDUCATED": "HELMET"}, "单位须一致"),
        ({"F05_VILLAGES_COVERED": "HELMET"}, "只能合计数量类指标"),
        ({"F17_RENTAL_INSPECTIONS": "INSPECTION", "F12_JOINT_INSPECTIONS": "INSPECTION"}, "重复计算"),
        ({"F07_LEAFLETS": "HELMET"}, "须属于该成效类别"),
    ],
)
def test_the_headline_check_refuses_what_would_mislead(metrics, groups, headline_members, change, reason):
    import pandas as pd

    from rectification.catalogue import headline_problems

    frame = pd.DataFrame(metrics).replace({"": None})
    group_frame = pd.DataFrame(groups).replace({"": None})
    if "INSPECTION" in change.values():
        group_frame.loc[group_frame.group_code == "INSPECTION", ["is_headline", "headline_unit"]] = ["true", "次"]
        group_frame.loc[group_frame.group_code == "INSPECTION", "headline_definition"] = "排查次数"
    rows = [dict(h) for h in headline_members] + [
        {"group_code": group, "ordinal": "9", "metric_code": code} for code, group in change.items()
    ]
    problems = headline_problems(frame, group_frame, pd.DataFrame(rows))
    if reason is None:
        # Same group, same unit: the check passes — which is why the catalogue, not the unit, names
        # the metrics; test_headlines_name_their_metrics_and_share_one_definition pins ASSET to 3 + 1.
        assert problems == []
    else:
        assert any(reason in p for p in problems), problems


def test_the_layout_the_draft_writer_uses_is_the_catalogues():
    from rectification.catalogue import FILE_COLUMNS

    assert {f"{name}.csv": columns for name, columns in FILE_COLUMNS.items()} == HEADERS
