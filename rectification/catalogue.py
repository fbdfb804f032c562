"""The catalogue taken from the report (data/catalogue/*.csv), loaded into the store."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from rectification.config import CATALOGUE_DIR

# The four statuses of a finding, as the report and the finding_status table know them.
STATUSES = ("未启动", "推进中", "已完成", "长期坚持")


def read_table(name: str, directory: Path = CATALOGUE_DIR) -> pd.DataFrame:
    """A catalogue CSV as text columns, empty cells as None."""
    frame = pd.read_csv(directory / f"{name}.csv", dtype=str, keep_default_na=False, encoding="utf-8")
    return frame.replace({"": None})


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    columns = ", ".join(frame.columns)
    marks = ", ".join("?" for _ in frame.columns)
    rows = frame.astype(object).where(frame.notna(), None).values.tolist()
    # Table and column names come from our own catalogue files, values are parameters.
    con.executemany(f"insert into {table} ({columns}) values ({marks})", rows)  # noqa: S608


def load(con: duckdb.DuckDBPyConnection, directory: Path = CATALOGUE_DIR) -> pd.DataFrame:
    """Insert sections, themes, groups, findings, measures and metrics; return the findings table
    (with the report's status) for the caller to record the opening statuses."""
    _insert(con, "sections", read_table("sections", directory))
    _insert(con, "themes", read_table("themes", directory))
    groups = read_table("outcome_groups", directory)
    groups["is_headline"] = groups["is_headline"].str.lower().eq("true")
    _insert(con, "outcome_groups", groups)

    findings = read_table("findings", directory)
    findings["is_long_term"] = findings["is_long_term"].str.lower().eq("true")
    findings["ordinal"] = range(1, len(findings) + 1)
    columns = [
        "finding_code",
        "ordinal",
        "report_number",
        "section_code",
        "theme_code",
        "title",
        "lead_department",
        "responsible_leader",
        "deadline",
        "is_long_term",
    ]
    _insert(con, "findings", findings[columns])
    _insert(con, "measures", read_table("measures", directory))

    metrics = read_table("metrics", directory)
    metric_columns = ["metric_code", "finding_code", "ordinal", "name", "unit", "kind", "group_code", "source_quote"]
    _insert(con, "metrics", metrics[metric_columns])
    return findings
