"""Figures that look wrong: a monthly count repeated or jumping beyond its history, a rate over
100 %, a level falling on its way to a target. 需要关注 and the upload preview share the rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from rectification.core.months import add_months, month_range
from rectification.rules.data import Data
from rectification.rules.text import number_with_unit

# A jump is implausible when it exceeds a multiple of the largest recent month, or what the spread of
# recent months allows (median + k·MAD); repeats are only suspicious for monthly counts (a level may
# well stay put) and only for figures large enough that a copy-paste is likelier than coincidence.
JUMP_FACTOR = 3.0
MAD_K = 5.0
JUMP_HISTORY_MONTHS = 24
MIN_HISTORY = 3
REPEAT_MONTHS = 3
REPEAT_MIN_VALUE = 10  # one meeting a month, three months running, is normal; 2,629 sessions thrice is not


def suspicious(data: Data, metrics: pd.DataFrame, as_of: str) -> pd.DataFrame:
    """Figures this month that look wrong (metric_code, detail): suspicions() for one month."""
    found = suspicions(data, metrics, [as_of])
    return found[["metric_code", "detail"]].reset_index(drop=True)


SUSPICION_COLUMNS = ["month", "metric_code", "detail"]


def suspicions(data: Data, metrics: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    """Figures of `months` that look wrong (month, metric_code, detail), every month and metric in one
    pass. Monthly counts: the same as in each of the previous months (REPEAT_MONTHS in a row), or a
    jump beyond what recent history makes plausible. Month-end levels: a rate over 100 %, or a fall
    where the level cannot fall (one heading for a target above where it started: schools brought
    up to standard do not drop out again by themselves). The upload preview runs the same rules on
    the figures of a file before they are imported. Each month: counts by code, then levels in
    catalogue order."""
    months = sorted(set(months))
    if not months or metrics.empty:
        return pd.DataFrame(columns=SUSPICION_COLUMNS)
    counts = _count_suspicions(data.monthly, metrics[metrics.kind == "count"], months)
    levels = _level_suspicions(data.monthly, metrics[metrics.kind == "level"], months)
    found = pd.concat([counts.assign(rule=0), levels.assign(rule=1)], ignore_index=True)
    found = found.sort_values(["month", "rule", "order"], kind="stable")
    return found[SUSPICION_COLUMNS].reset_index(drop=True)


def _count_suspicions(monthly: pd.DataFrame, counts: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    """Repeats and jumps: each judged month against its own window of the months before it."""
    grid = month_range(add_months(months[0], -JUMP_HISTORY_MONTHS), months[-1])
    # Only the months some judged month looks back on (需要关注 judges one month of ten years).
    rows = monthly[monthly.metric_code.isin(counts.metric_code) & monthly.month.between(grid[0], grid[-1])]
    if rows.empty:
        return pd.DataFrame(columns=[*SUSPICION_COLUMNS, "order"])
    # month × metric, every calendar month (a month without a row is a month without a figure)
    wide = rows.pivot(index="month", columns="metric_code", values="value").reindex(grid)
    values = wide.to_numpy(dtype=float)
    at = np.array([grid.index(month) for month in months])
    index = pd.MultiIndex.from_product([months, wide.columns], names=["month", "metric_code"])

    def window(length: int, end: int) -> pd.DataFrame:
        """One row per (judged month, metric): the `length` months ending `end` months after it."""
        frames = sliding_window_view(values, length, axis=0)[at + end - length + 1]
        return pd.DataFrame(frames.reshape(-1, length), index=index)

    now = pd.Series(values[at].reshape(-1), index=index)
    recent = window(REPEAT_MONTHS, 0)
    repeated = recent.notna().all(axis=1) & (recent.max(axis=1) == recent.min(axis=1)) & (now >= REPEAT_MIN_VALUE)
    previous = window(JUMP_HISTORY_MONTHS, -1)
    largest = previous.max(axis=1)
    median = previous.median(axis=1)
    spread = 1.4826 * previous.sub(median, axis=0).abs().median(axis=1)  # MAD scaled to a standard deviation
    enough = previous.notna().sum(axis=1) >= MIN_HISTORY
    jump = enough & (((largest > 0) & (now > JUMP_FACTOR * largest)) | ((spread > 0) & (now > median + MAD_K * spread)))
    flagged = ((repeated | jump) & now.notna()).to_numpy()
    found = pd.DataFrame({"now": now, "repeated": repeated, "largest": largest, "median": median}, index=index)[
        flagged
    ].reset_index()
    found["detail"] = [
        f"连续{REPEAT_MONTHS}个月数值相同（均为 {f.now:,.0f}）"
        if f.repeated
        else f"本月 {f.now:,.0f}，远高于以往（此前最高 {f.largest:,.0f}，中位数 {f.median:,.0f}）"
        for f in found.itertuples()
    ]
    return found.assign(order=wide.columns.get_indexer(found.metric_code))[[*SUSPICION_COLUMNS, "order"]]


def _level_suspicions(monthly: pd.DataFrame, levels: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    """Rates over 100 % and falls on the way to a target: each month against the state before it."""
    levels = levels.reindex(columns=["metric_code", "unit", "target_value", "opening_value"]).astype(
        {"target_value": float, "opening_value": float}
    )
    levels = levels.assign(order=range(len(levels)), unit=[u if isinstance(u, str) else "" for u in levels.unit])
    rows = monthly[monthly.metric_code.isin(levels.metric_code)].sort_values(["metric_code", "month"])
    # The month-end state before each month: its figure, else the state carried over (the cumulative).
    shown = rows.value.where(rows.value.notna(), rows.cumulative)
    last = shown.groupby(rows.metric_code).shift().groupby(rows.metric_code).ffill()
    judged = rows.assign(last=last)[rows.month.isin(months) & rows.value.notna()].merge(levels, on="metric_code")
    over_100 = (judged.unit == "%") & (judged.value > 100)
    heading_up = (
        judged.target_value.notna() & judged.opening_value.notna() & (judged.target_value >= judged.opening_value)
    )
    falls = ~over_100 & heading_up & judged.last.notna() & (judged.value < judged.last)
    found = judged[over_100 | falls]
    found = found.assign(
        detail=[
            f"本月 {f.value:g}%，百分比不应超过 100%"
            if f.unit == "%" and f.value > 100
            else f"月末值由 {number_with_unit(f.last, f.unit)} 降到 {number_with_unit(f.value, f.unit)}："
            "该指标朝目标只增不减，请核对"
            for f in found.itertuples()
        ]
    )
    return found[[*SUSPICION_COLUMNS, "order"]]
