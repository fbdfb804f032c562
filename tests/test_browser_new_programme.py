"""In a real browser: an admin uploads the report as a PDF on 新建整改, corrects the draft in its tables
the way a person does (click a cell, arrow keys, Enter to edit, type, Enter), and creates the
rectification. The store then holds exactly those edits and nothing else was changed."""

from __future__ import annotations

from pathlib import Path

from conftest import BROWSER_PASSWORD, StreamlitServer
from rectification.core import store
from rectification.ingest.documents import read_path
from rectification.workflow import auth
from support import sign_in_through_form

ROOT = Path(__file__).resolve().parents[1]
REPORT_PDF = ROOT / "tests" / "fixtures" / "documents" / "report-wps-style.pdf"
CODE = "HL-XC-2026"
HEADER_AND_ROW = 35  # the grid's header and row height in px (Streamlit's default row height)


def idle(page) -> None:
    """Until the rerun an edit started has finished (Streamlit's 运行中 indicator is gone)."""
    page.wait_for_timeout(400)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=60_000)


def select_cell(page, row: int, column: int) -> None:
    """The cell at (row, column) of the open tab's table: its row clicked, then the arrow keys across."""
    grid = page.locator('[role="tabpanel"]:visible [data-testid="stDataFrame"]').first
    grid.scroll_into_view_if_needed()
    # The row is scrolled to and clicked, not reached by ArrowDown from the top: over seventy presses
    # the grid dropped one now and then while it scrolled. Across, a few presses are enough.
    scrolled = grid.locator(".dvn-scroller").evaluate(
        "(e, top) => { e.scrollLeft = 0; e.scrollTop = top; return e.scrollTop; }", row * HEADER_AND_ROW
    )
    page.wait_for_timeout(200)
    box = grid.bounding_box()
    y = box["y"] + HEADER_AND_ROW * (row + 1.5) - scrolled  # the middle of the row, below the header
    page.mouse.click(box["x"] + 60, y)  # its first data column
    for _ in range(column):
        page.keyboard.press("ArrowRight")


def type_into(page, row: int, column: int, text: str) -> None:
    select_cell(page, row, column)
    page.keyboard.press("Enter")  # opens the cell's editor
    page.wait_for_timeout(300)
    page.keyboard.press("Control+a")
    page.keyboard.type(text, delay=20)
    page.keyboard.press("Enter")
    idle(page)


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).click()
    page.wait_for_timeout(500)


def test_an_admin_corrects_the_pdf_draft_in_the_tables_and_creates_it(store_path, tmp_path, page, monkeypatch):
    monkeypatch.setenv("RECTIFICATION_LOGIN_REQUIRED", "1")
    con = store.connect(store_path)
    auth.create_user(con, "setup_admin", "admin", BROWSER_PASSWORD, actor="test")
    con.close()
    draft = read_path(REPORT_PDF).tables()
    blank = [i for i, row in enumerate(draft["findings"]) if row[9] == ""]  # the status column
    unnamed = [i for i, row in enumerate(draft["metrics"]) if not row[3] or not row[4]]  # name, unit
    assert len(blank) >= 3 and len(unnamed) == 1

    server = StreamlitServer(store_path, tmp_path / "streamlit.log")
    try:
        page.goto(server.url + "/new_programme", wait_until="domcontentloaded")
        sign_in_through_form(page, "setup_admin", BROWSER_PASSWORD)
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(REPORT_PDF)
        page.get_by_text("待核事项（13 条）").first.wait_for(timeout=60_000)
        idle(page)

        type_into(page, 0, 8, "2024-08")  # 整改信息: 开始跟踪月份
        open_tab(page, "问题")
        for row in blank:
            type_into(page, row, 5, "推进中")  # 整改状态, chosen by typing into its list
        open_tab(page, "拟设指标")
        select_cell(page, unnamed[0], 0)
        page.keyboard.press(" ")  # 保留 unticked
        idle(page)

        page.get_by_label("新整改事项编号", exact=True).fill(CODE)
        page.get_by_role("button", name="创建", exact=True).click()
        page.get_by_text("已创建整改事项：56 项整改问题，96 个指标").wait_for(timeout=60_000)
        assert page.locator('[data-testid="stAlertContentError"]').count() == 0
    finally:
        server.stop()

    con = store.connect(store_path)
    try:
        store.use_programme(con, CODE)
        statuses = dict(con.execute("select finding_code, status from current_finding_status").fetchall())
        tracking = con.execute("select tracking_start from main.programme where code = ?", [CODE]).fetchone()[0]
        metrics = {row[0] for row in con.execute("select metric_code from metrics").fetchall()}
    finally:
        con.close()
    assert tracking.isoformat() == "2024-08-01"
    changed = {row[0] for row in draft["findings"] if statuses[row[0]] != row[9]}
    assert changed == {draft["findings"][i][0] for i in blank}  # those rows, and no other
    assert {statuses[draft["findings"][i][0]] for i in blank} == {"推进中"}
    assert metrics == {row[0] for i, row in enumerate(draft["metrics"]) if i != unnamed[0]}
