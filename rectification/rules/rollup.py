"""各单位整改进展: the city office's roll-up, one row per rectification. Each row is counted by the
same rules as that rectification's own overview (status_counts at its default month), so the two
never disagree. The order is the one the office set (programme.ordinal), never a ranking."""

from __future__ import annotations

import datetime as dt
from functools import partial

import duckdb
import pandas as pd

from rectification.core import store
from rectification.core.programme import Programme
from rectification.core.vocabulary import CLOSED, LONG_TERM, NOT_STARTED, ONGOING, OVERDUE, PENDING
from rectification.rules.data import Data, load
from rectification.rules.statuses import status_counts, status_grid

DUE_SOON_DAYS = 20  # 「近20天到期」: the window the issue names for findings about to fall due
COUNTED = [CLOSED, PENDING, ONGOING, OVERDUE]  # the columns the office reads, in this order

HISTORY_COLUMNS = ["code", "label", "month", "completion", "source"]
ROW_COLUMNS = {
    "code": "编号",
    "unit": "单位",
    "name": "整改事项",
    "kind": "类别",
    "findings": "问题数",
    CLOSED: CLOSED,
    PENDING: PENDING,
    ONGOING: ONGOING,
    OVERDUE: OVERDUE,
    LONG_TERM: LONG_TERM,
    NOT_STARTED: NOT_STARTED,
    "completion": "完成率",
    "as_of": "最近上报月份",
    "due_soon": f"近{DUE_SOON_DAYS}天到期",
}


def rollup(
    con: duckdb.DuckDBPyConnection, programmes: list[Programme], today: dt.date
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(rows, history) for `programmes`, in the order given (the caller passes only those the user
    may see): one row per rectification, and each one's completion month by month."""
    with store.snapshot(con):  # one committed state across every rectification read
        return combined([one_rectification(con, own, today) for own in programmes])


def one_rectification(con: duckdb.DuckDBPyConnection, own: Programme, today: dt.date) -> tuple[dict, pd.DataFrame]:
    """One rectification's row and completion history, read in its own schema."""
    with store.visiting(con, own.schema_name):
        data = load(partial(store.query, con))
    return programme_row(own, data, today), completion_history(own, data, today)


def combined(parts: list[tuple[dict, pd.DataFrame]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = pd.DataFrame([row for row, _ in parts], columns=list(ROW_COLUMNS))
    histories = [history for _, history in parts if not history.empty]
    history = pd.concat(histories, ignore_index=True) if histories else pd.DataFrame(columns=HISTORY_COLUMNS)
    return rows, history


def programme_row(own: Programme, data: Data, today: dt.date) -> dict:
    """One rectification's line: its findings by status as its overview counts them, in the month its
    overview opens on (the latest month substantially reported)."""
    as_of = data.default_as_of
    counts = status_counts(data, data.findings, as_of, today)
    return {
        "code": own.code,
        "unit": own.unit_name,
        "name": own.name,
        "kind": own.kind,
        "findings": len(data.findings),
        **{status: int(counts.get(status) or 0) for status in [*COUNTED, LONG_TERM, NOT_STARTED]},
        "completion": counts["完成率"],
        "as_of": as_of,
        "due_soon": due_soon(data, as_of, today),
    }


def due_soon(data: Data, as_of: str, today: dt.date, days: int = DUE_SOON_DAYS) -> int:
    """Findings still open whose deadline falls within the next `days` days (today included)."""
    grid = status_grid(data, data.findings, [as_of], today)
    open_codes = set(grid[~grid.shown.isin([CLOSED, PENDING, LONG_TERM, OVERDUE])].finding_code)
    deadlines = pd.to_datetime(data.findings.set_index("finding_code").deadline, errors="coerce")
    left = (deadlines - pd.Timestamp(today)).dt.days
    return int(((left >= 0) & (left <= days) & left.index.isin(open_codes)).sum())


def completion_history(own: Programme, data: Data, today: dt.date) -> pd.DataFrame:
    """month, completion (完成率, 0–1) for every month of the rectification's tracking: the line the
    office's chart draws for it, counted as its overview would have counted that month."""
    grid = status_grid(data, data.findings, data.months, today)
    if grid.empty:
        return pd.DataFrame(columns=HISTORY_COLUMNS)
    counted = grid.groupby("month").agg(
        done=("shown", lambda shown: (shown == CLOSED).sum()),
        long_term=("shown", lambda shown: (shown == LONG_TERM).sum()),
        source=("source", lambda source: source.mode().iloc[0] if source.notna().any() else None),
    )
    base = len(data.findings) - counted.long_term
    completion = counted.assign(completion=counted.done / base.where(base > 0)).reset_index()
    return completion.assign(code=own.code, label=own.title)[HISTORY_COLUMNS]


def totals(rows: pd.DataFrame) -> dict:
    """The figures across every rectification shown, for the tiles above the table."""
    if rows.empty:
        return {
            "programmes": 0,
            "units": 0,
            "findings": 0,
            **dict.fromkeys(COUNTED, 0),
            "due_soon": 0,
            "completion": None,
        }
    done, long_term = rows[CLOSED].sum(), rows[LONG_TERM].sum()
    base = rows.findings.sum() - long_term
    return {
        "programmes": len(rows),
        "units": rows.unit.nunique(),
        "findings": int(rows.findings.sum()),
        **{status: int(rows[status].sum()) for status in COUNTED},
        "due_soon": int(rows.due_soon.sum()),
        "completion": done / base if base > 0 else None,
    }
