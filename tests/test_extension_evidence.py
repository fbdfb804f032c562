"""Evidence on a deadline-extension request (延期申请): the same rules as a closure submission's —
content-typed, size limit, re-encoded images, content-addressed, append-only — shown beside the
request and in the finding's timeline; and the one decision path for approving or refusing."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from PIL import Image
from test_closure import CODE, EXE, PDF, TODAY, jpeg_bytes, people, submit  # noqa: F401  (fixture)

from rectification.workflow import closure, deadlines, evidence


def _counts(con) -> tuple:
    return con.execute(
        "select (select count(*) from deadline_changes), (select count(*) from evidence_files),"
        " (select count(*) from evidence_blobs), (select count(*) from audit_log)"
    ).fetchone()


@pytest.fixture
def dated(people):  # noqa: F811
    deadlines.set_deadline(people, CODE, dt.date(2025, 6, 30), user="rev")
    return people


def request(con, files, user="ed"):
    return deadlines.request_extension(con, CODE, dt.date(2025, 9, 30), reason="施工延误", user=user, files=files)


def test_a_request_keeps_its_files_apart_from_any_submission(dated):
    con = dated
    photo = jpeg_bytes(gps=True)
    change_id = request(con, [evidence.Upload("工期.jpg", photo, "施工现场"), evidence.Upload("函.pdf", PDF, "")])
    files = evidence.files(con, CODE)
    assert files[["file_name", "caption", "kind"]].fillna("").values.tolist() == [
        ["工期.jpg", "施工现场", "image"],
        ["函.pdf", "", "pdf"],
    ]
    assert files.change_id.tolist() == [change_id, change_id] and files.event_id.isna().all()
    # the photo is shown re-encoded, its GPS position stripped; the original is kept as sent
    shown, media_type, name = evidence.shown_bytes(con, int(files.evidence_id[0]))
    assert media_type == "image/jpeg" and shown != photo and name.endswith(".jpg")
    assert evidence.content(con, hashlib.sha256(photo).hexdigest()) == photo
    assert Image.open(io.BytesIO(photo)).getexif().get_ifd(0x8825)
    assert not Image.open(io.BytesIO(shown)).getexif().get_ifd(0x8825)
    pending = deadlines.pending_request(con, CODE)
    assert pending[0] == change_id
    detail = con.execute("select detail from audit_log where action = 'deadline_request'").fetchone()[0]
    assert detail == "申请延期：2025-06-30 → 2025-09-30；理由：施工延误；佐证材料 2 个：工期.jpg、函.pdf"


def test_the_timeline_lists_the_files_with_the_request(dated):
    con = dated
    request(con, [evidence.Upload("工期.jpg", jpeg_bytes(), "施工现场")])
    timeline = closure.timeline(con, CODE)
    row = timeline[timeline["事项"] == "申请延期"].iloc[0]
    assert row["说明"] == "2025-06-30 → 2025-09-30；施工延误"
    assert row["佐证材料"] == "工期.jpg（施工现场）"
    assert timeline[timeline["事项"] == "设定整改期限"].iloc[0]["佐证材料"] == ""


def test_the_same_photo_with_a_submission_and_a_request_is_stored_once(dated):
    con = dated
    photo = jpeg_bytes("blue")
    request(con, [evidence.Upload("a.jpg", photo, "")])
    blobs = con.execute("select count(*) from evidence_blobs").fetchone()[0]
    submit(con, files=[evidence.Upload("b.jpg", photo, "")])
    assert con.execute("select count(*) from evidence_blobs").fetchone()[0] == blobs
    files = evidence.files(con, CODE)
    assert len(files) == 2 and files.sha256.nunique() == 1
    # the submission's files are its own: the request's photo is not shown as closure evidence
    submission = closure.queue(con, today=TODAY).set_index("finding_code").event_id[CODE]
    assert files[files.event_id == submission].file_name.tolist() == ["b.jpg"]


@pytest.mark.parametrize(
    ("upload", "reason"),
    [
        (evidence.Upload("照片.jpg", EXE, ""), "不是允许的类型"),
        (evidence.Upload("空.pdf", b"", ""), "是空文件"),
    ],
)
def test_a_bad_file_refuses_the_whole_request_and_stores_nothing(dated, upload, reason):
    con = dated
    before = _counts(con)
    with pytest.raises(deadlines.DeadlineError, match=reason):
        request(con, [evidence.Upload("好.pdf", PDF, ""), upload])
    assert _counts(con) == before and deadlines.pending_request(con, CODE) is None


def test_the_size_limit_is_the_evidence_setting(dated, monkeypatch):
    monkeypatch.setenv("RECTIFICATION_EVIDENCE_MAX_MB", "0.001")  # about 1 KB
    with pytest.raises(deadlines.DeadlineError, match="超过大小上限"):
        request(dated, [evidence.Upload("大.pdf", PDF + b"0" * 2048, "")])
    assert deadlines.pending_request(dated, CODE) is None


def test_a_request_file_is_withdrawn_not_deleted(dated):
    con = dated
    request(con, [evidence.Upload("工期.jpg", jpeg_bytes(), "")])
    evidence_id = int(evidence.files(con, CODE).evidence_id[0])
    closure.withdraw_evidence(con, evidence_id, user="ed", reason="传错了")
    assert evidence.files(con, CODE).empty
    assert len(evidence.files(con, CODE, include_withdrawn=True)) == 1
    timeline = closure.timeline(con, CODE)
    assert timeline[timeline["事项"] == "申请延期"].iloc[0]["佐证材料"] == "工期.jpg［已撤回］"


def test_approve_and_refuse_record_one_decision_each(dated):
    con = dated
    request(con, [])
    deadlines.refuse_extension(con, CODE, user="rev2", reason="理由不充分")
    request(con, [])
    assert deadlines.approve_extension(con, CODE, user="rev2") == dt.date(2025, 9, 30)
    rows = con.execute(
        "select kind, deadline, previous_deadline, reason, request_id is not null, user_name from deadline_changes"
        " where kind in ('approve', 'refuse') order by change_id"
    ).fetchall()
    assert rows == [
        ("refuse", dt.date(2025, 9, 30), None, "理由不充分", True, "rev2"),
        ("approve", dt.date(2025, 9, 30), dt.date(2025, 6, 30), None, True, "rev2"),
    ]
    actions = con.execute(
        "select action, detail from audit_log where action in ('deadline_approve', 'deadline_refuse') order by 1"
    ).fetchall()
    assert actions == [
        ("deadline_approve", "批准延期（ed 申请）：2025-06-30 → 2025-09-30"),
        ("deadline_refuse", "驳回延期至 2025-09-30（ed 申请）：理由不充分"),
    ]


def test_the_reminder_says_an_extension_is_awaiting_approval(dated):
    from rectification.outputs import reminders

    con = dated  # due 2025-06-30: 20 days after TODAY, 临近
    row = lambda: reminders.for_department(reminders.rows(con, TODAY), "交警大队").set_index("问题").loc["问题03"]  # noqa: E731
    assert row()["说明"] == "剩余 20 天，当前状态：推进中"
    request(con, [])
    assert row()["说明"] == "剩余 20 天，已申请延期至 2025-09-30（待审批），当前状态：推进中"
    deadlines.refuse_extension(con, CODE, user="rev", reason="理由不充分")
    assert row()["说明"] == "剩余 20 天，当前状态：推进中"
