"""How the rules word a figure, a gap and a label: 2,629 场次, 差 10 个百分点, 问题05, a 口径 —
the one way tiles, charts, 需要关注, the pack and the exports write them."""

from __future__ import annotations

import pandas as pd


def finding_label(finding_code: str | None, report_number) -> str:
    """问题05 for a numbered finding, 长期L1 for a long-term item, 综合 for metrics of no finding."""
    if finding_code is None or pd.isna(finding_code):
        return "综合"
    if report_number is None or pd.isna(report_number):
        return f"长期{finding_code}"
    return f"问题{int(report_number):02d}"


def gap_text(actual: float, expected: float, unit: str = "") -> str:
    """How far below its trajectory a figure is: 差 10 个百分点 for a rate (the values are percentages
    themselves, so a relative 10% would be a third number), 差 16 宗（12%） for anything else."""
    gap = float(expected) - float(actual)
    if unit == "%":
        return f"差 {number_with_unit(gap, unit, difference=True)}"
    share = f"（{gap / expected:.0%}）" if expected else ""
    return f"差 {number_with_unit(gap, unit)}{share}"


def position_text(actual, expected, unit: str = "", *, kind: str = "count", approximate: str | None = None) -> str:
    """Where a metric stands against its trajectory, as 需要关注 says it: 当前 90%，进度线 100%，差 10 个百分点
    (a level reads 当前, a count 累计; the gap only when it is behind)."""
    word = "累计" if kind == "count" else "当前"
    text = f"{word} {number_with_unit(actual, unit, approximate)}"
    if expected is None or pd.isna(expected):
        return text
    text += f"，进度线 {number_with_unit(expected, unit)}"
    actual = 0.0 if actual is None or pd.isna(actual) else float(actual)
    if actual < float(expected) - 1e-9 * max(1.0, abs(float(expected))):
        text += f"，{gap_text(actual, expected, unit)}"
    return text


def approximate_text(figure: str, approximate: str | None) -> str:
    """A written figure as the report words a rounded one: 2,000余 / 约700 (the 通报 draft's 2000余 too)."""
    if approximate == "余":
        return f"{figure}余"
    if approximate == "约":
        return f"约{figure}"
    return figure


def number_with_unit(
    value, unit: str = "", approximate: str | None = None, *, difference: bool = False, signed: bool = False
) -> str:
    """2,629 场次 / 90% / — : thousands separators, the unit after a space (none before %). A figure
    the report rounds reads as the report words it: 2,000余 人次, 约700 个. `difference`: the value is a
    difference of two figures, so a difference of rates reads 5.4 个百分点, not 5.4%; `signed`: with its
    sign (+5.4 个百分点, +43 处). The one way a figure is written: tiles, charts, 需要关注, the pack."""
    if value is None or pd.isna(value):
        return "—"
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    if signed and value > 0:
        text = f"+{text}"
    text = approximate_text(text, approximate)
    if difference and unit == "%":
        return f"{text} 个百分点"
    return f"{text}{unit}" if unit == "%" or not unit else f"{text} {unit}"


NO_DEFINITION = "（未填写口径）"


def definition_text(value) -> str:
    """A metric's 口径 as shown, or a plain note that nobody has written one (an added metric)."""
    return value if isinstance(value, str) and value.strip() else NO_DEFINITION
