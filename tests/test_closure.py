"""销号 workflow, deadlines, 回头看 and evidence: every transition and every refusal, on a real store."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import duckdb
import pytest
from PIL import Image

from rectification import ingest
from rectification.core import store, vocabulary
from rectification.rules import closure_states, deadline_levels
from rectification.workflow import auth, closure, deadlines, evidence, uploads
from snapshot import store_snapshot
from support import TEST_PASSWORD, legacy_store

TODAY = dt.date(2025, 6, 10)
CODE = "F03"  # 推进中 at the report, led by 交警大队
DEPT = "交警大队"


def jpeg_bytes(colour="red", *, gps: bool = False) -> bytes:
    image = Image.new("RGB", (64, 48), colour)
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "TestCamera"  # Make
    if gps:
        exif[0x8825] = {1: "N", 2: (23.0, 7.0, 30.0), 3: "E", 4: (113.0, 15.0, 0.0)}
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


@pytest.fixture
def people(con):
    """An editor of the lead department, one of another department, two reviewers, an admin, a viewer."""
    for name, role, department in [
        ("ed", "editor", DEPT),
        ("other_ed", "editor", "治安大队"),
        ("rev", "reviewer", None),
        ("rev2", "reviewer", None),
        ("boss", "admin", None),
        ("look", "viewer", None),
    ]:
        auth.create_user(con, name, role, TEST_PASSWORD, department=department, actor="test")
    return con


def submit(con, user="ed", files=None, note="已完成路口改造"):
    files = (
        [evidence.Upload("现场.jpg", jpeg_bytes(), "改造后路口"), evidence.Upload("验收.pdf", PDF, "验收单")]
        if files is None
        else files
    )
    return closure.submit(con, CODE, note=note, files=files, user=user, today=TODAY)


def state(con, code=CODE):
    return closure.current_state(con, code)


# --- The report's 已完成 and the states ---------------------------------------------------------


def test_the_reports_completed_findings_count_as_closed(con):
    frame = closure.states(con, "2025-03", today=TODAY)
    reported = con.execute(
        "select finding_code from finding_status join uploads using (upload_id)"
        " where uploads.kind = 'opening' and status = '已完成' order by finding_code"
    ).fetchall()
    assert sorted(frame[frame.closure_state == vocabulary.CLOSED].finding_code) == [r[0] for r in reported]
    assert len(reported) == 19  # 问题16 is 推进中 since the catalogue's review (issue 10)
    assert frame.closure_state.value_counts().to_dict() == {
        vocabulary.LONG_TERM: 29,
        vocabulary.CLOSED: 19,
        vocabulary.ONGOING: 8,
    }
    assert list(frame.columns[:5]) == [
        "finding_code",
        "closure_state",
        "deadline",
        "original_deadline",
        "recheck_month",
    ]


def test_a_store_from_before_migration_009_is_migrated(tmp_path):
    path = legacy_store(tmp_path, "v8-sample")
    raw = duckdb.connect(str(path))
    raw.execute("insert into users (username, role, password_hash) values ('old_admin', 'admin', 'x')")
    raw.close()

    con = store.connect(path)
    try:
        assert store.schema_version(con) >= 9
        # The report's 已完成 count as 已销号: derived from the opening statuses, nothing stored.
        states = closure.states(con, "2025-03", today=TODAY)
        assert (states.closure_state == vocabulary.CLOSED).sum() == 19
        events = closure.effective_events(con)
        assert (len(events), set(events.user_name), set(events.kind)) == (19, {"system"}, {"approve"})
        assert con.execute("select count(*) from closure_events").fetchone()[0] == 0
        assert con.execute("select username, role from users").fetchall() == [("old_admin", "admin")]
        auth.create_user(con, "new_rev", "reviewer", TEST_PASSWORD)  # the new role is accepted
    finally:
        con.close()


def test_state_rule():
    assert closure_states.state_of("已完成", False, None) == vocabulary.PENDING
    assert closure_states.state_of("推进中", False, "submit") == vocabulary.PENDING
    assert closure_states.state_of("推进中", False, "approve") == vocabulary.CLOSED
    assert closure_states.state_of("已完成", False, "return") == vocabulary.ONGOING
    assert closure_states.state_of("推进中", False, "held") == vocabulary.CLOSED
    assert closure_states.state_of("推进中", False, "relapsed") == vocabulary.ONGOING
    assert closure_states.state_of("推进中", True, "approve") == vocabulary.ONGOING
    assert closure_states.state_of("长期坚持", False, None) == vocabulary.LONG_TERM
    assert closure_states.state_of(None, False, None) == vocabulary.NOT_STARTED


# --- Submit ----------------------------------------------------------------------------------------


def test_submit_makes_it_pending_with_its_evidence(people):
    con = people
    event_id = submit(con)
    assert state(con) == vocabulary.PENDING
    files = evidence.files(con, CODE)
    assert files[["event_id", "file_name", "caption", "kind", "extension"]].values.tolist() == [
        [event_id, "现场.jpg", "改造后路口", "image", "jpg"],
        [event_id, "验收.pdf", "验收单", "pdf", "pdf"],
    ]
    queue = closure.queue(con, TODAY)
    assert queue[["finding_code", "submitted_by", "note", "event_id"]].values.tolist() == [
        [CODE, "ed", "已完成路口改造", event_id]
    ]
    assert con.execute("select action, target from audit_log order by audit_id desc limit 1").fetchall() == [
        ("closure_submit", CODE)
    ]


@pytest.mark.parametrize(
    ("user", "message"),
    [
        ("other_ed", "无权限：只有牵头部门（交警大队）的填报人员或管理员可以申请销号"),
        ("rev", "无权限：只有牵头部门"),
        ("look", "无权限：只有牵头部门"),
        ("nobody", "没有这个用户：nobody"),
    ],
)
def test_submit_refused_for_the_wrong_person(people, user, message):
    before = store_snapshot(people)
    with pytest.raises(closure.ClosureError, match=message):
        submit(people, user=user)
    assert store_snapshot(people) == before


def test_submit_refusals_leave_the_store_unchanged(people):
    con = people
    before = store_snapshot(con)
    with pytest.raises(closure.ClosureError, match="请填写整改情况说明"):
        submit(con, note="  ")
    with pytest.raises(closure.ClosureError, match="长期坚持事项，不销号"):
        closure.submit(con, "F01", note="x", user="boss", today=TODAY)
    with pytest.raises(closure.ClosureError, match="整改问题不存在"):
        closure.submit(con, "F99", note="x", user="boss", today=TODAY)
    with pytest.raises(closure.ClosureError, match=r"「病毒\.jpg」的内容不是允许的类型.*Windows 可执行程序"):
        submit(con, files=[evidence.Upload("现场.jpg", jpeg_bytes()), evidence.Upload("病毒.jpg", EXE)])
    assert store_snapshot(con) == before
    submit(con)
    with pytest.raises(closure.ClosureError, match="已在审核中"):
        submit(con)


def test_a_file_over_the_size_setting_is_refused(people, monkeypatch):
    monkeypatch.setenv("RECTIFICATION_EVIDENCE_MAX_MB", "0.001")
    with pytest.raises(closure.ClosureError, match="超过大小上限"):
        submit(people, files=[evidence.Upload("大.pdf", PDF + b"0" * 2000)])


def test_type_is_decided_by_content_not_name():
    assert evidence.detect(PDF) == ("pdf", "application/pdf", "pdf")
    assert evidence.detect(jpeg_bytes())[0] == "image"
    assert evidence.detect(EXE) is None
    assert evidence.detect(b"PK\x03\x04 not really a zip") is None
    with pytest.raises(evidence.EvidenceError, match="内容不是允许的类型"):
        evidence.check(evidence.Upload("报告.pdf", b"<html><script>alert(1)</script>"))
    # A PNG named .jpg is accepted as the PNG it is.
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, format="PNG")
    checked = evidence.check(evidence.Upload("照片.jpg", out.getvalue()))
    assert (checked.kind, checked.extension) == ("image", "png")
    # A path in the name is never kept.
    assert evidence.check(evidence.Upload("../../etc/passwd.pdf", PDF)).name == "passwd.pdf"
    with pytest.raises(evidence.EvidenceError, match="无法读取"):
        evidence.check(evidence.Upload("坏.jpg", b"\xff\xd8\xff\xe0 truncated"))


def test_office_documents_are_accepted(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    path = tmp_path / "台账.xlsx"
    book.save(path)
    assert evidence.check(evidence.Upload("台账.xlsx", path.read_bytes())).extension == "xlsx"
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100
    assert evidence.check(evidence.Upload("通知.wps", ole)).kind == "document"


def test_photos_are_re_encoded_without_gps_and_stored_once(people):
    con = people
    photo = jpeg_bytes(gps=True)
    assert Image.open(io.BytesIO(photo)).getexif().get_ifd(0x8825)
    submit(con, files=[evidence.Upload("a.jpg", photo), evidence.Upload("b.jpg", photo)])
    files = evidence.files(con, CODE)
    assert files.sha256.tolist() == [hashlib.sha256(photo).hexdigest()] * 2
    # Two rows, one original and one display copy stored.
    assert (
        con.execute(
            "select count(*) from evidence_blobs where sha256 not in (select sha256 from programme_documents)"
        ).fetchone()[0]
        == 2
    )
    shown, media_type, name = evidence.shown_bytes(con, int(files.evidence_id[0]))
    assert media_type == "image/jpeg" and name == f"{CODE}_佐证{files.evidence_id[0]}.jpg"
    exif = Image.open(io.BytesIO(shown)).getexif()
    assert not exif.get_ifd(0x8825) and 0x010F not in exif
    assert evidence.content(con, files.sha256[0]) == photo  # the original is kept as sent


def test_the_keep_gps_setting_keeps_the_position():
    checked = evidence.check(evidence.Upload("a.jpg", jpeg_bytes(gps=True)), keep_gps=True)
    gps = Image.open(io.BytesIO(checked.display)).getexif().get_ifd(0x8825)
    assert gps[1] == "N" and gps[3] == "E"


def test_withdrawing_a_file_hides_it_but_keeps_it(people):
    con = people
    submit(con)
    first = int(evidence.files(con, CODE).evidence_id[0])
    with pytest.raises(closure.ClosureError, match="只有上传人或管理员"):
        closure.withdraw_evidence(con, first, user="rev")
    closure.withdraw_evidence(con, first, user="ed", reason="拍错了")
    assert evidence.files(con, CODE).file_name.tolist() == ["验收.pdf"]
    everything = evidence.files(con, CODE, include_withdrawn=True)
    assert everything.withdrawn.tolist() == [True, False]
    assert evidence.content(con, everything.sha256[0])  # the bytes are still there
    with pytest.raises(closure.ClosureError, match="已撤回"):
        closure.withdraw_evidence(con, first, user="boss")
    assert "撤回佐证材料" in closure.timeline(con, CODE)["事项"].tolist()


# --- Review ----------------------------------------------------------------------------------------


def test_approve_closes_it_with_a_default_recheck_month(people):
    con = people
    submit(con)
    assert closure.approve(con, CODE, user="rev", today=TODAY) == dt.date(2025, 9, 1)
    assert state(con) == vocabulary.CLOSED
    row = closure.states(con, today=TODAY).set_index("finding_code").loc[CODE]
    assert (row.closure_state, row.recheck_month, row.recheck_due) == (vocabulary.CLOSED, "2025-09", False)
    assert closure.listing(con, "recheck-due", dt.date(2025, 9, 2)).finding_code.tolist() == [CODE]


def test_nobody_approves_or_returns_their_own_submission(people):
    con = people
    closure.submit(con, CODE, note="管理员代报", user="boss", today=TODAY)
    before = store_snapshot(con)
    with pytest.raises(closure.ClosureError, match="不能审核自己提交的销号申请"):
        closure.approve(con, CODE, user="boss", today=TODAY)
    with pytest.raises(closure.ClosureError, match="不能审核自己提交的销号申请"):
        closure.return_submission(con, CODE, reason="x", user="boss", today=TODAY)
    assert store_snapshot(con) == before
    closure.approve(con, CODE, user="rev", today=TODAY)
    assert state(con) == vocabulary.CLOSED


@pytest.mark.parametrize("user", ["ed", "look", "other_ed"])
def test_only_reviewers_and_admins_review(people, user):
    con = people
    submit(con)
    with pytest.raises(closure.ClosureError, match="无权限：审核销号需要「审核」或「管理」权限"):
        closure.approve(con, CODE, user=user, today=TODAY)
    with pytest.raises(closure.ClosureError, match="无权限：退回销号申请需要"):
        closure.return_submission(con, CODE, reason="x", user=user, today=TODAY)


def test_review_refusals(people):
    con = people
    with pytest.raises(closure.ClosureError, match="没有待审核的销号申请"):
        closure.approve(con, CODE, user="rev", today=TODAY)
    submit(con)
    with pytest.raises(closure.ClosureError, match="请填写退回理由"):
        closure.return_submission(con, CODE, reason="", user="rev", today=TODAY)
    with pytest.raises(closure.ClosureError, match="回头看月份须晚于本月"):
        closure.approve(con, CODE, user="rev", recheck="2025-06", today=TODAY)
    with pytest.raises(closure.ClosureError, match="格式应为 YYYY-MM"):
        closure.approve(con, CODE, user="rev", recheck="明年", today=TODAY)
    assert state(con) == vocabulary.PENDING


def test_return_then_resubmit_then_approve(people):
    con = people
    submit(con)
    closure.return_submission(con, CODE, reason="照片看不清", user="rev", today=TODAY)
    assert state(con) == vocabulary.ONGOING
    assert closure.listing(con, "returned", TODAY).finding_code.tolist() == [CODE]
    submit(con, files=[evidence.Upload("新照片.png", _png())], note="补充清晰照片")
    assert state(con) == vocabulary.PENDING
    closure.approve(con, CODE, user="rev2", recheck="2025-12", today=TODAY)
    assert state(con) == vocabulary.CLOSED
    timeline = closure.timeline(con, CODE)
    steps = timeline[timeline["事项"].str.match("申请销号|退回|审核通过")]
    assert steps[["事项", "操作人", "说明"]].values.tolist() == [
        ["审核通过（销号）", "rev2", "回头看：2025-12"],
        ["申请销号", "ed", "补充清晰照片"],
        ["退回", "rev", "照片看不清"],
        ["申请销号", "ed", "已完成路口改造"],
    ]
    assert steps["佐证材料"].tolist() == ["", "新照片.png", "", "现场.jpg（改造后路口）、验收.pdf（验收单）"]
    with pytest.raises(closure.ClosureError, match="已销号"):
        submit(con)


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(out, format="PNG")
    return out.getvalue()


# --- 回头看 --------------------------------------------------------------------------------------


def test_recheck_held_keeps_it_closed(people):
    con = people
    submit(con)
    closure.approve(con, CODE, user="rev", today=TODAY)
    closure.recheck(con, CODE, result="held", user="rev2", today=dt.date(2025, 9, 5))
    assert state(con) == vocabulary.CLOSED
    assert closure.listing(con, "recheck-due", dt.date(2025, 9, 6)).empty
    with pytest.raises(closure.ClosureError, match="不是待回头看"):
        closure.recheck(con, CODE, result="held", user="rev", today=dt.date(2025, 9, 5))


def test_recheck_relapsed_reopens_it_with_the_reason(people):
    con = people
    submit(con)
    closure.approve(con, CODE, user="rev", today=TODAY)
    with pytest.raises(closure.ClosureError, match="反弹须写明原因"):
        closure.recheck(con, CODE, result="relapsed", user="rev", today=dt.date(2025, 9, 5))
    with pytest.raises(closure.ClosureError, match="held（巩固）或 relapsed"):
        closure.recheck(con, CODE, result="ok", user="rev", today=dt.date(2025, 9, 5))
    with pytest.raises(closure.ClosureError, match="无权限：记录回头看"):
        closure.recheck(con, CODE, result="held", user="ed", today=dt.date(2025, 9, 5))
    closure.recheck(con, CODE, result="relapsed", reason="违停又出现", user="rev", today=dt.date(2025, 9, 5))
    assert state(con) == vocabulary.ONGOING
    assert closure.timeline(con, CODE)["说明"][0] == "违停又出现"
    submit(con, note="再次整改")  # it can be submitted again
    assert state(con) == vocabulary.PENDING


def test_recheck_is_refused_on_an_open_finding(people):
    with pytest.raises(closure.ClosureError, match="不是待回头看"):
        closure.recheck(people, CODE, result="held", user="rev", today=TODAY)


# --- The ledger -----------------------------------------------------------------------------------


def _ledger(status: str, note: str) -> bytes:
    text = f"月份,问题编号,状态,进展说明\r\n2025-05,3,{status},{note}\r\n"
    return text.encode("utf-8")


def test_a_ledger_saying_done_becomes_a_closure_request(people):
    con = people
    result = ingest.import_file(con, _ledger("已完成", "改造完工"), "台账.csv", user="ed")
    assert state(con) == vocabulary.PENDING
    queue = closure.queue(con, TODAY)
    assert queue[["finding_code", "submitted_by", "note"]].values.tolist() == [[CODE, "ed", "改造完工"]]
    # Rolling the upload back withdraws the request with it.
    uploads.rollback(con, result.upload_id, "boss")
    assert state(con) == vocabulary.ONGOING


def test_a_ledger_saying_done_for_a_closed_finding_submits_nothing(people):
    con = people
    text = "月份,问题编号,状态,进展说明\r\n2025-05,F02,已完成,保持\r\n".encode()
    before = con.execute("select count(*) from closure_events").fetchone()[0]
    ingest.import_file(con, text, "台账.csv", user="ed")
    assert con.execute("select count(*) from closure_events").fetchone()[0] == before
    assert state(con, "F02") == vocabulary.CLOSED


def test_monthly_grid_shows_pending_and_closed(people):
    from rectification.rules.data import load

    con = people
    submit(con)
    data = load(lambda name, **p: store.query(con, name, **p))
    assert data.statuses.set_index(["finding_code", "month"]).status[(CODE, "2025-06")] == vocabulary.PENDING
    closure.approve(con, CODE, user="rev", today=TODAY)
    data = load(lambda name, **p: store.query(con, name, **p))
    statuses = data.statuses.set_index(["finding_code", "month"]).status
    assert statuses[(CODE, "2025-06")] == vocabulary.CLOSED
    assert statuses[(CODE, "2025-03")] == vocabulary.ONGOING
    assert statuses[("F02", "2025-03")] == vocabulary.CLOSED


# --- Deadlines -------------------------------------------------------------------------------------


def test_deadline_set_extend_approve_keeps_the_original(people):
    con = people
    deadlines.set_deadline(con, CODE, dt.date(2025, 6, 30), user="rev", leader="王副局长")
    with pytest.raises(deadlines.DeadlineError, match="只有牵头部门"):
        deadlines.request_extension(con, CODE, dt.date(2025, 9, 30), reason="施工延误", user="other_ed")
    with pytest.raises(deadlines.DeadlineError, match="须晚于现行期限"):
        deadlines.request_extension(con, CODE, dt.date(2025, 6, 1), reason="x", user="ed")
    with pytest.raises(deadlines.DeadlineError, match="请填写延期理由"):
        deadlines.request_extension(con, CODE, dt.date(2025, 9, 30), reason=" ", user="ed")
    deadlines.request_extension(con, CODE, dt.date(2025, 9, 30), reason="施工延误", user="ed")
    with pytest.raises(deadlines.DeadlineError, match="已有待审批的延期申请"):
        deadlines.request_extension(con, CODE, dt.date(2025, 10, 30), reason="x", user="ed")
    with pytest.raises(deadlines.DeadlineError, match="无权限：审批延期"):
        deadlines.approve_extension(con, CODE, user="ed")
    assert deadlines.requests(con)[["finding_code", "reason", "user_name"]].values.tolist() == [
        [CODE, "施工延误", "ed"]
    ]
    assert deadlines.approve_extension(con, CODE, user="rev") == dt.date(2025, 9, 30)
    row = closure.states(con, today=TODAY).set_index("finding_code").loc[CODE]
    assert (row.deadline, row.original_deadline) == (dt.date(2025, 9, 30), dt.date(2025, 6, 30))
    assert deadline_levels.described(row.deadline, row.original_deadline) == "原定 2025-06-30，经批准延至 2025-09-30"
    assert con.execute("select responsible_leader from findings where finding_code = ?", [CODE]).fetchone() == (
        "王副局长",
    )
    with pytest.raises(deadlines.DeadlineError, match="没有待审批的延期申请"):
        deadlines.approve_extension(con, CODE, user="rev")


def test_nobody_approves_their_own_extension(people):
    con = people
    deadlines.set_deadline(con, CODE, dt.date(2025, 6, 30), user="boss")
    deadlines.request_extension(con, CODE, dt.date(2025, 7, 31), reason="等材料", user="boss")
    with pytest.raises(deadlines.DeadlineError, match="不能审批自己提出的延期申请"):
        deadlines.approve_extension(con, CODE, user="boss")
    deadlines.refuse_extension(con, CODE, user="rev", reason="理由不充分")
    row = closure.states(con, today=TODAY).set_index("finding_code").loc[CODE]
    assert (row.deadline, row.original_deadline) == (dt.date(2025, 6, 30), dt.date(2025, 6, 30))
    assert deadlines.requests(con).empty


def test_deadline_set_needs_a_reviewer(people):
    with pytest.raises(deadlines.DeadlineError, match="无权限：设定整改期限"):
        deadlines.set_deadline(people, CODE, dt.date(2025, 6, 30), user="ed")


def test_deadline_levels_follow_the_settings(monkeypatch):
    ref = dt.date(2025, 6, 10)
    assert deadline_levels.level(dt.date(2025, 7, 1), ref) == (None, 21)
    assert deadline_levels.level(dt.date(2025, 6, 30), ref) == (vocabulary.NOTICE, 20)
    assert deadline_levels.level(dt.date(2025, 6, 20), ref) == (vocabulary.WARNING, 10)
    assert deadline_levels.level(dt.date(2025, 6, 9), ref) == (vocabulary.OVERDUE, -1)
    assert deadline_levels.level_text(vocabulary.OVERDUE, -5, "张三") == "已逾期 5 天（责任领导：张三）"
    monkeypatch.setenv("RECTIFICATION_DEADLINE_NOTICE_DAYS", "40")
    monkeypatch.setenv("RECTIFICATION_DEADLINE_WARNING_DAYS", "25")
    assert deadline_levels.level(dt.date(2025, 7, 1), ref) == (vocabulary.WARNING, 21)


def test_states_carry_the_deadline_level(people):
    con = people
    deadlines.set_deadline(con, CODE, dt.date(2025, 6, 15), user="rev", leader="王副局长")
    row = closure.states(con, "2025-06", today=TODAY).set_index("finding_code").loc[CODE]
    assert (row.deadline_level, row.days_left) == (vocabulary.WARNING, 5)
    submit(con)  # awaiting review: no longer chased
    row = closure.states(con, "2025-06", today=TODAY).set_index("finding_code").loc[CODE]
    assert row.deadline_level is None


# --- 催办单 ---------------------------------------------------------------------------------------


def test_reminders_list_overdue_due_returned_and_recheck_per_department(people):
    from openpyxl import load_workbook

    from rectification.outputs import reminders

    con = people
    deadlines.set_deadline(con, CODE, dt.date(2025, 6, 1), user="rev", leader="王副局长")  # overdue on TODAY
    deadlines.set_deadline(con, "F04", dt.date(2025, 6, 25), user="rev")  # 15 days left: 临近
    submit(con)
    closure.return_submission(con, CODE, reason="<script>alert(1)</script>", user="rev", today=TODAY)
    frame = reminders.rows(con, TODAY)
    mine = reminders.for_department(frame, DEPT)
    assert mine[["问题", "类别", "责任领导"]].values.tolist() == [
        ["问题03", "逾期", "王副局长"],
        ["问题04", "临近", ""],
        ["问题03", "已退回", "王副局长"],
    ]
    assert mine["说明"].tolist()[0] == "已逾期 9 天，当前状态：推进中"
    page = reminders.html_bytes(mine, DEPT, TODAY).decode("utf-8")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "催办单　交警大队　2025-06-10" in page
    book = load_workbook(io.BytesIO(reminders.xlsx_bytes(mine, DEPT, TODAY)))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0] == tuple(reminders.COLUMNS) and len(rows) == 4
    # No ranking of departments anywhere: just each department's own list.
    assert "排名" not in page


def test_evidence_added_to_a_ledger_request(people):
    con = people
    ingest.import_file(con, _ledger("已完成", "改造完工"), "台账.csv", user="ed")
    assert evidence.files(con, CODE).empty
    with pytest.raises(closure.ClosureError, match="只有牵头部门"):
        closure.add_evidence(con, CODE, files=[evidence.Upload("a.pdf", PDF)], user="other_ed")
    with pytest.raises(closure.ClosureError, match="内容不是允许的类型"):
        closure.add_evidence(con, CODE, files=[evidence.Upload("a.jpg", EXE)], user="ed")
    closure.add_evidence(con, CODE, files=[evidence.Upload("验收.pdf", PDF, "验收单")], user="ed")
    event_id = int(closure.queue(con, TODAY).event_id[0])
    assert evidence.files(con, CODE)[["event_id", "file_name"]].values.tolist() == [[event_id, "验收.pdf"]]
    closure.approve(con, CODE, user="rev", today=TODAY)
    with pytest.raises(closure.ClosureError, match="没有待审核的销号申请"):
        closure.add_evidence(con, CODE, files=[evidence.Upload("b.pdf", PDF)], user="ed")


def test_the_reports_closures_date_from_the_run_of_done_statuses_before_it(con):
    """Before the workflow, 已完成 was the closure: a finding the report gives as done counts as 已销号 from
    the month its unbroken run of 已完成 began (the demo history), not as 待审核 until the report's month."""
    before = closure.states(con, "2025-02")
    reported_done = before[before.reported_status == "已完成"]
    assert len(reported_done) == 17
    assert set(reported_done.closure_state) == {vocabulary.CLOSED}
    assert (before.closure_state == vocabulary.PENDING).sum() == 0
    assert (closure.states(con, "2025-03").closure_state == vocabulary.CLOSED).sum() == 19
