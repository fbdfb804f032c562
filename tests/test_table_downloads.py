"""Formula-like text (=, +, -, @) typed into notes comes out of every table's own "Download as CSV"
neutralised with a leading apostrophe, as the project's own exports do: through a real browser download,
and for every page's tables through the one helper they all use."""

from __future__ import annotations

import csv
import io
import re

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import app_state
from conftest import ROOT, StreamlitServer
from rectification import annotations, store
from support import account

HOSTILE = ['=HYPERLINK("http://example.invalid","点我")', "+SUM(1,2)", "@cmd", "-2+3"]


def test_every_page_draws_tables_through_the_formula_safe_helper():
    offenders = [
        f"{path.name}:{number}"
        for path in sorted((ROOT / "views").glob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r"\bst\.(dataframe|data_editor|table)\(", line)
    ]
    assert offenders == []


def test_formula_safe_prefixes_formula_text_and_leaves_the_rest():
    frame = pd.DataFrame({"注释": [*HOSTILE, "正常文字", None], "数值": [1, 2, 3, 4, 5, 6]})
    safe = app_state.formula_safe(frame)
    assert safe["注释"].tolist()[:4] == ["'" + text for text in HOSTILE]
    assert safe["注释"].tolist()[4] == "正常文字" and pd.isna(safe["注释"].tolist()[5])
    assert safe["数值"].tolist() == [1, 2, 3, 4, 5, 6]
    assert frame["注释"].tolist()[0] == HOSTILE[0]  # the caller's frame is not changed


def _styled_tables_page():
    import pandas as pd

    import app_state

    frame = pd.DataFrame({"注释": ["=1+1", "正常文字"], "数值": [1, 2]})
    red = "color: red"
    app_state.show_table(app_state.formula_safe(frame).style.map(lambda _: red, subset=["注释"]), key="built_safe")
    app_state.show_table(frame.style.map(lambda _: red, subset=["注释"]), key="built_raw")


def test_a_styled_table_is_drawn_only_when_built_on_the_formula_safe_frame():
    at = AppTest.from_function(_styled_tables_page, default_timeout=60).run()
    assert len(at.dataframe) == 1  # the Styler built on the safe frame, with its styling
    drawn = at.dataframe[0]
    assert drawn.value["注释"].tolist() == ["'=1+1", "正常文字"]
    assert "color: red" in drawn.proto.arrow_data.styler.styles
    # One built on the raw frame would bring =1+1 into the CSV download: refused, not drawn.
    assert len(at.exception) == 1 and "formula_safe" in at.exception[0].value


@pytest.fixture
def hostile_notes_server(store_path, tmp_path):
    con = store.connect(store_path)
    for text in HOSTILE:
        annotations.add(con, user=account(con, "test"), text=text, month="2025-03", finding_code="F05")
    con.close()
    server = StreamlitServer(store_path, tmp_path / "streamlit.log")
    yield server
    server.stop()


def test_a_tables_own_csv_download_neutralises_formulas(hostile_notes_server, browser, tmp_path):
    context = browser.new_context(viewport={"width": 1600, "height": 900}, locale="zh-CN", accept_downloads=True)
    # Without the File System Access API the grid falls back to an ordinary download the browser hands us.
    context.add_init_script("window.showSaveFilePicker = () => { throw new Error('no picker in this test'); };")
    page = context.new_page()
    try:
        page.goto(f"{hostile_notes_server.url}/finding_detail?finding=F05", wait_until="domcontentloaded")
        table = page.locator(".st-key-notes_box [data-testid='stDataFrame']")
        table.wait_for(timeout=60_000)
        table.scroll_into_view_if_needed()
        table.hover()
        with page.expect_download(timeout=30_000) as download_info:
            # the notes table's own button (the 进展说明 table above it has one too)
            page.locator(".st-key-notes_box").get_by_role("button", name="Download as CSV").click()
        path = tmp_path / "notes.csv"
        download_info.value.save_as(path)
    finally:
        context.close()
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    written = sorted(row["注释"] for row in rows)
    assert written == sorted("'" + text for text in HOSTILE)
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values())
