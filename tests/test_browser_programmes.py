"""In a real browser: a user of one unit tries another unit's rectification by the URL, by a finding
code in it, by the picker — and is refused every time; the city office sees both units."""

from __future__ import annotations

from conftest import BROWSER_PASSWORD, StreamlitServer
from rectification.core import store
from rectification.workflow import auth
from support import sign_in_through_form

OTHER = "DH-SJ-2025"  # the demo's second unit (东湖分局)
OTHER_FINDING = "A02"  # a finding only the other unit's audit has


def test_a_unit_user_is_refused_the_other_unit_everywhere(store_path, tmp_path, page, monkeypatch):
    monkeypatch.setenv("RECTIFICATION_LOGIN_REQUIRED", "1")
    con = store.connect(store_path)
    auth.create_user(con, "hl_look", "viewer", BROWSER_PASSWORD, unit="横栏分局", actor="test")
    auth.create_user(con, "city_look", "office", BROWSER_PASSWORD, actor="test")
    con.close()
    server = StreamlitServer(store_path, tmp_path / "streamlit.log")
    try:
        page.goto(server.url, wait_until="domcontentloaded")
        sign_in_through_form(page, "hl_look", BROWSER_PASSWORD)
        page.get_by_text("整改完成进度").first.wait_for(timeout=60_000)
        sidebar = page.locator('[data-testid="stSidebar"]')
        assert sidebar.get_by_text("整改事项", exact=True).count() == 0  # one to see: no picker
        assert sidebar.get_by_text("各单位整改进展").count() == 0

        for path in (f"/?programme={OTHER}", f"/finding_detail?programme={OTHER}&finding={OTHER_FINDING}"):
            page.goto(server.url + path, wait_until="domcontentloaded")
            page.get_by_text("无权查看").first.wait_for(timeout=60_000)
            body = page.locator('[data-testid="stMain"]').inner_text()
            assert "东湖分局" not in body and "经济责任审计" not in body, path
        # The other unit's finding code in one's own rectification finds nothing of theirs.
        page.goto(server.url + f"/finding_detail?finding={OTHER_FINDING}", wait_until="domcontentloaded")
        page.get_by_text("问题详情").first.wait_for(timeout=60_000)
        page.wait_for_timeout(1500)
        assert "差旅费" not in page.locator('[data-testid="stMain"]').inner_text()

        # The city office, in a new browser session, sees both units and opens the other's overview.
        context = page.context.browser.new_context(viewport={"width": 1600, "height": 900}, locale="zh-CN")
        office = context.new_page()
        office.goto(server.url + "/city_overview", wait_until="domcontentloaded")
        sign_in_through_form(office, "city_look", BROWSER_PASSWORD)
        office.get_by_text("下载各单位整改进展（Excel）").first.wait_for(timeout=60_000)
        office.goto(server.url + f"/?programme={OTHER}", wait_until="domcontentloaded")
        office.get_by_text("整改完成进度").first.wait_for(timeout=60_000)
        assert "无权查看" not in office.locator('[data-testid="stMain"]').inner_text()
        context.close()
    finally:
        server.stop()
