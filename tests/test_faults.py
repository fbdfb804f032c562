"""Faults on a real file system: a full disk or a read-only data folder during an import or a backup
gives a clear message and leaves the store as it was; `backup --keep N`; a restore drill that
compares every table.

The full disk is RLIMIT_FSIZE set in the child process (writes past the limit fail with EFBIG,
exactly where a full disk fails with ENOSPC), which needs no privileges. The read-only folder is a
read-only bind mount when the tests run as root (root ignores permission bits), else chmod 555."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import duckdb
from ingest_files import csv_bytes, snapshot
from streamlit.testing.v1 import AppTest

from rectification.catalogue import read_table
from rectification.core import backup, store
from rectification.core.months import month_range
from snapshot import store_snapshot

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
DISK_LIMIT = 8192  # bytes: any write past this offset fails as on a full disk


def cli(store_path: Path, *args: str, disk_limit: int | None = None) -> subprocess.CompletedProcess:
    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of the default kill
        resource.setrlimit(resource.RLIMIT_FSIZE, (disk_limit, disk_limit))

    return subprocess.run(
        [sys.executable, "-m", "rectification", *args, "--db", str(store_path)],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        timeout=300,
        preexec_fn=limit if disk_limit else None,
    )


def big_form(tmp_path: Path) -> Path:
    """Every metric for three months: an import whose write is far larger than DISK_LIMIT."""
    codes = list(read_table("metrics").metric_code)
    rows = [["月份", "指标编码", "数值"]]
    rows += [[m, c, str(i % 50)] for m in month_range("2025-04", "2025-06") for i, c in enumerate(codes)]
    path = tmp_path / "big.csv"
    path.write_bytes(csv_bytes(rows))
    return path


def store_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@contextmanager
def read_only(folder: Path):
    """`folder` read-only for everyone, root included, for the duration."""
    if os.geteuid() == 0:
        subprocess.run(["mount", "--bind", str(folder), str(folder)], check=True)
        try:
            subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], check=True)
            yield
        finally:
            subprocess.run(["umount", str(folder)], check=True)
    else:
        mode = folder.stat().st_mode
        folder.chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP)
        try:
            yield
        finally:
            folder.chmod(mode)


def test_disk_full_during_an_import_leaves_the_store_whole(store_path, tmp_path):
    form = big_form(tmp_path)
    before = snapshot(store_path)
    done = cli(store_path, "import", str(form), disk_limit=DISK_LIMIT)
    err = done.stderr.decode()
    assert done.returncode == 1, done.stdout.decode()
    assert err.startswith(
        "「python -m rectification import」失败：写入时出错（磁盘已满，或数据目录不可写）。数据库保持原样"
    )
    assert "Traceback" not in err
    assert snapshot(store_path) == before
    # With space again, the same import goes through whole.
    again = cli(store_path, "import", str(form))
    assert again.returncode == 0, again.stderr.decode()


def test_disk_full_during_a_backup_leaves_no_partial_file(store_path):
    before = snapshot(store_path)
    done = cli(store_path, "backup", disk_limit=DISK_LIMIT)
    err = done.stderr.decode()
    assert done.returncode == 1
    assert err.startswith(f"备份失败：无法写入 {store_path.parent / 'backups'}（磁盘已满，或目录不可写）。")
    assert "Traceback" not in err
    assert store_files(store_path.parent / "backups") == []
    assert snapshot(store_path) == before


def test_a_read_only_data_folder_refuses_an_import_and_a_backup_clearly(store_path, tmp_path):
    form = big_form(tmp_path)
    before = snapshot(store_path)
    (store_path.parent / "backups").mkdir()
    files = store_files(store_path.parent)
    with read_only(store_path.parent):
        imported = cli(store_path, "import", str(form))
        backed_up = cli(store_path, "backup")
    for done, command in [(imported, "import"), (backed_up, "backup")]:
        err = done.stderr.decode()
        assert done.returncode == 1, (command, done.stdout.decode())
        assert "Traceback" not in err
        assert "磁盘已满，或" in err and "不可写" in err, err
    assert store_files(store_path.parent) == files
    assert store_files(store_path.parent / "backups") == []
    assert snapshot(store_path) == before


def test_the_upload_page_says_so_when_the_data_folder_is_read_only(store_path, tmp_path):
    from support import login

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    login(at, store_path, "editor")
    at.switch_page("ui/views/upload.py").run()
    assert not at.exception
    before = snapshot(store_path)
    with read_only(store_path.parent):
        # The page's first write in the read-only folder: signing out (ends the session, audits it).
        at.button(key="logout_button").click().run()
        assert not at.exception, [e.value for e in at.exception]
        assert at.error[0].value.startswith(
            "数据库读写失败：服务器磁盘可能已满，或数据目录不可写。本次操作没有写入任何数据"
        )
        store.SharedStore(store_path).close()
    assert snapshot(store_path) == before
    at.run()  # writable again: the app opens the store afresh and carries on
    assert not at.exception


def test_backup_keep_n_keeps_the_newest_regular_backups_only(store_path):
    folder = store_path.parent / "backups"
    folder.mkdir()
    for name in (
        "rectification-20250101-010000.duckdb",
        "rectification-20250102-010000.duckdb",
        "rectification-20250103-010000.duckdb",
        "before-restore-20250101-010000.duckdb",
        "my-copy.duckdb",
    ):
        shutil.copyfile(store_path, folder / name)
    done = cli(store_path, "backup", "--keep", "2")
    assert done.returncode == 0, done.stderr.decode()
    assert "保留最新 2 份备份，已删除较旧的 2 份" in done.stdout.decode()
    left = store_files(folder)
    made = [n for n in left if n.startswith("rectification-2026") or n > "rectification-20250103-010000.duckdb"]
    assert left == sorted(["before-restore-20250101-010000.duckdb", "my-copy.duckdb", "rectification-20250103-010000.duckdb", *made])  # fmt: skip
    assert len(made) == 1
    assert cli(store_path, "backup", "--keep", "0").returncode == 1


def comparable(con) -> dict:
    """Every table but the ones a restore does not bring back (sessions, the change marker)."""
    return {k: v for k, v in store_snapshot(con).items() if k != "sessions"}


def test_restore_drill_back_up_change_restore_compare_every_table(store_path, tmp_path):
    backed_up = cli(store_path, "backup", "--out", str(tmp_path / "drill.duckdb"))
    assert backed_up.returncode == 0, backed_up.stderr.decode()
    copy = duckdb.connect(str(tmp_path / "drill.duckdb"), read_only=True)
    expected = comparable(copy)
    copy.close()
    assert set(expected) >= {"main.users", "main.audit_log", "main.programme"}
    for schema in ("p1", "p2"):  # each rectification's own tables
        assert {f"{schema}.{t}" for t in ("findings", "metrics", "observations", "uploads", "finding_status")} <= set(
            expected
        )

    # Change a bit of everything: figures, users, the catalogue, targets.
    assert cli(store_path, "import", str(big_form(tmp_path))).returncode == 0
    added = subprocess.run(
        [sys.executable, "-m", "rectification", "users", "add", "later", "--role", "viewer", "--password-stdin",
         "--db", str(store_path)],
        input=b"later-password-1\n", cwd=ROOT, env=ENV, capture_output=True, timeout=120,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr.decode()
    retired = cli(store_path, "catalogue", "retire", "F05_DISSUADE_SESSIONS", "--from", "2025-07")
    assert retired.returncode == 0, retired.stderr.decode()
    con = store.connect(store_path)
    changed = comparable(con)
    con.close()
    assert changed != expected

    restored = cli(store_path, "restore", str(tmp_path / "drill.duckdb"))
    assert restored.returncode == 0, restored.stderr.decode()
    con = store.connect(store_path)
    after = comparable(con)
    last = con.execute("select action from audit_log order by audit_id desc limit 1").fetchone()
    con.close()
    # The restore itself is audited: the log is the backup's plus that one row.
    assert last == ("restore",)
    audit_after = after.pop("main.audit_log")
    audit_expected = expected.pop("main.audit_log")
    assert len(audit_after) == len(audit_expected) + 1
    assert set(audit_expected) <= set(audit_after)
    assert after == expected
    assert backup.inspect_backup(tmp_path / "drill.duckdb").findings == len(after["p1.findings"]) + len(
        after["p2.findings"]
    )
