"""`python -m rectification warm`: a newly started server runs the overview's script once (Streamlit's
script health check), so the first visitor finds the imports done and the caches filled. What the
caches did is read from the server's own counters (/_stcore/metrics: lookups by hit and miss), not
from timings."""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.request

import pytest

from conftest import BROWSER_PASSWORD, ROOT, StreamlitServer, _free_port
from rectification import cli
from rectification.cli import warm
from rectification.core import store
from rectification.workflow import auth
from support import sign_in_through_form
from ui import access

FIRST_CHART = ".js-plotly-plot .main-svg .trace"


def run_warm(url: str, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "rectification", "warm", "--url", url, *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=180)


def lookups(url: str) -> dict[tuple[str, str], int]:
    """{(cache function, "hit" | "miss"): count} from the server's metrics."""
    with urllib.request.urlopen(f"{url}/_stcore/metrics", timeout=30) as response:
        text = response.read().decode()
    pattern = r'cache_lookups_total\{cache="ui\.[\w.]*?(\w+)",cache_type="\w+",result="(\w+)"\} (\d+)'
    return {(name, result): int(count) for name, result, count in re.findall(pattern, text)}


def test_warm_fills_the_caches_the_first_visitor_uses(fresh_server, page):
    done = run_warm(fresh_server.url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("看板已预热：总览脚本运行正常（")
    # No browser has opened the page yet: the check's run loaded the data once and built the
    # overview's summary and its first chart.
    counts = lookups(fresh_server.url)
    assert counts[("_dashboard_data", "miss")] == 1
    assert counts[("_view", "miss")] == 2

    # The first visitor's overview draws its first chart from those caches: nothing computed again.
    page.goto(fresh_server.url, wait_until="domcontentloaded")
    page.wait_for_selector(FIRST_CHART, timeout=120_000)
    counts = lookups(fresh_server.url)
    assert counts[("_dashboard_data", "miss")] == 1
    assert counts[("_view", "miss")] == 2
    assert counts[("_view", "hit")] >= 2


def test_with_login_required_warm_fills_the_caches_behind_the_sign_in_page(store_path, tmp_path, monkeypatch, browser):
    # A viewer signed in before the server (re)started: the browser still holds the sign-in cookie.
    con = store.connect(store_path)
    auth.create_user(con, "viewer_one", "viewer", BROWSER_PASSWORD, display_name="查看人员", actor="test")
    token = auth.start_session(con, "viewer_one")
    con.close()
    monkeypatch.setenv("RECTIFICATION_LOGIN_REQUIRED", "1")
    server = StreamlitServer(store_path, tmp_path / "streamlit.log")
    try:
        done = run_warm(server.url)
        assert done.returncode == 0, done.stderr
        # A visitor's run stops at the sign-in page before the data are read; the check's own run
        # (no browser, nothing shown) reads them into the caches all the same.
        counts = lookups(server.url)
        assert counts[("_dashboard_data", "miss")] == 1
        assert counts[("_view", "miss")] == 2

        signed_out = browser.new_context(locale="zh-CN")
        page = signed_out.new_page()
        page.goto(server.url, wait_until="domcontentloaded")
        page.get_by_text("请先登录").first.wait_for(timeout=60_000)
        assert page.locator(".js-plotly-plot").count() == 0
        assert "数据截至" not in page.content()
        signed_out.close()

        returning = browser.new_context(locale="zh-CN")
        returning.add_cookies([{"name": access.COOKIE_NAME, "value": token, "url": server.url}])
        page = returning.new_page()
        page.goto(server.url, wait_until="domcontentloaded")
        page.wait_for_selector(FIRST_CHART, timeout=120_000)
        returning.close()

        signing_in = browser.new_context(locale="zh-CN")
        page = signing_in.new_page()
        page.goto(server.url, wait_until="domcontentloaded")
        sign_in_through_form(page, "viewer_one", BROWSER_PASSWORD)
        page.wait_for_selector(FIRST_CHART, timeout=120_000)
        signing_in.close()
        counts = lookups(server.url)
    finally:
        server.stop()
    # The returning viewer's overview, and the one after signing in through the form, drew from those caches.
    assert counts[("_dashboard_data", "miss")] == 1
    assert counts[("_view", "miss")] == 2
    assert counts[("_view", "hit")] >= 2


def test_warm_with_nothing_listening_says_so_in_chinese(capsys):
    url = f"http://127.0.0.1:{_free_port()}"
    assert cli.main(["warm", "--url", url, "--wait", "1"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"看板预热失败：{url} 在 1 秒内没有响应")
    assert "请检查看板是否已启动" in err
    assert "Traceback" not in err


def damage(path) -> None:
    with open(path, "r+b") as f:
        f.write(b"\0" * 8192 * 3)


def uninitialised(path) -> None:
    path.unlink()
    store.connect(path).close()  # the schema, no findings: the page says to run init


@pytest.mark.parametrize("login", ["0", "1"])
@pytest.mark.parametrize("spoil", [damage, uninitialised])
def test_warm_fails_when_the_overview_cannot_be_drawn(store_path, tmp_path, monkeypatch, spoil, login):
    monkeypatch.setenv("RECTIFICATION_LOGIN_REQUIRED", login)
    spoil(store_path)
    server = StreamlitServer(store_path, tmp_path / "streamlit.log")
    try:
        done = run_warm(server.url, "--wait", "30")
    finally:
        server.stop()
    assert done.returncode == 1
    assert done.stderr.startswith(f"看板预热失败：{server.url} 的总览脚本运行出错（HTTP 503）")
    assert "Traceback" not in done.stderr


def test_default_url_comes_from_the_streamlit_config(tmp_path, monkeypatch):
    monkeypatch.delenv("STREAMLIT_SERVER_PORT", raising=False)
    monkeypatch.delenv("STREAMLIT_SERVER_BASE_URL_PATH", raising=False)
    config = tmp_path / "config.toml"
    config.write_text('[server]\nport = 8600\nbaseUrlPath = "/dashboard/"\n', encoding="utf-8")
    assert warm.default_url(config) == "http://127.0.0.1:8600/dashboard"
    assert warm.default_url(tmp_path / "missing.toml") == "http://127.0.0.1:8501"
    assert warm.default_url() == "http://127.0.0.1:8501"  # the project's own config
    monkeypatch.setenv("STREAMLIT_SERVER_PORT", "8700")  # as Streamlit itself reads it
    assert warm.default_url(config) == "http://127.0.0.1:8700/dashboard"
