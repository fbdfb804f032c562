"""programme draft: read a rectification's own document (its 通报 or 问题清单) into a draft catalogue
directory for review. Reads a file and writes a directory, so it never opens the store."""

from __future__ import annotations

import sys
from pathlib import Path

from rectification.ingest import Refused


def register(sub, common) -> None:
    p = sub.add_parser("programme", help="整改事项：draft（从通报或问题清单生成目录草稿）")
    actions = p.add_subparsers(dest="programme_command", required=True, metavar="ACTION")
    c = actions.add_parser(
        "draft",
        help="读取整改进展情况的通报（.txt/.docx）或问题清单（.xlsx/.csv），按 data/catalogue 的格式写出目录草稿供审核",
    )
    c.add_argument("--from", dest="source", required=True, metavar="FILE", help="通报或问题清单文件")
    c.add_argument("--out", required=True, metavar="DIR", help="草稿输出目录（须不存在或为空）")
    c.set_defaults(run=run_draft)


def run_draft(args) -> int:
    """Exit 0 and one line of counts, or exit 1 with the reason and nothing written."""
    try:
        from rectification.ingest import documents  # only this command reads documents: every other starts faster

        draft = documents.read_path(Path(args.source))
        documents.write(draft, Path(args.out))
    except Refused as refused:
        print(refused.headline.replace("未导入", "未生成草稿"), file=sys.stderr)
        for problem in refused.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"{draft.summary()}，已写入 {args.out}")
    return 0
