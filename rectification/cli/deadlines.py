"""deadline set / extend / approve / refuse: a finding's 整改期限 and requests to move it."""

from __future__ import annotations

from rectification.cli.evidence_arguments import add_evidence_arguments, evidence_files
from rectification.cli.shared import date_argument
from rectification.workflow import deadlines


def register(sub, common) -> None:
    p = sub.add_parser("deadline", parents=[common], help="整改期限：set / extend / approve / refuse")
    actions = p.add_subparsers(dest="deadline_command", required=True, metavar="ACTION")
    _register_set(actions, common)
    _register_extend(actions, common)
    _register_approve(actions, common)
    _register_refuse(actions, common)


def _register_set(actions, common) -> None:
    c = actions.add_parser("set", parents=[common], help="设定整改期限（审核人员或管理员）")
    c.add_argument("finding")
    c.add_argument("date", type=date_argument, help="YYYY-MM-DD")
    c.add_argument("--leader", help="责任领导")
    c.add_argument("--user", required=True, help="操作人用户名")
    c.set_defaults(func=cmd_deadline_set)


def cmd_deadline_set(args, con) -> str:
    deadlines.set_deadline(con, args.finding, args.date, user=args.user, leader=args.leader)
    return f"{args.finding} 整改期限设为 {args.date}" + (f"，责任领导：{args.leader}" if args.leader else "")


def _register_extend(actions, common) -> None:
    c = actions.add_parser(
        "extend", parents=[common], help="申请延期（牵头部门填报人员或管理员，须写明理由，可附佐证材料）"
    )
    c.add_argument("finding")
    c.add_argument("date", type=date_argument, help="申请延至 YYYY-MM-DD")
    c.add_argument("--reason", required=True, help="延期理由")
    add_evidence_arguments(c)
    c.add_argument("--user", required=True, help="申请人用户名")
    c.set_defaults(func=cmd_deadline_extend)


def cmd_deadline_extend(args, con) -> str:
    files = evidence_files(args)
    deadlines.request_extension(con, args.finding, args.date, reason=args.reason, user=args.user, files=files)
    attached = f"（佐证材料 {len(files)} 个）" if files else ""
    return f"{args.finding} 已申请延期至 {args.date}{attached}，待审核人员审批。"


def _register_approve(actions, common) -> None:
    c = actions.add_parser("approve", parents=[common], help="批准延期申请（审核人员或管理员，不能批自己的申请）")
    c.add_argument("finding")
    c.add_argument("--user", required=True, help="审批人用户名")
    c.set_defaults(func=cmd_deadline_approve)


def cmd_deadline_approve(args, con) -> str:
    new = deadlines.approve_extension(con, args.finding, user=args.user)
    return f"{args.finding} 延期已批准：整改期限为 {new}（原定期限保留在记录中）。"


def _register_refuse(actions, common) -> None:
    c = actions.add_parser("refuse", parents=[common], help="驳回延期申请（须写明理由）")
    c.add_argument("finding")
    c.add_argument("--reason", required=True, help="驳回理由")
    c.add_argument("--user", required=True, help="审批人用户名")
    c.set_defaults(func=cmd_deadline_refuse)


def cmd_deadline_refuse(args, con) -> str:
    deadlines.refuse_extension(con, args.finding, user=args.user, reason=args.reason)
    return f"{args.finding} 延期申请已驳回，期限不变。"
