"""Figures in a measure's words: each number with a counting unit (2629场次, 30342人次, 约700个, 120余名,
两期, 100%) becomes a proposed metric. Dates, years, ordinals (第3), thresholds (超过5000元), frequencies
(每月一次), law article numbers and numbers inside a quoted name (“8+1”, 《…》) are not figures."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Counting units as 通报 use them; longest first so 人次 wins over 人 and 场次 over 场.
COUNTING_UNITS = sorted(
    "个百分点 万人次 万元 亿元 人次 场次 轮次 批次 单次 户次 车次 架次 课时 公里 千米 平方米 "
    "次 场 人 名 个 处 项 件 张 份 条 家 盏 米 辆 台 套 宗 起 笔 间 所 校 期 轮 批 单 元 户 栋 座 块 本 册 篇 部 支 组 队 % ％".split(),
    key=len,
    reverse=True,
)
CHINESE_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
APPROXIMATE_BEFORE = ("约", "近")
APPROXIMATE_AFTER = ("余", "多")
# Words just before a number that make it a bound, a frequency or an ordinal rather than a count.
NOT_A_COUNT_BEFORE = ("第", "超过", "超", "不少于", "不低于", "不超过", "至少", "低于", "高于", "每")
NOT_A_COUNT_AFTER = ("以上", "以下", "以内", "及以上", "性", "之内")
VAGUE_AFTER_ONE = ("批",)
# Units that count events: "先后7次主持召开党委会议" names the event after the figure.
VERBAL_UNITS = ("次", "场次", "场", "轮", "轮次", "期", "批次", "期次")
LOOK_BEHIND = 4  # 每月开展一次: the frequency word sits up to four characters before the number
LEVEL_WORDS = ("率", "占比", "覆盖面")
FILLERS = re.compile(r"^(?:目前|现已|已经|截至\S{0,10}?月|已|共|累计|先后|其中|同时|并|均|还|另|对|将|在|经|从|为)+")

_UNIT = "|".join(re.escape(u) for u in COUNTING_UNITS)
FIGURE = re.compile(
    r"(?P<before>约|近)?"
    r"(?:(?<![\d.A-Za-z])(?P<arabic>\d+(?:\.\d+)?)(?P<wan>万(?!元|人次))?"
    r"|(?<![一二两三四五六七八九十百千万第统唯逐之])(?P<chinese>[一二两三四五六七八九]?十[一二三四五六七八九]?|[一二两三四五六七八九]))"
    rf"(?P<after>余|多)?(?P<unit>{_UNIT})"
)
CLAUSE_END = "，。；！？：,;!?:"
QUOTES = (("“", "”"), ("《", "》"), ('"', '"'))


@dataclass(frozen=True)
class Figure:
    value: float
    unit: str
    name: str
    kind: str  # 'count' (a flow) or 'level' (a rate, a state)
    source_quote: str  # the clause the figure stands in
    approximate: str  # 余, 约, 近 or ''

    @property
    def value_text(self) -> str:
        return f"{self.value:g}" if self.value != int(self.value) else str(int(self.value))


def figures(text: str) -> list[Figure]:
    """Every figure of one measure, in the order the text gives them."""
    found = []
    matches = [m for m in FIGURE.finditer(text) if not _excluded(text, m)]
    for i, match in enumerate(matches):
        start, end = _clause(text, match.start(), match.end())
        clause = text[start:end]
        # The name is taken from this figure's own stretch: after the previous figure or 、, before the next.
        left = max(start, matches[i - 1].end() if i else 0, text.rfind("、", 0, match.start()) + 1)
        right = min(end, matches[i + 1].start() if i + 1 < len(matches) else end)
        before = text[left : match.start()]
        after = text[match.end() : max(right, match.end())]
        unit = "%" if match["unit"] == "％" else match["unit"]
        found.append(
            Figure(
                value=_value(match),
                unit=unit,
                name=_name(before, after, verbal=unit in VERBAL_UNITS),
                kind="level" if unit in ("%", "个百分点") or any(w in before for w in LEVEL_WORDS) else "count",
                source_quote=clause.strip(),
                approximate=match["before"] or ("余" if match["after"] else ""),
            )
        )
    return found


def _value(match: re.Match) -> float:
    if match["arabic"]:
        number = float(match["arabic"])
        return number * 10_000 if match["wan"] else number
    digits = match["chinese"]
    if "十" not in digits:
        return float(CHINESE_DIGITS[digits])
    tens, _, units = digits.partition("十")
    return float(CHINESE_DIGITS.get(tens, 1) * 10 + CHINESE_DIGITS.get(units, 0))


def _excluded(text: str, match: re.Match) -> bool:
    number_start = match.start("arabic") if match["arabic"] else match.start("chinese")
    behind = text[max(0, number_start - LOOK_BEHIND) : number_start]
    if any(behind.endswith(word) for word in NOT_A_COUNT_BEFORE if word != "每") or "每" in behind:
        return True
    if text.startswith(NOT_A_COUNT_AFTER, match.end()):
        return True
    if match["chinese"] and text.startswith("是", match.end("chinese")):
        return True  # 一是、二是: the measures' own numbering
    if match["chinese"] == "一" and match["unit"] in VAGUE_AFTER_ONE:
        return True  # 一批设备: "a batch of", not a count
    return _inside_quotes(text, number_start)


def _inside_quotes(text: str, position: int) -> bool:
    """Within “…” or 《…》: a name such as “8+1” or a law's title, not a count."""
    for opening, closing in QUOTES:
        start = text.rfind(opening, 0, position)
        if start == -1:
            continue
        end = text.find(closing, start + 1)
        if opening == closing:
            if text.count(opening, 0, position) % 2 == 1:
                return True
        elif end == -1 or end > position:
            return True
    return False


def _clause(text: str, start: int, end: int) -> tuple[int, int]:
    left = max(text.rfind(mark, 0, start) for mark in CLAUSE_END) + 1
    rights = [i for i in (text.find(mark, end) for mark in CLAUSE_END) if i != -1]
    return left, min(rights) if rights else len(text)


def _name(before: str, after: str, *, verbal: bool = False) -> str:
    """The words before the figure (开展交通劝导工作), or those after it when it leads (26处摩电等候区,
    7次主持召开党委会议)."""
    before = FILLERS.sub("", before.strip("（）() ")).rstrip("的达至为共了")
    after = after.split("、")[0].strip("（）() ")
    if verbal and len(after) >= 2:
        return after[:16]
    if len(before) >= 3:
        return before[-16:]
    return (before + after)[:16]
