"""closure submit / approve / return / recheck / list / evidence / withdraw: 销号 and its evidence."""

from __future__ import annotations

from pathlib import Path

from rectification.cli.evidence_arguments import add_evidence_arguments, evidence_files
from rectification.cli.shared import write_csv
from rectification.core import config
from rectification.workflow import closure, evidence


def register(sub, common) -> None:
    p = sub.add_parser(
        "closure", parents=[common], help="销号：submit / approve / return / recheck / list / evidence / withdraw"
    )
    actions = p.add_subparsers(dest="closure_command", required=True, metavar="ACTION")
    _register_submit(actions, common)
    _register_approve(actions, common)
    _register_return(actions, common)
    _register_recheck(actions, common)
    _register_list(actions, common)
    _register_evidence(actions, common)
    _register_withdraw(actions, common)


def _register_submit(actions, common) -> None:
    c = actions.add_parser(
        "submit", parents=[common], help="申请销号：整改情况说明 + 佐证材料（牵头部门填报人员或管理员）"
    )
    c.add_argument("finding", help="问题编号，如 F05")
    c.add_argument("--note", required=True, help="整改情况说明")
    add_evidence_arguments(c)
    c.add_argument("--user", required=True, help="申请人用户名")
    c.set_defaults(func=cmd_closure_submit)


def cmd_closure_submit(args, con) -> str:
    files = evidence_files(args)
    closure.submit(con, args.finding, note=args.note, files=files, user=args.user)
    return f"{args.finding} 已申请销号（佐证材料 {len(files)} 个），待审核。"


def _register_approve(actions, common) -> None:
    c = actions.add_parser("approve", parents=[common], help="审核通过，销号（审核人员或管理员，不能审核自己的申请）")
    c.add_argument("finding")
    c.add_argument("--user", required=True, help="审核人用户名")
    c.add_argument("--recheck", help=f"回头看月份 YYYY-MM（默认 {config.recheck_months()} 个月后）")
    c.set_defaults(func=cmd_closure_approve)


def cmd_closure_approve(args, con) -> str:
    month = closure.approve(con, args.finding, user=args.user, recheck=args.recheck)
    return f"{args.finding} 已销号；回头看：{month:%Y-%m}"


def _register_return(actions, common) -> None:
    c = actions.add_parser("return", parents=[common], help="退回销号申请（须写明理由）")
    c.add_argument("finding")
    c.add_argument("--reason", required=True, help="退回理由")
    c.add_argument("--user", required=True, help="审核人用户名")
    c.set_defaults(func=cmd_closure_return)


def cmd_closure_return(args, con) -> str:
    closure.return_submission(con, args.finding, reason=args.reason, user=args.user)
    return f"{args.finding} 已退回，状态恢复为推进中。"


def _register_recheck(actions, common) -> None:
    c = actions.add_parser("recheck", parents=[common], help="回头看：held 巩固 / relapsed 反弹（重新列为推进中）")
    c.add_argument("finding")
    c.add_argument("--result", required=True, choices=list(closure.RESULTS), help="held 巩固 / relapsed 反弹")
    c.add_argument("--reason", help="说明（反弹时必填）")
    c.add_argument("--user", required=True, help="审核人用户名")
    c.set_defaults(func=cmd_closure_recheck)


def cmd_closure_recheck(args, con) -> str:
    closure.recheck(con, args.finding, result=args.result, reason=args.reason or "", user=args.user)
    if args.result == "held":
        return f"{args.finding} 回头看：巩固，保持已销号。"
    return f"{args.finding} 回头看：反弹，已重新列为推进中。"


def _register_list(actions, common) -> None:
    c = actions.add_parser("list", parents=[common], help="按销号状态列出问题（CSV）")
    c.add_argument(
        "--state",
        choices=list(closure.LIST_STATES),
        help="、".join(f"{k} {v}" for k, v in closure.LIST_STATES.items()) + "；省略时列出全部",
    )
    c.add_argument("--out", help="输出文件；省略时写到标准输出")
    c.set_defaults(func=cmd_closure_list)


def cmd_closure_list(args, con) -> None:
    write_csv(args.out, closure.listing(con, args.state))


def _register_evidence(actions, common) -> None:
    c = actions.add_parser("evidence", parents=[common], help="把某问题的佐证材料（原件）写到目录，附 清单.csv")
    c.add_argument("finding")
    c.add_argument("--out", required=True, help="输出目录")
    c.set_defaults(func=cmd_closure_evidence)


def cmd_closure_evidence(args, con) -> str:
    closure.finding_info(con, args.finding)
    written = evidence.write_files(con, args.finding, Path(args.out))
    return f"已写出 {args.finding} 的佐证材料 {len(written)} 个到 {args.out}（对照表：清单.csv）"


def _register_withdraw(actions, common) -> None:
    c = actions.add_parser("withdraw", parents=[common], help="撤回一个佐证材料（不再显示，文件保留）")
    c.add_argument("evidence_id", type=int, help="佐证材料编号")
    c.add_argument("--reason", help="撤回原因")
    c.add_argument("--user", required=True, help="操作人用户名（上传人或管理员）")
    c.set_defaults(func=cmd_closure_withdraw)


def cmd_closure_withdraw(args, con) -> str:
    closure.withdraw_evidence(con, args.evidence_id, user=args.user, reason=args.reason or "")
    return f"佐证材料 #{args.evidence_id} 已撤回（文件保留，不再显示）。"
