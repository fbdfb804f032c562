"""Problems: every reason a file is refused, each with the row and column the user sees in Excel;
and how a cell reads as text. Every other ingest module builds on this one."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

import pandas as pd


@dataclass
class Problem:
    row: int | None
    column: str | None
    value: str | None
    reason: str
    subject: str | None = None  # the metric (or finding) the row is about, as the form names it

    def __str__(self) -> str:
        where = f"第{self.row}行" if self.row else "文件"
        column = f"「{self.column}」列" if self.column else ""
        value = f"（值：{self.value}）" if self.value not in (None, "") else ""
        about = f"（{self.subject}）" if self.subject else ""
        return f"{where}{column}{value}：{self.reason}{about}"


class Refused(Exception):
    """The file cannot be imported; `problems` lists every reason at once."""

    def __init__(self, problems: list[Problem], headline: str | None = None):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems
        self.names_its_reason = headline is not None
        whole_file = len(problems) == 1 and problems[0].row is None
        # The command line prints this line, then every problem under it.
        self.headline = headline or ("未导入：" if whole_file else f"未导入，文件有 {len(problems)} 处问题：")

    def summary(self) -> str:
        """The refusal in one line, for a page's headline above the table of problems: the reason
        itself (the first of several, and how many), and that nothing was written."""
        if self.names_its_reason:
            return self.headline.rstrip("：") + "（数据库未作任何更改）"
        first = self.problems[0]
        reason = str(first) if first.row or first.column else first.reason
        more = f"　等 {len(self.problems)} 处问题，见下表" if len(self.problems) > 1 else ""
        return f"未导入：{reason}{more}（数据库未作任何更改）"


def refuse(reason: str) -> Refused:
    """A refusal about the whole file (no row to point at)."""
    return Refused([Problem(None, None, None, reason)])


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    """Problems as a table: what the page shows and offers as a CSV download."""
    return pd.DataFrame(
        [
            [
                "" if p.row is None else p.row,
                p.subject or "",
                p.column or "",
                "" if p.value is None else p.value,
                p.reason,
            ]
            for p in problems
        ],
        columns=["行", "指标/问题", "列", "值", "问题"],
    )


def cell_text(value) -> str:
    """A cell read as a month, code, number or keyword: full-width characters folded (NFKC), so
    ２０２５－０４ and （１） read like 2025-04 and (1). Never for free text: see free_text."""
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip()


def free_text(value) -> str:
    """A free-text cell (进展说明, 备注) as typed: it becomes the 销号 note and goes into the 通报
    draft, so a clerk's full-width punctuation and digits (，（１０户）：！) stay; only the blanks
    around it are trimmed."""
    return shown(value)


def shown(value) -> str:
    """A cell's value as quoted in a message."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d")
    return "" if value is None else str(value).strip()
