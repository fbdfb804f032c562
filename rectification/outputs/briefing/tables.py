"""Slide tables measured before they are drawn: how many lines a text takes, how tall a row is, and how
rows split over slides — what decides the deck's pages (content.py) and the rows' heights (deck.py).
"""

from __future__ import annotations

import pandas as pd
from pptx.util import Emu, Inches, Pt

from rectification.outputs.charts.theme import short

TABLE_MIN_PT = 12  # every table on a slide; rows grow with their wrapped text (Deck._fit_rows)


def text_ems(text: str) -> float:
    """The width of `text` in ems: a CJK character 1, a Latin one 0.6 (digits of the Latin face LibreOffice
    falls back to are wider than YaHei's), and a quarter em where CJK meets Latin (the space LibreOffice
    and PowerPoint put between them: 2026年4月 is drawn as 2025 年 3 月)."""
    cjk = [ord(ch) > 0x2E7F for ch in text]
    changes = sum(a != b for a, b in zip(cjk, cjk[1:]))
    return sum(1.0 if wide else 0.6 for wide in cjk) + 0.25 * changes


def line_count(text: str, width: Emu, size: float, margins: int = Inches(0.2)) -> int:
    """How many lines `text` takes in a box `width` wide at `size` pt, so the boxes below it can move
    down instead of overlapping. `margins`: the box's own, left and right together (a text box's 0.1 inch
    each by default)."""
    usable = (width - margins) / Pt(size)
    return max(1, -(-int(text_ems(text) * 100) // int(usable * 100)))


# --- Tables: text at TABLE_MIN_PT at least, rows as tall as their wrapped text ---------------------
# A row's height is a floor in PowerPoint and LibreOffice alike; set too small, a wrapped name ran over the
# next row. So each row is given the height of its most wrapped cell, estimated from the text's width.
TABLE_LINE = 1.45  # line height ÷ font size: Noto Sans CJK, LibreOffice's stand-in for YaHei, is 1.45 em
CELL_MARGIN_X, CELL_MARGIN_Y = Inches(0.05), Inches(0.03)
TABLE_TOP = Inches(1.05)  # below the title band
TABLE_BOTTOM = Inches(7.0)  # above the footer
ATTENTION_WIDTHS = [Inches(1.4), Inches(1.1), Inches(3.9), Inches(6.13)]
APPENDIX_WIDTHS = [Inches(w) for w in (0.8, 2.2, 0.75, 1.8, 1.0, 1.0, 4.98)]  # 截至2025年12月 on one line
HEADER_PT = 14


def row_height(cells: list[tuple[str, float]], widths: list[int]) -> Emu:
    """A table row as tall as its most wrapped cell; `cells`: (text, size in pt) by column."""
    tallest = max(
        line_count(text, width, size, margins=2 * CELL_MARGIN_X) * size for (text, size), width in zip(cells, widths)
    )
    return Emu(int(Pt(tallest * TABLE_LINE) + 2 * CELL_MARGIN_Y))


def split_rows(heights: list[int], room: int) -> list[tuple[int, int]]:
    """(start, end) of the rows each slide takes: as many as fit in `room` (at least one a slide)."""
    pages, start, used = [], 0, 0
    for i, height in enumerate(heights):
        if i > start and used + height > room:
            pages.append((start, i))
            start, used = i, 0
        used += height
    pages.append((start, len(heights)))
    return pages


def header_height(names: list[str], widths: list[int]) -> Emu:
    return row_height([(name, HEADER_PT) for name in names], widths)


def room_for_rows(header: list[str], widths: list[int]) -> int:
    """The height left for a table's rows on a slide, under its header."""
    return TABLE_BOTTOM - TABLE_TOP - header_height(header, widths)


ATTENTION_HEADER = ["类别", "问题", "事项", "说明"]


def attention_cells(row) -> list[tuple[str, float]]:
    """A 需要关注 row as the slide shows it: (text, pt) for 类别, 问题, 事项 and 说明."""
    return [(row.类别, 13), (row.问题, 13), (short(row.事项, 40), 13), (short(row.说明, 90), 12)]


def appendix_cells(row) -> list[tuple[str, float]]:
    return [(str(value) if value else "", TABLE_MIN_PT) for value in row]


def appendix_pages(rows: pd.DataFrame) -> list[tuple[int, int]]:
    """The appendix's rows slide by slide: as many as fit (a long 口径 wraps over lines)."""
    heights = [row_height(appendix_cells(row), APPENDIX_WIDTHS) for row in rows.itertuples(index=False)]
    return split_rows(heights, room_for_rows(list(rows.columns), APPENDIX_WIDTHS))
