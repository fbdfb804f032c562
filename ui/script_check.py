"""The script health check (server.scriptHealthCheckEnabled; `python -m rectification warm`): a run with no browser."""

from __future__ import annotations


# --- The script health check (server.scriptHealthCheckEnabled; `python -m rectification warm`):
# Streamlit runs this script once in a session of its own, with no browser attached, and answers
# 200 unless the run raised. A page that cannot be drawn normally shows a message and stops (a clean
# run); in that check nobody would read it, so it raises instead and the check answers 503.
def script_check_run() -> bool:
    """True in the script health check's run: a session the server's session manager does not know
    (a real browser session is registered before its first run; one whose browser has just gone
    is not, but nobody would read its message either)."""
    from streamlit.runtime import Runtime
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx is not None and Runtime.exists() and Runtime.instance().get_client(ctx.session_id) is None


def fail_script_check(problem: str) -> None:
    if script_check_run():
        raise RuntimeError(f"script health check: the overview cannot be drawn: {problem}")
