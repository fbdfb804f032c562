"""Issue 17, items 1–3: who may open a 销号 request (the form, the ledger on the page and through
`import`, `closure submit`: one rule), who may add and remove notes, that evidence needs a signed-in
user whatever RECTIFICATION_LOGIN_REQUIRED says, and which pages the sidebar lists for each role."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import streamlit as st
from ingest_files import run, snapshot
from streamlit.testing.v1 import AppTest

from rectification import ingest
from rectification.core import store
from rectification.workflow import annotations, auth, closure, evidence
from support import TEST_PASSWORD, login

ROOT = Path(__file__).resolve().parents[1]
CODE = "F03"  # 推进中, led by 交警大队
OTHER = "F43"  # 推进中, led by 涉案财物管理中心
NO_LEAD = "F11"  # 推进中, no lead department
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def people(store_path):
    """An editor of 交警大队, one of 治安部门, a reviewer, an admin and a viewer, in the demo store."""
    con = store.connect(store_path)
    for name, role, department in [
        ("jj", "editor", "交警大队"),
        ("za", "editor", "治安部门"),
        ("rev", "reviewer", None),
        ("boss", "admin", None),
        ("look", "viewer", None),
    ]:
        auth.create_user(con, name, role, TEST_PASSWORD, department=department, actor="test")
    con.close()
    return store_path


def ledger(*rows: tuple[str, str]) -> bytes:
    """A ledger saying 已完成 for each (问题编号, 进展说明), in May 2025."""
    lines = ["月份,问题编号,状态,进展说明", *(f"2025-05,{number},已完成,{note}" for number, note in rows)]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def pending(con) -> list[str]:
    return sorted(closure.listing(con, "pending").finding_code)


# --- 1. One rule for opening a 销号 request ------------------------------------------------------


def test_the_form_and_the_ledger_ask_the_same_function(people, monkeypatch):
    """closure.submit and the ledger import both go through closure.may_submit."""
    asked = []
    real = closure.may_submit
    monkeypatch.setattr(
        closure, "may_submit", lambda actor, department: asked.append(department) or real(actor, department)
    )
    con = store.connect(people)
    try:
        with pytest.raises(closure.ClosureError):
            closure.submit(con, OTHER, note="x", user="za")
        with pytest.raises(ingest.Refused):
            ingest.import_file(con, ledger(("问题43", "x")), "台账.csv", user="za")
    finally:
        con.close()
    assert asked == ["涉案财物管理中心", "涉案财物管理中心"]


@pytest.mark.parametrize(
    ("user", "rows", "refused"),
    [
        ("za", [("问题43", "完工")], ["第2行 问题43"]),  # another department's finding
        ("za", [("问题11", "完工")], ["第2行 问题11"]),  # no lead department: admins only
        ("jj", [("问题03", "完工"), ("问题11", "完工")], ["第3行 问题11"]),
        ("look", [("问题03", "完工")], ["第2行 问题03"]),
        ("cli", [("问题03", "完工")], ["第2行 问题03"]),  # no such account
    ],
)
def test_a_ledger_opening_a_request_the_uploader_may_not_submit_imports_nothing(people, user, rows, refused):
    con = store.connect(people)
    try:
        before = snapshot_of(con)
        with pytest.raises(ingest.Refused) as caught:
            ingest.import_file(con, ledger(*rows), "台账.csv", user=user)
        assert snapshot_of(con) == before
        assert caught.value.headline.startswith(f"未导入：{'、'.join(refused)} 报“已完成”会申请销号")
        assert [p.row for p in caught.value.problems] == [int(r.split("行")[0][1:]) for r in refused]
        assert all(p.reason.startswith("无权限：只有牵头部门") for p in caught.value.problems)
        # The preview refuses already, naming the same rows.
        with pytest.raises(ingest.Refused) as previewed:
            ingest.preview(con, ledger(*rows), "台账.csv", user=user)
        assert previewed.value.headline == caught.value.headline
    finally:
        con.close()


def snapshot_of(con) -> tuple:
    return tuple(
        con.execute(f"select count(*) from {table}").fetchone()[0]  # noqa: S608 - fixed names
        for table in ("uploads", "finding_status", "closure_events", "audit_log")
    )


def test_the_lead_departments_editor_and_an_admin_may(people):
    con = store.connect(people)
    try:
        plan = ingest.preview(con, ledger(("问题03", "完工"), ("问题43", "完工")), "台账.csv", user="boss")
        assert plan.closure_requests[["line", "code"]].values.tolist() == [[2, CODE], [3, OTHER]]
        ingest.import_file(con, ledger(("问题03", "完工")), "台账.csv", user="jj")
        ingest.import_file(con, ledger(("问题11", "完工"), ("问题43", "完工")), "台账.csv", user="boss")
        assert pending(con) == [CODE, NO_LEAD, OTHER]
        # Already awaiting review: the row opens nothing, so nothing is refused.
        plan = ingest.preview(con, ledger(("问题43", "再报")), "台账.csv", user="za")
        assert plan.closure_requests.empty
    finally:
        con.close()


def test_requests_from_ledger_refuses_by_itself(people):
    """The write itself checks, whatever its caller did."""
    import pandas as pd

    con = store.connect(people)
    try:
        rows = pd.DataFrame([{"line": 2, "code": OTHER, "month": "2025-05", "value": "已完成", "note": "x"}])
        with pytest.raises(closure.ClosureError, match="无权限：只有牵头部门（涉案财物管理中心）"):
            closure.requests_from_ledger(con, rows, upload_id=999, user="za")
    finally:
        con.close()


def test_closure_submit_refuses_a_finding_with_no_lead_department(people):
    con = store.connect(people)
    try:
        with pytest.raises(closure.ClosureError, match="牵头部门（未定，仅管理员）"):
            closure.submit(con, NO_LEAD, note="x", user="jj")
        closure.submit(con, NO_LEAD, note="x", user="boss")
    finally:
        con.close()


def test_cli_import_refuses_and_names_the_rows(people, tmp_path, capsys):
    path = tmp_path / "台账.csv"
    path.write_bytes(ledger(("问题43", "完工"), ("问题11", "完工")))
    before = snapshot(people)
    code, _, err = run(people, "import", str(path), "--user", "za", capsys=capsys)
    assert code == 1
    assert "未导入：第2行 问题43、第3行 问题11 报“已完成”会申请销号，而 za 无权" in err
    assert "Traceback" not in err and snapshot(people) == before
    code, _, err = run(people, "import", str(path), capsys=capsys)  # --user defaults to cli: no account
    assert code == 1 and "cli 不是可用的用户账号" in err
    code, out, err = run(people, "import", str(path), "--user", "boss", capsys=capsys)
    assert code == 0, err
    code, _, err = run(people, "closure", "submit", "F44", "--note", "x", "--user", "za", capsys=capsys)
    assert code == 1 and "无权限：只有牵头部门（未定，仅管理员）" in err


def upload_page(store_path, role: str, username: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    login(at, store_path, role, username)
    at.run()
    at.switch_page("ui/views/upload.py").run()
    assert not at.exception, at.exception
    return at


def test_upload_page_refuses_another_departments_request_and_says_which_rows_open_one(people):
    data = ledger(("问题43", "完工"), ("问题11", "完工"))
    sha = hashlib.sha256(data).hexdigest()
    at = upload_page(people, "editor", "za")
    at.file_uploader(key="ledger_file").set_value(("台账.csv", data, "text/csv")).run()
    assert not at.exception
    assert at.error[0].value.startswith("未导入：第2行 问题43、第3行 问题11 报“已完成”会申请销号")
    assert list(at.dataframe[0].value["指标/问题"]) == ["问题43", "问题11"]
    assert not [b for b in at.button if b.key and b.key.startswith(f"ledger_confirm_{sha}")]

    at = upload_page(people, "editor", "jj")
    data = ledger(("问题03", "完工"))
    at.file_uploader(key="ledger_file").set_value(("台账.csv", data, "text/csv")).run()
    assert [i.value for i in at.info if "申请销号" in i.value][0].startswith("导入后将申请销号（1 项")
    assert "第2行 问题03" in [i.value for i in at.info if "申请销号" in i.value][0]
    assert list(at.dataframe[0].value["销号"]) == ["申请销号"]
    next(b for b in at.button if b.key == f"ledger_confirm_{hashlib.sha256(data).hexdigest()}").click().run()
    con = store.connect(people)
    try:
        assert pending(con) == [CODE]
    finally:
        con.close()


# --- 2. Notes follow the finding's rule ----------------------------------------------------------


def test_notes_are_added_and_removed_by_the_findings_lead_department_or_an_admin(people):
    con = store.connect(people)
    try:
        note = annotations.add(con, user="jj", text="4月起夜查", month="2025-04", finding_code=CODE)
        for user in ("za", "look", "rev", "nobody"):
            with pytest.raises(annotations.AnnotationError):
                annotations.add(con, user=user, text="x", month="2025-04", finding_code=CODE)
            with pytest.raises(annotations.AnnotationError):
                annotations.retract(con, note, user=user)
        with pytest.raises(annotations.AnnotationError, match="无权限：只有牵头部门（交警大队）"):
            annotations.add(con, user="za", text="x", month="2025-04", metric_code="F03_SIMILAR_HAZARDS_FIXED")
        with pytest.raises(annotations.AnnotationError, match="未定，仅管理员"):
            annotations.add(con, user="jj", text="x", month="2025-04", metric_code="ORG_SYSTEMS_ISSUED")
        annotations.add(con, user="boss", text="管理员注释", month="2025-04", finding_code=OTHER)
        annotations.retract(con, note, user="boss")  # an admin removes anyone's, audited
        detail = con.execute("select user_name, detail from audit_log where action = 'annotation_retract'").fetchone()
        assert detail == ("boss", f"删除注释 #{note}（填写人：jj）：4月起夜查")
    finally:
        con.close()


def detail_page(store_path, role: str | None, username: str | None = None, finding: str = CODE) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    if role:
        login(at, store_path, role, username)
    at.query_params["finding"] = finding
    at.run()
    at.switch_page("ui/views/finding_detail.py").run()
    assert not at.exception, at.exception
    return at


def test_detail_page_shows_the_note_forms_only_to_those_who_may_use_them(people):
    con = store.connect(people)
    annotations.add(con, user="jj", text="夜查", month="2025-04", finding_code=CODE)
    con.close()
    keys = lambda at: {b.key for b in at.button}  # noqa: E731
    lead = detail_page(people, "editor", "jj")
    assert {"annotation_submit", "retract_submit"} <= keys(lead)
    other = detail_page(people, "editor", "za")
    assert not {"annotation_submit", "retract_submit"} & keys(other)
    assert "只有牵头部门（交警大队）的填报人员或管理员可以添加或删除本问题的注释。" in [c.value for c in other.caption]
    admin = detail_page(people, "admin", "boss")
    assert {"annotation_submit", "retract_submit"} <= keys(admin)


# --- 3. Evidence needs a signed-in user; the sidebar lists what the user may use ---------------


def test_evidence_is_never_shown_to_an_anonymous_visitor(people, monkeypatch):
    monkeypatch.delenv("RECTIFICATION_LOGIN_REQUIRED", raising=False)
    con = store.connect(people)
    closure.submit(con, CODE, note="完工", files=[evidence.Upload("现场照片.pdf", PDF, "路口")], user="jj")
    con.close()
    anonymous = detail_page(people, None)
    assert not [b for b in anonymous.get("download_button") if "download" in (b.proto.id or "")]
    assert "佐证材料可能涉及人员、案卷和地点，登录后才能查看和下载。" in [c.value for c in anonymous.caption]
    texts = " ".join(t.value for t in anonymous.text)
    assert "现场照片.pdf" not in texts
    timeline = anonymous.dataframe[0].value
    assert set(timeline["佐证材料"]) == {""}
    viewer = detail_page(people, "viewer", "look")
    assert "现场照片.pdf" in " ".join(t.value for t in viewer.text)
    assert "现场照片.pdf" in " ".join(viewer.dataframe[0].value["佐证材料"])


LISTED = {
    None: ["总览", "各单位整改进展", "问题详情", "指标趋势", "催办", "简报导出"],
    "viewer": ["总览", "各单位整改进展", "问题详情", "指标趋势", "催办", "简报导出"],
    "editor": ["总览", "各单位整改进展", "问题详情", "指标趋势", "催办", "数据上报", "数据管理", "简报导出"],
    "reviewer": ["总览", "各单位整改进展", "问题详情", "指标趋势", "催办", "销号审核", "简报导出", "目标设置"],
    "admin": [
        "总览",
        "各单位整改进展",
        "问题详情",
        "指标趋势",
        "催办",
        "数据上报",
        "数据管理",
        "销号审核",
        "简报导出",
        "目标设置",
        "目录管理",
        "新建整改",
        "用户管理",
        "审计日志",
        "备份与恢复",
    ],
}


@pytest.mark.parametrize("role", list(LISTED))
def test_the_sidebar_lists_only_the_pages_the_user_may_use(store_path, monkeypatch, role):
    seen = []
    real = st.navigation

    def recording(pages, **kwargs):
        seen.append({name: [(p.title, p.visibility) for p in entries] for name, entries in pages.items()})
        return real(pages, **kwargs)

    monkeypatch.setattr(st, "navigation", recording)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    if role:
        login(at, store_path, role)
    at.run()
    assert not at.exception, at.exception
    listed = [title for entries in seen[-1].values() for title, shown in entries if shown == "visible"]
    assert listed == LISTED[role]
    assert all(entries and any(v == "visible" for _, v in entries) for entries in seen[-1].values())
    # Every page stays registered (hidden), so a link still reaches its own role check.
    assert sum(len(entries) for entries in seen[-1].values()) == 15


def test_a_hidden_page_opened_by_link_still_checks_the_role(store_path):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    login(at, store_path, "viewer")
    at.run()
    at.switch_page("ui/views/closure_review.py").run()
    assert [w.value for w in at.warning if w.value.startswith("无权限")] == [
        "无权限：此页面需要「审核」及以上权限，当前账号为「查看」。如需开通请联系管理员。"
    ]


def test_the_filters_come_before_the_account_box(store_path):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    login(at, store_path, "viewer")
    at.run()
    sidebar = [
        type(node).__name__ + ":" + str(getattr(node, "label", getattr(node, "value", ""))) for node in at.sidebar
    ]
    first_filter = next(i for i, n in enumerate(sidebar) if "通报部分" in n)
    account = next(i for i, n in enumerate(sidebar) if "已登录" in n)
    assert first_filter < account, sidebar
