"""Upload records: every write of figures or statuses is one upload, and can be rolled back."""

from __future__ import annotations

import hashlib

import duckdb
import pandas as pd

from rectification.core import audit
from rectification.core.store import execute_named, query, transaction
from rectification.core.vocabulary import SOURCE_ROLLBACK


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
    row = execute_named(
        con,
        "upload_insert",
        kind=kind,
        source=source,
        user_name=user,
        file_name=file_name,
        sha256=sha,
        months=",".join(sorted(set(months or []))),
        n_rows=n_rows,
        n_new=n_new,
        n_unchanged=n_unchanged,
        n_revised=n_revised,
        n_skipped=n_skipped,
        rolls_back=rolls_back,
        original=original,
    ).fetchone()
    return row[0]


class RollbackRefused(Exception):
    """A rollback that cannot be done; str() is a Chinese message fit to show the user."""


def rollback(con: duckdb.DuckDBPyConnection, upload_id: int, user: str) -> tuple[int, str]:
    """Undo an upload: record a rollback upload that targets it, so the views stop counting its
    rows and the previous revisions count again. Nothing is deleted. Returns (rollback id, message)."""
    with transaction(con):
        row = con.execute(
            "select kind, source, months, (select count(*) from observations where upload_id = $id),"
            " (select count(*) from finding_status where upload_id = $id)"
            " from uploads where upload_id = $id",
            {"id": upload_id},
        ).fetchone()
        if row is None:
            raise RollbackRefused(f"上报批次 #{upload_id} 不存在。")
        kind, source, months, n_values, n_statuses = row
        if kind == "rollback":
            raise RollbackRefused(f"#{upload_id} 是一条撤销记录，不能再撤销；如需恢复，请重新上传原文件。")
        if kind == "opening":
            raise RollbackRefused("期初数据来自通报原文，是各项累计数的起点，不能撤销。")
        earlier = con.execute(
            "select upload_id, strftime(created_at, '%Y-%m-%d %H:%M') from uploads"
            " where kind = 'rollback' and rolls_back = ?",
            [upload_id],
        ).fetchone()
        if earlier:
            raise RollbackRefused(f"上报批次 #{upload_id} 已于 {earlier[1]} 被撤销（撤销记录 #{earlier[0]}）。")
        new_id = new_upload(
            con,
            kind="rollback",
            source=SOURCE_ROLLBACK,
            user=user,
            months=[m for m in (months or "").split(",") if m],
            n_rows=n_values + n_statuses,
            rolls_back=upload_id,
        )
        what = f"{n_values} 个数值、{n_statuses} 条状态"
        audit.record(
            con, user=user, action="rollback", target=str(upload_id), detail=f"撤销{source}批次 #{upload_id}（{what}）"
        )
    return (
        new_id,
        f"已撤销上报批次 #{upload_id}（{source}）：{what}不再计入，之前的数值重新生效（撤销记录 #{new_id}）。",
    )


def listing(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every upload, newest first, with whether it still counts."""
    return query(con, "upload_list")


def upload_rows(con: duckdb.DuckDBPyConnection, upload_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The values and the statuses one upload wrote, each marked whether it counts now."""
    return query(con, "upload_observations", upload_id=upload_id), query(con, "upload_statuses", upload_id=upload_id)


def original(con: duckdb.DuckDBPyConnection, upload_id: int) -> tuple[str | None, bytes | None]:
    """The file as the user sent it: (file name, bytes), or (None, None) when none was kept."""
    row = con.execute("select file_name, original from uploads where upload_id = ?", [upload_id]).fetchone()
    return (row[0], bytes(row[1]) if row[1] is not None else None) if row else (None, None)
