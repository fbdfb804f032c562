"""The store shared between the dashboard and the command line: the dashboard holds the file only
while a script run uses it, the CLI waits for its turn, and a change made by either shows in the
other; a damaged store or one from a newer version is named, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
from ingest_files import csv_bytes, fetch, snapshot
from streamlit.testing.v1 import AppTest

from rectification import cli
from rectification.core import backup, store

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
MONTH = "2025-04"  # the demo store's data ends in 2025-03
MONTH_LABEL = "2025年4月"


def run_cli(store_path: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rectification", *args, "--db", str(store_path)],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        timeout=timeout,
    )


def hold_store(store_path: Path, seconds: float | None = None) -> subprocess.Popen:
    """Another process with the store open: until its stdin closes, or for `seconds`."""
    hold = f"time.sleep({seconds})" if seconds is not None else "sys.stdin.read()"
    code = f"import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); print('ready', flush=True); {hold}"
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(store_path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert holder.stdout.readline() == b"ready\n"
    return holder


def overview(store_path: Path) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_dashboard_lets_go_of_the_store_between_runs(store_path):
    shared = store.SharedStore(store_path, linger=0.2)
    con = shared.acquire()
    assert con.execute("select count(*) from findings").fetchone()[0] > 0
    # While a run holds it, another process cannot open the file …
    assert run_cli(store_path, "findings", "--wait", "0").returncode == 1
    shared.release(con)
    # … and a moment after the last run, it can.
    time.sleep(0.5)
    assert not shared.is_open
    assert run_cli(store_path, "findings", "--wait", "0").returncode == 0


def test_a_cli_import_while_the_dashboard_runs_shows_on_its_next_rerun(store_path, tmp_path):
    at = overview(store_path)
    assert MONTH_LABEL not in at.selectbox(key="flt_as_of").options
    form = tmp_path / "april.csv"
    form.write_bytes(csv_bytes([["月份", "指标编码", "数值"], [MONTH, "F05_DISSUADE_SESSIONS", "3"]]))
    done = run_cli(store_path, "import", str(form))
    assert done.returncode == 0, done.stderr.decode()
    # The same session, same process: its caches notice the store changed under them.
    at.run()
    assert not at.exception
    assert MONTH_LABEL in at.selectbox(key="flt_as_of").options
    # And the other way: a backup and an export from the CLI while this session is still open.
    assert run_cli(store_path, "backup").returncode == 0
    exported = run_cli(store_path, "export", "--month", MONTH)
    assert exported.returncode == 0 and "F05_DISSUADE_SESSIONS" in exported.stdout.decode()


def test_a_command_waits_for_the_store_and_says_so(store_path):
    holder = hold_store(store_path, seconds=6)
    try:
        done = run_cli(store_path, "backup")
    finally:
        holder.wait(timeout=60)
    err = done.stderr.decode()
    assert done.returncode == 0, err
    assert "数据库文件正被另一个进程python3" in err and "等待其释放" in err
    assert f"PID {holder.pid}" in err
    assert "已备份到" in done.stdout.decode()
    assert len(list((store_path.parent / "backups").glob("rectification-*.duckdb"))) == 1


def test_a_command_that_cannot_wait_long_enough_names_itself_and_what_to_do(store_path):
    before = snapshot(store_path)
    holder = hold_store(store_path)
    try:
        done = run_cli(store_path, "users", "disable", "nobody", "--wait", "1")
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
    err = done.stderr.decode()
    assert done.returncode == 1
    assert err.startswith("「python -m rectification users disable」没有执行：")
    assert f"PID {holder.pid}" in err and "--wait" in err and "重新运行「python -m rectification users disable」" in err
    assert "Traceback" not in err
    assert snapshot(store_path) == before


def test_the_dashboard_waits_while_a_command_holds_the_store(store_path):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    holder = hold_store(store_path, seconds=2)
    try:
        at.run()
    finally:
        holder.wait(timeout=60)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error
    assert at.title[0].value == "整改进展总览"


def damage(path: Path) -> None:
    with open(path, "r+b") as f:
        f.seek(0)
        f.write(b"\0" * 8192 * 3)


def test_a_damaged_store_is_named_with_how_to_restore_the_latest_backup(store_path):
    made = run_cli(store_path, "backup")
    assert made.returncode == 0
    latest = backup.latest_backup(store_path)
    damage(store_path)

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.error[0].value == f"数据库文件 {store_path} 已损坏，无法读取。"
    assert f"python -m rectification restore {latest}" in at.text[0].value

    # The CLI says the same, and `restore` puts the backup in place, keeping the damaged file.
    refused = run_cli(store_path, "findings")
    assert refused.returncode == 1 and "已损坏" in refused.stderr.decode()
    assert str(latest) in refused.stderr.decode()
    restored = run_cli(store_path, "restore", str(latest))
    assert restored.returncode == 0, restored.stderr.decode()
    kept = list(store_path.parent.glob(f"{store_path.name}.damaged-*"))
    assert len(kept) == 1
    assert fetch(store_path, "select count(*) > 0 from findings") == [(True,)]
    assert fetch(store_path, "select action from audit_log order by audit_id desc limit 1") == [("restore",)]
    at = overview(store_path)
    assert not at.error


def test_a_store_from_a_newer_version_is_refused(store_path):
    con = duckdb.connect(str(store_path))
    con.execute("insert into schema_version (version, name) values (999, 'future')")
    con.close()
    before = snapshot_raw(store_path)

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "由更新版本的系统写入（数据库版本 999" in at.error[0].value
    done = run_cli(store_path, "findings")
    assert done.returncode == 1
    assert "由更新版本的系统写入（数据库版本 999" in done.stderr.decode()
    assert "Traceback" not in done.stderr.decode()
    assert snapshot_raw(store_path) == before  # nothing migrated, nothing written


def snapshot_raw(path: Path) -> dict:
    """Every table's rows, read without store.connect (which refuses a newer store)."""
    from snapshot import store_snapshot

    con = duckdb.connect(str(path), read_only=True)
    try:
        return store_snapshot(con)
    finally:
        con.close()


def test_the_busy_message_names_the_command(tmp_path):
    assert cli.busy_message("python -m rectification backup", "python3（PID 1）", 30).startswith(
        "「python -m rectification backup」没有执行："
    )
