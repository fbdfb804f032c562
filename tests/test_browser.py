"""Pages in a real browser (headless Chromium on a real server): each opens without an error, shows
our Chinese navigation, draws its charts; a deep link works in a fresh server's first session; an
editor signs in and uploads a GBK file exported from Excel."""

from __future__ import annotations

import pytest

from conftest import BROWSER_PASSWORD
from support import sign_in_through_form

# (url path and query, a text the page must show, whether it draws at least one plotly chart)
PAGES = [
    ("", "整改进展总览", True),
    ("finding_detail?finding=F05", "问题详情", True),
    ("metric_explorer", "指标趋势", True),
    ("reminders", "催办", False),
    ("upload", "请先登录", False),
    ("data_admin", "请先登录", False),
    ("closure_review", "请先登录", False),
    ("targets", "请先登录", False),
    ("catalogue", "请先登录", False),
    ("admin_users", "请先登录", False),
    ("audit_log", "请先登录", False),
    ("backup", "请先登录", False),
    ("briefing", "简报导出", False),
]
# What an anonymous visitor (or a viewer) finds listed: the pages they may use. The others open by
# link (PAGES above), each asking to sign in.
NAVIGATION = ["总览", "各单位整改进展", "问题详情", "指标趋势", "催办", "简报导出"]
EDITOR_NAVIGATION = ["总览", "各单位整改进展", "问题详情", "指标趋势", "催办", "数据上报", "数据管理", "简报导出"]


def open_page(page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector('[data-testid="stApp"]', timeout=30_000)
    page.wait_for_selector('[data-testid="stSidebarNav"]', timeout=30_000)


def assert_healthy(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "Traceback" not in page.content()


def navigation_labels(page) -> list[str]:
    # Each link's text is the Material icon's ligature name, then the title.
    return [label.split("\n")[-1].strip() for label in page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()]


@pytest.mark.parametrize(("path", "text", "has_chart"), PAGES)
def test_page_renders_in_browser(live_server, page, tmp_path, path, text, has_chart):
    open_page(page, f"{live_server.url}/{path}")
    page.get_by_text(text).first.wait_for(timeout=30_000)
    if has_chart:
        page.wait_for_selector(".js-plotly-plot g[class*='tick'] text", state="attached", timeout=30_000)
        ticks = page.locator(".js-plotly-plot g[class*='tick'] text").all_text_contents()
        assert any("年" in tick and "月" in tick for tick in ticks), ticks  # Chinese month ticks
    assert_healthy(page)
    assert navigation_labels(page) == NAVIGATION
    page.screenshot(path=str(tmp_path / "page.png"), full_page=True)


def test_deep_link_in_first_session_uses_the_apps_navigation(fresh_server, page):
    """The first session after start-up opened on a shared link still runs dashboard.py's navigation."""
    open_page(page, f"{fresh_server.url}/metric_explorer?group=HELMET")
    page.get_by_text("指标趋势").first.wait_for(timeout=30_000)
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
    assert navigation_labels(page) == NAVIGATION
    assert page.get_by_text("Page not found").count() == 0
    assert_healthy(page)


def test_editor_signs_in_and_uploads_a_gbk_file(fresh_server, page, tmp_path):
    gbk = tmp_path / "四月月报.csv"
    gbk.write_bytes(
        "横栏分局 2025年4月 整改成效月报\n月份,指标编码,指标名称,单位,数值,备注\n"
        "2025年4月,F05_DISSUADE_SESSIONS,头盔劝导场次,场次,３１２,夜查\n"
        '2025/4,F05_PERSONS_EDUCATED,教育不戴头盔驾乘人员,人次,"4,105",\n'.encode("gbk")
    )
    open_page(page, f"{fresh_server.url}/upload")
    sign_in_through_form(page, "browser_editor", BROWSER_PASSWORD)
    page.get_by_text("上传填好的月报").first.wait_for(timeout=30_000)
    # The picker speaks Chinese: 选择文件, and the importer's real limit instead of Streamlit's "42MB per file".
    zone = page.locator('[data-testid="stFileUploaderDropzone"]').first
    shown = zone.evaluate(
        """z => [z.querySelector('button p'), z.querySelector('[data-testid="stFileUploaderDropzoneInstructions"] span')]
            .map(e => [getComputedStyle(e).fontSize, getComputedStyle(e, '::after').content])"""
    )
    assert shown == [["0px", '"选择文件"'], ["0px", '"或把文件拖到此处；Excel（.xlsx）或 CSV，单个不超过 20 MB"']]
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(gbk))
    page.get_by_role("button", name="确认导入").first.wait_for(timeout=30_000)
    # The preview says what will be written before anything is.
    page.get_by_text("预览：月报（尚未写入）").wait_for(timeout=30_000)
    assert page.get_by_text("新增 2 条").count() == 1
    page.get_by_role("button", name="确认导入").first.click()
    page.get_by_text("已导入").first.wait_for(timeout=30_000)
    assert_healthy(page)
    page.screenshot(path=str(tmp_path / "uploaded.png"), full_page=True)
    # Signed in, the editor finds the reporting pages listed, and no administration.
    assert navigation_labels(page) == EDITOR_NAVIGATION


def test_the_filters_sit_above_the_account_box_at_1280(live_server, browser):
    """Issue 17 (item 20): at 1280×800 a viewer sees the filters first, the 登录 box below them."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        open_page(page, f"{live_server.url}/")
        sidebar = page.locator('[data-testid="stSidebar"]')
        sidebar.get_by_text("筛选").first.wait_for(timeout=30_000)
        filters = sidebar.get_by_text("筛选").first.bounding_box()
        account = sidebar.get_by_text("登录", exact=True).first.bounding_box()
        assert filters["y"] < account["y"]
        assert filters["y"] + filters["height"] < 800  # above the fold
        assert navigation_labels(page) == NAVIGATION
    finally:
        context.close()


# --- issue 8: what a new user tripped over, checked where it showed: in the browser at 1280 and 1920 px ---


def _boxes(page, selector: str) -> list[dict]:
    return [box for box in (el.bounding_box() for el in page.locator(selector).all()) if box and box["height"] > 0]


def _overlap(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


# The texts of a tile (its label, its figure, its change) that are cut: each has all three, and the text
# (or an element inside it, where Streamlit puts the ellipsis) is wider than the box it is shown in. No
# pixel of slack: 「逾期（项）」 70 px wide in a 69.3 px box showed as 「逾期（项…」.
_TILE_CUT = """tile => ['stMetricLabel', 'stMetricValue', 'stMetricDelta'].flatMap(part => {
    const box = tile.querySelector(`[data-testid="${part}"]`);
    if (!box || !box.textContent.trim()) return [`${part}: missing`];
    return [box, ...box.querySelectorAll('*')]
        .filter(e => e.scrollWidth > e.clientWidth)
        .map(e => `${part}: ${e.textContent.trim()}`);
})"""


@pytest.mark.parametrize("width", [1280, 1920])
def test_overview_labels_do_not_collide_and_tiles_are_not_cut(live_server, browser, width):
    context = browser.new_context(viewport={"width": width, "height": 4200}, locale="zh-CN")
    page = context.new_page()
    try:
        open_page(page, live_server.url)
        main = page.locator('[data-testid="stMain"]')
        # One chart at a time, the open tab's; its title names it.
        for tab, title in [
            ("整改完成进度", "整改完成进度"),
            ("重点成效", "重点成效"),
            ("各问题逐月状态", "各问题逐月整改状态"),
        ]:
            main.get_by_role("tab", name=tab).click()
            page.wait_for_function(
                """title => {
                    const charts = [...document.querySelectorAll('.js-plotly-plot')];
                    return charts.length == 1 && charts[0].querySelector('.xtick text')
                        && (charts[0].querySelector('.gtitle')?.textContent || '').startsWith(title);
                }""",
                arg=title,
                timeout=60_000,
            )
            page.wait_for_timeout(1500)  # the chart's labels settle
            assert_healthy(page)
            (chart,) = page.locator(".js-plotly-plot").all()
            ticks = [b for b in (t.bounding_box() for t in chart.locator(".xtick text").all()) if b]
            texts = [t for t in chart.locator(".xtick text").all_text_contents() if t]
            assert texts and all("年" in t and "月" in t for t in texts)
            # month labels never overlap one another, the subtitle (source line) or the legend
            for i, a in enumerate(ticks):
                assert not any(_overlap(a, b) for b in ticks[i + 1 :]), texts
            for other in (".gtitle-subtitle", ".legend .traces"):
                for box in (b for b in (el.bounding_box() for el in chart.locator(other).all()) if b):
                    assert not any(_overlap(box, t) for t in ticks), (other, texts)
            assert main.get_by_role("tab", name=tab).get_attribute("aria-selected") == "true"
            # the tiles (the status tiles; in 重点成效 the headline ones too) show their labels, figures and
            # changes whole: Streamlit cuts a text too long for its tile with an ellipsis ("已销号（…")
            tiles = page.locator('[data-testid="stMetric"]').all()
            assert len(tiles) == (11 if tab == "重点成效" else 6)
            cut = [text for tile in tiles for text in tile.evaluate(_TILE_CUT)]
            assert not cut, cut
        # the lists have tabs of their own, drawn when opened
        main.get_by_role("tab", name="需要关注").click()
        main.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=60_000)
        assert not page.locator(".js-plotly-plot").count()
        assert_healthy(page)
    finally:
        context.close()


@pytest.fixture
def long_history_server(store_path, tmp_path):
    """A server on a store with fourteen months of figures: where month labels used to reach the legend."""
    from conftest import StreamlitServer
    from rectification import ingest
    from rectification.core import store

    con = store.connect(store_path)
    codes = [c for (c,) in con.execute("select metric_code from metrics where kind = 'count'").fetchall()]
    lines = ["月份,指标编码,指标名称,单位,数值,备注"]
    lines += [f"2025-{m:02d},{code},,,{m * 3}," for m in range(4, 10) for code in codes]
    ingest.import_file(con, ("\n".join(lines) + "\n").encode("utf-8"), "月报.csv", user="test")
    con.close()
    server = StreamlitServer(store_path, tmp_path / "streamlit.log")
    yield server
    server.stop()


def test_metric_charts_month_labels_clear_of_the_legend_after_a_year(long_history_server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 6000}, locale="zh-CN")
    page = context.new_page()
    try:
        open_page(page, f"{long_history_server.url}/finding_detail?finding=F05&asof=2025-09")
        page.wait_for_function(
            "[...document.querySelectorAll('.js-plotly-plot')].filter(c => c.querySelector('.legend')).length >= 3",
            timeout=60_000,
        )
        page.wait_for_timeout(1500)
        assert_healthy(page)
        checked = 0
        for chart in page.locator(".js-plotly-plot").all():
            legend = chart.locator(".legend .traces").all()
            ticks = [b for b in (t.bounding_box() for t in chart.locator(".xtick text").all()) if b]
            if not legend or len(ticks) < 2:
                continue
            checked += 1
            for item in (b for b in (el.bounding_box() for el in legend) if b):
                assert not any(_overlap(item, t) for t in ticks)
            for i, a in enumerate(ticks):
                assert not any(_overlap(a, b) for b in ticks[i + 1 :])
        assert checked >= 2
    finally:
        context.close()
