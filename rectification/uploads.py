"""Upload records: every write of figures or statuses is one upload, and can be rolled back."""

from __future__ import annotations

import hashlib

import duckdb

SOURCE_SAMPLE = "示例数据"
SOURCE_OPENING = "期初数据"
SOURCE_MONTHLY = "月报"
SOURCE_LEDGER = "台账"
SOURCE_ROLLBACK = "撤销"


def new_upload(
    con: duckdb.DuckDBPyConnection,
    *,
    kind: str,
    source: str,
    user: str,
    file_name: str | None = None,
    original: bytes | None = None,
    months: list[str] | None = None,
    n_rows: int = 0,
    n_new: int = 0,
    n_unchanged: int = 0,
    n_revised: int = 0,
    n_skipped: int = 0,
    rolls_back: int | None = None,
) -> int:
    """Insert the upload record and return its id. Call inside the transaction that writes its rows."""
    sha = hashlib.sha256(original).hexdigest() if original is not None else None
    row = con.execute(
        """
        insert into uploads (kind, source, user_name, file_name, sha256, months, n_rows,
                             n_new, n_unchanged, n_revised, n_skipped, rolls_back, original)
        values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        returning upload_id
        """,
        [
            kind,
            source,
            user,
            file_name,
            sha,
            ",".join(sorted(set(months or []))),
            n_rows,
            n_new,
            n_unchanged,
            n_revised,
            n_skipped,
            rolls_back,
            original,
        ],
    ).fetchone()
    return row[0]


def next_revisions(con: duckdb.DuckDBPyConnection, table: str, key: str) -> dict[tuple[str, str], int]:
    """The next free revision number per (key, month) of `observations` or `finding_status`."""
    assert table in {"observations", "finding_status"} and key in {"metric_code", "finding_code"}
    rows = con.execute(f"select {key}, strftime(month, '%Y-%m'), max(revision) from {table} group by all").fetchall()  # noqa: S608 (names checked above)
    return {(code, month): rev + 1 for code, month, rev in rows}
