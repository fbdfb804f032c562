"""The briefing's pictures: the dashboard's figures as PNG through kaleido, and their cache.

Every figure of a deck is rendered in ONE kaleido batch through one browser (a browser start costs
seconds), and rendered PNGs are cached by the figure's content, so the same month builds again in seconds.
A chart meant for a slide is drawn on the canvas that its place on the slide calls for (for_box), and
deck_digest says when a deck's cached figures still hold.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import plotly.graph_objects as go
from pptx.util import Inches, Pt

from rectification import rules
from rectification.outputs import charts
from rectification.outputs.charts.theme import EXPORT_HEIGHT, EXPORT_SCALE, EXPORT_WIDTH, export_size
from rectification.rules.data import Data

WIDTH, HEIGHT, SCALE = EXPORT_WIDTH, EXPORT_HEIGHT, EXPORT_SCALE

NO_BROWSER = (
    "导出图片需要 Chromium 浏览器，但没有找到：请安装 chromium（Debian/Ubuntu：apt-get install chromium），"
    "或把环境变量 BROWSER_PATH 设为 Chrome/Chromium 的路径。通报（Word）不需要浏览器，仍可生成。"
)
CACHE_FOLDER = "briefing_cache"  # beside the store; generated, git-ignored
CACHE_KEEP = 3000  # PNGs kept in the cache (the oldest go first)

Progress = Callable[[float, str], None]


class BriefingError(RuntimeError):
    """The briefing cannot be made (no browser for the export, no data): a Chinese message."""


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
    drawn (export_size), so a heatmap of 56 findings labels every one of them."""
    width, height = export_size(fig)
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
    for code in figure_code():
        digest.update(code.read_bytes())
    digest.update(repr(parts).encode("utf-8"))
    return digest.hexdigest()


# The briefing's modules that decide what its pictures show: their canvases (this one) and their recipes.
# The deck's own layout (deck.py, tables.py) changes no picture.
IMAGE_SHAPING_MODULES = ("images.py", "content.py")


def figure_code() -> list[Path]:
    """The source files whose change can change a deck's figures: every chart module, every rules module
    and the briefing modules that shape its images."""
    chart_modules = sorted(Path(charts.__file__).parent.glob("*.py"))
    rule_modules = sorted(Path(rules.__file__).parent.glob("*.py"))
    briefing_modules = [Path(__file__).with_name(name) for name in IMAGE_SHAPING_MODULES]
    return [*chart_modules, *rule_modules, *briefing_modules]


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
