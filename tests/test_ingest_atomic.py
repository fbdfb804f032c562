"""All or nothing: a process killed mid-commit, and a CLI import while another process holds the store."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from ingest_files import csv_bytes, fetch, snapshot

from rectification import cli, ingest
from rectification.catalogue import read_table
from rectification.core.months import month_range

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def _big_form(tmp_path: Path) -> tuple[Path, int]:
    """Every metric for six months: a file whose write takes many rows."""
    months = month_range("2025-04", "2025-09")
    codes = list(read_table("metrics").metric_code)
    rows = [["月份", "指标编码", "数值"]] + [[m, c, str(i % 50)] for m in months for i, c in enumerate(codes)]
    path = tmp_path / "big.csv"
    path.write_bytes(csv_bytes(rows, encoding="gbk"))
    return path, len(rows) - 1


def _wait_for(condition, process: subprocess.Popen) -> None:
    """Poll until `condition()` holds or the process has ended (then the assertion after says why)."""
    while not condition() and process.poll() is None:
        time.sleep(0.05)


def test_sigkill_in_the_middle_of_a_commit_leaves_nothing(store_path, tmp_path):
    form, n_rows = _big_form(tmp_path)
    before = snapshot(store_path)
    marker = tmp_path / "holding"
    env = {**ENV, ingest.HOLD_IN_TRANSACTION_ENV: str(marker)}
    command = [sys.executable, "-m", "rectification", "import", str(form), "--db", str(store_path)]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _wait_for(lambda: marker.exists() and marker.read_text(), process)
        assert marker.exists(), process.communicate()[1].decode()
        # Every row, the upload record and the audit row are written, the commit not yet made.
        assert marker.read_text() == str(n_rows)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert process.returncode == -signal.SIGKILL
    assert snapshot(store_path) == before

    # The store is intact and usable: the same import now goes through whole.
    done = subprocess.run(command, cwd=ROOT, env=ENV, capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr.decode()
    assert f"新增 {n_rows} 条" in done.stdout.decode()
    assert fetch(store_path, "select count(*) from current_observations where month >= '2025-04-01'") == [(n_rows,)]


def test_cli_import_while_another_process_holds_the_store(store_path, tmp_path):
    """It waits; when the other process keeps the store past --wait, it says which command did not
    run and what to do, and the store is unchanged."""
    form = tmp_path / "form.csv"
    form.write_bytes(csv_bytes([["月份", "指标编码", "数值"], ["2025-04", "F05_DISSUADE_SESSIONS", "3"]]))
    before = snapshot(store_path)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys; con = duckdb.connect(sys.argv[1]); print('ready', flush=True); sys.stdin.read()", str(store_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )  # fmt: skip
    try:
        assert holder.stdout.readline() == b"ready\n"
        result = subprocess.run(
            [sys.executable, "-m", "rectification", "import", str(form), "--db", str(store_path), "--wait", "1"],
            cwd=ROOT,
            env=ENV,
            capture_output=True,
            timeout=120,
        )
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
    err = result.stderr.decode()
    assert result.returncode == 1
    assert err.strip() == cli.busy_message("python -m rectification import", f"python3.11（PID {holder.pid}）", 1)
    assert "Traceback" not in err
    assert snapshot(store_path) == before
