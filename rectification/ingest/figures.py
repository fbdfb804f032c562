"""The monthly figures (月报): each row checked against the metric catalogue, then the typo checks
(需要关注's suspicious-figure rules) run on the file before it lands."""

from __future__ import annotations

import re
from collections import deque

import duckdb
import pandas as pd

from rectification.core.months import chinese
from rectification.core.store import query
from rectification.ingest.header import FIGURES, Header, checked_rows
from rectification.ingest.problems import Problem, cell_text, free_text, shown
from rectification.ingest.staging import Staged, finish_staging
from rectification.ingest.values import is_not_reported, month_problem, number_of

CHECK_COLUMNS = ["line", "month", "code", "value", "warning", "previous"]


def stage_rows(con: duckdb.DuckDBPyConnection, header: Header, *, tracking_start: str) -> Staged:
    metrics = {
        code: (name, unit, kind)
        for code, name, unit, kind in con.execute("select metric_code, name, unit, kind from metrics").fetchall()
    }
    # A retired metric (目录管理) takes no figures from its retirement month on; earlier months may
    # still be filled in or corrected.
    retired = dict(
        con.execute(
            "select metric_code, strftime(retired_from, '%Y-%m') from metrics where retired_from is not null"
        ).fetchall()
    )
    problems: list[Problem] = []
    warnings: list[Problem] = []
    rows = []
    named: dict[int, str] = {}  # line -> "CODE 名称" of the metric the row is about
    skipped = n_rows = 0
    # A refused row need not be counted: any problem refuses the whole file.
    for line, cell in checked_rows(header, ("month", "metric_code", "value"), problems, warnings):
        n_rows += 1
        raw_code, raw_value = cell("metric_code"), cell("value")
        code = re.sub(r"\s", "", cell_text(raw_code)).upper()
        if not code and is_not_reported(raw_value):
            warnings.append(Problem(line, None, None, "没有指标编码和数值，不是数据行，已忽略"))
            n_rows -= 1
            continue
        if code not in metrics:
            reason = "指标编码为空" if not code else "指标编码不存在，请使用本月模板中的编码"
            problems.append(Problem(line, "指标编码", shown(raw_code), reason))
            continue
        name, unit, kind = metrics[code]
        named[line] = f"{code} {name}"
        if is_not_reported(raw_value):
            skipped += 1
            warnings.append(Problem(line, "数值", shown(raw_value), f"{code} 未填报，已跳过（不会记为 0）"))
            continue
        month, problem = month_problem(cell("month"), line, tracking_start=tracking_start)
        if problem:
            problems.append(problem)
        try:
            percent_cell = "value" in header.columns and (line, header.columns["value"] + 1) in header.sheet.percent
            value = number_of(raw_value, percent_metric=unit == "%", percent_cell=percent_cell)
        except ValueError as reason:
            problems.append(Problem(line, "数值", _abridged(shown(raw_value)), str(reason)))
            continue
        if value < 0:
            problems.append(Problem(line, "数值", shown(raw_value), "数值不能为负数"))
        if unit == "%" and value > 100:
            problems.append(Problem(line, "数值", shown(raw_value), "百分比不能超过 100"))
        if unit == "%" and 0 < value <= 1:
            warnings.append(
                Problem(
                    line,
                    "数值",
                    shown(raw_value),
                    f"按 {value:g}% 记录；如应为 {value * 100:g}%，请填写 {value * 100:g}",
                )
            )
        warnings += _catalogue_warnings(line, code, name, unit, cell("metric_name"), cell("unit"))
        if month and code in retired and month >= retired[code]:
            problems.append(
                Problem(
                    line,
                    "指标编码",
                    shown(raw_code),
                    f"{code}（{name}）已自{chinese(retired[code])}起停用，不再接收{chinese(month)}的数值",
                )
            )
            continue
        if month:
            rows.append(
                {"line": line, "month": month, "code": code, "value": value, "note": free_text(cell("note")) or None}
            )
    for problem in problems + warnings:  # each problem names its metric, unless its reason already does
        about = named.get(problem.row)
        if about and not problem.subject and about.split()[0] not in problem.reason:
            problem.subject = about
    return finish_staging(FIGURES, rows, problems, warnings, skipped, n_rows, "数值")


def _abridged(text: str, keep: int = 20) -> str:
    """A long cell quoted in a message: its start and its length, so 400 nines do not fill the page."""
    return text if len(text) <= keep + 10 else f"{text[:keep]}…（共 {len(text)} 个字符）"


def _catalogue_warnings(line, code, name, unit, sent_name, sent_unit) -> list[Problem]:
    """指标名称 and 单位 are optional and only checked: the code decides what is stored."""
    warnings = []
    if cell_text(sent_name) and re.sub(r"\s", "", cell_text(sent_name)) != re.sub(r"\s", "", cell_text(name)):
        warnings.append(
            Problem(line, "指标名称", shown(sent_name), f"与 {code} 的目录名称「{name}」不一致，按指标编码导入")
        )
    if cell_text(sent_unit) and cell_text(sent_unit) != cell_text(unit):
        warnings.append(
            Problem(line, "单位", shown(sent_unit), f"与 {code} 的目录单位「{unit}」不一致，请按「{unit}」填写")
        )
    return warnings


PREVIOUS_SHOWN = 3  # months of history beside a warning


def figure_checks(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame) -> pd.DataFrame:
    """The 需要关注 suspicious-figure rules (rules.suspicions) run on the file before it lands: the
    store's history with the file's figures in place of what it holds for those months. One row per
    flagged figure: line, month, code, value, warning and the previous months' values as text."""
    from rectification.rules.data import Data
    from rectification.rules.suspicions import suspicions  # the rules 需要关注 applies to the store

    if rows.empty:
        return pd.DataFrame(columns=CHECK_COLUMNS)
    codes = set(rows.code)
    metrics = query(con, "metric_catalogue")
    metrics = metrics[metrics.metric_code.isin(codes)]
    history = query(con, "metric_monthly")
    history = history[history.metric_code.isin(codes)][["month", "metric_code", "value", "cumulative"]]
    sent = rows.rename(columns={"code": "metric_code"})[["line", "month", "metric_code", "value"]]
    replaced = history.set_index(["metric_code", "month"]).index.isin(sent.set_index(["metric_code", "month"]).index)
    monthly = pd.concat([history[~replaced], sent.drop(columns="line").assign(cumulative=None)], ignore_index=True)
    monthly["cumulative"] = monthly.cumulative.astype(float)
    empty = pd.DataFrame()
    data = Data(metrics=metrics, monthly=monthly, findings=empty, statuses=empty, annotations=empty)
    # Every month of the file at once; only the figures the file sends are its warnings.
    flagged = suspicions(data, metrics, list(rows.month)).merge(sent, on=["month", "metric_code"])
    previous = _previous_text(monthly, flagged, dict(zip(metrics.metric_code, metrics.unit, strict=True)))
    out = [
        [int(f.line), f.month, f.metric_code, f.value, f.detail, previous.get((f.metric_code, f.month), "")]
        for f in flagged.itertuples()
    ]
    out += _twin_checks(rows, metrics)
    return pd.DataFrame(out, columns=CHECK_COLUMNS).sort_values("line", kind="stable").reset_index(drop=True)


def _previous_text(monthly: pd.DataFrame, flagged: pd.DataFrame, units: dict[str, str]) -> dict[tuple[str, str], str]:
    """(code, month) -> the PREVIOUS_SHOWN latest months before it that have a figure (else the
    cumulative position), as 2025年1月 12 项、…: what the clerk compares the flagged figure with.
    One pass over the history in order, keeping each metric's last few figures."""
    from rectification.rules.text import number_with_unit

    wanted = set(zip(flagged.metric_code, flagged.month, strict=True))
    history = monthly.assign(shown=monthly.value.where(monthly.value.notna(), monthly.cumulative))
    history = history.dropna(subset=["shown"]).sort_values(["metric_code", "month"])
    texts: dict[tuple[str, str], str] = {}
    recent: dict[str, deque] = {}
    for code, month, value in zip(
        history.metric_code.tolist(), history.month.tolist(), history.shown.tolist(), strict=True
    ):
        before = recent.setdefault(code, deque(maxlen=PREVIOUS_SHOWN))
        if (code, month) in wanted:
            texts[code, month] = "、".join(
                f"{chinese(m)} {number_with_unit(v, units.get(code, ''))}" for m, v in before
            )
        before.append((month, value))
    return texts


def _twin_checks(rows: pd.DataFrame, metrics: pd.DataFrame) -> list[list]:
    """Two metrics that report the same event (same_as) sent for the same month with different values."""
    twins = metrics.set_index("metric_code").same_as.dropna() if "same_as" in metrics else pd.Series(dtype=object)
    sent = rows.set_index(["code", "month"])
    out = []
    for r in rows[rows.code.isin(twins.index)].itertuples():
        twin = twins[r.code]
        if (twin, r.month) in sent.index and sent.loc[(twin, r.month), "value"] != r.value:
            other = sent.loc[(twin, r.month)]
            out.append(
                [
                    int(r.line),
                    r.month,
                    r.code,
                    r.value,
                    f"与 {twin} 是同一事项，数值应相同（第{int(other.line)}行为 {shown(other.value)}）",
                    "",
                ]
            )
    return out
