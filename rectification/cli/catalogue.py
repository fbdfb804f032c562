"""catalogue export / add-metric / edit / retire / reinstate: the admin's edits to the metric catalogue."""

from __future__ import annotations

from pathlib import Path

from rectification.catalogue import admin as catalogue_admin
from rectification.cli.shared import month_argument


def register(sub, common) -> None:
    p = sub.add_parser(
        "catalogue", parents=[common], help="指标目录：export / add-metric / edit / retire / reinstate（管理员）"
    )
    actions = p.add_subparsers(dest="catalogue_command", required=True, metavar="ACTION")
    _register_export(actions, common)
    _register_add(actions, common)
    _register_edit(actions, common)
    _register_retire(actions, common)
    _register_reinstate(actions, common)


def _register_export(actions, common) -> None:
    c = actions.add_parser(
        "export", parents=[common], help="按 data/catalogue 的格式导出当前目录（CSV），供与 git 中的版本对照"
    )
    c.add_argument("--out-dir", default="catalogue_export", help="输出目录（默认 ./catalogue_export）")
    c.set_defaults(func=cmd_catalogue_export)


def cmd_catalogue_export(args, con) -> str:
    written = catalogue_admin.write_export(con, Path(args.out_dir))
    return f"已导出目录 {len(written)} 个文件到 {args.out_dir}（可用 diff -r data/catalogue {args.out_dir} 对照）"


def _register_add(actions, common) -> None:
    c = actions.add_parser("add-metric", parents=[common], help="在某个整改问题下新增指标（编码自动生成，如 F05_X01）")
    c.add_argument("--finding", required=True, help="问题编号，如 F05、L1；不属于具体问题的填 ORG")
    c.add_argument("--name", required=True, help="指标名称（全目录唯一）")
    c.add_argument("--unit", required=True, help="单位，如 次、处、%%")
    c.add_argument(
        "--kind",
        required=True,
        choices=list(catalogue_admin.KIND_LABELS),
        help="count 数量类（每月新增）/ level 状态类（月末数）",
    )
    c.add_argument("--group", required=True, help="成效类别编码，如 HELMET、PATROL")
    c.add_argument("--definition", help="口径：一个单位是什么、算什么不算什么、归属哪个月")
    c.add_argument(
        "--from",
        dest="active_from",
        help="自哪个月起要求上报（YYYY-MM，默认本月）；此前各月不算“本月无数据”",
    )
    c.add_argument("--user", default="cli", help="操作人（记入审计日志）")
    c.set_defaults(func=cmd_catalogue_add)


def cmd_catalogue_add(args, con) -> str:
    code = catalogue_admin.add_metric(
        con,
        finding_code=args.finding,
        name=args.name,
        unit=args.unit,
        kind=args.kind,
        group_code=args.group,
        actor=args.user,
        definition=args.definition,
        active_from=args.active_from,
    )
    return f"已新增指标 {code}"


def _register_edit(actions, common) -> None:
    c = actions.add_parser("edit", parents=[common], help="修改指标的名称、单位、成效类别或类型（类型仅限尚无数值时）")
    c.add_argument("code", help="指标编码")
    c.add_argument("--name", help="新名称")
    c.add_argument("--unit", help="新单位")
    c.add_argument("--group", help="新成效类别编码")
    c.add_argument("--kind", choices=list(catalogue_admin.KIND_LABELS), help="新类型")
    c.add_argument("--definition", help="新口径")
    c.add_argument("--user", default="cli", help="操作人（记入审计日志）")
    c.set_defaults(func=cmd_catalogue_edit)


def cmd_catalogue_edit(args, con) -> str:
    changed = catalogue_admin.update_metric(
        con,
        args.code,
        name=args.name,
        unit=args.unit,
        group_code=args.group,
        kind=args.kind,
        definition=args.definition,
        actor=args.user,
    )
    return f"已修改指标 {args.code}" if changed else "没有改动。"


def _register_retire(actions, common) -> None:
    c = actions.add_parser("retire", parents=[common], help="自某月起停用指标：不再列入上报模板，历史数值保留")
    c.add_argument("code", help="指标编码")
    c.add_argument("--from", dest="from_month", required=True, type=month_argument, help="停用起始月份 YYYY-MM")
    c.add_argument("--user", default="cli", help="操作人（记入审计日志）")
    c.set_defaults(func=cmd_catalogue_retire)


def cmd_catalogue_retire(args, con) -> str:
    catalogue_admin.retire_metric(con, args.code, args.from_month, actor=args.user)
    return f"指标 {args.code} 自 {args.from_month} 起停用（历史数值保留）"


def _register_reinstate(actions, common) -> None:
    c = actions.add_parser("reinstate", parents=[common], help="恢复已停用的指标")
    c.add_argument("code", help="指标编码")
    c.add_argument("--user", default="cli", help="操作人（记入审计日志）")
    c.set_defaults(func=cmd_catalogue_reinstate)


def cmd_catalogue_reinstate(args, con) -> str:
    catalogue_admin.reinstate_metric(con, args.code, actor=args.user)
    return f"指标 {args.code} 已恢复上报"
