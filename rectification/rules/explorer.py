"""指标趋势: the chosen metrics' series month by month, per metric or added up by group or department."""

from __future__ import annotations

import pandas as pd

from rectification.rules.data import Data, Filters, in_range
from rectification.rules.text import finding_label

BY = {"metric": "按指标", "group": "按成效类别合计", "department": "按牵头部门合计"}
MEASURES = {"monthly": "每月数值", "cumulative": "累计"}


def counted_twice(metrics: pd.DataFrame, metric_codes) -> list[str]:
    """Of these metrics, those that report the same event as another one among them (same_as): a
    total leaves them out, so 问题12's and 问题17's 79 joint inspections count once."""
    if "same_as" not in metrics:
        return []
    chosen = set(metric_codes)
    twins = metrics[metrics.metric_code.isin(chosen)]
    return [m.metric_code for m in twins.itertuples() if isinstance(m.same_as, str) and m.same_as in chosen]


def explorer_series(data: Data, metric_codes: list[str], filters: Filters, *, measure: str, by: str) -> pd.DataFrame:
    """month, series, unit, y, source, kind for the chosen metrics over the filtered months. By group or
    department the monthly counts are added up per unit (a sum across units means nothing; a level
    such as a rate is not added at all)."""
    column = "value" if measure == "monthly" else "cumulative"
    info = data.metrics.set_index("metric_code")
    rows = in_range(data.monthly[data.monthly.metric_code.isin(metric_codes)], filters)
    rows = rows.assign(unit=rows.metric_code.map(info.unit), y=rows[column])
    if by == "metric":
        names = {
            c: f"{finding_label(info.finding_code[c], info.report_number[c])} {info.metric_name[c]}"
            for c in metric_codes
        }
        rows = rows.assign(series=rows.metric_code.map(names))
        order = {c: i for i, c in enumerate(metric_codes)}
        rows = rows.assign(_o=rows.metric_code.map(order)).sort_values(["_o", "month"]).drop(columns="_o")
        rows = rows.assign(kind=rows.metric_code.map(info.kind))
        return rows[["month", "series", "unit", "y", "source", "kind"]].reset_index(drop=True)
    rows = rows[rows.metric_code.map(info.kind) == "count"]
    rows = rows[~rows.metric_code.isin(counted_twice(data.metrics, metric_codes))]
    key = info.group_name if by == "group" else info.lead_department.fillna("未定部门")
    rows = rows.assign(key=rows.metric_code.map(key))
    summed = rows.groupby(["key", "unit", "month"], as_index=False, sort=True).agg(
        y=("y", lambda s: s.sum() if s.notna().any() else None),
        n=("metric_code", "nunique"),
        source=("source", lambda s: ",".join(sorted(set(s.dropna())))),
    )
    counts = summed.groupby(["key", "unit"]).n.transform("max")
    summed["series"] = summed.key + "（" + summed.unit + "，" + counts.astype(str) + "项合计）"
    summed["kind"] = "count"
    return summed[["month", "series", "unit", "y", "source", "kind"]]
