"""Pages in a real browser: each opens without an error and draws its charts with Chinese text."""

from __future__ import annotations

import pytest

PAGES = [
    # (url path, a heading the page must show, whether it draws at least one plotly chart)
    ("", "整改进展看板", True),
]


def open_page(page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector('[data-testid="stApp"]', timeout=30_000)
    # Streamlit renders after the websocket's first script run; wait for it to finish.
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=30_000)


@pytest.mark.parametrize(("path", "heading", "has_chart"), PAGES)
def test_page_renders_in_browser(live_server, page, tmp_path, path, heading, has_chart):
    open_page(page, f"{live_server['url']}/{path}")
    page.get_by_text(heading).first.wait_for(timeout=30_000)
    if has_chart:
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "Traceback" not in page.content()
    page.screenshot(path=str(tmp_path / f"{path or 'home'}.png"), full_page=True)
