"""The meeting pack on a projector (issue 17, items 12 and 13), read back from a real PPTX rendered through
kaleido and Chromium: every chart's smallest text is at least 10 pt where the slide places it, nothing is
stretched, the heatmap's rows have room for their labels, every table's text is at least 12 pt and its
rows are as tall as their wrapped text, and the progress bar counts one total."""

from __future__ import annotations

import dataclasses
import io
import math
import re
import struct

import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.util import Inches, Pt

from rectification.core import store
from rectification.outputs.briefing.content import (
    HEATMAP_ROWS_PER_SLIDE,
    briefing_filters,
    closure_states,
    latest_notes,
    load,
    prepare,
    select_findings,
)
from rectification.outputs.briefing.deck import NOTE_TOP, build_pack, render_pack
from rectification.outputs.briefing.images import SCALE, slide_pt

MONTH = "2025-03"
FINDINGS = ["5", "11", "24"]  # 问题05: eight metrics with long names; 问题11: none (its status strip)
EMU_PER_PT = 12700


def png_size(data: bytes) -> tuple[int, int]:
    return struct.unpack(">II", data[16:24])


def fonts(spec) -> list[float]:
    """Every font size set anywhere in a figure's JSON but its hover labels (not drawn in a picture)."""
    if isinstance(spec, list):
        return [size for item in spec for size in fonts(item)]
    if not isinstance(spec, dict):
        return []
    found = []
    for key, value in spec.items():
        if key == "hoverlabel":
            continue
        if key.endswith("font") and isinstance(value, dict) and "size" in value:
            found.append(value["size"])
        found += fonts(value)
    return found


@pytest.fixture(scope="module")
def built(demo_store_template, tmp_path_factory):
    """The pack for three findings (with the whole overview), what the progress bar heard, and the
    figures in the order the pack places them."""
    folder = tmp_path_factory.mktemp("legible")
    path = folder / "demo.duckdb"
    path.write_bytes(demo_store_template.read_bytes())
    con = store.connect(path)
    heard = []
    deck = build_pack(
        con, MONTH, numbers=FINDINGS, cache_dir=folder / "cache", progress_cb=lambda f, t: heard.append((f, t))
    )
    data = load(con)
    filters = briefing_filters(data, MONTH)
    codes = select_findings(data, filters, numbers=FINDINGS)
    pack = prepare(
        data,
        filters,
        finding_codes=codes,
        notes=latest_notes(con, MONTH),
        closures=closure_states(con, MONTH, data=data),
    )
    con.close()
    return Presentation(io.BytesIO(deck)), heard, [make() for make in pack.recipes], pack, folder


def texts(slide) -> list[str]:
    return [s.text_frame.text for s in slide.shapes if s.has_text_frame]


def placed_pictures(prs) -> list:
    return [s for slide in prs.slides for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]


def test_slide_pt_is_font_px_times_placed_width_over_canvas_width():
    # 14 px on a 700 px canvas placed 7 inches (504 pt) wide: 14 × 504 / 700
    assert slide_pt(14, Inches(7), 700) == pytest.approx(10.08)
    assert slide_pt(14, Inches(10.63), 1600) < 7  # the old chart slide: 1600 px over 10.6 inches


def test_every_chart_the_pack_places_shows_its_smallest_text_at_10_pt_unstretched(built):
    prs, _, figures, _, _ = built
    pictures = placed_pictures(prs)
    assert len(pictures) == len(figures) > 10
    kinds = set()
    for picture, fig in zip(pictures, figures, strict=True):
        width_px, height_px = png_size(picture.image.blob)
        canvas = width_px / SCALE
        assert fig.layout.width == canvas  # the figure was drawn on the canvas the PNG has
        # the aspect of the place: no chart is stretched or squeezed on the slide
        assert width_px / height_px == pytest.approx(picture.width / picture.height, rel=0.01)
        placed_pt = picture.width / EMU_PER_PT
        sizes = fonts(fig.to_plotly_json())
        assert sizes, "a chart with no font size set"
        smallest = min(sizes) * placed_pt / canvas
        assert smallest >= 10, (fig.layout.title.text, min(sizes), round(smallest, 1))
        kinds.add(fig.data[0].type if fig.data else "empty")
    assert {"heatmap", "bar", "scatter"} <= kinds  # heatmaps, metric charts (bars first), the completion chart


def test_the_heatmap_goes_over_slides_with_room_for_every_row_label(built):
    prs, _, figures, pack, _ = built
    heatmaps = [(p, f) for p, f in zip(placed_pictures(prs), figures, strict=True) if f.data[0].type == "heatmap"]
    heatmaps = [(p, f) for p, f in heatmaps if len(f.data[0].y) > 1]  # not 问题11's one-row status strip
    rows = [len(f.data[0].y) for _, f in heatmaps]
    assert sum(rows) == 56 and max(rows) <= HEATMAP_ROWS_PER_SLIDE and max(rows) - min(rows) <= 1
    for picture, fig in heatmaps:
        pt_per_px = picture.width / EMU_PER_PT / fig.layout.width
        plot_px = fig.layout.height - fig.layout.margin.t - fig.layout.margin.b
        row_pt = plot_px / len(fig.data[0].y) * pt_per_px
        label_pt = fig.layout.yaxis.tickfont.size * pt_per_px
        assert label_pt >= 10 and row_pt >= 1.3 * label_pt  # a row is taller than its label's line


def est_lines(text: str, width_emu: int, size: float) -> int:
    """A floor on a cell's lines: CJK 1 em, anything else 0.55 em, inside 0.05 inch margins."""
    ems = sum(1.0 if ord(ch) > 0x2E7F else 0.55 for ch in text)
    usable = (width_emu - Inches(0.1)) / Pt(size)
    return max(1, math.ceil(ems / usable))


def assert_tables_legible(prs) -> int:
    """Every table: no text under 12 pt, every row at least as tall as its most wrapped cell's lines at
    1.3 × the size (YaHei's line), the table ending above the footer (7 inches). Returns the rows seen."""
    seen = 0
    for number, slide in enumerate(prs.slides, start=1):
        for shape in slide.shapes:
            if not shape.has_table:
                continue
            table = shape.table
            widths = [column.width for column in table.columns]
            for row in table.rows:
                need = 0
                for cell, width in zip(row.cells, widths, strict=True):
                    runs = [r for p in cell.text_frame.paragraphs for r in p.runs]
                    for run in runs:
                        assert run.font.size.pt >= 12, (number, cell.text, run.font.size.pt)
                    size = max((r.font.size.pt for r in runs), default=12)
                    need = max(need, est_lines(cell.text, width, size) * size * 1.3)
                assert row.height >= Pt(need), (number, [c.text for c in row.cells])
                seen += 1
            assert shape.top + sum(r.height for r in table.rows) <= Inches(7.0), number
    return seen


def test_no_table_text_below_12_pt_and_rows_grow_with_their_text(built):
    prs, *_ = built
    assert assert_tables_legible(prs) > 30
    finding = next(s for s in prs.slides if any(t.startswith("问题05　") for t in texts(s)))
    (table,) = [shape for shape in finding.shapes if shape.has_table]
    # the key figures end above 最新进展, the 另有… line under them too
    more = next(s for s in finding.shapes if s.has_text_frame and s.text_frame.text.startswith("另有"))
    assert table.top + sum(r.height for r in table.table.rows) <= more.top
    assert more.top + more.height <= NOTE_TOP


def test_a_long_metric_name_wraps_onto_a_taller_row_not_over_the_next(built):
    _, _, _, pack, folder = built
    long_name = "教育不戴头盔驾乘人员并现场登记、回访、通报所在单位及村居的人次（含电动自行车、摩托车）"
    card = next(c for c in pack.cards if c.code == "F05")
    figures = [card.figures[0], (long_name, "30,342 人次", "+1,798 人次"), *card.figures[2:]]
    one = dataclasses.replace(pack, cards=[dataclasses.replace(card, figures=figures)], appendix=None)
    prs = Presentation(io.BytesIO(render_pack(one, cache_dir=folder / "cache")))  # images cached
    assert_tables_legible(prs)
    (table,) = [shape.table for shape in prs.slides[-1].shapes if shape.has_table]
    assert table.cell(2, 0).text == long_name and table.cell(3, 0).text == "头盔劝导场次（累计）"
    one_line, long_row = table.rows[3].height, table.rows[2].height
    assert long_row >= 3.5 * one_line * 0.9  # four lines, each as tall as a one-line row's


def test_the_progress_bar_counts_one_total_and_only_moves_forward(built):
    _, heard, figures, pack, _ = built
    fractions = [f for f, _ in heard]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    counts = [tuple(map(int, m.groups())) for _, t in heard for m in [re.search(r"(\d+)/(\d+)", t)] if m]
    assert counts, "the bar never said how many charts were ready"
    assert {total for _, total in counts} == {len(pack.recipes)} == {len(figures)}
    done = [n for n, _ in counts]
    assert done == sorted(done) and done[-1] == len(figures)
