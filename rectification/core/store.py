"""The DuckDB store: open with migrations applied, transactions, and named queries from sql/.

One store holds several rectifications (programmes). The store's own tables (users, sessions, the
audit log, the programme list, evidence bytes, the data version) live in schema main; each
rectification's tables live in a schema of its own (p1, p2, …, built by sql/programme/). A connection
is in one rectification at a time (`use_programme`): every query runs unqualified there, so none can
read another rectification's rows, and codes (F05, M001) are unique within a rectification only."""

from __future__ import annotations

import atexit
import dataclasses
import errno
import hashlib
import re
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd

from rectification.core import programme
from rectification.core.config import SQL_DIR

MIGRATIONS_DIR = SQL_DIR / "migrations"
PROGRAMME_MIGRATIONS_DIR = SQL_DIR / "programme"
QUERIES_DIR = SQL_DIR / "queries"
WRITES_DIR = SQL_DIR / "writes"

# One writer at a time inside a process (the Streamlit server runs scripts on threads).
WRITE_LOCK = threading.RLock()


class StoreBusy(RuntimeError):
    """Another process (the running dashboard, or a command) holds the store file."""

    def __init__(self, message: str):
        super().__init__(message)
        match = re.search(r"held in (.+?) \(PID (\d+)\)", message)
        # Who holds it, as DuckDB reports it: "python3.11 (PID 1234)", or "" when not said.
        self.holder = f"{Path(match.group(1)).name}（PID {match.group(2)}）" if match else ""


class StoreDamaged(RuntimeError):
    """The store file exists but DuckDB cannot read it (truncated, overwritten, not a DuckDB file)."""


class StoreTooNew(RuntimeError):
    """The store was written by a newer version of this app (a schema version this one does not know)."""

    def __init__(self, version: int, newest: int):
        super().__init__(f"store schema version {version} is newer than this app's {newest}")
        self.version, self.newest = version, newest


# Substrings of DuckDB's messages for a file it cannot read as a database.
_DAMAGED = ("not a valid duckdb database", "corrupt", "checksum", "serialization", "invalid block", "failed to read")


def insert_rows(con: duckdb.DuckDBPyConnection, sql: str, rows: list) -> None:
    """executemany, and nothing when there are no rows: DuckDB refuses an empty list, and a new
    rectification may have no figures, no 小标题 or no headlines yet."""
    if rows:
        con.executemany(sql, rows)


def migrations(folder: Path | None = None) -> list[tuple[int, str, Path]]:
    """The numbered SQL files of `folder` (default: the store migrations), in order."""
    found = []
    for path in sorted((folder or MIGRATIONS_DIR).glob("*.sql")):
        match = re.match(r"(\d+)_(.+)\.sql$", path.name)
        if match:
            found.append((int(match.group(1)), match.group(2), path))
    return found


def is_damage(exc: BaseException) -> bool:
    """True when a DuckDB error says the file itself is unreadable (not a lock, not a full disk)."""
    text = str(exc).lower()
    return isinstance(exc, duckdb.Error) and any(word in text for word in _DAMAGED)


_WRITE_FAILURES = ("no space left", "file too large", "read-only file system", "permission denied", "could not write")


_WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO}


def is_write_failure(exc: BaseException) -> bool:
    """True for a store or file write the machine refused: a full disk, a read-only folder."""
    if isinstance(exc, OSError):
        return exc.errno in _WRITE_ERRNOS
    text = str(exc).lower()
    return isinstance(exc, duckdb.IOException | duckdb.FatalException) or (
        isinstance(exc, duckdb.Error) and any(word in text for word in _WRITE_FAILURES)
    )


def open_file(path: str | Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """duckdb.connect with its failures sorted: StoreBusy (another process holds the lock),
    StoreDamaged (not readable as a database); other errors (permissions, disk) as raised."""
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        if "lock" in str(exc).lower():
            raise StoreBusy(str(exc)) from exc
        if is_damage(exc):
            raise StoreDamaged(str(exc)) from exc
        raise


def open_waiting(
    path: str | Path,
    *,
    wait: float,
    on_wait=None,
    notice_after: float = 3.0,
    read_only: bool = False,
) -> duckdb.DuckDBPyConnection:
    """open_file, retrying while another process holds the lock, for up to `wait` seconds.
    `on_wait(error)` is called once if the wait lasts longer than `notice_after` seconds.
    Raises the last StoreBusy when the time is up."""
    deadline = time.monotonic() + wait
    noticed_at = time.monotonic() + notice_after
    pause = 0.02
    while True:
        try:
            return open_file(path, read_only=read_only)
        except StoreBusy as busy:
            now = time.monotonic()
            if now >= deadline:
                raise
            if on_wait is not None and noticed_at is not None and now >= noticed_at:
                on_wait(busy)
                noticed_at = None
            time.sleep(min(pause, max(0.0, deadline - now)))
            pause = min(pause * 1.5, 0.25)


def connect(
    path: str | Path, *, read_only: bool = False, wait: float = 0, on_wait=None, programme: str | None = None
) -> duckdb.DuckDBPyConnection:
    """Open the store at `path`, creating it and applying pending migrations, in the rectification
    `programme` (a code; None: the store's default, if it holds any). With `wait`, a lock held by
    another process is waited for (see open_waiting) before StoreBusy is raised. An unknown code
    raises UnknownProgramme."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = open_waiting(path, wait=wait, on_wait=on_wait, read_only=read_only)
    try:
        check_version(con)
        if not read_only:
            migrate(con)  # the schema only: the catalogue is brought up to date by `init` / `upgrade`
        use_programme(con, programme)
    except BaseException as exc:
        con.close()
        if is_damage(exc):
            raise StoreDamaged(str(exc)) from exc
        raise
    return con


def newest_version() -> int:
    return max((number for number, _, _ in migrations()), default=0)


def check_version(con: duckdb.DuckDBPyConnection) -> None:
    """StoreTooNew when the store's schema is newer than this app knows (never migrate it down)."""
    has_table = con.execute(
        "select count(*) from duckdb_tables() where database_name = current_database()"
        " and schema_name = 'main' and table_name = 'schema_version'"
    ).fetchone()[0]
    if has_table:
        version = schema_version(con)
        if version > newest_version():
            raise StoreTooNew(version, newest_version())


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply every store migration newer than the store's schema version, then every rectification's
    pending programme migrations; return the store migrations applied."""
    con.execute("use main")
    con.execute(
        "create table if not exists schema_version ("
        " version integer primary key, name varchar not null,"
        " applied_at timestamp not null default current_timestamp)"
    )
    done = {row[0] for row in con.execute("select version from schema_version").fetchall()}
    applied = []
    for version, name, path in migrations():
        if version in done:
            continue
        with transaction(con, bump=False):
            con.execute(path.read_text(encoding="utf-8"))
            con.execute("insert into schema_version (version, name) values (?, ?)", [version, name])
            if version == ADOPTION_MIGRATION:
                _adopt_single_layout(con)
        applied.append(version)
    for schema in programme_schemas(con):
        if _pending_programme_migrations(con, schema):
            with transaction(con, bump=False):
                build_programme_schema(con, schema)
    con.execute("use main")
    return applied


# --- Rectifications as schemas ------------------------------------------------------------------

# The store migration after which each rectification's tables live in a schema of their own.
ADOPTION_MIGRATION = 15
# What a store before it held in schema main for its one rectification (sql/programme/001_tables.sql).
_PROGRAMME_VIEWS = (
    "metric_month_values",
    "finding_outline",
    "current_targets",
    "current_opening_balances",
    "current_observations",
    "current_finding_status",
    "current_annotations",
    "live_uploads",
)
_PROGRAMME_TABLES = (
    "sections", "themes", "findings", "measures", "outcome_groups", "metrics", "headline_metrics",
    "metric_targets", "uploads", "observations", "opening_balances", "finding_status", "closure_events",
    "deadline_changes", "evidence_files", "evidence_withdrawals", "annotations", "annotation_retractions",
    "catalogue_revisions",
)  # fmt: skip
# Each sequence with the table and column it numbers.
_PROGRAMME_SEQUENCES = {
    "upload_id_seq": ("uploads", "upload_id"),
    "closure_event_id_seq": ("closure_events", "event_id"),
    "deadline_change_id_seq": ("deadline_changes", "change_id"),
    "evidence_id_seq": ("evidence_files", "evidence_id"),
    "annotation_id_seq": ("annotations", "annotation_id"),
}
_SCHEMA_NAME = re.compile(r"^p[0-9]+$")


class UnknownProgramme(LookupError):
    """No rectification with that code in the store; str() names the ones there are."""

    def __init__(self, code: str, known: list[str]):
        choices = "、".join(known) if known else "（数据库中还没有整改事项，请先运行 init）"
        super().__init__(f"没有编号为「{code}」的整改事项。可选：{choices}")
        self.code, self.known = code, known


def _quoted(schema: str) -> str:
    """A schema name as SQL names it; only names the store made (p1, p2, …) are accepted."""
    if not _SCHEMA_NAME.match(schema):
        raise ValueError(f"not a programme schema: {schema!r}")
    return schema


def programme_schemas(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The schema of every rectification in the store, in the store's order."""
    if not _has_main_table(con, "programme") or not _has_column(con, "programme", "schema_name"):
        return []
    rows = con.execute(
        "select schema_name from main.programme where schema_name is not null order by ordinal, code"
    ).fetchall()
    return [row[0] for row in rows]


def next_schema_name(con: duckdb.DuckDBPyConnection) -> str:
    """The schema a new rectification gets: p1, p2, … (never reused)."""
    taken = [int(name[1:]) for name in programme_schemas(con)]
    return f"p{max(taken, default=0) + 1}"


def build_programme_schema(con: duckdb.DuckDBPyConnection, schema: str) -> None:
    """Create `schema` if missing and apply its pending programme migrations (in the caller's
    transaction); the connection is left in it."""
    con.execute(f"create schema if not exists {_quoted(schema)}")
    con.execute(f"use {schema}")
    con.execute(
        "create table if not exists programme_schema_version ("
        " version integer primary key, name varchar not null,"
        " applied_at timestamp not null default current_timestamp)"
    )
    for version, name, path in _pending_programme_migrations(con, schema):
        con.execute(path.read_text(encoding="utf-8"))
        con.execute("insert into programme_schema_version (version, name) values (?, ?)", [version, name])


def _pending_programme_migrations(con: duckdb.DuckDBPyConnection, schema: str) -> list[tuple[int, str, Path]]:
    exists = con.execute(
        "select count(*) from duckdb_tables() where database_name = current_database()"
        " and schema_name = ? and table_name = 'programme_schema_version'",
        [schema],
    ).fetchone()[0]
    done = set()
    if exists:
        done = {
            row[0]
            for row in con.execute(
                f"select version from {_quoted(schema)}.programme_schema_version"  # noqa: S608 - a store-made name
            ).fetchall()
        }
    return [m for m in migrations(PROGRAMME_MIGRATIONS_DIR) if m[0] not in done]


def add_programme(con: duckdb.DuckDBPyConnection, own: programme.Programme) -> programme.Programme:
    """A new rectification: its programme row (the next schema, last in the order) and its schema of
    empty tables; the connection is left in it. Inside the caller's transaction, so a failure later in
    the same creation (its catalogue) leaves no trace. ValueError for a code the store already holds."""
    programme.check_code(own.code)
    if schema_of(con, own.code) is not None:
        raise ValueError(f"数据库中已有编号为「{own.code}」的整改事项")
    ordinal = con.execute("select coalesce(max(ordinal), 0) + 1 from main.programme").fetchone()[0]
    own = dataclasses.replace(own, schema_name=next_schema_name(con), ordinal=ordinal)
    programme.insert(con, own)
    build_programme_schema(con, own.schema_name)
    return own


def keep_blob(con: duckdb.DuckDBPyConnection, sha256: str, data: bytes, media_type: str) -> None:
    """Bytes kept by content (evidence files, a rectification's source document): the same bytes
    kept twice are stored once. Inside the caller's transaction."""
    con.execute(
        "insert into main.evidence_blobs (sha256, content, size_bytes, media_type) values (?, ?, ?, ?)"
        " on conflict do nothing",
        [sha256, data, len(data), media_type],
    )


def blob(con: duckdb.DuckDBPyConnection, sha256: str) -> bytes | None:
    row = con.execute("select content from main.evidence_blobs where sha256 = ?", [sha256]).fetchone()
    return bytes(row[0]) if row else None


def set_programme_order(con: duckdb.DuckDBPyConnection, codes: list[str]) -> None:
    """The office's fixed order (every code, first to last), inside the caller's transaction."""
    for ordinal, code in enumerate(codes, start=1):
        con.execute("update main.programme set ordinal = ? where code = ?", [ordinal, code])


def set_default_programme(con: duckdb.DuckDBPyConnection, code: str) -> None:
    """The rectification commands and pages use when none is named (inside a transaction)."""
    if schema_of(con, code) is None:
        raise UnknownProgramme(code, programme_codes(con))
    con.execute(
        "insert into main.store_settings (name, value) values ('default_programme', ?)"
        " on conflict (name) do update set value = excluded.value",
        [code],
    )


def use_programme(con: duckdb.DuckDBPyConnection, code: str | None = None) -> str | None:
    """Put the connection in the rectification `code` (None: the store's default; nothing when the
    store holds none yet). Returns its schema. UnknownProgramme for a code the store does not hold."""
    if code is None:
        schema = default_schema(con)
    else:
        schema = schema_of(con, code)
        if schema is None:
            raise UnknownProgramme(code, programme_codes(con))
    con.execute(f"use {_quoted(schema)}" if schema else "use main")
    return schema


def schema_of(con: duckdb.DuckDBPyConnection, code: str) -> str | None:
    if not programme_schemas(con):
        return None
    row = con.execute("select schema_name from main.programme where code = ?", [code]).fetchone()
    return row[0] if row and row[0] else None


def programme_codes(con: duckdb.DuckDBPyConnection) -> list[str]:
    if not programme_schemas(con):
        return []
    return [row[0] for row in con.execute("select code from main.programme order by ordinal, code").fetchall()]


def default_schema(con: duckdb.DuckDBPyConnection) -> str | None:
    """The default rectification's schema: the one `programme default` chose, else the first."""
    schemas = programme_schemas(con)
    if not schemas:
        return None
    if _has_main_table(con, "store_settings"):
        row = con.execute(
            "select p.schema_name from main.store_settings as s join main.programme as p on p.code = s.value"
            " where s.name = 'default_programme'"
        ).fetchone()
        if row and row[0]:
            return row[0]
    return schemas[0]


def current_schema(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("select current_schema()").fetchone()[0]


@contextmanager
def visiting(con: duckdb.DuckDBPyConnection, schema: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """The connection in another rectification's schema for a block of reads (the city office's
    roll-up), then back in the one it was in."""
    back = current_schema(con)
    con.execute(f"use {_quoted(schema)}")
    try:
        yield con
    finally:
        con.execute("use main" if back == "main" else f"use {_quoted(back)}")


def in_programme(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the connection is in a rectification (not in schema main of a store without one)."""
    return current_schema(con) != "main"


def _has_main_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from duckdb_tables() where database_name = current_database()"
            " and schema_name = 'main' and table_name = ?",
            [table],
        ).fetchone()[0]
    )


def _has_column(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from duckdb_columns() where database_name = current_database()"
            " and schema_name = 'main' and table_name = ? and column_name = ?",
            [table, column],
        ).fetchone()[0]
    )


def _adopt_single_layout(con: duckdb.DuckDBPyConnection) -> None:
    """A store from before several rectifications held its one rectification in schema main: move
    its tables, row for row and with their numbering, into schema p1, named by its programme row (a
    store built before migration 014 gets that row from data/programme.csv, which it was built from).
    A new store's empty tables are simply dropped. Inside migrate's transaction: all or nothing."""
    holds_data = con.execute("select count(*) from main.findings").fetchone()[0] > 0
    if holds_data:
        if not con.execute("select count(*) from main.programme").fetchone()[0]:
            _record_repo_programme(con)
        con.execute("update main.programme set schema_name = 'p1', ordinal = 1")
        build_programme_schema(con, "p1")
        for table in _PROGRAMME_TABLES:
            # Table names from the constant above, never from input.
            con.execute(f"insert into p1.{table} by name select * from main.{table} order by rowid")  # noqa: S608
        for sequence, (table, column) in _PROGRAMME_SEQUENCES.items():
            last = con.execute(f"select coalesce(max({column}), 0) from p1.{table}").fetchone()[0]  # noqa: S608
            if last:  # so the next id follows the last one moved, as it would have in main
                con.execute(f"select max(nextval('p1.{sequence}')) from range(?)", [last])  # noqa: S608
        con.execute("use main")
    for view in _PROGRAMME_VIEWS:
        con.execute(f"drop view if exists main.{view}")
    for table in _PROGRAMME_TABLES:
        con.execute(f"drop table if exists main.{table}")
    for sequence in _PROGRAMME_SEQUENCES:
        con.execute(f"drop sequence if exists main.{sequence}")
    con.execute("drop macro if exists main.usable_value")


def _record_repo_programme(con: duckdb.DuckDBPyConnection) -> None:
    """The programme row of a store built before migration 014: the repo's data/programme.csv,
    which such a store was always built from, audited like any other change."""
    own = dataclasses.replace(programme.read_file(), open_to_network=True)
    programme.insert(con, own)
    # Written here, not through core.audit (which builds on this module).
    con.execute(
        "insert into main.audit_log (user_name, action, target, detail, programme_code) values (?, ?, ?, ?, ?)",
        ["system", "programme_record", own.code, f"补充整改信息（取自 data/programme.csv：{own.code}）", own.code],
    )


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection, *, bump: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
    """All or nothing: commit when the block ends, roll back on any exception. The commit also
    bumps the store's data version (bump=False for bookkeeping no page shows, like a session's
    last-seen time), so every process's caches see the change."""
    with WRITE_LOCK:
        con.execute("begin transaction")
        try:
            yield con
            if bump:
                _bump(con)
        except BaseException:
            try:
                con.execute("rollback")
            except duckdb.Error:
                pass  # a failed commit or a lost file leaves no transaction to roll back
            raise
        try:
            con.execute("commit")
        except BaseException:
            try:
                con.execute("rollback")
            except duckdb.Error:
                pass
            raise


@contextmanager
def snapshot(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Several reads that see one committed state of the store (a read-only transaction): a
    commit by another connection in the middle never shows as half of a change."""
    con.execute("begin transaction")
    try:
        yield con
    finally:
        con.execute("rollback")


def _has_data_version(con: duckdb.DuckDBPyConnection) -> bool:
    return _has_main_table(con, "data_version")


def _bump(con: duckdb.DuckDBPyConnection) -> None:
    if _has_data_version(con):  # absent only while migrations before 010 are being applied
        con.execute("update main.data_version set version = version + 1")
        if _has_change_marker(con):  # the rectification the connection is in changed with it
            con.execute("update programme_change set version = (select max(version) from main.data_version)")


def _has_change_marker(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(
        con.execute(
            "select count(*) from duckdb_tables() where database_name = current_database()"
            " and schema_name = current_schema() and schema_name <> 'main' and table_name = 'programme_change'"
        ).fetchone()[0]
    )


def programme_versions(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Each rectification's schema → the store version of its last change (see _bump)."""
    schemas = programme_schemas(con)
    if not schemas:
        return {}
    # Schema names come from the store (_quoted checks them), never from input.
    sql = " union all ".join(f"select '{s}', version from {_quoted(s)}.programme_change" for s in schemas)  # noqa: S608
    return dict(con.execute(sql).fetchall())


def data_version(con: duckdb.DuckDBPyConnection) -> int:
    """The store's change marker: grows with every committed change, whichever process made it."""
    try:
        row = con.execute("select max(version) from data_version").fetchone()
    except duckdb.CatalogException:  # a store from before migration 010 that is not migrated yet
        return 0
    return int(row[0] or 0)


def bump_data_version(con: duckdb.DuckDBPyConnection) -> None:
    """Mark the store changed (for a change committed without store.transaction)."""
    with transaction(con):
        pass


@cache
def load_sql(name: str, folder: Path = QUERIES_DIR) -> str:
    return (folder / f"{name}.sql").read_text(encoding="utf-8")


def _used_params(sql: str, params: dict) -> dict:
    """The named parameters ($name) the statement uses: DuckDB refuses one it does not."""
    used = set(re.findall(r"\$([a-z_][a-z0-9_]*)", sql))
    return {k: v for k, v in params.items() if k in used}


def query(con: duckdb.DuckDBPyConnection, name: str, **params) -> pd.DataFrame:
    """Run sql/queries/<name>.sql with DuckDB named parameters ($name) and return a DataFrame."""
    sql = load_sql(name)
    return con.execute(sql, _used_params(sql, params)).df()


def execute_named(con: duckdb.DuckDBPyConnection, name: str, **params) -> duckdb.DuckDBPyConnection:
    """Run the write sql/writes/<name>.sql with DuckDB named parameters ($name); the result is the
    connection, so a `returning` clause is read with fetchone(). Call inside store.transaction."""
    sql = load_sql(name, WRITES_DIR)
    return con.execute(sql, _used_params(sql, params))


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("select coalesce(max(version), 0) from schema_version").fetchone()[0]


_OPEN_STORES: weakref.WeakSet = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    """Let go of every store before the interpreter tears down (a lingering open must not outlive it)."""
    for shared in list(_OPEN_STORES):
        shared.close()


class SharedStore:
    """One process's access to the store file, held only while it is used: `acquire()` opens a
    connection (waiting while another process holds the file), `release()` closes it. The file
    stays open while any connection is out, and `linger` seconds after the last one is returned
    (clicks in quick succession share one open), then DuckDB checkpoints and lets go of it, so a
    command-line backup or import can take its turn. Thread-safe."""

    def __init__(self, path: str | Path, *, wait: float = 20.0, linger: float = 0.5):
        self.path = Path(path)
        self.wait = wait
        self.linger = linger
        self._lock = threading.Lock()
        self._out = 0
        self._keeper: duckdb.DuckDBPyConnection | None = None
        self._timer: threading.Timer | None = None
        self._prepared = False
        _OPEN_STORES.add(self)

    def prepare(self) -> None:
        """Once per process: create the store if missing, refuse a newer or damaged one, migrate."""
        if self._prepared:
            return
        con = connect(self.path, wait=self.wait)
        con.close()
        self._prepared = True

    def acquire(self, *, wait: float | None = None, on_wait=None) -> duckdb.DuckDBPyConnection:
        self.prepare()
        with self._lock:
            self._out += 1
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        con = None
        try:
            con = open_waiting(self.path, wait=self.wait if wait is None else wait, on_wait=on_wait, notice_after=0.3)
            with self._lock:
                if self._keeper is None:
                    self._keeper = open_file(self.path)  # the same database instance: no second open
            use_programme(con)  # the default rectification, until its user chooses another
        except BaseException:
            self.release(con)
            raise
        return con

    def release(self, con: duckdb.DuckDBPyConnection | None) -> None:
        if con is not None:
            try:
                con.close()
            except duckdb.Error:
                pass
        with self._lock:
            self._out -= 1
            if self._out == 0 and self._keeper is not None:
                if self.linger > 0:
                    self._timer = threading.Timer(self.linger, self._let_go)
                    self._timer.daemon = True
                    self._timer.start()
                else:
                    self._close_keeper()

    def _let_go(self) -> None:
        with self._lock:
            if self._out == 0:
                self._close_keeper()

    def _close_keeper(self) -> None:
        keeper, self._keeper = self._keeper, None
        if keeper is not None:
            try:
                keeper.close()
            except duckdb.Error:
                pass

    def close(self) -> None:
        """Let go of the file now (tests, shutdown)."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            self._close_keeper()

    @property
    def is_open(self) -> bool:
        return self._keeper is not None or self._out > 0

    @contextmanager
    def connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        con = self.acquire()
        try:
            yield con
        finally:
            self.release(con)


# --- The document a rectification was set up from, kept in the store (migration 016) ---------------

DOCUMENT_MEDIA_TYPES = {
    ".txt": "text/plain",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".csv": "text/csv",
    ".pdf": "application/pdf",
}


def keep_document(con: duckdb.DuckDBPyConnection, code: str, file_name: str, data: bytes) -> None:
    """Keep `data` as rectification `code`'s source document (replacing an earlier one), inside the
    caller's transaction: its bytes by content beside the evidence, its name as sent."""
    sha256 = hashlib.sha256(data).hexdigest()
    media_type = DOCUMENT_MEDIA_TYPES.get(Path(file_name).suffix.lower(), "application/octet-stream")
    keep_blob(con, sha256, data, media_type)
    con.execute(
        "insert into main.programme_documents (programme_code, file_name, sha256) values (?, ?, ?)"
        " on conflict (programme_code) do update set file_name = excluded.file_name, sha256 = excluded.sha256,"
        " kept_at = excluded.kept_at",
        [code, file_name, sha256],
    )


def kept_document_name(con: duckdb.DuckDBPyConnection, code: str) -> str | None:
    """The file name of the document kept for rectification `code` (its bytes left unread), or None."""
    if not _has_main_table(con, "programme_documents"):
        return None
    row = con.execute("select file_name from main.programme_documents where programme_code = ?", [code]).fetchone()
    return row[0] if row else None


def kept_document(con: duckdb.DuckDBPyConnection, code: str) -> tuple[str, bytes] | None:
    """(file name, bytes) of the document kept for rectification `code`, or None (a store from
    before migration 016 reads the file source_report names instead)."""
    if not _has_main_table(con, "programme_documents"):  # a read-only connection to an older store
        return None
    row = con.execute(
        "select d.file_name, b.content from main.programme_documents d join main.evidence_blobs b using (sha256)"
        " where d.programme_code = ?",
        [code],
    ).fetchone()
    return (row[0], bytes(row[1])) if row else None
