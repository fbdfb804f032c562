"""Access control in the app (AppTest): what each role sees on every page, and the sign-in form."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from rectification.core import store
from rectification.workflow import auth
from support import TEST_PASSWORD, login

ROOT = Path(__file__).resolve().parents[1]
# Every page registered in dashboard.py, read from the file so a new page is covered without editing this test.
PAGES = re.findall(r'\(\s*"(ui/views/[^"]+\.py)"', (ROOT / "dashboard.py").read_text(encoding="utf-8"))
ADMIN_PAGES = ["ui/views/admin_users.py", "ui/views/audit_log.py", "ui/views/backup.py"]
# Buttons of the account box and sign-in / password forms: not actions on the data.
ACCOUNT_BUTTONS = {
    "main_login_submit",
    "sidebar_login_submit",
    "logout_button",
    "sidebar_password_submit",
    "forced_password_submit",
}
# Buttons that export (简报导出): they read the store and change nothing, so every viewer has them.
EXPORT_BUTTONS = {"briefing_build", "report_build"}


def notices(at) -> list[str]:
    """The page's warnings other than the demo-data banner every page shows."""
    return [w.value for w in at.warning if "【示例数据】" not in w.value]


def app() -> AppTest:
    return AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)


def open_page(page: str, store_path, role: str | None = None) -> AppTest:
    at = app()
    if role:
        login(at, store_path, role)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def write_actions(at: AppTest) -> list[str]:
    """Everything on the page that could change data: uploaders, editable tables, text areas, buttons."""
    found = [f"uploader:{w.label}" for w in at.get("file_uploader")]
    found += [f"editor:{d.key}" for d in at.dataframe if d.proto.editing_mode]
    found += [f"text_area:{w.label}" for w in at.text_area]
    found += [f"button:{b.key or b.label}" for b in at.button if b.key not in ACCOUNT_BUTTONS | EXPORT_BUTTONS]
    return found


def sign_in(at: AppTest, username: str, password: str, prefix: str = "main") -> AppTest:
    at.text_input(key=f"{prefix}_login_username").input(username)
    at.text_input(key=f"{prefix}_login_password").input(password)
    return at.button(key=f"{prefix}_login_submit").click().run()


def make_user(store_path, username: str, role: str, **kwargs) -> None:
    con = store.connect(store_path)
    try:
        auth.create_user(con, username, role, TEST_PASSWORD, actor="test", **kwargs)
    finally:
        con.close()


def user_state(store_path, username: str):
    con = store.connect(store_path)
    try:
        return con.execute(
            "select failed_logins, locked_until is not null, disabled from users where username = ?", [username]
        ).fetchone()
    finally:
        con.close()


def test_every_page_in_dashboard_is_covered():
    assert "ui/views/overview.py" in PAGES
    assert set(ADMIN_PAGES) <= set(PAGES)


@pytest.mark.parametrize("page", PAGES)
def test_without_login_no_page_offers_a_write_action(store_path, page):
    assert write_actions(open_page(page, store_path)) == []


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_admin_pages_show_the_sign_in_form_to_anonymous_visitors(store_path, page):
    at = open_page(page, store_path)
    assert at.text_input(key="main_login_username").label == "用户名"
    assert at.text_input(key="main_login_password").label == "密码"
    assert [i.value for i in at.info] == ["此页面需要「管理」及以上权限，请先登录。"]
    assert len(at.dataframe) == 0


@pytest.mark.parametrize("page", PAGES)
def test_a_viewer_gets_no_write_action(store_path, page):
    assert write_actions(open_page(page, store_path, "viewer")) == []


@pytest.mark.parametrize("page", ADMIN_PAGES)
@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_admin_pages_tell_other_roles_they_have_no_permission(store_path, page, role):
    at = open_page(page, store_path, role)
    assert notices(at) == [
        f"无权限：此页面需要「管理」及以上权限，当前账号为「{auth.ROLE_LABELS[role]}」。如需开通请联系管理员。"
    ]
    assert len(at.dataframe) == 0 and write_actions(at) == []


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_admin_pages_open_for_admins(store_path, page):
    at = open_page(page, store_path, "admin")
    assert notices(at) == []
    # What the admin sees is what the tests above prove the others do not see.
    expected = {
        "ui/views/admin_users.py": {"button:add_submit", "button:reset_submit", "button:role_submit"},
        "ui/views/backup.py": {"button:backup_now"},
        "ui/views/audit_log.py": set(),
    }[page]
    # Per-user widgets carry the chosen user in their key (reset_submit_<hex of the name>).
    actions = {action.rsplit("_", 1)[0] if "_submit_" in action else action for action in write_actions(at)}
    assert expected <= actions
    assert len(at.dataframe) == (0 if page == "ui/views/backup.py" else 1)


@pytest.mark.parametrize("page", PAGES)
def test_login_required_setting_asks_for_sign_in_on_every_page(store_path, page, monkeypatch):
    monkeypatch.setenv("RECTIFICATION_LOGIN_REQUIRED", "1")
    at = open_page(page, store_path)
    assert at.text_input(key="main_login_username").label == "用户名"
    assert len(at.dataframe) == 0 and not at.get("plotly_chart") and not at.metric
    viewer = open_page(page, store_path, "viewer")
    assert not [w for w in viewer.text_input if w.key == "main_login_username"]


def test_sign_in_and_out_through_the_forms(store_path):
    make_user(store_path, "zhang", "editor", display_name="张三")
    at = app().run()
    at.switch_page("ui/views/admin_users.py").run()
    sign_in(at, "zhang", TEST_PASSWORD)
    token = at.session_state["auth_token"]
    assert "已登录：张三（填报）" in [t.value for t in at.sidebar.text]
    assert notices(at)[0].startswith("无权限")  # signed in, but an editor

    at.button(key="logout_button").click().run()
    assert "auth_token" not in at.session_state
    con = store.connect(store_path)
    assert auth.session_user(con, token) is None
    con.close()

    # The sidebar form signs in from a page that is open to everyone.
    at.switch_page("ui/views/overview.py").run()
    sign_in(at, "zhang", TEST_PASSWORD, prefix="sidebar")
    assert "已登录：张三（填报）" in [t.value for t in at.sidebar.text]


def test_five_wrong_passwords_through_the_form_lock_the_account(store_path):
    make_user(store_path, "zhang", "admin")
    at = app().run()
    at.switch_page("ui/views/audit_log.py").run()
    for _ in range(4):
        sign_in(at, "zhang", "not-my-password")
        assert [e.value for e in at.error] == ["用户名或密码错误。"]
    sign_in(at, "zhang", "not-my-password")
    assert at.error[0].value.startswith("登录失败次数过多，账号已锁定至")
    assert user_state(store_path, "zhang")[1]

    sign_in(at, "zhang", TEST_PASSWORD)  # the right password, too late
    assert at.error[0].value.startswith("登录失败次数过多")
    assert "auth_token" not in at.session_state
    assert len(at.dataframe) == 0


def test_a_disabled_user_cannot_sign_in(store_path):
    make_user(store_path, "zhang", "editor")
    con = store.connect(store_path)
    auth.disable_user(con, "zhang", actor="test")
    con.close()
    at = app().run()
    at.switch_page("ui/views/backup.py").run()
    sign_in(at, "zhang", TEST_PASSWORD)
    assert [e.value for e in at.error] == ["该账号已停用，请联系管理员。"]
    assert "auth_token" not in at.session_state


def test_disabling_a_signed_in_user_ends_their_session_at_the_next_rerun(store_path):
    at = app()
    login(at, store_path, "admin")
    at.run()
    at.switch_page("ui/views/backup.py").run()
    assert at.button(key="backup_now")
    con = store.connect(store_path)
    auth.create_user(con, "other_admin", "admin", TEST_PASSWORD)
    auth.disable_user(con, "test_admin", actor="other_admin")
    con.close()
    at.run()
    assert "auth_token" not in at.session_state
    assert at.text_input(key="main_login_username")
    assert not [b for b in at.button if b.key == "backup_now"]


def test_an_idle_session_is_signed_out(store_path):
    at = app()
    login(at, store_path, "admin")
    at.run()
    at.switch_page("ui/views/audit_log.py").run()
    assert len(at.dataframe) == 1
    con = store.connect(store_path)
    con.execute("update sessions set last_seen = last_seen - interval 2 hour")
    con.close()
    at.run()
    assert "auth_token" not in at.session_state
    assert [i.value for i in at.info][-1] == "登录已过期或已结束，请重新登录。"
    assert len(at.dataframe) == 0


def test_a_reset_password_must_be_changed_before_the_page_opens(store_path):
    make_user(store_path, "zhang", "admin", must_change_password=True)
    make_user(store_path, "other", "admin")
    at = app().run()
    at.switch_page("ui/views/admin_users.py").run()
    sign_in(at, "zhang", TEST_PASSWORD)
    assert at.warning[0].value.startswith("管理员为您设置了临时密码")
    assert len(at.dataframe) == 0

    at.text_input(key="forced_password_current").input(TEST_PASSWORD)
    at.text_input(key="forced_password_new").input("my-own-password-1")
    at.text_input(key="forced_password_again").input("my-own-password-2")
    at.button(key="forced_password_submit").click().run()
    assert [e.value for e in at.error] == ["两次输入的新密码不一致。"]

    at.text_input(key="forced_password_current").input(TEST_PASSWORD)
    at.text_input(key="forced_password_new").input("my-own-password-1")
    at.text_input(key="forced_password_again").input("my-own-password-1")
    at.button(key="forced_password_submit").click().run()
    assert not at.exception
    assert at.title[0].value == "用户管理" and len(at.dataframe) == 1
    con = store.connect(store_path)
    assert not auth.authenticate(con, "zhang", "my-own-password-1").must_change_password
    con.close()


def test_admin_adds_resets_and_disables_a_user_on_the_page(store_path):
    at = app()
    login(at, store_path, "admin")
    at.run()
    at.switch_page("ui/views/admin_users.py").run()
    at.text_input(key="add_username").input("li")
    at.text_input(key="add_display_name").input("李四")
    at.selectbox(key="add_department").set_value("治安部门")
    at.selectbox(key="add_role").set_value("editor")
    at.text_input(key="add_password").input("first-password-1")
    at.text_input(key="add_password_again").input("first-password-1")
    at.button(key="add_submit").click().run()
    assert [s.value for s in at.success] == ["已新建用户 li（填报）。"]
    table = at.dataframe[0].value
    assert table[table.username == "li"][
        ["display_name", "department", "role", "must_change_password"]
    ].values.tolist() == [["李四", "治安部门", "填报", "是"]]

    at.selectbox(key="edit_username").set_value("li").run()
    at.button(key=f"disable_button_{user_key('li')}").click().run()
    assert [s.value for s in at.success] == ["已停用 li，其登录会话已结束。"]
    con = store.connect(store_path)
    rows = con.execute(
        "select user_name, action, target from audit_log where target = 'li' order by audit_id"
    ).fetchall()
    con.close()
    assert rows == [("test_admin", "user_add", "li"), ("test_admin", "user_disable", "li")]
    assert user_state(store_path, "li")[2] is True


def user_role(store_path, username: str) -> str:
    con = store.connect(store_path)
    try:
        return con.execute("select role from users where username = ?", [username]).fetchone()[0]
    finally:
        con.close()


def confirmations(at: AppTest) -> list[str]:
    return [w.value for w in at.warning if w.value.startswith("确认将")]


def user_key(username: str) -> str:
    return username.encode("utf-8").hex()


def open_users_page_as_admin(store_path) -> AppTest:
    at = app()
    login(at, store_path, "admin")
    at.run()
    return at.switch_page("ui/views/admin_users.py").run()


def test_the_role_box_follows_the_chosen_user(store_path):
    make_user(store_path, "viewer1", "viewer")
    make_user(store_path, "editor1", "editor")
    at = open_users_page_as_admin(store_path)
    for name, role in [("test_admin", "admin"), ("viewer1", "viewer"), ("editor1", "editor"), ("viewer1", "viewer")]:
        at.selectbox(key="edit_username").set_value(name).run()
        assert at.selectbox(key=f"edit_role_{user_key(name)}").value == role
        assert not [
            s for s in at.selectbox if s.key.startswith("edit_role_") and s.key != f"edit_role_{user_key(name)}"
        ]


def test_saving_an_untouched_role_changes_nothing(store_path):
    make_user(store_path, "viewer1", "viewer")
    at = open_users_page_as_admin(store_path)
    at.selectbox(key="edit_username").set_value("viewer1").run()
    at.button(key=f"role_submit_{user_key('viewer1')}").click().run()
    assert [i.value for i in at.info] == ["角色未改变。"]
    assert not at.success and not confirmations(at)
    assert user_role(store_path, "viewer1") == "viewer"


def test_a_role_change_asks_for_confirmation_naming_both_roles(store_path):
    make_user(store_path, "viewer1", "viewer")
    make_user(store_path, "editor1", "editor")
    at = open_users_page_as_admin(store_path)
    at.selectbox(key="edit_username").set_value("viewer1").run()
    key = user_key("viewer1")
    at.selectbox(key=f"edit_role_{key}").set_value("admin")
    at.button(key=f"role_submit_{key}").click().run()
    assert confirmations(at) == ["确认将 viewer1 的角色由「查看」改为「管理」？"]
    assert user_role(store_path, "viewer1") == "viewer"  # nothing changed before the confirmation

    # Switching to another user drops the pending change rather than applying it to them.
    at.selectbox(key="edit_username").set_value("editor1").run()
    assert not confirmations(at)
    assert not [b for b in at.button if b.key.startswith("role_confirm_")]
    at.selectbox(key="edit_username").set_value("viewer1").run()
    assert not confirmations(at)

    at.selectbox(key=f"edit_role_{key}").set_value("editor")
    at.button(key=f"role_submit_{key}").click().run()
    at.button(key=f"role_cancel_{key}").click().run()
    assert not confirmations(at) and user_role(store_path, "viewer1") == "viewer"

    at.selectbox(key=f"edit_role_{key}").set_value("editor")
    at.button(key=f"role_submit_{key}").click().run()
    at.button(key=f"role_confirm_{key}").click().run()
    assert [s.value for s in at.success] == ["已将 viewer1 的角色由「查看」改为「填报」。"]
    assert user_role(store_path, "viewer1") == "editor"
    assert user_role(store_path, "editor1") == "editor"


def test_admin_cannot_disable_themself(store_path):
    at = app()
    login(at, store_path, "admin")
    at.run()
    at.switch_page("ui/views/admin_users.py").run()
    at.selectbox(key="edit_username").set_value("test_admin").run()
    assert not [b for b in at.button if b.key.startswith("disable_button")]
    assert "不能停用自己的账号。" in [c.value for c in at.caption]


def test_audit_log_filters_by_user_action_and_date(store_path):
    make_user(store_path, "zhang", "editor")
    con = store.connect(store_path)
    with pytest.raises(auth.AuthError):
        auth.authenticate(con, "zhang", "wrong-password")
    con.close()
    at = app()
    login(at, store_path, "admin")
    at.run()
    at.switch_page("ui/views/audit_log.py").run()
    shown = at.dataframe[0].value
    assert shown["操作"].tolist() == ["登录", "新建用户", "登录失败", "新建用户", "初始化数据库"]
    assert shown["用户"].tolist() == ["test_admin", "test", "zhang", "test", "system"]
    assert at.get("download_button")[0].proto.label == "下载 CSV"

    at.selectbox(key="audit_user").set_value("zhang")
    at.selectbox(key="audit_action").set_value("login_failed").run()
    shown = at.dataframe[0].value
    assert shown[["用户", "操作", "对象", "说明"]].values.tolist() == [
        ["zhang", "登录失败", "zhang", "密码错误（第 1 次）"]
    ]

    at.selectbox(key="audit_user").set_value("（全部）")
    at.selectbox(key="audit_action").set_value("（全部）")
    at.date_input(key="audit_dates").set_value((date(2020, 1, 1), date(2020, 1, 31))).run()
    assert len(at.dataframe[0].value) == 0
    assert at.caption[0].value == "共 0 条记录（2020-01-01 至 2020-01-31）"

    # A sign-in elsewhere does not mark the store changed (pages keep their caches), yet the log shows it.
    at.date_input(key="audit_dates").set_value((date.today(), date.today())).run()
    before = len(at.dataframe[0].value)
    con = store.connect(store_path)
    auth.start_session(con, "zhang")
    con.close()
    at.run()
    assert len(at.dataframe[0].value) == before + 1
    assert at.dataframe[0].value["用户"].iloc[0] == "zhang"


def test_admin_edits_a_users_display_name_and_department_from_the_catalogue(store_path):
    con = store.connect(store_path)
    auth.create_user(con, "viewer1", "viewer", "viewer-pass-123", actor="test")  # no name, no department
    auth.create_user(con, "clerk", "editor", "clerk-pass-123", display_name="王科员", department="交警大队")
    con.close()
    at = app()
    login(at, store_path, "admin")
    at.run()
    at.switch_page("ui/views/admin_users.py").run()
    at.selectbox(key="edit_username").set_value("viewer1").run()
    assert not any("nan" in t.value or "None" in t.value for t in at.text)
    key = user_key("viewer1")
    department = at.selectbox(key=f"edit_department_{key}")
    assert department.options[1:] == ["交警大队", "执法办案管理中心", "政工监督室", "治安部门", "法制大队", "派出所",
                                       "涉案财物管理中心", "纪委", "装财部门"]  # fmt: skip
    assert (at.text_input(key=f"edit_display_name_{key}").value, department.value) == ("", "")
    at.text_input(key=f"edit_display_name_{key}").input("赵领导")
    department.set_value("纪委")
    at.button(key=f"profile_submit_{key}").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["已修改 viewer1 的显示名与部门。"]
    con = store.connect(store_path)
    assert con.execute("select display_name, department from users where username = 'viewer1'").fetchall() == [
        ("赵领导", "纪委")
    ]
    assert con.execute("select detail from audit_log where action = 'user_profile'").fetchall() == [
        ("显示名：无 → 赵领导；部门：无 → 纪委",)
    ]
    con.close()
    # the form follows the chosen user
    at.selectbox(key="edit_username").set_value("clerk").run()
    clerk = user_key("clerk")
    assert at.text_input(key=f"edit_display_name_{clerk}").value == "王科员"
    assert at.selectbox(key=f"edit_department_{clerk}").value == "交警大队"


def test_a_department_outside_the_catalogue_is_refused(store_path):
    con = store.connect(store_path)
    auth.create_user(con, "viewer1", "viewer", "viewer-pass-123", actor="test")
    with pytest.raises(auth.AuthError, match="部门须从目录中的部门选择"):
        auth.set_profile(con, "viewer1", display_name="x", department="随便写的部门", actor="test")
    assert con.execute("select display_name from users where username = 'viewer1'").fetchall() == [(None,)]
    con.close()


# --- 目标设置: the 整改办's reviewers set the plan (auth.can_plan), on the page and in the core ---------


def test_a_reviewer_sets_deadline_leader_department_and_target_on_the_targets_page(store_path):
    at = open_page("ui/views/targets.py", store_path, "reviewer")
    assert notices(at) == []
    at.selectbox(key="plan_finding").select("F03").run()
    at.date_input(key="plan_deadline_F03").set_value(date(2025, 9, 30))
    at.text_input(key="plan_leader_F03").input("李副局长")
    at.text_input(key="plan_department_F03").input("交警大队")
    at.button(key="plan_submit").click().run()
    assert not at.exception, at.exception
    assert [s.value for s in at.success] == ["已保存。"]
    at.selectbox(key="target_metric").select("F05_DISSUADE_SESSIONS").run()
    at.number_input(key="target_value_F05_DISSUADE_SESSIONS").set_value(6000.0)
    at.selectbox(key="target_month_F05_DISSUADE_SESSIONS").select("2025-12")
    at.button(key="target_submit").click().run()
    assert not at.exception, at.exception
    con = store.connect(store_path)
    try:
        assert con.execute(
            "select deadline, responsible_leader, lead_department from findings where finding_code = 'F03'"
        ).fetchall() == [(date(2025, 9, 30), "李副局长", "交警大队")]
        assert con.execute(
            "select target_value, set_by from current_targets where metric_code = 'F05_DISSUADE_SESSIONS'"
        ).fetchall() == [(6000.0, "test_reviewer")]
        assert con.execute(
            "select user_name, action from audit_log where action in ('finding_plan', 'target') order by audit_id"
        ).fetchall() == [("test_reviewer", "finding_plan"), ("test_reviewer", "target")]
    finally:
        con.close()


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_the_plan_is_refused_to_other_roles_in_the_core_and_on_the_page(store_path, role):
    from rectification.workflow import targets

    at = open_page("ui/views/targets.py", store_path, role)
    assert notices(at) == [
        f"无权限：此页面需要「审核」及以上权限，当前账号为「{auth.ROLE_LABELS[role]}」。如需开通请联系管理员。"
    ]
    con = store.connect(store_path)
    try:
        before = con.execute("select deadline, responsible_leader, lead_department from findings").fetchall()
        with pytest.raises(targets.TargetError, match=f"无权限：.*需要「审核」或「管理」权限，test_{role} 为"):
            targets.set_finding_plan(
                con, "F03", deadline=date(2025, 9, 30), leader="某人", department="交警大队", user=f"test_{role}"
            )
        with pytest.raises(targets.TargetError, match="无权限"):
            targets.set_target(
                con, metric_code="F05_DISSUADE_SESSIONS", value=1.0, month="2025-12", user=f"test_{role}"
            )
        with pytest.raises(targets.TargetError, match="没有这个用户"):
            targets.set_target(con, metric_code="F05_DISSUADE_SESSIONS", value=1.0, month="2025-12", user="nobody")
        assert con.execute("select deadline, responsible_leader, lead_department from findings").fetchall() == before
        assert con.execute("select count(*) from metric_targets where set_by like 'test_%'").fetchone() == (0,)
    finally:
        con.close()


def test_the_targets_page_names_the_month_of_the_metrics_last_figure(store_path):
    # A 销号 approved today dates a status this month; the metric's cumulative is still March's.
    import io

    from PIL import Image

    from rectification.workflow import closure, evidence

    con = store.connect(store_path)
    try:
        for name, role in (("plan_admin", "admin"), ("plan_reviewer", "reviewer")):
            auth.create_user(con, name, role, TEST_PASSWORD, actor="test")
        photo = io.BytesIO()
        Image.new("RGB", (8, 8)).save(photo, "JPEG")
        closure.submit(
            con, "F03", note="完成", files=[evidence.Upload("现场.jpg", photo.getvalue(), "")], user="plan_admin"
        )
        closure.approve(con, "F03", user="plan_reviewer")
    finally:
        con.close()
    at = open_page("ui/views/targets.py", store_path, "reviewer")
    at.selectbox(key="target_metric").select("F05_DISSUADE_SESSIONS").run()
    assert "当前累计（截至2025年3月）" in [c.value for c in at.caption]
