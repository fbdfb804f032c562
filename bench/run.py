"""Overview page speed: warm script time on the demo store and on a store with every metric reported
monthly for ten years, beside an empty page's warm time measured in the same run.

    make bench        (or: .venv/bin/python bench/run.py [--runs N])

Warm = the same view run again in the same session, after its first run has filled the caches;
that is what a user pays for each click. Not part of the test suite: timings vary by machine.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from rectification import bootstrap, ingest, store  # noqa: E402
from rectification.config import OPENING_MONTH, TRACKING_START  # noqa: E402
from rectification.months import add_months, month_range  # noqa: E402

TARGET_MS = 300
YEARS = 10


def demo_store(folder: Path) -> Path:
    path = folder / "demo.duckdb"
    con = store.connect(path)
    bootstrap.initialise(con, sample=True)
    con.close()
    return path


def ten_year_store(folder: Path) -> Path:
    """The demo store, then every metric for every month after the report up to ten years of
    tracking, committed through the importer's plan/commit (its form check refuses future months,
    which a ten-year store needs)."""
    path = folder / "ten_years.duckdb"
    con = store.connect(path)
    bootstrap.initialise(con, sample=True)
    metrics = con.execute("select metric_code, kind, unit from metrics").fetchall()
    months = month_range(add_months(OPENING_MONTH, 1), add_months(TRACKING_START, 12 * YEARS - 1))
    rng = random.Random(20250301)
    rows = []
    for code, kind, unit in metrics:
        base = rng.randint(1, 400)
        for month in months:
            if kind == "count":
                value = float(max(0, round(base * rng.uniform(0.5, 1.5))))
            else:
                value = float(round(rng.uniform(60, 100), 1)) if unit == "%" else float(base)
            rows.append({"line": len(rows) + 2, "month": month, "code": code, "value": value, "note": None})
    frame = pd.DataFrame(rows, columns=["line", "month", "code", "value", "note"])
    staged = ingest.Staged(layout=ingest.FIGURES, rows=frame, n_rows=len(frame))
    ingest.commit(con, ingest.plan(con, staged), data=b"", file_name="bench.csv", user="bench")
    con.close()
    return path


def timings(make, runs: int):
    """The first run's time and the median of the runs after it, in milliseconds, and the AppTest."""
    at = make()
    start = time.perf_counter()
    at.run()
    cold = (time.perf_counter() - start) * 1000
    assert not at.exception, [e.value for e in at.exception]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        at.run()
        times.append((time.perf_counter() - start) * 1000)
        assert not at.exception, [e.value for e in at.exception]
    return cold, statistics.median(times), at


def filter_change_ms(at) -> float:
    """A view not seen before (another section): the queries are cached, the view's figures are not."""
    start = time.perf_counter()
    at.selectbox(key="flt_section").select("S1").run()
    assert not at.exception, [e.value for e in at.exception]
    return (time.perf_counter() - start) * 1000


def size(db: Path) -> str:
    con = store.connect(db)  # before the app opens it: one process, one kind of connection
    try:
        months, values = con.execute("select count(distinct month), count(*) from current_observations").fetchone()
    finally:
        con.close()
    return f"{months} months, {values:,} figures"


def overview(db: Path):
    def make():
        os.environ["RECTIFICATION_DB"] = str(db)
        return AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300)

    return make


def empty_page(script: Path):
    return lambda: AppTest.from_file(str(script), default_timeout=60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="warm runs per page (the median is reported)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        folder = Path(tmp)
        empty = folder / "empty.py"
        empty.write_text('import streamlit as st\n\nst.title("空白页")\n', encoding="utf-8")
        print("building stores …", flush=True)
        stores = {"demo store": demo_store(folder), f"{YEARS} years, every metric monthly": ten_year_store(folder)}
        sizes = {name: size(db) for name, db in stores.items()}
        _, empty_ms, _ = timings(empty_page(empty), args.runs)
        print(
            f"\n{'store':<32}{'size':>28}{'first run':>11}{'new filter':>12}{'warm':>9}{'empty page':>12}{'ratio':>8}"
        )
        worst = 0.0
        for name, db in stores.items():
            cold, ms, at = timings(overview(db), args.runs)
            changed = filter_change_ms(at)
            worst = max(worst, ms)
            verdict = "ok" if ms < TARGET_MS else "TOO SLOW"
            print(
                f"{name:<32}{sizes[name]:>28}{cold:>8.0f} ms{changed:>9.0f} ms{ms:>6.0f} ms{empty_ms:>9.0f} ms"
                f"{ms / empty_ms:>7.1f}×"
                f"   warm target < {TARGET_MS} ms: {verdict}"
            )
    return 0 if worst < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
