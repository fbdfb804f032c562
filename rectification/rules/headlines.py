"""Headline outcomes (头盔劝导, 隐患整治, …): the tiles' this month + cumulative + target, and their
series month by month."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from rectification.rules.data import Data
from rectification.rules.rag import metric_positions
from rectification.rules.text import number_with_unit


@dataclass(frozen=True)
class Headline:
    group_code: str
    group_name: str
    unit: str
    metric_codes: tuple[str, ...]
    metric_names: tuple[str, ...]
    month_value: float | None
    cumulative: float
    target: float | None
    title: str = ""  # what the tile says it counts (醉驾积案移诉及撤案), from the catalogue
    definition: str = ""  # the headline's one-line 口径, from the catalogue
    parts: tuple[float, ...] = ()  # each metric's cumulative, in metric_codes order
    approximate: str | None = None  # 余 / 约 when any figure added up is the report's rounded one

    @property
    def name(self) -> str:
        return self.title or self.group_name

    @property
    def breakdown(self) -> str:
        """醉驾案件移送起诉 128 宗 + 醉驾案件撤案 149 宗 = 277 宗: what the number is made of."""
        total = number_with_unit(self.cumulative, self.unit, self.approximate)
        if len(self.parts) != len(self.metric_names):
            return "、".join(self.metric_names)
        if len(self.metric_names) == 1:
            return f"{self.metric_names[0]} {total}"
        items = " + ".join(
            f"{name} {number_with_unit(value, self.unit)}" for name, value in zip(self.metric_names, self.parts)
        )
        return f"{items} = {total}"

    @property
    def label(self) -> str:
        """The tile's help: the 口径 first, then the breakdown."""
        lines = [f"口径：{self.definition}"] if self.definition else []
        return "\n\n".join([*lines, f"构成：{self.breakdown}"])


def names_headlines(metrics: pd.DataFrame) -> bool:
    """Whether the catalogue names the headlines' metrics (every store since migration 008 does)."""
    return "in_headline" in metrics and bool(metrics.in_headline.fillna(False).astype(bool).any())


def headline_metrics(
    metrics: pd.DataFrame, group_code: str, positions: pd.DataFrame, unit: str | None = None, *, named: bool = False
) -> pd.DataFrame:
    """The metrics a headline shows: with `named`, those the catalogue names for it (headline_metrics.csv),
    in its order — of `metrics`, which may be a filtered view. Without (a catalogue that names none) it
    falls back to the group's count metrics of one unit, because sums across units mean nothing — the
    catalogue's headline unit for the group, else the unit most of them share, on a tie the one with
    the larger total."""
    if named:
        chosen = metrics[(metrics.group_code == group_code) & metrics.in_headline.fillna(False).astype(bool)]
        return chosen.sort_values("headline_ordinal")
    counts = metrics[(metrics.group_code == group_code) & (metrics.kind == "count")]
    if counts.empty:
        return counts
    if unit and (counts.unit == unit).any():
        return counts[counts.unit == unit]
    totals = counts.merge(positions, on="metric_code", how="left")
    by_unit = totals.groupby("unit").agg(n=("metric_code", "size"), total=("cumulative", "sum"))
    unit = by_unit.sort_values(["n", "total"], ascending=False).index[0]
    return counts[counts.unit == unit]


def approximate_marker(markers) -> str | None:
    """The marker of a sum: 约 when any part is 约, else 余 when any part is 余, else exact."""
    found = {m for m in markers if isinstance(m, str) and m}
    return "约" if "约" in found else ("余" if found else None)


def headlines(data: Data, metrics: pd.DataFrame, as_of: str) -> list[Headline]:
    """The headline outcome groups (头盔劝导, 隐患整治, …) as this month + cumulative + target."""
    positions = metric_positions(data, data.metrics, as_of)
    groups = data.metrics[data.metrics.is_headline].drop_duplicates("group_code").sort_values("group_ordinal")
    out = []
    for g in groups.itertuples():
        unit = g.headline_unit if isinstance(g.headline_unit, str) else None
        chosen = headline_metrics(metrics, g.group_code, positions, unit, named=names_headlines(data.metrics))
        if chosen.empty:
            continue
        pos = positions.set_index("metric_code").reindex(chosen.metric_code)
        month_value = pos.month_value.sum() if pos.month_value.notna().any() else None
        targets = chosen.target_value
        title = getattr(g, "headline_title", None)
        definition = getattr(g, "headline_definition", None)
        out.append(
            Headline(
                group_code=g.group_code,
                group_name=g.group_name,
                unit=chosen.unit.iloc[0],
                metric_codes=tuple(chosen.metric_code),
                metric_names=tuple(chosen.metric_name),
                month_value=month_value,
                cumulative=float(pos.cumulative.fillna(0).sum()),
                # A group target only when every summed metric has one; a partial sum would mislead.
                target=float(targets.sum()) if targets.notna().all() else None,
                title=title if isinstance(title, str) else "",
                definition=definition if isinstance(definition, str) else "",
                parts=tuple(float(v) for v in pos.cumulative.fillna(0)),
                approximate=approximate_marker(chosen.get("approximate", pd.Series(dtype=object))),
            )
        )
    return out


SERIES_COLUMNS = [
    "month",
    "value",
    "cumulative",
    "source",
    "group",
    "unit",
    "target",
    "title",
    "definition",
    "approximate",
    "breakdown",
]


def headline_series(data: Data, headline_list: list[Headline], months: list[str]) -> pd.DataFrame:
    """group × month: the monthly sum and the cumulative sum of each headline's metrics, with the
    headline's title, 口径 and, month by month, what the cumulative figure is made of."""
    frames = []
    for h in headline_list:
        rows = data.monthly[data.monthly.metric_code.isin(h.metric_codes) & data.monthly.month.isin(months)]
        grouped = rows.groupby("month", as_index=False).agg(
            value=("value", "sum"), reported=("value", "count"), cumulative=("cumulative", "sum")
        )
        grouped["value"] = grouped.value.where(grouped.reported > 0)  # a month nobody reported stays empty
        grouped["source"] = ",".join(sorted(set(rows.source.dropna())))
        grouped["group"] = h.group_name
        grouped["unit"] = h.unit
        grouped["target"] = h.target
        grouped["title"] = h.name
        grouped["definition"] = h.definition
        grouped["approximate"] = h.approximate
        names = dict(zip(h.metric_codes, h.metric_names))
        order = {code: i for i, code in enumerate(h.metric_codes)}
        by_month = (
            rows.assign(name=rows.metric_code.map(names), _order=rows.metric_code.map(order))
            .sort_values(["month", "_order"])
            .set_index("month")
        )
        grouped["breakdown"] = [
            " + ".join(
                f"{r.name} {number_with_unit(r.cumulative, h.unit)}"
                for r in by_month.loc[[month]].itertuples()
                if not pd.isna(r.cumulative)
            )
            for month in grouped.month
        ]
        frames.append(grouped.drop(columns="reported"))
    if not frames:
        return pd.DataFrame(columns=SERIES_COLUMNS)
    return pd.concat(frames, ignore_index=True)
