"""--evidence FILE [--caption TEXT], repeatable: the files closure submit and deadline extend attach."""

from __future__ import annotations

import argparse
from pathlib import Path

from rectification.cli.shared import CliError
from rectification.core import config
from rectification.workflow import evidence


class _Evidence(argparse.Action):
    """--evidence FILE appends a file; --caption TEXT captions the file named just before it."""

    def __call__(self, parser, namespace, values, option_string=None):
        files = getattr(namespace, "evidence", None) or []
        if option_string == "--caption":
            if not files:
                raise argparse.ArgumentError(self, "--caption 须跟在 --evidence FILE 之后")
            files[-1] = (files[-1][0], values)
        else:
            files.append((values, ""))
        namespace.evidence = files


def add_evidence_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--evidence", action=_Evidence, metavar="FILE", help="佐证材料（照片 JPG/PNG、PDF、Word/Excel/WPS），可多次"
    )
    parser.add_argument("--caption", action=_Evidence, metavar="TEXT", help="前一个 --evidence 文件的说明")
    parser.set_defaults(evidence=[])


def evidence_files(args) -> list[evidence.Upload]:
    """The --evidence files read, each with its --caption; a missing or oversized file is refused first."""
    files = []
    limit = config.evidence_max_bytes()
    for name, caption in args.evidence or []:
        path = Path(name)
        if not path.is_file():
            raise CliError(f"找不到文件：{path}")
        if path.stat().st_size > limit:  # before reading a huge file into memory
            raise CliError(f"文件「{path.name}」超过大小上限 {limit / 1024 / 1024:g} MB。")
        files.append(evidence.Upload(path.name, path.read_bytes(), caption))
    return files
