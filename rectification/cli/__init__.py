"""The command line: `python -m rectification COMMAND …`. Thin: each command calls the core.

Each command group's module (data, users, closure, …) adds its subparsers beside their handlers; this
module opens the store, runs the handler, and turns the failures a user can act on into messages."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

from rectification import ingest
from rectification.catalogue import admin as catalogue_admin
from rectification.cli import (
    backups,
    catalogue,
    closure,
    data,
    deadlines,
    machine,
    outputs,
    programme,
    store_setup,
    users,
)
from rectification.cli.shared import CliError
from rectification.core import backup, store
from rectification.core.config import db_path
from rectification.core.store import StoreBusy, StoreDamaged, StoreTooNew, connect
from rectification.workflow import auth, evidence, uploads
from rectification.workflow import closure as closure_workflow
from rectification.workflow import deadlines as deadline_workflow

__all__ = ["CliError", "build_parser", "busy_message", "main"]

# How long a command waits for the store while another process (the dashboard, between two clicks,
# or another command) holds it; --wait changes it.
WAIT_SECONDS = 30.0


def busy_message(command: str, holder: str, waited: float) -> str:
    """Said when the store stayed held for the whole wait: which command did not run, and what to do."""
    return (
        f"「{command}」没有执行：数据库文件被另一个进程{holder}占用，已等待 {waited:g} 秒仍未释放。"
        "看板只在读写的片刻占用它；一直占用多半是另一个命令（如导入、备份、恢复）仍在运行。"
        f"请等它结束后重新运行「{command}」，或加 --wait 秒数 等得更久。"
    )


def waiting_message(holder: str, wait: float) -> str:
    return f"数据库文件正被另一个进程{holder}占用，等待其释放（最多 {wait:g} 秒）…"


def write_failed_message(command: str, error: BaseException) -> str:
    return (
        f"「{command}」失败：写入时出错（磁盘已满，或数据目录不可写）。数据库保持原样，本次没有写入任何内容。"
        f"请检查磁盘空间和目录权限后重新运行。详细信息：{error}"
    )


def damaged_message(path: Path) -> str:
    latest = backup.latest_backup(path)
    how = (
        f"最新的备份是 {latest}，可运行：python -m rectification restore {latest} --db {path}"
        if latest
        else f"{path.parent / 'backups'} 中没有备份：请取回最近的备份文件，运行 python -m rectification restore 备份文件"
    )
    return f"数据库文件 {path} 已损坏，无法读取。{how}（损坏的文件会改名保留）。"


def too_new_message(path: Path, error: StoreTooNew) -> str:
    return (
        f"数据库文件 {path} 由更新版本的系统写入（数据库版本 {error.version}，本程序只支持到 {error.newest}），"
        "拒绝打开以免损坏数据。请把程序升级到与该数据库相同或更新的版本。"
    )


# In the order the top-level help lists them.
COMMAND_GROUPS = (store_setup, data, users, backups, outputs, catalogue, programme, closure, deadlines, machine)


def build_parser() -> argparse.ArgumentParser:
    # --db is accepted both before and after the subcommand's own arguments.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db", default=argparse.SUPPRESS, help="数据库文件路径（默认 $RECTIFICATION_DB 或 data/rectification.duckdb）"
    )
    common.add_argument(
        "--programme",
        default=argparse.SUPPRESS,
        metavar="CODE",
        help="整改事项编号（默认：数据库的默认整改事项，见 programme list / programme default）",
    )
    common.add_argument(
        "--wait",
        type=float,
        default=argparse.SUPPRESS,
        metavar="秒",
        help=f"数据库被看板或另一命令占用时最多等待的秒数（默认 {WAIT_SECONDS:g}）",
    )
    parser = argparse.ArgumentParser(
        prog="python -m rectification", description="整改进展看板 命令行工具", parents=[common]
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    for group in COMMAND_GROUPS:
        group.register(sub, common)
    return parser


def command_name(args) -> str:
    """The command as typed, without its arguments: `python -m rectification users add`."""
    action = getattr(args, f"{args.command}_command", None)
    return " ".join(filter(None, ["python -m rectification", args.command, action]))


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "run", None):  # warm and doctor never open the store
        return args.run(args)
    path = db_path(getattr(args, "db", None))
    wait = getattr(args, "wait", WAIT_SECONDS)
    command = command_name(args)

    def on_wait(busy: StoreBusy) -> None:
        print(waiting_message(busy.holder, wait), file=sys.stderr, flush=True)

    try:
        con = connect(path, wait=wait, on_wait=on_wait, programme=getattr(args, "programme", None))
    except store.UnknownProgramme as unknown:
        print(str(unknown), file=sys.stderr)
        return 1
    except StoreBusy as busy:
        print(busy_message(command, busy.holder, wait), file=sys.stderr)
        return 1
    except StoreDamaged:
        if args.command == "restore":
            return backups.restore_damaged(args, path)
        print(damaged_message(path), file=sys.stderr)
        return 1
    except StoreTooNew as error:
        print(too_new_message(path, error), file=sys.stderr)
        return 1
    except (duckdb.Error, OSError) as error:
        if not store.is_write_failure(error):
            raise
        print(write_failed_message(command, error), file=sys.stderr)
        return 1
    try:
        message = args.func(args, con)
    except ingest.Refused as refused:
        print(refused.headline, file=sys.stderr)
        for problem in refused.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    except (
        CliError,
        store.UnknownProgramme,
        auth.AuthError,
        backup.BackupError,
        uploads.RollbackRefused,
        catalogue_admin.CatalogueError,
        closure_workflow.ClosureError,
        deadline_workflow.DeadlineError,
        evidence.EvidenceError,
    ) as error:
        print(str(error), file=sys.stderr)
        return 1
    except (duckdb.Error, OSError) as error:
        if not store.is_write_failure(error):
            raise
        print(write_failed_message(command, error), file=sys.stderr)
        return 1
    finally:
        try:
            con.close()
        except duckdb.Error:
            pass  # a failed write may have closed it already; the message above says what happened
    if message:
        print(message)
    return 0
