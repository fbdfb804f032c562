"""The dashboard runs as a real Streamlit script (AppTest) on a demo and on an empty store."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]


def test_dashboard_runs_on_demo_store(store_path):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    assert not at.exception
    assert any("示例数据" in w.value for w in at.warning), "demo banner missing"


def test_dashboard_runs_on_store_without_sample(empty_store_path):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    assert not at.exception
    assert not any("示例数据" in w.value for w in at.warning)


def test_dashboard_on_missing_store_says_how_to_initialise(tmp_path, monkeypatch):
    monkeypatch.setenv("RECTIFICATION_DB", str(tmp_path / "new.duckdb"))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    assert not at.exception
    assert any("python -m rectification init" in e.value for e in at.error)


def test_every_page_shows_the_demo_banner(store_path):
    """The banner is on every page while demo data is present, the admin pages included."""
    import re

    from support import login

    pages = re.findall(r'\(\s*"(ui/views/[^"]+\.py)"', (ROOT / "dashboard.py").read_text(encoding="utf-8"))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    login(at, store_path, "admin")
    at.run()
    for page in pages:
        at.switch_page(page).run()
        assert not at.exception, page
        assert any("示例数据" in w.value for w in at.warning), page


def test_every_page_runs_on_the_second_rectification(store_path):
    """The demo's second unit (the audit, its own codes and months): every page, the admin ones too,
    draws from it when the link names it, and none shows the report's rectification instead."""
    import re

    from support import login

    pages = re.findall(r'\(\s*"(ui/views/[^"]+\.py)"', (ROOT / "dashboard.py").read_text(encoding="utf-8"))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    login(at, store_path, "admin")
    at.query_params["programme"] = "DH-SJ-2025"
    at.run()
    for page in pages:
        at.switch_page(page).run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert not at.error, (page, [e.value for e in at.error])
        assert at.sidebar.selectbox(key="programme_picker").value == "DH-SJ-2025", page
        shown = " ".join(str(e.value) for e in (*at.title, *at.caption, *at.text, *at.markdown))
        assert "十五届市委公安系统专项巡察" not in shown or page.endswith("city_overview.py"), page
