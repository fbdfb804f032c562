"""Load, in a real browser on a real server: 20 sessions open the overview, a few at a time, while an
editor imports a month's ledger through the upload page. Every session draws its charts without an
exception, none sees half the month (its status tiles are those before the import or those after,
never a mix), and the import lands whole. (The server's memory under rounds of 20 sessions is measured
and checked for growth by `make bench`, beside the other figures that take minutes.)

The readers are tabs of one browser context: each tab is its own Streamlit session (its own
websocket), while the page's JavaScript is fetched and compiled once, not 20 times."""

from __future__ import annotations

from pathlib import Path

from ingest_files import csv_bytes
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from conftest import BROWSER_PASSWORD
from rectification.core import store
from rectification.workflow import auth

SESSIONS = 20
AT_ONCE = 5  # two cores: a few sessions at a time
MONTH = "2025-04"
CHARTS = 1  # the open tab's (整改完成进度); the other tabs draw when opened
TILE_COUNT = 6  # the status tiles, 已销号 … 完成率 (the headline tiles are in their own tab)

# The run has finished (no running indicator), its last element (the briefing download) is there, and
# so are every tile and every chart with its traces drawn (the charts draw after the run's last
# message arrives); then: what the session shows.
DRAWN = f"""() => !document.querySelector('[data-testid="stStatusWidget"]')
    && document.querySelector('.st-key-briefing_download')
    && document.querySelectorAll('[data-testid="stMetricValue"]').length >= {TILE_COUNT}
    && [...document.querySelectorAll('.js-plotly-plot')].filter(p => p.querySelector('.main-svg .trace')).length
        >= {CHARTS}"""
SHOWN = """() => ({
    tiles: [...document.querySelectorAll('[data-testid="stMetricValue"]')].map(e => e.innerText),
    charts: [...document.querySelectorAll('.js-plotly-plot')].filter(p => p.querySelector('.main-svg .trace')).length,
    exceptions: document.querySelectorAll('[data-testid="stException"]').length
        + (document.body.innerText.includes('Traceback') ? 1 : 0),
})"""


def ledger(store_path: Path, folder: Path) -> tuple[Path, int]:
    """April's ledger: every finding in progress in March is done in April, the rest unchanged."""
    con = store.connect(store_path)
    try:
        rows = con.execute(
            "select finding_code, status from current_finding_status where month = '2025-03-01' order by 1"
        ).fetchall()
    finally:
        con.close()
    body = [[MONTH, code, "已完成" if status == "推进中" else status, "四月台账"] for code, status in rows]
    path = folder / "四月台账.csv"
    path.write_bytes(csv_bytes([["月份", "问题编号", "状态", "进展说明"], *body], encoding="gbk"))
    return path, len(body)


def read_overview(page) -> tuple[str, ...]:
    """Wait until the overview has drawn everything; its status tiles, after checking it drew every
    chart and no exception."""
    try:
        page.wait_for_function(DRAWN, timeout=120_000, polling=250)
    except PlaywrightTimeout:
        raise AssertionError(f"the overview did not finish drawing: {page.evaluate(SHOWN)}") from None
    shown = page.evaluate(SHOWN)
    assert shown["exceptions"] == 0 and shown["charts"] == CHARTS, shown
    return tuple(shown["tiles"])


def sessions(readers, url: str, during=None) -> list[tuple[str, ...]]:
    """SESSIONS new tabs of `readers` open `url`, AT_ONCE at a time, each closed once read; `during()`
    runs once the first few have started."""
    seen = []
    for start in range(0, SESSIONS, AT_ONCE):
        batch = [readers.new_page() for _ in range(AT_ONCE)]
        for tab in batch:
            tab.goto(url, wait_until="commit")
        if during is not None and start == 0:
            during()
        seen += [read_overview(tab) for tab in batch]
        for tab in batch:
            tab.close()
    return seen


def test_twenty_sessions_read_the_overview_while_an_editor_imports_a_month(fresh_server, browser, tmp_path):
    form, n_rows = ledger(fresh_server.db, tmp_path)
    # The ledger reports 已完成 for findings of every department: only an admin may open all those 销号
    # requests (an editor may only for their own department's findings: issue 17).
    con = store.connect(fresh_server.db)
    try:
        auth.create_user(con, "load_admin", "admin", BROWSER_PASSWORD, display_name="整改办", actor="test")
    finally:
        con.close()
    readers = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    first = readers.new_page()
    first.goto(fresh_server.url, wait_until="commit")
    before = read_overview(first)

    editor_context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    editor = editor_context.new_page()
    editor.goto(f"{fresh_server.url}/upload", wait_until="domcontentloaded")
    main = editor.locator('[data-testid="stMain"]')
    main.get_by_label("用户名").fill("load_admin")
    main.get_by_label("密码").fill(BROWSER_PASSWORD)
    main.get_by_role("button", name="登录").click()
    editor.get_by_text("上传填好的月报").first.wait_for(timeout=60_000)
    editor.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(form))
    confirm = editor.get_by_role("button", name="确认导入").first
    confirm.wait_for(timeout=60_000)

    seen = sessions(readers, fresh_server.url, during=confirm.click)
    editor.get_by_text("已导入").first.wait_for(timeout=120_000)
    assert editor.locator('[data-testid="stException"]').count() == 0
    editor_context.close()

    # A new session on the same tab (not a reload: the address now names the month it showed).
    first.goto(fresh_server.url, wait_until="commit")
    after = read_overview(first)
    readers.close()
    assert before != after  # the import changes what the overview shows
    # Every session drew all its charts (read_overview); each saw the month whole or not at all.
    assert set(seen) <= {before, after}, (before, after, seen)

    # The import landed whole: every row of the file, in one upload.
    con = store.connect(fresh_server.db, wait=30)
    try:
        landed = con.execute(
            "select count(*), count(distinct upload_id) from finding_status where month = ?", [f"{MONTH}-01"]
        ).fetchone()
    finally:
        con.close()
    assert landed == (n_rows, 1)
