"""备份与恢复: back the store up to one file, download it, restore from a backup (admins only)."""

import tempfile
from datetime import datetime
from pathlib import Path

import pandas as pd
import streamlit as st

from rectification.core import backup
from ui import access, database, page_frame, widgets

st.title("备份与恢复")
page_frame.page_header()  # an empty store can still be restored from a backup
admin = access.require_role("admin")

_FLASH = "backup_flash"
if flash := st.session_state.pop(_FLASH, None):
    st.success(flash)

st.subheader("数据备份")
st.caption(
    "备份是整个数据库的一个文件（含目录、上报数据、用户与审计日志），保存在服务器的 backups 目录，也可下载另存。"
)
if st.button("立即备份", type="primary", key="backup_now"):
    try:
        made = backup.create_backup(database.cursor(), actor=admin.username)
    except backup.BackupError as error:
        st.error(str(error))
    else:
        database.bump_data_version()
        st.session_state[_FLASH] = f"已备份：{made.name}"
        st.rerun()


def server_backups() -> Path | None:
    """List the backups on the server with a download of the chosen one; returns the chosen file."""
    files = backup.list_backups(database.cursor())
    if not files:
        st.info("服务器上还没有备份。")
        return None
    listing = pd.DataFrame(
        {
            "文件": [f.name for f in files],
            "时间": [datetime.fromtimestamp(f.stat().st_mtime) for f in files],
            "大小（MB）": [round(f.stat().st_size / 1024 / 1024, 2) for f in files],
        }
    )
    widgets.show_table(
        listing,
        hide_index=True,
        column_config={"时间": st.column_config.DatetimeColumn("时间", format="YYYY-MM-DD HH:mm:ss")},
    )
    by_name = {f.name: f for f in files}
    chosen = by_name[st.selectbox("选择备份", list(by_name), key="backup_choice", placeholder=widgets.CHOOSE)]
    st.download_button(
        "下载所选备份",
        chosen.read_bytes(),
        file_name=chosen.name,
        mime="application/octet-stream",
        key="backup_download",
    )
    return chosen


chosen = server_backups()


def offer_restore(candidate: Path) -> None:
    """Show what the backup holds; restore it once the administrator confirms."""
    try:
        info = backup.inspect_backup(candidate)
    except backup.BackupError as error:
        st.error(str(error))
        return
    last_change = f"{info.last_change:%Y-%m-%d %H:%M}" if info.last_change else "无记录"
    st.text(
        f"备份内容：整改问题 {info.findings} 项，上报记录 {info.uploads} 次，用户 {info.users} 个"
        f"（管理员 {info.admins} 个），佐证材料 {info.evidence} 个，最后一次操作 {last_change}。"
    )
    if info.admins == 0:
        st.warning("该备份中没有可用的管理员账号：恢复后需在服务器上用命令行创建管理员。")
    confirmed = st.checkbox("我确认用此备份替换当前全部数据", key="restore_confirm")
    if not st.button("恢复", type="primary", disabled=not confirmed, key="restore_button"):
        return
    try:
        _, safety = backup.restore_backup(database.cursor(), candidate, actor=admin.username)
    except backup.BackupError as error:
        st.error(str(error))
        return
    database.bump_data_version()
    st.session_state[_FLASH] = f"已从 {candidate.name} 恢复。恢复前的数据已备份为 {safety.name}。"
    st.rerun()


st.subheader("从备份恢复")
st.caption("恢复会用备份替换当前全部数据；恢复前系统会先自动备份当前数据（文件名以 before-restore 开头）。")
sources = (["服务器上的备份"] if chosen else []) + ["上传备份文件"]
# A key per set of options: once the first backup exists, the server's backups become the default.
source = st.radio("备份来源", sources, horizontal=True, key=f"restore_source_{len(sources)}")
if source == "服务器上的备份":
    offer_restore(chosen)
elif (
    upload := widgets.file_uploader(
        "备份文件（.duckdb）", type=["duckdb"], key="restore_upload", note="或把备份文件拖到此处；.duckdb"
    )
) is not None:
    # Checked and restored from a private temporary copy; nothing unchecked lands in backups/.
    with tempfile.TemporaryDirectory(prefix="restore-upload-") as folder:
        candidate = Path(folder) / (Path(upload.name).name or "uploaded.duckdb")
        candidate.write_bytes(upload.getvalue())
        offer_restore(candidate)
