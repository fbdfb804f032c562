"""`make bundle`: the offline install bundles for an intranet with no internet, one per platform.

Each holds the source at a commit (`git archive`), a wheel for every pin of its requirements.txt that applies to
the platform, install.sh / install.ps1, BUNDLE.txt and SHA256SUMS of every file. Runs on a machine that reaches
the package registry; wheels are kept in a cache outside the repository, so a second build downloads nothing."""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.tags import compatible_tags, cpython_tags
from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
PYTHON = (3, 11)
NAME = "整改进展看板-离线安装包"
# ASCII, so tar and unzip on a Chinese Windows (GBK) or an old Linux do not mangle the folder's name.
TOP_PREFIX = "rectification-dashboard"
DEFAULT_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "rectification-bundle" / "wheels"


def _manylinux(arch: str) -> list[str]:
    """glibc 2.17 up to 2.28: UOS 20 and Kylin V10 ship 2.28, so no wheel may need a newer one."""
    return [f"manylinux_2_{minor}_{arch}" for minor in range(28, 16, -1)] + [
        f"manylinux2014_{arch}",
        f"manylinux2010_{arch}",
        f"manylinux1_{arch}",
    ]


@dataclass(frozen=True)
class Target:
    name: str  # in the file name: linux-x86_64, linux-aarch64, windows-x86_64
    platforms: tuple[str, ...]  # wheel platform tags, most specific first
    markers: dict[str, str]  # the environment markers of requirements are evaluated against
    archive: str  # "tar.gz" or "zip"

    def environment(self) -> dict[str, str]:
        env = default_environment()
        env.update(
            implementation_name="cpython",
            platform_python_implementation="CPython",
            python_version="3.11",
            python_full_version="3.11.9",
            implementation_version="3.11.9",
            extra="",
            **self.markers,
        )
        return env

    def tags(self) -> set[str]:
        platforms = list(self.platforms)
        found = cpython_tags(PYTHON, ["cp311"], platforms)
        rest = compatible_tags(PYTHON, "cp311", platforms)
        return {str(tag) for tag in (*found, *rest)}


_LINUX = {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix"}
TARGETS = {
    t.name: t
    for t in (
        Target("linux-x86_64", tuple(_manylinux("x86_64")), {**_LINUX, "platform_machine": "x86_64"}, "tar.gz"),
        Target("linux-aarch64", tuple(_manylinux("aarch64")), {**_LINUX, "platform_machine": "aarch64"}, "tar.gz"),
        Target(
            "windows-x86_64",
            ("win_amd64",),
            {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt", "platform_machine": "AMD64"},
            "zip",
        ),
    )
}


class BundleError(Exception):
    """Something the bundle cannot be built without; the message says what."""


def git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def version(ref: str) -> str:
    """pyproject's version, the commit's date and its short hash: readable, ordered, unique per commit."""
    import tomllib

    project = tomllib.loads(git("show", f"{ref}:pyproject.toml"))["project"]["version"]
    date = git("log", "-1", "--format=%cd", "--date=format-local:%Y%m%d", ref)
    return f"{project}-{date}-{git('rev-parse', '--short=7', ref)}"


def pins(requirements: str, target: Target) -> dict[str, str]:
    """canonical name -> version for every `name==version` that applies on the target."""
    found = {}
    env = target.environment()
    for raw in requirements.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        requirement = Requirement(line)
        if requirement.marker and not requirement.marker.evaluate(env):
            continue
        exact = [spec.version for spec in requirement.specifier if spec.operator == "=="]
        if len(exact) != 1:
            raise BundleError(f"requirements.txt: {line!r} is not pinned to one version (name==version)")
        found[canonicalize_name(requirement.name)] = exact[0]
    return found


def _cached(cache: Path, name: str, pinned: str, tags: set[str]) -> Path | None:
    for wheel in cache.glob("*.whl"):
        wheel_name, wheel_version, _, wheel_tags = parse_wheel_filename(wheel.name)
        if wheel_name == name and wheel_version == Version(pinned) and tags & {str(t) for t in wheel_tags}:
            return wheel
    return None


def wheels(pinned: dict[str, str], target: Target, cache: Path) -> list[Path]:
    """A wheel for every pin, from the cache, downloading the missing ones (no dependencies: every one of
    those must be pinned too, which closure() checks)."""
    cache.mkdir(parents=True, exist_ok=True)
    tags = target.tags()
    missing = [f"{name}=={pinned[name]}" for name in pinned if not _cached(cache, name, pinned[name], tags)]
    if missing:
        platform_args = [arg for tag in (*target.platforms, "any") for arg in ("--platform", tag)]
        command = [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check"]
        command += ["--only-binary=:all:", "--no-deps", "--python-version", "3.11", "--implementation", "cp"]
        command += ["--abi", "cp311", *platform_args, "--dest", str(cache), *missing]
        if subprocess.run(command).returncode != 0:
            raise BundleError(f"{target.name}: pip could not download {', '.join(missing)}")
    found = {name: _cached(cache, name, pinned[name], tags) for name in pinned}
    absent = [f"{name}=={pinned[name]}" for name, wheel in found.items() if wheel is None]
    if absent:
        raise BundleError(f"{target.name}: no wheel for {', '.join(absent)}")
    return sorted(found.values())


def _requires(wheel: Path) -> list[Requirement]:
    with zipfile.ZipFile(wheel) as archive:
        metadata = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA") and n.count("/") == 1)
        text = archive.read(metadata).decode("utf-8")
    header = text.split("\n\n", 1)[0]
    return [
        Requirement(line.split(":", 1)[1].strip()) for line in header.splitlines() if line.startswith("Requires-Dist:")
    ]


def closure(pinned: dict[str, str], found: list[Path], target: Target) -> None:
    """Every dependency of every wheel on the target is pinned, at a version it accepts: pip installs with
    --no-index on the server, where a missing one would only show as a failed install."""
    env = target.environment()
    problems = []
    for wheel in found:
        for requirement in _requires(wheel):
            if requirement.marker and not requirement.marker.evaluate(env):
                continue
            name = canonicalize_name(requirement.name)
            if name not in pinned:
                problems.append(f"{wheel.name} needs {requirement}, which requirements.txt does not pin")
            elif not requirement.specifier.contains(pinned[name], prereleases=True):
                problems.append(f"{wheel.name} needs {requirement}, requirements.txt pins {name}=={pinned[name]}")
    if problems:
        raise BundleError(f"{target.name}:\n  " + "\n  ".join(problems))


def _source(ref: str, top: Path) -> None:
    """The tree at `ref` as git has it: no store, no test's temporary files, nothing untracked."""
    archive = subprocess.run(["git", "archive", "--format=tar", ref], cwd=ROOT, check=True, capture_output=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(top, filter="tar")


def _install_scripts(top: Path) -> None:
    """At the top, where IT staff look first; from the commit's own offline/ (the current one for an older
    commit that had none, as the upgrade test builds)."""
    for name in ("install.sh", "install.ps1"):
        source = top / "offline" / name
        shutil.copyfile(source if source.is_file() else HERE / name, top / name)
    (top / "install.sh").chmod(0o755)


def sha256sums(top: Path) -> None:
    lines = []
    for path in sorted(p for p in top.rglob("*") if p.is_file() and p != top / "SHA256SUMS"):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        lines.append(f"{digest}  {path.relative_to(top).as_posix()}\n")
    (top / "SHA256SUMS").write_text("".join(lines), encoding="utf-8", newline="\n")


def _archive(stage: Path, top: Path, out: Path, kind: str) -> None:
    partial = out.with_name(out.name + ".partial")
    if kind == "zip":
        with zipfile.ZipFile(partial, "w") as archive:
            for path in sorted(top.rglob("*")):
                if path.is_file():
                    # Wheels are zip files already: stored, not deflated again.
                    method = zipfile.ZIP_STORED if path.suffix == ".whl" else zipfile.ZIP_DEFLATED
                    archive.write(path, path.relative_to(stage).as_posix(), compress_type=method)
    else:
        with tarfile.open(partial, "w:gz", compresslevel=6) as archive:
            archive.add(top, arcname=top.name, filter=_owned_by_root)
    partial.replace(out)


def _owned_by_root(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    return info


def build(target: Target, *, ref: str = "HEAD", out_dir: Path, cache: Path = DEFAULT_CACHE) -> Path:
    """The bundle for one platform; its path."""
    label = version(ref)
    requirements = git("show", f"{ref}:requirements.txt") + "\n"
    pinned = pins(requirements, target)
    found = wheels(pinned, target, cache / target.name)
    closure(pinned, found, target)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bundle-", dir=out_dir) as stage_dir:
        stage = Path(stage_dir)
        top = stage / f"{TOP_PREFIX}-{label}"
        _source(ref, top)
        _install_scripts(top)
        (top / "wheels").mkdir()
        for wheel in found:
            shutil.copyfile(wheel, top / "wheels" / wheel.name)
        info = f"version={label}\nplatform={target.name}\npython=3.11\ncommit={git('rev-parse', ref)}\n"
        (top / "BUNDLE.txt").write_text(info, encoding="utf-8", newline="\n")
        sha256sums(top)
        out = out_dir / f"{NAME}-{label}-{target.name}.{target.archive}"
        _archive(stage, top, out, target.archive)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the offline install bundles (make bundle).")
    parser.add_argument("--platform", action="append", choices=sorted(TARGETS), help="default: all three")
    parser.add_argument("--ref", default="HEAD", help="the commit to bundle (default HEAD)")
    parser.add_argument("--out", default=str(ROOT / "dist"), help="folder for the bundles (default dist/)")
    parser.add_argument("--cache", default=str(DEFAULT_CACHE), help=f"wheel cache (default {DEFAULT_CACHE})")
    args = parser.parse_args(argv)
    for name in args.platform or list(TARGETS):
        try:
            out = build(TARGETS[name], ref=args.ref, out_dir=Path(args.out), cache=Path(args.cache))
        except BundleError as error:
            print(f"bundle: {error}", file=sys.stderr)
            return 1
        print(f"{out} ({out.stat().st_size / 1024**2:.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
