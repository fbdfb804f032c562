"""The catalogue taken from the report (data/catalogue/*.csv), loaded into the store."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from rectification.core import store
from rectification.core.config import CATALOGUE_DIR
from rectification.core.vocabulary import REPORTED_STATUSES

# The four statuses of a finding, as the report and the finding_status table know them.
STATUSES = REPORTED_STATUSES

# The revision of data/catalogue. Raise it whenever a figure, a status or a definition there is corrected:
# a store built from an older revision takes the corrections in when it is next opened (bootstrap.upgrade).
# 1: the first review of the report. 2: issue 10 — 口径 for every metric, approximate figures flagged,
# double counts marked, five missing figures added, 问题16 corrected, headlines named metric by metric.
REVISION = 2

# The outcome group of the metrics a catalogue leaves without one (a document's draft): code, name.
UNGROUPED = ("G-UNSORTED", "未分组")

# The report's markers of a rounded figure: 2000余 (at least) and 约700 (about).
APPROXIMATE_MARKERS = ("余", "约")

METRIC_COLUMNS = [
    "metric_code",
    "finding_code",
    "ordinal",
    "name",
    "unit",
    "kind",
    "group_code",
    "source_quote",
    "definition",
    "approximate",
    "same_as",
]
GROUP_COLUMNS = [
    "group_code",
    "ordinal",
    "name",
    "is_headline",
    "headline_unit",
    "headline_title",
    "headline_definition",
]

# The layout of a catalogue directory (data/catalogue/): each CSV file and its header, in order.
FILE_COLUMNS = {
    "sections": ["section_code", "ordinal", "title"],
    "themes": ["theme_code", "section_code", "ordinal", "title"],
    "findings": [
        "finding_code",
        "report_number",
        "section_code",
        "theme_code",
        "title",
        "lead_department",
        "responsible_leader",
        "deadline",
        "is_long_term",
        "status",
        "status_basis",
    ],
    "measures": ["finding_code", "ordinal", "ordinal_label", "text"],
    "metrics": [
        "metric_code",
        "finding_code",
        "ordinal",
        "name",
        "unit",
        "kind",
        "group_code",
        "opening_value",
        "target_value",
        "target_month",
        "source_quote",
        "approximate",
        "same_as",
        "definition",
    ],
    "outcome_groups": GROUP_COLUMNS,
    "headline_metrics": ["group_code", "ordinal", "metric_code"],
}


def read_table(name: str, directory: Path = CATALOGUE_DIR) -> pd.DataFrame:
    """A catalogue CSV as text columns, empty cells as None."""
    frame = pd.read_csv(directory / f"{name}.csv", dtype=str, keep_default_na=False, encoding="utf-8")
    return frame.replace({"": None})


def read_metrics(directory: Path = CATALOGUE_DIR) -> pd.DataFrame:
    """metrics.csv with the columns an older revision lacks filled in as empty."""
    metrics = read_table("metrics", directory)
    for column in ("definition", "approximate", "same_as"):
        if column not in metrics:
            metrics[column] = None
    return metrics


def read_headline_metrics(directory: Path = CATALOGUE_DIR) -> pd.DataFrame:
    """headline_metrics.csv: group_code, ordinal, metric_code (empty for a revision without one)."""
    if not (directory / "headline_metrics.csv").exists():
        return pd.DataFrame(columns=["group_code", "ordinal", "metric_code"])
    return read_table("headline_metrics", directory)


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    rows = con.execute(
        "select column_name from information_schema.columns where table_name = ? and table_schema = current_schema()"
        " order by ordinal_position",
        [table],
    ).fetchall()
    return [row[0] for row in rows]


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    columns = ", ".join(frame.columns)
    marks = ", ".join("?" for _ in frame.columns)
    rows = frame.astype(object).where(frame.notna(), None).values.tolist()
    # Table and column names come from our own catalogue files, values are parameters.
    store.insert_rows(con, f"insert into {table} ({columns}) values ({marks})", rows)  # noqa: S608


def _present(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, wanted: list[str]) -> pd.DataFrame:
    """The wanted columns that both the CSV and the store's table have (an older schema has fewer)."""
    have = set(table_columns(con, table))
    return frame[[c for c in wanted if c in frame.columns and c in have]]


def headline_problems(metrics: pd.DataFrame, groups: pd.DataFrame, members: pd.DataFrame) -> list[str]:
    """Why the headlines would mislead, if they would: a headline must name its metrics and its 口径,
    and the metrics it adds up must count the same kind of thing — one group, one unit, monthly counts,
    none of them the same event as another."""
    problems = []
    by_code = metrics.set_index("metric_code")
    for g in groups[groups.is_headline.astype(str).str.lower().eq("true")].itertuples():
        chosen = members[members.group_code == g.group_code].metric_code
        if chosen.empty:
            problems.append(f"{g.group_code}：重点成效未列出所含指标")
            continue
        if not isinstance(g.headline_definition, str) or not g.headline_definition.strip():
            problems.append(f"{g.group_code}：重点成效缺少口径")
        unknown = [code for code in chosen if code not in by_code.index]
        if unknown:
            problems.append(f"{g.group_code}：指标不存在：{'、'.join(unknown)}")
            continue
        rows = by_code.loc[list(chosen)]
        if set(rows.group_code) != {g.group_code}:
            problems.append(f"{g.group_code}：所含指标须属于该成效类别")
        if set(rows.kind) != {"count"}:
            problems.append(f"{g.group_code}：只能合计数量类指标（状态类的月末值不能相加）")
        if rows.unit.nunique() != 1 or rows.unit.iloc[0] != g.headline_unit:
            problems.append(f"{g.group_code}：所含指标单位须一致，且为「{g.headline_unit}」")
        twins = {code for code, same in rows.same_as.items() if isinstance(same, str) and same in rows.index}
        if twins:
            problems.append(f"{g.group_code}：{'、'.join(sorted(twins))} 与同一重点成效中的指标是同一事项，会重复计算")
    return problems


def load(con: duckdb.DuckDBPyConnection, directory: Path = CATALOGUE_DIR) -> pd.DataFrame:
    """Insert sections, themes, groups, findings, measures, metrics and the headlines' metrics; return the
    findings table (with the report's status) for the caller to record the opening statuses."""
    _insert(con, "sections", read_table("sections", directory))
    _insert(con, "themes", read_table("themes", directory))
    groups = read_table("outcome_groups", directory)
    metrics = read_metrics(directory)
    # A draft's metrics that nobody sorted into a group yet go into 未分组; a rectification with no
    # groups at all gets it too, so a metric added later in 目录管理 has a group to go into.
    if groups.empty or metrics.group_code.isna().any():
        metrics["group_code"] = metrics.group_code.fillna(UNGROUPED[0])
        ungrouped = dict(zip(GROUP_COLUMNS, [UNGROUPED[0], str(len(groups) + 1), UNGROUPED[1], "false"]))
        groups = pd.concat([groups, pd.DataFrame([ungrouped])], ignore_index=True)
    groups["is_headline"] = groups["is_headline"].astype(str).str.lower().eq("true")
    _insert(con, "outcome_groups", _present(con, "outcome_groups", groups, GROUP_COLUMNS))

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

    _insert(con, "metrics", _present(con, "metrics", metrics, METRIC_COLUMNS))
    members = read_headline_metrics(directory)
    if len(members) and "headline_metrics" in _tables(con):
        _insert(con, "headline_metrics", members)
    return findings


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        row[0]
        for row in con.execute(
            "select table_name from information_schema.tables where table_schema = current_schema()"
        ).fetchall()
    }


def store_revision(con: duckdb.DuckDBPyConnection) -> int | None:
    """The catalogue revision the store holds; None on a schema from before revisions were recorded."""
    if "catalogue_revisions" not in _tables(con):
        return None
    return con.execute("select coalesce(max(revision), 1) from catalogue_revisions").fetchall()[0][0]


def record_revision(con: duckdb.DuckDBPyConnection, detail: str) -> None:
    if "catalogue_revisions" in _tables(con):
        con.execute("insert into catalogue_revisions (revision, detail) values (?, ?)", [REVISION, detail])
