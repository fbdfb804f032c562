"""backup and restore: the whole store as one file, and back."""

from __future__ import annotations

import sys
from pathlib import Path

from rectification.cli.shared import CliError
from rectification.core import backup


def register(sub, common) -> None:
    _register_backup(sub, common)
    _register_restore(sub, common)


def _register_backup(sub, common) -> None:
    p = sub.add_parser("backup", parents=[common], help="备份整个数据库为一个文件（看板运行时也可执行，如每晚定时）")
    p.add_argument("--out", help="备份文件路径（默认 数据库目录/backups/rectification-时间.duckdb）")
    p.add_argument(
        "--keep",
        type=int,
        metavar="N",
        help="备份后只保留该目录中最新的 N 份定时备份（rectification-时间.duckdb），删除更旧的",
    )
    p.set_defaults(func=cmd_backup)


def cmd_backup(args, con) -> str:
    if args.keep is not None and args.keep < 1:
        raise CliError("--keep 至少为 1。")
    out = backup.create_backup(con, Path(args.out) if args.out else None, actor="cli")
    message = f"已备份到 {out}"
    if args.keep is not None:
        removed = backup.prune_backups(out.parent, args.keep)
        message += f"\n保留最新 {args.keep} 份备份" + (f"，已删除较旧的 {len(removed)} 份" if removed else "")
    return message


def _register_restore(sub, common) -> None:
    p = sub.add_parser("restore", parents=[common], help="用备份文件替换当前数据（先自动备份当前数据）")
    p.add_argument("file", help="由 backup 生成的 .duckdb 文件")
    p.set_defaults(func=cmd_restore)


def cmd_restore(args, con) -> str:
    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"找不到文件：{path}")
    info, safety = backup.restore_backup(con, path, actor="cli")
    return (
        f"已从 {path} 恢复：整改问题 {info.findings} 项，上报记录 {info.uploads} 次，用户 {info.users} 个，"
        f"佐证材料 {info.evidence} 个。\n"
        f"恢复前的数据已备份到 {safety}"
    )


def restore_damaged(args, path: Path) -> int:
    """restore onto a store that cannot be opened (so cmd_restore never gets a connection): the damaged
    file is renamed and kept."""
    source = Path(args.file)
    if not source.is_file():
        print(f"找不到文件：{source}", file=sys.stderr)
        return 1
    try:
        info, kept = backup.restore_over_damaged(path, source, actor="cli")
    except backup.BackupError as error:
        print(str(error), file=sys.stderr)
        return 1
    print(
        f"已从 {source} 恢复：整改问题 {info.findings} 项，上报记录 {info.uploads} 次，用户 {info.users} 个。\n"
        f"损坏的数据库文件已改名保留为 {kept}"
    )
    return 0
