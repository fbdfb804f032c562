"""The rectifications a store holds, as data (the `programme` table in schema main; `init` fills the
first from data/programme.csv): each one's unit, inspection, dates, tracking start and opening month,
source report and catalogue, and the DuckDB schema that holds its own tables. A connection is in one
rectification at a time (store.use_programme); every module that needs one of its facts reads them
here, through `current(con)`. This module does not import store: store adopts an old single-rectification
layout with it."""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, fields
from pathlib import Path

import duckdb
import pandas as pd

from rectification.core.config import DATA_DIR, ROOT, SQL_DIR
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
    schema_name: str | None = None  # the DuckDB schema of its tables (p1, p2, …); None until stored
    ordinal: int | None = None  # its place in the store's fixed order (the city office's view)
    open_to_network: bool = False  # a visitor who has not signed in may see it (where no sign-in is needed)

    @property
    def source_report_path(self) -> Path | None:
        return resolve(self.source_report) if self.source_report else None

    @property
    def unit_name(self) -> str:
        """The unit as pages and tables name it: its short name, else its full one."""
        return self.unit_short or self.unit

    @property
    def title(self) -> str:
        """Unit and rectification in one line (the picker, chart legends, messages naming it)."""
        return f"{self.unit_name}·{self.name}"


def distinct_titles(titles: dict[str, str]) -> dict[str, str]:
    """code -> title, with the code added where two rectifications share a title (the same report
    created twice, two 年度审计 of one unit): a picker sends back the label chosen, and a legend
    with two identical names tells nobody which line is which."""
    counts = Counter(titles.values())
    return {code: f"{title}（{code}）" if counts[title] > 1 else title for code, title in titles.items()}


# The columns of a programme.csv, and of the row insert() writes besides the schema, order and openness.
COLUMNS = [f.name for f in fields(Programme)][: [f.name for f in fields(Programme)].index("created_at")]
STORED_COLUMNS = [*COLUMNS, "created_at", "schema_name", "ordinal", "open_to_network"]
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,39}$")
# Written out (not joined from COLUMNS) so the SQL reads as it runs; a test holds it and
# sql/queries/programme_current.sql (the row, for stored() and the rules) to COLUMNS.
_INSERT = (
    "insert into main.programme (code, unit, unit_short, name, kind, inspected_by, inspection_start, inspection_end,"
    " feedback_date, tracking_start, opening_month, source_report, catalogue_source, schema_name, ordinal,"
    " open_to_network) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
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


def has_table(con: duckdb.DuckDBPyConnection, column: str | None = None) -> bool:
    """True when schema main has the programme table (and, if named, that column of it)."""
    sql = (
        "select count(*) from duckdb_columns() where database_name = current_database()"
        " and schema_name = 'main' and table_name = 'programme' and column_name = coalesce(?, column_name)"
    )
    return bool(con.execute(sql, [column]).fetchone()[0])


def _read(con: duckdb.DuckDBPyConnection, name: str, params: list | None = None) -> pd.DataFrame:
    return con.execute((SQL_DIR / "queries" / f"{name}.sql").read_text(encoding="utf-8"), params or []).df()


def stored(con: duckdb.DuckDBPyConnection) -> Programme | None:
    """The row of the rectification the connection is in (store.use_programme), or None: not in one
    (a new store before `init`), or a store from before migration 014 opened read-only."""
    if not has_table(con):
        return None
    if not has_table(con, "schema_name"):  # before migration 015, opened read-only: its one row
        return from_rows(con.execute("select * from main.programme order by created_at limit 1").df())
    return from_rows(_read(con, "programme_current"))


def listed(con: duckdb.DuckDBPyConnection) -> list[Programme]:
    """Every rectification in the store, in its fixed order."""
    if not has_table(con, "schema_name"):
        return []
    rows = _read(con, "programme_list")
    return [from_record(row) for row in rows.to_dict("records")]


def by_code(con: duckdb.DuckDBPyConnection, code: str) -> Programme | None:
    return next((p for p in listed(con) if p.code == code), None)


def from_rows(rows: pd.DataFrame) -> Programme | None:
    """The programme_current query's row made a Programme (None when the store has none yet)."""
    return from_record(rows.iloc[0].to_dict()) if len(rows) else None


def from_record(values: dict) -> Programme:
    """A programme row as the store returns it (months as dates) made a Programme."""
    values = {column: values.get(column) for column in STORED_COLUMNS}
    values.update({column: to_month(values[column]) for column in _MONTHS})
    values.update({column: _plain_date(values[column]) for column in _DATES})
    values["ordinal"] = None if pd.isna(values["ordinal"]) else int(values["ordinal"])
    values["open_to_network"] = bool(values["open_to_network"]) if values["open_to_network"] is not None else False
    return Programme(**values)


def _plain_date(value) -> dt.date | None:
    if value is None or (not isinstance(value, dt.date) and pd.isna(value)):
        return None
    return value.date() if isinstance(value, dt.datetime | pd.Timestamp) else value


def current(con: duckdb.DuckDBPyConnection) -> Programme:
    """The rectification the connection is in. Outside one (a new store before `init`) it is the
    repo's own rectification as data/programme.csv describes it: what `init` will build."""
    return stored(con) or read_file()


def check_code(code: str) -> None:
    if not CODE_PATTERN.match(code or ""):
        raise ValueError(f"整改编号「{code}」不合规：只能用字母、数字、- 和 _，以字母或数字开头，至多 40 个字符")


def insert(con: duckdb.DuckDBPyConnection, programme: Programme) -> None:
    """Write the programme row, its schema and order already chosen (inside the caller's transaction)."""
    check_code(programme.code)
    values = [getattr(programme, column) for column in COLUMNS]
    values = [to_date(v) if column in _MONTHS else v for column, v in zip(COLUMNS, values)]
    con.execute(_INSERT, [*values, programme.schema_name, programme.ordinal, programme.open_to_network])
