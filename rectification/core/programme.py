"""The rectification this store tracks, held as data (the `programme` table, filled by `init` from
data/programme.csv): its unit, inspection, dates, tracking start and opening month, source report and
catalogue. Every module that needs one of these facts reads them here, through `current(con)`."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, fields
from pathlib import Path

import duckdb
import pandas as pd

from rectification.core import store
from rectification.core.config import DATA_DIR, ROOT
from rectification.core.months import to_date, to_month
from rectification.core.vocabulary import PROGRAMME_KINDS

PROGRAMME_FILE = DATA_DIR / "programme.csv"
KINDS = PROGRAMME_KINDS
_DATES = ("inspection_start", "inspection_end", "feedback_date")
_MONTHS = ("tracking_start", "opening_month")


@dataclass(frozen=True)
class Programme:
    code: str
    unit: str  # as the report signs it, without the party committee (中共…委员会)
    unit_short: str  # the unit in short, as titles and file names name it
    name: str  # the inspection's name
    kind: str  # one of KINDS
    inspected_by: str | None
    inspection_start: dt.date | None
    inspection_end: dt.date | None
    feedback_date: dt.date | None
    tracking_start: str  # 'YYYY-MM': nothing is tracked before it
    opening_month: str  # 'YYYY-MM': the report's cut-off, its figures cumulative to the end of it
    source_report: str | None  # relative to the repo: data/source/report.txt
    catalogue_source: str  # the catalogue the store was built from: data/catalogue
    created_at: dt.datetime | None = None

    @property
    def source_report_path(self) -> Path | None:
        return resolve(self.source_report) if self.source_report else None


COLUMNS = [f.name for f in fields(Programme) if f.name != "created_at"]
# Written out (not joined from COLUMNS) so the SQL reads as it runs; a test holds it and
# sql/queries/programme_current.sql (the row, for stored() and the rules) to COLUMNS.
_INSERT = (
    "insert into programme (code, unit, unit_short, name, kind, inspected_by, inspection_start, inspection_end,"
    " feedback_date, tracking_start, opening_month, source_report, catalogue_source)"
    " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def resolve(path: str | Path) -> Path:
    """A path as the programme stores it (relative to the repo, or absolute), made absolute."""
    path = Path(path)
    return (path if path.is_absolute() else ROOT / path).resolve()


def stored_path(path: str | Path) -> str:
    """A path as the programme stores it: relative to the repo when inside it, else absolute."""
    path = resolve(path)
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text.strip() else None


def read_file(path: Path = PROGRAMME_FILE) -> Programme:
    """The one row of a programme.csv (dates YYYY-MM-DD, months YYYY-MM, blank where unknown)."""
    with open(path, encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file))
    if len(rows) != 1:
        raise ValueError(f"{path} 应恰有一行整改信息，实有 {len(rows)} 行")
    row = {key: (value or "").strip() for key, value in rows[0].items()}
    missing = [column for column in COLUMNS if column not in row]
    if missing:
        raise ValueError(f"{path} 缺少列：{'、'.join(missing)}")
    if row["kind"] not in KINDS:
        raise ValueError(f"{path} 的 kind 应为 {'、'.join(KINDS)} 之一，实为「{row['kind']}」")
    values = {column: row[column] or None for column in COLUMNS}
    values.update({column: _date(row[column]) for column in _DATES})
    values.update({column: to_month(to_date(row[column])) for column in _MONTHS})
    return Programme(**values)


def has_table(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(
        con.execute(
            "select count(*) from duckdb_tables() where database_name = current_database()"
            " and schema_name = 'main' and table_name = 'programme'"
        ).fetchone()[0]
    )


def stored(con: duckdb.DuckDBPyConnection) -> Programme | None:
    """The store's programme row, or None in a store built before migration 014 (or not initialised)."""
    if not has_table(con):
        return None
    return from_rows(store.query(con, "programme_current"))


def from_rows(rows: pd.DataFrame) -> Programme | None:
    """The programme_current query's row made a Programme (None when the store has none yet)."""
    return from_record(rows.iloc[0].to_dict()) if len(rows) else None


def from_record(values: dict) -> Programme:
    """A programme row as the store returns it (months as dates) made a Programme."""
    values = {column: values.get(column) for column in [*COLUMNS, "created_at"]}
    values.update({column: to_month(values[column]) for column in _MONTHS})
    values.update({column: _plain_date(values[column]) for column in _DATES})
    return Programme(**values)


def _plain_date(value) -> dt.date | None:
    if value is None or (not isinstance(value, dt.date) and pd.isna(value)):
        return None
    return value.date() if isinstance(value, dt.datetime | pd.Timestamp) else value


def current(con: duckdb.DuckDBPyConnection) -> Programme:
    """The rectification the store tracks. A store without the row (not initialised yet, or built
    before migration 014 and not yet upgraded, or opened read-only before migrating) was built for
    the repo's own rectification, so it reads data/programme.csv — what the constants said before."""
    return stored(con) or read_file()


def insert(con: duckdb.DuckDBPyConnection, programme: Programme) -> None:
    """Write the programme row (inside the caller's transaction)."""
    values = [getattr(programme, column) for column in COLUMNS]
    values = [to_date(v) if column in _MONTHS else v for column, v in zip(COLUMNS, values)]
    con.execute(_INSERT, values)
