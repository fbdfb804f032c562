"""The command line: `python -m rectification COMMAND …`. Thin: each command calls the core."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rectification import bootstrap, exports, ingest
from rectification.config import db_path
from rectification.months import current_month
from rectification.store import StoreBusy, connect

BUSY_MESSAGE = (
    "数据库文件正被另一个进程（通常是正在运行的看板）占用。"
    "请在看板的「数据上报」页面上传，或先停止看板（Ctrl+C）后再运行此命令。"
)


class CliError(Exception):
    """A user-facing failure: printed as a message, exit status 1."""


def _month(text: str) -> str:
    month = ingest.parse_month(text)
    if month is None:
        raise argparse.ArgumentTypeError(f"月份格式应为 YYYY-MM：{text}")
    return month


def _write(out: str | None, data: bytes) -> None:
    if out:
        Path(out).write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


def cmd_init(args, con) -> str:
    return bootstrap.initialise(con, sample=not args.no_sample)


def cmd_template(args, con) -> str | None:
    name = args.out or f"{args.month}.csv"
    _write(args.out, exports.form_bytes(con, args.month, name))
    return f"已生成 {args.out}" if args.out else None


def cmd_import(args, con) -> str:
    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"找不到文件：{path}")
    result = ingest.import_figures(
        con, path.read_bytes(), path.name, user=args.user, replace=args.replace, dry_run=args.dry_run
    )
    for warning in result.plan.staged.warnings:
        print(f"提示：{warning}", file=sys.stderr)
    return result.message


def cmd_export(args, con) -> None:
    frame = exports.metric_values(con, args.month)
    _write(args.out, exports.to_csv_bytes(frame, bom=bool(args.out)))


def cmd_findings(args, con) -> None:
    frame = exports.findings_table(con, args.month or current_month())
    _write(args.out, exports.to_csv_bytes(frame, bom=bool(args.out)))


def build_parser() -> argparse.ArgumentParser:
    # --db is accepted both before and after the subcommand's own arguments.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS, help="数据库文件路径（默认 $RECTIFICATION_DB 或 data/rectification.duckdb）")
    parser = argparse.ArgumentParser(prog="python -m rectification", description="整改进展看板 命令行工具", parents=[common])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("init", parents=[common], help="建立数据库：目录、期初数据（默认含示例数据）")
    p.add_argument("--no-sample", action="store_true", help="不载入示例数据（正式部署用）")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("template", parents=[common], help="生成某月的上报模板（CSV，文件名以 .xlsx 结尾时为 Excel）")
    p.add_argument("--month", required=True, type=_month, help="月份 YYYY-MM")
    p.add_argument("--out", help="输出文件；省略时写到标准输出")
    p.set_defaults(func=cmd_template)

    p = sub.add_parser("import", parents=[common], help="导入填好的月报文件")
    p.add_argument("file", help="CSV 或 XLSX 文件")
    p.add_argument("--user", default="cli", help="上报人（记入上报记录）")
    p.add_argument("--replace", action="store_true", help="数值与已存不一致时，以本次为准（生成新修订）")
    p.add_argument("--dry-run", action="store_true", help="只检查，不写入")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export", parents=[common], help="导出当前数值（CSV）")
    p.add_argument("--month", type=_month, help="只导出截至该月的一行一指标")
    p.add_argument("--out", help="输出文件；省略时写到标准输出")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("findings", parents=[common], help="导出整改问题清单及状态（CSV）")
    p.add_argument("--month", type=_month, help="状态截至月份（默认本月）")
    p.add_argument("--out", help="输出文件；省略时写到标准输出")
    p.set_defaults(func=cmd_findings)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        con = connect(db_path(getattr(args, "db", None)))
    except StoreBusy:
        print(BUSY_MESSAGE, file=sys.stderr)
        return 1
    try:
        message = args.func(args, con)
    except ingest.Refused as refused:
        print(f"未导入，文件有 {len(refused.problems)} 处问题：", file=sys.stderr)
        for problem in refused.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    except CliError as error:
        print(str(error), file=sys.stderr)
        return 1
    finally:
        con.close()
    if message:
        print(message)
    return 0
