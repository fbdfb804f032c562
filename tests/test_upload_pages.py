"""数据上报 and 数据管理 through AppTest: preview before writing, confirm once, replace on conflict,
problems as a table and a CSV, the upload list, the original file, and rollback with confirmation."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import pytest
from ingest_files import COUNT, COUNT2, csv_bytes, current, fetch, snapshot
from streamlit.runtime.memory_media_file_storage import _calculate_file_id
from streamlit.testing.v1 import AppTest

from rectification import ingest
from rectification.core import store, tables
from rectification.outputs import exports
from support import login
from ui import widgets

ROOT = Path(__file__).resolve().parents[1]
FORM = csv_bytes([["月份", "指标编码", "数值"], ["2025-04", COUNT, "12"], ["2025-04", COUNT2, "3"]], encoding="gbk")


def open_page(store_path, page: str, role: str = "editor") -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    login(at, store_path, role)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def upload(at: AppTest, data: bytes, name: str, key: str = "figures_file") -> AppTest:
    at.file_uploader(key=key).set_value((name, data, "text/csv"))
    at.run()
    assert not at.exception, at.exception
    return at


def served(button, data: bytes, mime: str, file_name: str) -> bool:
    """Whether a download button serves exactly `data` as `file_name`: Streamlit names its media
    files by a hash of content, type and name."""
    return Path(button.proto.url).stem == _calculate_file_id(data, mime, file_name)


def button(at: AppTest, key: str):
    return next(b for b in at.button if b.key == key)


def n_uploads(store_path) -> int:
    return fetch(store_path, "select count(*) from uploads")[0][0]


def test_preview_writes_nothing_then_confirm_imports_once(store_path):
    at = open_page(store_path, "ui/views/upload.py")
    before = snapshot(store_path)
    upload(at, FORM, "四月月报.csv")
    sha = hashlib.sha256(FORM).hexdigest()
    assert at.subheader[0].value == "预览：月报（尚未写入）"
    preview = at.dataframe[0].value
    assert list(preview["指标编码"]) == [COUNT, COUNT2]
    assert list(preview["本次数值"]) == ["12", "3"]
    assert list(preview["处理"]) == ["新增", "新增"]
    assert snapshot(store_path) == before  # nothing written by the preview

    button(at, f"figures_confirm_{sha}").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("已导入月报（上报批次 #3）：新增 2 条")
    assert current(store_path, COUNT, "2025-04") == 12
    assert fetch(store_path, "select user_name, file_name from uploads where upload_id = 3") == [
        ("test_editor", "四月月报.csv")
    ]
    assert [(link.proto.page, link.proto.label) for link in at.get("page_link")] == [
        ("", "总览"),  # the default page's URL is the root
        ("metric_explorer", "指标趋势"),
    ]

    at.run()  # a rerun with the same file still in the uploader
    at.run()
    assert n_uploads(store_path) == 3
    assert at.success[0].value.startswith("已导入月报（上报批次 #3）")


def test_refused_file_lists_problems_in_a_table_and_a_csv(store_path):
    at = open_page(store_path, "ui/views/upload.py")
    before = snapshot(store_path)
    bad = csv_bytes([["月份", "指标编码", "数值"], ["2025-04", "NOPE", "1"], ["4月", COUNT, "abc"]])
    upload(at, bad, "bad.csv")
    # The headline names the first reason and how many there are, and that nothing was written.
    assert at.error[0].value == (
        "未导入：第2行「指标编码」列（值：NOPE）：指标编码不存在，请使用本月模板中的编码　等 3 处问题，见下表（数据库未作任何更改）"
    )
    problems = at.dataframe[0].value
    assert [(r["行"], r["列"], r["值"]) for r in problems.to_dict("records")] == [
        (2, "指标编码", "NOPE"),
        (3, "月份", "4月"),
        (3, "数值", "abc"),
    ]
    sha = hashlib.sha256(bad).hexdigest()
    download = next(b for b in at.get("download_button") if b.key == f"figures_problems_{sha}")
    con = store.connect(store_path)
    with pytest.raises(ingest.Refused) as refused:
        ingest.preview(con, bad, "bad.csv")
    con.close()
    expected = tables.to_csv_bytes(ingest.problems_frame(refused.value.problems))
    assert served(download, expected, "text/csv", "问题清单.csv")
    rows = list(csv.reader(io.StringIO(expected.decode("utf-8-sig"))))
    assert rows[0] == ["行", "指标/问题", "列", "值", "问题"] and rows[1][:4] == ["2", "", "指标编码", "NOPE"]
    assert rows[3][:4] == ["3", f"{COUNT} 头盔劝导场次", "数值", "abc"] and len(rows) == 4  # the metric named
    assert not [b for b in at.button if b.key and b.key.startswith("figures_confirm")]
    assert snapshot(store_path) == before


def test_conflict_needs_the_checkbox_and_the_second_button(store_path):
    at = open_page(store_path, "ui/views/upload.py")
    upload(at, FORM, "a.csv")
    button(at, f"figures_confirm_{hashlib.sha256(FORM).hexdigest()}").click().run()
    changed = csv_bytes([["月份", "指标编码", "数值"], ["2025-04", COUNT, "13"], ["2025-04", COUNT2, "3"]])
    sha = hashlib.sha256(changed).hexdigest()
    upload(at, changed, "b.csv")
    assert list(at.dataframe[0].value["处理"]) == ["修订（替换已有值）", "未变"]
    assert list(at.dataframe[0].value["已存数值"]) == ["12", "3"]
    assert "有 1 个值与已存的不一致" in at.warning[-1].value
    assert button(at, f"figures_confirm_{sha}").disabled
    assert button(at, f"figures_confirm_replace_{sha}").disabled

    at.checkbox(key=f"figures_replace_{sha}").check().run()
    button(at, f"figures_confirm_replace_{sha}").click().run()
    assert not at.exception
    assert "修订 1 条" in at.success[0].value
    assert current(store_path, COUNT, "2025-04") == 13
    assert fetch(
        store_path,
        "select value from observations where metric_code = ? and month = '2025-04-01' order by revision",
        [COUNT],
    ) == [(12.0,), (13.0,)]


def test_ledger_tab_imports_statuses(store_path):
    at = open_page(store_path, "ui/views/upload.py")
    data = csv_bytes([["月份", "问题编号", "状态", "进展说明"], ["2025-04", "（2）", "已整改", "完工"]], encoding="gbk")
    upload(at, data, "台账.csv", key="ledger_file")
    assert at.subheader[0].value == "预览：整改台账（尚未写入）"
    assert list(at.dataframe[0].value["本次状态"]) == ["已完成"]
    button(at, f"ledger_confirm_{hashlib.sha256(data).hexdigest()}").click().run()
    assert at.success[0].value.startswith("已导入台账")
    assert fetch(
        store_path,
        "select status, note from current_finding_status where finding_code = 'F02' and month = '2025-04-01'",
    ) == [("已完成", "完工")]


def test_form_downloads_for_the_chosen_month(store_path):
    from rectification.ingest import ledger

    at = open_page(store_path, "ui/views/upload.py")
    at.selectbox(key="upload_month").select("2025-05").run()
    con = store.connect(store_path)
    csv_form = exports.form_bytes(con, "2025-05", "x.csv", with_hint=True)
    ledger_form = tables.to_csv_bytes(ledger.ledger_form(con, "2025-05"))
    con.close()
    downloads = {b.key: b for b in at.get("download_button")}
    assert served(downloads["form_csv"], csv_form, "text/csv", "整改月报_2025-05.csv")
    assert served(downloads["ledger_csv"], ledger_form, "text/csv", "整改台账_2025-05.csv")
    assert "上次填报（供参考）" in csv_form.decode("utf-8-sig").splitlines()[0]


def test_forms_default_to_the_editors_department(store_path):
    from rectification.ingest import ledger
    from rectification.workflow import auth

    con = store.connect(store_path)
    auth.create_user(con, "traffic", "editor", "traffic-pass-1", department="交警大队", actor="test")
    csv_form = exports.form_bytes(con, "2025-05", "x.csv", with_hint=True, department="交警大队")
    ledger_form = tables.to_csv_bytes(ledger.ledger_form(con, "2025-05", "交警大队"))
    full_form = exports.form_bytes(con, "2025-05", "x.csv", with_hint=True)
    led = {
        code
        for (code,) in con.execute("select finding_code from findings where lead_department = '交警大队'").fetchall()
    }
    con.close()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    login(at, store_path, "editor", username="traffic")
    at.run()
    at.switch_page("ui/views/upload.py").run()
    at.selectbox(key="upload_month").select("2025-05").run()
    assert at.selectbox(key="upload_scope").value == "交警大队"
    downloads = {b.key: b for b in at.get("download_button")}
    assert served(downloads["form_csv"], csv_form, "text/csv", "整改月报_2025-05_交警大队.csv")
    assert served(downloads["ledger_csv"], ledger_form, "text/csv", "整改台账_2025-05_交警大队.csv")
    codes = [row.split(",")[1] for row in csv_form.decode("utf-8-sig").splitlines()[1:]]
    assert codes and all(code.split("_")[0] in led for code in codes)
    assert [row.split(",")[1] for row in ledger_form.decode("utf-8-sig").splitlines()[1:]] == [
        f"问题{code[1:]}" for code in sorted(led)
    ]

    at.selectbox(key="upload_scope").select("全部指标").run()
    downloads = {b.key: b for b in at.get("download_button")}
    assert served(downloads["form_csv"], full_form, "text/csv", "整改月报_2025-05.csv")


def test_user_text_is_never_rendered_as_markdown(store_path):
    at = open_page(store_path, "ui/views/upload.py")
    name = "**粗体**<img src=x onerror=alert(1)>.csv"
    data = csv_bytes([["月份", "指标编码", "数值", "备注"], ["2025-04", COUNT, "1", "<b>备注</b> **x**"]])
    upload(at, data, name)
    button(at, f"figures_confirm_{hashlib.sha256(data).hexdigest()}").click().run()
    admin = open_page(store_path, "ui/views/data_admin.py", role="admin")
    for page in (at, admin):
        shown = [m.value for m in page.markdown] + [m.value for m in page.caption] + [s.value for s in page.success]
        assert not [text for text in shown if "粗体" in text or "<b>" in text]
    assert name in list(admin.dataframe[0].value["file_name"])


def test_viewer_cannot_open_the_upload_page(store_path):
    at = open_page(store_path, "ui/views/upload.py", role="viewer")
    assert at.warning[0].value.startswith("无权限：此页面需要「填报」")
    assert not at.get("file_uploader")


# --- 数据管理 ---------------------------------------------------------------------------------


def test_data_admin_lists_uploads_details_and_original(store_path, tmp_path):
    at = open_page(store_path, "ui/views/upload.py")
    upload(at, FORM, "四月月报.csv")
    button(at, f"figures_confirm_{hashlib.sha256(FORM).hexdigest()}").click().run()

    admin = open_page(store_path, "ui/views/data_admin.py", role="editor")
    listing = admin.dataframe[0].value
    assert list(listing.upload_id) == [3, 2, 1]
    assert list(listing.state) == ["有效", "有效", "有效"]
    assert admin.selectbox(key="admin_upload").value == 3
    details = dict(zip(admin.dataframe[1].value["项目"], admin.dataframe[1].value["内容"]))
    assert (details["上报人"], details["文件名"], details["SHA-256"], details["新增"]) == (
        "测试填报", "四月月报.csv", hashlib.sha256(FORM).hexdigest(), "2",
    )  # fmt: skip
    values = admin.dataframe[2].value
    assert list(values.metric_code) == [COUNT2, COUNT] or list(values.metric_code) == [COUNT, COUNT2]
    assert values.counts_now.all()
    original = next(b for b in admin.get("download_button") if b.key == "download_original")
    assert served(original, FORM, "application/octet-stream", "四月月报.csv")
    # Editors see the history; rollback needs an admin.
    assert not [b for b in admin.button if b.key == "rollback_start"]
    assert admin.info[-1].value == "撤销上报需要「管理」权限。"


def test_rollback_asks_for_confirmation_then_records_it(store_path):
    at = open_page(store_path, "ui/views/upload.py")
    upload(at, FORM, "a.csv")
    button(at, f"figures_confirm_{hashlib.sha256(FORM).hexdigest()}").click().run()

    admin = open_page(store_path, "ui/views/data_admin.py", role="admin")
    before = snapshot(store_path)
    button(admin, "rollback_start").click().run()
    assert "确认撤销上报批次 #3" in admin.warning[-1].value
    assert snapshot(store_path) == before  # asking is not doing
    button(admin, "rollback_cancel").click().run()
    assert not [b for b in admin.button if b.key == "rollback_confirm"]
    assert snapshot(store_path) == before

    button(admin, "rollback_start").click().run()
    button(admin, "rollback_confirm").click().run()
    assert not admin.exception
    assert admin.success[0].value.startswith("已撤销上报批次 #3（月报）：2 个数值、0 条状态不再计入")
    assert current(store_path, COUNT, "2025-04") is None
    assert fetch(store_path, "select kind, rolls_back, user_name from uploads where upload_id = 4") == [
        ("rollback", 3, "test_admin")
    ]
    assert fetch(store_path, "select action, target from audit_log where action = 'rollback'") == [("rollback", "3")]
    assert list(admin.dataframe[0].value.state[:2]) == ["撤销记录", "已撤销"]


@pytest.mark.parametrize("role", ["admin"])
def test_demo_data_removed_from_the_page(store_path, role):
    admin = open_page(store_path, "ui/views/data_admin.py", role=role)
    assert any("示例数据" in w.value for w in admin.warning)
    admin.selectbox(key="admin_upload").select(2).run()
    button(admin, "rollback_start").click().run()
    button(admin, "rollback_confirm").click().run()
    assert admin.success[0].value.startswith("已撤销上报批次 #2（示例数据）")
    assert not any("示例数据】" in w.value for w in admin.warning)  # the demo banner is gone
    assert fetch(store_path, "select count(*) from live_uploads where source = '示例数据'") == [(0,)]


def test_opening_balances_offer_no_rollback(store_path):
    admin = open_page(store_path, "ui/views/data_admin.py", role="admin")
    admin.selectbox(key="admin_upload").select(1).run()
    assert not [b for b in admin.button if b.key == "rollback_start"]


def test_preview_flags_a_typo_on_its_row_with_the_months_before(store_path):
    """1234 where the month before was 2: the clerk sees it before 确认导入, and may still import."""
    data = csv_bytes(
        [["月份", "指标编码", "数值"], ["2025-04", COUNT, "300"], ["2025-04", COUNT2, "1234"]], encoding="utf-8"
    )
    at = open_page(store_path, "ui/views/upload.py")
    before = snapshot(store_path)
    upload(at, data, "四月月报.csv")
    preview = at.dataframe[0].value
    flagged = preview.set_index("指标编码")
    assert flagged.loc[COUNT2, "数据存疑"].startswith("本月 1,234，远高于以往")
    assert flagged.loc[COUNT2, "此前数值"].endswith("2025年3月 " + _demo_value(store_path, COUNT2, "2025-03") + " 项")
    assert flagged.loc[COUNT, "数据存疑"] == ""  # a plausible figure carries no warning
    assert any("1 个数值看起来可能填错" in w.value for w in at.warning)
    # Listed apart in full (the table's cell is cut to its column): the warning and the months before.
    name = flagged.loc[COUNT2, "指标名称"]
    line = f"第3行 {COUNT2} {name}：{flagged.loc[COUNT2, '数据存疑']}（此前：{flagged.loc[COUNT2, '此前数值']}）"
    assert f"- {widgets.escape_markdown(line)}" in next(w.value for w in at.warning if "可能填错" in w.value).split(
        "\n"
    )
    assert snapshot(store_path) == before
    sha = hashlib.sha256(data).hexdigest()
    button(at, f"figures_confirm_{sha}").click().run()  # a warning, not a refusal
    assert current(store_path, COUNT2, "2025-04") == 1234


def _demo_value(store_path, code: str, month: str) -> str:
    value = fetch(
        store_path,
        "select value from current_observations where metric_code = ? and strftime(month, '%Y-%m') = ?",
        [code, month],
    )[0][0]
    return f"{value:,.0f}"


# --- issue 8: upload feedback and the month picker ----------------------------------------------------


def test_month_picker_defaults_to_last_completed_month_and_lists_every_month(store_path):
    from rectification.core.months import add_months, current_month, month_range
    from rectification.core.programme import read_file as read_programme

    at = open_page(store_path, "ui/views/upload.py")
    picker = at.selectbox(key="upload_month")
    assert picker.value == add_months(current_month(), -1)
    assert len(picker.options) == len(month_range(read_programme().tracking_start, current_month()))


def test_stated_size_limit_is_the_one_applied_and_the_browser_allows_it(store_path):
    from rectification.core.config import max_upload_bytes

    at = open_page(store_path, "ui/views/upload.py")
    widget = at.get("file_uploader")[0].proto
    assert "20 MB（20,971,520 字节）" in widget.help
    # the drop zone (MB of 1,000,000 bytes in most browsers) never refuses a file the importer accepts
    assert widget.max_upload_size_mb * 1_000_000 > max_upload_bytes()
    limit = max_upload_bytes()
    assert str(ingest_refusal(b"x" * (limit + 1))) == (
        f"文件：文件过大（20.0 MB，{limit + 1:,} 字节），上限为 20 MB（{limit:,} 字节）"
    )


def ingest_refusal(data: bytes) -> ingest.Problem:
    with pytest.raises(ingest.Refused) as refused:
        ingest.check_size(len(data))
    return refused.value.problems[0]


def test_same_file_again_names_the_upload_holding_it(store_path):
    at = open_page(store_path, "ui/views/upload.py")
    upload(at, FORM, "四月月报.csv")
    at.button(key=f"figures_confirm_{hashlib.sha256(FORM).hexdigest()}").click().run()
    upload_id = fetch(store_path, "select max(upload_id) from uploads")[0][0]
    again = open_page(store_path, "ui/views/upload.py")
    upload(again, FORM, "四月月报（副本）.csv")
    assert any(f"上报批次 \\#{upload_id}" in i.value or f"上报批次 #{upload_id}" in i.value for i in again.info)
    again.button(key=f"figures_confirm_{hashlib.sha256(FORM).hexdigest()}").click().run()
    messages = [i.value for i in again.info]
    assert any("未作更改" in m and f"{upload_id}" in m and "测试填报" in m for m in messages), messages


def test_template_says_per_metric_what_to_enter(store_path):
    con = store.connect(store_path)
    form = exports.upload_form(con, "2025-04", with_hint=True)
    con.close()
    kinds = dict(zip(form["指标编码"], form["填写方式"], strict=True))
    assert kinds[COUNT] == "填本月新增数"
    assert kinds["L1_CHECKPOINTS_REPAIRED_PCT"] == "填月末数（状态值）"
    assert list(form.columns).index("填写方式") == list(form.columns).index("数值") - 1


# --- issue 17: upload feedback -------------------------------------------------------------------------


def test_a_single_reason_is_the_headline_and_values_show_as_typed(store_path):
    at = open_page(store_path, "ui/views/upload.py")
    before = snapshot(store_path)
    bad = csv_bytes([["月份", "指标编码", "数值"], ["2025-04", COUNT, "=1+1"]])
    upload(at, bad, "公式.csv")
    headline = at.error[0].value
    assert headline.startswith("未导入：第2行「数值」列（值：=1\\+1）：这是公式，不是数值：请填写计算结果")
    assert headline.endswith("（数据库未作任何更改）") and "等" not in headline
    problems = at.dataframe[0].value
    assert problems["值"].tolist() == ["=1+1"]  # as the clerk typed it: no apostrophe on screen
    sha = hashlib.sha256(bad).hexdigest()
    download = next(b for b in at.get("download_button") if b.key == f"figures_problems_{sha}")
    con = store.connect(store_path)
    with pytest.raises(ingest.Refused) as refused:
        ingest.preview(con, bad, "公式.csv")
    con.close()
    served_csv = tables.to_csv_bytes(ingest.problems_frame(refused.value.problems))
    assert served(download, served_csv, "text/csv", "问题清单.csv")
    assert list(csv.reader(io.StringIO(served_csv.decode("utf-8-sig"))))[1][3] == "'=1+1"  # neutralised there
    assert snapshot(store_path) == before


def test_the_overview_says_what_an_upload_added_and_shows_it_on_a_click(store_path):
    at = open_page(store_path, "ui/views/upload.py")
    upload(at, FORM, "四月月报.csv")
    button(at, f"figures_confirm_{hashlib.sha256(FORM).hexdigest()}").click().run()
    at.switch_page("ui/views/overview.py").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="flt_as_of").value == "2025-03"  # two figures do not move the default month
    assert [i.value for i in at.info if "已导入" in i.value] == [
        "2025年4月数据已导入（新增 2 条）：在左侧「数据截至」选2025年4月查看（多数指标上报后，总览才默认显示该月）。"
    ]
    button(at, "overview_show_imported").click().run()
    assert not at.exception, at.exception
    assert at.selectbox(key="flt_as_of").value == "2025-04"
    assert not [i for i in at.info if "已导入" in i.value] and "overview_show_imported" not in {
        b.key for b in at.button
    }
