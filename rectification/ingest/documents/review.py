"""A draft as a reviewer edits it (the 新建整改 page): its tables as frames of text, the proposed metrics
with a keep flag, and writing the reviewed frames, with the document they came from, into the directory
that stays beside the store as the new rectification's catalogue (`<store's folder>/programmes/<code>/`)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from rectification.core.config import db_path
from rectification.core.programme import check_code, stored_path
from rectification.ingest.documents.draft import COLUMNS, Draft, write_tables

KEEP = "keep"  # the metrics frame's extra column: False drops the proposed metric
# The tables a reviewer edits, in the page's order; outcome groups and headlines stay empty in a draft
# (目录管理 sorts metrics into groups once the rectification exists).
EDITED = ("programme", "sections", "themes", "findings", "measures", "metrics")
SOURCE_STEM = "source"  # the document is kept as source<ext>, so the 通报 draft can follow its structure


def frames(draft: Draft) -> dict[str, pd.DataFrame]:
    """Every table of the draft as text columns under its COLUMNS; is_long_term and the metrics' keep
    flag as booleans (checkboxes in an editor)."""
    out = {name: pd.DataFrame(rows, columns=COLUMNS[name], dtype=object) for name, rows in draft.tables().items()}
    out = {name: frame.fillna("").astype(str) for name, frame in out.items()}
    out["findings"]["is_long_term"] = out["findings"]["is_long_term"].str.lower().eq("true")
    out["metrics"].insert(0, KEEP, True)
    for frame in out.values():
        frame.index = pd.RangeIndex(1, len(frame) + 1)  # rows numbered as a reviewer counts them
    return out


def kept(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The tables without the metrics the reviewer did not keep, and without what would point at one
    (a headline's member, another metric's same_as), so the catalogue stays consistent."""
    tables = dict(tables)
    metrics = tables["metrics"]
    keep = metrics[KEEP].astype(bool) if KEEP in metrics else pd.Series(True, index=metrics.index)
    dropped = set(metrics.loc[~keep, "metric_code"].map(_text))
    metrics = metrics.loc[keep].drop(columns=[KEEP], errors="ignore").copy()
    metrics["same_as"] = [("" if _text(s) in dropped else s) for s in metrics["same_as"]]
    tables["metrics"] = metrics
    if "headline_metrics" in tables:
        members = tables["headline_metrics"]
        tables["headline_metrics"] = members[~members["metric_code"].map(_text).isin(dropped)]
    return tables


def directory_for(code: str) -> Path:
    """Where a rectification made on the page keeps its catalogue and document: beside the store file,
    so a backup of that folder or a move of the store takes them along."""
    check_code(code)  # a code becomes a folder name: never a path of its own
    return db_path().resolve().parent / "programmes" / code


def write_reviewed(
    tables: dict[str, pd.DataFrame], directory: Path, *, code: str, source: bytes, source_name: str
) -> list[Path]:
    """The reviewed tables (unkept metrics dropped) as the catalogue CSVs and programme.csv, and the
    document as source<ext>, which programme.csv's source_report names; all or nothing."""
    directory = Path(directory)
    tables = kept(tables)
    source_file = f"{SOURCE_STEM}{Path(source_name).suffix.lower()}"
    programme = tables["programme"].copy()
    programme["code"] = code
    programme["source_report"] = stored_path(directory / source_file)
    programme["catalogue_source"] = stored_path(directory)
    tables["programme"] = programme
    rows = {name: _rows(frame, COLUMNS[name]) for name, frame in tables.items() if name in COLUMNS}
    for name in COLUMNS:
        rows.setdefault(name, [])
    return write_tables(rows, directory, files={source_file: source})


def _text(value) -> str:
    """A cell as the CSV holds it: blank for an empty one (an editor's new row has None or NA)."""
    if value is None:
        return ""
    if pd.api.types.is_bool(value):
        return "true" if value else "false"
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return ""
    return str(value).strip()


def _rows(frame: pd.DataFrame, columns: list[str]) -> list[list[str]]:
    """A frame's rows in the file's column order, every cell as text (a missing column blank)."""
    return [[_text(row.get(column)) for column in columns] for row in frame.to_dict("records")]


def place_as_reviewed(where: str, labels: dict[str, tuple[str, dict[str, str]]]) -> str:
    """A draft note's place as the reviewer's tables show it: 「programme.tracking_start」 reads
    「整改信息」开始跟踪月份; a paragraph or row (第12段, 第3行) is left as it is."""
    table, _, column = where.partition(".")
    if table not in labels or not column:
        return where
    label, columns = labels[table]
    return f"「{label}」{columns.get(column, column)}"


_FILE_LINE = re.compile(r"^(\w+)\.csv(?: 第 ([\d、]+) 行)?：(.*)$", re.S)


def as_reviewed(problem: str, labels: dict[str, tuple[str, dict[str, str]]]) -> str:
    """A checks.problems line as the reviewer's tables show it: `labels` names each table and its columns
    ({"findings": ("问题", {"section_code": "所属方面", …})}), so 「findings.csv 第 12 行：section_code…」
    reads 「问题」第 11 行：所属方面… (a file's header is its row 1; a table numbers its rows from 1).
    A line about no table, or a table without labels, is left as it is."""
    match = _FILE_LINE.match(problem)
    if not match or match.group(1) not in labels:
        return problem
    table, columns = labels[match.group(1)]
    rows = f"第 {'、'.join(str(int(n) - 1) for n in match.group(2).split('、'))} 行" if match.group(2) else ""
    what = match.group(3)
    for column in sorted(columns, key=len, reverse=True):  # theme_code before code
        what = re.sub(rf" ?(?<![A-Za-z_]){re.escape(column)}(?![A-Za-z_]) ?", f"「{columns[column]}」", what)
    return f"「{table}」{rows}：{what}"
