"""简报导出 in a real browser: a visitor builds the pack (those needing attention) and drafts the 通报
through the page, and both downloads arrive under their Chinese names and open with their libraries."""

from __future__ import annotations

from docx import Document
from pptx import Presentation
from test_browser import assert_healthy, open_page


def test_a_visitor_downloads_the_pack_and_the_report(live_server, browser, tmp_path):
    context = browser.new_context(viewport={"width": 1600, "height": 900}, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    try:
        open_page(page, f"{live_server.url}/briefing")
        page.get_by_role("button", name="生成简报").wait_for(timeout=30_000)
        page.get_by_text("仅需要关注的问题").click()
        page.get_by_role("button", name="生成简报").click()
        page.get_by_role("button", name="下载简报").wait_for(timeout=180_000)
        assert page.get_by_text("文件名：横栏分局巡察整改进展_2025年3月.pptx").count() == 1
        with page.expect_download() as pack:
            page.get_by_role("button", name="下载简报").click()
        assert pack.value.suggested_filename == "横栏分局巡察整改进展_2025年3月.pptx"
        pack.value.save_as(tmp_path / "pack.pptx")
        titles = [
            shape.text_frame.text
            for slide in Presentation(str(tmp_path / "pack.pptx")).slides
            for shape in slide.shapes
            if shape.has_text_frame
        ]
        assert "范围：需要关注的问题 2 项" in "\n".join(titles)
        assert [t.split("　")[0] for t in titles if t.startswith(("问题", "长期"))] == ["问题16", "长期L1"]
        assert "需要关注" in titles

        page.get_by_role("tab", name="整改进展通报（Word）").click()
        page.get_by_role("button", name="起草通报").click()
        page.get_by_role("button", name="下载通报草稿").wait_for(timeout=120_000)
        with page.expect_download() as report:
            page.get_by_role("button", name="下载通报草稿").click()
        assert report.value.suggested_filename == "横栏分局巡察整改进展情况的通报_2025年3月（草稿）.docx"
        report.value.save_as(tmp_path / "report.docx")
        text = "\n".join(p.text for p in Document(str(tmp_path / "report.docx")).paragraphs)
        assert "截至2025年3月" in text and "二、巡察反馈重点问题整改落实情况" in text
        assert_healthy(page)
        page.screenshot(path=str(tmp_path / "briefing.png"), full_page=True)
    finally:
        context.close()
