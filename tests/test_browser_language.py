"""No Streamlit English where a user sees or hears it: every page, as an anonymous visitor and as an
admin, in a real browser at 1280 px. Visible text, and the tooltips and labels of what is on screen
(aria-label, title, placeholder, plotly's data-title), are checked against the English Streamlit ships."""

from __future__ import annotations

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from conftest import StreamlitServer
from rectification.core import store
from rectification.workflow import auth
from support import TEST_PASSWORD, sign_in_through_form

PATHS = [
    "",
    "finding_detail?finding=F05",
    "metric_explorer",
    "reminders",
    "briefing",
    "upload",
    "data_admin",
    "closure_review",
    "targets",
    "catalogue",
    "admin_users",
    "audit_log",
    "backup",
]
ENGLISH = [
    "Choose an option",
    "Choose options",
    "Fullscreen",
    "Download as CSV",
    "Show/hide columns",
    "Choose date",
    "yyyy",
    "Press Enter",
    "No results",
    "Running...",
    "Search",
]
# Everything on screen that a person reads or a screen reader speaks, minus what the page shows as
# given (the report's text, user text: never rewritten, so it may hold any word).
_SHOWN = """() => {
  const out = [];
  const visible = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  for (const el of document.querySelectorAll('[aria-label], [title], [placeholder], [data-title]')) {
    if (!visible(el) && !el.closest('.modebar')) continue;
    for (const name of ['aria-label', 'title', 'placeholder', 'data-title']) {
      const value = el.getAttribute(name);
      if (value) out.push(value);
    }
  }
  out.push(document.body.innerText);
  return out;
}"""


def english_on(page) -> list[str]:
    # Hover each chart and table once, so their toolbars (Fullscreen, Download, Search) are drawn.
    shown_elements = [e for e in page.locator('.js-plotly-plot, [data-testid="stDataFrame"]').all() if e.is_visible()]
    for element in shown_elements[:4]:
        try:
            element.hover(timeout=5_000)
        except PlaywrightTimeout:
            continue  # redrawn meanwhile (a rerun replaces the element): the others still show the toolbar
        page.wait_for_timeout(200)
    page.wait_for_timeout(500)  # the observer rewrites as Streamlit draws
    shown = page.evaluate(_SHOWN)
    return sorted({word for word in ENGLISH for text in shown if word in text})


def open_and_settle(page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector('[data-testid="stSidebarNav"]', timeout=30_000)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=60_000)
    page.wait_for_timeout(1500)


@pytest.fixture
def admin_server(store_path, tmp_path):
    con = store.connect(store_path)
    auth.create_user(con, "language_admin", "admin", TEST_PASSWORD, display_name="语言测试", actor="test")
    con.close()
    server = StreamlitServer(store_path, tmp_path / "streamlit.log")
    yield server
    server.stop()


def test_no_streamlit_english_on_any_page(admin_server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    found = {}
    try:
        for path in PATHS[:5]:  # what an anonymous visitor may open
            open_and_settle(page, f"{admin_server.url}/{path}")
            found.update({f"anonymous /{path}": words for words in [english_on(page)] if words})
        open_and_settle(page, admin_server.url)
        sign_in_through_form(page, "language_admin", TEST_PASSWORD, where="sidebar")
        for path in PATHS:
            open_and_settle(page, f"{admin_server.url}/{path}")
            found.update({f"admin /{path}": words for words in [english_on(page)] if words})
    finally:
        context.close()
    assert not found, found
