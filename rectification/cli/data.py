"""The monthly figures: template, import, uploads, rollback, export, findings."""

from __future__ import annotations

import sys
from pathlib import Path

from rectification import ingest
from rectification.cli.shared import CliError, month_argument, write_csv, write_output
from rectification.core.months import current_month
from rectification.outputs import exports
from rectification.workflow import uploads


def register(sub, common) -> None:
    _register_template(sub, common)
    _register_import(sub, common)
    _register_uploads(sub, common)
    _register_rollback(sub, common)
    _register_export(sub, common)
    _register_findings(sub, common)


def _register_template(sub, common) -> None:
    p = sub.add_parser("template", parents=[common], help="生成某月的上报模板（CSV，文件名以 .xlsx 结尾时为 Excel）")
    p.add_argument("--month", required=True, type=month_argument, help="月份 YYYY-MM")
    p.add_argument("--department", help="只列该牵头部门负责的问题下的指标（如 交警大队）")
    p.add_argument("--out", help="输出文件；省略时写到标准输出")
    p.set_defaults(func=cmd_template)


def cmd_template(args, con) -> str | None:
    name = args.out or f"{args.month}.csv"
    departments = exports.lead_departments(con)
    if args.department and args.department not in departments:
        raise CliError(f"没有牵头部门「{args.department}」。可选：{'、'.join(departments)}")
    write_output(args.out, exports.form_bytes(con, args.month, name, department=args.department))
    return f"已生成 {args.out}" if args.out else None


def _register_import(sub, common) -> None:
    p = sub.add_parser(
        "import",
        parents=[common],
        help="导入填好的月报或整改台账（按表头识别：有「问题编号」「状态」列的是台账）",
        description="导入填好的月报（月份、指标编码、数值、备注）或整改台账（月份、问题编号、状态、进展说明）。"
        "按表头自动识别文件类型。接受 CSV（UTF-8、GBK、UTF-16 “Unicode 文本”）和 XLSX。"
        "有任何问题时整份文件都不导入，并逐行列出问题。",
    )
    p.add_argument("file", help="CSV、TXT 或 XLSX 文件")
    p.add_argument(
        "--user",
        default="cli",
        help="上报人（记入上报记录）；台账报“已完成”即申请销号，须为该问题牵头部门的填报人员或管理员的用户名",
    )
    p.add_argument(
        "--replace", action="store_true", help="数值与已存不一致时，以本次为准（生成新修订，原值保留在历史中）"
    )
    p.add_argument("--dry-run", action="store_true", help="只检查，不写入")
    p.set_defaults(func=cmd_import)


def cmd_import(args, con) -> str:
    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"找不到文件：{path}")
    ingest.check_size(path.stat().st_size)  # before reading a huge file into memory
    result = ingest.import_file(
        con, path.read_bytes(), path.name, user=args.user, replace=args.replace, dry_run=args.dry_run
    )
    for warning in result.plan.staged.warnings:
        print(f"提示：{warning}", file=sys.stderr)
    for warning in result.plan.check_problems():
        print(f"提示：{warning}", file=sys.stderr)
    return result.message


def _register_uploads(sub, common) -> None:
    p = sub.add_parser(
        "uploads", parents=[common], help="列出上报记录（CSV：上报人、时间、文件、SHA-256、条数、是否已撤销）"
    )
    p.add_argument("--out", help="输出文件；省略时写到标准输出")
    p.set_defaults(func=cmd_uploads)


def cmd_uploads(args, con) -> None:
    write_csv(args.out, uploads.listing(con))


def _register_rollback(sub, common) -> None:
    p = sub.add_parser(
        "rollback", parents=[common], help="撤销一次上报：其数值不再计入，之前的数值重新生效（撤销本身也记录在案）"
    )
    p.add_argument("upload_id", type=int, help="上报批次号（见 uploads 命令的 upload_id 列）")
    p.add_argument("--user", default="cli", help="操作人（记入上报记录和审计日志）")
    p.set_defaults(func=cmd_rollback)


def cmd_rollback(args, con) -> str:
    return uploads.rollback(con, args.upload_id, args.user)[1]


def _register_export(sub, common) -> None:
    p = sub.add_parser("export", parents=[common], help="导出当前数值（CSV）")
    p.add_argument("--month", type=month_argument, help="只导出截至该月的一行一指标")
    p.add_argument("--out", help="输出文件；省略时写到标准输出")
    p.set_defaults(func=cmd_export)


def cmd_export(args, con) -> None:
    write_csv(args.out, exports.metric_values(con, args.month))


def _register_findings(sub, common) -> None:
    p = sub.add_parser("findings", parents=[common], help="导出整改问题清单及状态（CSV）")
    p.add_argument("--month", type=month_argument, help="状态截至月份（默认本月）")
    p.add_argument("--out", help="输出文件；省略时写到标准输出")
    p.set_defaults(func=cmd_findings)


def cmd_findings(args, con) -> None:
    write_csv(args.out, exports.findings_table(con, args.month or current_month()))
