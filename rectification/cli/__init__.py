"""The command line: `python -m rectification COMMAND …`. Thin: each command calls the core."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import sys
from pathlib import Path

import duckdb

from rectification import ingest
from rectification.catalogue import admin as catalogue_admin
from rectification.cli import bootstrap, doctor, warm
from rectification.core import backup, config, store
from rectification.core.config import db_path
from rectification.core.months import current_month
from rectification.core.store import StoreBusy, StoreDamaged, StoreTooNew, connect
from rectification.outputs import exports
from rectification.workflow import auth, closure, deadlines, evidence, uploads

# How long a command waits for the store while another process (the dashboard, between two clicks,
# or another command) holds it; --wait changes it.
WAIT_SECONDS = 30.0
NOTICE_SECONDS = 3.0


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


def cmd_upgrade(args, con) -> str:
    if not bootstrap.is_initialised(con):
        raise CliError("数据库尚未初始化，请先运行 init。")
    detail = bootstrap.upgrade(con)
    return detail or "通报目录已是最新版本，未作任何更改。"


def cmd_template(args, con) -> str | None:
    name = args.out or f"{args.month}.csv"
    departments = exports.lead_departments(con)
    if args.department and args.department not in departments:
        raise CliError(f"没有牵头部门「{args.department}」。可选：{'、'.join(departments)}")
    _write(args.out, exports.form_bytes(con, args.month, name, department=args.department))
    return f"已生成 {args.out}" if args.out else None


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


def cmd_uploads(args, con) -> None:
    frame = uploads.listing(con)
    _write(args.out, exports.to_csv_bytes(frame, bom=bool(args.out)))


def cmd_rollback(args, con) -> str:
    return uploads.rollback(con, args.upload_id, args.user)[1]


def cmd_export(args, con) -> None:
    frame = exports.metric_values(con, args.month)
    _write(args.out, exports.to_csv_bytes(frame, bom=bool(args.out)))


def cmd_findings(args, con) -> None:
    frame = exports.findings_table(con, args.month or current_month())
    _write(args.out, exports.to_csv_bytes(frame, bom=bool(args.out)))


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD：{text}") from exc


class _Evidence(argparse.Action):
    """--evidence FILE appends a file; --caption TEXT captions the file named just before it."""

    def __call__(self, parser, namespace, values, option_string=None):
        files = getattr(namespace, "evidence", None) or []
        if option_string == "--caption":
            if not files:
                raise argparse.ArgumentError(self, "--caption 须跟在 --evidence FILE 之后")
            files[-1] = (files[-1][0], values)
        else:
            files.append((values, ""))
        namespace.evidence = files


def _add_evidence_arguments(parser: argparse.ArgumentParser) -> None:
    """--evidence FILE [--caption TEXT], repeatable: closure submit and deadline extend alike."""
    parser.add_argument(
        "--evidence", action=_Evidence, metavar="FILE", help="佐证材料（照片 JPG/PNG、PDF、Word/Excel/WPS），可多次"
    )
    parser.add_argument("--caption", action=_Evidence, metavar="TEXT", help="前一个 --evidence 文件的说明")
    parser.set_defaults(evidence=[])


def _evidence_files(args) -> list[evidence.Upload]:
    """The --evidence files read, each with its --caption; a missing or oversized file is refused first."""
    files = []
    limit = config.evidence_max_bytes()
    for name, caption in args.evidence or []:
        path = Path(name)
        if not path.is_file():
            raise CliError(f"找不到文件：{path}")
        if path.stat().st_size > limit:  # before reading a huge file into memory
            raise CliError(f"文件「{path.name}」超过大小上限 {limit / 1024 / 1024:g} MB。")
        files.append(evidence.Upload(path.name, path.read_bytes(), caption))
    return files


def cmd_closure_submit(args, con) -> str:
    files = _evidence_files(args)
    closure.submit(con, args.finding, note=args.note, files=files, user=args.user)
    return f"{args.finding} 已申请销号（佐证材料 {len(files)} 个），待审核。"


def cmd_closure_approve(args, con) -> str:
    month = closure.approve(con, args.finding, user=args.user, recheck=args.recheck)
    return f"{args.finding} 已销号；回头看：{month:%Y-%m}"


def cmd_closure_return(args, con) -> str:
    closure.return_submission(con, args.finding, reason=args.reason, user=args.user)
    return f"{args.finding} 已退回，状态恢复为推进中。"


def cmd_closure_recheck(args, con) -> str:
    closure.recheck(con, args.finding, result=args.result, reason=args.reason or "", user=args.user)
    if args.result == "held":
        return f"{args.finding} 回头看：巩固，保持已销号。"
    return f"{args.finding} 回头看：反弹，已重新列为推进中。"


def cmd_closure_list(args, con) -> None:
    frame = closure.listing(con, args.state)
    _write(args.out, exports.to_csv_bytes(frame, bom=bool(args.out)))


def cmd_closure_evidence(args, con) -> str:
    closure.finding_info(con, args.finding)
    written = evidence.write_files(con, args.finding, Path(args.out))
    return f"已写出 {args.finding} 的佐证材料 {len(written)} 个到 {args.out}（对照表：清单.csv）"


def cmd_closure_withdraw(args, con) -> str:
    closure.withdraw_evidence(con, args.evidence_id, user=args.user, reason=args.reason or "")
    return f"佐证材料 #{args.evidence_id} 已撤回（文件保留，不再显示）。"


def cmd_deadline_set(args, con) -> str:
    deadlines.set_deadline(con, args.finding, args.date, user=args.user, leader=args.leader)
    return f"{args.finding} 整改期限设为 {args.date}" + (f"，责任领导：{args.leader}" if args.leader else "")


def cmd_deadline_extend(args, con) -> str:
    files = _evidence_files(args)
    deadlines.request_extension(con, args.finding, args.date, reason=args.reason, user=args.user, files=files)
    attached = f"（佐证材料 {len(files)} 个）" if files else ""
    return f"{args.finding} 已申请延期至 {args.date}{attached}，待审核人员审批。"


def cmd_deadline_approve(args, con) -> str:
    new = deadlines.approve_extension(con, args.finding, user=args.user)
    return f"{args.finding} 延期已批准：整改期限为 {new}（原定期限保留在记录中）。"


def cmd_deadline_refuse(args, con) -> str:
    deadlines.refuse_extension(con, args.finding, user=args.user, reason=args.reason)
    return f"{args.finding} 延期申请已驳回，期限不变。"


def _read_password(args) -> str:
    """From one line of standard input (--password-stdin), else typed twice without echo."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("密码：")
    if getpass.getpass("再次输入密码：") != first:
        raise CliError("两次输入的密码不一致，未作修改。")
    return first


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
    )
    return f"已创建用户 {user.username}（{user.role_label}）"


def cmd_users_list(args, con) -> None:
    # No password hash column: list_users never selects it.
    frame = auth.list_users(con)
    frame["role"] = frame["role"].map(auth.ROLE_LABELS)
    _write(None, exports.to_csv_bytes(frame, bom=False))


def cmd_users_disable(args, con) -> str:
    auth.disable_user(con, args.name, actor="cli")
    return f"已停用用户 {args.name}，其登录会话已结束"


def cmd_users_enable(args, con) -> str:
    auth.enable_user(con, args.name, actor="cli")
    return f"已启用用户 {args.name}"


def cmd_users_passwd(args, con) -> str:
    if auth.get_user(con, args.name) is None:
        raise CliError(f"没有这个用户：{args.name}")
    auth.set_password(con, args.name, _read_password(args), actor="cli", must_change=args.must_change)
    return f"已为 {args.name} 设置新密码" + ("（下次登录须修改）" if args.must_change else "")


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


def cmd_backup(args, con) -> str:
    if args.keep is not None and args.keep < 1:
        raise CliError("--keep 至少为 1。")
    out = backup.create_backup(con, Path(args.out) if args.out else None, actor="cli")
    message = f"已备份到 {out}"
    if args.keep is not None:
        removed = backup.prune_backups(out.parent, args.keep)
        message += f"\n保留最新 {args.keep} 份备份" + (f"，已删除较旧的 {len(removed)} 份" if removed else "")
    return message


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


def cmd_catalogue_export(args, con) -> str:
    written = catalogue_admin.write_export(con, Path(args.out_dir))
    return f"已导出目录 {len(written)} 个文件到 {args.out_dir}（可用 diff -r data/catalogue {args.out_dir} 对照）"


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


def cmd_catalogue_retire(args, con) -> str:
    catalogue_admin.retire_metric(con, args.code, args.from_month, actor=args.user)
    return f"指标 {args.code} 自 {args.from_month} 起停用（历史数值保留）"


def cmd_catalogue_reinstate(args, con) -> str:
    catalogue_admin.reinstate_metric(con, args.code, actor=args.user)
    return f"指标 {args.code} 已恢复上报"


CHARTS = {
    "headline": "重点成效",
    "completion": "整改完成进度",
    "heatmap": "各问题逐月整改状态",
    "attention": "需要关注",
}


def _briefing_view(args, con):
    # Imported here: plotly and kaleido cost a second, which the other commands need not pay.
    from rectification.outputs import briefing

    data = briefing.load(con)
    if args.month and args.month not in data.months:
        raise CliError(f"库中没有 {args.month} 的数据（数据范围 {data.months[0]} 至 {data.latest}）。")
    return briefing, data, briefing.briefing_filters(data, args.month)


def cmd_briefing(args, con) -> str:
    briefing, data, filters = _briefing_view(args, con)
    if not args.out.lower().endswith(".pptx"):
        raise CliError("--out 须为 .pptx 文件；单张图片请用 chart 命令。")
    numbers = args.findings.replace("，", ",").split(",") if args.findings is not None else None
    try:
        deck = briefing.build_pack(
            con,
            filters.as_of,
            numbers=numbers,
            department=args.department,
            attention_only=args.attention_only,
            cache_dir=briefing.cache_dir_for(db_path(getattr(args, "db", None))),
            data=data,
        )
    except briefing.BriefingError as error:
        raise CliError(str(error)) from error
    Path(args.out).write_bytes(deck)
    return f"已生成简报 {args.out}（数据截至 {filters.as_of}）"


def cmd_chart(args, con) -> str:
    briefing, data, filters = _briefing_view(args, con)
    from rectification.outputs import charts

    if args.metric:
        if args.metric not in set(data.metrics.metric_code):
            raise CliError(f"指标编码不存在：{args.metric}")
        fig = charts.metric_figure(data, args.metric, filters)
    else:
        build = {
            "headline": charts.headline_figure,
            "completion": charts.completion_figure,
            "heatmap": charts.heatmap_figure,
            "attention": charts.attention_figure,
        }[args.name]
        fig = build(data, filters)
    try:
        Path(args.out).write_bytes(briefing.to_png(fig))
    except briefing.BriefingError as error:
        raise CliError(str(error)) from error
    return f"已导出 {args.out}"


def cmd_report(args, con) -> str:
    from rectification.outputs import report_draft

    if not args.out.lower().endswith(".docx"):
        raise CliError("--out 须为 .docx 文件。")
    try:
        result = report_draft.draft(con, args.month)
        Path(args.out).write_bytes(report_draft.to_docx(result))
    except report_draft.DraftError as error:
        raise CliError(str(error)) from error
    return f"已生成通报草稿 {args.out}（数据截至 {args.month}；黄色底纹为沿用上期通报的文字，请审核）"


WARM_WAIT_SECONDS = 60.0


def run_warm(args) -> int:
    """warm talks to the running dashboard, not to the store: it never opens the database file."""
    url = args.url or warm.default_url()
    try:
        seconds = warm.warm(url, args.wait)
    except warm.WarmError as error:
        print(str(error), file=sys.stderr)
        return 1
    print(f"看板已预热：总览脚本运行正常（{seconds:.1f} 秒，{url}）")
    return 0


def build_parser() -> argparse.ArgumentParser:
    # --db is accepted both before and after the subcommand's own arguments.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db", default=argparse.SUPPRESS, help="数据库文件路径（默认 $RECTIFICATION_DB 或 data/rectification.duckdb）"
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

    p = sub.add_parser("init", parents=[common], help="建立数据库：目录、期初数据（默认含示例数据）")
    p.add_argument("--no-sample", action="store_true", help="不载入示例数据（正式部署用）")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser(
        "upgrade", parents=[common], help="把数据库的通报目录更新到本版本（新指标、口径更正；不改动已录入的数据）"
    )
    p.set_defaults(func=cmd_upgrade)

    p = sub.add_parser("template", parents=[common], help="生成某月的上报模板（CSV，文件名以 .xlsx 结尾时为 Excel）")
    p.add_argument("--month", required=True, type=_month, help="月份 YYYY-MM")
    p.add_argument("--department", help="只列该牵头部门负责的问题下的指标（如 交警大队）")
    p.add_argument("--out", help="输出文件；省略时写到标准输出")
    p.set_defaults(func=cmd_template)

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

    p = sub.add_parser(
        "uploads", parents=[common], help="列出上报记录（CSV：上报人、时间、文件、SHA-256、条数、是否已撤销）"
    )
    p.add_argument("--out", help="输出文件；省略时写到标准输出")
    p.set_defaults(func=cmd_uploads)

    p = sub.add_parser(
        "rollback", parents=[common], help="撤销一次上报：其数值不再计入，之前的数值重新生效（撤销本身也记录在案）"
    )
    p.add_argument("upload_id", type=int, help="上报批次号（见 uploads 命令的 upload_id 列）")
    p.add_argument("--user", default="cli", help="操作人（记入上报记录和审计日志）")
    p.set_defaults(func=cmd_rollback)

    p = sub.add_parser("export", parents=[common], help="导出当前数值（CSV）")
    p.add_argument("--month", type=_month, help="只导出截至该月的一行一指标")
    p.add_argument("--out", help="输出文件；省略时写到标准输出")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("findings", parents=[common], help="导出整改问题清单及状态（CSV）")
    p.add_argument("--month", type=_month, help="状态截至月份（默认本月）")
    p.add_argument("--out", help="输出文件；省略时写到标准输出")
    p.set_defaults(func=cmd_findings)

    p = sub.add_parser("users", parents=[common], help="用户账号：add / list / disable / enable / passwd / status")
    users = p.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    u = users.add_parser("add", parents=[common], help="新建用户（密码按提示输入，不能写在命令行上）")
    u.add_argument("name", help="用户名（登录用）")
    u.add_argument(
        "--role",
        required=True,
        choices=auth.ROLES,
        help="viewer 查看 / editor 填报 / reviewer 审核（整改办：销号、延期审批、回头看）/ admin 管理",
    )
    u.add_argument("--display-name", help="显示名（如姓名）")
    u.add_argument("--department", help="所在部门")
    u.add_argument("--password-stdin", action="store_true", help="从标准输入读取一行作为密码（脚本用）")
    u.add_argument("--must-change", action="store_true", help="首次登录须修改密码")
    u.set_defaults(func=cmd_users_add)
    u = users.add_parser("list", parents=[common], help="列出用户（CSV，不含密码）")
    u.set_defaults(func=cmd_users_list)
    u = users.add_parser("disable", parents=[common], help="停用用户并结束其会话")
    u.add_argument("name")
    u.set_defaults(func=cmd_users_disable)
    u = users.add_parser("enable", parents=[common], help="重新启用已停用的用户")
    u.add_argument("name")
    u.set_defaults(func=cmd_users_enable)
    u = users.add_parser("passwd", parents=[common], help="设置用户的新密码（同时解除锁定）")
    u.add_argument("name")
    u.add_argument("--password-stdin", action="store_true", help="从标准输入读取一行作为密码（脚本用）")
    u.add_argument("--must-change", action="store_true", help="下次登录须修改密码")
    u.set_defaults(func=cmd_users_passwd)
    u = users.add_parser("status", parents=[common], help="是否已有管理员；没有时说明如何创建")
    u.set_defaults(func=cmd_users_status)

    p = sub.add_parser("backup", parents=[common], help="备份整个数据库为一个文件（看板运行时也可执行，如每晚定时）")
    p.add_argument("--out", help="备份文件路径（默认 数据库目录/backups/rectification-时间.duckdb）")
    p.add_argument(
        "--keep",
        type=int,
        metavar="N",
        help="备份后只保留该目录中最新的 N 份定时备份（rectification-时间.duckdb），删除更旧的",
    )
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", parents=[common], help="用备份文件替换当前数据（先自动备份当前数据）")
    p.add_argument("file", help="由 backup 生成的 .duckdb 文件")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser(
        "briefing", parents=[common], help="生成督办会简报（PPTX，16:9：总览图表、每个问题一页、指标附表）"
    )
    p.add_argument("--month", type=_month, help="数据截至月份（默认库中最新月份）")
    p.add_argument("--out", required=True, help="输出文件（.pptx），如 横栏分局巡察整改进展_2025年3月.pptx")
    scope = p.add_mutually_exclusive_group()
    scope.add_argument(
        "--findings", help="只做这些问题的单页，逗号分隔，如 1,5,24 或 F05,L1（默认全部 54 项及 2 项长期事项）"
    )
    scope.add_argument("--department", help="只做该牵头部门的问题（总览图表也按该部门筛选）")
    scope.add_argument("--attention-only", action="store_true", help="只做“需要关注”中列出的问题")
    p.set_defaults(func=cmd_briefing)

    p = sub.add_parser(
        "report", parents=[common], help="起草整改进展情况的通报（Word .docx，结构同上一期通报，数字更新至所选月份）"
    )
    p.add_argument("--month", type=_month, required=True, help="数据截至月份 YYYY-MM")
    p.add_argument("--out", required=True, help="输出文件（.docx）")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("chart", parents=[common], help="导出一张图表为 PNG（1600×900，2 倍清晰度）")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--metric", help="指标编码：该指标的进度图")
    which.add_argument(
        "--name", choices=list(CHARTS), help="总览图表：" + "、".join(f"{k}={v}" for k, v in CHARTS.items())
    )
    p.add_argument("--month", type=_month, help="数据截至月份（默认库中最新月份）")
    p.add_argument("--out", required=True, help="输出文件（.png）")
    p.set_defaults(func=cmd_chart)

    p = sub.add_parser(
        "catalogue", parents=[common], help="指标目录：export / add-metric / edit / retire / reinstate（管理员）"
    )
    cat = p.add_subparsers(dest="catalogue_command", required=True, metavar="ACTION")
    c = cat.add_parser(
        "export", parents=[common], help="按 data/catalogue 的格式导出当前目录（CSV），供与 git 中的版本对照"
    )
    c.add_argument("--out-dir", default="catalogue_export", help="输出目录（默认 ./catalogue_export）")
    c.set_defaults(func=cmd_catalogue_export)
    c = cat.add_parser("add-metric", parents=[common], help="在某个整改问题下新增指标（编码自动生成，如 F05_X01）")
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
    c = cat.add_parser("edit", parents=[common], help="修改指标的名称、单位、成效类别或类型（类型仅限尚无数值时）")
    c.add_argument("code", help="指标编码")
    c.add_argument("--name", help="新名称")
    c.add_argument("--unit", help="新单位")
    c.add_argument("--group", help="新成效类别编码")
    c.add_argument("--kind", choices=list(catalogue_admin.KIND_LABELS), help="新类型")
    c.add_argument("--definition", help="新口径")
    c.add_argument("--user", default="cli", help="操作人（记入审计日志）")
    c.set_defaults(func=cmd_catalogue_edit)
    c = cat.add_parser("retire", parents=[common], help="自某月起停用指标：不再列入上报模板，历史数值保留")
    c.add_argument("code", help="指标编码")
    c.add_argument("--from", dest="from_month", required=True, type=_month, help="停用起始月份 YYYY-MM")
    c.add_argument("--user", default="cli", help="操作人（记入审计日志）")
    c.set_defaults(func=cmd_catalogue_retire)
    c = cat.add_parser("reinstate", parents=[common], help="恢复已停用的指标")
    c.add_argument("code", help="指标编码")
    c.add_argument("--user", default="cli", help="操作人（记入审计日志）")
    c.set_defaults(func=cmd_catalogue_reinstate)

    p = sub.add_parser(
        "closure", parents=[common], help="销号：submit / approve / return / recheck / list / evidence / withdraw"
    )
    clo = p.add_subparsers(dest="closure_command", required=True, metavar="ACTION")
    c = clo.add_parser("submit", parents=[common], help="申请销号：整改情况说明 + 佐证材料（牵头部门填报人员或管理员）")
    c.add_argument("finding", help="问题编号，如 F05")
    c.add_argument("--note", required=True, help="整改情况说明")
    _add_evidence_arguments(c)
    c.add_argument("--user", required=True, help="申请人用户名")
    c.set_defaults(func=cmd_closure_submit)
    c = clo.add_parser("approve", parents=[common], help="审核通过，销号（审核人员或管理员，不能审核自己的申请）")
    c.add_argument("finding")
    c.add_argument("--user", required=True, help="审核人用户名")
    c.add_argument("--recheck", help=f"回头看月份 YYYY-MM（默认 {config.recheck_months()} 个月后）")
    c.set_defaults(func=cmd_closure_approve)
    c = clo.add_parser("return", parents=[common], help="退回销号申请（须写明理由）")
    c.add_argument("finding")
    c.add_argument("--reason", required=True, help="退回理由")
    c.add_argument("--user", required=True, help="审核人用户名")
    c.set_defaults(func=cmd_closure_return)
    c = clo.add_parser("recheck", parents=[common], help="回头看：held 巩固 / relapsed 反弹（重新列为推进中）")
    c.add_argument("finding")
    c.add_argument("--result", required=True, choices=list(closure.RESULTS), help="held 巩固 / relapsed 反弹")
    c.add_argument("--reason", help="说明（反弹时必填）")
    c.add_argument("--user", required=True, help="审核人用户名")
    c.set_defaults(func=cmd_closure_recheck)
    c = clo.add_parser("list", parents=[common], help="按销号状态列出问题（CSV）")
    c.add_argument(
        "--state",
        choices=list(closure.LIST_STATES),
        help="、".join(f"{k} {v}" for k, v in closure.LIST_STATES.items()) + "；省略时列出全部",
    )
    c.add_argument("--out", help="输出文件；省略时写到标准输出")
    c.set_defaults(func=cmd_closure_list)
    c = clo.add_parser("evidence", parents=[common], help="把某问题的佐证材料（原件）写到目录，附 清单.csv")
    c.add_argument("finding")
    c.add_argument("--out", required=True, help="输出目录")
    c.set_defaults(func=cmd_closure_evidence)
    c = clo.add_parser("withdraw", parents=[common], help="撤回一个佐证材料（不再显示，文件保留）")
    c.add_argument("evidence_id", type=int, help="佐证材料编号")
    c.add_argument("--reason", help="撤回原因")
    c.add_argument("--user", required=True, help="操作人用户名（上传人或管理员）")
    c.set_defaults(func=cmd_closure_withdraw)

    p = sub.add_parser("deadline", parents=[common], help="整改期限：set / extend / approve / refuse")
    dl = p.add_subparsers(dest="deadline_command", required=True, metavar="ACTION")
    c = dl.add_parser("set", parents=[common], help="设定整改期限（审核人员或管理员）")
    c.add_argument("finding")
    c.add_argument("date", type=_date, help="YYYY-MM-DD")
    c.add_argument("--leader", help="责任领导")
    c.add_argument("--user", required=True, help="操作人用户名")
    c.set_defaults(func=cmd_deadline_set)
    c = dl.add_parser("extend", parents=[common], help="申请延期（牵头部门填报人员或管理员，须写明理由，可附佐证材料）")
    c.add_argument("finding")
    c.add_argument("date", type=_date, help="申请延至 YYYY-MM-DD")
    c.add_argument("--reason", required=True, help="延期理由")
    _add_evidence_arguments(c)
    c.add_argument("--user", required=True, help="申请人用户名")
    c.set_defaults(func=cmd_deadline_extend)
    c = dl.add_parser("approve", parents=[common], help="批准延期申请（审核人员或管理员，不能批自己的申请）")
    c.add_argument("finding")
    c.add_argument("--user", required=True, help="审批人用户名")
    c.set_defaults(func=cmd_deadline_approve)
    c = dl.add_parser("refuse", parents=[common], help="驳回延期申请（须写明理由）")
    c.add_argument("finding")
    c.add_argument("--reason", required=True, help="驳回理由")
    c.add_argument("--user", required=True, help="审批人用户名")
    c.set_defaults(func=cmd_deadline_refuse)

    p = sub.add_parser(
        "warm",
        help="预热刚启动的看板：等它响应后运行一次总览脚本（导入与缓存就绪），失败时退出码为 1",
    )
    p.add_argument("--url", help="看板地址（默认 http://127.0.0.1:端口，端口与路径取自 .streamlit/config.toml）")
    p.add_argument(
        "--wait",
        type=float,
        default=WARM_WAIT_SECONDS,
        metavar="秒",
        help=f"最多等待看板响应的秒数（默认 {WARM_WAIT_SECONDS:g}）",
    )
    p.set_defaults(func=None)

    p = sub.add_parser(
        "doctor", parents=[common], help="检查本机运行看板所需的一切（Python、依赖包、数据库目录、Chromium、中文字体）"
    )
    p.set_defaults(func=None)
    return parser


def command_name(args) -> str:
    """The command as typed, without its arguments: `python -m rectification users add`."""
    action = getattr(args, f"{args.command}_command", None)
    return " ".join(filter(None, ["python -m rectification", args.command, action]))


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "warm":
        return run_warm(args)
    if args.command == "doctor":
        return doctor.run(db_path(getattr(args, "db", None)))
    path = db_path(getattr(args, "db", None))
    wait = getattr(args, "wait", WAIT_SECONDS)
    command = command_name(args)

    def on_wait(busy: StoreBusy) -> None:
        print(waiting_message(busy.holder, wait), file=sys.stderr, flush=True)

    try:
        con = connect(path, wait=wait, on_wait=on_wait)
    except StoreBusy as busy:
        print(busy_message(command, busy.holder, wait), file=sys.stderr)
        return 1
    except StoreDamaged:
        if args.command == "restore":
            return _restore_damaged(args, path)
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
        auth.AuthError,
        backup.BackupError,
        uploads.RollbackRefused,
        catalogue_admin.CatalogueError,
        closure.ClosureError,
        deadlines.DeadlineError,
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


def _restore_damaged(args, path: Path) -> int:
    """restore onto a store that cannot be opened: the damaged file is renamed and kept."""
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
