"""Helpers for page tests: sign a user in to an AppTest without going through the form."""

from __future__ import annotations

from pathlib import Path

from rectification import auth, store

# Every user login() creates has this password, so a test can also sign in through the form.
TEST_PASSWORD = "correct-horse-42"


def login(at, store_path: Path, role: str = "editor", username: str | None = None) -> auth.User:
    """Create `username` (default test_<role>) in the store at `store_path` if missing, start a
    session and put its token into at.session_state["auth_token"]. Call before at.run()."""
    username = username or f"test_{role}"
    con = store.connect(store_path)
    try:
        user = auth.get_user(con, username)
        if user is None:
            user = auth.create_user(
                con, username, role, TEST_PASSWORD, display_name=f"测试{auth.ROLE_LABELS[role]}", actor="test"
            )
        at.session_state["auth_token"] = auth.start_session(con, username)
    finally:
        con.close()
    return user
