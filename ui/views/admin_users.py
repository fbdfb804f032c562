"""用户管理: list accounts, add one, reset a password, change a role, disable or enable (admins only)."""

from datetime import datetime

import pandas as pd
import streamlit as st

from rectification.workflow import auth
from ui import access, database, page_frame, widgets

st.title("用户管理")
if not page_frame.page_header():
    st.stop()
admin = access.require_role("admin")

_FLASH = "admin_users_flash"
if flash := st.session_state.pop(_FLASH, None):
    st.success(widgets.escape_markdown(flash))


def done(message: str) -> None:
    """After a change: new data version (the audit log grew), then show the message on the fresh page."""
    database.bump_data_version()
    st.session_state[_FLASH] = message
    st.rerun()


def status_text(row) -> str:
    if row.disabled:
        return "已停用"
    if pd.notna(row.locked_until) and row.locked_until > datetime.now():
        return f"锁定至 {row.locked_until:%m-%d %H:%M}"
    return "正常"


users = auth.managed_users(database.cursor(), admin)
table = users.assign(
    role=users.role.map(auth.ROLE_LABELS),
    status=[status_text(row) for row in users.itertuples()],
    must_change_password=users.must_change_password.map({True: "是", False: ""}),
    display_name=users.display_name.fillna(""),
    department=users.department.fillna(""),
    unit=users.unit.fillna("全部单位"),
    # As text: the grid shows a missing time as a grey "None".
    last_login=[f"{t:%Y-%m-%d %H:%M}" if pd.notna(t) else "从未登录" for t in users.last_login],
    created_at=[f"{t:%Y-%m-%d %H:%M}" for t in users.created_at],
)[
    [
        "username",
        "display_name",
        "unit",
        "department",
        "role",
        "status",
        "must_change_password",
        "last_login",
        "created_at",
    ]
]
widgets.show_table(
    table,
    hide_index=True,
    column_config={
        "username": "用户名",
        "display_name": "显示名",
        "unit": "单位",
        "department": "部门",
        "role": "角色",
        "status": "状态",
        "must_change_password": "须改密码",
        "last_login": "最近登录",
        "created_at": "创建时间",
    },
)

role_options = auth.role_choices(admin)
# An account of one unit sees only that unit's rectifications; none (an administrator's default): every unit.
unit_options = auth.unit_choices(database.cursor(), admin)
if admin.is_store_wide:
    unit_options = ["", *unit_options]
# Departments are picked from the catalogue's departments ("" = none), never typed free.
department_options = ["", *auth.departments(database.cursor())]

st.subheader("新建用户")
with st.form("add_user_form", clear_on_submit=True):
    left, right = st.columns(2)
    username = left.text_input("用户名（登录用，字母、数字、汉字或 . _ -）", key="add_username")
    display_name = right.text_input("显示名（如姓名）", key="add_display_name")
    department = left.selectbox(
        "部门",
        department_options,
        format_func=lambda d: d or "（不属于具体部门）",
        key="add_department",
        placeholder=widgets.CHOOSE,
    )
    unit = right.selectbox(
        "单位",
        unit_options,
        format_func=lambda u: u or "（全部单位：市局或系统管理员）",
        key="add_unit",
        placeholder=widgets.CHOOSE,
        help="本单位的用户只能查看本单位的整改事项；市局整改办角色可查看全部单位。",
    )
    # A row each for the role and the two passwords, so the password and its repeat stay side by side.
    role_col, _ = st.columns(2)
    role = role_col.selectbox(
        "角色", role_options, index=1, format_func=auth.ROLE_LABELS.get, key="add_role", placeholder=widgets.CHOOSE
    )
    password_col, again_col = st.columns(2)
    password = password_col.text_input(
        f"初始密码（至少 {auth.MIN_PASSWORD_LENGTH} 个字符）", type="password", key="add_password"
    )
    again = again_col.text_input("再次输入初始密码", type="password", key="add_password_again")
    must_change = st.checkbox("首次登录须修改密码", value=True, key="add_must_change")
    submitted = st.form_submit_button("新建用户", type="primary", key="add_submit")
if submitted:
    if password != again:
        st.error("两次输入的密码不一致。")
    else:
        try:
            user = auth.create_user(
                database.cursor(),
                username,
                role,
                password,
                display_name=display_name.strip() or None,
                department=department.strip() or None,
                actor=admin.username,
                must_change_password=must_change,
                unit=unit or None,
            )
        except auth.AuthError as error:
            st.error(str(error))
        else:
            done(f"已新建用户 {user.username}（{user.role_label}）。")

if users.empty:
    st.stop()

st.subheader("修改账号")
names = users.username.tolist()
chosen = st.selectbox("选择用户", names, key="edit_username", placeholder=widgets.CHOOSE)
row = users[users.username == chosen].iloc[0]
display_now = row.display_name if isinstance(row.display_name, str) else ""
department_now = row.department if isinstance(row.department, str) else ""
st.text(
    " ".join(part for part in (f"{chosen}：", display_now, department_now) if part)
    + f"（{auth.ROLE_LABELS[row.role]}，{status_text(row)}）"
)
# Every per-user widget's key names the user: a widget keyed only by its purpose would keep the
# previous user's value (a role box still showing 管理 after switching to a viewer).
user_key = chosen.encode("utf-8").hex()
_PENDING_ROLE = "admin_users_pending_role"

with st.form(f"profile_form_{user_key}"):
    st.markdown("**显示名与部门**")
    name_col, department_col = st.columns(2)
    new_display_name = name_col.text_input(
        "显示名", value=display_now, max_chars=auth.MAX_DISPLAY_NAME, key=f"edit_display_name_{user_key}"
    )
    # A department typed before this page picked from the catalogue stays selectable until changed.
    choices = department_options + ([department_now] if department_now not in department_options else [])
    new_department = department_col.selectbox(
        "部门",
        choices,
        index=choices.index(department_now),
        format_func=lambda d: d or "（不属于具体部门）",
        key=f"edit_department_{user_key}",
        placeholder=widgets.CHOOSE,
    )
    save_profile = st.form_submit_button("保存显示名与部门", key=f"profile_submit_{user_key}")
if save_profile:
    try:
        changed = auth.set_profile(
            database.cursor(),
            chosen,
            display_name=new_display_name,
            department=new_department,
            actor=admin.username,
        )
    except auth.AuthError as error:
        st.error(str(error))
    else:
        if changed:
            done(f"已修改 {chosen} 的显示名与部门。")
        st.info("显示名与部门未改变。")

reset_col, role_col, state_col = st.columns(3)
with reset_col.form(f"reset_password_form_{user_key}", clear_on_submit=True):
    st.markdown("**重置密码**（同时解除锁定，结束其登录会话）")
    new_password = st.text_input("新密码", type="password", key=f"reset_password_{user_key}")
    new_again = st.text_input("再次输入新密码", type="password", key=f"reset_password_again_{user_key}")
    reset_must_change = st.checkbox("下次登录须修改密码", value=True, key=f"reset_must_change_{user_key}")
    reset = st.form_submit_button("重置密码", key=f"reset_submit_{user_key}")
if reset:
    if new_password != new_again:
        reset_col.error("两次输入的密码不一致。")
    else:
        try:
            auth.set_password(
                database.cursor(), chosen, new_password, actor=admin.username, must_change=reset_must_change
            )
        except auth.AuthError as error:
            reset_col.error(str(error))
        else:
            done(f"已重置 {chosen} 的密码。")

with role_col.form(f"role_form_{user_key}"):
    st.markdown("**修改角色**")
    new_role = st.selectbox(
        "角色",
        role_options,
        index=role_options.index(row.role) if row.role in role_options else 0,
        format_func=auth.ROLE_LABELS.get,
        key=f"edit_role_{user_key}",
        placeholder=widgets.CHOOSE,
    )
    change_role = st.form_submit_button("保存角色", key=f"role_submit_{user_key}")
if change_role:
    if new_role == row.role:
        role_col.info("角色未改变。")
        st.session_state.pop(_PENDING_ROLE, None)
    else:
        # A role change is confirmed on the next run, naming the user and both roles.
        st.session_state[_PENDING_ROLE] = (chosen, row.role, new_role)

pending = st.session_state.get(_PENDING_ROLE)
if pending and pending[0] == chosen and pending[1] == row.role:
    _, old_role, target_role = pending
    role_col.warning(
        f"确认将 {chosen} 的角色由「{auth.ROLE_LABELS[old_role]}」改为「{auth.ROLE_LABELS[target_role]}」？"
    )
    confirm, cancel = role_col.columns(2)
    if confirm.button("确认修改", type="primary", key=f"role_confirm_{user_key}"):
        st.session_state.pop(_PENDING_ROLE, None)
        try:
            auth.set_role(database.cursor(), chosen, target_role, actor=admin.username)
        except auth.AuthError as error:
            role_col.error(str(error))
        else:
            done(f"已将 {chosen} 的角色由「{auth.ROLE_LABELS[old_role]}」改为「{auth.ROLE_LABELS[target_role]}」。")
    if cancel.button("取消", key=f"role_cancel_{user_key}"):
        st.session_state.pop(_PENDING_ROLE, None)
        st.rerun()
elif pending:
    st.session_state.pop(_PENDING_ROLE, None)  # chosen another user, or the role changed meanwhile

state_col.markdown("**停用 / 启用**")
if row.disabled:
    if state_col.button("启用账号", key=f"enable_button_{user_key}"):
        try:
            auth.enable_user(database.cursor(), chosen, actor=admin.username)
        except auth.AuthError as error:
            state_col.error(str(error))
        else:
            done(f"已启用 {chosen}。")
elif chosen == admin.username:
    state_col.caption("不能停用自己的账号。")
elif state_col.button("停用账号", key=f"disable_button_{user_key}"):
    try:
        auth.disable_user(database.cursor(), chosen, actor=admin.username)
    except auth.AuthError as error:
        state_col.error(str(error))
    else:
        done(f"已停用 {chosen}，其登录会话已结束。")
