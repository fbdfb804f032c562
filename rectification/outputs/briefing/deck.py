"""The 督办会 meeting pack as a 16:9 PPTX (python-pptx): a title slide, the overview charts, one slide per
finding, and an appendix of every metric — drawn from a Pack (content.py) and its rendered images.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable
from pathlib import Path

import duckdb
import pandas as pd
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from rectification.core.months import chinese
from rectification.core.vocabulary import CLOSED, LONG_TERM, ONGOING, OVERDUE, PENDING
from rectification.outputs.briefing.content import (
    FindingCard,
    HeadlinePanel,
    Pack,
    briefing_filters,
    closure_states,
    latest_notes,
    load,
    prepare,
    scope_text,
    select_findings,
)
from rectification.outputs.briefing.images import (
    CHART_BOX,
    FINDING_BOX,
    HEADLINE_BOX,
    Box,
    BriefingError,
    Progress,
    deck_digest,
    render,
)
from rectification.outputs.briefing.tables import (
    APPENDIX_WIDTHS,
    ATTENTION_HEADER,
    ATTENTION_WIDTHS,
    CELL_MARGIN_X,
    CELL_MARGIN_Y,
    HEADER_PT,
    TABLE_MIN_PT,
    TABLE_TOP,
    appendix_cells,
    attention_cells,
    header_height,
    line_count,
    row_height,
)
from rectification.outputs.charts.theme import RAG_COLOURS, STATUS_COLOURS, short
from rectification.rules.data import Data, Filters
from rectification.rules.rag import GREY as RAG_GREY
from rectification.rules.statuses import (
    UNCONFIRMED,
    completion_rate_text,
)

SLIDE_WIDTH, SLIDE_HEIGHT = Inches(13.333), Inches(7.5)  # 16:9
SLIDE_FONT = "Microsoft YaHei"  # what the bureau's PowerPoint has; LibreOffice falls back to Noto CJK
KEY_FIGURES = 5  # metric rows on a finding slide at most (fewer when they wrap); the rest are in the appendix
# The bureau's colours: police blue for the title band, the party red for the rule beneath it.
BAND = RGBColor(0x12, 0x3C, 0x7C)
RULE = RGBColor(0xC8, 0x10, 0x2E)
DEMO_RED = RGBColor(0xB7, 0x1C, 0x1C)
GREY = RGBColor(0x61, 0x61, 0x61)
INK = RGBColor(0x21, 0x21, 0x21)
WHITE = RGBColor(0xFF, 0xFF, 0xFF)
PALE = RGBColor(0xEC, 0xEF, 0xF1)


def build_pptx(data: Data, filters: Filters, *, today=None, cache_dir: Path | None = None) -> bytes:
    """The overview deck (the 总览 page's download): title slide and the overview charts."""
    return render_pack(prepare(data, filters, appendix=False, today=today), cache_dir=cache_dir)


def build_pack(
    con: duckdb.DuckDBPyConnection,
    month: str | None = None,
    *,
    numbers: Iterable[str] | None = None,
    department: str | None = None,
    attention_only: bool = False,
    cache_dir: Path | None = None,
    progress_cb: Progress | None = None,
    today=None,
    data: Data | None = None,
) -> bytes:
    """The 督办会 pack: title, overview, a slide per finding (all 54 and both long-term items unless
    narrowed), the appendix of metrics."""
    step = progress_cb or (lambda fraction, text: None)
    step(0.0, "正在读取数据")
    data = data or load(con)
    if month is not None and month not in data.months:
        raise BriefingError(f"库中没有 {month} 的数据（数据范围 {data.months[0]} 至 {data.latest}）。")
    filters = briefing_filters(data, month, department)
    codes = select_findings(
        data, filters, numbers=numbers, department=department, attention_only=attention_only, today=today
    )
    if not codes:
        raise BriefingError("所选范围内没有整改问题，简报未生成。")
    scope = scope_text(numbers=numbers, department=department, attention_only=attention_only, n=len(codes))
    step(0.05, "正在整理图表")
    pack = prepare(
        data,
        filters,
        finding_codes=codes,
        notes=latest_notes(con, filters.as_of),
        scope=scope,
        today=today,
        closures=closure_states(con, filters.as_of, today, data=data),
    )
    manifest = deck_digest(data, filters, codes, (today or dt.date.today()).isoformat()) if cache_dir else None
    return render_pack(
        pack,
        cache_dir=cache_dir,
        progress_cb=lambda f, t: step(0.1 + 0.8 * f, t),
        final_cb=step,
        manifest=manifest,
    )


def render_pack(
    pack: Pack,
    *,
    cache_dir: Path | None = None,
    progress_cb: Progress | None = None,
    final_cb: Progress | None = None,
    manifest: str | None = None,
) -> bytes:
    images = render(pack.recipes, cache_dir=cache_dir, progress_cb=progress_cb, manifest=manifest)
    final = final_cb or (lambda fraction, text: None)
    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_WIDTH, SLIDE_HEIGHT
    # The last tenth of the bar moves slide by slide: laying out 79 slides takes seconds.
    deck = Deck(prs, pack, on_slide=lambda n: final(0.9 + 0.1 * (n - 1) / pack.n_slides, "正在排版幻灯片"))
    deck.title_slide()
    charted = sum(r.make is not None for r in pack.overview)
    overview_images, card_images = iter(images[:charted]), images[charted:]
    for slide in pack.overview:
        if slide.outcomes:
            deck.outcomes_slide(slide.title, slide.table)
        elif slide.make is None:
            deck.attention_slide(slide.title, slide.table)
        elif slide.headline is not None:
            deck.headline_slide(slide.title, slide.headline, next(overview_images))
        else:
            deck.chart_slide(slide.title, next(overview_images))
    for card, image in zip(pack.cards, card_images, strict=True):
        deck.finding_slide(card, image)
    if pack.appendix is not None:
        deck.appendix(pack.appendix)
    buffer = io.BytesIO()
    prs.save(buffer)
    final(1.0, "简报已生成")
    return buffer.getvalue()


def _light(colour: str) -> bool:
    """White text is illegible on this fill (待审核's pale green, 未启动's grey)."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (0, 2, 4))
    return 0.299 * red + 0.587 * green + 0.114 * blue > 170


NOTE_TOP = Inches(6.3)  # a finding slide's 最新进展, under its chart and key figures
MORE_LINE = Inches(0.3)  # 另有 N 项指标，见附表。
OUTCOME_WIDTHS = [Inches(w) for w in (1.3, 2.2, 1.6, 1.4, 1.4, 4.63)]


def _set_font(run, size: float, bold: bool = False, colour: RGBColor | None = None) -> None:
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = SLIDE_FONT
    if colour is not None:
        run.font.color.rgb = colour
    # python-pptx sets the Latin typeface only; Chinese text takes the East Asian one.
    rpr = run._r.get_or_add_rPr()
    ea = rpr.find(qn("a:ea"))
    if ea is None:
        ea = rpr.makeelement(qn("a:ea"), {})
        rpr.append(ea)
    ea.set("typeface", SLIDE_FONT)


class Deck:
    """The government look: a blue title band with a red rule, the cut-off and source (示例数据 in red)
    and the slide number on every slide."""

    def __init__(self, prs, pack: Pack, on_slide: Callable[[int], None] | None = None):
        self.prs, self.pack, self.number = prs, pack, 0
        self.on_slide = on_slide or (lambda number: None)

    # layout helpers
    def _blank(self):
        self.number += 1
        self.on_slide(self.number)
        return self.prs.slides.add_slide(self.prs.slide_layouts[6])  # the default template's blank layout

    def text(self, slide, lines, *, left, top, width, height, size=14, bold=False, colour=INK, align=None, anchor=None):
        """A text box; `lines` is a string or a list of lines, each a string or [(text, size, bold, colour)]."""
        box = slide.shapes.add_textbox(left, top, width, height)
        frame = box.text_frame
        frame.word_wrap = True
        if anchor is not None:
            frame.vertical_anchor = anchor
        for i, line in enumerate(lines.split("\n") if isinstance(lines, str) else lines):
            paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            if align is not None:
                paragraph.alignment = align
            for part in [(line, size, bold, colour)] if isinstance(line, str) else line:
                run = paragraph.add_run()
                run.text = part[0]
                _set_font(run, part[1], part[2], part[3])
        return box

    def _rect(self, slide, left, top, width, height, fill: RGBColor, shape=MSO_SHAPE.RECTANGLE):
        box = slide.shapes.add_shape(shape, left, top, width, height)
        box.fill.solid()
        box.fill.fore_color.rgb = fill
        box.line.fill.background()
        box.shadow.inherit = False
        return box

    def band(self, slide, title: str) -> None:
        self._rect(slide, 0, 0, SLIDE_WIDTH, Inches(0.85), BAND)
        self._rect(slide, 0, Inches(0.85), SLIDE_WIDTH, Inches(0.06), RULE)
        self.text(
            slide, title, left=Inches(0.4), top=Inches(0.08), width=Inches(10.6), height=Inches(0.7),
            size=24, bold=True, colour=WHITE, anchor=MSO_ANCHOR.MIDDLE,
        )  # fmt: skip
        self.text(
            slide, f"{self.pack.unit_short}{self.pack.heading}", left=Inches(10.6), top=Inches(0.08), width=Inches(2.5),
            height=Inches(0.7), size=12, colour=WHITE, align=PP_ALIGN.RIGHT, anchor=MSO_ANCHOR.MIDDLE,
        )  # fmt: skip

    def _footer(self, slide) -> None:
        pack = self.pack
        self._rect(slide, Inches(0.4), Inches(7.05), SLIDE_WIDTH - Inches(0.8), Emu(9525), PALE)
        shown = "、".join(part for part in pack.sources.split("、") if not part.startswith("示例数据")) or "—"
        closures = f"　|　{pack.closures}" if pack.closures else ""
        parts = [(f"数据截至 {chinese(pack.as_of)}{closures}　|　数据来源：{shown}", 10, False, GREY)]
        if pack.demo:
            parts.append(("　示例数据（系统生成，非真实数据）", 10, True, DEMO_RED))
        self.text(slide, [parts], left=Inches(0.4), top=Inches(7.08), width=Inches(11.2), height=Inches(0.35))
        self.text(
            slide, f"{self.number} / {pack.n_slides}", left=Inches(11.6), top=Inches(7.08), width=Inches(1.33),
            height=Inches(0.35), size=10, colour=GREY, align=PP_ALIGN.RIGHT,
        )  # fmt: skip

    # the slides
    def title_slide(self) -> None:
        pack = self.pack
        slide = self._blank()
        self._rect(slide, 0, Inches(1.6), SLIDE_WIDTH, Inches(2.6), BAND)
        self._rect(slide, 0, Inches(4.2), SLIDE_WIDTH, Inches(0.08), RULE)
        self.text(
            slide, [pack.unit, pack.heading], left=Inches(0.8), top=Inches(1.75), width=Inches(11.7), height=Inches(1.9),
            size=40, bold=True, colour=WHITE, align=PP_ALIGN.CENTER,
        )  # fmt: skip
        self.text(
            slide, f"（数据截至 {chinese(pack.as_of)}）", left=Inches(0.8), top=Inches(3.55), width=Inches(11.7),
            height=Inches(0.6), size=22, colour=WHITE, align=PP_ALIGN.CENTER,
        )  # fmt: skip
        counts = pack.counts
        lines = [
            f"已销号 {counts[CLOSED]} 项　待审核 {counts[PENDING]} 项　推进中 {counts[ONGOING]} 项　"
            f"长期坚持 {counts[LONG_TERM]} 项　逾期 {counts[OVERDUE]} 项",
            completion_rate_text(counts) + (f"　{pack.closures}" if pack.closures else ""),
        ]
        if pack.unconfirmed:
            lines.append(f"其中 {pack.unconfirmed} 项问题的状态{UNCONFIRMED}")
        if pack.scope:
            lines.append(pack.scope)
        box = self.text(
            slide, lines, left=Inches(0.8), top=Inches(4.6), width=Inches(11.7), height=Inches(1.2), size=18,
            align=PP_ALIGN.CENTER,
        )  # fmt: skip
        if pack.demo:
            paragraph = box.text_frame.add_paragraph()
            paragraph.alignment = PP_ALIGN.CENTER
            run = paragraph.add_run()
            run.text = "注意：本简报含示例数据（系统生成，非真实数据）。"
            _set_font(run, 18, True, DEMO_RED)
        self._footer(slide)

    def _picture(self, slide, image: bytes, box: Box) -> None:
        """A chart in its box: drawn on the box's canvas (for_box), so its aspect is the box's."""
        slide.shapes.add_picture(io.BytesIO(image), box.left, box.top, width=box.width, height=box.height)

    def _table(self, slide, left, top, widths: list[int], header: list[str], n_rows: int):
        """A table with its header row (white on the band's blue); the caller fills the rows, then _fit_rows."""
        shape = slide.shapes.add_table(n_rows + 1, len(widths), left, top, sum(widths, Emu(0)), Inches(0.3))
        table = shape.table
        for j, width in enumerate(widths):
            table.columns[j].width = width
        for j, head in enumerate(header):
            self._cell(table.cell(0, j), head, HEADER_PT, True, WHITE, BAND)
        return table

    @staticmethod
    def _fit_rows(table) -> Emu:
        """Every row as tall as its most wrapped cell (see row_height); the table's height."""
        widths = [column.width for column in table.columns]
        total = 0
        for row in table.rows:
            cells = []
            for cell in row.cells:
                runs = [run for paragraph in cell.text_frame.paragraphs for run in paragraph.runs]
                cells.append((cell.text, max((run.font.size.pt for run in runs), default=TABLE_MIN_PT)))
            row.height = row_height(cells, widths)
            total += row.height
        return Emu(total)

    def chart_slide(self, title: str, image: bytes) -> None:
        slide = self._blank()
        self.band(slide, title)
        self._picture(slide, image, CHART_BOX)
        self._footer(slide)

    def outcomes_slide(self, title: str, rows: pd.DataFrame) -> None:
        """重点成效 as a table: each group's total, this month, its target and what it adds up."""
        slide = self._blank()
        self.band(slide, title)
        table = self._table(slide, Inches(0.4), TABLE_TOP, OUTCOME_WIDTHS, list(rows.columns), len(rows))
        for i, row in enumerate(rows.itertuples(index=False), start=1):
            for j, value in enumerate(row):
                right = PP_ALIGN.RIGHT if 2 <= j <= 4 else None
                self._cell(table.cell(i, j), value, 16 if j < 5 else 13, j == 1, INK, align=right)
        height = self._fit_rows(table)
        self.text(
            slide, "各类成效的主要指标图及该类全部指标见以下各页。", left=Inches(0.4),
            top=TABLE_TOP + height + Inches(0.1), width=Inches(12.5), height=Inches(0.4), size=12, colour=GREY,
        )  # fmt: skip
        self._footer(slide)

    def attention_slide(self, title: str, rows: pd.DataFrame) -> None:
        """需要关注 as a table: the category in its RAG colour, the finding, the item, why."""
        slide = self._blank()
        self.band(slide, title)
        if rows is None or rows.empty:
            self.text(
                slide, f"{chinese(self.pack.as_of)}没有需要关注的事项。", left=Inches(0.4), top=Inches(1.3),
                width=Inches(12.5), height=Inches(0.6), size=20, colour=GREY,
            )  # fmt: skip
            self._footer(slide)
            return
        table = self._table(slide, Inches(0.4), TABLE_TOP, ATTENTION_WIDTHS, ATTENTION_HEADER, len(rows))
        for i, row in enumerate(rows.itertuples(index=False), start=1):
            fill = RGBColor.from_string(RAG_COLOURS.get(row.状态, RAG_COLOURS[RAG_GREY]).lstrip("#"))
            (kind, size), (number, _), (item, _), (why, why_size) = attention_cells(row)
            self._cell(table.cell(i, 0), kind, size, True, INK if _light(str(fill)) else WHITE, fill)
            self._cell(table.cell(i, 1), number, size)
            self._cell(table.cell(i, 2), item, size)
            self._cell(table.cell(i, 3), why, why_size)
        self._fit_rows(table)
        self._footer(slide)

    def headline_slide(self, title: str, panel: HeadlinePanel, image: bytes) -> None:
        """A headline group: its total and 口径 across the top, the main metric's chart on the left,
        every metric of the group with this month's change on the right (those in the total shaded)."""
        slide = self._blank()
        self.band(slide, title)
        self.text(
            slide, panel.summary, left=Inches(0.4), top=Inches(0.98), width=Inches(12.5), height=Inches(0.45),
            size=18, bold=True, colour=BAND,
        )  # fmt: skip
        if panel.definition:
            self.text(
                slide, f"口径：{short(panel.definition, 150)}", left=Inches(0.4), top=Inches(1.42),
                width=Inches(12.5), height=Inches(0.5), size=11, colour=GREY,
            )  # fmt: skip
        self._picture(slide, image, HEADLINE_BOX)
        left, top = Inches(7.4), HEADLINE_BOX.top
        widths = [Inches(0.85), Inches(2.5), Inches(1.18), Inches(1.0)]
        table = self._table(slide, left, top, widths, ["问题", "指标", "截至本月", "本月变化"], len(panel.rows))
        for i, (row, summed) in enumerate(zip(panel.rows, panel.summed, strict=True), start=1):
            fill = PALE if summed and not all(panel.summed) else None
            bold = row[1].startswith(panel.charted + "（")
            for j, value in enumerate(row):
                align = PP_ALIGN.RIGHT if j >= 2 else None
                self._cell(table.cell(i, j), value, TABLE_MIN_PT, bold, INK, fill, align=align)
        height = self._fit_rows(table)
        note = f"图：{panel.charted}（表中加粗）"
        if not all(panel.summed):
            note += "；底纹行计入合计，其余单位不同或口径不同，单列"
        self.text(
            slide, note, left=left, top=top + height + Inches(0.05), width=sum(widths, Emu(0)),
            height=Inches(0.5), size=10, colour=GREY,
        )  # fmt: skip
        self._footer(slide)

    def finding_slide(self, card: FindingCard, image: bytes) -> None:
        slide = self._blank()
        self.band(slide, f"{card.label}　{short(card.title, 22)}")
        self.text(
            slide, short(card.title, 160), left=Inches(0.4), top=Inches(0.95), width=Inches(12.5),
            height=Inches(0.7), size=12, colour=GREY,
        )  # fmt: skip
        # the chart, left
        self._picture(slide, image, FINDING_BOX)
        top = FINDING_BOX.top
        # the facts, right
        left, panel = Inches(8.6), Inches(4.35)
        colour = STATUS_COLOURS.get(card.status, "#9e9e9e").lstrip("#")
        pill = self._rect(
            slide, left, top, panel, Inches(0.45), RGBColor.from_string(colour), MSO_SHAPE.ROUNDED_RECTANGLE
        )
        frame = pill.text_frame
        run = frame.paragraphs[0].add_run()
        run.text = f"状态：{card.status}"
        frame.paragraphs[0].alignment = PP_ALIGN.CENTER
        _set_font(run, 16, True, INK if _light(colour) else WHITE)
        size = 12
        facts = []
        if not card.confirmed:  # the report states no status per finding: the catalogue's is a reading
            facts.append([("状态来源：", size, True, INK), (UNCONFIRMED, size, False, RULE)])
        if card.closure:  # the 销号 step beside the status: who asked, returned, when to re-check
            facts.append([("销号：", size, True, INK), (card.closure, size, True, INK)])
        facts += [
            [("牵头部门：", size, True, INK), (card.department, size, False, INK)],
            [("责任领导：", size, True, INK), (card.leader, size, False, INK)],
            [("整改期限：", size, True, INK), (card.deadline, size, False, RULE if "逾期" in card.deadline else INK)],
        ]
        lines = sum(line_count("".join(part[0] for part in line), panel, size) for line in facts)
        facts_top = top + Inches(0.55)
        facts_height = Emu(int(Pt(size) * 1.25 * lines))
        self.text(slide, facts, left=left, top=facts_top, width=panel, height=facts_height)
        self._key_figures(slide, card, left, max(Inches(3.3), facts_top + facts_height + Inches(0.2)), panel)
        self.text(
            slide, [[("最新进展：", 12, True, INK), (short(card.note, 150), 12, False, INK)]],
            left=Inches(0.4), top=NOTE_TOP, width=Inches(12.5), height=Inches(0.7),
        )  # fmt: skip
        self._footer(slide)

    def _key_figures(self, slide, card: FindingCard, left, top, width) -> None:
        if not card.figures:
            self.text(
                slide, "本问题无量化指标，图为逐月整改状态。", left=left, top=top, width=width, height=Inches(0.5),
                size=12, colour=GREY,
            )  # fmt: skip
            return
        widths = [Emu(int(width * 0.46)), Emu(int(width * 0.27))]
        widths.append(width - sum(widths))
        shown = self._figures_that_fit(card.figures, widths, room=NOTE_TOP - top - MORE_LINE)
        table = self._table(slide, left, top, widths, ["关键数字", "截至本月", "本月变化"], len(shown))
        for i, (name, total, delta) in enumerate(shown, start=1):
            self._cell(table.cell(i, 0), name, TABLE_MIN_PT)
            self._cell(table.cell(i, 1), total, TABLE_MIN_PT, align=PP_ALIGN.RIGHT)
            self._cell(table.cell(i, 2), delta, TABLE_MIN_PT, align=PP_ALIGN.RIGHT)
        height = self._fit_rows(table)
        if len(card.figures) > len(shown):
            self.text(
                slide, f"另有 {len(card.figures) - len(shown)} 项指标，见附表。", left=left,
                top=top + height + Inches(0.03), width=width, height=MORE_LINE, size=TABLE_MIN_PT, colour=GREY,
            )  # fmt: skip

    @staticmethod
    def _figures_that_fit(figures: list, widths: list[int], room: int) -> list:
        """The first KEY_FIGURES key figures at most, as many as fit in `room` with the header (at least one)."""
        used = header_height(["关键数字"], widths[:1])
        shown = []
        for figure in figures[:KEY_FIGURES]:
            used += row_height([(text, TABLE_MIN_PT) for text in figure], widths)
            if shown and used > room:
                break
            shown.append(figure)
        return shown

    def _cell(self, cell, text: str, size: float, bold=False, colour=INK, fill: RGBColor | None = None, align=None):
        cell.text = ""
        paragraph = cell.text_frame.paragraphs[0]
        if align is not None:
            paragraph.alignment = align
        run = paragraph.add_run()
        run.text = text
        _set_font(run, size, bold, colour)
        cell.margin_left = cell.margin_right = CELL_MARGIN_X
        cell.margin_top = cell.margin_bottom = CELL_MARGIN_Y
        if fill is not None:
            cell.fill.solid()
            cell.fill.fore_color.rgb = fill
        else:
            cell.fill.solid()
            cell.fill.fore_color.rgb = WHITE

    def appendix(self, rows: pd.DataFrame) -> None:
        pages = self.pack.appendix_pages
        for part, (start, end) in enumerate(pages):
            chunk = rows.iloc[start:end]
            slide = self._blank()
            suffix = f"（{part + 1}/{len(pages)}）" if len(pages) > 1 else ""
            self.band(slide, f"附表：全部指标及口径{suffix}")
            table = self._table(slide, Inches(0.4), TABLE_TOP, APPENDIX_WIDTHS, list(rows.columns), len(chunk))
            for i, row in enumerate(chunk.itertuples(index=False), start=1):
                for j, (value, size) in enumerate(appendix_cells(row)):
                    right = PP_ALIGN.RIGHT if 3 <= j <= 5 else None
                    self._cell(table.cell(i, j), value, size, align=right)
            self._fit_rows(table)
            self._footer(slide)
