"""总览: what the overview page shows besides its charts, computed in one pass per view."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from rectification.core.months import add_months
from rectification.rules.attention import attention, month_changes, recheck_counts
from rectification.rules.data import Data, Filters, filter_findings, filter_metrics
from rectification.rules.headlines import Headline, headline_series, headlines
from rectification.rules.statuses import closure_cutoff_text, status_counts, unconfirmed_counts


@dataclass
class Overview:
    """What the overview page shows besides its charts, computed once per data version and view."""

    n_findings: int
    n_metrics: int
    now: dict
    before: dict | None
    attention: pd.DataFrame
    changes: pd.DataFrame
    headlines: list[Headline]
    headline_series: pd.DataFrame
    rechecks: dict = field(default_factory=dict)  # 回头看: held, relapsed, due
    unconfirmed: dict = field(default_factory=dict)  # shown status → findings whose status is not confirmed
    closures: str = ""  # 销号情况截至 12月2日: what the closure tiles and charts count


def overview(data: Data, filters: Filters, today: dt.date | None = None) -> Overview:
    findings = filter_findings(data.findings, data.metrics, filters)
    metrics = filter_metrics(data.metrics, filters)
    previous = add_months(filters.as_of, -1)
    found = headlines(data, metrics, filters.as_of)
    months = [m for m in data.months if filters.start <= m <= filters.end]
    return Overview(
        n_findings=len(findings),
        n_metrics=len(metrics),
        now=status_counts(data, findings, filters.as_of, today),
        before=status_counts(data, findings, previous, today, as_of=filters.as_of) if previous in data.months else None,
        attention=attention(data, filters, today),
        changes=month_changes(data, filters, today),
        headlines=found,
        headline_series=headline_series(data, found, months),
        rechecks=recheck_counts(data, findings, filters.as_of),
        unconfirmed=unconfirmed_counts(data, findings, filters.as_of, today),
        closures=closure_cutoff_text(data, filters.as_of, today),
    )
