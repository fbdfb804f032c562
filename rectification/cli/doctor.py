"""`python -m rectification doctor`: what this server has and lacks for the dashboard, one line per check.

Standard library and config only, so it runs (and says what is wrong) when a dependency is missing or broken."""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rectification.core.config import ROOT, db_path

REQUIRED_PYTHON = (3, 11)
REQUIREMENTS = ROOT / "requirements.txt"
# Room for the nightly backups the README suggests (--keep 14), the copy an upgrade takes first and one
# more; never less than a gigabyte.
SPACE_FACTOR = 16
MIN_FREE_BYTES = 1024**3
# The names briefing.images.browser_missing() looks for, so doctor and the pack agree on whether there is a browser.
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")
DEBIAN_CHROMIUM = "/usr/bin/chromium"
WINDOWS_BROWSERS = (
    r"Google\Chrome\Application\chrome.exe",
    r"Chromium\Application\chrome.exe",
    r"Microsoft\Edge\Application\msedge.exe",
)
WINDOWS_CJK_FONTS = ("msyh.ttc", "msyh.ttf", "simhei.ttf", "simsun.ttc", "NotoSansCJK-Regular.ttc")
CHROMIUM_HOW = (
    "请用操作系统自带的软件源安装 Chromium（Debian/UOS/麒麟桌面版：apt-get install chromium；"
    "麒麟服务器版等：yum install chromium），或把环境变量 BROWSER_PATH 设为 Chrome/Chromium 的完整路径。"
    "只有督办会简报（PPTX）和导出图片需要它，通报草稿（Word）不需要。"
)
FONTS_HOW = (
    "请安装中文字体（Debian/UOS/麒麟桌面版：apt-get install fonts-noto-cjk fontconfig；"
    "麒麟服务器版等：yum install google-noto-sans-cjk-fonts fontconfig），否则导出图片中的汉字显示为方框。"
)


@dataclass(frozen=True)
class Check:
    label: str
    ok: bool
    text: str  # the finding when ok, else what to do

    def line(self) -> str:
        return f"{self.label}：{'正常（' + self.text + '）' if self.ok else self.text}"


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def check_python(version: tuple[int, ...] = tuple(sys.version_info[:3])) -> Check:
    found = ".".join(map(str, version))
    need = ".".join(map(str, REQUIRED_PYTHON))
    if tuple(version[:2]) == REQUIRED_PYTHON:
        return Check("Python 版本", True, f"{found}，{sys.executable}")
    return Check(
        "Python 版本",
        False,
        f"需要 Python {need}，当前为 {found}（{sys.executable}）。请安装 Python {need}，用它重新运行安装脚本。",
    )


def pins(path: Path = REQUIREMENTS) -> list[tuple[str, str]]:
    """(distribution, version) for every `name==version` line of requirements.txt that applies here."""
    found = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s;]+)\s*(?:;\s*(.+))?", line)
        if match and _marker_applies(match.group(3)):
            found.append((match.group(1), match.group(2)))
    return found


def _marker_applies(marker: str | None) -> bool:
    """The only markers requirements.txt uses are on sys_platform (a Windows-only dependency)."""
    if not marker:
        return True
    match = re.fullmatch(r"""sys_platform\s*(==|!=)\s*["']([^"']+)["']""", marker.strip())
    if not match:
        return True  # unknown marker: check the pin rather than hide a missing package
    return (sys.platform == match.group(2)) == (match.group(1) == "==")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _modules_by_distribution() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for module, distributions in importlib.metadata.packages_distributions().items():
        for distribution in distributions:
            found.setdefault(_canonical(distribution), []).append(module)
    return found


def _importable(name: str, modules: list[str]) -> str | None:
    """The first error importing the distribution's own module (the one named like it), else its top-level ones.
    Not every top-level module: duckdb also ships adbc_driver_duckdb, which needs an optional package."""
    named = [m for m in modules if m.lower() == _canonical(name).replace("-", "_")]
    public = [m for m in modules if m.isidentifier() and not m.startswith("_")]
    for module in named or public or [m for m in modules if m.isidentifier()]:
        try:
            importlib.import_module(module)
        except Exception as error:  # any failure on import means the package is unusable here
            return f"{module}：{type(error).__name__}: {error}"
    return None


def check_dependencies(path: Path = REQUIREMENTS) -> Check:
    problems = []
    modules = _modules_by_distribution()
    pinned = pins(path)
    for name, version in pinned:
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            problems.append(f"缺少 {name}=={version}")
            continue
        if installed != version:
            problems.append(f"{name} 为 {installed}（应为 {version}）")
            continue
        error = _importable(name, modules.get(_canonical(name), []))
        if error:
            problems.append(f"{name} 无法导入（{error}）")
    if not problems:
        return Check("依赖包", True, f"{len(pinned)} 个，均为 requirements.txt 所列版本，可以导入")
    return Check(
        "依赖包",
        False,
        "；".join(problems) + "。请在程序目录重新运行安装脚本（install.sh 或 install.ps1），"
        "或 python -m pip install --no-index --find-links wheels -r requirements.txt。",
    )


def _existing_folder(path: Path) -> Path:
    folder = path.parent.resolve()
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def check_store(path: Path, *, min_free: int = MIN_FREE_BYTES) -> Check:
    """The store's folder writable and roomy; the file itself present. Never opens the store (the
    dashboard may hold it)."""
    label = "数据库目录"
    folder = _existing_folder(path)
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        return Check(
            label, False, f"{folder} 不可写（{error.strerror or error}）。请让运行看板的账号对该目录有写权限。"
        )
    size = path.stat().st_size if path.is_file() else 0
    free = shutil.disk_usage(folder).free
    wanted = max(min_free, size * SPACE_FACTOR)
    if free < wanted:
        return Check(
            label,
            False,
            f"{folder} 所在分区只剩 {_size(free)}，少于建议的 {_size(wanted)}（数据库大小的 {SPACE_FACTOR} 倍，"
            f"至少 {_size(min_free)}，供每晚备份和升级前的备份使用）。请清理空间或把 RECTIFICATION_DB 指到更大的分区。",
        )
    if not path.is_file():
        return Check(
            label,
            False,
            f"{folder} 可写，剩余 {_size(free)}，但数据库文件 {path} 尚未建立。"
            "请运行 python -m rectification init --no-sample（正式部署）或 init（含示例数据）。",
        )
    return Check(label, True, f"{path}（{_size(size)}），目录可写，剩余 {_size(free)}")


def _windows_browser() -> str | None:
    for base in filter(None, (os.environ.get(v) for v in ("PROGRAMFILES", "PROGRAMFILES(X86)", "LOCALAPPDATA"))):
        for relative in WINDOWS_BROWSERS:
            candidate = Path(base) / relative
            if candidate.is_file():
                return str(candidate)
    return None


def browser_path() -> tuple[str | None, str]:
    """(the browser kaleido would use, where it came from), as briefing.images.ensure_browser() chooses it."""
    if os.environ.get("BROWSER_PATH"):
        return os.environ["BROWSER_PATH"], "BROWSER_PATH"
    if Path(DEBIAN_CHROMIUM).is_file():
        return DEBIAN_CHROMIUM, "系统"
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found, "PATH"
    return None, ""


def _browser_version(path: str) -> str:
    """What `--version` prints; empty on Windows, where chrome.exe prints nothing and opens a window."""
    if platform.system() == "Windows":
        return ""
    done = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise OSError((done.stderr or done.stdout).strip().splitlines()[-1:] or [f"退出码 {done.returncode}"])
    return done.stdout.strip()


def check_browser() -> Check:
    label = "Chromium（督办会简报与导出图片）"
    path, source = browser_path()
    if path is None:
        hint = _windows_browser() if platform.system() == "Windows" else None
        found = f"本机有 {hint}：把 BROWSER_PATH 设为该路径即可。" if hint else ""
        return Check(label, False, f"没有找到 Chrome/Chromium。{found}{CHROMIUM_HOW}")
    if not Path(path).is_file():
        return Check(label, False, f"BROWSER_PATH 指向 {path}，但该文件不存在。{CHROMIUM_HOW}")
    try:
        version = _browser_version(path)
    except (OSError, subprocess.SubprocessError) as error:
        return Check(label, False, f"{path} 无法运行（{error}）。{CHROMIUM_HOW}")
    return Check(label, True, f"{path}{'，' + version if version else ''}；来自 {source}")


def cjk_fonts() -> list[str]:
    """Font families with Chinese glyphs that Chromium can use here."""
    if platform.system() == "Windows":
        folder = Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"
        return [name for name in WINDOWS_CJK_FONTS if (folder / name).is_file()]
    fc_list = shutil.which("fc-list")
    if not fc_list:
        return []
    done = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=60)
    return sorted({line.split(",")[0].strip() for line in done.stdout.splitlines() if line.strip()})


def check_fonts() -> Check:
    label = "中文字体（导出图片中的汉字）"
    if platform.system() != "Windows" and not shutil.which("fc-list"):
        return Check(label, False, f"没有 fontconfig（fc-list），Chromium 找不到任何字体。{FONTS_HOW}")
    fonts = cjk_fonts()
    if not fonts:
        return Check(label, False, f"没有找到中文字体。{FONTS_HOW}")
    shown = "、".join(fonts[:3]) + (f" 等 {len(fonts)} 种" if len(fonts) > 3 else "")
    return Check(label, True, shown)


def checks(store: Path) -> list[Check]:
    return [check_python(), check_dependencies(), check_store(store), check_browser(), check_fonts()]


def run(store: Path) -> int:
    print("整改进展看板 环境检查")
    results = checks(store)
    for check in results:
        print(check.line(), flush=True)
    failed = sum(not check.ok for check in results)
    print("检查完毕：全部正常。" if not failed else f"检查完毕：{failed} 项需要处理（见上）。")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rectification doctor", description="检查本机运行看板所需的一切")
    parser.add_argument("--db", help="数据库文件路径（默认 $RECTIFICATION_DB 或 data/rectification.duckdb）")
    args = parser.parse_args(argv)
    return run(db_path(args.db))
