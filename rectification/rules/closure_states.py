"""Closure states (销号) derived from the reported statuses and the closure steps: pure functions over
frames, shared by the rules, the workflow that records the steps, and every view."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from rectification.core.months import add_months, to_month
from rectification.core.vocabulary import CLOSED, LONG_TERM, NOT_STARTED, ONGOING, PENDING, REPORTED_DONE


def state_of(reported: str | None, is_long_term: bool, last_kind: str | None) -> str:
    """The closure state from the reported status and the latest closure event."""
    reported = reported if isinstance(reported, str) and reported else NOT_STARTED
    if is_long_term:  # never closed: the status as reported, and 已完成 does not apply
        return LONG_TERM if reported == REPORTED_DONE else reported
    if last_kind == "submit":
        return PENDING
    if last_kind in ("approve", "held"):
        return CLOSED
    if last_kind in ("return", "relapsed"):
        return ONGOING
    return PENDING if reported == REPORTED_DONE else reported


# The steps that send a finding back to 推进中, as its page names them.


def last_per_finding(events: pd.DataFrame, upto: dt.date | None) -> pd.DataFrame:
    if upto is not None:
        events = events[pd.to_datetime(events.month) <= pd.Timestamp(upto)]
    return events.groupby("finding_code", sort=False).tail(1).set_index("finding_code")


def monthly(statuses: pd.DataFrame, events: pd.DataFrame, findings: pd.DataFrame) -> pd.DataFrame:
    """finding_status_monthly with each month's status replaced by the closure state; months after
    the grid's last are added when an event is dated later (a sign-off this month shows this month).
    `reported` keeps the status as reported and `closure_event` the id of the closure step in force
    (none: no step yet), so a view may count later steps (statuses.status_grid) and tell a confirmed
    status from the catalogue's reading (statuses.status_confirmed)."""
    if statuses.empty:
        return statuses
    last_month = statuses.month.max()
    if len(events):
        latest_event = to_month(pd.Timestamp(events.month.max()))
        if latest_event > last_month:
            tail = statuses[statuses.month == last_month]
            extra = []
            month = add_months(last_month, 1)
            while month <= latest_event:
                extra.append(tail.assign(month=month, is_reported=False))
                month = add_months(month, 1)
            statuses = pd.concat([statuses, *extra], ignore_index=True)
    long_term = findings.set_index("finding_code").is_long_term.astype(bool)
    steps = last_event_at(statuses.finding_code, pd.to_datetime(statuses.month + "-01"), events)
    shown = [
        state_of(s, bool(long_term.get(code, False)), k)
        for s, code, k in zip(statuses.status, statuses.finding_code, steps.kind, strict=True)
    ]
    order = findings.set_index("finding_code").ordinal
    out = statuses.assign(
        status=shown, reported=statuses.status, closure_event=steps.event_id, _o=statuses.finding_code.map(order)
    )
    return out.sort_values(["_o", "month"], kind="stable").drop(columns="_o").reset_index(drop=True)


def last_event_at(codes: pd.Series, at: pd.Series, events: pd.DataFrame) -> pd.DataFrame:
    """For each (finding code, day) pair, the latest effective closure step dated on or before that day:
    columns kind and event_id (None and NaN where there is none yet), in the order of the pairs. A step is
    dated the first of its month, so the first of a month finds the steps of that month."""
    found = pd.DataFrame(
        {"kind": pd.Series([None] * len(codes), dtype=object), "event_id": [float("nan")] * len(codes)}
    )
    if events is None or events.empty or not len(codes):
        return found
    # one resolution on both sides: merge_asof refuses a date against a datetime of another unit
    dated = events.assign(_key=pd.to_datetime(events.month).astype("datetime64[ns]"))
    dated = dated.groupby(["finding_code", "_key"], sort=False).tail(1).sort_values("_key", kind="stable")
    pairs = pd.DataFrame(
        {
            "finding_code": list(codes),
            "_key": pd.to_datetime(list(at)).astype("datetime64[ns]"),
            "_order": range(len(codes)),
        }
    )
    merged = pd.merge_asof(
        pairs.sort_values("_key", kind="stable"),
        dated[["_key", "finding_code", "kind", "event_id"]],
        on="_key",
        by="finding_code",
        direction="backward",
    ).sort_values("_order")
    found["kind"] = merged.kind.astype(object).where(merged.kind.notna(), None).tolist()
    found["event_id"] = pd.to_numeric(merged.event_id, errors="coerce").to_numpy(dtype="float64")
    return found
