"""The pipeline: stage -> plan -> commit, shared by figures and ledger. Nothing is written unless every row
passes; the write is one transaction that also records the upload and the audit row."""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from rectification.core import audit, programme, vocabulary
from rectification.core.months import to_date
from rectification.core.store import query, transaction
from rectification.ingest import figures, ledger
from rectification.ingest.figures import CHECK_COLUMNS, figure_checks
from rectification.ingest.header import FIGURES, LEDGER, Header, find_header
from rectification.ingest.problems import Problem, Refused, cell_text, refuse, shown
from rectification.ingest.reading import read_sheets
from rectification.ingest.staging import Staged
from rectification.rules.text import finding_label
from rectification.workflow import auth, closure, uploads


def stage(con: duckdb.DuckDBPyConnection, data: bytes, file_name: str = "") -> Staged:
    """Parse and check a filled form or ledger; raise Refused listing every problem."""
    header = find_header(read_sheets(data, file_name))
    check_programme(con, header)
    tracking_start = programme.current(con).tracking_start
    if header.layout is LEDGER:
        return ledger.stage_rows(con, header, tracking_start=tracking_start)
    return figures.stage_rows(con, header, tracking_start=tracking_start)


def check_programme(con: duckdb.DuckDBPyConnection, header: Header) -> None:
    """A file that names its rectification (the 整改事项编号 column of the month form) imports only
    into that one: into another it is refused, the message naming both."""
    column = header.columns.get("programme")
    if column is None:
        return
    rows = header.sheet.rows[header.index + 1 :]
    named = {cell_text(row[column]) for row in rows if column < len(row)} - {""}
    here = programme.current(con)
    others = sorted(named - {here.code})
    if others:
        raise refuse(
            f"此文件属于整改事项「{describe(con, others[0])}」，不能导入当前的整改事项「{describe(con, here.code)}」。"
            f"请在页面左侧「整改事项」中选择「{others[0]}」后再上传（命令行：加 --programme {others[0]}）。"
        )


def describe(con: duckdb.DuckDBPyConnection, code: str) -> str:
    """Its code and title (CODE 单位简称·整改事项名称), or the code alone when the store has no such one."""
    own = programme.by_code(con, code)
    return f"{code} {own.title}" if own else code


@dataclass(frozen=True)
class Target:
    """Where one kind of upload goes: its staging table, plan query and insert."""

    kind: str
    source: str
    label: str
    value_type: str
    staging_table: str
    plan_query: str
    insert_sql: str


TARGETS = {
    "observations": Target(
        "observations",
        vocabulary.SOURCE_MONTHLY,
        "月报",
        "double",
        "staged_observations",
        "staged_observations_plan",
        """
        insert into observations (metric_code, month, value, note, upload_id, revision)
        select w.code, w.month, w.value, w.note, $upload_id,
               coalesce((select max(o.revision) from observations as o
                         where o.metric_code = w.code and o.month = w.month), 0) + 1
        from planned_writes as w
        """,
    ),
    "ledger": Target(
        "ledger",
        vocabulary.SOURCE_LEDGER,
        "台账",
        "varchar",
        "staged_statuses",
        "staged_statuses_plan",
        """
        insert into finding_status (finding_code, month, status, note, upload_id, revision)
        select w.code, w.month, w.value, w.note, $upload_id,
               coalesce((select max(s.revision) from finding_status as s
                         where s.finding_code = w.code and s.month = w.month), 0) + 1
        from planned_writes as w
        """,
    ),
}


@dataclass
class Plan:
    """What the import will do, row by row: action is new, unchanged or revised; and the figures that
    look like typos (checks), each on its row with the values before it — warnings, never a refusal."""

    staged: Staged
    rows: pd.DataFrame  # line, month, code, name, value, note, old_value, old_note, action
    checks: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CHECK_COLUMNS))
    # A ledger's rows that open a 销号 request (closure.ledger_requests: line, code, month, note).
    closure_requests: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["line", "code", "month"]))

    def check_problems(self) -> list[Problem]:
        """The checks as messages, for the command line: 第5行「数值」（值：1234）：数据存疑：…"""
        return [
            Problem(
                int(c.line),
                "数值",
                shown(c.value),
                f"数据存疑：{c.warning}" + (f"（此前：{c.previous}）" if c.previous else ""),
            )
            for c in self.checks.itertuples()
        ]

    @property
    def new(self) -> pd.DataFrame:
        return self.rows[self.rows.action == "new"]

    @property
    def unchanged(self) -> pd.DataFrame:
        return self.rows[self.rows.action == "unchanged"]

    @property
    def conflicts(self) -> pd.DataFrame:
        return self.rows[self.rows.action == "revised"]

    @property
    def months(self) -> list[str]:
        return sorted(set(self.rows.month))

    def summary(self) -> str:
        return (
            f"新增 {len(self.new)} 条，未变 {len(self.unchanged)} 条，"
            f"修订 {len(self.conflicts)} 条，跳过 {self.staged.skipped} 条"
        )

    def conflict_problems(self) -> list[Problem]:
        column = "状态" if self.staged.layout is LEDGER else "数值"
        problems = []
        for r in self.conflicts.itertuples():
            old, new = shown(r.old_value), shown(r.value)
            if old == new:  # only the note differs
                column_, old, new = ("进展说明" if column == "状态" else "备注"), r.old_note or "", r.note or ""
            else:
                column_ = column
            problems.append(Problem(int(r.line), column_, f"{old} → {new}", f"{r.code} {r.month} 与已存的值不一致"))
        return problems


def _stage_table(con: duckdb.DuckDBPyConnection, staged: Staged) -> None:
    """(Re)create this connection's TEMP staging table from the checked rows."""
    target = TARGETS[staged.layout.kind]
    frame = staged.rows.assign(month=staged.rows.month.map(to_date))
    con.register("staged_frame", frame)
    try:
        # Identifiers come from TARGETS, never from the file.
        con.execute(
            f"create or replace temp table {target.staging_table} as "  # noqa: S608
            f"select cast(line as integer) as line, cast(month as date) as month, cast(code as varchar) as code, "
            f"cast(value as {target.value_type}) as value, cast(note as varchar) as note from staged_frame"
        )
    finally:
        con.unregister("staged_frame")


def plan(
    con: duckdb.DuckDBPyConnection, staged: Staged, *, user: str | None = None, checks: pd.DataFrame | None = None
) -> Plan:
    """Compare the staged rows with what counts now: new, unchanged, or revised (a conflict). For a
    ledger, the rows that would open a 销号 request; with `user`, refused (Refused, naming the rows)
    when that user may not submit one of them, by the rule of every other way to submit. `checks`:
    the figure checks already made for these staged rows (the preview's), kept rather than made again."""
    _stage_table(con, staged)
    rows = query(con, TARGETS[staged.layout.kind].plan_query)
    if staged.layout is FIGURES:
        return Plan(staged, rows, figure_checks(con, staged.rows) if checks is None else checks)
    requests = closure.ledger_requests(con, rows[rows.action != "unchanged"])
    if user is not None:
        refuse_closure_requests(con, requests, user)
    return Plan(staged, rows, closure_requests=requests)


def finding_labels(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """问题43 / 长期L1 for each finding code, as the ledger template and the dashboard name them."""
    rows = con.execute("select finding_code, report_number from findings").fetchall()
    return {code: finding_label(code, number) for code, number in rows}


def refuse_closure_requests(con: duckdb.DuckDBPyConnection, requests: pd.DataFrame, user: str) -> None:
    """Refuse the whole ledger (nothing is imported) when it would open a 销号 request `user` may not
    submit, naming every such row and finding."""
    refused = closure.ledger_refusals(con, requests, user)
    if not refused:
        return
    labels = finding_labels(con)
    named = "、".join(
        f"第{line}行 {labels.get(code, code)}" if line else labels.get(code, code) for line, code, _ in refused
    )
    raise Refused(
        [
            Problem(line, "状态", vocabulary.REPORTED_DONE, reason, subject=labels.get(code, code))
            for line, code, reason in refused
        ],
        headline=f"未导入：{named} 报“已完成”会申请销号，而 {user} 无权为这些问题申请销号"
        "（只有牵头部门的填报人员或管理员可以）。请删去这些行或改报其他状态，由牵头部门另行上报：",
    )


@dataclass
class Result:
    upload_id: int | None
    plan: Plan
    message: str


# A test-only hook: when set, commit writes this file and waits inside its open transaction, so
# a test can SIGKILL the process mid-commit and prove the store holds all or nothing.
HOLD_IN_TRANSACTION_ENV = "RECTIFICATION_TEST_HOLD_IN_TRANSACTION"


def _test_hold(con: duckdb.DuckDBPyConnection, upload_id: int) -> None:
    marker = os.environ.get(HOLD_IN_TRANSACTION_ENV)
    if marker:
        # The marker says how many rows the open transaction holds, so the test knows it killed a real write.
        written = con.execute(
            "select (select count(*) from observations where upload_id = $id)"
            " + (select count(*) from finding_status where upload_id = $id)",
            {"id": upload_id},
        ).fetchone()[0]
        Path(marker).write_text(str(written), encoding="utf-8")
        time.sleep(600)


def commit(
    con: duckdb.DuckDBPyConnection,
    plan_: Plan,
    *,
    data: bytes,
    file_name: str,
    user: str,
    replace: bool = False,
) -> Result:
    """Write a checked plan as one upload: rows, upload record and audit row in one transaction."""
    staged = plan_.staged
    target = TARGETS[staged.layout.kind]
    with transaction(con):
        # Planned again under the write lock: someone may have imported since the preview. A 销号
        # request the user may not submit refuses the file here, before anything is written. The
        # typo checks are only warnings about the same rows the user was shown: the preview's stand.
        fresh = plan(con, staged, user=user, checks=plan_.checks)
        if len(fresh.conflicts) and not replace:
            raise Refused(
                fresh.conflict_problems(),
                headline=f"未导入：{len(fresh.conflicts)} 个值与已存的不一致。如确认以本次为准，"
                "请勾选“替换已有数值”（命令行加 --replace）；原值会保留在历史中：",
            )
        writes = fresh.rows[fresh.rows.action != "unchanged"]
        if writes.empty:
            return Result(None, fresh, f"与已存数据完全相同，未作更改（{fresh.summary()}）。{held_by(con, data)}")
        upload_id = uploads.new_upload(
            con,
            kind=target.kind,
            source=target.source,
            user=user,
            file_name=file_name,
            original=data,
            months=fresh.months,
            n_rows=staged.n_rows,
            n_new=len(fresh.new),
            n_unchanged=len(fresh.unchanged),
            n_revised=len(fresh.conflicts),
            n_skipped=staged.skipped,
        )
        con.register(
            "planned_writes", writes.assign(month=writes.month.map(to_date))[["code", "month", "value", "note"]]
        )
        try:
            con.execute(target.insert_sql, {"upload_id": upload_id})
        finally:
            con.unregister("planned_writes")
        if target.kind == "ledger":
            # 已完成 in a ledger is a closure request (待审核), never a closure.
            closure.requests_from_ledger(con, writes, upload_id=upload_id, user=user)
        audit.record(
            con,
            user=user,
            action="upload",
            target=str(upload_id),
            detail=f"{target.label} {file_name}：{fresh.summary()}",
        )
        _test_hold(con, upload_id)
    return Result(upload_id, fresh, f"已导入{target.label}（上报批次 #{upload_id}）：{fresh.summary()}。")


def held_by(con: duckdb.DuckDBPyConnection, data: bytes) -> str:
    """Which upload already holds this very file (same SHA-256), said so the user can find it."""
    row = con.execute(
        "select upload_id, user_name, created_at from live_uploads where sha256 = ? order by upload_id desc limit 1",
        [hashlib.sha256(data).hexdigest()],
    ).fetchone()
    if row is None:
        return ""
    upload_id, login, created = row
    user = auth.shown_name(con, login)
    return f"此文件已于 {created:%Y-%m-%d %H:%M} 由 {user} 导入（上报批次 #{upload_id}，见「数据管理」页）。"


def preview(con: duckdb.DuckDBPyConnection, data: bytes, file_name: str, *, user: str | None = None) -> Plan:
    """stage -> plan without writing: what the page shows before the user confirms. With `user`, a
    ledger opening a 销号 request that user may not submit is refused already here."""
    return plan(con, stage(con, data, file_name), user=user)


def import_file(
    con: duckdb.DuckDBPyConnection,
    data: bytes,
    file_name: str,
    *,
    user: str,
    replace: bool = False,
    dry_run: bool = False,
) -> Result:
    """The whole import of a monthly form or a ledger (told apart by their columns)."""
    plan_ = preview(con, data, file_name, user=user)
    if dry_run:
        return Result(None, plan_, f"试运行，未写入：{plan_.summary()}。")
    return commit(con, plan_, data=data, file_name=file_name, user=user, replace=replace)
