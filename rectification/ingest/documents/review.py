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


def reviewed(draft: dict[str, pd.DataFrame], edited: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The tables as the reviewer left them, made whole before they are checked: rows added and left
    empty dropped; a finding deleted takes its measures and proposed metrics along (they would point
    at nothing, in tabs the reviewer is not looking at); codes and ordinals left blank in added rows
    numbered after the last of their kind (S5, S2T07, F55, L3); a code changed in its row changed where
    other rows name it; metrics not kept dropped. Each frame keeps the row labels the editor showed, so
    a problem names the row the reviewer sees (see as_reviewed)."""
    tables = {**draft, **{name: frame.copy() for name, frame in edited.items()}}
    for name in ("sections", "themes", "findings", "measures"):
        frame = tables[name]
        tables[name] = frame.loc[[not _is_empty_row(row) for _, row in frame.iterrows()]].copy()
    findings = tables["findings"]
    findings["is_long_term"] = [_truthy(value) for value in findings["is_long_term"]]  # an added row's is None
    original = draft["findings"]
    gone = set(original.loc[original.index.difference(tables["findings"].index), "finding_code"].map(_text))
    gone -= set(tables["findings"]["finding_code"].map(_text))  # a code kept by another row is not gone
    for name in ("measures", "metrics"):
        tables[name] = tables[name].loc[~tables[name]["finding_code"].map(_text).isin(gone)].copy()
    _number_codes(tables)
    _follow_renames(draft, tables)
    return kept(tables)


# Each code column and the columns of other tables that name it.
REFERENCES = {
    ("sections", "section_code"): [("themes", "section_code"), ("findings", "section_code")],
    ("themes", "theme_code"): [("findings", "theme_code")],
    ("findings", "finding_code"): [("measures", "finding_code"), ("metrics", "finding_code")],
}


def _follow_renames(draft: dict[str, pd.DataFrame], tables: dict[str, pd.DataFrame]) -> None:
    """A code the reviewer changed in its own row is changed where other rows name it, unless another
    row still has the old code (then the rows naming it are left to the reviewer)."""
    for (name, column), referrers in REFERENCES.items():
        before, after = draft[name][column].map(_text), tables[name][column].map(_text)
        common = before.index.intersection(after.index)
        renamed = {before[i]: after[i] for i in common if before[i] != after[i]}
        renamed = {old: new for old, new in renamed.items() if old and old not in set(after)}
        for table, referring in referrers:
            frame = tables[table]
            frame[referring] = [renamed.get(_text(value), value) for value in frame[referring]]


def _is_empty_row(row: pd.Series) -> bool:
    return all(_text(value) in ("", "false") for value in row)


def _number_codes(tables: dict[str, pd.DataFrame]) -> None:
    """Blank codes and ordinals, as data/catalogue numbers them, after the highest already there."""
    sections, themes, findings, measures = (tables[n] for n in ("sections", "themes", "findings", "measures"))
    _fill(sections, "section_code", lambda row, taken: _next("S", taken, width=1))
    _fill(sections, "ordinal", lambda row, taken: str(_highest(taken) + 1))
    # A theme with no section is not numbered: the check names its blank section.
    _fill(
        themes,
        "theme_code",
        lambda row, taken: _text(row.section_code) and _next(f"{_text(row.section_code)}T", taken, width=2),
    )
    _fill(themes, "ordinal", lambda row, taken: str(_highest(_within(themes, "section_code", row)) + 1))
    _fill(
        findings,
        "finding_code",
        lambda row, taken: _next("L", taken, width=1) if _truthy(row.is_long_term) else _next("F", taken, width=2),
    )
    _fill(measures, "ordinal", lambda row, taken: str(_highest(_within(measures, "finding_code", row)) + 1))


def _fill(frame: pd.DataFrame, column: str, number) -> None:
    """Each blank cell of `column`, in row order, given number(row, the column's values so far)."""
    for label in frame.index[frame[column].map(_text) == ""]:
        frame.at[label, column] = number(frame.loc[label], [_text(v) for v in frame[column]])


def _within(frame: pd.DataFrame, column: str, row: pd.Series) -> list[str]:
    return [_text(v) for v in frame.loc[frame[column].map(_text) == _text(row[column]), "ordinal"]]


def _highest(values: list[str]) -> int:
    return max((int(v) for v in values if v.isdigit()), default=0)


def _next(prefix: str, taken: list[str], *, width: int) -> str:
    numbers = [v[len(prefix) :] for v in taken if v.startswith(prefix)]
    return f"{prefix}{_highest(numbers) + 1:0{width}d}"


def _truthy(value) -> bool:
    return _text(value).lower() in ("true", "1")


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


def _row_label(file_row: int, shown: list | None) -> str:
    """A file's row (its header row 1) as the table labels it."""
    position = file_row - 2
    if shown is not None and 0 <= position < len(shown):
        return str(shown[position])
    return str(file_row - 1)


_FILE_LINE = re.compile(r"^(\w+)\.csv(?: 第 ([\d、]+) 行)?：(.*)$", re.S)


def as_reviewed(
    problem: str, labels: dict[str, tuple[str, dict[str, str]]], rows: dict[str, list] | None = None
) -> str:
    """A checks.problems line as the reviewer's tables show it: `labels` names each table and its columns
    ({"findings": ("问题", {"section_code": "所属方面", …})}), so 「findings.csv 第 12 行：section_code…」
    reads 「问题」第 11 行：所属方面… (a file's header is its row 1; a table numbers its rows from 1).
    `rows` gives each table's row labels as written (reviewed()'s frames' index), where rows were
    deleted or dropped and a file's row is no longer the table's. A line about no table, or a table
    without labels, is left as it is."""
    match = _FILE_LINE.match(problem)
    if not match or match.group(1) not in labels:
        return problem
    table, columns = labels[match.group(1)]
    shown = (rows or {}).get(match.group(1))
    numbers = [_row_label(int(n), shown) for n in match.group(2).split("、")] if match.group(2) else []
    rows = f"第 {'、'.join(numbers)} 行" if numbers else ""
    what = match.group(3)
    for column in sorted(columns, key=len, reverse=True):  # theme_code before code
        what = re.sub(rf" ?(?<![A-Za-z_]){re.escape(column)}(?![A-Za-z_]) ?", f"「{columns[column]}」", what)
    return f"「{table}」{rows}：{what}"
