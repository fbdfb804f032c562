"""Meeting-pack speed: the pack's seconds per chart beside kaleido's raw batch for the same figures,
measured in the same run on the demo store, then the same month again from the image cache.

    make bench-briefing     (or: .venv/bin/python bench/briefing.py [--runs N] [--month YYYY-MM])

raw  = kaleido.write_fig_from_object_sync over the pack's figures, already built (one browser, the
       same options as the pack: no MathJax): the floor any pack could reach.
pack = deck.build_pack end to end with an empty cache: reading the store, building every figure,
       rendering them in one batch, laying out the PPTX.
warm = the same pack again, every image from the cache.
stall = the longest the pack's progress bar stood still during the cold build, and at what it stood.
Goal: pack ≤ 1.3 × raw per chart, the full pack under 30 s. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rectification.cli import bootstrap  # noqa: E402
from rectification.core import programme, store  # noqa: E402
from rectification.outputs.briefing.content import (  # noqa: E402
    briefing_filters,
    latest_notes,
    load,
    prepare,
    select_findings,
)
from rectification.outputs.briefing.deck import build_pack  # noqa: E402
from rectification.outputs.briefing.images import _spec, kaleido_batch  # noqa: E402

GOAL_RATIO = 1.3
GOAL_SECONDS = 30


def longest_stall(start: float, heard: list[tuple[float, float, str]]) -> tuple[float, float, str]:
    """(seconds, fraction, text): the longest time the bar's fraction stayed as it was."""
    worst, since, shown = (0.0, 0.0, ""), start, (0.0, "")
    for at, fraction, text in heard:
        if fraction != shown[0]:
            worst = max(worst, (at - since, *shown))
            since, shown = at, (fraction, text)
    return worst


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="repeat raw/pack pairs (the median is reported)")
    parser.add_argument("--month", help="the pack's month (default: the report's month, the programme's)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-briefing-") as tmp:
        folder = Path(tmp)
        db = folder / "demo.duckdb"
        con = store.connect(db)
        bootstrap.initialise(con, sample=True)
        args.month = args.month or programme.current(con).opening_month

        data = load(con)
        filters = briefing_filters(data, args.month)
        codes = select_findings(data, filters)
        pack = prepare(data, filters, finding_codes=codes, notes=latest_notes(con, args.month))
        specs = [_spec(make())[0] for make in pack.recipes]
        n = len(specs)
        print(f"演示库 {args.month}：{pack.n_slides} 页幻灯片，{n} 张图表；load {os.getloadavg()[0]:.1f}")

        raws, packs, warms, stalls = [], [], [], []
        for run in range(args.runs):
            out = folder / f"raw{run}"
            out.mkdir()
            start = time.perf_counter()
            kaleido_batch(specs, [out / f"{i}.png" for i in range(n)])
            raws.append(time.perf_counter() - start)

            cache = folder / f"cache{run}"
            heard = []
            start = time.perf_counter()
            deck = build_pack(
                con,
                args.month,
                cache_dir=cache,
                progress_cb=lambda f, t, heard=heard: heard.append((time.perf_counter(), f, t)),
            )
            packs.append(time.perf_counter() - start)
            stalls.append(longest_stall(start, heard))

            start = time.perf_counter()
            again = build_pack(con, args.month, cache_dir=cache)
            warms.append(time.perf_counter() - start)
            assert len(again) > 0 and len(deck) > 0
            seconds, fraction, text = stalls[-1]
            print(
                f"  第 {run + 1} 轮：raw {raws[-1]:.1f} s，pack {packs[-1]:.1f} s，warm {warms[-1]:.1f} s"
                f"（load {os.getloadavg()[0]:.1f}）；进度条最长停留 {seconds:.1f} s（{fraction:.0%}「{text}」）"
            )
        con.close()

    raw, cold, warm = statistics.median(raws), statistics.median(packs), statistics.median(warms)
    ratio = cold / raw
    print(f"kaleido 原始批量：{raw:.1f} s，每图 {raw / n:.2f} s")
    print(f"简报（空缓存）  ：{cold:.1f} s，每图 {cold / n:.2f} s，为原始批量的 {ratio:.2f} 倍（目标 ≤ {GOAL_RATIO}）")
    print(f"简报（缓存命中）：{warm:.1f} s")
    print(
        f"倍数：{'达标' if ratio <= GOAL_RATIO else '未达标'}（≤ {GOAL_RATIO}）；"
        f"全套：{'达标' if cold < GOAL_SECONDS else '未达标'}（< {GOAL_SECONDS} s；机器负载高时原始批量本身即超时）"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
