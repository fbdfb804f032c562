"""Catalogue changes after the report: add a metric, edit one, retire or reinstate it, and write the
current catalogue back out in data/catalogue's CSV layout. Nothing is ever deleted, so every figure
keeps its metric; every change is audited with its old value."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from pathlib import Path

import duckdb
import pandas as pd

from rectification.core import audit, programme
from rectification.core.months import add_months, chinese, current_month, to_date
from rectification.core.store import query, transaction
from rectification.core.tables import number_text

ORIGIN_REPORT = "通报"
ORIGIN_ADDED = "管理员新增"
KIND_LABELS = {"count": "数量类（每月填当月新增数）", "level": "状态类（每月填月末数，如覆盖率）"}
GENERAL = "ORG"  # code prefix of metrics that belong to no finding (综合: 组织推进 and the like)
MAX_NAME = 30
MAX_UNIT = 6
MAX_DEFINITION = 160  # the 口径 in one line: what one unit is, what counts, the month it belongs to
# Excel runs a cell starting with these as a formula; a name is copied into every form and export.
FORMULA_START = ("=", "+", "-", "@")

# The export, file by file, in data/catalogue's own column layout, plus what that layout cannot say.
EXPORT_FILES = {
    "sections.csv": "catalogue_sections",
    "themes.csv": "catalogue_themes",
    "findings.csv": "catalogue_findings",
    "measures.csv": "catalogue_measures",
    "outcome_groups.csv": "catalogue_outcome_groups",
    "metrics.csv": "catalogue_metrics",
    "headline_metrics.csv": "catalogue_headline_metrics",
    "metric_lifecycle.csv": "catalogue_metric_lifecycle",
}


class CatalogueError(ValueError):
    """The change cannot be made; the message says why, in Chinese. Nothing was written."""


# --- Checking input --------------------------------------------------------------------------


def _text(value: str | None, what: str, limit: int) -> str:
    text = re.sub(r"\s+", " ", value or "").strip()
    if not text:
        raise CatalogueError(f"{what}不能为空。")
    if len(text) > limit:
        raise CatalogueError(f"{what}不超过 {limit} 个字（现为 {len(text)} 个）。")
    if text.startswith(FORMULA_START):
        raise CatalogueError(f"{what}不能以 = + - @ 开头（在 Excel 中会被当作公式）。")
    if any(unicodedata.category(ch).startswith("C") for ch in text):
        raise CatalogueError(f"{what}含有不可见的控制字符，请重新输入。")
    return text


def _finding(con: duckdb.DuckDBPyConnection, code: str | None) -> str | None:
    """A finding's code, or None for a metric of no finding (given as empty or ORG)."""
    code = (code or "").strip().upper()
    if code in ("", GENERAL):
        return None
    if not con.execute("select 1 from findings where finding_code = ?", [code]).fetchone():
        raise CatalogueError(f"整改问题不存在：{code}（应为 F01…F54、L1、L2；不属于具体问题的填 {GENERAL}）。")
    return code


def _group(con: duckdb.DuckDBPyConnection, code: str | None) -> tuple[str, str]:
    code = (code or "").strip().upper()
    row = con.execute("select group_code, name from outcome_groups where group_code = ?", [code]).fetchone()
    if row is None:
        known = "、".join(
            c for (c,) in con.execute("select group_code from outcome_groups order by ordinal").fetchall()
        )
        raise CatalogueError(f"成效类别不存在：{code or '（空）'}。可选：{known}。")
    return row


def _kind(kind: str | None) -> str:
    if kind not in KIND_LABELS:
        raise CatalogueError("指标类型须为 count（数量类）或 level（状态类）。")
    return kind


def _unit_fits_kind(unit: str, kind: str) -> None:
    if unit == "%" and kind == "count":
        raise CatalogueError("百分比指标须为状态类（level）：各月百分比相加没有意义。")


def _unique_name(con: duckdb.DuckDBPyConnection, name: str, code: str | None) -> None:
    # Unique across the whole catalogue, not just the finding: the upload form lists names without
    # their finding, and whoever fills it in must be able to tell two rows apart.
    clash = con.execute(
        "select metric_code, name from metrics"
        " where regexp_replace(name, '\\s', '', 'g') = ? and metric_code is distinct from ?",
        [re.sub(r"\s", "", name), code],
    ).fetchone()
    if clash:
        raise CatalogueError(f"已有同名指标：{clash[0]}「{clash[1]}」。指标名称须唯一，请换一个名称。")


def _metric(con: duckdb.DuckDBPyConnection, code: str) -> dict:
    row = con.execute(
        "select metric_code, name, unit, kind, group_code, finding_code, retired_from, definition"
        " from metrics where metric_code = ?",
        [(code or "").strip().upper()],
    ).fetchone()
    if row is None:
        raise CatalogueError(f"指标不存在：{code}")
    keys = ("code", "name", "unit", "kind", "group_code", "finding_code", "retired_from", "definition")
    return dict(zip(keys, row, strict=True))


def _month(con: duckdb.DuckDBPyConnection, text: str | None) -> str:
    match = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", text or "")
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise CatalogueError(f"月份格式应为 YYYY-MM（四位年份、两位月份）：{text or '（空）'}")
    month = f"{int(match.group(1)):04d}-{int(match.group(2)):02d}"
    tracking_start = programme.current(con).tracking_start
    if month < tracking_start:
        raise CatalogueError(f"停用月份不能早于整改跟踪开始的 {chinese(tracking_start)}。")
    return month


def _figures(con: duckdb.DuckDBPyConnection, code: str) -> tuple[int, str | None]:
    """How many figures of the metric count now (the opening balance included), and the last month."""
    count, last = con.execute(
        "select count(*), strftime(max(month), '%Y-%m') from ("
        " select month from current_observations where metric_code = ?"
        " union all select month from current_opening_balances where metric_code = ?)",
        [code, code],
    ).fetchone()
    return count, last


def _next_code(con: duckdb.DuckDBPyConnection, prefix: str) -> str:
    """F05_X01, F05_X02, …: one past the highest ever given. Metrics are never deleted, so a code
    once given stays taken and is never handed to a different metric."""
    codes = con.execute("select metric_code from metrics where starts_with(metric_code, ?)", [f"{prefix}_X"])
    numbers = [int(m.group(1)) for (c,) in codes.fetchall() if (m := re.fullmatch(rf"{prefix}_X(\d+)", c))]
    return f"{prefix}_X{max(numbers, default=0) + 1:02d}"


def _where(finding: str | None) -> str:
    return f"问题 {finding}" if finding else "综合（不属于具体问题）"


# --- Changes ---------------------------------------------------------------------------------


def add_metric(
    con: duckdb.DuckDBPyConnection,
    *,
    finding_code: str | None,
    name: str,
    unit: str,
    kind: str,
    group_code: str,
    actor: str,
    definition: str | None = None,
    active_from: str | None = None,
) -> str:
    """Add a metric under a finding (None or ORG: under none), with its 口径 if given; return its new code.
    It is asked for from `active_from` (YYYY-MM, default: this month): earlier months never list it as 未上报."""
    name = _text(name, "指标名称", MAX_NAME)
    definition = _text(definition, "口径", MAX_DEFINITION) if (definition or "").strip() else None
    unit = _text(unit, "单位", MAX_UNIT)
    kind = _kind(kind)
    _unit_fits_kind(unit, kind)
    start = _month(con, active_from) if active_from else current_month()
    with transaction(con):
        finding = _finding(con, finding_code)
        group, group_name = _group(con, group_code)
        _unique_name(con, name, None)
        code = _next_code(con, finding or GENERAL)
        ordinal = con.execute(
            "select coalesce(max(ordinal), 0) + 1 from metrics where finding_code is not distinct from ?", [finding]
        ).fetchone()[0]
        con.execute(
            "insert into metrics (metric_code, finding_code, ordinal, name, unit, kind, group_code, origin,"
            " definition, active_from) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [code, finding, ordinal, name, unit, kind, group, ORIGIN_ADDED, definition, to_date(start)],
        )
        audit.record(
            con,
            user=actor,
            action="catalogue_add",
            target=code,
            detail=f"新增指标「{name}」（{unit}，{KIND_LABELS[kind][:3]}，{group_name}），所属：{_where(finding)}",
        )
    return code


def update_metric(
    con: duckdb.DuckDBPyConnection,
    code: str,
    *,
    actor: str,
    name: str | None = None,
    unit: str | None = None,
    group_code: str | None = None,
    kind: str | None = None,
    definition: str | None = None,
) -> bool:
    """Change a metric's name, unit, group, kind or 口径 (None keeps it); False when nothing changed.
    The kind and a switch to or from % change what stored figures mean, so both need a metric
    that has no figures yet."""
    with transaction(con):
        old = _metric(con, code)
        new = {
            "name": old["name"] if name is None else _text(name, "指标名称", MAX_NAME),
            "unit": old["unit"] if unit is None else _text(unit, "单位", MAX_UNIT),
            "group_code": old["group_code"] if group_code is None else _group(con, group_code)[0],
            "kind": old["kind"] if kind is None else _kind(kind),
            "definition": old["definition"] if definition is None else _text(definition, "口径", MAX_DEFINITION),
        }
        _unit_fits_kind(new["unit"], new["kind"])
        changed = [key for key in new if new[key] != old[key]]
        if not changed:
            return False
        if "name" in changed:
            _unique_name(con, new["name"], old["code"])
        n_figures, _ = _figures(con, old["code"])
        if n_figures and "kind" in changed:
            raise CatalogueError(
                f"该指标已有 {n_figures} 个数值，不能改变指标类型：已填数值会按另一种方式累计。"
                "如口径确有变化，请停用此指标并新增一个。"
            )
        if n_figures and "unit" in changed and "%" in (old["unit"], new["unit"]):
            raise CatalogueError(
                f"该指标已有 {n_figures} 个数值，不能改为或改自百分比单位：已填数值的含义会改变。"
                "如口径确有变化，请停用此指标并新增一个。"
            )
        headline = con.execute(
            "select g.name from headline_metrics as h join outcome_groups as g using (group_code)"
            " where h.metric_code = ?",
            [old["code"]],
        ).fetchone()
        if headline and {"unit", "kind", "group_code"} & set(changed):
            raise CatalogueError(
                f"该指标计入重点成效「{headline[0]}」，不能改变单位、类型或成效类别：重点成效只合计同一口径的指标。"
            )
        con.execute(
            "update metrics set name = ?, unit = ?, group_code = ?, kind = ?, definition = ? where metric_code = ?",
            [new["name"], new["unit"], new["group_code"], new["kind"], new["definition"], old["code"]],
        )
        labels = {"name": "名称", "unit": "单位", "group_code": "成效类别", "kind": "类型", "definition": "口径"}
        detail = "；".join(f"{labels[key]}：{old[key]} → {new[key]}" for key in changed)
        audit.record(con, user=actor, action="catalogue_edit", target=old["code"], detail=f"{old['name']} {detail}")
    return True


def retire_metric(con: duckdb.DuckDBPyConnection, code: str, from_month: str, *, actor: str) -> None:
    """Stop asking for a metric from `from_month` on. Its figures stay, in charts and exports; the
    month must come after its last figure, so no stored figure falls in the retired months."""
    month = _month(con, from_month)
    with transaction(con):
        metric = _metric(con, code)
        if metric["retired_from"] is not None:
            raise CatalogueError(f"该指标已自{chinese(metric['retired_from'].strftime('%Y-%m'))}起停用。")
        _, last = _figures(con, metric["code"])
        if last and last >= month:
            raise CatalogueError(
                f"该指标已有{chinese(last)}的数值，停用月份须晚于此（最早 {add_months(last, 1)}）。"
                "如该月数值有误，请先在「数据管理」撤销那次上报。"
            )
        con.execute("update metrics set retired_from = ? where metric_code = ?", [to_date(month), metric["code"]])
        audit.record(
            con,
            user=actor,
            action="catalogue_retire",
            target=metric["code"],
            detail=f"{metric['name']}：自{chinese(month)}起停用（不再列入上报模板，历史数值保留）",
        )


def reinstate_metric(con: duckdb.DuckDBPyConnection, code: str, *, actor: str) -> None:
    """Ask for a retired metric again, from the month it was retired."""
    with transaction(con):
        metric = _metric(con, code)
        if metric["retired_from"] is None:
            raise CatalogueError("该指标未停用，无需恢复。")
        since = chinese(metric["retired_from"].strftime("%Y-%m"))
        con.execute("update metrics set retired_from = null where metric_code = ?", [metric["code"]])
        audit.record(
            con,
            user=actor,
            action="catalogue_reinstate",
            target=metric["code"],
            detail=f"{metric['name']}：恢复上报（原自{since}起停用）",
        )


# --- The catalogue as CSV --------------------------------------------------------------------


def export_tables(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    """Every catalogue file as data/catalogue lays it out (text cells, numbers as the report writes
    them), plus metric_lifecycle.csv: the metrics added by an administrator or retired."""
    tables = {name: query(con, sql) for name, sql in EXPORT_FILES.items()}
    metrics = tables["metrics.csv"]
    for column in ("opening_value", "target_value"):
        metrics[column] = metrics[column].map(lambda v: number_text(v) or None)
    return tables


def csv_text(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, lineterminator="\n")


def write_export(con: duckdb.DuckDBPyConnection, directory: Path) -> list[Path]:
    """Write the export into `directory` (UTF-8 without BOM, LF: byte for byte what git holds for an
    unchanged catalogue, so `diff -r data/catalogue DIRECTORY` shows exactly what changed)."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in export_tables(con).items():
        path = directory / name
        path.write_text(csv_text(frame), encoding="utf-8")
        written.append(path)
    return written


def export_zip(con: duckdb.DuckDBPyConnection) -> bytes:
    """The same files in one zip, for the page's download button."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, frame in export_tables(con).items():
            archive.writestr(f"catalogue/{name}", csv_text(frame))
    return out.getvalue()
