"""The dashboard's data and view: what is read from the store (Data, load), the sidebar's
filters (Filters, resolve) and the filtering of findings, metrics and months by them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

from rectification.core import programme
from rectification.core.months import month_range, to_date
from rectification.core.programme import Programme
from rectification.rules import closure_states

# A month is "substantially reported" when at least this share of the best-reported month's metrics
# (or ledger statuses) came in: one early figure for a future month must not move everyone's default.
SUBSTANTIAL_SHARE = 0.5


@dataclass(frozen=True)
class Filters:
    """The sidebar's view: which findings and metrics, which months, and the month treated as 'now'."""

    section: str | None = None
    department: str | None = None
    group: str | None = None
    start: str | None = None
    end: str | None = None
    as_of: str | None = None


@dataclass
class Data:
    """Everything the dashboard pages and the briefing draw from, as read from the store."""

    metrics: pd.DataFrame  # metric_catalogue
    monthly: pd.DataFrame  # metric_monthly
    findings: pd.DataFrame  # finding_catalogue
    statuses: pd.DataFrame  # finding_status_monthly, statuses replaced by the closure state (closure_states.monthly)
    annotations: pd.DataFrame  # annotations_current
    closure_events: pd.DataFrame = field(default_factory=pd.DataFrame)  # closure_events_effective
    programme: Programme | None = None  # the rectification: its unit, tracking start, opening month…

    @property
    def tracking_start(self) -> str | None:
        """Nothing is tracked before it (None, for frames made without a programme: the first month held)."""
        return self.programme.tracking_start if self.programme else None

    @property
    def months(self) -> list[str]:
        """Every month the store covers, from the start of tracking to its last month of data."""
        held = ([self.monthly.month.min(), self.monthly.month.max()] if len(self.monthly) else []) + (
            [self.statuses.month.min(), self.statuses.month.max()] if len(self.statuses) else []
        )
        first = self.tracking_start or min(held)
        return month_range(first, max([first, *held]))

    @property
    def latest(self) -> str:
        """The last month with any figure or status."""
        return self.months[-1]

    @cached_property
    def reported(self) -> pd.DataFrame:
        """month × (metrics, statuses): how many metric figures and ledger statuses each month has."""
        metrics = self.monthly[self.monthly.value.notna()].groupby("month").metric_code.nunique()
        statuses = (
            self.statuses[self.statuses.is_reported.fillna(False).astype(bool)].groupby("month").finding_code.nunique()
            if "is_reported" in self.statuses
            else pd.Series(dtype="int64")
        )
        frame = pd.DataFrame({"metrics": metrics, "statuses": statuses}).reindex(self.months).fillna(0)
        return frame.astype(int)

    @cached_property
    def default_as_of(self) -> str:
        """The default 'as of' month: the latest month substantially reported (figures or statuses),
        so one early upload for a future month does not empty everyone's overview."""
        counts = self.reported
        substantial = pd.Series(False, index=counts.index)
        for column in counts.columns:
            most = counts[column].max()
            if most > 0:
                substantial |= counts[column] >= SUBSTANTIAL_SHARE * most
        chosen = counts.index[substantial]
        return chosen[-1] if len(chosen) else self.latest

    def later_months(self, as_of: str) -> list[tuple[str, int]]:
        """(month, metrics reported) for the months after `as_of` that have any figure or status."""
        counts = self.reported
        later = counts[(counts.index > as_of) & (counts.sum(axis=1) > 0)]
        return [(month, int(n)) for month, n in later.metrics.items()]


def load(query: Callable[..., pd.DataFrame]) -> Data:
    """Read the dashboard's data with `query(name, **params)` (ui.database.query or a bound store.query),
    from the programme's tracking start on."""
    own = _programme(query)
    findings = query("finding_catalogue")
    events = query("closure_events_effective", finding=None)
    return Data(
        metrics=query("metric_catalogue"),
        monthly=query("metric_monthly"),
        findings=findings,
        statuses=closure_states.monthly(
            query("finding_status_monthly", first=to_date(own.tracking_start)), events, findings
        ),
        annotations=query("annotations_current"),
        closure_events=events,
        programme=own,
    )


def _programme(query: Callable[..., pd.DataFrame]) -> Programme:
    # No row yet: a store built before the programme table, not yet upgraded (as programme.current reads).
    return programme.from_rows(query("programme_current")) or programme.read_file()


def resolve(filters: Filters, data: Data) -> Filters:
    """Fill in defaults and drop what the store does not know (a hand-edited URL): as_of defaults to
    the latest substantially reported month, the range to all months up to as_of, section/department/
    group to 全部."""
    months = data.months
    as_of = filters.as_of if filters.as_of in months else data.default_as_of
    start = filters.start if filters.start in months else months[0]
    end = filters.end if filters.end in months else months[-1]
    if start > end:
        start, end = end, start
    # Nothing after the month the view is "as of": the dashboard as it would have looked then.
    end = min(end, as_of)
    start = min(start, end)
    section = filters.section if filters.section in set(data.findings.section_code) else None
    department = filters.department if filters.department in set(data.findings.lead_department.dropna()) else None
    group = filters.group if filters.group in set(data.metrics.group_code) else None
    return Filters(section, department, group, start, end, as_of)


def filter_findings(findings: pd.DataFrame, metrics: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    keep = pd.Series(True, index=findings.index)
    if filters.section:
        keep &= findings.section_code == filters.section
    if filters.department:
        keep &= findings.lead_department == filters.department
    if filters.group:
        with_group = metrics.loc[metrics.group_code == filters.group, "finding_code"].dropna()
        keep &= findings.finding_code.isin(with_group)
    return findings[keep]


def filter_metrics(metrics: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    keep = pd.Series(True, index=metrics.index)
    if filters.section:
        keep &= metrics.section_code == filters.section
    if filters.department:
        keep &= metrics.lead_department == filters.department
    if filters.group:
        keep &= metrics.group_code == filters.group
    return metrics[keep]


def in_range(frame: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    return frame[(frame.month >= filters.start) & (frame.month <= filters.end)]


def metrics_in_use(metrics: pd.DataFrame, as_of: str) -> pd.DataFrame:
    """The metrics not retired by `as_of` (retired_from is 'YYYY-MM' or empty)."""
    retired = metrics.retired_from.map(lambda month: isinstance(month, str) and month <= as_of)
    return metrics[~retired.astype(bool)]
