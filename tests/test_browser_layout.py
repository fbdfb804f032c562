"""Issue 17 items 10 and 11 in a real browser: at 390 (a phone), 1280 and 1920 px the overview's and
问题详情's charts draw no text on other text and none outside the chart, the page never scrolls sideways,
and on a phone the lists are cards."""

from __future__ import annotations

import pytest
from test_browser import assert_healthy

WIDTHS = [390, 1280, 1920]

# Every SVG text of a chart that has a box: titles, panel titles, footnotes, ticks, legend entries. Two
# overlapping are text drawn on text (「醉驾积案移诉及撤案」 into 「固定资产减册及报废」, right-hand numbers
# into the next panel, 「2025年3月」 under the legend); one past the chart's edge is cut off (the footnote).
_TEXT_BOXES = """chart => {
    const own = chart.getBoundingClientRect();
    const boxes = [...chart.querySelectorAll('svg text')]
        .filter(t => t.textContent.trim() && !t.closest('.hoverlayer') && !t.closest('.modebar'))
        .map(t => ({text: t.textContent.trim(), box: t.getBoundingClientRect()}))
        .filter(t => t.box.width > 0 && t.box.height > 0);
    const overlaps = [];
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i].box, b = boxes[j].box;
        // 1 px of slack: a glyph's box touching the next one's is not text on text
        if (a.right - 1 > b.left && b.right - 1 > a.left && a.bottom - 1 > b.top && b.bottom - 1 > a.top)
            overlaps.push([boxes[i].text, boxes[j].text]);
    }
    const outside = boxes.filter(t => t.box.left < own.left - 1 || t.box.right > own.right + 1).map(t => t.text);
    return {count: boxes.length, overlaps, outside};
}"""

# The overview's tabs with a chart, and the title each chart starts with.
OVERVIEW_CHARTS = [("整改完成进度", "整改完成进度"), ("重点成效", "重点成效"), ("各问题逐月状态", "各问题逐月整改状态")]


def open_page(page, url: str) -> None:
    # Not test_browser's: on a phone the sidebar (and its navigation) is folded away.
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector('[data-testid="stMain"]', timeout=30_000)


def _context(browser, width: int):
    # A phone is 844 px tall; the others as tall as the page, so every chart is drawn on screen.
    return browser.new_context(viewport={"width": width, "height": 5000}, locale="zh-CN", device_scale_factor=1)


def _assert_charts_readable(page, width: int) -> int:
    """Each chart on the page: no text on text, none past its edges. Returns how many were checked."""
    checked = 0
    for chart in page.locator(".js-plotly-plot").all():
        found = chart.evaluate(_TEXT_BOXES)
        title = chart.locator(".gtitle").first.text_content()
        assert found["count"] > 5, title
        assert not found["overlaps"], (width, title, found["overlaps"][:8])
        assert not found["outside"], (width, title, found["outside"][:8])
        checked += 1
    return checked


# An element past the window's right edge, unless a box that scrolls or clips it (the tab bar scrolls
# sideways by design) sits within the window.
_PAST_THE_EDGE = """() => {
    const clipped = e => {
        for (let p = e.parentElement; p; p = p.parentElement) {
            if (getComputedStyle(p).overflowX != 'visible')
                return p.getBoundingClientRect().right <= window.innerWidth + 1;
        }
        return false;
    };
    return [...document.querySelectorAll('[data-testid="stMain"] *')]
        .filter(e => e.getClientRects().length && e.getBoundingClientRect().right > window.innerWidth + 1)
        .filter(e => !clipped(e))
        .map(e => (e.getAttribute('data-testid') || e.tagName) + ': ' + (e.textContent || '').slice(0, 30))
        .slice(0, 5);
}"""


def _assert_no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    wide = page.evaluate(_PAST_THE_EDGE)
    assert not wide, wide


def _wait_for_chart(page, title: str, *, narrow: bool) -> None:
    # On a phone the chart is drawn twice: wide on the first run, narrow once the window's width is known.
    page.wait_for_function(
        """([title, narrow]) => {
            const charts = [...document.querySelectorAll('.js-plotly-plot')];
            return charts.length == 1 && charts[0].querySelector('.xtick text')
                && (charts[0].querySelector('.gtitle')?.textContent || '').startsWith(title)
                && Boolean(charts[0].layout?.meta?.narrow) == narrow;
        }""",
        arg=[title, narrow],
        timeout=60_000,
    )
    page.wait_for_timeout(1500)  # the chart's labels settle


@pytest.mark.parametrize("width", WIDTHS)
def test_overview_charts_readable_at_every_width(live_server, browser, width, tmp_path):
    context = _context(browser, width)
    page = context.new_page()
    narrow = width < 640
    try:
        open_page(page, live_server.url)
        main = page.locator('[data-testid="stMain"]')
        for tab, title in OVERVIEW_CHARTS:
            main.get_by_role("tab", name=tab).click()
            _wait_for_chart(page, title, narrow=narrow)
            assert_healthy(page)
            assert _assert_charts_readable(page, width) == 1
            _assert_no_sideways_scroll(page)
            page.screenshot(path=str(tmp_path / f"overview_{tab}_{width}.png"))
        # 需要关注 on a phone: a card a finding, its 问题 and 事项 on top, 说明 in full, nothing off screen
        main.get_by_role("tab", name="需要关注").click()
        if narrow:
            cards = page.locator('[class*="st-key-attention_table_card_"]')
            cards.first.get_by_role("link", name="详情：查看").wait_for(timeout=60_000)  # the card's last line
            first = cards.first.inner_text()
            assert "问题16" in first and "说明：" in first and "详情：查看" in first, first
            assert not page.locator('[data-testid="stDataFrame"]').count()
        else:
            main.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=60_000)
        _assert_no_sideways_scroll(page)
    finally:
        context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_finding_detail_charts_readable_at_every_width(live_server, browser, width, tmp_path):
    context = _context(browser, width)
    page = context.new_page()
    narrow = width < 640
    try:
        open_page(page, f"{live_server.url}/finding_detail?finding=F05")
        page.wait_for_function(
            """narrow => {
                const charts = [...document.querySelectorAll('.js-plotly-plot')];
                return charts.length >= 3 && charts.every(c => c.querySelector('.xtick text'))
                    && charts.every(c => Boolean(c.layout?.meta?.narrow) == narrow);
            }""",
            arg=narrow,
            timeout=90_000,
        )
        page.wait_for_timeout(2000)
        assert_healthy(page)
        assert _assert_charts_readable(page, width) >= 3
        _assert_no_sideways_scroll(page)
        if narrow:
            # the status over time is a band a phone can read, not a line
            status = page.locator(".js-plotly-plot").first
            cell = status.locator(".hm image, .heatmaplayer image").first.bounding_box()
            assert cell and cell["height"] >= 40, cell
        page.screenshot(path=str(tmp_path / f"detail_{width}.png"))
    finally:
        context.close()
