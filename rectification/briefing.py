"""The briefing: the dashboard's own figures as PNG (kaleido) and as a 16:9 PPTX, one chart per slide."""

from __future__ import annotations

import io
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from pptx import Presentation
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from rectification import charts, progress, store
from rectification.config import TRACKING_START
from rectification.months import add_months, chinese

WIDTH, HEIGHT, SCALE = charts.EXPORT_WIDTH, charts.EXPORT_HEIGHT, charts.EXPORT_SCALE
SLIDE_WIDTH, SLIDE_HEIGHT = Inches(13.333), Inches(7.5)  # 16:9
SLIDE_FONT = "Microsoft YaHei"  # what the bureau's PowerPoint has; LibreOffice falls back to Noto CJK
HEATMAP_ROWS_PER_SLIDE = 20  # beyond this the finding labels of a 900 px image overlap
BRIEFING_MONTHS = 12


class BriefingError(RuntimeError):
    """The briefing cannot be made (no browser for the export, no data): a Chinese message."""


@dataclass
class Slide:
    title: str
    figure: go.Figure


def ensure_browser() -> None:
    """Kaleido (through choreographer) takes the browser from $BROWSER_PATH, else searches PATH for
    chrome/chromium. Point it at Debian's Chromium when nothing is set, so a service's bare PATH works."""
    if os.environ.get("BROWSER_PATH"):
        return
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("google-chrome")):
        if candidate and Path(candidate).exists():
            os.environ["BROWSER_PATH"] = candidate
            return


def to_png(fig: go.Figure, *, scale: float = SCALE) -> bytes:
    """The figure as a 1600×900 PNG (times `scale`), fonts as on screen."""
    return to_pngs([fig], scale=scale)[0]


def to_pngs(figures: list[go.Figure], *, scale: float = SCALE) -> list[bytes]:
    """Several figures with one browser start (each start costs seconds)."""
    ensure_browser()
    try:
        with _TempDir() as folder:
            paths = [folder / f"{i}.png" for i in range(len(figures))]
            pio.write_images(figures, paths, format="png", width=WIDTH, height=HEIGHT, scale=scale)
            return [p.read_bytes() for p in paths]
    except (RuntimeError, OSError, ValueError) as error:
        if "chrome" in str(error).lower() or "browser" in str(error).lower():
            raise BriefingError(
                "导出图片需要 Chromium 浏览器：请安装 chromium，或设置环境变量 BROWSER_PATH。"
            ) from error
        raise


class _TempDir:
    def __enter__(self) -> Path:
        import tempfile

        self._dir = tempfile.TemporaryDirectory(prefix="briefing-")
        return Path(self._dir.name)

    def __exit__(self, *exc) -> None:
        self._dir.cleanup()


def briefing_filters(data: progress.Data, month: str | None) -> progress.Filters:
    """The whole bureau, the twelve months up to `month` (default: the latest month with data)."""
    as_of = month or data.latest
    start = max(TRACKING_START, add_months(as_of, -(BRIEFING_MONTHS - 1)))
    return progress.resolve(progress.Filters(start=start, end=as_of, as_of=as_of), data)


def slides(data: progress.Data, filters: progress.Filters, *, today=None) -> list[Slide]:
    """The briefing's charts, in order: headlines, completion, status by finding, attention, and each
    headline metric's progress."""
    out = [
        Slide("重点成效", charts.headline_figure(data, filters)),
        Slide("整改完成进度", charts.completion_figure(data, filters)),
    ]
    findings = progress.filter_findings(data.findings, data.metrics, filters)
    parts = max(1, -(-len(findings) // HEATMAP_ROWS_PER_SLIDE))
    for i in range(parts):
        chunk = findings.iloc[i * HEATMAP_ROWS_PER_SLIDE : (i + 1) * HEATMAP_ROWS_PER_SLIDE]
        suffix = f"（{i + 1}/{parts}）" if parts > 1 else ""
        title = f"各问题逐月整改状态{suffix}"
        out.append(Slide(title, charts.heatmap_figure(data, filters, tuple(chunk.finding_code), title=title)))
    out.append(Slide("需要关注", charts.attention_figure(data, filters, today)))
    metrics = progress.filter_metrics(data.metrics, filters)
    for headline in progress.headlines(data, metrics, filters.as_of):
        positions = progress.metric_positions(
            data, metrics[metrics.metric_code.isin(headline.metric_codes)], filters.as_of
        )
        lead = positions.sort_values("cumulative", ascending=False).metric_code.iloc[0]
        out.append(Slide(f"{headline.group_name}", charts.metric_figure(data, lead, filters)))
    return out


def load(con: duckdb.DuckDBPyConnection) -> progress.Data:
    return progress.load(lambda name, **params: store.query(con, name, **params))


def build_pptx(data: progress.Data, filters: progress.Filters, *, today=None) -> bytes:
    """A 16:9 deck: a title slide with the month's numbers, then one chart per slide."""
    deck = slides(data, filters, today=today)
    images = to_pngs([s.figure for s in deck])
    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_WIDTH, SLIDE_HEIGHT
    _title_slide(prs, data, filters, today)
    for slide, image in zip(deck, images, strict=True):
        _chart_slide(prs, slide.title, image)
    buffer = io.BytesIO()
    prs.save(buffer)
    return buffer.getvalue()


def _set_font(run, size: int, bold: bool = False) -> None:
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = SLIDE_FONT
    # python-pptx sets the Latin typeface only; Chinese text takes the East Asian one.
    rpr = run._r.get_or_add_rPr()
    ea = rpr.find(qn("a:ea"))
    if ea is None:
        ea = rpr.makeelement(qn("a:ea"), {})
        rpr.append(ea)
    ea.set("typeface", SLIDE_FONT)


def _text(slide, text: str, *, left, top, width, height, size: int, bold: bool = False) -> None:
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    for i, line in enumerate(text.split("\n")):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        run = paragraph.add_run()
        run.text = line
        _set_font(run, size, bold)


def _blank(prs):
    return prs.slides.add_slide(prs.slide_layouts[6])  # the default template's blank layout


def _title_slide(prs, data: progress.Data, filters: progress.Filters, today) -> None:
    slide = _blank(prs)
    counts = progress.status_counts(data, progress.filter_findings(data.findings, data.metrics, filters), filters.as_of)
    rate = counts["完成率"]
    lines = [
        f"已完成 {counts[progress.DONE]} 项　推进中 {counts[progress.ONGOING]} 项　"
        f"长期坚持 {counts[progress.LONG_TERM]} 项　逾期 {counts[progress.OVERDUE]} 项",
        f"完成率 {rate:.0%}（已完成 ÷ 不含长期坚持的问题数）" if rate is not None else "完成率 —",
        "",
        "状态颜色：" + "；".join(f"{k}：{v}" for k, v in progress.RAG_RULE.items()),
    ]
    sources = charts.source_label(pd.concat([data.monthly.source, data.statuses.source]))
    if "示例数据" in sources:
        lines.append("注意：本简报含示例数据（系统生成，非真实数据）。")
    _text(
        slide,
        f"巡察整改进展简报（数据截至 {chinese(filters.as_of)}）",
        left=Inches(0.8),
        top=Inches(1.2),
        width=Inches(11.7),
        height=Inches(1.2),
        size=36,
        bold=True,
    )
    _text(slide, "\n".join(lines), left=Inches(0.8), top=Inches(2.8), width=Inches(11.7), height=Inches(4), size=20)


def _chart_slide(prs, title: str, image: bytes) -> None:
    slide = _blank(prs)
    _text(slide, title, left=Inches(0.5), top=Inches(0.2), width=Inches(12.3), height=Inches(0.7), size=26, bold=True)
    top = Inches(1.0)
    height = SLIDE_HEIGHT - top - Inches(0.2)
    width = Emu(int(height * WIDTH / HEIGHT))
    left = Emu(int((SLIDE_WIDTH - width) / 2))
    slide.shapes.add_picture(io.BytesIO(image), left, top, width=width, height=height)
