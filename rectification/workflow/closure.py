"""销号: a finding closes only with evidence and a reviewer's sign-off, and is re-checked later (回头看).

The state is derived from append-only events (closure_events) over the reported status:
未启动 / 推进中 → 待审核 (submitted) → 已销号 (approved), back to 推进中 when returned or when a
re-check finds it relapsed. 长期坚持 items are never closed."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from rectification.core import audit, config
from rectification.core.months import add_months, as_date, current_month, month_end, to_date, to_month
from rectification.core.store import query, transaction
from rectification.core.vocabulary import (
    CLOSED,
    CLOSURE_STATES,
    LONG_TERM,
    PENDING,
    REPORTED_DONE,
)
from rectification.rules import deadline_levels
from rectification.rules.closure_states import last_per_finding, state_of
from rectification.workflow import auth, deadlines, evidence

STATES = CLOSURE_STATES
# `closure list --state` names.
LIST_STATES = {"pending": "待审核", "closed": "已销号", "returned": "已退回", "recheck-due": "待回头看"}
EVENT_LABELS = {
    "submit": "申请销号",
    "approve": "审核通过（销号）",
    "return": "退回",
    "held": "回头看：巩固",
    "relapsed": "回头看：反弹（重新整改）",
}
RESULTS = {"held": "巩固", "relapsed": "反弹"}
MAX_NOTE = 2000


class ClosureError(ValueError):
    """A refused step of the workflow; str() is a Chinese message naming the reason."""


def _user(con, username: str) -> auth.User:
    try:
        return auth.active_user(con, username)
    except auth.AuthError as error:
        raise ClosureError(str(error)) from error


def finding_info(con, code: str) -> tuple[str, str | None, bool]:
    row = con.execute(
        "select title, lead_department, is_long_term from findings where finding_code = ?", [code]
    ).fetchone()
    if row is None:
        raise ClosureError(f"整改问题不存在：{code}")
    return row[0], row[1], bool(row[2])


def _text(value: str | None, limit: int = MAX_NOTE) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def _step_month(con, code: str, today: dt.date | None) -> dt.date:
    """The month a step counts from: this month, never before the step it follows."""
    month = to_date(current_month(today))
    last = _last_event(con, code)
    return max(month, pd.Timestamp(last["month"]).date()) if last is not None else month


def effective_events(con: duckdb.DuckDBPyConnection, code: str | None = None) -> pd.DataFrame:
    """Closure events in order, leaving out requests made by a ledger upload that was rolled back."""
    return query(con, "closure_events_effective", finding=code)


def _last_event(con, code: str) -> dict | None:
    frame = effective_events(con, code)
    return frame.iloc[-1].to_dict() if len(frame) else None


SENT_BACK = {"return": "已退回", "relapsed": "回头看发现反弹，重新整改"}


def sent_back(con: duckdb.DuckDBPyConnection, code: str) -> dict | None:
    """While the latest step sent the finding back (a 退回, or a 回头看 that found it relapsed): what
    it was (SENT_BACK's words), its reason, reviewer (login) and time; else None."""
    last = _last_event(con, code)
    if last is None or last["kind"] not in SENT_BACK:
        return None
    return {
        "what": SENT_BACK[last["kind"]],
        "reason": last["note"],
        "reviewer": last["user_name"],
        "at": pd.Timestamp(last["created_at"]),
    }


def earlier_evidence(con: duckdb.DuckDBPyConnection, code: str) -> int:
    """How many files earlier 销号 submissions carry (withdrawn ones left out). They stay stored and
    listed on 问题详情, but a new submission starts with none: review (销号审核) shows only the
    files sent with the submission it decides."""
    files = evidence.files(con, code)
    return int(files.event_id.notna().sum())


def current_state(con: duckdb.DuckDBPyConnection, code: str) -> str:
    """The finding's state now (every event counted, whatever month it was dated)."""
    _, _, long_term = finding_info(con, code)
    reported = con.execute(
        "select status from current_finding_status where finding_code = ? order by month desc limit 1", [code]
    ).fetchone()
    last = _last_event(con, code)
    return state_of(reported[0] if reported else None, long_term, last["kind"] if last else None)


# --- The steps ----------------------------------------------------------------------------------


def may_submit(actor: auth.User | None, department: str | None) -> bool:
    """THE rule for opening a 销号 request, whichever way it comes (问题详情's form, `closure submit`,
    a ledger's 已完成 on the upload page or through `import`): an editor of the finding's lead
    department, or an admin. A finding with no lead department: an admin only."""
    return auth.leads(actor, department)


def submit_refusal(
    actor: auth.User | None, username: str, department: str | None, what: str = "申请销号"
) -> str | None:
    """None when `actor` may open (or add to) a 销号 request on a finding led by `department`; else
    the Chinese reason. `actor` is None when `username` is no enabled account."""
    if may_submit(actor, department):
        return None
    lead = department or "未定，仅管理员"
    if actor is None:
        return f"无权限：只有牵头部门（{lead}）的填报人员或管理员可以{what}，{username} 不是可用的用户账号。"
    who = f"{username}（{actor.role_label}{'，' + actor.department if actor.department else ''}）"
    return f"无权限：只有牵头部门（{lead}）的填报人员或管理员可以{what}，{who}不是。"


def check_may_submit(con: duckdb.DuckDBPyConnection, code: str, user: str, what: str = "申请销号") -> auth.User:
    """The enabled account `user` when it may submit `code`'s closure (may_submit); else ClosureError."""
    actor = _user(con, user)
    _, department, _ = finding_info(con, code)
    refusal = submit_refusal(actor, user, department, what)
    if refusal:
        raise ClosureError(refusal)
    return actor


def submit(
    con: duckdb.DuckDBPyConnection,
    code: str,
    *,
    note: str,
    files: list[evidence.Upload] | tuple = (),
    user: str,
    today: dt.date | None = None,
) -> int:
    """申请销号: an editor of the lead department (or an admin) submits with 整改情况说明 and evidence.
    Every file is checked before anything is written; returns the submission's event id."""
    check_may_submit(con, code, user)
    _, _, long_term = finding_info(con, code)
    if long_term or current_state(con, code) == LONG_TERM:
        raise ClosureError(f"{code} 是长期坚持事项，不销号：请每月填报进展。")
    note = _text(note)
    if not note:
        raise ClosureError("请填写整改情况说明。")
    try:
        checked = evidence.check_all(list(files))
    except evidence.EvidenceError as error:
        raise ClosureError(str(error)) from error
    with transaction(con):
        state = current_state(con, code)
        if state == PENDING:
            raise ClosureError(f"{code} 已在审核中（待审核），请等待审核结果。")
        if state == CLOSED:
            raise ClosureError(f"{code} 已销号。")
        event_id = con.execute(
            "insert into closure_events (finding_code, kind, month, note, user_name) values (?, 'submit', ?, ?, ?)"
            " returning event_id",
            [code, _step_month(con, code, today), note, user],
        ).fetchone()[0]
        evidence.store(con, checked, event_id=event_id, finding_code=code, user=user)
        names = "、".join(f.name for f in checked) or "无"
        audit.record(
            con,
            user=user,
            action="closure_submit",
            target=code,
            detail=f"申请销号，佐证材料 {len(checked)} 个：{names}",
        )
    return event_id


def add_evidence(con: duckdb.DuckDBPyConnection, code: str, *, files: list[evidence.Upload], user: str) -> list[int]:
    """More evidence for the submission awaiting review (e.g. one a ledger upload made, which has
    none): the lead department's editors or an admin."""
    check_may_submit(con, code, user, "补充佐证材料")
    if not files:
        raise ClosureError("请选择要补充的文件。")
    try:
        checked = evidence.check_all(list(files))
    except evidence.EvidenceError as error:
        raise ClosureError(str(error)) from error
    with transaction(con):
        submission = _pending_submission(con, code)
        ids = evidence.store(con, checked, event_id=int(submission["event_id"]), finding_code=code, user=user)
        names = "、".join(f.name for f in checked)
        audit.record(
            con, user=user, action="evidence_add", target=code, detail=f"补充佐证材料 {len(checked)} 个：{names}"
        )
    return ids


def _pending_submission(con, code: str) -> dict:
    last = _last_event(con, code)
    if last is None or last["kind"] != "submit":
        raise ClosureError(f"{code} 没有待审核的销号申请。")
    return last


def _reviewer(con, user: str, what: str) -> auth.User:
    actor = _user(con, user)
    if not auth.can_review(actor):
        raise ClosureError(f"无权限：{what}需要「审核」或「管理」权限，{user} 为「{actor.role_label}」。")
    return actor


def parse_recheck(month: str | None, today: dt.date | None = None) -> dt.date:
    """The re-check month: YYYY-MM after this month; default this month + the recheck_months setting."""
    now = current_month(today)
    if not month:
        return to_date(add_months(now, config.recheck_months()))
    text = month.strip()
    try:
        value = to_date(text)
    except ValueError as exc:
        raise ClosureError(f"回头看月份格式应为 YYYY-MM：{month}") from exc
    if to_month(value) <= now:
        raise ClosureError(f"回头看月份须晚于本月（{now}）。")
    return value


def approve(
    con: duckdb.DuckDBPyConnection,
    code: str,
    *,
    user: str,
    recheck: str | None = None,
    note: str = "",
    today: dt.date | None = None,
) -> dt.date:
    """销号: a reviewer (or admin) other than the submitter signs off; returns the re-check month."""
    _reviewer(con, user, "审核销号")
    finding_info(con, code)
    recheck_month = parse_recheck(recheck, today)
    _record_review(
        con,
        code,
        user,
        kind="approve",
        note=_text(note) or None,
        recheck_month=recheck_month,
        detail=lambda submitter: f"审核通过，销号（{submitter} 申请）；回头看：{to_month(recheck_month)}",
        today=today,
    )
    return recheck_month


def return_submission(
    con: duckdb.DuckDBPyConnection, code: str, *, reason: str, user: str, today: dt.date | None = None
) -> None:
    """退回: the reviewer sends it back with a reason; the finding is 推进中 again."""
    _reviewer(con, user, "退回销号申请")
    finding_info(con, code)
    reason = _text(reason)
    if not reason:
        raise ClosureError("请填写退回理由。")
    _record_review(
        con,
        code,
        user,
        kind="return",
        note=reason,
        detail=lambda submitter: f"退回（{submitter} 申请）：{reason}",
        today=today,
    )


def _record_review(
    con,
    code: str,
    user: str,
    *,
    kind: str,
    note: str | None,
    detail,
    recheck_month: dt.date | None = None,
    today: dt.date | None = None,
) -> None:
    """Decide the submission awaiting review (approve or return) in one transaction: the event row,
    which names the submission it decides, and the audit row. `detail(submitter)` is the audit text."""
    with transaction(con):
        submission = _pending_submission(con, code)
        if submission["user_name"] == user:
            raise ClosureError("不能审核自己提交的销号申请：请由另一位审核人员审核。")
        con.execute(
            "insert into closure_events (finding_code, kind, month, note, user_name, submission_id, recheck_month)"
            " values (?, ?, ?, ?, ?, ?, ?)",
            [code, kind, _step_month(con, code, today), note, user, int(submission["event_id"]), recheck_month],
        )
        audit.record(con, user=user, action=f"closure_{kind}", target=code, detail=detail(submission["user_name"]))


def recheck(
    con: duckdb.DuckDBPyConnection,
    code: str,
    *,
    result: str,
    user: str,
    reason: str = "",
    today: dt.date | None = None,
) -> None:
    """回头看: held (巩固) keeps it closed; relapsed (反弹) reopens it as 推进中 with the reason."""
    _reviewer(con, user, "记录回头看")
    finding_info(con, code)
    if result not in RESULTS:
        raise ClosureError("回头看结果应为 held（巩固）或 relapsed（反弹）。")
    reason = _text(reason)
    if result == "relapsed" and not reason:
        raise ClosureError("反弹须写明原因。")
    with transaction(con):
        last = _last_event(con, code)
        if last is None or last["kind"] != "approve":
            raise ClosureError(f"{code} 不是待回头看的已销号问题。")
        con.execute(
            "insert into closure_events (finding_code, kind, month, note, user_name) values (?, ?, ?, ?, ?)",
            [code, result, _step_month(con, code, today), reason or None, user],
        )
        detail = f"回头看：{RESULTS[result]}" + (f"；{reason}" if reason else "")
        audit.record(con, user=user, action="closure_recheck", target=code, detail=detail)


def withdraw_evidence(con: duckdb.DuckDBPyConnection, evidence_id: int, *, user: str, reason: str = "") -> None:
    """Hide a file (kept, like everything else): its uploader while the finding is not yet closed, or an admin."""
    actor = _user(con, user)
    row = con.execute(
        "select finding_code, uploaded_by, file_name from evidence_files where evidence_id = ?", [evidence_id]
    ).fetchone()
    if row is None:
        raise ClosureError(f"佐证材料不存在：{evidence_id}")
    code, uploader, name = row
    if actor.role != "admin":
        if uploader != user:
            raise ClosureError("只有上传人或管理员可以撤回佐证材料。")
        if current_state(con, code) == CLOSED:
            raise ClosureError("已销号问题的佐证材料只能由管理员撤回。")
    with transaction(con):
        if con.execute("select 1 from evidence_withdrawals where evidence_id = ?", [evidence_id]).fetchone():
            raise ClosureError("该佐证材料已撤回。")
        con.execute(
            "insert into evidence_withdrawals (evidence_id, withdrawn_by, reason) values (?, ?, ?)",
            [evidence_id, user, _text(reason, 200) or None],
        )
        audit.record(
            con, user=user, action="evidence_withdraw", target=code, detail=f"撤回佐证材料 #{evidence_id}：{name}"
        )


# --- From the ledger and the report --------------------------------------------------------------


def ledger_requests(
    con: duckdb.DuckDBPyConnection, rows: pd.DataFrame, *, upload_id: int | None = None
) -> pd.DataFrame:
    """The rows of a ledger (columns line, code, month, value, note) that open a closure request:
    the first 已完成 of each finding that is not long-term, already awaiting review or closed. The
    preview asks with upload_id None (nothing written yet); the import, after writing its rows, with
    its own upload_id, which is left out of the status the finding had before."""
    done = rows[rows.value == REPORTED_DONE].sort_values("month", kind="stable")
    opening = []
    for r in done.drop_duplicates("code").itertuples():
        _, _, long_term = finding_info(con, r.code)
        last = _last_event(con, r.code)
        before = con.execute(
            "select status from current_finding_status where finding_code = ? and upload_id is distinct from ?"
            " order by month desc limit 1",
            [r.code, upload_id],
        ).fetchone()
        if long_term or (before is not None and before[0] == LONG_TERM):
            continue  # 长期坚持 items are never closed
        if last is not None and last["kind"] in ("submit", "approve", "held"):
            continue
        month = r.month if isinstance(r.month, dt.date) else to_date(r.month)
        if last is not None:  # never dated before the step it follows (a return this month)
            month = max(month, pd.Timestamp(last["month"]).date())
        opening.append({"line": getattr(r, "line", None), "code": r.code, "month": month, "note": r.note})
    return pd.DataFrame(opening, columns=["line", "code", "month", "note"])


def ledger_refusals(
    con: duckdb.DuckDBPyConnection, requests: pd.DataFrame, user: str
) -> list[tuple[int | None, str, str]]:
    """(line, code, reason) for each request of ledger_requests that `user` may not submit, by the
    same rule as the 问题详情 form and `closure submit` (may_submit)."""
    try:
        actor = auth.active_user(con, user)
    except auth.AuthError:
        actor = None
    refused = []
    for r in requests.itertuples():
        _, department, _ = finding_info(con, r.code)
        refusal = submit_refusal(actor, user, department, "报“已完成”（申请销号）")
        if refusal:
            refused.append((None if pd.isna(r.line) else int(r.line), r.code, refusal))
    return refused


def requests_from_ledger(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame, *, upload_id: int, user: str) -> list[str]:
    """Inside the ledger import's transaction: each row of ledger_requests becomes a closure request
    with the row's 进展说明 as its note. The caller has refused the file when `user` may not submit
    one of them (ledger_refusals); checked again here, so no request is ever opened without it.
    Returns the findings submitted."""
    requests = ledger_requests(con, rows, upload_id=upload_id)
    if refused := ledger_refusals(con, requests, user):
        raise ClosureError("；".join(f"{code}：{reason}" for _, code, reason in refused))
    for r in requests.itertuples():
        con.execute(
            "insert into closure_events (finding_code, kind, month, note, user_name, upload_id)"
            " values (?, 'submit', ?, ?, ?, ?)",
            [r.code, r.month, _text(r.note) or "台账报已完成", user, upload_id],
        )
        audit.record(
            con,
            user=user,
            action="closure_submit",
            target=r.code,
            detail=f"台账（上报批次 #{upload_id}）报已完成，转为销号申请",
        )
    return list(requests.code)


# --- Reading the state ---------------------------------------------------------------------------


def states(
    con: duckdb.DuckDBPyConnection,
    as_of: str | None = None,
    today: dt.date | None = None,
    *,
    closures_until: dt.date | None = None,
) -> pd.DataFrame:
    """One row per finding in report order, as of month `as_of` (default this month): finding_code,
    closure_state, deadline, original_deadline (the date before an approved extension; equal to
    deadline otherwise), recheck_month ('YYYY-MM' set at sign-off), plus reported_status,
    last_event, submitted_by, submitted_at, note, recheck_due, deadline_level (临近/预警/逾期),
    days_left, lead_department, responsible_leader, title, extension_pending. For the briefing and the
    pages alike. `closures_until`: count the closure steps dated up to that day rather than those of
    `as_of` (the current view counts today's sign-offs: statuses.closure_cutoff)."""
    as_of = as_of or current_month(today)
    upto = to_date(as_of)
    findings = query(con, "findings_with_status", as_of=upto)
    events = effective_events(con)
    steps_until = max(upto, closures_until) if closures_until else upto
    last = last_per_finding(events, steps_until)
    submits = last_per_finding(events[events.kind == "submit"], steps_until)
    approvals = last_per_finding(events[events.kind == "approve"], steps_until)
    originals = deadlines.original_deadlines(con)
    pending_extensions = set(deadlines.requests(con).finding_code)
    ref = min(month_end(as_of), today or dt.date.today())
    rows = []
    for f in findings.itertuples():
        kind = last.kind.get(f.code) if len(last) else None
        state = state_of(f.status, bool(f.is_long_term), kind)
        deadline = as_date(f.deadline)
        recheck_month = None
        if state == CLOSED and len(approvals) and f.code in approvals.index:
            value = approvals.recheck_month[f.code]
            recheck_month = None if value is None or pd.isna(value) else to_month(pd.Timestamp(value))
        level, days = (None, None)
        if state not in (CLOSED, LONG_TERM, PENDING):
            level, days = deadline_levels.level(deadline, ref)
        has_submit = len(submits) and f.code in submits.index
        rows.append(
            {
                "finding_code": f.code,
                "closure_state": state,
                "deadline": deadline,
                "original_deadline": originals.get(f.code, deadline),
                "recheck_month": recheck_month,
                "reported_status": f.status,
                "last_event": kind,
                "submitted_by": submits.user_name[f.code] if has_submit else None,
                "submitted_at": submits.created_at[f.code] if has_submit else None,
                "note": last.note[f.code] if kind else None,
                "recheck_due": bool(kind == "approve" and recheck_month is not None and recheck_month <= as_of),
                "deadline_level": level,
                "days_left": days,
                "lead_department": f.lead_department,
                "responsible_leader": f.responsible_leader,
                "title": f.title,
                "report_number": f.report_number,
                "extension_pending": f.code in pending_extensions,
            }
        )
    frame = pd.DataFrame(rows)
    frame["days_left"] = frame.days_left.astype("Int64")
    for column in ("deadline_level", "recheck_month", "last_event", "note", "submitted_by"):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


def listing(con: duckdb.DuckDBPyConnection, state: str | None = None, today: dt.date | None = None) -> pd.DataFrame:
    """`closure list`: findings by state (pending / closed / returned / recheck-due), pending oldest first."""
    frame = states(con, today=today)
    if state == "pending":
        frame = frame[frame.closure_state == PENDING].sort_values("submitted_at", kind="stable")
    elif state == "closed":
        frame = frame[frame.closure_state == CLOSED]
    elif state == "returned":
        frame = frame[frame.last_event == "return"]
    elif state == "recheck-due":
        frame = frame[frame.recheck_due]
    elif state is not None:
        raise ClosureError(f"状态应为 {' / '.join(LIST_STATES)} 之一：{state}")
    columns = [
        "finding_code",
        "closure_state",
        "lead_department",
        "responsible_leader",
        "deadline",
        "original_deadline",
        "recheck_month",
        "submitted_by",
        "submitted_at",
        "note",
        "title",
    ]
    return frame[columns].reset_index(drop=True)


def queue(con: duckdb.DuckDBPyConnection, today: dt.date | None = None) -> pd.DataFrame:
    """The reviewers' queue: submissions awaiting review, oldest first, with the submission's event id."""
    frame = listing(con, "pending", today)
    events = effective_events(con)
    submits = events[events.kind == "submit"].groupby("finding_code").tail(1).set_index("finding_code")
    frame["event_id"] = frame.finding_code.map(submits.event_id)
    return frame


# --- The finding's history ----------------------------------------------------------------------

TIMELINE_COLUMNS = ["时间", "月份", "事项", "操作人", "说明", "佐证材料"]


def timeline(con: duckdb.DuckDBPyConnection, code: str) -> pd.DataFrame:
    """Everything that happened to a finding, newest first: statuses reported, submissions with
    their files, reviews, deadline changes, re-checks and withdrawn files."""
    rows = []
    for r in query(con, "finding_status_history", finding=code).itertuples():
        rows.append((r.created_at, r.month, f"上报状态：{r.status}", r.user_name, r.note or "", ""))
    files = evidence.files(con, code, include_withdrawn=True)

    def names(attached: pd.DataFrame) -> str:
        return "、".join(
            f"{f.file_name}"
            + (f"（{f.caption}）" if isinstance(f.caption, str) and f.caption else "")
            + ("［已撤回］" if f.withdrawn else "")
            for f in attached.itertuples()
        )

    for e in effective_events(con, code).itertuples():
        label = EVENT_LABELS[e.kind]
        detail = e.note if isinstance(e.note, str) else ""
        if e.kind == "approve" and e.recheck_month is not None and not pd.isna(e.recheck_month):
            detail = (detail + "；" if detail else "") + f"回头看：{to_month(pd.Timestamp(e.recheck_month))}"
        if e.kind == "submit" and e.upload_id is not None and not pd.isna(e.upload_id):
            label += f"（台账批次 #{int(e.upload_id)}）"
        rows.append(
            (
                e.created_at,
                to_month(pd.Timestamp(e.month)),
                label,
                e.user_name,
                detail,
                names(files[files.event_id == e.event_id]),
            )
        )
    labels = {"set": "设定整改期限", "request": "申请延期", "approve": "批准延期", "refuse": "驳回延期"}
    for d in deadlines.history(con, code).itertuples():
        when = pd.Timestamp(d.created_at)
        date = "" if d.deadline is None or pd.isna(d.deadline) else f"{pd.Timestamp(d.deadline).date()}"
        previous = (
            ""
            if d.previous_deadline is None or pd.isna(d.previous_deadline)
            else f"{pd.Timestamp(d.previous_deadline).date()}"
        )
        detail = f"{previous} → {date}" if previous else date
        if isinstance(d.reason, str) and d.reason:
            detail += f"；{d.reason}"
        attached = names(files[files.change_id == d.change_id]) if d.kind == "request" else ""
        rows.append((d.created_at, to_month(when), labels[d.kind], d.user_name, detail, attached))
    withdrawn = con.execute(
        "select w.withdrawn_at, e.file_name, w.withdrawn_by, w.reason from evidence_withdrawals w"
        " join evidence_files e using (evidence_id) where e.finding_code = ?",
        [code],
    ).fetchall()
    for at, name, who, reason in withdrawn:
        rows.append((at, to_month(pd.Timestamp(at)), "撤回佐证材料", who, reason or "", name))
    frame = pd.DataFrame(rows, columns=TIMELINE_COLUMNS)
    frame["时间"] = pd.to_datetime(frame["时间"])
    frame["操作人"] = frame["操作人"].map(auth.shown_names(con, frame["操作人"])).fillna("")
    return frame.sort_values("时间", ascending=False, kind="stable").reset_index(drop=True)
