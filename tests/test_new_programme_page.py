"""Issue 19, the review-before-saving step: the 新建整改 page reads a rectification's own 通报 into
tables an admin corrects, then creates the rectification in one transaction — or lists every problem
and writes nothing. Real store, real Streamlit runs (AppTest)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from rectification.core import programme, store
from snapshot import store_snapshot
from support import open_page

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "data" / "source" / "report.txt"
REPORT_PDF = ROOT / "tests" / "fixtures" / "documents" / "report-wps-style.pdf"
PAGE = "ui/views/new_programme.py"
CODE = "HL-XC-2026"


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="new_programme_file_0").set_value((name, data, "application/octet-stream"))
    at.run()
    assert not at.exception, at.exception
    return at


def edit(at: AppTest, table: str, rows: dict[int, dict]) -> None:
    """Cell edits as the browser sends them for the table's editor (its row positions, its columns)."""
    at.session_state[f"new_programme_{table}"] = {"edited_rows": rows, "added_rows": [], "deleted_rows": []}


def editor(at: AppTest, table: str):
    return next(d for d in at.data_editor if d.key == f"new_programme_{table}")


def review_the_report(at: AppTest, source: Path = REPORT) -> None:
    """What the report's draft needs before it can be created: the month tracking starts (the report does
    not say it), a status for the findings whose text gives none, and one proposed metric dropped."""
    upload(at, source.name, source.read_bytes())
    findings, metrics = editor(at, "findings").value, editor(at, "metrics").value
    edit(at, "programme", {0: {"tracking_start": "2024-08"}})
    edit(at, "findings", {i: {"status": "推进中"} for i, status in enumerate(findings.status) if status == ""})
    unnamed = [i for i, (name, unit) in enumerate(zip(metrics.name, metrics.unit)) if not name or not unit]
    assert len(unnamed) == 1
    edit(at, "metrics", {unnamed[0]: {"keep": False}})


def create(at: AppTest, code: str = CODE) -> AppTest:
    at.text_input(key="new_programme_code").input(code)
    at.button(key="new_programme_create").click().run()
    assert not at.exception, at.exception
    return at


def others(snapshot: dict) -> dict:
    """Every rectification's own tables but the new one's, and the store-wide list of rectifications."""
    return {k: v for k, v in snapshot.items() if k.split(".")[0] in {"p1", "p2"} or k == "main.programme"}


def test_the_report_becomes_a_new_rectification(store_path):
    at = open_page(PAGE, store_path, role="admin")
    review_the_report(at)
    assert editor(at, "programme").value["unit"].iloc[0] == "中山市公安局横栏分局"
    assert editor(at, "metrics").value["source_quote"].iloc[0] == "先后7次主持召开党委会议"  # the sentence beside it
    con = store.connect(store_path)
    before = store_snapshot(con)
    con.close()

    create(at)
    assert not at.error, [e.value for e in at.error]
    assert "已创建整改事项：56 项整改问题，96 个指标" in at.success[0].value
    assert at.get("link_button")[0].proto.url == f"./?programme={CODE}"
    assert not at.data_editor  # a fresh page: the next document starts from nothing

    con = store.connect(store_path)
    try:
        after = store_snapshot(con)
        assert store.programme_codes(con) == ["HL-XC-2024", "DH-SJ-2025", CODE]
        store.use_programme(con, CODE)
        assert con.execute("select count(*) from findings").fetchone()[0] == 54 + 2
        assert con.execute("select count(*) from metrics").fetchone()[0] == 96
        own = programme.current(con)
        audit = con.execute("select user_name, action from main.audit_log where target = ?", [CODE]).fetchall()
    finally:
        con.close()
    assert {k: v for k, v in others(after).items() if k != "main.programme"} == {
        k: v for k, v in others(before).items() if k != "main.programme"
    }
    assert set(before["main.programme"]) < set(after["main.programme"])  # the others' rows as they were
    folder = store_path.parent / "programmes" / CODE
    assert own.tracking_start == "2024-08" and own.unit_short == "横栏分局" and not own.open_to_network
    assert own.source_report_path == (folder / "source.txt").resolve()
    assert (folder / "source.txt").read_bytes() == REPORT.read_bytes()
    assert audit == [("test_admin", "init")]


def test_the_report_as_a_pdf_becomes_a_rectification_whose_next_report_follows_it(store_path):
    from rectification.outputs import report_draft

    at = open_page(PAGE, store_path, role="admin")
    review_the_report(at, REPORT_PDF)
    notes = at.dataframe[0].value
    assert "「整改信息」开始跟踪月份" in set(notes["位置"])  # the table's own words, not programme.tracking_start
    assert not notes["位置"].str.contains("programme").any()
    create(at)
    assert not at.error, [e.value for e in at.error]
    assert "已创建整改事项：56 项整改问题，96 个指标" in at.success[0].value
    con = store.connect(store_path)
    try:
        store.use_programme(con, CODE)
        assert con.execute("select count(*) from measures").fetchone()[0] == 180
        month = programme.current(con).tracking_start
        text = report_draft.draft(con, month).text()  # the structure read back from the kept PDF
    finally:
        con.close()
    assert (store_path.parent / "programmes" / CODE / "source.pdf").read_bytes() == REPORT_PDF.read_bytes()
    assert "二、巡察反馈重点问题整改落实情况" in text and "需长期整改事项进展情况" in text
    assert "— 2 —" not in text and "第 2 页" not in text


def test_a_draft_with_problems_lists_them_all_and_writes_nothing(store_path):
    at = open_page(PAGE, store_path, role="admin")
    review_the_report(at)
    edit(at, "findings", {1: {"section_code": ""}})  # the second row; replaces the status edits
    at.run()
    con = store.connect(store_path)
    before = store_snapshot(con)
    con.close()

    create(at)
    problems = at.error[0].value
    assert "未创建整改事项" in problems
    # Named as the page shows them: the tab, the row number the table shows, the column's heading.
    assert "「问题」第 2 行：「所属方面」「」不存在" in problems
    assert editor(at, "findings").value.index[1] == 2
    assert "「问题」第 11、19、20、24、25、34、44、48、50、52 行：状态「」应为" in problems
    assert editor(at, "findings").value.shape[0] == 56  # the draft and its edits are still there to fix
    con = store.connect(store_path)
    try:
        assert store_snapshot(con) == before
        assert CODE not in store.programme_codes(con)
    finally:
        con.close()
    assert not (store_path.parent / "programmes" / CODE).exists()


def test_a_code_the_store_holds_is_refused_before_anything_is_written(store_path):
    at = open_page(PAGE, store_path, role="admin")
    review_the_report(at)
    at.run()
    create(at, "HL-XC-2024")
    assert "数据库中已有编号为「HL\\-XC\\-2024」的整改事项" in at.error[0].value
    create(at, "../escape")
    assert "不合规" in at.error[0].value
    assert not (store_path.parent / "programmes").exists()


@pytest.mark.parametrize("role", ["editor", "reviewer"])
def test_a_non_admin_gets_no_form(store_path, role):
    at = open_page(PAGE, store_path, role=role)
    assert not at.get("file_uploader")
    assert not at.data_editor
    assert "无权限" in at.warning[-1].value


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("x.docx", b"PK\x03\x04garbage", "文件已损坏或不是有效的 Word 文档"),
        ("old.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "不支持旧版 Word \\.doc 文件"),
        ("notice.txt", "关于召开会议的通知\n请各部门准时参加。\n".encode(), "未在文件中找到任何整改问题"),
    ],
)
def test_a_bad_file_gets_a_chinese_message(store_path, name, data, message):
    at = open_page(PAGE, store_path, role="admin")
    upload(at, name, data)
    assert at.error[0].value.startswith("未生成草稿") and message in at.error[0].value
    assert not at.data_editor and not [b for b in at.button if b.key == "new_programme_create"]
    upload(at, "report.txt", REPORT.read_bytes())  # the right file next: its draft, no stale refusal
    assert not at.error and len(editor(at, "findings").value) == 56


def test_a_dropped_metric_takes_what_points_at_it_along():
    from rectification.ingest.documents import read_path, review

    tables = review.frames(read_path(ROOT / "data" / "demo" / "donghu-audit" / "report.txt"))
    metrics = tables["metrics"]
    first, second = metrics.metric_code.iloc[0], metrics.metric_code.iloc[1]
    metrics.loc[metrics.index[0], review.KEEP] = False
    metrics.loc[metrics.index[1], "same_as"] = first
    tables["headline_metrics"] = pd.DataFrame(
        [["G1", "1", first], ["G1", "2", second]], columns=["group_code", "ordinal", "metric_code"]
    )
    kept = review.kept(tables)
    assert first not in set(kept["metrics"].metric_code) and review.KEEP not in kept["metrics"]
    assert kept["metrics"].set_index("metric_code").loc[second, "same_as"] == ""
    assert kept["headline_metrics"].values.tolist() == [["G1", "2", second]]


def test_findings_are_added_split_and_deleted_in_the_tables(store_path):
    """A finding deleted takes its measures and proposed metrics along; one added with no code is numbered
    after the last (F55); a finding split in two is a new row with its own code that measures are moved to."""
    at = open_page(PAGE, store_path, role="admin")
    review_the_report(at)
    findings, measures = editor(at, "findings").value, editor(at, "measures").value
    metrics = editor(at, "metrics").value
    position = {code: i for i, code in enumerate(findings.finding_code)}
    statuses = {i: {"status": "推进中"} for i, status in enumerate(findings.status) if status == ""}
    f12 = findings.iloc[position["F12"]]
    at.session_state["new_programme_findings"] = {
        "edited_rows": statuses,
        "added_rows": [
            {"title": "新增的问题", "section_code": "S1", "theme_code": "S1T01", "status": "推进中"},
            {
                "finding_code": "F12B",
                "title": "拆分出的问题",
                "section_code": f12.section_code,
                "theme_code": f12.theme_code,
                "status": "推进中",
            },
        ],
        "deleted_rows": [position["F05"]],
    }
    f12_measures = [i for i, code in enumerate(measures.finding_code) if code == "F12"]
    assert len(f12_measures) >= 2
    at.session_state["new_programme_measures"] = {
        "edited_rows": {f12_measures[-1]: {"finding_code": "F12B", "ordinal": ""}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    f05_measures = int((measures.finding_code == "F05").sum())
    f05_metrics = set(metrics.metric_code[metrics.finding_code == "F05"])
    assert f05_measures and f05_metrics
    assert "将创建 57 项问题" in " ".join(c.value for c in at.caption)

    create(at)
    assert not at.error, [e.value for e in at.error]
    con = store.connect(store_path)
    try:
        store.use_programme(con, CODE)
        titles = dict(con.execute("select finding_code, title from findings").fetchall())
        owned = con.execute(
            "select finding_code, ordinal, text from measures order by finding_code, ordinal"
        ).fetchall()
        codes = {row[0] for row in con.execute("select metric_code from metrics").fetchall()}
    finally:
        con.close()
    assert "F05" not in titles and titles["F55"] == "新增的问题" and titles["F12B"] == "拆分出的问题"
    assert len(titles) == 54 + 2 - 1 + 2
    moved = measures.text.iloc[f12_measures[-1]]
    assert [(o, t) for c, o, t in owned if c == "F12B"] == [(1, moved)]  # numbered 1 in its new finding
    assert moved not in [t for c, _, t in owned if c == "F12"]
    assert len(owned) == len(measures) - f05_measures
    assert not codes & f05_metrics and len(codes) == len(metrics) - 1 - len(f05_metrics)


def test_a_problem_after_a_deletion_names_the_row_the_table_shows(store_path):
    at = open_page(PAGE, store_path, role="admin")
    review_the_report(at)
    at.session_state["new_programme_sections"] = {
        "edited_rows": {},
        "added_rows": [{"title": "新增方面"}],
        "deleted_rows": [0],  # S1, which themes and findings still name
    }
    at.run()
    create(at)
    problems = at.error[0].value
    assert "「小标题」第 1" in problems and "「所属方面」「S1」不存在" in problems
    assert "S5" not in problems  # the added section was numbered, not reported blank
    con = store.connect(store_path)
    try:
        assert CODE not in store.programme_codes(con)
    finally:
        con.close()


def test_blank_codes_are_numbered_after_the_last_of_their_kind():
    """On a small draft of another shape: two sections, no long-term item yet, a theme in the second."""
    from rectification.ingest.documents import review
    from rectification.ingest.documents.draft import Draft, Finding

    draft = Draft(sections=["一方面", "二方面"], themes=[(1, "二方面的小标题")])
    draft.findings = [Finding("甲问题", 0, None, measures=[("一是", "甲措施")]), Finding("乙问题", 1, 0)]
    tables = review.frames(draft)
    edited = {name: frame.copy() for name, frame in tables.items()}
    edited["sections"].loc[10] = ["", "", "三方面"]
    edited["themes"].loc[10] = ["", "S2", "", "又一个小标题"]
    edited["findings"].loc[10] = {
        **dict.fromkeys(edited["findings"].columns, ""),
        "title": "长期事项",
        "is_long_term": True,
    }
    edited["findings"].loc[11] = {**dict.fromkeys(edited["findings"].columns, None), "title": "丙问题"}
    edited["findings"].loc[12] = dict.fromkeys(edited["findings"].columns, None)  # added, then left empty
    edited["measures"].loc[10] = ["F01", "", "二是", "甲的第二条"]
    done = review.reviewed(tables, edited)
    assert list(done["sections"].section_code) == ["S1", "S2", "S3"] and done["sections"].ordinal.iloc[-1] == "3"
    assert list(done["themes"].theme_code) == ["S2T01", "S2T02"] and done["themes"].ordinal.iloc[-1] == "2"
    assert list(done["findings"].finding_code) == ["F01", "F02", "L1", "F03"]
    assert list(done["findings"].index) == [1, 2, 10, 11]  # the labels the table showed, for its problems
    assert list(done["measures"].ordinal) == ["1", "2"]
    edited["findings"] = edited["findings"].drop(index=1)  # 甲问题 deleted: its measures go with it
    assert list(review.reviewed(tables, edited)["measures"].text) == []


def test_a_code_changed_in_its_row_is_changed_where_other_rows_name_it():
    from rectification.ingest.documents import read_path, review

    tables = review.frames(read_path(REPORT))
    edited = {name: frame.copy() for name, frame in tables.items()}
    findings = edited["findings"]
    f12 = findings.index[findings.finding_code == "F12"][0]
    findings.loc[f12, "finding_code"] = "F12A"
    s1 = edited["sections"].index[edited["sections"].section_code == "S1"][0]
    edited["sections"].loc[s1, "section_code"] = "SA"
    done = review.reviewed(tables, edited)
    assert "F12" not in set(done["measures"].finding_code) and "F12" not in set(done["metrics"].finding_code)
    assert (done["measures"].finding_code == "F12A").sum() == (tables["measures"].finding_code == "F12").sum()
    assert "S1" not in set(done["themes"].section_code) | set(done["findings"].section_code)
    assert (done["findings"].section_code == "SA").sum() == (tables["findings"].section_code == "S1").sum()
