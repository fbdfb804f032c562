"""The Streamlit parts of the 销号 workflow that 问题详情 and 销号审核 share: evidence shown inline,
the submit, review, re-check and extension forms. Logic lives in rectification.closure/deadlines."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import streamlit as st

from rectification.core import config
from rectification.core.months import add_months, current_month
from rectification.workflow import auth, closure, deadlines, evidence
from ui import access, database, widgets

NOTICE_KEY = "closure_notice"
UPLOAD_TYPES = ["jpg", "jpeg", "png", "pdf", "doc", "docx", "xls", "xlsx", "wps", "et"]


def escaped(text: str) -> str:
    """Text safe for st.error / st.success, which interpret markdown: messages may quote file names."""
    return widgets.escape_markdown(text)


def flash(text: str) -> None:
    """A success message that survives the rerun after a write."""
    st.session_state[NOTICE_KEY] = text


def show_flash() -> None:
    text = st.session_state.pop(NOTICE_KEY, None)
    if text:
        st.success(escaped(text))


def _done(message: str) -> None:
    database.bump_data_version()
    flash(message)
    st.rerun()


def _size(n: int) -> str:
    return f"{n / 1024:.0f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MB"


EVIDENCE_SIGN_IN = "佐证材料可能涉及人员、案卷和地点，登录后才能查看和下载。"


def may_see_evidence() -> bool:
    """Evidence (its files, pictures and names) is for signed-in users only, whatever
    RECTIFICATION_LOGIN_REQUIRED says: it may show people, case files and places."""
    return access.current_user() is not None


def show_evidence(code: str, *, key: str, event_id: int | None = None, change_id: int | None = None) -> None:
    """The finding's current evidence (or one submission's, or one extension request's): photos shown
    re-encoded, every file downloadable under a made-up name. File names and captions only ever go
    through st.text. Nothing of it without a signed-in user (may_see_evidence)."""
    if not may_see_evidence():
        st.caption(EVIDENCE_SIGN_IN)
        return
    cursor = database.cursor()
    files = evidence.files(cursor, code)
    if event_id is not None:
        files = files[files.event_id == event_id]
    if change_id is not None:
        files = files[files.change_id == change_id]
    if files.empty:
        st.caption("没有佐证材料。")
        return
    for f in files.itertuples():
        data, media_type, name = evidence.shown_bytes(cursor, int(f.evidence_id))
        with st.container(border=True):
            caption = f"　{f.caption}" if isinstance(f.caption, str) and f.caption else ""
            st.text(f"#{f.evidence_id}　{f.file_name}{caption}")
            came_with = "随延期申请" if pd.notna(f.change_id) else "随销号申请"
            st.text(
                f"{evidence.KIND_LABELS[f.kind]}，{_size(int(f.size_bytes))}，"
                f"{access.person(f.uploaded_by)} {came_with}提交于 {pd.Timestamp(f.uploaded_at):%Y-%m-%d %H:%M}"
            )
            if f.kind == "image":
                st.image(data, width=480)
            st.download_button(
                "下载",
                data=data,
                file_name=name,
                mime="application/octet-stream",  # handed over, never opened by the browser
                key=f"{key}_download_{f.evidence_id}",
            )


def _evidence_inputs(key: str) -> tuple:
    """The file picker and its captions, inside the caller's form. After a refused file the picker
    comes back empty (a new key) while everything written stays."""
    generation = st.session_state.get(f"{key}_files_generation", 0)
    limit_mb = max(1, math.ceil(config.evidence_max_bytes() / 1024 / 1024))
    files = widgets.file_uploader(
        "佐证材料（可多选）",
        type=UPLOAD_TYPES,
        accept_multiple_files=True,
        # The widget states the evidence limit (the setting), not the server's general upload limit.
        max_upload_size=limit_mb,
        key=f"{key}_files" + (f"_{generation}" if generation else ""),
        note=f"或把文件拖到此处；图片、PDF、Word、Excel、WPS，单个不超过 {limit_mb} MB",
    )
    captions = st.text_area("文件说明（每行一条，依次对应上面的文件，可不填）", key=f"{key}_captions")
    return files, captions


def _refused(key: str, error: Exception) -> None:
    """Say why the form was refused. When a file was the reason, the picker is emptied (a rerun with
    a new key) so the next try does not send the bad file again; the text written is kept."""
    if isinstance(error.__cause__, evidence.EvidenceError):
        st.session_state[f"{key}_files_generation"] = st.session_state.get(f"{key}_files_generation", 0) + 1
        st.session_state[f"{key}_refusal"] = str(error)
        st.rerun()
    st.error(escaped(str(error)))


def _show_refusal(key: str) -> None:
    message = st.session_state.pop(f"{key}_refusal", None)
    if message:
        st.error(escaped(message))


def _uploads(files, captions: str | None) -> list[evidence.Upload]:
    """The picked files with the caption on the same line number, for rectification.evidence to check."""
    lines = [line.strip() for line in (captions or "").splitlines()]
    return [
        evidence.Upload(f.name, f.getvalue(), lines[i] if i < len(lines) else "") for i, f in enumerate(files or [])
    ]


def submit_form(code: str, user: auth.User, *, key: str) -> None:
    limit = config.evidence_max_bytes() / 1024 / 1024
    # Not cleared on submit: a refusal must not cost the text already written (a refused file empties
    # the picker, see _refused; on success the form goes away with the state it belongs to).
    with st.form(f"{key}_submit_form"):
        st.caption(f"申请销号：写明整改情况并附佐证材料（照片、PDF、Word/Excel/WPS 文档，每个不超过 {limit:g} MB）。")
        if earlier := closure.earlier_evidence(database.cursor(), code):
            # Said as it is: the files stay with the earlier submission, the reviewer sees only this one's.
            st.caption(
                f"此前申请所附的 {earlier} 个佐证材料仍保存在本问题的「佐证材料」中，但不随本次申请提交："
                "审核人员在「销号审核」页只看到本次所附的文件，仍需要的请重新选择上传（同一文件只存一份）。"
            )
        note = st.text_area("整改情况说明", max_chars=closure.MAX_NOTE, key=f"{key}_note")
        files, captions = _evidence_inputs(key)
        submitted = st.form_submit_button("申请销号", type="primary", key=f"{key}_submit")
    _show_refusal(key)
    if not submitted:
        return
    uploads = _uploads(files, captions)
    try:
        closure.submit(database.connection(), code, note=note, files=uploads, user=user.username)
    except closure.ClosureError as error:
        _refused(key, error)
        return
    _done(f"已申请销号（佐证材料 {len(uploads)} 个），等待审核。")


def review_form(code: str, user: auth.User, submitted_by: str | None, *, key: str) -> None:
    if submitted_by == user.username:
        st.info("这是您本人提交的销号申请，须由另一位审核人员审核。")
        return
    default = add_months(current_month(), config.recheck_months())
    with st.form(f"{key}_review_form"):
        recheck = st.text_input("回头看月份（YYYY-MM）", value=default, key=f"{key}_recheck")
        reason = st.text_area("退回理由（退回时必填）", key=f"{key}_reason")
        left, right = st.columns(2)
        approve = left.form_submit_button("审核通过，销号", type="primary", key=f"{key}_approve")
        back = right.form_submit_button("退回", key=f"{key}_return")
    try:
        if approve:
            month = closure.approve(database.connection(), code, user=user.username, recheck=recheck)
            _done(f"{code} 已销号；回头看：{month:%Y-%m}。")
        elif back:
            closure.return_submission(database.connection(), code, reason=reason, user=user.username)
            _done(f"{code} 已退回。")
    except closure.ClosureError as error:
        st.error(escaped(str(error)))


def recheck_form(code: str, user: auth.User, *, key: str) -> None:
    with st.form(f"{key}_recheck_form"):
        result = st.radio(
            "回头看结果",
            list(closure.RESULTS),
            format_func=lambda r: {"held": "巩固（保持销号）", "relapsed": "反弹（重新整改）"}[r],
            horizontal=True,
            key=f"{key}_result",
        )
        reason = st.text_area("说明（反弹时必填）", key=f"{key}_recheck_reason")
        submitted = st.form_submit_button("记录回头看", type="primary", key=f"{key}_recheck_submit")
    if submitted:
        try:
            closure.recheck(database.connection(), code, result=result, reason=reason, user=user.username)
        except closure.ClosureError as error:
            st.error(escaped(str(error)))
        else:
            _done(f"{code} 回头看已记录：{closure.RESULTS[result]}。")


def extension_request_form(code: str, user: auth.User, deadline, *, key: str) -> None:
    start = pd.Timestamp(deadline).date() if deadline is not None and not pd.isna(deadline) else dt.date.today()
    # Not cleared on submit, as submit_form.
    with st.form(f"{key}_extend_form"):
        st.caption(
            "申请延期：选择新的期限并写明理由，可附佐证材料（照片、PDF、Word/Excel/WPS 文档，"
            f"每个不超过 {config.evidence_max_bytes() / 1024 / 1024:g} MB）。审核人员批准后生效，原定期限保留在记录中。"
        )
        new = st.date_input("申请延至", value=start + dt.timedelta(days=30), key=f"{key}_extend_date")
        reason = st.text_area("延期理由", max_chars=deadlines.MAX_REASON, key=f"{key}_extend_reason")
        files, captions = _evidence_inputs(f"{key}_extend")
        submitted = st.form_submit_button("申请延期", key=f"{key}_extend_submit")
    _show_refusal(f"{key}_extend")
    if submitted:
        uploads = _uploads(files, captions)
        try:
            deadlines.request_extension(
                database.connection(), code, new, reason=reason, user=user.username, files=uploads
            )
        except deadlines.DeadlineError as error:
            _refused(f"{key}_extend", error)
        else:
            attached = f"（佐证材料 {len(uploads)} 个）" if uploads else ""
            _done(f"已申请延期至 {new}{attached}，等待审核人员审批。")


def extension_decision_form(code: str, user: auth.User, *, key: str) -> None:
    with st.form(f"{key}_decide_form"):
        reason = st.text_input("驳回理由（驳回时必填）", key=f"{key}_refuse_reason")
        left, right = st.columns(2)
        approve = left.form_submit_button("批准延期", type="primary", key=f"{key}_extension_approve")
        refuse = right.form_submit_button("驳回", key=f"{key}_extension_refuse")
    try:
        if approve:
            new = deadlines.approve_extension(database.connection(), code, user=user.username)
            _done(f"{code} 延期已批准，整改期限为 {new}。")
        elif refuse:
            deadlines.refuse_extension(database.connection(), code, user=user.username, reason=reason)
            _done(f"{code} 延期申请已驳回。")
    except deadlines.DeadlineError as error:
        st.error(escaped(str(error)))


def withdraw_form(code: str, user: auth.User, *, key: str) -> None:
    """The uploader (while the finding is not closed) or an admin hides a file; it stays stored."""
    files = evidence.files(database.cursor(), code)
    if user.role != "admin":
        files = files[files.uploaded_by == user.username]
    if files.empty:
        return
    names = dict(zip(files.evidence_id, files.file_name, strict=True))
    with st.expander("撤回佐证材料（撤回后不再显示，文件仍保留）"):
        with st.form(f"{key}_withdraw_form"):
            choice = st.selectbox(
                "文件",
                list(names),
                format_func=lambda i: f"#{i}　{names[i]}",
                key=f"{key}_withdraw_pick",
                placeholder=widgets.CHOOSE,
            )
            reason = st.text_input("撤回原因", key=f"{key}_withdraw_reason")
            submitted = st.form_submit_button("撤回所选文件", key=f"{key}_withdraw_submit")
    if submitted:
        try:
            closure.withdraw_evidence(database.connection(), int(choice), user=user.username, reason=reason)
        except closure.ClosureError as error:
            st.error(escaped(str(error)))
        else:
            _done(f"佐证材料 #{choice} 已撤回。")


def add_evidence_form(code: str, user: auth.User, *, key: str) -> None:
    """More files for the submission awaiting review (a ledger's 已完成 comes without any)."""
    with st.form(f"{key}_add_form", clear_on_submit=True):
        st.caption("补充佐证材料：附到待审核的销号申请上。")
        files, captions = _evidence_inputs(f"{key}_add")
        submitted = st.form_submit_button("补充材料", key=f"{key}_add_submit")
    if not submitted:
        return
    uploads = _uploads(files, captions)
    try:
        closure.add_evidence(database.connection(), code, files=uploads, user=user.username)
    except closure.ClosureError as error:
        st.error(escaped(str(error)))
        return
    _done(f"已补充佐证材料 {len(uploads)} 个。")
