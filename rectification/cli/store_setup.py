"""init and upgrade: creating the store and bringing its catalogue up to this version."""

from __future__ import annotations

from rectification.cli import bootstrap
from rectification.cli.shared import CliError


def register(sub, common) -> None:
    p = sub.add_parser("init", parents=[common], help="建立数据库：目录、期初数据（默认含示例数据）")
    p.add_argument("--no-sample", action="store_true", help="不载入示例数据（正式部署用）")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser(
        "upgrade", parents=[common], help="把数据库的通报目录更新到本版本（新指标、口径更正；不改动已录入的数据）"
    )
    p.set_defaults(func=cmd_upgrade)


def cmd_init(args, con) -> str:
    return bootstrap.initialise(con, sample=not args.no_sample)


def cmd_upgrade(args, con) -> str:
    if not bootstrap.is_initialised(con):
        raise CliError("数据库尚未初始化，请先运行 init。")
    detail = bootstrap.upgrade(con)
    return detail or "通报目录已是最新版本，未作任何更改。"
