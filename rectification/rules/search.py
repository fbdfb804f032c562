"""问题详情's search: which findings a typed text means, where it matched, and which one to open."""

from __future__ import annotations

import re

import pandas as pd

_LONG_TERM_QUERY = re.compile(r"(?:长期L?|L)0*(\d{1,3})")


def search_findings(findings: pd.DataFrame, metrics: pd.DataFrame, measures: pd.DataFrame, text: str) -> pd.DataFrame:
    """The findings a search means, the one whose number or code was typed first: 5 / 问题05 / F05,
    长期1 / L1 / 长期L1 for a long-term item, else any finding whose title, measures' text or
    metrics' names contain the text. measures: finding_code, ordinal_label, text."""
    if not text.strip():
        return findings
    hits = search_hits(findings, metrics, measures, text)
    exact = set(hits.finding_code[hits.place == NUMBER_PLACE])
    found = findings[findings.finding_code.isin(set(hits.finding_code))]
    return (
        found.assign(_exact=found.finding_code.isin(exact))
        .sort_values("_exact", ascending=False, kind="stable")
        .drop(columns="_exact")
    )


NUMBER_PLACE = "问题编号"
SNIPPET_CONTEXT = 12  # characters kept on each side of the matched text


def search_hits(findings: pd.DataFrame, metrics: pd.DataFrame, measures: pd.DataFrame, text: str) -> pd.DataFrame:
    """Where a search matched, one row per place: finding_code, place (问题编号 / 问题原文 /
    整改措施「三是」 / 指标「一类视频卡口修复率」) and snippet (the matched text with a little of what
    surrounds it, "" for a number or a metric's name), in the findings' order, a finding's places in
    the report's order. A bare number means a finding's number, not every "5" in measures and metrics."""
    text = text.strip()
    columns = ["finding_code", "place", "snippet"]
    if not text:
        return pd.DataFrame(columns=columns)
    compact = re.sub(r"\s", "", text).upper()
    number = compact.removeprefix("问题").lstrip("0")
    rows: list[tuple[str, str, str]] = []
    for f in findings.itertuples():
        if _is_numbered(f, compact, number):
            rows.append((f.finding_code, NUMBER_PLACE, ""))
        if text in str(f.title):
            rows.append((f.finding_code, "问题原文", _snippet(str(f.title), text)))
        if number.isdigit():
            continue
        for m in measures[measures.finding_code == f.finding_code].itertuples():
            if text in str(m.text):
                label = m.ordinal_label if isinstance(m.ordinal_label, str) else f"第{m.ordinal}条"
                rows.append((f.finding_code, f"整改措施「{label}」", _snippet(str(m.text), text)))
        for name in metrics.loc[metrics.finding_code == f.finding_code, "metric_name"]:
            if text in str(name):
                rows.append((f.finding_code, f"指标「{name}」", ""))
    return pd.DataFrame(rows, columns=columns)


def search_opens(hits: pd.DataFrame) -> str | None:
    """The finding a search opens at once: the one whose number or code was typed, else the only
    finding it matched; None when it matched several (the page lists them to pick from)."""
    numbered = hits.finding_code[hits.place == NUMBER_PLACE]
    if len(numbered):
        return numbered.iloc[0]
    found = hits.finding_code.unique()
    return found[0] if len(found) == 1 else None


def _is_numbered(finding, compact: str, number: str) -> bool:
    if str(finding.finding_code).upper() == compact:
        return True
    if number.isdigit() and not pd.isna(finding.report_number) and int(finding.report_number) == int(number):
        return True
    match = _LONG_TERM_QUERY.fullmatch(compact)
    return bool(match) and finding.finding_code == f"L{int(match.group(1))}"


def _snippet(text: str, found: str) -> str:
    """`found` in `text` with SNIPPET_CONTEXT characters either side, … where text was cut."""
    at = text.index(found)
    start, end = max(0, at - SNIPPET_CONTEXT), min(len(text), at + len(found) + SNIPPET_CONTEXT)
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
