"""`init`: the catalogue, the report's opening balances and statuses, and the labelled demo history."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import duckdb
import pandas as pd

from rectification import audit, catalogue, uploads
from rectification.config import CATALOGUE_DIR, OPENING_MONTH, TRACKING_START
from rectification.months import month_range, to_date
from rectification.store import transaction

SYSTEM_USER = "system"


def is_initialised(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute("select count(*) from findings").fetchone()[0] > 0


def initialise(con: duckdb.DuckDBPyConnection, *, sample: bool = True, directory: Path = CATALOGUE_DIR) -> str:
    """Build a new store; on one that already holds the catalogue, change nothing."""
    if is_initialised(con):
        return "数据库已初始化，未作任何更改。"
    with transaction(con):
        findings = catalogue.load(con, directory)
        metrics = catalogue.read_table("metrics", directory)
        _load_opening(con, findings, metrics)
        if sample:
            _load_sample(con, findings, metrics)
        detail = f"载入通报目录与期初数据{'（含示例数据）' if sample else ''}"
        audit.record(con, user=SYSTEM_USER, action="init", detail=detail)
    counts = con.execute("select (select count(*) from findings), (select count(*) from metrics)").fetchone()
    label = "含示例数据" if sample else "不含示例数据"
    return f"已初始化：{counts[0]} 项整改问题，{counts[1]} 个指标，{label}。"


def _load_opening(con, findings: pd.DataFrame, metrics: pd.DataFrame) -> None:
    month = to_date(OPENING_MONTH)
    upload_id = uploads.new_upload(
        con,
        kind="opening",
        source=uploads.SOURCE_OPENING,
        user=SYSTEM_USER,
        file_name="data/catalogue（通报截至2025年3月）",
        months=[OPENING_MONTH],
        n_rows=len(metrics) + len(findings),
        n_new=len(metrics) + len(findings),
    )
    con.executemany(
        "insert into opening_balances (metric_code, month, value, upload_id) values (?, ?, ?, ?)",
        [[code, month, float(value), upload_id] for code, value in zip(metrics.metric_code, metrics.opening_value)],
    )
    con.executemany(
        "insert into finding_status (finding_code, month, status, note, upload_id, revision) values (?, ?, ?, ?, ?, 1)",
        [[f.finding_code, month, f.status, f.status_basis, upload_id] for f in findings.itertuples()],
    )
    targets = metrics[metrics.target_value.notna()]
    con.executemany(
        "insert into metric_targets (metric_code, target_value, target_month, basis, set_by) values (?, ?, ?, ?, ?)",
        [
            [
                t.metric_code,
                float(t.target_value),
                to_date(t.target_month) if t.target_month else None,
                "通报原文",
                SYSTEM_USER,
            ]
            for t in targets.itertuples()
        ],
    )


def _rng(code: str) -> random.Random:
    """A generator seeded by the code, so the demo history is the same on every machine."""
    return random.Random(int(hashlib.sha256(code.encode()).hexdigest()[:12], 16))


def split_total(total: float, months: int, rng: random.Random) -> list[float]:
    """Split a cumulative total into `months` non-negative monthly values that add up to it exactly."""
    weights = [rng.uniform(0.4, 1.6) for _ in range(months)]
    scale = total / sum(weights)
    if float(total).is_integer():
        raw = [w * scale for w in weights]
        values = [int(r) for r in raw]
        by_remainder = sorted(range(months), key=lambda i: raw[i] - values[i], reverse=True)
        for i in by_remainder[: int(total) - sum(values)]:
            values[i] += 1
        return [float(v) for v in values]
    values = [round(w * scale, 2) for w in weights[:-1]]
    return values + [round(total - sum(values), 2)]


def level_path(final: float, months: int, rng: random.Random, *, is_rate: bool) -> list[float]:
    """A plausible rising path of a month-end state that ends at the reported value."""
    if not is_rate:
        return [final] * months
    start = final * rng.uniform(0.55, 0.8)
    step = (final - start) / (months - 1)
    return [round(start + step * i, 1) for i in range(months - 1)] + [final]


def status_path(final: str, months: list[str], rng: random.Random) -> list[str]:
    """Monthly statuses before the report's month, leading plausibly to its status."""
    n = len(months)
    started = rng.randint(0, 2)
    finished = rng.randint(started + 1, n)  # month index at which the final state is reached
    path = []
    for i in range(n):
        if i < started:
            path.append("未启动")
        elif final in ("已完成", "长期坚持") and i >= finished:
            path.append(final)
        else:
            path.append("推进中")
    return path


def _load_sample(con, findings: pd.DataFrame, metrics: pd.DataFrame) -> None:
    months = month_range(TRACKING_START, OPENING_MONTH)
    rows = []
    for m in metrics.itertuples():
        rng = _rng(m.metric_code)
        total = float(m.opening_value)
        if m.kind == "count":
            values = split_total(total, len(months), rng)
        else:
            values = level_path(total, len(months), rng, is_rate=m.unit == "%")
        rows += [[m.metric_code, to_date(month), value] for month, value in zip(months, values)]
    status_months = months[:-1]  # the report's own month comes with the opening statuses
    statuses = []
    for f in findings.itertuples():
        path = status_path(f.status, status_months, _rng(f.finding_code))
        statuses += [[f.finding_code, to_date(month), status] for month, status in zip(status_months, path)]
    upload_id = uploads.new_upload(
        con,
        kind="observations",
        source=uploads.SOURCE_SAMPLE,
        user=SYSTEM_USER,
        file_name="示例数据（系统生成）",
        months=months,
        n_rows=len(rows) + len(statuses),
        n_new=len(rows) + len(statuses),
    )
    con.executemany(
        "insert into observations (metric_code, month, value, note, upload_id, revision)"
        " values (?, ?, ?, '示例数据', ?, 1)",
        [row + [upload_id] for row in rows],
    )
    con.executemany(
        "insert into finding_status (finding_code, month, status, note, upload_id, revision)"
        " values (?, ?, ?, '示例数据', ?, 1)",
        [row + [upload_id] for row in statuses],
    )
