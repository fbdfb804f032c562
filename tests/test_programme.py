"""The rectification held as data: the programme row `init` writes from data/programme.csv, the row an
older store gets at `upgrade`, an upgrade that leaves another rectification's store alone, and the
通报 draft, the ledger reader and the month checks taking their facts from the programme."""

from __future__ import annotations

import datetime as dt
import re
import shutil

import duckdb
import pandas as pd
import pytest

from rectification.cli import bootstrap
from rectification.core import programme, store
from rectification.core.config import CATALOGUE_DIR
from rectification.ingest.ledger import finding_of
from rectification.ingest.values import month_problem
from rectification.outputs import report_draft
from snapshot import store_snapshot
from support import legacy_store


def test_the_row_after_init_is_data_programme_csv(con):
    stored = programme.stored(con)
    assert stored is not None and programme.current(con) == stored
    expected = programme.read_file()
    assert {c: getattr(stored, c) for c in programme.COLUMNS} == {c: getattr(expected, c) for c in programme.COLUMNS}
    assert stored.unit_short == "横栏分局" and stored.kind == "巡察"
    assert stored.inspection_start == dt.date(2024, 3, 29) and stored.feedback_date == dt.date(2024, 7, 26)
    assert (stored.tracking_start, stored.opening_month) == ("2024-08", "2025-03")
    assert stored.source_report_path.exists()


def test_the_written_out_sql_names_every_column():
    query = store.load_sql("programme_current")
    select = re.search(r"select\s+(.+?)\s+from", query, re.S).group(1).replace("\n", " ")
    select = [column.strip() for column in select.split(",")]
    insert = re.search(r"\((.+?)\) values", programme._INSERT).group(1).split(", ")
    assert select == programme.STORED_COLUMNS
    assert insert == [c for c in programme.STORED_COLUMNS if c != "created_at"]


def test_a_store_from_before_the_programme_table_gets_the_repos_row(tmp_path):
    path = legacy_store(tmp_path, "v13")
    raw = duckdb.connect(str(path), read_only=True)
    findings = raw.execute("select count(*) from findings").fetchone()[0]
    raw.close()
    con = store.connect(path)  # migrates: the row from data/programme.csv, the tables into p1
    try:
        own = programme.current(con)
        assert (own.code, own.schema_name) == (programme.read_file().code, "p1")
        assert con.execute("select count(*) from findings").fetchone()[0] == findings
        audited = con.execute("select target from audit_log where action = 'programme_record'").fetchall()
        assert audited == [("HL-XC-2024",)]
        assert bootstrap.upgrade(con) is None  # nothing more to do
    finally:
        con.close()


def _outdated(con) -> None:
    """Pretend the store took in an older catalogue revision, so an upgrade has work to do."""
    con.execute("delete from catalogue_revisions")


def test_the_upgrade_leaves_a_store_built_from_another_catalogue_alone(tmp_path):
    directory = tmp_path / "other_catalogue"
    shutil.copytree(CATALOGUE_DIR, directory)
    con = store.connect(tmp_path / "other.duckdb")
    try:
        bootstrap.initialise(con, sample=False, directory=directory)
        assert programme.resolve(programme.current(con).catalogue_source) == directory.resolve()
        _outdated(con)
        before = store_snapshot(con)
        assert bootstrap.upgrade(con) is None  # the repo's data/catalogue is not the one it was built from
        assert store_snapshot(con) == before
        assert bootstrap.upgrade(con, directory) is not None  # its own catalogue is taken in
    finally:
        con.close()


def test_the_upgrade_leaves_another_rectification_alone(con):
    con.execute("update programme set code = 'OTHER-2025' where schema_name = current_schema()")
    _outdated(con)
    before = store_snapshot(con)
    assert bootstrap.upgrade(con) is None
    assert store_snapshot(con) == before


def _report_copy(tmp_path):
    """The source report with its parts headed 一、二、… and a narrative part added before the last."""
    text = programme.read_file().source_report_path.read_text(encoding="utf-8")
    for number, numeral in (("1", "一"), ("2", "二"), ("3", "三")):
        text = re.sub(rf"(?m)^{number}、", f"{numeral}、", text)
    text = re.sub(r"(?m)^4、 下一步工作打算", "四、 经验与体会\n整改中形成的经验做法。\n五、 下一步工作打算", text)
    path = tmp_path / "report.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_draft_takes_its_facts_from_the_programme(con):
    # A rectification whose last report was cut off at 2025年2月: its measures say so.
    for table, column in (("measures", "text"), ("metrics", "source_quote")):
        con.execute(f"update {table} set {column} = replace({column}, '截至2025年3月', '截至2025年2月')")  # noqa: S608
    assert "截至2025年2月" in report_draft.draft(con, "2025-03").text()  # the programme still says 2025-03
    con.execute(
        "update programme set unit_short = '测试分局', kind = '审计', opening_month = date '2025-02-01'"
        " where schema_name = current_schema()"
    )
    own = programme.current(con)
    assert report_draft.file_name(own, "2025-04") == "测试分局审计整改进展情况的通报_2025年4月（草稿）.docx"
    text = report_draft.draft(con, "2025-03").text()
    assert "截至2025年2月" not in text and "截至2025年3月" in text


def test_the_draft_follows_the_source_reports_own_parts(con, tmp_path):
    path = _report_copy(tmp_path)
    store.keep_document(con, programme.current(con).code, path.name, path.read_bytes())  # the one kept replaced
    draft = report_draft.draft(con, "2025-03")
    headings = [p.text for p in draft.paragraphs if p.role == "h1"]
    assert headings == [
        "一、党委履行巡察整改主体责任情况",
        "二、巡察反馈重点问题整改落实情况",
        "三、需长期整改事项进展情况",
        "四、经验与体会",
        "五、下一步工作打算",
    ]
    assert "整改中形成的经验做法。" in draft.text()


def test_a_report_without_numbered_findings_is_refused(tmp_path):
    path = tmp_path / "report.txt"
    path.write_text("标题\n关于\n通报\n开头。\n1、 第一部分\n内容。\n落款\n2025年4月1日\n", encoding="utf-8")
    with pytest.raises(report_draft.DraftError, match="（1）"):
        report_draft.read_last_report(path)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("A3", "A03"),
        ("a003", "A03"),
        ("b12", "B12"),
        ("XC7", "XC7"),
        ("F5", "F05"),
        ("长期1", "L1"),
        ("L01", "L1"),
        ("A4", None),  # no such code
        ("Z1", None),
        ("2", "B12"),  # the report's number
        ("问题（2）", "B12"),
    ],
)
def test_finding_of_accepts_the_stores_own_codes(cell, expected):
    codes = {"A03", "B12", "XC7", "F05", "L1"}
    assert finding_of(cell, codes, {2: "B12"}) == expected


def test_the_month_check_takes_the_tracking_start_it_is_given():
    month, problem = month_problem("2024-07", 2, tracking_start="2024-08")
    assert month is None and "2024-08" in problem.reason
    assert month_problem("2024-07", 2, tracking_start="2024-06") == ("2024-07", None)


def test_reading_the_programme_leaves_the_connection_free_for_an_import(con):
    # A result left half-read blocks the connection's next register(), which every import's plan uses.
    programme.current(con)
    con.register("staged_frame", pd.DataFrame({"a": [1]}))
    assert con.execute("select count(*) from staged_frame").fetchall() == [(1,)]


def test_the_source_document_is_kept_in_the_store_and_the_draft_follows_it(tmp_path):
    directory = tmp_path / "catalogue"
    shutil.copytree(CATALOGUE_DIR, directory)
    source = tmp_path / "通报.txt"
    shutil.copy(programme.read_file().source_report_path, source)
    facts = tmp_path / "programme.csv"
    text = programme.PROGRAMME_FILE.read_text(encoding="utf-8").replace("data/source/report.txt", str(source))
    facts.write_text(text, encoding="utf-8")
    con = store.connect(tmp_path / "kept.duckdb")
    try:
        bootstrap.create(con, directory=directory, programme_file=facts, sample=False)
        kept = store.kept_document(con, programme.current(con).code)
        assert kept == ("通报.txt", source.read_bytes())
        before = report_draft.draft(con, "2025-03").text()
        source.unlink()  # the file beside the store is gone (a new server, a restored backup)
        assert report_draft.draft(con, "2025-03").text() == before  # drafted from the kept copy
    finally:
        con.close()
