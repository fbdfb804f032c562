"""users add / list / disable / enable / passwd / status: the accounts that sign in to the dashboard."""

from __future__ import annotations

import getpass
import sys

from rectification.cli.shared import CliError, write_csv
from rectification.core import programme
from rectification.workflow import auth


def register(sub, common) -> None:
    p = sub.add_parser("users", parents=[common], help="用户账号：add / list / disable / enable / passwd / status")
    actions = p.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    _register_add(actions, common)
    _register_list(actions, common)
    _register_disable(actions, common)
    _register_enable(actions, common)
    _register_passwd(actions, common)
    _register_status(actions, common)


def _read_password(args) -> str:
    """From one line of standard input (--password-stdin), else typed twice without echo."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("密码：")
    if getpass.getpass("再次输入密码：") != first:
        raise CliError("两次输入的密码不一致，未作修改。")
    return first


def _register_add(actions, common) -> None:
    u = actions.add_parser("add", parents=[common], help="新建用户（密码按提示输入，不能写在命令行上）")
    u.add_argument("name", help="用户名（登录用）")
    u.add_argument(
        "--role",
        required=True,
        choices=auth.ROLES,
        help="viewer 查看 / editor 填报 / reviewer 审核（整改办：销号、延期审批、回头看）/ admin 管理"
        " / office 市局整改办（只读查看所有单位）",
    )
    u.add_argument(
        "--unit",
        help="所属单位（与某项整改事项的单位全称或简称一致，见 programme list）：只能查看本单位的整改事项；不填则可查看所有单位",
    )
    u.add_argument("--display-name", help="显示名（如姓名）")
    u.add_argument("--department", help="所在部门")
    u.add_argument("--password-stdin", action="store_true", help="从标准输入读取一行作为密码（脚本用）")
    u.add_argument("--must-change", action="store_true", help="首次登录须修改密码")
    u.set_defaults(func=cmd_users_add)


def cmd_users_add(args, con) -> str:
    user = auth.create_user(
        con,
        args.name,
        args.role,
        _read_password(args),
        display_name=args.display_name,
        department=args.department,
        actor="cli",
        must_change_password=args.must_change,
        unit=_known_unit(con, args.unit),
    )
    where = f"，单位：{user.unit}" if user.unit else ""
    return f"已创建用户 {user.username}（{user.role_label}{where}）"


def _known_unit(con, unit: str | None) -> str | None:
    """The unit as typed, when some rectification in the store is that unit's (name or short name)."""
    unit = (unit or "").strip() or None
    if unit is None:
        return None
    units = {name for p in programme.listed(con) for name in (p.unit, p.unit_short)}
    if unit not in units:
        known = "、".join(sorted({p.unit_short for p in programme.listed(con)})) or "（还没有整改事项）"
        raise CliError(f"数据库中没有单位「{unit}」的整改事项。已有单位：{known}")
    return unit


def _register_list(actions, common) -> None:
    u = actions.add_parser("list", parents=[common], help="列出用户（CSV，不含密码）")
    u.set_defaults(func=cmd_users_list)


def cmd_users_list(args, con) -> None:
    # No password hash column: list_users never selects it.
    frame = auth.list_users(con)
    frame["role"] = frame["role"].map(auth.ROLE_LABELS)
    write_csv(None, frame)


def _register_disable(actions, common) -> None:
    u = actions.add_parser("disable", parents=[common], help="停用用户并结束其会话")
    u.add_argument("name")
    u.set_defaults(func=cmd_users_disable)


def cmd_users_disable(args, con) -> str:
    auth.disable_user(con, args.name, actor="cli")
    return f"已停用用户 {args.name}，其登录会话已结束"


def _register_enable(actions, common) -> None:
    u = actions.add_parser("enable", parents=[common], help="重新启用已停用的用户")
    u.add_argument("name")
    u.set_defaults(func=cmd_users_enable)


def cmd_users_enable(args, con) -> str:
    auth.enable_user(con, args.name, actor="cli")
    return f"已启用用户 {args.name}"


def _register_passwd(actions, common) -> None:
    u = actions.add_parser("passwd", parents=[common], help="设置用户的新密码（同时解除锁定）")
    u.add_argument("name")
    u.add_argument("--password-stdin", action="store_true", help="从标准输入读取一行作为密码（脚本用）")
    u.add_argument("--must-change", action="store_true", help="下次登录须修改密码")
    u.set_defaults(func=cmd_users_passwd)


def cmd_users_passwd(args, con) -> str:
    if auth.get_user(con, args.name) is None:
        raise CliError(f"没有这个用户：{args.name}")
    auth.set_password(con, args.name, _read_password(args), actor="cli", must_change=args.must_change)
    return f"已为 {args.name} 设置新密码" + ("（下次登录须修改）" if args.must_change else "")


def _register_status(actions, common) -> None:
    u = actions.add_parser("status", parents=[common], help="是否已有管理员；没有时说明如何创建")
    u.set_defaults(func=cmd_users_status)


def cmd_users_status(args, con) -> str:
    users = auth.list_users(con)
    admins = auth.active_admin_count(con)
    if admins == 0:
        return (
            "尚无可用的管理员账号：任何人都可以浏览，但无法上报数据或管理系统。\n"
            "请在项目目录运行以下命令创建第一个管理员（按提示输入两次密码，至少 8 个字符）：\n"
            "  .venv/bin/python -m rectification users add admin --role admin --display-name 管理员"
        )
    return f"用户 {len(users)} 个，其中可用管理员 {admins} 个。"
