"""Load, in a real browser on a real server: 20 sessions open the overview, a few at a time, while an
editor imports a month's ledger through the upload page. Every session draws its charts without an
exception, none sees half the month (its status tiles are those before the import or those after,
never a mix), the import lands whole, and the server's memory does not grow over a second round."""

from __future__ import annotations

from pathlib import Path

from ingest_files import csv_bytes
from test_browser import assert_healthy

from conftest import BROWSER_PASSWORD
from rectification import store

SESSIONS = 20
AT_ONCE = 4  # two cores: a few sessions at a time keep the test's wall time reasonable
MONTH = "2025-04"
CHART = ".js-plotly-plot .main-svg"
TILES = '[data-testid="stMetricValue"]'
TILE_COUNT = 11  # six status tiles (已销号 … 完成率) and five headlines: a run that drew fewer is not finished


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


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def new_page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    return context, context.new_page()


def read_overview(page) -> tuple[tuple[str, ...], int]:
    """Wait for the overview's charts; its status tiles and how many charts it drew."""
    page.get_by_text("整改进展总览").first.wait_for(timeout=120_000)
    page.wait_for_selector(CHART, timeout=120_000)
    page.wait_for_function(
        f"document.querySelectorAll('[data-testid=\"stMetricValue\"]').length >= {TILE_COUNT}", timeout=120_000
    )
    page.get_by_text("下载本页简报").first.wait_for(timeout=120_000)  # the last element: the run drew it all
    # Still running means more may come: wait until the script run has finished.
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=120_000)
    assert_healthy(page)
    return tuple(page.locator(TILES).all_inner_texts()), page.locator(CHART).count()


def round_of_sessions(browser, url: str, during=None) -> list[tuple[tuple[str, ...], int]]:
    """SESSIONS sessions open the overview, AT_ONCE at a time; `during()` runs after the first batch starts."""
    seen = []
    for start in range(0, SESSIONS, AT_ONCE):
        batch = [new_page(browser) for _ in range(AT_ONCE)]
        for _, page in batch:
            page.goto(url, wait_until="commit")
        if during is not None and start == 0:
            during()
        for context, page in batch:
            seen.append(read_overview(page))
            context.close()
    return seen


def test_twenty_sessions_read_the_overview_while_an_editor_imports_a_month(fresh_server, browser, tmp_path):
    form, n_rows = ledger(fresh_server.db, tmp_path)
    baseline_context, baseline = new_page(browser)
    baseline.goto(fresh_server.url, wait_until="commit")
    before, charts = read_overview(baseline)
    baseline_context.close()

    editor_context, editor = new_page(browser)
    editor.goto(f"{fresh_server.url}/upload", wait_until="domcontentloaded")
    main = editor.locator('[data-testid="stMain"]')
    main.get_by_label("用户名").fill("browser_editor")
    main.get_by_label("密码").fill(BROWSER_PASSWORD)
    main.get_by_role("button", name="登录").click()
    editor.get_by_text("上传填好的月报").first.wait_for(timeout=60_000)
    editor.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(form))
    editor.get_by_role("button", name="确认导入").first.wait_for(timeout=60_000)

    rss_start = rss_mb(fresh_server.process.pid)
    seen = round_of_sessions(
        browser, fresh_server.url, during=editor.get_by_role("button", name="确认导入").first.click
    )
    editor.get_by_text("已导入").first.wait_for(timeout=120_000)
    assert_healthy(editor)
    editor_context.close()
    rss_first = rss_mb(fresh_server.process.pid)

    after_context, after_page = new_page(browser)
    after_page.goto(fresh_server.url, wait_until="commit")
    after, _ = read_overview(after_page)
    after_context.close()
    assert before != after  # the import changes what the overview shows

    # Every session drew all the charts; each saw the month whole or not at all.
    assert [count for _, count in seen] == [charts] * SESSIONS
    assert {tiles for tiles, _ in seen} <= {before, after}, (before, after, seen)

    # The import landed whole: every row of the file, in one upload.
    con = store.connect(fresh_server.db, wait=30)
    try:
        landed = con.execute(
            "select count(*), count(distinct upload_id) from finding_status where month = ?", [f"{MONTH}-01"]
        ).fetchone()
    finally:
        con.close()
    assert landed == (n_rows, 1)

    # A second round of 20 sessions: the server's memory stays about where the first left it.
    again = round_of_sessions(browser, fresh_server.url)
    assert {tiles for tiles, _ in again} == {after}
    rss_second = rss_mb(fresh_server.process.pid)
    print(f"server RSS: {rss_start:.0f} MB before, {rss_first:.0f} MB after 20 sessions, {rss_second:.0f} MB after 40")
    assert rss_second < rss_first * 1.25 + 50
