"""The 销号 workflow in a real browser (headless Chromium on a real server): an editor of the lead
department submits with a photo and a PDF, a reviewer returns it, the editor resubmits, another
reviewer approves, and a viewer sees 已销号 with the evidence. An .exe renamed .jpg is refused."""

from __future__ import annotations

import pytest
from test_closure import EXE, PDF, jpeg_bytes

from conftest import BROWSER_PASSWORD, StreamlitServer
from rectification.core import store
from rectification.workflow import auth
from support import sign_in_through_form

CODE = "F03"


@pytest.fixture
def closure_server(store_path, tmp_path):
    con = store.connect(store_path)
    for name, role, department in [
        ("jj_editor", "editor", "交警大队"),
        ("zgb_li", "reviewer", None),
        ("zgb_wang", "reviewer", None),
        ("leader_view", "viewer", None),
    ]:
        auth.create_user(con, name, role, BROWSER_PASSWORD, department=department, actor="test")
    con.close()
    server = StreamlitServer(store_path, tmp_path / "streamlit.log")
    yield server
    server.stop()


def assert_healthy(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "Traceback" not in page.content()


def signed_in(browser, url: str, username: str, *, where: str = "sidebar"):
    """A new browser session on `url`, signed in through the sidebar box (public pages) or the page's form."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector('[data-testid="stSidebarNav"]', timeout=60_000)
    sign_in_through_form(page, username, BROWSER_PASSWORD, where)
    page.get_by_text(f"已登录：{username}").first.wait_for(timeout=60_000)
    return context, page


def submit(page, note: str, files: list) -> None:
    main = page.locator('[data-testid="stMain"]')
    main.get_by_label("整改情况说明").fill(note)
    main.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(files)
    chips = main.locator('[data-testid="stFileChipName"]')
    for file in files:
        chips.filter(has_text=file.name).first.wait_for(timeout=30_000)
    main.locator('[data-testid="stFileChipIconSpinner"]').first.wait_for(state="detached", timeout=30_000)
    main.get_by_role("button", name="申请销号").click()


def test_submit_return_resubmit_approve_then_a_viewer_sees_it_closed(closure_server, browser, tmp_path):
    photo, pdf, fake = tmp_path / "现场照片.jpg", tmp_path / "验收单.pdf", tmp_path / "照片.jpg"
    photo.write_bytes(jpeg_bytes("green", gps=True))
    pdf.write_bytes(PDF)
    fake.write_bytes(EXE)
    detail = f"{closure_server.url}/finding_detail?finding={CODE}"
    review = f"{closure_server.url}/closure_review"

    editor_context, editor = signed_in(browser, detail, "jj_editor")
    editor.get_by_text("当前销号状态：推进中").wait_for(timeout=30_000)
    # An .exe renamed .jpg: refused by its content, nothing stored.
    submit(editor, "整改完成", [fake])
    editor.get_by_text("不是允许的类型").first.wait_for(timeout=30_000)
    assert editor.get_by_text("Windows 可执行程序", exact=False).count() >= 1
    submit(editor, "庆丰路改造完成，已验收", [photo, pdf])
    editor.get_by_text("已申请销号（佐证材料 2 个），等待审核。").wait_for(timeout=30_000)
    editor.get_by_text("当前销号状态：待审核", exact=False).first.wait_for(timeout=30_000)
    assert_healthy(editor)
    editor_context.close()

    reviewer_context, reviewer = signed_in(browser, review, "zgb_li", where="main")
    main = reviewer.locator('[data-testid="stMain"]')
    main.get_by_text("庆丰路改造完成，已验收").first.wait_for(timeout=30_000)
    main.locator('[data-testid="stImage"] img').first.wait_for(timeout=30_000)
    main.get_by_label("退回理由（退回时必填）").fill("验收单缺少签字")
    main.get_by_role("button", name="退回").click()
    reviewer.get_by_text(f"{CODE} 已退回。").wait_for(timeout=30_000)
    reviewer.get_by_text("没有待审核的销号申请。").wait_for(timeout=30_000)
    reviewer_context.close()

    editor_context, editor = signed_in(browser, detail, "jj_editor")
    editor.get_by_text("当前销号状态：推进中").wait_for(timeout=30_000)
    submit(editor, "补充签字后的验收单", [pdf])
    editor.get_by_text("已申请销号（佐证材料 1 个），等待审核。").wait_for(timeout=30_000)
    editor_context.close()

    approver_context, approver = signed_in(browser, review, "zgb_wang", where="main")
    main = approver.locator('[data-testid="stMain"]')
    main.get_by_text("补充签字后的验收单").first.wait_for(timeout=30_000)
    main.get_by_role("button", name="审核通过，销号").click()
    approver.get_by_text(f"{CODE} 已销号；回头看：", exact=False).first.wait_for(timeout=30_000)
    assert_healthy(approver)
    approver_context.close()

    viewer_context, viewer = signed_in(browser, detail, "leader_view")
    viewer.get_by_text("当前销号状态：已销号", exact=False).first.wait_for(timeout=30_000)
    main = viewer.locator('[data-testid="stMain"]')
    main.locator('[data-testid="stImage"] img').first.wait_for(timeout=30_000)
    assert main.get_by_text("验收单.pdf", exact=False).count() >= 1
    assert main.get_by_text("现场照片.jpg", exact=False).count() >= 1
    assert main.get_by_role("button", name="申请销号").count() == 0
    assert main.get_by_role("button", name="审核通过，销号").count() == 0
    assert_healthy(viewer)
    viewer.screenshot(path=str(tmp_path / "closed.png"), full_page=True)
    viewer_context.close()

    # Issue 17: without signing in (viewing needs none by default) the evidence is not there at all.
    anonymous_context = browser.new_context()
    anonymous = anonymous_context.new_page()
    anonymous.goto(detail, wait_until="domcontentloaded")
    anonymous.get_by_text("当前销号状态：已销号", exact=False).first.wait_for(timeout=30_000)
    main = anonymous.locator('[data-testid="stMain"]')
    main.get_by_text("登录后才能查看和下载", exact=False).first.wait_for(timeout=30_000)
    assert main.locator('[data-testid="stImage"] img').count() == 0
    assert main.get_by_text("验收单.pdf", exact=False).count() == 0
    assert main.get_by_role("button", name="下载").count() == 0
    assert_healthy(anonymous)
    anonymous_context.close()


def test_an_extension_request_with_evidence_reaches_the_reviewer(closure_server, browser, tmp_path):
    import datetime as dt

    from rectification.workflow import deadlines

    con = store.connect(closure_server.db, wait=30)
    try:
        deadlines.set_deadline(con, CODE, dt.date.today() + dt.timedelta(days=8), user="zgb_li")
    finally:
        con.close()
    photo, letter = tmp_path / "施工现场.jpg", tmp_path / "工期说明函.pdf"
    photo.write_bytes(jpeg_bytes("orange"))
    letter.write_bytes(PDF)

    editor_context, editor = signed_in(browser, f"{closure_server.url}/finding_detail?finding={CODE}", "jj_editor")
    box = editor.locator('[data-testid="stExpander"]').filter(has_text="申请延长整改期限")
    box.get_by_text("申请延长整改期限").click()
    box.get_by_label("延期理由").fill("雨季施工受阻，路面需养护")
    box.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files([photo, letter])
    for file in (photo, letter):
        box.locator('[data-testid="stFileChipName"]').filter(has_text=file.name).first.wait_for(timeout=30_000)
    box.get_by_label("文件说明（每行一条，依次对应上面的文件，可不填）").fill("6月施工现场\n区住建局复函")
    box.get_by_role("button", name="申请延期").click()
    editor.get_by_text("（佐证材料 2 个），等待审核人员审批。", exact=False).first.wait_for(timeout=30_000)
    assert_healthy(editor)
    editor_context.close()

    reviewer_context, reviewer = signed_in(browser, f"{closure_server.url}/closure_review", "zgb_li", where="main")
    reviewer.get_by_role("tab", name="延期申请").click()
    main = reviewer.locator('[data-testid="stMain"]')
    main.get_by_text("雨季施工受阻，路面需养护").first.wait_for(timeout=30_000)
    main.locator('[data-testid="stImage"] img').first.wait_for(timeout=30_000)
    assert main.get_by_text("施工现场.jpg　6月施工现场", exact=False).count() >= 1
    assert main.get_by_text("工期说明函.pdf　区住建局复函", exact=False).count() >= 1
    assert main.get_by_text("随延期申请提交于", exact=False).count() == 2
    main.get_by_role("button", name="批准延期").click()
    reviewer.get_by_text(f"{CODE} 延期已批准", exact=False).first.wait_for(timeout=30_000)
    assert_healthy(reviewer)
    reviewer.screenshot(path=str(tmp_path / "extension_approved.png"))
    reviewer_context.close()
