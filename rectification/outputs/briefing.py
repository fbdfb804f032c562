"""The briefing: the dashboard's own figures as PNG (kaleido) and the 督办会 meeting pack as a 16:9 PPTX —
a title slide, the overview charts, one slide per finding, and an appendix of every metric.

Every figure of a deck is rendered in ONE kaleido batch through one browser (a browser start costs
seconds), and rendered PNGs are cached by the figure's content, so the same month builds again in seconds.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path

import duckdb
import pandas as pd
import plotly.graph_objects as go
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from rectification import rules
from rectification.core import store
from rectification.core.config import TRACKING_START
from rectification.core.months import add_months, chinese
from rectification.core.vocabulary import CLOSED, LONG_TERM, NOT_STARTED, ONGOING, OVERDUE, PENDING
from rectification.outputs import charts
from rectification.rules.attention import attention
from rectification.rules.data import Data, Filters, filter_findings, filter_metrics, metrics_in_use, resolve
from rectification.rules.data import load as load_data
from rectification.rules.headlines import Headline, headlines
from rectification.rules.rag import metric_positions, reference_date
from rectification.rules.statuses import (
    UNCONFIRMED,
    closure_cutoff,
    closure_note,
    completion_rate_text,
    status_counts,
    status_grid,
    unconfirmed_counts,
)
from rectification.rules.text import finding_label, number_with_unit
from rectification.workflow import closure, deadlines

WIDTH, HEIGHT, SCALE = charts.EXPORT_WIDTH, charts.EXPORT_HEIGHT, charts.EXPORT_SCALE
SLIDE_WIDTH, SLIDE_HEIGHT = Inches(13.333), Inches(7.5)  # 16:9
SLIDE_FONT = "Microsoft YaHei"  # what the bureau's PowerPoint has; LibreOffice falls back to Noto CJK
# 56 findings at 10 pt need ~730 pt of rows, a slide has 430: the heatmap goes over slides in equal
# parts of at most 14 rows, whose labels (14 px) then sit on rows of ~25 px of a 602 px canvas.
HEATMAP_ROWS_PER_SLIDE = 14
BRIEFING_MONTHS = 12
KEY_FIGURES = 5  # metric rows on a finding slide at most (fewer when they wrap); the rest are in the appendix

BUREAU = "中山市公安局横栏分局"  # as the report signs: 中共中山市公安局横栏分局委员会
BUREAU_SHORT = "横栏分局"
PACK_TITLE = "巡察整改进展情况"
# The bureau's colours: police blue for the title band, the party red for the rule beneath it.
BAND = RGBColor(0x12, 0x3C, 0x7C)
RULE = RGBColor(0xC8, 0x10, 0x2E)
DEMO_RED = RGBColor(0xB7, 0x1C, 0x1C)
GREY = RGBColor(0x61, 0x61, 0x61)
INK = RGBColor(0x21, 0x21, 0x21)
WHITE = RGBColor(0xFF, 0xFF, 0xFF)
PALE = RGBColor(0xEC, 0xEF, 0xF1)

NO_BROWSER = (
    "导出图片需要 Chromium 浏览器，但没有找到：请安装 chromium（Debian/Ubuntu：apt-get install chromium），"
    "或把环境变量 BROWSER_PATH 设为 Chrome/Chromium 的路径。通报（Word）不需要浏览器，仍可生成。"
)
CACHE_FOLDER = "briefing_cache"  # beside the store; generated, git-ignored
CACHE_KEEP = 3000  # PNGs kept in the cache (the oldest go first)

Progress = Callable[[float, str], None]


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


def browser_missing() -> bool:
    """True when kaleido would find no browser: BROWSER_PATH names nothing, or none is installed."""
    ensure_browser()
    path = os.environ.get("BROWSER_PATH")
    if path:
        return not Path(path).exists()
    return not any(shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome", "chrome"))


# --- Rendering: one batch, one browser, a content-addressed cache ------------------------------


def _spec(fig: go.Figure) -> tuple[dict, str]:
    """The figure as plain JSON data (what kaleido sends to the browser) and its cache key."""
    text = fig.to_json()
    return json.loads(text), text


def _opts(scale: float, spec: dict | None = None) -> dict:
    """1600×900, or the canvas a figure was given for its place on a slide (see for_box)."""
    layout = (spec or {}).get("layout", {})
    width, height = (layout["width"], layout["height"]) if "width" in layout and "height" in layout else (WIDTH, HEIGHT)
    return {"format": "png", "width": width, "height": height, "scale": scale}


# --- Chart text on a slide: the one size rule ----------------------------------------------------
# A chart is drawn on a canvas of CSS px and placed on the slide at a size in pt, so a font of f px shows
# at f × (placed width in pt / canvas width in px). Drawn at 1600 px and placed 8 inches wide, 14 px ticks
# came out at 6–7 pt, unreadable on a projector. So each chart is drawn on the canvas that puts its
# smallest text at CHART_MIN_PT where it is placed, with the aspect of the place (nothing is stretched).
CHART_MIN_PT = 10
TABLE_MIN_PT = 12  # every table on a slide; rows grow with their wrapped text (_fit_rows)


@dataclass(frozen=True)
class Box:
    """Where a chart goes on a slide (EMU)."""

    left: int
    top: int
    width: int
    height: int


CHART_BOX = Box(Inches(0.4), Inches(1.02), Inches(12.53), Inches(5.98))  # a chart slide: band to footer
HEADLINE_BOX = Box(Inches(0.3), Inches(2.0), Inches(6.9), Inches(4.9))  # beside the group's table
FINDING_BOX = Box(Inches(0.3), Inches(1.7), Inches(8.1), Inches(4.55))  # beside the facts, above the note


def slide_pt(font_px: float, placed_width: int, canvas_width_px: float) -> float:
    """The size in pt on the slide of a font of `font_px` in a chart drawn `canvas_width_px` wide and
    placed `placed_width` EMU wide."""
    return font_px * (placed_width / Pt(1)) / canvas_width_px


def font_sizes(spec) -> list[float]:
    """Every font size a figure's JSON sets (layout, template defaults, axes, legend, annotations, traces),
    hover labels aside: they are not drawn in a picture."""
    found = []
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key == "hoverlabel":
                continue
            if key.endswith("font") and isinstance(value, dict) and isinstance(value.get("size"), int | float):
                found.append(float(value["size"]))
            found += font_sizes(value)
    elif isinstance(spec, list):
        for item in spec:
            if isinstance(item, dict | list):
                found += font_sizes(item)
    return found


def canvas_for(fig: go.Figure, box: Box) -> tuple[int, int]:
    """The canvas (CSS px) on which `fig`'s smallest text comes out at CHART_MIN_PT placed in `box`."""
    smallest = min(font_sizes(fig.to_plotly_json()))
    px_per_pt = smallest / CHART_MIN_PT
    return int(box.width / Pt(1) * px_per_pt), int(box.height / Pt(1) * px_per_pt)


def for_box(make: Callable[[], go.Figure], box: Box) -> Callable[[], go.Figure]:
    """`make`, with its figure drawn on the canvas for `box`."""

    def sized() -> go.Figure:
        fig = make()
        width, height = canvas_for(fig, box)
        return fig.update_layout(width=width, height=height)

    return sized


def _run_kaleido(jobs, *, n: int = 1) -> None:
    """kaleido's batch call: every job through one browser (`n` tabs)."""
    import kaleido

    with _browser_errors():
        # No MathJax: the charts use none, and fetching it from a CDN stalls an offline intranet.
        kaleido.write_fig_from_object_sync(jobs, kopts={"mathjax": False, "n": n}, cancel_on_error=True)


@contextlib.contextmanager
def _browser_errors():
    """No browser (or one that will not start) as the Chinese BriefingError, whichever way kaleido says it."""
    from kaleido.errors import ChromeNotFoundError

    ensure_browser()
    if browser_missing():
        raise BriefingError(NO_BROWSER)
    try:
        yield
    except ChromeNotFoundError as error:
        raise BriefingError(NO_BROWSER) from error
    except (RuntimeError, OSError) as error:
        if "chrome" in str(error).lower() or "browser" in str(error).lower():
            raise BriefingError(NO_BROWSER) from error
        raise


def kaleido_batch(specs: list, paths: list[Path], *, scale: float = SCALE) -> None:
    """kaleido's own batch for figures already built (what bench/ compares the pack with)."""
    _run_kaleido(
        [{"fig": spec, "path": str(path), "opts": _opts(scale, spec)} for spec, path in zip(specs, paths, strict=True)]
    )


def to_png(fig: go.Figure, *, scale: float = SCALE) -> bytes:
    """The figure as a PNG (times `scale`), fonts as on screen: 1600×900, or as tall as the figure is
    drawn (charts.export_size), so a heatmap of 56 findings labels every one of them."""
    width, height = charts.export_size(fig)
    if (width, height) == (WIDTH, HEIGHT):
        return to_pngs([fig], scale=scale)[0]
    with tempfile.TemporaryDirectory(prefix="chart-") as tmp:
        path = Path(tmp) / "chart.png"
        spec, _ = _spec(fig)
        _run_kaleido([{"fig": spec, "path": str(path), "opts": {**_opts(scale), "width": width, "height": height}}])
        return path.read_bytes()


def to_pngs(
    figures: list[go.Figure],
    *,
    scale: float = SCALE,
    cache_dir: Path | None = None,
    progress_cb: Progress | None = None,
) -> list[bytes]:
    """Several figures with one browser start (each start costs seconds)."""
    return render([lambda fig=fig: fig for fig in figures], scale=scale, cache_dir=cache_dir, progress_cb=progress_cb)


def render(
    recipes: list[Callable[[], go.Figure]],
    *,
    scale: float = SCALE,
    cache_dir: Path | None = None,
    progress_cb: Progress | None = None,
    manifest: str | None = None,
) -> list[bytes]:
    """The PNG of each recipe's figure, all through ONE browser. A figure is built only when its turn
    comes, so Python builds the next figures while the browser renders the previous ones; a figure
    whose content is in `cache_dir` (keyed by its JSON, size and renderer versions) is not rendered again.
    `progress_cb(fraction, text)` hears how many of the recipes' pictures are ready, as each one is."""
    n = len(recipes)
    step = progress_cb or (lambda fraction, text: None)
    if manifest and cache_dir is not None:
        images = _from_manifest(cache_dir, manifest, n)
        if images is not None:  # the same deck from the same data and code: nothing to build
            step(1.0, f"图表 {n}/{n} 已就绪（缓存）")
            return images
    keys: list[str | None] = [None] * n
    found: dict[str, bytes] = {}
    queued: set[str] = set()
    ready = [0]  # pictures ready, of n: cached, repeated in the deck, or drawn

    def jobs():
        """Build each figure in turn; yield (key, spec) for each one neither cached nor queued."""
        for i, make in enumerate(recipes):
            spec, text = _spec(make())
            key = hashlib.sha256((_salt(scale) + text).encode("utf-8")).hexdigest()
            keys[i] = key
            if key in found or key in queued:
                ready[0] += 1
                continue
            cached = cache_dir / f"{key}.png" if cache_dir is not None else None
            if cached is not None and cached.exists():
                found[key] = cached.read_bytes()
                ready[0] += 1
                continue
            queued.add(key)
            yield key, spec

    stream = jobs()
    first = next(stream, None)  # until the first figure not in the cache: none means no browser at all
    if first is not None:
        drawn = _draw_watching(first, stream, scale=scale, ready=ready, n=n, step=step)
        found.update(drawn)
        if cache_dir is not None:
            _store_in_cache(cache_dir, drawn)
    if manifest and cache_dir is not None:
        _write_manifest(cache_dir, manifest, keys)
    step(1.0, f"图表 {n}/{n} 已就绪")
    return [found[k] for k in keys]


def _from_manifest(cache_dir: Path, manifest: str, n: int) -> list[bytes] | None:
    try:
        keys = json.loads((cache_dir / "manifests" / f"{manifest}.json").read_text(encoding="utf-8"))
        if len(keys) != n:
            return None
        return [(cache_dir / f"{key}.png").read_bytes() for key in keys]
    except (OSError, ValueError):
        return None


def _write_manifest(cache_dir: Path, manifest: str, keys: list) -> None:
    try:
        folder = cache_dir / "manifests"
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{manifest}.tmp"
        tmp.write_text(json.dumps(keys), encoding="utf-8")
        tmp.replace(folder / f"{manifest}.json")
        files = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime)
        for old in files[: max(0, len(files) - CACHE_KEEP)]:
            old.unlink(missing_ok=True)
    except OSError:
        pass


def deck_digest(data: Data, *parts) -> str:
    """What a deck's figures depend on: the data, the code that draws them, the renderer and `parts`
    (the view, the findings, the day). Equal digests mean the same figures, so a repeat build skips
    building them (their own content keys still guard each PNG)."""
    digest = hashlib.sha256(_salt(SCALE).encode("utf-8"))
    for frame in (data.metrics, data.monthly, data.findings, data.statuses, data.annotations):
        digest.update(",".join(map(str, frame.columns)).encode("utf-8"))
        digest.update(frame.to_csv(index=False).encode("utf-8"))
    # The rules are a package of modules now: each of them can change a figure.
    for code in (Path(charts.__file__), *sorted(Path(rules.__file__).parent.glob("*.py"))):
        digest.update(code.read_bytes())
    digest.update(Path(__file__).read_bytes())
    digest.update(repr(parts).encode("utf-8"))
    return digest.hexdigest()


def _salt(scale: float) -> str:
    from importlib.metadata import version

    return f"{WIDTH}x{HEIGHT}@{scale}|plotly {version('plotly')}|kaleido {version('kaleido')}\n"


# Two tabs: kaleido reloads a tab after every figure, and one tab renders while the other reloads.
RENDER_TABS = 2


def _draw_watching(first: tuple, stream, *, scale: float, ready: list, n: int, step: Progress) -> dict[str, bytes]:
    """Draw each (key, spec) of `first` and `stream` as its own kaleido call in one browser session, so
    each picture is counted in `ready` the moment it is drawn (one batch call says nothing until its
    end, and it marks every file as written when it starts). The figures are built on yet another
    thread as the session asks for them, so its event loop stays free to talk to the browser; this
    thread reports progress."""
    images: dict[str, bytes] = {}

    def drawn(task: asyncio.Task, key: str) -> None:
        if not task.cancelled() and task.exception() is None:
            images[key] = task.result()
            ready[0] += 1

    async def draw_all() -> None:
        import kaleido

        # No MathJax: the charts use none, and fetching it from a CDN stalls an offline intranet.
        async with kaleido.Kaleido(n=RENDER_TABS, mathjax=False) as session:
            tasks = []
            job = first
            try:
                while job is not None:
                    key, spec = job
                    task = asyncio.create_task(session.calc_fig(spec, opts=_opts(scale, spec)))
                    task.add_done_callback(partial(drawn, key=key))
                    tasks.append(task)
                    job = await asyncio.to_thread(next, stream, None)
                await asyncio.gather(*tasks)
            except BaseException:
                for task in tasks:
                    task.cancel()
                raise

    with _browser_errors(), concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        job = pool.submit(asyncio.run, draw_all())
        while True:
            try:
                job.result(timeout=0.3)
                return images
            except concurrent.futures.TimeoutError:
                step(ready[0] / n, f"正在生成图表：{ready[0]}/{n} 张已就绪")


def _store_in_cache(cache_dir: Path, images: dict[str, bytes]) -> None:
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        for key, data in images.items():
            tmp = cache_dir / f".{key}.tmp"
            tmp.write_bytes(data)
            tmp.replace(cache_dir / f"{key}.png")
        files = sorted(cache_dir.glob("*.png"), key=lambda p: p.stat().st_mtime)
        for old in files[: max(0, len(files) - CACHE_KEEP)]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only folder only costs the next build its speed


def cache_dir_for(db: str | Path) -> Path:
    """Where a store's rendered charts are cached: a folder beside the store file."""
    return Path(db).resolve().parent / CACHE_FOLDER


# --- What goes in the deck -----------------------------------------------------------------------


def briefing_filters(data: Data, month: str | None, department: str | None = None) -> Filters:
    """The whole bureau (or one lead department), the twelve months up to `month` (default: the latest
    month substantially reported, as on the overview)."""
    as_of = month or data.default_as_of
    start = max(TRACKING_START, add_months(as_of, -(BRIEFING_MONTHS - 1)))
    return resolve(Filters(department=department, start=start, end=as_of, as_of=as_of), data)


@dataclass
class HeadlinePanel:
    """What a headline slide shows beside its chart: the group's total and every metric of the group."""

    summary: str  # 隐患整改处数：累计 332 处，本月 +43 处（7 项指标之和）
    definition: str  # the headline's 口径
    rows: list[tuple[str, str, str, str]]  # (问题, 指标（累计/月末）, 截至本月, 本月变化)
    summed: list[bool]  # the row counts in the headline's total
    charted: str  # the metric the chart shows


@dataclass
class Recipe:
    """A slide's title and how to build its figure (built only when the renderer asks for it)."""

    title: str
    make: Callable[[], go.Figure] | None  # None: a table slide, no picture
    headline: HeadlinePanel | None = None
    table: pd.DataFrame | None = None  # the rows a table slide lists: 需要关注 (类别, 状态, 问题, 事项, 说明)
    # or the headline outcomes (OUTCOME_COLUMNS)
    outcomes: bool = False


def overview_recipes(data: Data, filters: Filters, *, today=None) -> list[Recipe]:
    """The briefing's overview charts, in order: headlines, completion, status by finding, attention,
    and each headline metric's progress."""
    metrics = filter_metrics(data.metrics, filters)
    found = headlines(data, metrics, filters.as_of)
    # The dashboard's five small panels of 重点成效 cannot reach 10 pt on one slide: the slide lists the
    # totals as a table, and each group's chart has a slide of its own below.
    out = [
        Recipe("重点成效", None, table=outcome_rows(found), outcomes=True),
        Recipe("整改完成进度", for_box(lambda: charts.completion_figure(data, filters, today), CHART_BOX)),
    ]
    findings = filter_findings(data.findings, data.metrics, filters)
    chunks = _even_chunks(list(findings.finding_code), HEATMAP_ROWS_PER_SLIDE)
    for i, chunk in enumerate(chunks):
        suffix = f"（{i + 1}/{len(chunks)}）" if len(chunks) > 1 else ""
        title = f"各问题逐月整改状态{suffix}"
        make = partial(charts.heatmap_figure, data, filters, tuple(chunk), title=title, today=today)
        out.append(Recipe(title, for_box(make, CHART_BOX)))
    # A native table, not a picture of one: legible at the back of a meeting room, and staff can edit it.
    flagged = attention(data, filters, today).reset_index(drop=True)
    heights = [_row_height(attention_cells(row), ATTENTION_WIDTHS) for row in flagged.itertuples()]
    pages = _pages(heights, _room(ATTENTION_HEADER, ATTENTION_WIDTHS))
    for i, (start, end) in enumerate(pages):
        suffix = f"（{i + 1}/{len(pages)}）" if len(pages) > 1 else ""
        out.append(Recipe(f"需要关注{suffix}", None, table=flagged.iloc[start:end].reset_index(drop=True)))
    positions = Positions(data, filters.as_of)
    for headline in found:
        summed = positions.now.reindex(list(headline.metric_codes))
        lead = summed.sort_values("cumulative", ascending=False, kind="stable").index[0]
        panel = headline_panel(data, metrics, headline, lead, positions)
        make = for_box(partial(charts.metric_figure, data, lead, filters), HEADLINE_BOX)
        out.append(Recipe(f"{headline.group_name}", make, panel))
    return out


def _even_chunks(items: list, most: int) -> list[list]:
    """`items` in as few parts of at most `most` as it takes, the parts as even as can be (56: 4 × 14)."""
    parts = max(1, -(-len(items) // most))
    size = max(1, -(-len(items) // parts))
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]


OUTCOME_COLUMNS = ["类别", "成效", "累计", "本月", "目标", "构成"]


def outcome_rows(found: list[Headline]) -> pd.DataFrame:
    """The 重点成效 slide's table: each group's total, this month's change, its target and what it adds up."""
    rows = [
        [
            h.group_name,
            h.name,
            charts.value_text(h.cumulative, h.unit, h.approximate),
            change_text(h.month_value, h.unit),
            "—" if h.target is None else charts.value_text(h.target, h.unit),
            charts.short(h.breakdown, 240),
        ]
        for h in found
    ]
    return pd.DataFrame(rows, columns=OUTCOME_COLUMNS)


class Positions:
    """Every metric's position at the month and the month before: what a key figure and its change read."""

    def __init__(self, data: Data, as_of: str):
        self.as_of = as_of
        self.now = metric_positions(data, data.metrics, as_of).set_index("metric_code")
        self.before = metric_positions(data, data.metrics, add_months(as_of, -1)).set_index("metric_code")

    def figure(self, m) -> tuple[str, str, str]:
        """(指标（累计/月末）, 截至本月, 本月变化) of a metrics row: a count's change is this month's
        figure, a level's the difference from last month's."""
        total = self.now.cumulative.get(m.metric_code)
        # a running total that includes the report's rounded figure is as rounded (2,000余 人次)
        approximate = m.approximate if isinstance(getattr(m, "approximate", None), str) else None
        if m.kind == "count":
            delta = self.now.month_value.get(m.metric_code)
        else:
            prior = self.before.cumulative.get(m.metric_code)
            delta = None if pd.isna(total) or prior is None or pd.isna(prior) else total - prior
        return (
            f"{m.metric_name}（{'累计' if m.kind == 'count' else '月末'}）",
            charts.value_text(total, m.unit, approximate),
            change_text(delta, m.unit),
        )


def headline_panel(
    data: Data, metrics: pd.DataFrame, headline: Headline, lead: str, positions: Positions
) -> HeadlinePanel:
    """The headline's total and every metric of its group still asked for at the month (those in other
    units too: the headline adds up only its own unit), in catalogue order."""
    group = metrics_in_use(metrics[metrics.group_code == headline.group_code], positions.as_of)
    rows, summed = [], []
    for m in group.itertuples():
        name, total, change = positions.figure(m)
        rows.append((finding_label(m.finding_code, m.report_number), name, total, change))
        summed.append(m.metric_code in headline.metric_codes)
    month = change_text(headline.month_value, headline.unit)
    total = charts.value_text(headline.cumulative, headline.unit, headline.approximate)
    parts = f"（{len(headline.metric_codes)} 项指标之和）" if len(headline.metric_codes) > 1 else ""
    return HeadlinePanel(
        summary=f"{headline.name}：累计 {total}，本月 {month}{parts}",
        definition=headline.definition,
        rows=rows,
        summed=summed,
        charted=data.metrics.set_index("metric_code").metric_name.get(lead, lead),
    )


def slides(data: Data, filters: Filters, *, today=None) -> list[Slide]:
    """The overview charts, built."""
    return [Slide(r.title, r.make()) for r in overview_recipes(data, filters, today=today)]


def load(con: duckdb.DuckDBPyConnection) -> Data:
    return load_data(lambda name, **params: store.query(con, name, **params))


def latest_notes(con: duckdb.DuckDBPyConnection, as_of: str) -> pd.DataFrame:
    """finding_code, month, note: each finding's latest ledger note (进展说明) up to `as_of`."""
    from rectification.core.months import to_date

    return store.query(con, "finding_notes_latest", last=to_date(as_of))


def select_findings(
    data: Data,
    filters: Filters,
    *,
    numbers: Iterable[str] | None = None,
    department: str | None = None,
    attention_only: bool = False,
    today=None,
) -> list[str]:
    """The finding codes the pack gives a slide, in report order: all (the 54 and both long-term
    items), the numbers asked for (1, 05, F05, L1), a lead department's, or those needing attention."""
    findings = data.findings
    if numbers is not None:
        wanted = set()
        by_number = {int(r.report_number): r.finding_code for r in findings.itertuples() if pd.notna(r.report_number)}
        codes = set(findings.finding_code)
        for raw in numbers:
            text = str(raw).strip().upper().removeprefix("问题")
            if not text:
                continue
            if text in codes:
                wanted.add(text)
            elif text.isdigit() and int(text) in by_number:
                wanted.add(by_number[int(text)])
            else:
                raise BriefingError(f"没有这个整改问题：{raw}（应如 5、F05、L1）")
        findings = findings[findings.finding_code.isin(wanted)]
    if department:
        if department not in set(data.findings.lead_department.dropna()):
            raise BriefingError(f"没有以「{department}」为牵头部门的整改问题。")
        findings = findings[findings.lead_department == department]
    if attention_only:
        flagged = set(attention(data, filters, today).finding_code.dropna())
        findings = findings[findings.finding_code.isin(flagged)]
    return list(findings.finding_code)


@dataclass
class FindingCard:
    """What one finding's slide says besides its chart."""

    code: str
    label: str  # 问题05 / 长期L1
    title: str
    status: str  # the status at the month (逾期 once the deadline has passed unfinished)
    closure: str | None  # the closure state (销号) with its step: 待审核（张三 2025-03-20 申请）, 已退回…
    department: str
    leader: str
    deadline: str
    figures: list[tuple[str, str, str]]  # (指标, 累计/月末值, 本月变化): all; the slide shows those that fit
    note: str
    make_figure: Callable[[], go.Figure] = field(repr=False)
    confirmed: bool = True  # False: the status is the catalogue's reading of the report (UNCONFIRMED)


def _text_or(value, fallback: str = "未设定") -> str:
    return value if isinstance(value, str) and value.strip() else fallback


def deadline_text(deadline, *, long_term: bool, status: str, ref: dt.date, original=None) -> str:
    """2025-06-30（剩余 91 天） / （已逾期 12 天） / 原定 2025-03-31，经批准延至 2025-06-30（剩余 91 天） /
    长期整改事项 / 未设定."""
    if long_term:
        return "长期整改事项"
    if deadline is None or pd.isna(deadline):
        return "未设定"
    day = pd.Timestamp(deadline).date()
    text = deadlines.described(day, original) or f"{day:%Y-%m-%d}"
    if status in (CLOSED, LONG_TERM):
        return text
    days = (day - ref).days
    return f"{text}（剩余 {days} 天）" if days >= 0 else f"{text}（已逾期 {-days} 天）"


def closure_states(con: duckdb.DuckDBPyConnection, as_of: str, today=None, *, data=None) -> pd.DataFrame:
    """closure.states as of the month, one row per finding (indexed by finding_code): what the finding
    slides say about 销号 and the deadline (an approved extension keeps its original date). With `data`
    the 销号 steps are counted as the overview counts them (closure_cutoff)."""
    until = closure_cutoff(data, as_of, today) if data is not None else None
    return closure.states(con, as_of, today=today, closures_until=until).set_index("finding_code")


def closure_text(row) -> str | None:
    """A finding's 销号 step in a few words, from a closure_states row; None for a long-term item."""
    state, last = row.closure_state, row.last_event
    if state == closure.LONG_TERM:
        return None
    if state == closure.PENDING:
        parts = [row.submitted_by] if isinstance(row.submitted_by, str) else []
        if row.submitted_at is not None and pd.notna(row.submitted_at):
            parts.append(f"{pd.Timestamp(row.submitted_at):%Y-%m-%d}")
        who = " ".join(parts)
        text = f"{closure.PENDING}（{who} 申请销号）" if who else f"{closure.PENDING}（台账报已完成）"
    elif state == closure.CLOSED:
        text = closure.CLOSED
        if last == "held":
            text += "，回头看巩固"
        elif isinstance(row.recheck_month, str):
            text += f"，{chinese(row.recheck_month)}回头看"
    elif last == "return":
        reason = charts.short(row.note, 24) if isinstance(row.note, str) and row.note else ""
        text = "已退回，重新整改" + (f"（{reason}）" if reason else "")
    elif last == "relapsed":
        text = "回头看反弹，重新整改"
    else:
        text = "未申请销号"
    if bool(row.extension_pending):
        text += "；延期申请待批"
    return text


def change_text(value: float | None, unit: str) -> str:
    """本月变化: +43 处, +5.4 个百分点 (a rate's change is in points), 持平, 本月未报."""
    if value is None or pd.isna(value):
        return "本月未报"
    if value == 0:
        return "持平" if unit else "0"
    return number_with_unit(value, unit, difference=True, signed=True)


def main_metric(data: Data, code: str, as_of: str) -> str | None:
    """The metric a finding's slide charts: the first with a target, else the first count in its headline
    group's own unit (头盔劝导 → 场次), else its first count, else its first metric still asked for."""
    metrics = metrics_in_use(data.metrics[data.metrics.finding_code == code], as_of)
    if metrics.empty:
        return None
    count = metrics.kind == "count"
    headline = metrics.is_headline.fillna(False).astype(bool) & (metrics.unit == metrics.headline_unit)
    for rows in (metrics[metrics.target_value.notna()], metrics[count & headline], metrics[count]):
        if len(rows):
            return rows.metric_code.iloc[0]
    return metrics.metric_code.iloc[0]


def finding_cards(
    data: Data,
    filters: Filters,
    codes: list[str],
    notes: pd.DataFrame,
    *,
    today=None,
    closures: pd.DataFrame | None = None,
) -> list[FindingCard]:
    """One card per finding: facts, key figures with this month's change, latest note, main chart.
    `closures` (closure_states: the 销号 state, deadline and original deadline by finding) adds each
    finding's 销号 step and any extension; without it a slide shows the status and the catalogue's deadline."""
    if not codes:
        return []
    as_of = filters.as_of
    ref = reference_date(as_of, today)
    info = data.findings.set_index("finding_code")
    grid = status_grid(data, data.findings[data.findings.finding_code.isin(codes)], [as_of], today)
    grid = grid.set_index("finding_code")
    positions = Positions(data, as_of)
    ledger_notes = notes.set_index("finding_code") if len(notes) else None
    finding_notes = data.annotations[data.annotations.month <= as_of]
    cards = []
    for code in codes:
        f = info.loc[code]
        label = finding_label(code, f.report_number)
        status = grid.shown.get(code, NOT_STARTED)
        metrics = metrics_in_use(data.metrics[data.metrics.finding_code == code], as_of)
        figures = [positions.figure(m) for m in metrics.itertuples()]
        note = _latest_note(code, ledger_notes, finding_notes)
        lead = main_metric(data, code, as_of)
        if lead is not None:
            make = for_box(partial(charts.metric_figure, data, lead, filters), FINDING_BOX)
        else:
            make = for_box(
                partial(charts.status_strip_figure, data, filters, code, f"{label} 逐月整改状态", today=today),
                FINDING_BOX,
            )
        deadline, original, closed = f.deadline, None, None
        if closures is not None and code in closures.index:
            row = closures.loc[code]
            deadline, original, closed = row.deadline, row.original_deadline, closure_text(row)
        cards.append(
            FindingCard(
                code=code,
                label=label,
                title=f.title,
                status=status,
                closure=closed,
                department=_text_or(f.lead_department),
                leader=_text_or(f.responsible_leader),
                deadline=deadline_text(
                    deadline, long_term=bool(f.is_long_term), status=status, ref=ref, original=original
                ),
                figures=figures,
                note=note,
                make_figure=make,
                confirmed=bool(grid.confirmed.get(code, False)),
            )
        )
    return cards


def _latest_note(code: str, ledger_notes, annotations: pd.DataFrame) -> str:
    """The newest of the ledger's 进展说明 and the notes on the finding or its metrics."""
    found = []
    if ledger_notes is not None and code in ledger_notes.index:
        row = ledger_notes.loc[code]
        found.append((row.month, f"{chinese(row.month)}台账：{row.note}"))
    mine = annotations[annotations.finding_code == code]
    if len(mine):
        row = mine.sort_values(["month", "created_at"]).iloc[-1]
        about = f"（{row.metric_name}）" if isinstance(row.metric_name, str) else ""
        found.append((row.month, f"{chinese(row.month)}注释{about}：{row.text}（{row.author}）"))
    if not found:
        return "暂无进展说明。"
    return max(found, key=lambda item: item[0])[1]


def appendix_rows(data: Data, as_of: str, codes: list[str] | None) -> pd.DataFrame:
    """Every metric (or those of the chosen findings) as of the month, with its 口径 where the catalogue
    defines one (a `definition` column; blank while there is none)."""
    metrics = data.metrics if codes is None else data.metrics[data.metrics.finding_code.isin(codes)]
    now = metric_positions(data, metrics, as_of).set_index("metric_code")
    definitions = metrics.definition if "definition" in metrics.columns else pd.Series(None, index=metrics.index)
    rows = []
    for m, definition in zip(metrics.itertuples(), definitions, strict=True):
        month_value = now.month_value.get(m.metric_code)
        target = "" if pd.isna(m.target_value) else charts.value_text(m.target_value, m.unit)
        approximate = m.approximate if isinstance(getattr(m, "approximate", None), str) else None
        rows.append(
            {
                "问题": finding_label(m.finding_code, m.report_number),
                "指标": m.metric_name
                + ("（已停用）" if isinstance(m.retired_from, str) and m.retired_from <= as_of else ""),
                "类型": "累计" if m.kind == "count" else "月末值",
                f"截至{chinese(as_of)}": charts.value_text(now.cumulative.get(m.metric_code), m.unit, approximate),
                "本月": "—" if pd.isna(month_value) else charts.value_text(month_value, m.unit),
                "目标": target,
                "口径": definition if isinstance(definition, str) else "",
            }
        )
    return pd.DataFrame(rows)


# --- The deck ------------------------------------------------------------------------------------


@dataclass
class Pack:
    """Everything a deck shows, built before any image is rendered."""

    as_of: str
    scope: str
    sources: str
    demo: bool
    counts: dict
    overview: list[Recipe]
    cards: list[FindingCard]
    appendix: pd.DataFrame | None
    closures: str = ""  # 销号情况截至 12月2日, when the counts run past the month (closure_note)
    unconfirmed: int = 0  # findings in scope whose status is the catalogue's reading, not confirmed

    @property
    def recipes(self) -> list[Callable[[], go.Figure]]:
        return [r.make for r in self.overview if r.make is not None] + [c.make_figure for c in self.cards]

    @cached_property
    def appendix_pages(self) -> list[tuple[int, int]]:
        return [] if self.appendix is None else appendix_pages(self.appendix)

    @property
    def n_slides(self) -> int:
        return 1 + len(self.overview) + len(self.cards) + len(self.appendix_pages)


def prepare(
    data: Data,
    filters: Filters,
    *,
    finding_codes: list[str] | None = None,
    notes: pd.DataFrame | None = None,
    appendix: bool = True,
    scope: str = "",
    today=None,
    closures: pd.DataFrame | None = None,
) -> Pack:
    as_of = filters.as_of
    monthly = data.monthly[data.monthly.month <= as_of].source
    statuses = data.statuses[data.statuses.month <= as_of].source
    sources = charts.source_label(pd.concat([monthly, statuses]))
    findings = filter_findings(data.findings, data.metrics, filters)
    codes = finding_codes or []
    notes = notes if notes is not None else pd.DataFrame(columns=["finding_code", "month", "note"])
    return Pack(
        as_of=as_of,
        scope=scope,
        sources=sources,
        demo="示例数据" in sources,
        counts=status_counts(data, findings, as_of, today),
        overview=overview_recipes(data, filters, today=today),
        cards=finding_cards(data, filters, codes, notes, today=today, closures=closures),
        appendix=appendix_rows(data, as_of, None if finding_codes is None else codes) if appendix else None,
        closures=closure_note(data, as_of, today) or "",
        unconfirmed=sum(unconfirmed_counts(data, findings, as_of, today).values()),
    )


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


def scope_text(*, numbers=None, department=None, attention_only=False, n: int = 0) -> str:
    parts = []
    if department:
        parts.append(f"{department}牵头")
    if numbers is not None:
        parts.append("所选")
    if attention_only:
        parts.append("需要关注")
    return f"范围：{'、'.join(parts)}的问题 {n} 项" if parts else f"范围：全部整改问题 {n} 项（含长期整改事项）"


def pack_file_name(month: str) -> str:
    """横栏分局巡察整改进展_2025年3月.pptx"""
    return f"{BUREAU_SHORT}巡察整改进展_{chinese(month)}.pptx"


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


def _ems(text: str) -> float:
    """The width of `text` in ems: a CJK character 1, a Latin one 0.6 (digits of the Latin face LibreOffice
    falls back to are wider than YaHei's), and a quarter em where CJK meets Latin (the space LibreOffice
    and PowerPoint put between them: 2025年3月 is drawn as 2025 年 3 月)."""
    cjk = [ord(ch) > 0x2E7F for ch in text]
    changes = sum(a != b for a, b in zip(cjk, cjk[1:]))
    return sum(1.0 if wide else 0.6 for wide in cjk) + 0.25 * changes


def _lines(text: str, width: Emu, size: float, margins: int = Inches(0.2)) -> int:
    """How many lines `text` takes in a box `width` wide at `size` pt, so the boxes below it can move
    down instead of overlapping. `margins`: the box's own, left and right together (a text box's 0.1 inch
    each by default)."""
    usable = (width - margins) / Pt(size)
    return max(1, -(-int(_ems(text) * 100) // int(usable * 100)))


# --- Tables: text at TABLE_MIN_PT at least, rows as tall as their wrapped text ---------------------
# A row's height is a floor in PowerPoint and LibreOffice alike; set too small, a wrapped name ran over the
# next row. So each row is given the height of its most wrapped cell, estimated from the text's width.
TABLE_LINE = 1.45  # line height ÷ font size: Noto Sans CJK, LibreOffice's stand-in for YaHei, is 1.45 em
CELL_MARGIN_X, CELL_MARGIN_Y = Inches(0.05), Inches(0.03)
NOTE_TOP = Inches(6.3)  # a finding slide's 最新进展, under its chart and key figures
MORE_LINE = Inches(0.3)  # 另有 N 项指标，见附表。
TABLE_TOP = Inches(1.05)  # below the title band
TABLE_BOTTOM = Inches(7.0)  # above the footer
ATTENTION_WIDTHS = [Inches(1.4), Inches(1.1), Inches(3.9), Inches(6.13)]
APPENDIX_WIDTHS = [Inches(w) for w in (0.8, 2.2, 0.75, 1.8, 1.0, 1.0, 4.98)]  # 截至2025年12月 on one line
OUTCOME_WIDTHS = [Inches(w) for w in (1.3, 2.2, 1.6, 1.4, 1.4, 4.63)]
HEADER_PT = 14


def _row_height(cells: list[tuple[str, float]], widths: list[int]) -> Emu:
    """A table row as tall as its most wrapped cell; `cells`: (text, size in pt) by column."""
    tallest = max(
        _lines(text, width, size, margins=2 * CELL_MARGIN_X) * size for (text, size), width in zip(cells, widths)
    )
    return Emu(int(Pt(tallest * TABLE_LINE) + 2 * CELL_MARGIN_Y))


def _pages(heights: list[int], room: int) -> list[tuple[int, int]]:
    """(start, end) of the rows each slide takes: as many as fit in `room` (at least one a slide)."""
    pages, start, used = [], 0, 0
    for i, height in enumerate(heights):
        if i > start and used + height > room:
            pages.append((start, i))
            start, used = i, 0
        used += height
    pages.append((start, len(heights)))
    return pages


def _header_height(names: list[str], widths: list[int]) -> Emu:
    return _row_height([(name, HEADER_PT) for name in names], widths)


def _room(header: list[str], widths: list[int]) -> int:
    """The height left for a table's rows on a slide, under its header."""
    return TABLE_BOTTOM - TABLE_TOP - _header_height(header, widths)


ATTENTION_HEADER = ["类别", "问题", "事项", "说明"]


def attention_cells(row) -> list[tuple[str, float]]:
    """A 需要关注 row as the slide shows it: (text, pt) for 类别, 问题, 事项 and 说明."""
    return [(row.类别, 13), (row.问题, 13), (charts.short(row.事项, 40), 13), (charts.short(row.说明, 90), 12)]


def appendix_cells(row) -> list[tuple[str, float]]:
    return [(str(value) if value else "", TABLE_MIN_PT) for value in row]


def appendix_pages(rows: pd.DataFrame) -> list[tuple[int, int]]:
    """The appendix's rows slide by slide: as many as fit (a long 口径 wraps over lines)."""
    heights = [_row_height(appendix_cells(row), APPENDIX_WIDTHS) for row in rows.itertuples(index=False)]
    return _pages(heights, _room(list(rows.columns), APPENDIX_WIDTHS))


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
            slide, f"{BUREAU_SHORT}{PACK_TITLE}", left=Inches(10.6), top=Inches(0.08), width=Inches(2.5),
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
            slide, [BUREAU, PACK_TITLE], left=Inches(0.8), top=Inches(1.75), width=Inches(11.7), height=Inches(1.9),
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
        """Every row as tall as its most wrapped cell (see _row_height); the table's height."""
        widths = [column.width for column in table.columns]
        total = 0
        for row in table.rows:
            cells = []
            for cell in row.cells:
                runs = [run for paragraph in cell.text_frame.paragraphs for run in paragraph.runs]
                cells.append((cell.text, max((run.font.size.pt for run in runs), default=TABLE_MIN_PT)))
            row.height = _row_height(cells, widths)
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
            fill = RGBColor.from_string(charts.RAG_COLOURS.get(row.状态, charts.RAG_COLOURS[charts.GREY]).lstrip("#"))
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
                slide, f"口径：{charts.short(panel.definition, 150)}", left=Inches(0.4), top=Inches(1.42),
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
        self.band(slide, f"{card.label}　{charts.short(card.title, 22)}")
        self.text(
            slide, charts.short(card.title, 160), left=Inches(0.4), top=Inches(0.95), width=Inches(12.5),
            height=Inches(0.7), size=12, colour=GREY,
        )  # fmt: skip
        # the chart, left
        self._picture(slide, image, FINDING_BOX)
        top = FINDING_BOX.top
        # the facts, right
        left, panel = Inches(8.6), Inches(4.35)
        colour = charts.STATUS_COLOURS.get(card.status, "#9e9e9e").lstrip("#")
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
        lines = sum(_lines("".join(part[0] for part in line), panel, size) for line in facts)
        facts_top = top + Inches(0.55)
        facts_height = Emu(int(Pt(size) * 1.25 * lines))
        self.text(slide, facts, left=left, top=facts_top, width=panel, height=facts_height)
        self._key_figures(slide, card, left, max(Inches(3.3), facts_top + facts_height + Inches(0.2)), panel)
        self.text(
            slide, [[("最新进展：", 12, True, INK), (charts.short(card.note, 150), 12, False, INK)]],
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
        used = _header_height(["关键数字"], widths[:1])
        shown = []
        for figure in figures[:KEY_FIGURES]:
            used += _row_height([(text, TABLE_MIN_PT) for text in figure], widths)
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
