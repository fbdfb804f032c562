"""简报导出 as Streamlit runs it (AppTest): a viewer drafts the 通报 and builds a pack for chosen
findings; without a browser the page says so in Chinese and the 通报 still comes."""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from pptx import Presentation
from streamlit.testing.v1 import AppTest

from rectification.outputs.briefing.images import NO_BROWSER
from support import login

ROOT = Path(__file__).resolve().parents[1]
PAGE = "ui/views/briefing.py"


def open_page(store_path, role: str | None = "viewer") -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=240)
    if role:
        login(at, store_path, role=role)
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def downloads(at) -> list[str]:
    return [d.proto.label for d in at.get("download_button")]


def test_a_viewer_drafts_the_report_and_builds_a_pack_for_chosen_findings(store_path):
    at = open_page(store_path)
    assert at.title[0].value == "简报导出"
    assert at.selectbox(key="briefing_month").value == "2025-03"
    at.selectbox(key="briefing_month").set_value("2025-02").run()

    at.button(key="report_build").click().run()
    assert not at.exception and not at.error
    month, document = at.session_state["report_docx"]
    assert month == "2025-02" and "下载通报草稿" in downloads(at)
    text = "\n".join(p.text for p in Document(io.BytesIO(document)).paragraphs)
    assert "截至2025年2月" in text and "截至2025年3月" not in text

    at.radio(key="briefing_scope").set_value("findings").run()
    at.multiselect(key="briefing_findings").set_value(["F24"]).run()
    at.button(key="briefing_build").click().run()
    assert not at.exception and not at.error
    month, deck = at.session_state["briefing_pptx"]
    assert month == "2025-02" and "下载简报" in downloads(at)
    assert {c.value for c in at.caption if c.value.startswith("文件名：")} == {
        "文件名：横栏分局巡察整改进展_2025年2月.pptx",
        "文件名：横栏分局巡察整改进展情况的通报_2025年2月（草稿）.docx",
    }
    slides = list(Presentation(io.BytesIO(deck)).slides)
    assert any(
        shape.has_text_frame and shape.text_frame.text.startswith("问题24　") for s in slides for shape in s.shapes
    )
    # both documents are kept for the month they were built for: another month offers neither, until back
    at.selectbox(key="briefing_month").set_value("2025-03").run()
    assert downloads(at) == [] and not [c for c in at.caption if c.value.startswith("文件名：")]
    at.selectbox(key="briefing_month").set_value("2025-02").run()
    assert downloads(at) == ["下载简报", "下载通报草稿"]
    assert [c.value for c in at.caption if c.value.startswith("文件名：")] == [
        "文件名：横栏分局巡察整改进展_2025年2月.pptx",
        "文件名：横栏分局巡察整改进展情况的通报_2025年2月（草稿）.docx",
    ]


def test_without_chromium_the_page_explains_and_the_report_still_comes(store_path, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    at = open_page(store_path, role=None)  # anonymous visitors may export too
    at.radio(key="briefing_scope").set_value("findings").run()
    at.multiselect(key="briefing_findings").set_value(["F05"]).run()
    at.button(key="briefing_build").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["简报未生成："]
    assert any(t.value == NO_BROWSER for t in at.text)
    assert "briefing_pptx" not in at.session_state and "下载简报" not in downloads(at)
    at.button(key="report_build").click().run()
    assert "下载通报草稿" in downloads(at)
