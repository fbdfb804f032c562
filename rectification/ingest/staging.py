"""Staged rows: what a figures or ledger file leaves once every row is checked."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from rectification.ingest.header import Layout
from rectification.ingest.problems import Problem, Refused, refuse, shown


@dataclass
class Staged:
    """Rows that passed every check (line, month YYYY-MM, code, value, note), with what was skipped."""

    layout: Layout
    rows: pd.DataFrame
    warnings: list[Problem] = field(default_factory=list)
    skipped: int = 0
    n_rows: int = 0


def finish_staging(layout: Layout, rows, problems, warnings, skipped, n_rows, value_label: str) -> Staged:
    """Same month and code twice: identical rows merge, different values refuse the file."""
    frame = pd.DataFrame(rows, columns=["line", "month", "code", "value", "note"])
    for (month, code), group in frame[frame.duplicated(["month", "code"], keep=False)].groupby(["month", "code"]):
        lines = "、".join(str(r) for r in group.line)
        if group.value.nunique() > 1:
            values = " / ".join(shown(v) for v in group.value)
            problems.append(
                Problem(
                    int(group.line.iloc[-1]), value_label, values, f"{code} 在 {month} 有多个不同的值（第{lines}行）"
                )
            )
        else:
            warnings.append(
                Problem(
                    int(group.line.iloc[-1]),
                    value_label,
                    None,
                    f"{code} 在 {month} 重复出现（第{lines}行），数值相同，按一条导入",
                )
            )
    if problems:
        raise Refused(sorted(problems, key=lambda p: p.row or 0))
    if frame.empty:
        raise refuse("文件中没有填报任何数值（数值为空或为“-”“无”的行都会跳过）")
    return Staged(layout, frame.drop_duplicates(["month", "code"]).reset_index(drop=True), warnings, skipped, n_rows)
