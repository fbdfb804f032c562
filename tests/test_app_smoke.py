"""The dashboard runs as a real Streamlit script (AppTest) on a demo and on an empty store."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
PAGES = re.findall(r'\(\s*"(ui/views/[^"]+\.py)"', (ROOT / "dashboard.py").read_text(encoding="utf-8"))


def test_dashboard_runs_on_demo_store(store_path):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    assert not at.exception
    assert any("示例数据" in w.value for w in at.warning), "demo banner missing"


def test_dashboard_runs_on_store_without_sample(empty_store_path):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    assert not at.exception
    assert not any("示例数据" in w.value for w in at.warning)


def test_dashboard_on_missing_store_says_how_to_initialise(tmp_path, monkeypatch):
    monkeypatch.setenv("RECTIFICATION_DB", str(tmp_path / "new.duckdb"))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    assert not at.exception
    assert any("python -m rectification init" in e.value for e in at.error)


def test_every_page_shows_the_demo_banner(store_path):
    """The banner is on every page while demo data is present, the admin pages included."""
    from support import login

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    login(at, store_path, "admin")
    at.run()
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, page
        assert any("示例数据" in w.value for w in at.warning), page


def every_page_of(store_path: Path, code: str):
    """Each page, signed in as an admin with the link naming `code`: (page, the AppTest run on it),
    once the page ran without an exception or an error message and the picker shows `code`."""
    from support import login

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    login(at, store_path, "admin")
    at.query_params["programme"] = code
    at.run()
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert not at.error, (page, [e.value for e in at.error])
        assert at.sidebar.selectbox(key="programme_picker").value == code, page
        yield page, at


def test_every_page_runs_on_the_second_rectification(store_path):
    """The demo's second unit (the audit, its own codes and months): every page, the admin ones too,
    draws from it when the link names it, and none shows the report's rectification instead."""
    for page, at in every_page_of(store_path, "DH-SJ-2025"):
        shown = " ".join(str(e.value) for e in (*at.title, *at.caption, *at.text, *at.markdown))
        assert "十五届市委公安系统专项巡察" not in shown or page.endswith("city_overview.py"), page


@pytest.mark.parametrize("figures", [True, False], ids=["with-figures", "no-figures"])
def test_every_page_runs_on_a_rectification_created_from_its_problem_list(store_path, tmp_path, figures):
    """Made the way 新建整改 makes one (read, reviewed, created) from a 问题清单 spreadsheet: its own
    shape (deadlines, departments, no 通报 parts), with its proposed figures or with none kept. Every
    page draws from it without an error."""
    from test_document_draft import problem_list_xlsx

    from rectification.cli import programme as programme_cli
    from rectification.core import store
    from rectification.ingest.documents import read_upload, review

    data = problem_list_xlsx()
    tables = review.frames(read_upload(data, "问题清单.xlsx"))
    tables["programme"].loc[:, "tracking_start"] = "2024-08"
    tables["programme"].loc[:, "opening_month"] = "2025-03"
    tables["programme"].loc[:, "unit_short"] = "横栏分局"
    metrics = tables["metrics"]
    metrics[review.KEEP] = figures & (metrics.name != "") & (metrics.unit != "")  # what a reviewer fills or drops
    con = store.connect(store_path)
    try:
        message = programme_cli.create_reviewed(
            con,
            tables,
            source=data,
            source_name="问题清单.xlsx",
            code="QD-2026",
            open_to_network=False,
            actor="test",
        )
    finally:
        con.close()
    assert "56 项整改问题" in message and ("，0 个指标" in message) != figures
    documents_leave_the_building(store_path, "QD-2026", tmp_path)
    for page, at in every_page_of(store_path, "QD-2026"):
        if page.endswith("briefing.py"):
            assert any("尚无上一期通报" in c.value for c in at.caption)  # not 「按上一期通报的结构」
    if not figures:  # its first metric is added where metrics are added, into 未分组
        at.switch_page("ui/views/metric_explorer.py").run()
        assert "还没有指标" in at.info[0].value  # not 「请放宽筛选」: no filter hides anything
        at.switch_page("ui/views/catalogue.py").run()
        at.text_input(key="add_metric_name").input("复查次数")
        at.text_input(key="add_metric_unit").input("次")
        assert at.selectbox(key="add_metric_group").options == ["未分组"]
        at.button(key="add_metric_submit").click().run()
        assert not at.error and not at.exception, [e.value for e in at.error]
        assert any("已新增指标" in s.value for s in at.success)


def documents_leave_the_building(store_path: Path, code: str, tmp_path: Path) -> None:
    """The meeting pack (one finding's, to keep it short; no empty 重点成效 slide while no figure is in
    a headline) and the first 通报, which has no earlier 通报 to follow: the genre's layout, its narrative
    left as placeholders, every finding in it."""
    from pptx import Presentation

    from rectification.core import store
    from rectification.outputs import report_draft
    from rectification.outputs.briefing.deck import build_pack

    con = store.connect(store_path, programme=code)
    try:
        month = con.execute("select strftime(opening_month, '%Y-%m') from main.programme where code = ?", [code])
        month = month.fetchone()[0]
        deck = build_pack(con, month, numbers=["1"], cache_dir=tmp_path)
        text = report_draft.draft(con, month).text()
        titles = [row[0] for row in con.execute("select title from findings").fetchall()]
    finally:
        con.close()
    (tmp_path / "pack.pptx").write_bytes(deck)
    slides = Presentation(tmp_path / "pack.pptx").slides
    texts = [" ".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame) for slide in slides]
    assert len(texts) >= 3 and any("整改完成进度" in t for t in texts)
    assert not any(" 重点成效 " in f" {t} " for t in texts)  # its figures are in no headline yet: no empty table
    assert "二、巡察反馈问题整改落实情况" in text and "【请填写：下一步工作打算】" in text
    assert "三、需长期整改事项进展情况" in text
    assert all(title in text for title in titles)
