"""programme list / default / create / open / close / order / draft: the rectifications (整改事项) a store
holds. `draft` reads a rectification's own document (its 通报 or 问题清单) into a draft catalogue
directory for review (it reads a file and writes a directory, so it never opens the store); `create`
makes a reviewed directory a new rectification."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pandas as pd

from rectification.catalogue import checks
from rectification.cli import bootstrap
from rectification.cli.shared import CliError, write_csv
from rectification.core import audit, store
from rectification.core import programme as programme_facts
from rectification.ingest import Refused

LIST_COLUMNS = ["code", "unit", "name", "kind", "tracking_start", "opening_month", "findings", "metrics"]


def register(sub, common) -> None:
    p = sub.add_parser(
        "programme",
        parents=[common],
        help="整改事项：list / default / create / open / close / order / draft（从通报或问题清单生成目录草稿）",
    )
    actions = p.add_subparsers(dest="programme_command", required=True, metavar="ACTION")
    _register_list(actions, common)
    _register_default(actions, common)
    _register_create(actions, common)
    _register_network(actions, common)
    _register_order(actions, common)
    c = actions.add_parser(
        "draft",
        help="读取整改进展情况的通报（.txt/.docx/.pdf）或问题清单（.xlsx/.csv），按 data/catalogue 的格式写出目录草稿供审核",
    )
    c.add_argument("--from", dest="source", required=True, metavar="FILE", help="通报或问题清单文件")
    c.add_argument("--out", required=True, metavar="DIR", help="草稿输出目录（须不存在或为空）")
    c.set_defaults(run=run_draft)


def run_draft(args) -> int:
    """Exit 0 and one line of counts, or exit 1 with the reason and nothing written."""
    try:
        from rectification.ingest import documents  # only this command reads documents: every other starts faster

        draft = documents.read_path(Path(args.source))
        documents.write(draft, Path(args.out))
    except Refused as refused:
        print(refused.headline.replace("未导入", "未生成草稿"), file=sys.stderr)
        for problem in refused.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"{draft.summary()}，已写入 {args.out}")
    return 0


def _register_list(actions, common) -> None:
    c = actions.add_parser("list", parents=[common], help="列出数据库中的整改事项（CSV）")
    c.add_argument("--out", metavar="FILE", help="写入文件（默认输出到屏幕）")
    c.set_defaults(func=cmd_list)


def listing(con) -> pd.DataFrame:
    """One row per rectification, in the store's order: its facts and the size of its catalogue."""
    rows = []
    for p in programme_facts.listed(con):
        findings, metrics = con.execute(
            f"select (select count(*) from {p.schema_name}.findings), (select count(*) from {p.schema_name}.metrics)"  # noqa: S608 - a store-made schema name
        ).fetchone()
        rows.append([p.code, p.unit, p.name, p.kind, p.tracking_start, p.opening_month, findings, metrics])
    return pd.DataFrame(rows, columns=LIST_COLUMNS)


def cmd_list(args, con) -> None:
    write_csv(args.out, listing(con))


def _register_default(actions, common) -> None:
    c = actions.add_parser("default", parents=[common], help="设定默认整改事项（不加 --programme 的命令都作用于它）")
    c.add_argument("code", help="整改事项编号（见 programme list）")
    c.set_defaults(func=cmd_default)


def cmd_default(args, con) -> str:
    with store.transaction(con):
        store.set_default_programme(con, args.code)
        con.execute("use main")
        audit.record(con, user="cli", action="programme_default", target=args.code, detail="设为默认整改事项")
    return f"默认整改事项已设为 {args.code}"


def _register_create(actions, common) -> None:
    c = actions.add_parser(
        "create", parents=[common], help="用审核过的目录（programme draft 的输出或同格式的目录）新建一项整改事项"
    )
    c.add_argument("--from", dest="source", required=True, metavar="DIR", help="目录：各 CSV 与 programme.csv")
    c.add_argument("--code", required=True, help="新整改事项的编号（字母、数字、- 和 _，如 XC-2026-01）")
    c.add_argument("--open", action="store_true", help="允许未登录的访问者查看（仅在看板不要求登录时有意义）")
    c.set_defaults(func=cmd_create)


def cmd_create(args, con) -> str:
    """Exit 1 with every problem listed and nothing written, or create it in one transaction."""
    directory = Path(args.source)
    if not directory.is_dir():
        raise CliError(f"目录不存在：{directory}")
    problems = creation_problems(con, directory, args.code)
    if problems:
        raise CliError(f"{NOT_CREATED}\n" + "\n".join(f"  {line}" for line in problems))
    return _create(con, directory, code=args.code, open_to_network=args.open, actor="cli")


NOT_CREATED = "未创建整改事项，请先改正以下问题："


class NotCreated(Exception):
    """The reviewed catalogue cannot become a rectification: every problem, and nothing was written."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def code_problems(con, code: str) -> list[str]:
    """Why `code` cannot name a new rectification: not well formed, or the store holds it already."""
    try:
        programme_facts.check_code(code)
    except ValueError as error:
        return [str(error)]
    if code in store.programme_codes(con):
        return [f"数据库中已有编号为「{code}」的整改事项"]
    return []


def creation_problems(con, directory: Path, code: str) -> list[str]:
    """Everything that stops `directory` becoming the rectification `code`: the code's problems first."""
    return code_problems(con, code) + checks.problems(directory, code=code)


def create_reviewed(
    con, tables: dict, *, source: bytes, source_name: str, code: str, open_to_network: bool, actor: str
) -> str:
    """The 新建整改 page's 创建, as `programme draft` then `programme create` would do it: the reviewed
    tables and the document written to the rectification's own directory beside the store, checked, and
    created in one transaction. NotCreated with every problem, and the directory removed, otherwise."""
    from rectification.ingest.documents import review  # only this path reads documents (see run_draft)

    if problems := code_problems(con, code):
        raise NotCreated(problems)
    directory = review.directory_for(code)
    if directory.exists():
        raise NotCreated([f"目录 {directory} 已存在：编号「{code}」已被使用过，请换一个编号或由管理员清理该目录"])
    review.write_reviewed(tables, directory, code=code, source=source, source_name=source_name)
    try:
        if problems := creation_problems(con, directory, code):
            raise NotCreated(problems)
        return _create(con, directory, code=code, open_to_network=open_to_network, actor=actor)
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise


def _create(con, directory: Path, *, code: str, open_to_network: bool, actor: str) -> str:
    message = bootstrap.create(
        con,
        directory=directory,
        programme_file=directory / "programme.csv",
        sample=False,
        code=code,
        open_to_network=open_to_network,
        actor=actor,
    )
    return message.replace("已初始化", "已创建整改事项")


def _register_order(actions, common) -> None:
    c = actions.add_parser("order", parents=[common], help="设定各整改事项在「各单位整改进展」中的固定顺序（不是排名）")
    c.add_argument("codes", nargs="+", metavar="CODE", help="按此顺序排在最前的整改事项编号；未列出的按原顺序排在其后")
    c.set_defaults(func=cmd_order)


def cmd_order(args, con) -> str:
    known = store.programme_codes(con)
    unknown = [code for code in args.codes if code not in known]
    if unknown:
        raise store.UnknownProgramme(unknown[0], known)
    wanted = list(dict.fromkeys(args.codes)) + [code for code in known if code not in args.codes]
    with store.transaction(con):
        store.set_programme_order(con, wanted)
        con.execute("use main")
        audit.record(con, user="cli", action="programme_order", target=None, detail="顺序：" + "、".join(wanted))
    return "各整改事项的顺序：" + "、".join(wanted)


def _register_network(actions, common) -> None:
    for action, text in (
        ("open", "允许未登录的访问者查看该整改事项（看板不要求登录时）"),
        ("close", "只允许登录用户查看"),
    ):
        c = actions.add_parser(action, parents=[common], help=text)
        c.add_argument("code", help="整改事项编号")
        c.set_defaults(func=cmd_network, open_to_network=action == "open")


def cmd_network(args, con) -> str:
    if args.code not in store.programme_codes(con):
        raise store.UnknownProgramme(args.code, store.programme_codes(con))
    with store.transaction(con):
        con.execute("update main.programme set open_to_network = ? where code = ?", [args.open_to_network, args.code])
        con.execute("use main")
        detail = "允许未登录查看" if args.open_to_network else "仅限登录查看"
        audit.record(con, user="cli", action="programme_network", target=args.code, detail=detail)
    return f"{args.code}：{detail}"
