"""The offline bundle (issue 20): built for Linux x86_64, then unpacked, installed and used with the network cut
off (a new network namespace: no route to anything), and installed over an older version's store.

Builds download wheels once (cached in ~/.cache/rectification-bundle); everything after the build runs under
`unshare -n`. Select with `-m bundle`."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.bundle

BUILD = ROOT / "offline" / "build.py"
# The interpreter the bundle's .venv is made from: this one's base, a CPython 3.11 as on a server.
BASE_PYTHON = Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
OVERVIEW_SCRIPT = """
import sys
from streamlit.testing.v1 import AppTest

at = AppTest.from_file(sys.argv[1], default_timeout=120).run()
assert not at.exception, [e.value for e in at.exception]
print(at.caption[0].value)
"""


def build(out: Path, ref: str = "HEAD") -> Path:
    command = [sys.executable, str(BUILD), "--platform", "linux-x86_64", "--ref", ref, "--out", str(out)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stdout + done.stderr
    (archive,) = out.glob("整改进展看板-离线安装包-*-linux-x86_64.tar.gz")
    return archive


def cut_off(*command: str | Path, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    """`command` in a new network namespace (only a loopback, down), with an environment like a bare server's:
    no pip settings, no store setting, no proxy."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(cwd),
        "LANG": "C.UTF-8",
        "PYTHON": str(BASE_PYTHON),
    }
    unshare = ["unshare", "-n"] if os.geteuid() == 0 else ["unshare", "-rn"]
    done = subprocess.run([*unshare, *map(str, command)], cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


def unpack(archive: Path, into: Path) -> Path:
    into.mkdir()
    cut_off("tar", "-xzf", archive, cwd=into)
    (top,) = into.iterdir()
    return top


def fill_form(top: Path, db: Path, month: str = "2025-04") -> Path:
    """The month's form from the installed program, every figure filled in as a clerk would."""
    form = top / f"{month}.csv"
    cut_off(".venv/bin/python", "-m", "rectification", "template", "--month", month, "--out", form, "--db", db, cwd=top)
    rows = list(csv.DictReader(io.StringIO(form.read_bytes().decode("utf-8-sig"))))
    for i, row in enumerate(rows):
        row["数值"] = "50" if row["单位"] == "%" else str(i + 1)
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    form.write_bytes(text.getvalue().encode("utf-8-sig"))
    return form


def cli(top: Path, *args: str | Path) -> str:
    return cut_off(".venv/bin/python", "-m", "rectification", *args, cwd=top).stdout


def _builder():
    """offline/build.py as a module (not importable by name: it is a script beside the install scripts)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("offline_build", BUILD)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def previous_commit() -> str:
    """HEAD~1, or HEAD itself in a clone without history (then the upgrade is a reinstall over the store)."""
    found = subprocess.run(["git", "rev-parse", "--verify", "-q", "HEAD~1"], cwd=ROOT, capture_output=True)
    return "HEAD~1" if found.returncode == 0 else "HEAD"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("dist"))


def test_bundle_is_ascii_inside_and_every_file_checks(bundle, tmp_path):
    top = unpack(bundle, tmp_path / "unpacked")
    assert top.name.isascii() and top.name.startswith("rectification-dashboard-0.1.0-")
    assert (
        bundle.name
        == f"整改进展看板-离线安装包-{top.name.removeprefix('rectification-dashboard-')}-linux-x86_64.tar.gz"
    )
    checked = cut_off("sha256sum", "--strict", "-c", "SHA256SUMS", cwd=top).stdout.splitlines()
    files = sorted(p.relative_to(top).as_posix() for p in top.rglob("*") if p.is_file() and p.name != "SHA256SUMS")
    assert sorted(line.removesuffix(": OK") for line in checked) == files
    assert {"install.sh", "install.ps1", "BUNDLE.txt", "requirements.txt", "dashboard.py"} <= set(files)
    assert not [f for f in files if f.endswith((".duckdb", ".wal"))]
    # A wheel for every pin, and no other.
    builder = _builder()
    target = builder.TARGETS["linux-x86_64"]
    pinned = builder.pins((top / "requirements.txt").read_text(encoding="utf-8"), target)
    wheels = sorted((top / "wheels").glob("*.whl"))
    assert sorted(builder.parse_wheel_filename(w.name)[0] for w in wheels) == sorted(pinned)
    # The build refuses a set whose dependencies are not all pinned (pip would fail offline).
    with pytest.raises(builder.BundleError, match="narwhals"):
        builder.closure({k: v for k, v in pinned.items() if k != "narwhals"}, wheels, target)
    # A changed file fails the check.
    (top / "dashboard.py").write_text("# changed\n", encoding="utf-8")
    assert cut_off("sha256sum", "--quiet", "-c", "SHA256SUMS", cwd=top, check=False).returncode == 1


def test_install_and_use_with_the_network_cut_off(bundle, tmp_path):
    top = unpack(bundle, tmp_path / "unpacked")
    # No route at all in the namespace the steps run in.
    assert cut_off("cat", "/proc/net/route", cwd=top).stdout.splitlines()[1:] == []

    installed = cut_off("./install.sh", cwd=top).stdout
    db = top / "data" / "rectification.duckdb"
    assert "已初始化：56 项整改问题" in installed and "不含示例数据" in installed
    assert f"启动看板：cd {top} && .venv/bin/streamlit run dashboard.py" in installed
    assert installed.rstrip().endswith("检查完毕：全部正常。")  # doctor, last

    imported = cli(top, "import", fill_form(top, db), "--user", "张三", "--db", db)
    assert "新增 93 条" in imported
    exported = cli(top, "export", "--month", "2025-04", "--db", db)
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert len(rows) == 93 and all(row["value"] for row in rows)

    script = tmp_path / "overview.py"
    script.write_text(OVERVIEW_SCRIPT, encoding="utf-8")
    overview = cut_off(
        "env", f"RECTIFICATION_DB={db}", ".venv/bin/python", script, top / "dashboard.py", cwd=top
    ).stdout
    assert overview.startswith("数据截至 2025年4月")

    backed_up = cli(top, "backup", "--db", db)
    (backup,) = (top / "data" / "backups").glob("rectification-*.duckdb")
    assert backed_up.strip() == f"已备份到 {backup}"

    doctor = cut_off(".venv/bin/python", "-m", "rectification", "doctor", "--db", db, cwd=top).stdout
    assert [line.split("：")[0] for line in doctor.splitlines()[1:-1]] == [
        "Python 版本",
        "依赖包",
        "数据库目录",
        "Chromium（督办会简报与导出图片）",
        "中文字体（导出图片中的汉字）",
    ]
    assert all("：正常（" in line for line in doctor.splitlines()[1:-1])


def test_install_refuses_another_python(bundle, tmp_path):
    top = unpack(bundle, tmp_path / "unpacked")
    other = tmp_path / "python3"  # stands for a server's Python 3.9: says so when asked
    other.write_text('#!/bin/sh\ncase "$2" in *version_info*) exit 1 ;; *) echo "CPython 3.9.2" ;; esac\n')
    other.chmod(0o755)
    done = cut_off("env", f"PYTHON={other}", "./install.sh", cwd=top, check=False)
    assert done.returncode == 1
    assert f"需要 Python 3.11（CPython），{other} 为 CPython 3.9.2。" in done.stderr
    assert not (top / ".venv").exists() and not (top / "data" / "rectification.duckdb").exists()


def test_upgrade_over_the_previous_commit_keeps_the_store(bundle, tmp_path):
    """The previous commit's bundle installed to a folder with a month's figures, then this one over it."""
    old = build(tmp_path / "old-dist", ref=previous_commit())
    target = tmp_path / "opt-rectification"
    old_top = unpack(old, tmp_path / "old")
    cut_off("./install.sh", target, cwd=old_top)
    db = target / "data" / "rectification.duckdb"
    cli(target, "import", fill_form(target, db), "--user", "张三", "--db", db)
    before = cli(target, "export", "--db", db)
    store_before = db.read_bytes()
    (target / "stray.txt").write_text("not the program's\n", encoding="utf-8")

    new_top = unpack(bundle, tmp_path / "new")
    upgraded = cut_off("./install.sh", target, cwd=new_top).stdout
    assert "数据库已初始化，未作任何更改。" in upgraded and upgraded.rstrip().endswith("检查完毕：全部正常。")
    assert cli(target, "export", "--db", db) == before
    (copy,) = (target / "data" / "backups").glob("before-upgrade-*.duckdb")
    assert f"已把现有数据库复制到 {copy}" in upgraded
    assert copy.read_bytes() == store_before  # a plain copy: restorable with no program at all
    assert (target / "BUNDLE.txt").read_text(encoding="utf-8") == (new_top / "BUNDLE.txt").read_text(encoding="utf-8")
    assert (target / "stray.txt").is_file()  # only files the old bundle listed are removed
    assert cut_off("sha256sum", "--quiet", "--strict", "-c", "SHA256SUMS", cwd=target).stdout == ""
