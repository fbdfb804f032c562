"""Formula-like text (=, +, -, @) shows on screen as typed, and leaves the dashboard only through the
project's own downloads, which neutralise it with a leading apostrophe: the tables' own CSV download is
off (client.disableDataExport), checked in a real browser; every page draws tables through one helper."""

from __future__ import annotations

import csv
import io
import re
import tomllib

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT, StreamlitServer
from rectification.core import store, tables
from rectification.workflow import annotations
from support import account

HOSTILE = ['=HYPERLINK("http://example.invalid","点我")', "+SUM(1,2)", "@cmd", "-2+3"]


def test_every_page_draws_tables_through_show_table():
    offenders = [
        f"{path.name}:{number}"
        for path in sorted((ROOT / "ui" / "views").glob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r"\bst\.(dataframe|data_editor|table)\(", line)
    ]
    assert offenders == []


def test_the_grids_own_download_and_copy_are_off():
    settings = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert settings["client"]["disableDataExport"] is True


def _tables_page():
    import pandas as pd

    from ui import widgets

    frame = pd.DataFrame({"注释": ["=1+1", "-5", "正常文字"], "数值": [1, 2, 3]})
    widgets.show_table(frame, key="plain")
    widgets.show_table(frame.style.map(lambda _: "color: red", subset=["注释"]), key="styled")


def test_tables_show_text_as_typed_and_the_projects_downloads_neutralise_it():
    at = AppTest.from_function(_tables_page, default_timeout=60).run()
    assert not at.exception
    assert [d.value["注释"].tolist() for d in at.dataframe] == [["=1+1", "-5", "正常文字"]] * 2
    assert "color: red" in at.dataframe[1].proto.arrow_data.styler.styles
    frame = pd.DataFrame({"注释": HOSTILE})
    written = list(csv.reader(io.StringIO(tables.to_csv_bytes(frame).decode("utf-8-sig"))))
    assert written == [["注释"], *(["'" + text] for text in HOSTILE)]


@pytest.fixture
def hostile_notes_server(store_path, tmp_path):
    con = store.connect(store_path)
    for text in HOSTILE:
        annotations.add(con, user=account(con, "test"), text=text, month="2025-03", finding_code="F05")
    con.close()
    server = StreamlitServer(store_path, tmp_path / "streamlit.log")
    yield server
    server.stop()


def test_a_table_offers_no_download_of_its_own_in_the_browser(hostile_notes_server, browser):
    context = browser.new_context(viewport={"width": 1600, "height": 900}, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(f"{hostile_notes_server.url}/finding_detail?finding=F05", wait_until="domcontentloaded")
        table = page.locator(".st-key-notes_box [data-testid='stDataFrame']")
        table.wait_for(timeout=60_000)
        table.scroll_into_view_if_needed()
        table.hover()
        toolbar = page.locator(".st-key-notes_box [data-testid='stElementToolbar']")
        toolbar.wait_for(timeout=10_000)  # the toolbar is there (search, full screen)…
        assert toolbar.get_by_role("button", name="搜索").count() == 1  # (Streamlit's Search, in Chinese)
        # …but not its CSV download, which would write the notes as typed, =HYPERLINK(...) and all.
        assert page.get_by_role("button", name="Download as CSV").count() == 0
        assert page.get_by_role("button", name="下载为 CSV").count() == 0
    finally:
        context.close()
