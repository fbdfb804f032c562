"""warm and doctor: about the machine and the running dashboard, not the data, so neither opens the store.

Their parsers set `run` (args → exit status) instead of `func` (args, connection → message)."""

from __future__ import annotations

import sys

from rectification.cli import doctor, warm
from rectification.core.config import db_path

WARM_WAIT_SECONDS = 60.0


def register(sub, common) -> None:
    _register_warm(sub, common)
    _register_doctor(sub, common)


def _register_warm(sub, common) -> None:
    p = sub.add_parser(
        "warm",
        help="预热刚启动的看板：等它响应后运行一次总览脚本（导入与缓存就绪），失败时退出码为 1",
    )
    p.add_argument("--url", help="看板地址（默认 http://127.0.0.1:端口，端口与路径取自 .streamlit/config.toml）")
    p.add_argument(
        "--wait",
        type=float,
        default=WARM_WAIT_SECONDS,
        metavar="秒",
        help=f"最多等待看板响应的秒数（默认 {WARM_WAIT_SECONDS:g}）",
    )
    p.set_defaults(run=run_warm)


def run_warm(args) -> int:
    """warm talks to the running dashboard, not to the store: it never opens the database file."""
    url = args.url or warm.default_url()
    try:
        seconds = warm.warm(url, args.wait)
    except warm.WarmError as error:
        print(str(error), file=sys.stderr)
        return 1
    print(f"看板已预热：总览脚本运行正常（{seconds:.1f} 秒，{url}）")
    return 0


def _register_doctor(sub, common) -> None:
    p = sub.add_parser(
        "doctor", parents=[common], help="检查本机运行看板所需的一切（Python、依赖包、数据库目录、Chromium、中文字体）"
    )
    p.set_defaults(run=run_doctor)


def run_doctor(args) -> int:
    return doctor.run(db_path(getattr(args, "db", None)))
