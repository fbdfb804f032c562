"""Shared fixtures: a real DuckDB store in a temp directory, built by the real `init`."""

from __future__ import annotations

import inspect
import os
from pathlib import Path

import pytest

from rectification.cli import bootstrap
from rectification.core import store

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def demo_store_template(tmp_path_factory) -> Path:
    """A demo store built once; tests copy it rather than rebuild it."""
    path = tmp_path_factory.mktemp("template") / "demo.duckdb"
    con = store.connect(path)
    bootstrap.initialise(con, sample=True)
    con.close()
    return path


@pytest.fixture
def store_path(tmp_path, demo_store_template, monkeypatch) -> Path:
    """A fresh copy of the demo store; RECTIFICATION_DB points at it for CLI and app."""
    path = tmp_path / "rectification.duckdb"
    path.write_bytes(demo_store_template.read_bytes())
    monkeypatch.setenv("RECTIFICATION_DB", str(path))
    return path


@pytest.fixture
def con(store_path):
    connection = store.connect(store_path)
    yield connection
    connection.close()


@pytest.fixture
def empty_store_path(tmp_path, monkeypatch) -> Path:
    """A store with the catalogue and opening balances only (init --no-sample)."""
    path = tmp_path / "nosample.duckdb"
    con = store.connect(path)
    bootstrap.initialise(con, sample=False)
    con.close()
    monkeypatch.setenv("RECTIFICATION_DB", str(path))
    return path


# --- A real server and a real browser, for the tests that look at pages as a user does. ---

# Debian's Chromium (installed by `make test`); BROWSER_PATH names another Chrome/Chromium, as for kaleido.
CHROMIUM = os.environ.get("BROWSER_PATH") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class StreamlitServer:
    """`streamlit run dashboard.py` (or `script`) on a free loopback port against the store at `db`."""

    def __init__(self, db: Path, log_path: Path, script: Path | None = None):
        import os
        import subprocess
        import sys

        self.db = db
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "RECTIFICATION_DB": str(db), "PYTHONPATH": str(ROOT)}
        command = [
            sys.executable, "-m", "streamlit", "run", str(script or ROOT / "dashboard.py"),
            "--server.port", str(self.port), "--server.address", "127.0.0.1", "--server.headless", "true",
            "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
        ]  # fmt: skip
        self.log = open(log_path, "wb")  # noqa: SIM115
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_until_healthy()

    def _wait_until_healthy(self, seconds: float = 60) -> None:
        from rectification.cli import warm

        try:
            warm.wait_until_up(self.url, seconds)  # what `python -m rectification warm` waits for
        except warm.WarmError:
            self.stop()
            raise RuntimeError(f"streamlit did not start within {seconds:.0f} s") from None

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)
        self.log.close()


@pytest.fixture(scope="session")
def live_server(demo_store_template, tmp_path_factory):
    """One server for the whole run, against its own copy of the demo store."""
    folder = tmp_path_factory.mktemp("server")
    db = folder / "server.duckdb"
    db.write_bytes(demo_store_template.read_bytes())
    server = StreamlitServer(db, folder / "streamlit.log")
    yield server
    server.stop()


@pytest.fixture
def fresh_server(store_path, tmp_path):
    """A server started for one test (its first browser session is the test's), with an editor
    account `browser_editor` already in its store."""
    from rectification.workflow import auth

    con = store.connect(store_path)
    auth.create_user(con, "browser_editor", "editor", BROWSER_PASSWORD, display_name="浏览器测试", actor="test")
    con.close()
    server = StreamlitServer(store_path, tmp_path / "streamlit.log")
    yield server
    server.stop()


BROWSER_PASSWORD = "browser-pass-2025"


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1600, "height": 900}, locale="zh-CN")
    tab = context.new_page()
    yield tab
    context.close()


# `-m "not browser"` is the fast set: these fixtures start Chromium or a Streamlit server.
BROWSER_FIXTURES = {"browser", "page", "live_server", "fresh_server"}


def _starts_a_server(function) -> bool:
    """A test or fixture of its own that starts `streamlit run` (e.g. with a store it prepared)."""
    try:
        return "StreamlitServer(" in inspect.getsource(function)
    except (OSError, TypeError):
        return False


def _needs_a_browser(item: pytest.Item) -> bool:
    parametrized = set(item.callspec.params) if hasattr(item, "callspec") else set()
    if (BROWSER_FIXTURES & set(item.fixturenames)) - parametrized:
        return True  # a test parametrized over a `page` script name uses no browser
    fixtures = [
        d.func for name, defs in item._fixtureinfo.name2fixturedefs.items() if name not in parametrized for d in defs
    ]
    return any(_starts_a_server(function) for function in [getattr(item, "function", None), *fixtures])


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _needs_a_browser(item):
            item.add_marker(pytest.mark.browser)


# --- In CI a skipped test is a failed run: a skip would hide a feature nobody checked. ---
_SKIPPED: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and not hasattr(report, "wasxfail"):
        _SKIPPED.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("CI") and _SKIPPED and exitstatus == 0:
        print(f"\nCI: {len(_SKIPPED)} test(s) skipped, which CI counts as a failure: {', '.join(_SKIPPED[:10])}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
