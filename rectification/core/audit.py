"""The audit trail: one row per write, saying who did what to which thing."""

from __future__ import annotations

import duckdb
import pandas as pd

# Chinese names for the audit log page; an action missing here is shown by its code.
ACTION_LABELS = {
    "upload": "上报数据",
    "import": "导入数据",
    "rollback": "撤销上报",
    "target": "设定目标",
    "annotation": "批注",
    "annotation_retract": "撤回批注",
    "finding_plan": "修改整改期限与责任",
    "init": "初始化数据库",
    "status": "整改状态",
    "login": "登录",
    "login_failed": "登录失败",
    "lockout": "账号锁定",
    "logout": "退出登录",
    "session_expired": "会话结束",
    "user_add": "新建用户",
    "user_disable": "停用用户",
    "user_enable": "启用用户",
    "user_role": "修改角色",
    "password_change": "修改密码",
    "password_reset": "重置密码",
    "backup": "备份数据库",
    "restore": "恢复数据库",
    "catalogue_add": "新增指标",
    "catalogue_edit": "修改指标",
    "catalogue_retire": "停用指标",
    "catalogue_reinstate": "恢复指标",
    "closure_submit": "申请销号",
    "closure_approve": "审核销号",
    "closure_return": "退回销号申请",
    "closure_recheck": "回头看",
    "evidence_withdraw": "撤回佐证材料",
    "evidence_add": "补充佐证材料",
    "deadline_set": "设定整改期限",
    "deadline_request": "申请延期",
    "deadline_approve": "批准延期",
    "deadline_refuse": "驳回延期",
    "programme_default": "设定默认整改事项",
    "programme_network": "设定整改事项的查看范围",
    "programme_order": "整改事项顺序",
    "programme_record": "补充整改信息",
    "catalogue_upgrade": "更新通报目录",
}


def record(
    con: duckdb.DuckDBPyConnection, *, user: str, action: str, target: str | None = None, detail: str = ""
) -> None:
    """Append an audit row, naming the rectification the connection is in (none in schema main: a
    change to the store itself). Call inside the transaction of the write it describes."""
    con.execute(
        "insert into audit_log (user_name, action, target, detail, programme_code)"
        " values (?, ?, ?, ?, current_programme_code())",
        [user, action, target, detail],
    )


def entries(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        "select audit_id, logged_at, user_name, action, target, detail from audit_log"
        " where programme_code is null or programme_code = current_programme_code() order by audit_id desc"
    ).df()


COLUMN_LABELS = {
    "audit_id": "序号",
    "logged_at": "时间",
    "user_name": "用户",
    "action": "操作",
    "target": "对象",
    "detail": "说明",
}


def readable(entries: pd.DataFrame) -> pd.DataFrame:
    """Audit rows as the log page shows and exports them: Chinese headers and action names."""
    named = entries.assign(action=entries.action.map(lambda a: ACTION_LABELS.get(a, a)))
    return named[list(COLUMN_LABELS)].rename(columns=COLUMN_LABELS)
