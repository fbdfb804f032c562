"""The 销号 pages as Streamlit runs them (AppTest), per role: 问题详情's timeline, submit form and
review buttons; 销号审核's queue, extensions and re-checks; 催办's lists and downloads."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from test_closure import EXE, PDF, jpeg_bytes

from rectification.core import store, vocabulary
from rectification.workflow import auth, closure, deadlines, evidence
from support import TEST_PASSWORD, open_page, with_store

ROOT = Path(__file__).resolve().parents[1]
DETAIL, REVIEW, REMINDERS, OVERVIEW = (
    "ui/views/finding_detail.py",
    "ui/views/closure_review.py",
    "ui/views/reminders.py",
    "ui/views/overview.py",
)
CODE, DEPT = "F03", "交警大队"


@pytest.fixture
def people(store_path):
    con = store.connect(store_path)
    try:
        auth.create_user(con, "ed", "editor", TEST_PASSWORD, department=DEPT, display_name="交警填报")
        auth.create_user(con, "other_ed", "editor", TEST_PASSWORD, department="治安大队")
        auth.create_user(con, "rev", "reviewer", TEST_PASSWORD, display_name="整改办")
    finally:
        con.close()
    return store_path


def texts(at) -> list[str]:
    return [t.value for t in at.text]


def buttons(at) -> set[str]:
    return {b.key for b in at.button if b.key}


def test_detail_shows_the_state_and_timeline_to_anyone(people):
    at = open_page(DETAIL, people, query={"finding": CODE})
    assert "当前销号状态：推进中" in texts(at)
    timeline = next(d.value for d in at.dataframe if "事项" in d.value.columns and "佐证材料" in d.value.columns)
    assert timeline["事项"].iloc[0] == "上报状态：推进中"
    assert not {"detail_submit", "detail_approve", "detail_return"} & buttons(at)


def test_detail_offers_the_submit_form_only_to_the_lead_departments_editors(people):
    at = open_page(DETAIL, people, username="other_ed", query={"finding": CODE})
    assert "detail_submit" not in buttons(at)
    at = open_page(DETAIL, people, username="rev", query={"finding": CODE})
    assert "detail_submit" not in buttons(at) and "detail_approve" not in buttons(at)
    at = open_page(DETAIL, people, username="ed", query={"finding": CODE})
    assert "detail_submit" in buttons(at)


def test_editor_submits_with_a_photo_and_a_pdf_on_the_detail_page(people):
    at = open_page(DETAIL, people, username="ed", query={"finding": CODE})
    at.text_area(key="detail_note").input("路口改造完成")
    at.file_uploader(key="detail_files").set_value(
        [("现场.jpg", jpeg_bytes(), "image/jpeg"), ("验收.pdf", PDF, "application/pdf")]
    )
    at.text_area(key="detail_captions").input("改造后\n验收单")
    at.button(key="detail_submit").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["已申请销号（佐证材料 2 个），等待审核。"]
    assert with_store(people, lambda con: closure.current_state(con, CODE)) == vocabulary.PENDING
    assert "当前销号状态：待审核" in texts(at)[0] or any(t.startswith("当前销号状态：待审核") for t in texts(at))
    assert any(t.startswith("#1　现场.jpg　改造后") for t in texts(at))
    assert len(at.get("image")) == 1
    assert "detail_submit" not in buttons(at)


def test_an_exe_renamed_jpg_is_refused_on_the_page(people):
    at = open_page(DETAIL, people, username="ed", query={"finding": CODE})
    at.text_area(key="detail_note").input("完成")
    at.file_uploader(key="detail_files").set_value([("照片.jpg", EXE, "image/jpeg")])
    at.button(key="detail_submit").click().run()
    assert not at.exception
    assert len(at.error) == 1 and "不是允许的类型" in at.error[0].value and "可执行程序" in at.error[0].value
    assert with_store(people, lambda con: closure.current_state(con, CODE)) == vocabulary.ONGOING
    assert at.text_area(key="detail_note").value == "完成"  # the refusal does not cost what was written


def _submitted(store_path, user="ed"):
    with_store(
        store_path,
        lambda con: closure.submit(
            con, CODE, note="路口改造完成", files=[evidence.Upload("现场.jpg", jpeg_bytes(), "改造后")], user=user
        ),
    )


def test_reviewer_approves_from_the_review_page(people):
    _submitted(people)
    at = open_page(REVIEW, people, username="rev")
    queue = at.dataframe[0].value
    assert queue[["问题", "申请人", "整改情况说明"]].values.tolist() == [[CODE, "交警填报", "路口改造完成"]]
    assert "路口改造完成" in texts(at) and len(at.get("image")) == 1
    at.text_input(key="review_recheck").input("2099-03")
    at.button(key="review_approve").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == [f"{CODE} 已销号；回头看：2099\\-03。"]
    assert with_store(people, lambda con: closure.current_state(con, CODE)) == vocabulary.CLOSED


def test_reviewer_returns_with_a_reason_on_the_detail_page(people):
    _submitted(people)
    at = open_page(DETAIL, people, username="rev", query={"finding": CODE})
    at.button(key="detail_return").click().run()
    assert [e.value for e in at.error] == ["请填写退回理由。"]
    at.text_area(key="detail_reason").input("照片看不清")
    at.button(key="detail_return").click().run()
    assert with_store(people, lambda con: closure.current_state(con, CODE)) == vocabulary.ONGOING
    timeline = next(d.value for d in at.dataframe if "佐证材料" in d.value.columns)
    assert timeline[["事项", "操作人", "说明"]].iloc[0].tolist() == ["退回", "整改办", "照片看不清"]


def test_a_returned_finding_says_why_and_who_on_top_and_the_resubmission_says_where_the_files_are(people):
    _submitted(people)
    with_store(people, lambda con: closure.return_submission(con, CODE, reason="照片*看不清*，请补验收单", user="rev"))
    today = dt.date.today()
    for username in (None, "ed"):
        at = open_page(DETAIL, people, username=username, query={"finding": CODE})
        shown = [w.value for w in at.warning if "【示例数据】" not in w.value]
        # escaped: the reason reads as typed, never as markdown
        assert shown[0] == f"已退回：照片\\*看不清\\*，请补验收单（整改办，{today:%Y\\-%m\\-%d}）"
    captions = [c.value for c in at.caption]
    assert (
        "此前申请所附的 1 个佐证材料仍保存在本问题的「佐证材料」中，但不随本次申请提交："
        "审核人员在「销号审核」页只看到本次所附的文件，仍需要的请重新选择上传（同一文件只存一份）。"
    ) in captions
    # What the caption says is what happens: the resubmission goes to review with its own files only.
    at.text_area(key="detail_note").input("已补验收单")
    at.file_uploader(key="detail_files").set_value([("验收.pdf", PDF, "application/pdf")])
    at.button(key="detail_submit").click().run()
    assert not at.exception
    assert not [w.value for w in at.warning if w.value.startswith("已退回")]  # 待审核 again: no longer returned
    review = open_page(REVIEW, people, username="rev")
    assert any(t.startswith("#2　验收.pdf") for t in texts(review))
    assert not any("现场.jpg" in t for t in texts(review)) and len(review.get("image")) == 0


def test_nobody_reviews_their_own_submission_on_the_page(people):
    with_store(people, lambda con: auth.create_user(con, "boss", "admin", TEST_PASSWORD))
    _submitted(people, user="boss")
    at = open_page(REVIEW, people, username="boss")
    assert "这是您本人提交的销号申请，须由另一位审核人员审核。" in [i.value for i in at.info]
    assert "review_approve" not in buttons(at)


@pytest.mark.parametrize("username", ["ed", None])
def test_the_review_page_is_for_reviewers_only(people, username):
    at = open_page(REVIEW, people, username=username)
    assert "review_approve" not in buttons(at) and len(at.dataframe) == 0
    if username:
        assert any("无权限：此页面需要「审核」及以上权限，当前账号为「填报」" in w.value for w in at.warning)


def test_extension_request_and_approval_on_the_pages(people):
    with_store(people, lambda con: deadlines.set_deadline(con, CODE, dt.date(2099, 6, 30), user="rev"))
    at = open_page(DETAIL, people, username="ed", query={"finding": CODE})
    at.date_input(key="detail_extend_date").set_value(dt.date(2099, 9, 30))
    at.text_area(key="detail_extend_reason").input("施工延误")
    at.button(key="detail_extend_submit").click().run()
    assert [s.value for s in at.success] == ["已申请延期至 2099\\-09\\-30，等待审核人员审批。"]

    at = open_page(REVIEW, people, username="rev")
    extensions = next(d.value for d in at.dataframe if "申请延至" in d.value.columns)
    assert extensions[["问题", "现行期限", "申请延至", "理由"]].values.tolist() == [
        [CODE, "2099-06-30", "2099-09-30", "施工延误"]
    ]
    at.button(key="extension_extension_approve").click().run()
    assert not at.exception
    at = open_page(DETAIL, people, query={"finding": CODE})
    assert "原定 2099-06-30，经批准延至 2099-09-30" in texts(at)


def test_extension_request_with_evidence_is_shown_to_the_reviewer(people):
    with_store(people, lambda con: deadlines.set_deadline(con, CODE, dt.date(2099, 6, 30), user="rev"))
    at = open_page(DETAIL, people, username="ed", query={"finding": CODE})
    at.date_input(key="detail_extend_date").set_value(dt.date(2099, 9, 30))
    at.text_area(key="detail_extend_reason").input("施工延误")
    at.file_uploader(key="detail_extend_files").set_value([("照片.jpg", EXE, "image/jpeg")])
    at.button(key="detail_extend_submit").click().run()
    assert len(at.error) == 1 and "不是允许的类型" in at.error[0].value
    assert with_store(people, lambda con: deadlines.pending_request(con, CODE)) is None
    # the refused file is gone from the picker (a new one), what was written stays
    assert at.text_area(key="detail_extend_reason").value == "施工延误"
    assert not at.file_uploader(key="detail_extend_files_1").value
    at.file_uploader(key="detail_extend_files_1").set_value([("工期.jpg", jpeg_bytes(), "image/jpeg")])
    at.text_area(key="detail_extend_captions").input("<b>施工现场</b>")
    at.button(key="detail_extend_submit").click().run()
    assert [s.value for s in at.success] == ["已申请延期至 2099\\-09\\-30（佐证材料 1 个），等待审核人员审批。"]
    timeline = next(d.value for d in at.dataframe if "佐证材料" in d.value.columns)
    request = timeline[timeline["事项"] == "申请延期"].iloc[0]
    assert request["佐证材料"] == "工期.jpg（<b>施工现场</b>）"

    at = open_page(REVIEW, people, username="rev")
    assert "施工延误" in texts(at)
    assert any(t.startswith("#") and "工期.jpg　<b>施工现场</b>" in t for t in texts(at))  # as typed, via st.text
    assert any("随延期申请提交于" in t for t in texts(at))
    assert len(at.get("image")) == 1
    at.button(key="extension_extension_approve").click().run()
    assert not at.exception
    assert with_store(people, lambda con: deadlines.pending_request(con, CODE)) is None


def test_recheck_on_the_review_page(people):
    _submitted(people)
    with_store(people, lambda con: closure.approve(con, CODE, user="rev", today=dt.date(2024, 1, 5)))
    at = open_page(REVIEW, people, username="rev")
    due = next(d.value for d in at.dataframe if "回头看月份" in d.value.columns)
    assert due.values.tolist()[0][:2] == [CODE, "2024-04"]
    at.radio(key="recheck_result").set_value("relapsed")
    at.text_area(key="recheck_recheck_reason").input("违停又出现")
    at.button(key="recheck_recheck_submit").click().run()
    assert not at.exception
    assert with_store(people, lambda con: closure.current_state(con, CODE)) == vocabulary.ONGOING
    # 问题详情 says on top why the closed finding is open again, and who found it.
    detail = open_page(DETAIL, people, username="ed", query={"finding": CODE})
    shown = [w.value for w in detail.warning if "【示例数据】" not in w.value]
    assert shown[0] == f"回头看发现反弹，重新整改：违停又出现（整改办，{dt.date.today():%Y\\-%m\\-%d}）"


def test_reminders_list_a_departments_findings_with_downloads(people):
    soon = dt.date.today() + dt.timedelta(days=5)
    with_store(people, lambda con: deadlines.set_deadline(con, CODE, soon, user="rev", leader="王副局长"))
    at = open_page(REMINDERS, people, username="ed")
    assert at.selectbox(key="reminder_department").value == DEPT
    assert at.selectbox(key="reminder_department").options == [f"{DEPT}（1 项）"]  # how many, per department
    rows = at.dataframe[0].value
    assert rows[["问题", "类别", "责任领导"]].values.tolist() == [["问题03", "预警", "王副局长"]]
    assert rows["说明"].iloc[0] == "剩余 5 天，当前状态：推进中"
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["下载催办单（Excel）", "下载催办单（打印版网页）"]


def test_overview_shows_pending_as_its_own_tile(people):
    from rectification.core.months import current_month

    _submitted(people)
    # The submission is dated this month: the overview as of this month shows it awaiting review.
    at = open_page(OVERVIEW, people, query={"asof": current_month()})
    tiles = {m.label: m.value for m in at.metric}
    assert (tiles["已销号（项）"], tiles["待审核（项）"]) == ("19", "1")


def test_the_uploader_withdraws_a_file_on_the_detail_page(people):
    _submitted(people)
    at = open_page(DETAIL, people, username="ed", query={"finding": CODE})
    at.text_input(key="detail_withdraw_reason").input("拍错了")
    at.button(key="detail_withdraw_submit").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["佐证材料 \\#1 已撤回。"]
    assert with_store(people, lambda con: evidence.files(con, CODE).empty)
    assert with_store(people, lambda con: len(evidence.files(con, CODE, include_withdrawn=True))) == 1
    assert "detail_withdraw_submit" not in buttons(open_page(DETAIL, people, username="rev", query={"finding": CODE}))
