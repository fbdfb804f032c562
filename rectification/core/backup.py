"""Backup and restore of the whole store as one DuckDB file, safe while the dashboard is running."""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from rectification.core import audit, store

# Sessions are not restored: a restore must not bring back sign-ins that had ended. Nor the change
# marker: it only ever grows, so caches keyed by an older value are never taken for the restored data.
NOT_RESTORED = {"sessions", "data_version"}
SAFETY_PREFIX = "before-restore"


class BackupError(Exception):
    """A refused backup or restore; str() is a Chinese message fit to show the user."""


@dataclass(frozen=True)
class BackupInfo:
    """What a backup file holds, shown to the administrator before restoring it."""

    schema_version: int
    findings: int
    uploads: int
    users: int
    admins: int
    last_change: datetime | None
    evidence: int = 0  # evidence files (佐证材料): their bytes live in the store, so the backup holds them
    programmes: int = 1  # rectifications (整改事项): the findings and uploads above are all of theirs


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def store_file(con: duckdb.DuckDBPyConnection) -> Path:
    row = con.execute("select path from duckdb_databases() where database_name = current_database()").fetchone()
    return Path(row[0])


def backup_dir(con: duckdb.DuckDBPyConnection) -> Path:
    """Backups live beside the store, in backups/."""
    return store_file(con).parent / "backups"


def default_name(prefix: str = "rectification", now: datetime | None = None) -> str:
    return f"{prefix}-{(now or datetime.now()):%Y%m%d-%H%M%S}.duckdb"


def latest_backup(store_path: Path) -> Path | None:
    """The newest backup beside the store at `store_path` (no connection needed: the store may be damaged)."""
    folder = Path(store_path).parent / "backups"
    files = sorted(folder.glob("*.duckdb"), key=lambda p: p.stat().st_mtime, reverse=True) if folder.is_dir() else []
    return files[0] if files else None


def list_backups(con: duckdb.DuckDBPyConnection) -> list[Path]:
    """Backup files on the server, newest first."""
    folder = backup_dir(con)
    return sorted(folder.glob("*.duckdb"), key=lambda p: p.stat().st_mtime, reverse=True) if folder.is_dir() else []


def create_backup(
    con: duckdb.DuckDBPyConnection, out: Path | None = None, *, actor: str, prefix: str = "rectification"
) -> Path:
    """Copy the whole store into a new single DuckDB file and audit it. COPY FROM DATABASE reads one
    snapshot (committed data only), the write lock keeps this process's writers out while it runs,
    and no other process can write while this one has the file open, so the copy is consistent.
    It is written under a temporary name and renamed when complete: a full disk or a killed process
    never leaves a half backup that looks like a whole one."""
    out = Path(out) if out else backup_dir(con) / default_name(prefix)
    if out.exists():
        raise BackupError(f"备份文件已存在，请换一个文件名：{out}")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    partial.unlink(missing_ok=True)
    source = con.execute("select current_database()").fetchone()[0]
    with store.WRITE_LOCK:
        try:
            con.execute("attach ? as backup_target", [str(partial)])
            try:
                con.execute(f"copy from database {_quote(source)} to backup_target")
                con.execute("detach backup_target")  # checkpoints the copy: it is complete on disk
                partial.rename(out)
            except BaseException:
                _detach_quietly(con)
                raise
        except (duckdb.Error, OSError) as error:
            _remove_partial(partial)
            if store.is_write_failure(error):
                raise BackupError(
                    f"备份失败：无法写入 {out.parent}（磁盘已满，或目录不可写）。"
                    f"没有留下不完整的备份文件，数据库未受影响。详细信息：{error}"
                ) from error
            raise
        except BaseException:
            _remove_partial(partial)
            raise
        with store.transaction(con):
            audit.record(con, user=actor, action="backup", target=out.name, detail=f"备份数据库到 {out}")
    return out


def _remove_partial(partial: Path) -> None:
    for path in (partial, partial.with_name(partial.name + ".wal")):
        path.unlink(missing_ok=True)


def _detach_quietly(con: duckdb.DuckDBPyConnection) -> None:
    try:
        con.execute("detach if exists backup_target")
    except duckdb.Error:
        pass


def prune_backups(folder: Path, keep: int, prefix: str = "rectification") -> list[Path]:
    """Delete all but the newest `keep` regular backups (prefix-YYYYmmdd-HHMMSS.duckdb) in `folder`;
    safety copies taken before a restore and files named otherwise are never touched. Returns the deleted."""
    if keep < 1:
        raise BackupError("--keep 至少为 1。")
    pattern = re.compile(rf"^{re.escape(prefix)}-\d{{8}}-\d{{6}}\.duckdb$")
    ours = sorted(
        (p for p in Path(folder).glob("*.duckdb") if pattern.match(p.name)), key=lambda p: p.name, reverse=True
    )
    removed = ours[keep:]
    for path in removed:
        path.unlink()
    return removed


def inspect_backup(path: Path) -> BackupInfo:
    """Check that `path` is a store of this app (it has schema_version and the core tables) that
    this version can read; BackupError otherwise. The file is opened read-only and left unchanged."""
    path = Path(path)
    with tempfile.TemporaryDirectory() as folder:
        # A private copy: the file may be the one open in this process, or have come from elsewhere.
        copy = Path(folder) / "candidate.duckdb"
        shutil.copyfile(path, copy)
        try:
            con = duckdb.connect(str(copy), read_only=True)
        except duckdb.Error as exc:
            raise BackupError("这不是本系统的数据库备份文件，或文件已损坏。") from exc
        try:
            return _info(con)
        finally:
            con.close()


def _info(con: duckdb.DuckDBPyConnection) -> BackupInfo:
    rows = con.execute("select schema_name, table_name from duckdb_tables()").fetchall()
    tables = {table for schema, table in rows if schema == "main"}
    # Where each rectification's tables are: schemas p1, p2, … (or main, in a backup from before them).
    holders = sorted({schema for schema, table in rows if table == "findings"})
    if "schema_version" not in tables or "audit_log" not in tables or not holders:
        raise BackupError("这不是本系统的数据库备份文件（缺少版本表或核心数据表）。")
    version = con.execute("select coalesce(max(version), 0) from schema_version").fetchone()[0]
    newest = max((number for number, _, _ in store.migrations()), default=0)
    if version > newest:
        raise BackupError(f"备份来自更新版本的系统（数据库版本 {version}，本系统支持到 {newest}），请先升级本系统。")

    def count(sql: str) -> int:
        return con.execute(sql).fetchone()[0]

    def total(table: str) -> int:
        # Schema names from DuckDB's own catalogue of this file, quoted.
        return sum(count(f"select count(*) from {_quote(s)}.{table}") for s in holders if (s, table) in rows)  # noqa: S608

    has_users = "users" in tables
    return BackupInfo(
        schema_version=version,
        findings=total("findings"),
        uploads=total("uploads"),
        users=count("select count(*) from users") if has_users else 0,
        admins=count("select count(*) from users where role = 'admin' and not disabled") if has_users else 0,
        last_change=con.execute("select max(logged_at) from audit_log").fetchone()[0],
        evidence=total("evidence_files"),
        programmes=len([s for s in holders if s != "main"]) or 1,
    )


def restore_backup(con: duckdb.DuckDBPyConnection, path: Path, *, actor: str) -> tuple[BackupInfo, Path]:
    """Replace every table's rows with the backup's, in one transaction, after taking a safety
    backup of the current store. Returns the backup's info and the safety backup's path.
    The store stays open, so a running dashboard carries on with the restored data."""
    info = inspect_backup(path)
    safety = create_backup(con, actor=actor, prefix=SAFETY_PREFIX)
    with tempfile.TemporaryDirectory() as folder:
        # An older backup is brought up to this version's schema on a copy, never in place.
        migrated = Path(folder) / "restore.duckdb"
        shutil.copyfile(path, migrated)
        store.connect(migrated).close()
        with store.WRITE_LOCK:
            con.execute("attach ? as restore_source (read_only)", [str(migrated)])
            try:
                with store.transaction(con):
                    _replace_contents(con, "restore_source")
                    detail = f"从 {Path(path).name} 恢复数据库；恢复前的数据已备份到 {safety.name}"
                    audit.record(con, user=actor, action="restore", target=Path(path).name, detail=detail)
            finally:
                con.execute("detach restore_source")
    return info, safety


def _tables(con: duckdb.DuckDBPyConnection, database: str, schema: str = "main") -> set[str]:
    rows = con.execute(
        "select table_name from duckdb_tables() where database_name = ? and schema_name = ?", [database, schema]
    ).fetchall()
    return {row[0] for row in rows}


def _replace_contents(con: duckdb.DuckDBPyConnection, source: str) -> None:
    """Inside the caller's transaction: the store's own tables' rows become the source's, and its
    rectifications become the source's (each schema dropped, then rebuilt and filled from the
    source's, which has been migrated to this version). The connection ends in the default one."""
    target = con.execute("select current_database()").fetchone()[0]
    tables = _tables(con, target) - NOT_RESTORED
    missing = tables - _tables(con, source)
    if missing:
        raise BackupError(f"备份文件缺少数据表：{'、'.join(sorted(missing))}")
    con.execute("use main")
    for schema in store.programme_schemas(con):
        con.execute(f"drop schema {_quote(schema)} cascade")
    for table in sorted(tables):
        # Identifiers come from DuckDB's own catalogue, not from the user.
        name = _quote(table)
        con.execute(f"delete from {name}")  # noqa: S608 - catalogue identifier, quoted
        con.execute(f"insert into {name} by name select * from {_quote(source)}.main.{name}")  # noqa: S608
    for schema in store.programme_schemas(con):  # now the source's rectifications
        store.build_programme_schema(con, schema)
        for table in sorted(_tables(con, source, schema)):
            name = _quote(table)
            # A new schema's bookkeeping rows (its migration record, its change marker) give way to the backup's.
            con.execute(f"delete from {_quote(schema)}.{name}")  # noqa: S608  (names of the store, not input)
            con.execute(
                f"insert into {_quote(schema)}.{name} by name select * from {_quote(source)}.{_quote(schema)}.{name}"  # noqa: S608
            )
    _advance_sequences(con, target, source)
    for schema in store.programme_schemas(con):  # each changed: caches keyed by its old marker are stale
        con.execute(
            f"update {_quote(schema)}.programme_change set version = (select max(version) from main.data_version) + 1"  # noqa: S608
        )
    store.use_programme(con)


def _advance_sequences(con: duckdb.DuckDBPyConnection, target: str, source: str) -> None:
    """Make every sequence at least as far on as the backup's, so new ids never collide with restored ones."""
    rows = con.execute(
        "select t.schema_name, t.sequence_name, coalesce(t.last_value, t.start_value - 1),"
        " coalesce(s.last_value, s.start_value - 1)"
        " from duckdb_sequences() t join duckdb_sequences() s using (schema_name, sequence_name)"
        " where t.database_name = ? and s.database_name = ?",
        [target, source],
    ).fetchall()
    for schema, name, current, restored in rows:
        if restored > current:
            con.execute(
                "select max(nextval(?)) from range(?)", [f"{_quote(schema)}.{_quote(name)}", restored - current]
            )


def restore_over_damaged(store_path: Path, source: Path, *, actor: str) -> tuple[BackupInfo, Path]:
    """The store cannot be opened (damaged): keep it under a new name, put the checked backup in
    its place (migrated to this version) and audit it. Returns the backup's info and the kept file."""
    store_path, source = Path(store_path), Path(source)
    info = inspect_backup(source)
    stamp = f"{datetime.now():%Y%m%d-%H%M%S}"
    kept = store_path.with_name(f"{store_path.name}.damaged-{stamp}")
    staged = store_path.with_name(f".{store_path.name}.restoring")
    shutil.copyfile(source, staged)
    store.connect(staged).close()  # migrated on the copy, never in place
    store_path.rename(kept)
    wal = store_path.with_name(store_path.name + ".wal")
    if wal.exists():
        wal.rename(kept.with_name(kept.name + ".wal"))
    staged.rename(store_path)
    con = store.connect(store_path)
    try:
        with store.transaction(con):
            # The change marker jumps past any value a running dashboard may have cached under.
            con.execute("update data_version set version = greatest(version, ?)", [time.time_ns() // 1000])
            detail = f"数据库文件损坏，从 {source.name} 恢复；损坏的文件改名保留为 {kept.name}"
            audit.record(con, user=actor, action="restore", target=source.name, detail=detail)
    finally:
        con.close()
    return info, kept
