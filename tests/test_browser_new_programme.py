"""In a real browser: an admin uploads the report as a PDF on 新建整改, corrects the draft in its tables
the way a person does (click a cell, arrow keys, Enter to edit, type, Enter), and creates the
rectification. The store then holds exactly those edits and nothing else was changed."""

from __future__ import annotations

import re
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
ROW_NUMBERS = 50  # the width of the grid's row-number column, in px
ROW_MARKERS = 34  # the tick-boxes a table with rows to add or delete has before its row numbers


def idle(page) -> None:
    """Until the rerun an edit started has finished (Streamlit's 运行中 indicator is gone)."""
    page.wait_for_timeout(400)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=60_000)


def select_cell(page, row: int, column: int, *, markers: bool = False) -> float:
    """The cell at (row, column) of the open tab's table: its row clicked, then the arrow keys across.
    Returns the row's height on the page, for a click on its tick-box."""
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
    page.mouse.click(box["x"] + ROW_NUMBERS + (ROW_MARKERS if markers else 0) + 10, y)  # its first data column
    page.wait_for_timeout(150)  # the grid takes the focus before the keys
    for _ in range(column):
        page.keyboard.press("ArrowRight")
    return y


def type_into(page, row: int, column: int, text: str, *, markers: bool = False) -> None:
    select_cell(page, row, column, markers=markers)
    page.keyboard.press("Enter")  # opens the cell's editor
    page.wait_for_timeout(300)
    page.keyboard.press("Control+a")
    page.keyboard.type(text, delay=20)
    page.keyboard.press("Enter")
    idle(page)


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).click()
    page.wait_for_timeout(500)


def start(store_path, tmp_path, page, monkeypatch) -> tuple[StreamlitServer, dict]:
    """The page open with the PDF's draft, signed in as an admin; the draft's tables as read."""
    monkeypatch.setenv("RECTIFICATION_LOGIN_REQUIRED", "1")
    con = store.connect(store_path)
    auth.create_user(con, "setup_admin", "admin", BROWSER_PASSWORD, actor="test")
    con.close()
    draft = read_path(REPORT_PDF).tables()
    server = StreamlitServer(store_path, tmp_path / "streamlit.log")
    page.goto(server.url + "/new_programme", wait_until="domcontentloaded")
    sign_in_through_form(page, "setup_admin", BROWSER_PASSWORD)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(REPORT_PDF)
    page.get_by_text("待核事项（13 条）").first.wait_for(timeout=60_000)
    idle(page)
    return server, draft


def blank_statuses(draft: dict) -> list[int]:
    return [i for i, row in enumerate(draft["findings"]) if row[9] == ""]  # the status column


def unnamed_metrics(draft: dict) -> list[int]:
    return [i for i, row in enumerate(draft["metrics"]) if not row[3] or not row[4]]  # name, unit


def correct(page, draft: dict) -> None:
    """What the draft needs before it can be created: the tracking month, the statuses the text does not
    give (推进中), and the one metric with no name left out."""
    type_into(page, 0, 8, "2024-08")  # 整改信息: 开始跟踪月份
    open_tab(page, "问题")
    for row in blank_statuses(draft):
        type_into(page, row, 5, "推进中", markers=True)  # 整改状态, chosen by typing into its list
    open_tab(page, "拟设指标")
    select_cell(page, unnamed_metrics(draft)[0], 0)
    page.keyboard.press(" ")  # 保留 unticked
    page.get_by_text("不建 1 个").wait_for(timeout=30_000)


def create(page, message: str) -> None:
    page.get_by_label("新整改事项编号", exact=True).fill(CODE)
    page.get_by_role("button", name="创建", exact=True).click()
    error = page.locator('[data-testid="stAlertContentError"]')
    page.get_by_text(message).or_(error).first.wait_for(timeout=60_000)
    assert error.count() == 0, error.first.inner_text()


def toolbar(page, label: str) -> None:
    """A button of the open tab's table toolbar (shown while the pointer is over the table)."""
    grid = page.locator('[role="tabpanel"]:visible [data-testid="stDataFrame"]').first
    grid.hover()
    page.get_by_role("button", name=re.compile(f"^{label}")).first.click()


def created(store_path, *queries: str) -> list[list[tuple]]:
    """Each query's rows, read in the new rectification once the server has stopped."""
    con = store.connect(store_path)
    try:
        store.use_programme(con, CODE)
        return [con.execute(query).fetchall() for query in queries]
    finally:
        con.close()


def test_an_admin_corrects_the_pdf_draft_in_the_tables_and_creates_it(store_path, tmp_path, page, monkeypatch):
    server, draft = start(store_path, tmp_path, page, monkeypatch)
    blank, unnamed = blank_statuses(draft), unnamed_metrics(draft)
    assert len(blank) >= 3 and len(unnamed) == 1
    try:
        correct(page, draft)
        create(page, "已创建整改事项：56 项整改问题，96 个指标")
    finally:
        server.stop()

    statuses, metrics, tracking = created(
        store_path,
        "select finding_code, status from current_finding_status",
        "select metric_code from metrics",
        f"select tracking_start from main.programme where code = '{CODE}'",
    )
    statuses, metrics, tracking = dict(statuses), {row[0] for row in metrics}, tracking[0][0]
    assert tracking.isoformat() == "2024-08-01"
    changed = {row[0] for row in draft["findings"] if statuses[row[0]] != row[9]}
    assert changed == {draft["findings"][i][0] for i in blank}  # those rows, and no other
    assert {statuses[draft["findings"][i][0]] for i in blank} == {"推进中"}
    assert metrics == {row[0] for i, row in enumerate(draft["metrics"]) if i != unnamed[0]}


def test_an_admin_deletes_a_finding_and_adds_one_in_the_table(store_path, tmp_path, page, monkeypatch):
    """The table's own controls: a row's tick-box and the toolbar's delete, the toolbar's add and typing
    into the new row; the deleted finding's measures and metrics are not created, the new one is F55."""
    server, draft = start(store_path, tmp_path, page, monkeypatch)
    findings = [row[0] for row in draft["findings"]]
    gone = findings.index("F05")
    try:
        correct(page, draft)
        open_tab(page, "问题")
        y = select_cell(page, gone, 0, markers=True)
        grid = page.locator('[role="tabpanel"]:visible [data-testid="stDataFrame"]').first
        page.mouse.click(grid.bounding_box()["x"] + ROW_MARKERS / 2, y)  # the row's tick-box
        toolbar(page, "Delete row")
        idle(page)
        toolbar(page, "Add row")
        idle(page)
        added = len(findings) - 1  # the last row, once F05's is gone
        for column, text in ((2, "S1"), (3, "S1T02"), (4, "新增的问题：路口隐患复查"), (5, "推进中")):
            type_into(page, added, column, text, markers=True)
        page.get_by_text("将创建 56 项问题").wait_for(timeout=10_000)
        create(page, "已创建整改事项：56 项整改问题")
    finally:
        server.stop()

    titles, owners, metric_owners = created(
        store_path,
        "select finding_code, title from findings",
        "select finding_code from measures",
        "select finding_code from metrics",
    )
    titles, owners, metric_owners = dict(titles), {r[0] for r in owners}, {r[0] for r in metric_owners}
    assert "F05" not in titles and "F05" not in owners and "F05" not in metric_owners
    assert titles["F55"] == "新增的问题：路口隐患复查"
    assert set(titles) == (set(findings) - {"F05"}) | {"F55"}
