"""The suspicious-figure rules (需要关注's 数据存疑 and the upload preview's), pinned on whole outputs:
every month of the demo store, a synthetic 19-month history with the cases each rule draws a line
at, and a 19-month file of every metric imported onto the demo store. The expected warnings were
taken from the per-month implementation these rules replaced, so the set-based one says exactly
the same (same figures, same words, same months beside them)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pandas as pd
import pytest
from ingest_files import csv_bytes

from rectification import ingest
from rectification.core.months import add_months, month_range
from rectification.outputs.briefing.content import load
from rectification.rules.data import Data
from rectification.rules.suspicions import suspicious

EXPECTED = Path(__file__).parent / "data" / "figure_checks"

# --- A synthetic history: its own codes, every rule's edges -----------------------------------------

FIRST, LAST = "2024-08", "2026-02"  # 19 months
OLD_FIRST = "2023-01"  # one metric reaches further back than the 24 months a jump is judged on

SYNTHETIC_METRICS = [
    # code, kind, unit, opening_value, target_value
    ("C_STEADY", "count", "次", None, None),
    ("C_REPEAT", "count", "场", None, None),
    ("C_SMALL_REPEAT", "count", "次", None, None),
    ("C_JUMP_SPREAD", "count", "件", None, None),
    ("C_JUMP_LARGEST", "count", "件", None, None),
    ("C_GAPS", "count", "人次", None, None),
    ("C_ZERO", "count", "处", None, None),
    ("C_OLD", "count", "份", None, None),
    ("L_PCT", "level", "%", 80.0, 100.0),
    ("L_FALL_NO_TARGET", "level", "名", 30.0, None),
    ("L_HEADING_DOWN", "level", "个", 50.0, 20.0),
    ("L_GAP", "level", "校", 0.0, 31.0),
]

NA = None
SYNTHETIC_VALUES: dict[str, list[float | None]] = {
    "C_STEADY": [100, 104, 97, 101, 99, 103, 98, 102, 100, 96, 105, 101, 99, 100, 102, 98, 101, 97, 103],
    # 50 three times (flagged), then 60 three times again later, and 9 three times (below the floor)
    "C_REPEAT": [40, 50, 50, 50, 45, 47, 60, 60, 60, 61, 9, 9, 9, 55, 56, 57, 58, 58, 59],
    "C_SMALL_REPEAT": [3, 3, 3, 3, 2, 3, 3, 3, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3],
    # beyond median + 5·MAD but not 3× the largest; then back to normal
    "C_JUMP_SPREAD": [10, 11, 9, 10, 12, 35, 11, 10, 12, 16, 10, 9, 11, 10, 10, 30, 11, 12, 10],
    # no spread at all: only 3× the largest decides (7 > 3·2 flagged, 6 is not)
    "C_JUMP_LARGEST": [2, 2, 2, 7, 2, 2, 2, 6, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2],
    # months without a figure (null), and a jump right after too little history
    "C_GAPS": [NA, 10, NA, 10, 500, NA, NA, 20, 22, NA, 21, 200, NA, 23, 24, 25, NA, 24, 23],
    "C_ZERO": [0, 0, 0, 1, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 40],
    # a rate over 100 %, a fall on the way to the target, and a level that stays
    "L_PCT": [80, 85, 90, 60, 120, 90, 90, 95, 94, 96, 101, 97, 97, 98, 99, 100, 100, 99, 100],
    "L_FALL_NO_TARGET": [30, 31, 29, 28, 33, 20, 21, 22, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32],
    "L_HEADING_DOWN": [50, 48, 49, 45, 40, 41, 38, 35, 36, 30, 28, 27, 29, 26, 25, 24, 22, 21, 20],
    # months with no new state: the month-end level carries over (the cumulative), a fall after them
    "L_GAP": [0, 2, NA, NA, 5, 8, NA, 7, 10, 12, NA, 11, 15, 18, 20, NA, 19, 25, 31],
}


def _old_values() -> list[float | None]:
    """C_OLD: 1,000 in its first month, then about 100; 350 twenty-six months later is 3.5× the
    largest of the 24 months before it (the 1,000 has left the window), 350 earlier would not be."""
    months = month_range(OLD_FIRST, LAST)
    values = [1000.0] + [100.0 + (i % 5) * 5 for i in range(1, len(months))]
    values[months.index("2024-04")] = 350.0  # 1,000 still within 24 months: plausible
    values[months.index("2025-03")] = 350.0  # 1,000 out of the window, and 350 > 3 × 120
    return values


def synthetic_data() -> Data:
    """The metrics' catalogue and monthly rows as metric_monthly gives them: one row per month from
    the first figure on (value null where none came in; cumulative the running total or the
    month-end level), except one month C_GAPS has no row at all."""
    metrics = pd.DataFrame(
        SYNTHETIC_METRICS, columns=["metric_code", "kind", "unit", "opening_value", "target_value"]
    ).astype({"opening_value": float, "target_value": float})
    rows = []
    series = SYNTHETIC_VALUES | {"C_OLD": _old_values()}
    for code, kind, *_ in SYNTHETIC_METRICS:
        values = series[code]
        first = OLD_FIRST if code == "C_OLD" else FIRST
        cumulative = 0.0
        for month, value in zip(month_range(first, LAST), values, strict=True):
            if value is not None:
                cumulative = cumulative + value if kind == "count" else value
            if code == "C_GAPS" and month == "2024-10":
                continue  # a month missing from the rows altogether
            rows.append({"month": month, "metric_code": code, "value": value, "cumulative": cumulative})
    monthly = pd.DataFrame(rows).astype({"value": float, "cumulative": float})
    empty = pd.DataFrame()
    return Data(metrics=metrics, monthly=monthly, findings=empty, statuses=empty, annotations=empty)


def every_month_suspicions(data: Data, months: list[str]) -> list[list[str]]:
    """[month, metric_code, detail] for every month, in the order suspicious gives them."""
    return [
        [month, r.metric_code, r.detail] for month in months for r in suspicious(data, data.metrics, month).itertuples()
    ]


def expected(name: str):
    return json.loads((EXPECTED / f"{name}.json").read_text(encoding="utf-8"))


def test_suspicious_every_month_of_a_synthetic_history():
    data = synthetic_data()
    assert every_month_suspicions(data, month_range(OLD_FIRST, LAST)) == expected("synthetic")


def test_suspicious_every_month_of_the_demo_store(con):
    data = load(con)
    assert every_month_suspicions(data, data.months) == expected("demo")


# --- A 19-month file of every metric, imported onto the demo store --------------------------------

FILE_MONTHS = month_range("2025-04", add_months("2025-04", 18))


def nineteen_month_file(con, *, floor: float = 0.0) -> bytes:
    """Every metric in use for the 19 months after the demo data, drawn around each metric's demo
    figures (so most are plausible), with the typos the checks are for written in: a count copied
    three months running, jumps, a rate and a level falling on their way up, a level without a target
    falling, a month left blank, and the two reports of one event disagreeing. `floor`: counts are drawn
    around at least this, so those with a quiet demo history (0 or 1 a month) jump too."""
    metrics = con.execute(
        "select metric_code, kind, unit from metrics where retired_from is null order by metric_code"
    ).fetchall()
    last = dict(
        con.execute(
            "select metric_code, arg_max(cumulative, month) from metric_month_values group by metric_code"
        ).fetchall()
    )
    typical = dict(
        con.execute("select metric_code, median(value) from metric_month_values group by metric_code").fetchall()
    )
    twins = dict(con.execute("select metric_code, same_as from metrics where same_as is not null").fetchall())
    rng = random.Random(20250401)
    rows = [["月份", "指标编码", "数值", "备注"]]
    sent: dict[tuple[str, str], float | str] = {}
    for code, kind, unit in metrics:
        base, level = max(typical.get(code) or 0.0, floor), last.get(code) or 0.0
        for index, month in enumerate(FILE_MONTHS):
            if kind == "count":
                value: float | str = max(0, round(base * rng.uniform(0.7, 1.3)))
            elif unit == "%":
                value = min(100.0, round(level + index * 0.5, 1))
            else:
                value = level + index
            sent[code, month] = value
    for (code, month), value in sent.items():
        value = sent.get((twins.get(code), month), value)  # the two reports of one event agree ...
        rows.append([month, code, INJECTED.get((code, month), value), ""])  # ... unless a typo is written in
    return csv_bytes(rows, encoding="utf-8")


INJECTED: dict[tuple[str, str], float | str] = {
    ("F05_DISSUADE_SESSIONS", "2025-06"): 400,
    ("F05_DISSUADE_SESSIONS", "2025-07"): 400,
    ("F05_DISSUADE_SESSIONS", "2025-08"): 400,  # the same three months running
    ("F07_LEAFLETS", "2025-09"): 30000,  # a jump (a zero too many)
    ("ORG_SYSTEMS_ISSUED", "2026-02"): 1234,
    ("L1_CHECKPOINTS_REPAIRED_PCT", "2025-10"): 9,  # 90 → 9 on the way to 100 %
    ("F16_SCHOOLS_CCTV_90_DAYS", "2026-01"): 3,  # schools brought up to standard dropping out
    ("F05_PERSUADERS", "2025-11"): 5,  # no target to head for: a level may fall
    ("F05_DISSUADE_SESSIONS", "2026-03"): "",  # left blank: skipped
    ("F12_JOINT_INSPECTIONS", "2025-05"): 12,
    ("F17_RENTAL_INSPECTIONS", "2025-05"): 2100,  # the same event, two values (and a jump: two warnings)
}


def preview_checks(con, floor: float = 0.0) -> tuple[ingest.Plan, list[list]]:
    plan = ingest.preview(con, nineteen_month_file(con, floor=floor), "19-months.csv")
    return plan, [
        [int(c.line), c.month, c.code, float(c.value), c.warning, c.previous] for c in plan.checks.itertuples()
    ]


@pytest.mark.parametrize(("floor", "name"), [(0.0, "nineteen_months"), (20.0, "nineteen_months_noisy")])
def test_preview_checks_of_a_nineteen_month_file(con, floor, name):
    _, checks = preview_checks(con, floor)
    assert checks == expected(name)


def test_commit_reuses_the_preview_checks(con):
    """The commit plans again under the write lock, but the checks are the preview's, for the same bytes."""
    plan, _ = preview_checks(con)
    result = ingest.commit(con, plan, data=nineteen_month_file(con), file_name="19-months.csv", user="测试")
    assert result.upload_id is not None
    assert result.plan.checks is plan.checks
