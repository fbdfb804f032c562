"""Helpers shared by the tests: sign a user in (to an AppTest, or through the form in a browser),
and build a store as an older release made it."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from rectification.core import store
from rectification.core.months import to_date
from rectification.core.programme import read_file as read_programme
from rectification.workflow import auth

# The mini synthetic rectification (示例数据): the engine tested on a catalogue other than the report's.
MINI = Path(__file__).resolve().parents[1] / "data" / "demo" / "donghu-audit"
MINI_PROGRAMME = MINI / "programme.csv"

# Every user login() creates has this password, so a test can also sign in through the form.
TEST_PASSWORD = "correct-horse-42"


def login(
    at, store_path: Path, role: str = "editor", username: str | None = None, *, department: str | None = None
) -> auth.User:
    """Create `username` (default test_<role>) in the store at `store_path` if missing, start a
    session and put its token into at.session_state["auth_token"]. Call before at.run()."""
    username = username or f"test_{role}"
    con = store.connect(store_path)
    try:
        user = auth.get_user(con, username)
        if user is None:
            user = auth.create_user(
                con,
                username,
                role,
                TEST_PASSWORD,
                display_name=f"测试{auth.ROLE_LABELS[role]}",
                department=department,
                actor="test",
            )
        at.session_state["auth_token"] = auth.start_session(con, username)
    finally:
        con.close()
    return user


def with_store(store_path: Path, fn):
    """fn(con) on a connection to the store at `store_path`, closed afterwards."""
    con = store.connect(store_path)
    try:
        return fn(con)
    finally:
        con.close()


def open_page(page: str, store_path: Path, username=None, role=None, query=None):
    """The dashboard in AppTest on `page` (a ui/views script), signed in as `username` or a test user
    of `role` when given, with `query` as the link's query parameters."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "dashboard.py"), default_timeout=90)
    if username or role:
        login(at, store_path, role or "viewer", username=username)
    at.query_params.update(query or {})
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def account(con, username: str, role: str = "admin", department: str | None = None) -> str:
    """Create `username` on `con` if missing (for writes that name an account who may make them:
    a note, a ledger's 销号 request); returns the name."""
    if auth.get_user(con, username) is None:
        auth.create_user(con, username, role, TEST_PASSWORD, department=department, actor="test")
    return username


def sign_in_through_form(page, username: str, password: str, where: str = "main") -> None:
    """Sign in through the page's own form (in the main area, or the sidebar's 登录 expander)
    and wait until the page says who is signed in, so the next step sees the signed-in page."""
    if where == "sidebar":
        box = page.locator('[data-testid="stSidebar"]')
        box.get_by_text("登录", exact=True).first.click()
    else:
        box = page.locator('[data-testid="stMain"]')
    box.get_by_label("用户名").fill(username)
    box.get_by_label("密码").fill(password)
    box.get_by_role("button", name="登录").click()
    page.get_by_text("已登录：").first.wait_for(timeout=60_000)


LEGACY = Path(__file__).resolve().parent / "fixtures" / "legacy"


def legacy_store(tmp_path: Path, name: str) -> Path:
    """A copy of a store an older release wrote (tests/fixtures/legacy, made by its make_stores.py):
    v5-sample, v7-catalogue-v1[-sample], v8-sample, v13, v14-full."""
    path = tmp_path / f"{name}.duckdb"
    with gzip.open(LEGACY / f"{name}.duckdb.gz", "rb") as packed, path.open("wb") as raw:
        shutil.copyfileobj(packed, raw)
    return path


def opening_balances(con) -> dict[str, float]:
    return dict(con.execute("select metric_code, value from current_opening_balances").fetchall())


def assert_demo_months_add_up_to_the_report(con) -> None:
    """Each flow metric's demo months, summed to the report's month, give the report's figure."""
    sums = dict(
        con.execute(
            "select o.metric_code, sum(o.value) from current_observations o join metrics m using (metric_code)"
            " where m.kind = 'count' and o.month <= ? group by 1",
            [to_date(read_programme().opening_month)],
        ).fetchall()
    )
    opening = opening_balances(con)
    counts = [code for (code,) in con.execute("select metric_code from metrics where kind = 'count'").fetchall()]
    assert sorted(sums) == sorted(counts)
    assert {code: sums[code] for code in counts} == pytest.approx({code: opening[code] for code in counts})


def add_night_check_metric(con, **fields) -> str:
    """A metric an administrator adds after the report (夜查行动次数 under 问题05); returns its code."""
    from rectification.catalogue import admin as catalogue_admin

    return catalogue_admin.add_metric(
        con,
        finding_code="F05",
        name="夜查行动次数",
        unit="次",
        kind="count",
        group_code="PATROL",
        actor="admin",
        **fields,
    )
