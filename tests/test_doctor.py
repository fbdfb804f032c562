"""`python -m rectification doctor`: one line per check, the truth about this machine, exit 1 when something is missing."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import ROOT


def run_doctor(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "rectification", "doctor", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)


def test_doctor_on_this_machine_finds_everything(store_path):
    done = run_doctor("--db", str(store_path))
    lines = done.stdout.splitlines()
    assert done.returncode == 0, done.stdout + done.stderr
    assert lines[1].startswith("Python 版本：正常（3.11.")
    assert lines[2].startswith("依赖包：正常（") and "均为 requirements.txt 所列版本" in lines[2]
    assert lines[3].startswith(f"数据库目录：正常（{store_path}")
    assert lines[4].startswith("Chromium（督办会简报与导出图片）：正常（/usr/bin/chromium")
    assert lines[5].startswith("中文字体（导出图片中的汉字）：正常（")
    assert lines[-1] == "检查完毕：全部正常。"


def test_doctor_without_chromium_says_what_is_missing_and_exits_1(store_path, tmp_path):
    # PATH without any browser, BROWSER_PATH pointing nowhere: what the pack would meet.
    env = {**os.environ, "PATH": str(tmp_path), "BROWSER_PATH": str(tmp_path / "no-chromium")}
    done = run_doctor("--db", str(store_path), env=env)
    assert done.returncode == 1
    browser = next(line for line in done.stdout.splitlines() if line.startswith("Chromium"))
    assert f"BROWSER_PATH 指向 {tmp_path / 'no-chromium'}，但该文件不存在" in browser
    assert "apt-get install chromium" in browser and "通报草稿（Word）不需要" in browser
    assert done.stdout.splitlines()[-1].endswith("项需要处理（见上）。")
    assert "Traceback" not in done.stdout + done.stderr


def test_doctor_names_a_store_not_yet_built(tmp_path):
    done = run_doctor("--db", str(tmp_path / "none.duckdb"))
    assert done.returncode == 1
    assert f"数据库文件 {tmp_path / 'none.duckdb'} 尚未建立" in done.stdout
