"""The next 通报 drafted from the store: the structure of the last published report (the programme's
source report, data/source/report.txt) with every figure brought to a month, as a 公文-formatted Word
document.

「一次录入、多次调用」: the findings, their measures and every quantified outcome are in the store, so
the draft takes them from there — each catalogue figure is found by the verbatim fragment it came from
(metrics.source_quote) and replaced by its value as of the month (a count's running total, a level's
latest state); 「截至」 the programme's opening month becomes 「截至M」; each finding gets its status at
the month. The parts and their headings are the last report's own (一、/1、, as many as it has). What the
store does not hold — the narrative paragraphs — comes from the last report as it stands, highlighted
for the editor to review, never invented.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from rectification.core import programme, store
from rectification.core.months import chinese
from rectification.core.programme import Programme
from rectification.core.vocabulary import CLOSED, LONG_TERM, NOT_STARTED, ONGOING, PENDING
from rectification.ingest.documents import SPREADSHEETS
from rectification.ingest.documents.text import paragraphs
from rectification.ingest.problems import Refused
from rectification.rules.data import Data, load
from rectification.rules.rag import metric_positions
from rectification.rules.statuses import UNCONFIRMED, status_grid
from rectification.rules.text import approximate_text

# What a run is: from the store, a figure the store computed, or text the store does not hold.
STORE, FIGURE, REVIEW = "store", "figure", "review"

STATUS_PHRASES = {
    "已完成": "已完成整改。",  # as a ledger or the report says it
    CLOSED: "已完成整改。",  # 已销号: signed off (the report's own 已完成 count as signed off)
    PENDING: "已完成整改，待审核销号。",
    ONGOING: "正在推进整改。",
    LONG_TERM: "已取得阶段性成效，需长期坚持。",
    NOT_STARTED: "尚未启动整改。",
}
# The closure workflow (issue 11) may add a state such as 已销号; status_phrase() takes it when given.

CN_NUMERALS = "〇一二三四五六七八九十"
_CN_VALUE = {c: i for i, c in enumerate(CN_NUMERALS)} | {"两": 2}
_ARABIC = re.compile(r"\d+(?:\.\d+)?(万)?")
_CHINESE = re.compile(r"[一二两三四五六七八九十]+")
# A part heading: 一、 or 1、 (numbered straight through; a line that breaks the count is body text).
_PART = re.compile(r"^(\d{1,2}|[一二三四五六七八九十]+)、\s*(.+)$")
_NUMBERED_FINDING = re.compile(r"^[（(]\d{1,3}[）)]")  # （1）: the part that lists the findings
_SECTION = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")  # （一）: a section in the findings part
# A part's role: narrative (kept as the last report wrote it), the findings, or the long-term items.
NARRATIVE, FINDINGS, LONG_TERM = "narrative", "findings", "long_term"


class DraftError(RuntimeError):
    """The draft cannot be made (no such month, the last report missing): a Chinese message."""


@dataclass
class Run:
    text: str
    kind: str = STORE
    font: str | None = None  # a run-in heading's face (（一）… in 楷体) inside a body paragraph
    bold: bool = False


@dataclass
class Para:
    """One paragraph of the draft: its role decides the 公文 formatting (title, h1 一、, h2 （一）,
    h3 1., h4 （1）, body, status, signature, date, blank)."""

    role: str
    runs: list[Run] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


@dataclass
class Draft:
    month: str
    paragraphs: list[Para]
    unplaced: list[str]  # metric codes whose figure could not be put into a sentence (listed apart)
    kind: str  # the programme's kind (巡察, 审计…), which the document's title names

    def text(self) -> str:
        return "\n".join(p.text for p in self.paragraphs)


# --- The last report, as structure ------------------------------------------------------------


@dataclass
class Part:
    number: int
    title: str
    lines: list[str]
    role: str = NARRATIVE


@dataclass
class LastReport:
    title: list[str]
    opening: list[str]
    parts: list[Part]
    signature: str
    date: str


def _part_number(marker: str) -> int | None:
    return int(marker) if marker.isdigit() else cn_number(marker)


def _split_parts(lines: list[str]) -> tuple[list[str], list[Part]]:
    """The opening, then each part under its heading: 一、… / 1、… counted 1, 2, 3… (a line numbered
    out of turn belongs to the part it is in)."""
    opening: list[str] = []
    parts: list[Part] = []
    for line in lines:
        match = _PART.match(line)
        if match and _part_number(match.group(1)) == len(parts) + 1:
            parts.append(Part(len(parts) + 1, match.group(2).strip(), []))
        elif parts:
            parts[-1].lines.append(line)
        else:
            opening.append(line)
    return opening, parts


def _assign_roles(parts: list[Part]) -> None:
    """The long-term part by its title (需长期整改事项…); the findings part by its （1） numbered findings."""
    for part in parts:
        if "长期" in part.title:
            part.role = LONG_TERM
    for part in parts:
        if part.role == NARRATIVE and any(_NUMBERED_FINDING.match(line) for line in part.lines):
            part.role = FINDINGS
            return


def read_last_report(path: Path | None) -> LastReport:
    """The published report in the file at `path` (a .txt, a .docx or a PDF)."""
    if path is None or not path.exists():
        raise DraftError(f"找不到上一期通报原文：{path or '（整改信息未登记原文）'}")
    return parse_last_report(path.name, path.read_bytes())


def last_report_of(con: duckdb.DuckDBPyConnection, own: Programme) -> LastReport:
    """The rectification's source report: the document kept in the store when it was set up, else
    (a store from before that) the file its source_report names. A rectification set up from its
    问题清单 has no 通报 to follow yet: its first is drafted in the genre's usual layout."""
    if not follows_a_report(con, own):
        return usual_report(own, has_long_term=bool(con.execute(_HAS_LONG_TERM).fetchone()[0]))
    kept = store.kept_document(con, own.code)
    return parse_last_report(*kept) if kept else read_last_report(own.source_report_path)


def follows_a_report(con: duckdb.DuckDBPyConnection, own: Programme) -> bool:
    """False for a rectification set up from its 问题清单: there is no 通报 of its own to follow yet."""
    name = store.kept_document_name(con, own.code) or own.source_report
    return not (name and Path(name).suffix.lower() in SPREADSHEETS)


_HAS_LONG_TERM = "select count(*) > 0 from findings where is_long_term"
_TO_WRITE = "【请填写：{}】"  # a placeholder, highlighted for review like every text the store does not hold


def usual_report(own: Programme, *, has_long_term: bool) -> LastReport:
    """The layout 整改进展情况的通报 usually take (title, the party committee's responsibility, the
    findings section by section, the long-term items, next steps, signature), its narrative left as
    placeholders for the office to write: never invented."""
    committee = f"中共{own.unit}委员会"
    parts = [
        Part(1, f"党委履行{own.kind}整改主体责任情况", [_TO_WRITE.format("党委研究部署、督促推进整改的情况")]),
        Part(2, f"{own.kind}反馈问题整改落实情况", [], FINDINGS),
    ]
    if has_long_term:
        parts.append(Part(3, "需长期整改事项进展情况", [], LONG_TERM))
    parts.append(Part(len(parts) + 1, "下一步工作打算", [_TO_WRITE.format("下一步工作打算")]))
    return LastReport(
        title=[committee, f"关于{own.name}", "整改进展情况的通报"],
        opening=[_TO_WRITE.format(f"{own.name}整改工作的总体情况")],
        parts=parts,
        signature=committee,
        date=_TO_WRITE.format("成文日期"),
    )


def parse_last_report(file_name: str, data: bytes) -> LastReport:
    """The published report split into its title, opening, parts (its own headings, however many)
    and signature block (the last two lines: the unit and the date)."""
    try:
        lines = paragraphs(data, file_name)
    except Refused as refused:
        raise DraftError(f"上一期通报原文（{file_name}）无法读取：{refused.problems[0].reason}") from refused
    title, rest = lines[:3], lines[3:]
    opening, parts = _split_parts(rest)
    if not parts or len(parts[-1].lines) < 2:
        raise DraftError("上一期通报原文的结构无法识别（应有以“一、”或“1、”编号的各部分及落款）。")
    _assign_roles(parts)
    if not any(part.role == FINDINGS for part in parts):
        raise DraftError("上一期通报原文的结构无法识别（找不到以“（1）”编号的整改问题）。")
    *last_body, signature, date = parts[-1].lines
    parts[-1].lines = last_body
    return LastReport(title, opening, parts, signature, date)


# --- Figures ----------------------------------------------------------------------------------


def cn_number(text: str) -> int | None:
    """一 → 1, 两 → 2, 十五 → 15, 二十 → 20; None when it is not a plain numeral."""
    if not text or any(c not in _CN_VALUE for c in text):
        return None
    if "十" not in text:
        return _CN_VALUE[text] if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    value = (_CN_VALUE[tens] if tens else 1) * 10 + (_CN_VALUE[ones] if ones else 0)
    return value if len(ones) <= 1 and len(tens) <= 1 else None


def _find_token(quote: str, value: float) -> tuple[int, int, str] | None:
    """Where in `quote` the figure `value` is written: (start, end, how: arabic | wan | chinese)."""
    for match in _ARABIC.finditer(quote):
        number = float(match.group(0).removesuffix("万")) * (10000 if match.group(1) else 1)
        if number == value:
            return match.start(), match.end(), "wan" if match.group(1) else "arabic"
    for match in _CHINESE.finditer(quote):
        # 九个一 / 一岗双责: a numeral word only counts when it is the whole figure, so try each char too
        text = match.group(0)
        if cn_number(text) == value:
            return match.start(), match.end(), "chinese"
        for i, char in enumerate(text):
            if cn_number(char) == value:
                return match.start() + i, match.start() + i + 1, "chinese"
    return None


def figure_text(value: float, *, how: str, original: str, old: float) -> str:
    """The new figure written the way the report wrote the old one (10万 / 两 / 2629 / 90)."""
    if value == old:
        return original
    if how == "wan" and value % 10000 == 0:
        return f"{value / 10000:g}万"
    if how == "chinese" and float(value).is_integer() and 1 <= value <= 10:
        return "两" if value == 2 else CN_NUMERALS[int(value)]
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


@dataclass(frozen=True)
class Figure:
    metric_code: str
    quote: str
    old: float
    new: float | None


@dataclass(frozen=True)
class Cutoff:
    """The last report's month (its 「截至」, the programme's opening month) and the draft's."""

    opening: str
    month: str


def _spans(text: str, figures: list[Figure], cutoff: Cutoff, placed: set[str], stale: str | None = None) -> list:
    """(start, end, replacement, kind) for every figure, 截至 and stale status phrase in `text`."""
    found = []
    for fig in figures:
        at = text.find(fig.quote)
        token = _find_token(fig.quote, fig.old) if at >= 0 else None
        if token is None:
            continue
        start, end, how = token
        original = fig.quote[start:end]
        if fig.new is None:
            new, kind = original, REVIEW  # no figure in the store for the month: the old one, to check
        else:
            new, kind = figure_text(fig.new, how=how, original=original, old=fig.old), FIGURE
        found.append((at + start, at + end, new, kind))
        placed.add(fig.metric_code)
    as_of = f"截至{chinese(cutoff.opening)}"
    for match in re.finditer(re.escape(as_of), text):
        found.append((match.start(), match.end(), f"截至{chinese(cutoff.month)}", FIGURE))
    if stale:
        at = text.find(stale)
        if at >= 0:
            found.append((at, at + len(stale), stale, REVIEW))
    found.sort()
    kept, last_end = [], -1
    for span in found:  # overlaps cannot happen in the catalogue; if an edit makes one, the first wins
        if span[0] >= last_end:
            kept.append(span)
            last_end = span[1]
    return kept


def runs_for(
    text: str, base: str, figures: list[Figure], cutoff: Cutoff, placed: set[str], stale: str | None = None
) -> list[Run]:
    runs, pos = [], 0
    for start, end, replacement, kind in _spans(text, figures, cutoff, placed, stale):
        if start > pos:
            runs.append(Run(text[pos:start], base))
        runs.append(Run(replacement, kind))
        pos = end
    if pos < len(text):
        runs.append(Run(text[pos:], base))
    return runs


def status_phrase(status: str, closure: str | None = None) -> str:
    """整改进展 for a finding: its status at the month (and, when the closure workflow records one, its
    closure state)."""
    phrase = STATUS_PHRASES.get(status, f"{status}。")
    return f"{phrase.removesuffix('。')}（{closure}）。" if closure else phrase


# --- The draft --------------------------------------------------------------------------------


def cn_ordinal(n: int) -> str:
    if n <= 10:
        return CN_NUMERALS[n]
    if n < 20:
        return "十" + (CN_NUMERALS[n - 10])
    return CN_NUMERALS[n // 10] + "十" + (CN_NUMERALS[n % 10] if n % 10 else "")


def _run_in(line: str, base: str, figures, cutoff: Cutoff, placed) -> list[Run]:
    """（一）标题。正文… : the heading up to its full stop in 楷体, the rest as body."""
    head, stop, rest = line.partition("。")
    if not stop or not line.startswith("（"):
        return runs_for(line, base, figures, cutoff, placed)
    return [Run(head + stop, base, font=H2_FONT), *runs_for(rest, base, figures, cutoff, placed)]


def draft(con: duckdb.DuckDBPyConnection, month: str, *, report: LastReport | None = None, today=None) -> Draft:
    """The 通报 for `month` from the store at `con`, in the structure of the programme's source report:
    each finding's status as the overview and the pack count it (the current month with today's 销号),
    marked for review while it is not confirmed."""
    data = load(lambda name, **params: store.query(con, name, **params))
    if month not in data.months:
        raise DraftError(f"库中没有 {month} 的数据（数据范围 {data.months[0]} 至 {data.latest}）。")
    own = programme.current(con)
    report = report or last_report_of(con, own)
    cutoff = Cutoff(own.opening_month, month)
    findings = store.query(con, "report_findings")
    measures = store.query(con, "catalogue_measures")
    grid = status_grid(data, data.findings, [month], today).set_index("finding_code")
    statuses = grid.status
    unconfirmed = frozenset(grid.index[~grid.confirmed])
    positions = metric_positions(data, data.metrics, month).set_index("metric_code").cumulative
    quotes = store.query(con, "catalogue_metrics").set_index("metric_code").source_quote
    reported = store.query(con, "catalogue_findings").set_index("finding_code")  # the report's status and basis

    figures_by_finding: dict[str | None, list[Figure]] = {}
    unquoted: dict[str | None, list[str]] = {}
    for m in data.metrics.itertuples():
        key = m.finding_code if isinstance(m.finding_code, str) else None
        quote = quotes.get(m.metric_code)
        value = positions.get(m.metric_code)
        new = None if value is None or pd.isna(value) else float(value)
        if not isinstance(quote, str) or not quote or pd.isna(m.opening_value):
            unquoted.setdefault(key, []).append(m.metric_code)
            continue
        figures_by_finding.setdefault(key, []).append(Figure(m.metric_code, quote, float(m.opening_value), new))

    placed: set[str] = set()
    paras: list[Para] = [Para("title", [Run(line, STORE)]) for line in report.title]
    paras.append(Para("blank"))
    general = figures_by_finding.get(None, [])
    for line in report.opening:
        paras.append(Para("body", runs_for(line, REVIEW, general, cutoff, placed)))

    # The finding's context, as _finding takes it after the finding and its number.
    context = (measures, statuses, reported, figures_by_finding, unquoted, data, cutoff, placed, unconfirmed)
    for part in report.parts:  # the last report's own parts, in its order, under its own headings
        paras.append(_heading(part.number, part.title))
        if part.role == FINDINGS:
            paras += _findings_part(part, findings, context, general)
        elif part.role == LONG_TERM:
            paras += _long_term_part(findings, context)
        else:  # narrative (the party committee's responsibility, next steps): as last time
            paras += [Para("body", _run_in(line, REVIEW, general, cutoff, placed)) for line in part.lines]
    paras.append(Para("blank"))
    paras.append(Para("signature", [Run(report.signature, STORE)]))
    paras.append(Para("date", [Run(report.date, REVIEW)]))

    # Figures of the catalogue's general metrics (no finding) that found no sentence go after the opening
    leftover = [f.metric_code for f in general if f.metric_code not in placed and f.new != f.old]
    leftover += unquoted.get(None, [])
    if leftover:
        at = 4 + len(report.opening)
        paras.insert(at, _figures_paragraph(leftover, data, positions))
    all_codes = {f.metric_code for figs in figures_by_finding.values() for f in figs}
    unplaced = sorted((all_codes - placed) | {c for codes in unquoted.values() for c in codes})
    return Draft(month, paras, unplaced, own.kind)


def _heading(part: int, title: str) -> Para:
    return Para("h1", [Run(f"{cn_ordinal(part)}、{title}")])


def _findings_part(part: Part, findings: pd.DataFrame, context: tuple, general: list[Figure]) -> list[Para]:
    """The part's opening paragraphs (before its first （一） section), then section by section, theme
    by theme, finding by finding, from the store."""
    cutoff, placed = context[6], context[7]
    paras = []
    for line in part.lines:
        if _SECTION.match(line):
            break
        paras.append(Para("body", runs_for(line, REVIEW, general, cutoff, placed)))
    section, theme = None, None
    for f in findings[~findings.is_long_term.astype(bool)].itertuples():
        if f.section_code != section:
            section, theme = f.section_code, None
            paras.append(Para("h2", [Run(f"（{cn_ordinal(int(f.section_ordinal))}）{f.section_title}")]))
        if isinstance(f.theme_code, str) and f.theme_code != theme:
            theme = f.theme_code
            paras.append(Para("h3", [Run(f"{int(f.theme_ordinal)}.{f.theme_title}")]))
        number = "" if pd.isna(f.report_number) else f"（{int(f.report_number)}）"
        paras += _finding(f, number, *context)
    return paras


def _long_term_part(findings: pd.DataFrame, context: tuple) -> list[Para]:
    """The long-term items, from the store, numbered （一）（二）…"""
    paras = []
    for i, f in enumerate(findings[findings.is_long_term.astype(bool)].itertuples(), start=1):
        paras += _finding(f, f"（{cn_ordinal(i)}）", *context, level="h2")
    return paras


def _finding(
    f, number, measures, statuses, reported, figures_by_finding, unquoted, data, cutoff, placed, unconfirmed=(),
    level="h4",
):  # fmt: skip
    status = statuses.get(f.finding_code, NOT_STARTED)
    # A status that moved since the report makes its justifying phrase stale: mark it for review.
    stale = None
    if f.finding_code in reported.index and reported.at[f.finding_code, "status"] != status:
        basis = reported.at[f.finding_code, "status_basis"]
        stale = basis if isinstance(basis, str) and basis else None  # a status set in review has no phrase
    figures = figures_by_finding.get(f.finding_code, [])
    body = []
    for m in measures[measures.finding_code == f.finding_code].itertuples():
        label = m.ordinal_label if isinstance(m.ordinal_label, str) else ""
        body.append(Para("body", runs_for(f"{label}{m.text}", STORE, figures, cutoff, placed, stale)))
    # A figure the measures do not state may stand in the finding's own text (31校监控存储达90天).
    rest = [x for x in figures if x.metric_code not in placed]
    out = [Para(level, runs_for(f"{number}{f.title}", STORE, rest, cutoff, placed))]
    line = [Run("整改进展：", bold=True), Run(status_phrase(status), FIGURE)]
    if f.finding_code in unconfirmed:  # the report states no status per finding: the catalogue's is a reading
        phrase = status_phrase(status)
        line[1:] = [
            Run(phrase.removesuffix("。"), FIGURE),
            Run(f"（{UNCONFIRMED}）", REVIEW),
            Run("。", FIGURE),
        ]
    out.append(Para("status", line))
    out += body
    # A figure whose fragment states no number (a target the report only implies) is listed only once it
    # has moved from the report's value: until then the report says all there is.
    leftover = [x.metric_code for x in figures if x.metric_code not in placed and x.new != x.old]
    leftover += unquoted.get(f.finding_code, [])
    if leftover:
        out.append(_figures_paragraph(leftover, data, metric_positions(data, data.metrics, cutoff.month)))
    return out


def _figures_paragraph(codes: list[str], data: Data, positions) -> Para:
    """Figures the report has no sentence for (a metric added after it): listed, for the editor to word."""
    if isinstance(positions, pd.DataFrame):
        positions = positions.set_index("metric_code").cumulative
    info = data.metrics.set_index("metric_code")
    runs = [Run("另据统计：", REVIEW)]
    for i, code in enumerate(codes):
        m = info.loc[code]
        value = positions.get(code)
        prefix = "累计" if m.kind == "count" else ""
        runs.append(Run(f"{'；' if i else ''}{m.metric_name}{prefix}", REVIEW))
        shown = "—" if value is None or pd.isna(value) else figure_text(float(value), how="arabic", original="", old=-1)
        if shown != "—" and m.kind == "count":  # a running total from the report's rounded figure stays rounded
            shown = approximate_text(shown, m.approximate if isinstance(m.approximate, str) else None)
        runs.append(Run(f"{shown}{m.unit}", FIGURE))
    runs.append(Run("。", REVIEW))
    return Para("body", runs)


# --- The Word document (GB/T 9704-2012) -------------------------------------------------------

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
H1_FONT = "黑体"
H2_FONT = "楷体_GB2312"
PAGE_FONT = "宋体"
# Word substitutes w:altName when a face is missing (the 方正/GB2312 faces are not on every PC).
FONT_FALLBACKS = {TITLE_FONT: "宋体", BODY_FONT: "仿宋", H2_FONT: "楷体", H1_FONT: "SimHei"}
SIZE_2 = 22  # 2号
SIZE_3 = 16  # 3号
SIZE_4 = 14  # 4号
LINE_PT = 28  # fixed line spacing: 22 lines on the type area
ROLE_FONTS = {
    "title": TITLE_FONT,
    "h1": H1_FONT,
    "h2": H2_FONT,
    "h3": BODY_FONT,
    "h4": BODY_FONT,
    "body": BODY_FONT,
    "status": BODY_FONT,
    "signature": BODY_FONT,
    "date": BODY_FONT,
    "blank": BODY_FONT,
}
REVIEW_NOTE = (
    "黄色底纹的文字沿用上一期通报原文（系统未保存、也未更新这些叙述），请逐段核对修改后取消底纹；"
    "其余内容（问题、措施、数字、整改进展）取自系统，数字已按{month}更新。"
)


def _set_fonts(run, face: str) -> None:
    from docx.oxml.ns import qn

    run.font.name = face
    fonts = run._r.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), face)


def to_docx(result: Draft) -> bytes:
    """The draft as a .docx laid out per GB/T 9704: A4, margins 37/35/28/26 mm, 2号小标宋 title, 3号仿宋
    body, 黑体 and 楷体 headings, fixed 28 pt lines, 「— 1 —」 page numbers outside on odd and even pages."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX, WD_LINE_SPACING
    from docx.shared import Mm, Pt

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(22)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(SIZE_3)
    _set_style_fonts(normal, BODY_FONT)
    fmt = normal.paragraph_format
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(LINE_PT)
    fmt.space_before = fmt.space_after = Pt(0)

    first_review = None
    for para in result.paragraphs:
        p = doc.add_paragraph()
        pf = p.paragraph_format
        pf.line_spacing_rule, pf.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(LINE_PT)
        size = SIZE_3
        if para.role == "title":
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            pf.line_spacing = Pt(36)
            size = SIZE_2
        elif para.role in ("signature", "date"):
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            pf.right_indent = Pt(SIZE_3 * (4 if para.role == "date" else 2))
        else:
            p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            pf.first_line_indent = Pt(SIZE_3 * 2)
        if para.role == "blank":
            _set_fonts(p.add_run(""), BODY_FONT)
        for item in para.runs:
            run = p.add_run(item.text)
            run.font.size = Pt(size)
            run.font.bold = item.bold or para.role == "h3"
            _set_fonts(run, item.font or ROLE_FONTS[para.role])
            if item.kind == REVIEW:
                run.font.highlight_color = WD_COLOR_INDEX.YELLOW
                first_review = first_review or run
    if first_review is not None:
        doc.add_comment(
            first_review, REVIEW_NOTE.format(month=chinese(result.month)), author="整改进展看板", initials="看板"
        )
    _page_numbers(doc, section)
    _font_fallbacks(doc)
    _east_asian_everywhere(doc.element.body)
    doc.core_properties.title = f"{result.kind}整改进展情况的通报（截至{chinese(result.month)}，草稿）"
    doc.core_properties.author = "整改进展看板"
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _east_asian_everywhere(body) -> None:
    """Runs python-docx adds itself (the comment's anchor) get the body face too."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    for r in body.iter(qn("w:r")):
        rpr = r.find(qn("w:rPr"))
        if rpr is None:
            rpr = OxmlElement("w:rPr")
            r.insert(0, rpr)
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            style = rpr.find(qn("w:rStyle"))
            rpr.insert(0 if style is None else 1, fonts)
        if not fonts.get(qn("w:eastAsia")):
            for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
                fonts.set(qn(attr), BODY_FONT)


def _set_style_fonts(style, face: str) -> None:
    from docx.oxml.ns import qn

    style.font.name = face
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), face)


def _page_numbers(doc, section) -> None:
    """「— 1 —」 in 4号 宋体: odd pages on the right, even pages on the left, one character in."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc.settings.odd_and_even_pages_header_footer = True
    for footer, align in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        p.alignment = align
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            p.paragraph_format.right_indent = Pt(SIZE_4)
        else:
            p.paragraph_format.left_indent = Pt(SIZE_4)

        def add(text=None, field_char=None, instr=None, p=p):
            run = p.add_run(text or "")
            run.font.size = Pt(SIZE_4)
            _set_fonts(run, PAGE_FONT)
            if field_char:
                el = OxmlElement("w:fldChar")
                el.set(qn("w:fldCharType"), field_char)
                run._r.append(el)
            if instr:
                el = OxmlElement("w:instrText")
                el.set(qn("xml:space"), "preserve")
                el.text = instr
                run._r.append(el)

        add("— ")
        add(field_char="begin")
        add(instr=" PAGE ")
        add(field_char="separate")
        add("1")
        add(field_char="end")
        add(" —")


def _font_fallbacks(doc) -> None:
    """Declare the 公文 faces in the font table with the face Word should use when one is missing."""
    from lxml import etree

    for part in doc.part.package.iter_parts():
        if str(part.partname) != "/word/fontTable.xml":
            continue
        root = etree.fromstring(part.blob)
        ns = root.nsmap.get("w") or "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
        for face, alt in FONT_FALLBACKS.items():
            font = etree.SubElement(root, f"{{{ns}}}font", {f"{{{ns}}}name": face})
            etree.SubElement(font, f"{{{ns}}}altName", {f"{{{ns}}}val": alt})
            etree.SubElement(font, f"{{{ns}}}charset", {f"{{{ns}}}val": "86"})  # GB2312
            family = "roman" if face in (TITLE_FONT, BODY_FONT, H2_FONT) else "modern"
            etree.SubElement(font, f"{{{ns}}}family", {f"{{{ns}}}val": family})
        part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def file_name(own: Programme, month: str) -> str:
    """{unit_short}{kind}整改进展情况的通报_{month}（草稿）.docx, the month as 2025年4月."""
    return f"{own.unit_short}{own.kind}整改进展情况的通报_{chinese(month)}（草稿）.docx"


def build_docx(con: duckdb.DuckDBPyConnection, month: str) -> bytes:
    return to_docx(draft(con, month))
