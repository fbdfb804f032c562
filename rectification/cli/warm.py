"""Warm up a newly started dashboard: wait until the server answers, then have it run the app's
script once (Streamlit's script health check, server.scriptHealthCheckEnabled in
.streamlit/config.toml). The caches are process-wide, so that run's imports and the overview's
data and figures are ready before the first visitor. Standard library only."""

from __future__ import annotations

import os
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

from rectification.core.config import ROOT

STREAMLIT_CONFIG = ROOT / ".streamlit" / "config.toml"
HEALTH = "/_stcore/health"
SCRIPT_CHECK = "/_stcore/script-health-check"
SCRIPT_TIMEOUT = 90  # Streamlit gives the script run 60 s, then answers 503 "timeout"


class WarmError(Exception):
    """The server did not answer, or the script did not run: the message says which and what to check."""


def default_url(config_path: Path = STREAMLIT_CONFIG) -> str:
    """http://127.0.0.1:<server.port>[/<server.baseUrlPath>], from the environment (as Streamlit
    reads it: STREAMLIT_SERVER_PORT …) or the project's config.toml."""
    try:
        server = tomllib.loads(config_path.read_text(encoding="utf-8")).get("server", {})
    except (OSError, tomllib.TOMLDecodeError):
        server = {}
    port = os.environ.get("STREAMLIT_SERVER_PORT") or server.get("port", 8501)
    base = str(os.environ.get("STREAMLIT_SERVER_BASE_URL_PATH") or server.get("baseUrlPath", "")).strip("/")
    return f"http://127.0.0.1:{port}" + (f"/{base}" if base else "")


def _reason(error: BaseException) -> str:
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code}"
    reason = getattr(error, "reason", error)
    return str(reason) or type(reason).__name__


def wait_until_up(url: str, wait: float) -> None:
    deadline = time.monotonic() + wait
    last = "无响应"
    while True:
        try:
            with urllib.request.urlopen(url + HEALTH, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError as error:  # refused while starting, 503 until the runtime is ready
            last = _reason(error)
        if time.monotonic() >= deadline:
            raise WarmError(
                f"看板预热失败：{url} 在 {wait:g} 秒内没有响应（{last}）。"
                "请检查看板是否已启动（streamlit run dashboard.py）、端口和地址是否与 --url 一致，并查看看板的日志。"
            )
        time.sleep(0.5)


def warm(url: str, wait: float) -> float:
    """Seconds the script run took; WarmError when the server is not up within `wait` or the run failed."""
    url = url.rstrip("/")
    wait_until_up(url, wait)
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(url + SCRIPT_CHECK, timeout=SCRIPT_TIMEOUT) as response:
            response.read()
    except urllib.error.HTTPError as error:
        if error.code == 404:
            raise WarmError(
                f"看板预热失败：{url} 没有开启脚本检查。请在 .streamlit/config.toml 的 [server] 中设置 "
                "scriptHealthCheckEnabled = true，然后重启看板。"
            ) from None
        body = error.read().decode("utf-8", "replace").strip()
        what = "运行超过 60 秒仍未完成" if body == "timeout" else "运行出错"
        raise WarmError(
            f"看板预热失败：{url} 的总览脚本{what}（HTTP {error.code}）。请用浏览器打开看板查看提示"
            "（常见原因：数据库未初始化、已损坏或正被长时间占用），并查看看板的日志。"
        ) from None
    except OSError as error:
        raise WarmError(f"看板预热失败：{url} 在运行总览脚本时断开（{_reason(error)}）。请查看看板的日志。") from None
    return time.perf_counter() - start
