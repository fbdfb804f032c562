"""Monthly figures from CSV as staff send them: encodings, months, values, refusals, re-uploads,
the upload record, rollback, and formula-safe CSV exports."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from ingest_files import (
    COUNT,
    COUNT2,
    LEVEL,
    PCT,
    assert_refused,
    csv_bytes,
    current,
    fetch,
    import_bytes,
    run,
    snapshot,
)

from rectification import ingest
from rectification.core import tables
from rectification.core.months import add_months, current_month
from rectification.core.programme import read_file as read_programme

HEADER = ["月份", "指标编码", "指标名称", "单位", "数值", "备注"]


# --- What it accepts -----------------------------------------------------------------------


def test_gbk_csv_as_excel_on_chinese_windows_saves_it(store_path, tmp_path, capsys):
    data = csv_bytes(
        [
            HEADER,
            ["2025年4月", COUNT, "头盔劝导场次", "场次", "３１２", "全角数字"],
            ["2025-04", COUNT2, "", "", "2", ""],
        ],
        encoding="gbk",
    )
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # really GBK bytes, as Excel writes them
    code, out, err = import_bytes(store_path, tmp_path, data, "四月月报.csv", capsys=capsys)
    assert code == 0, err
    assert "新增 2 条" in out
    assert current(store_path, COUNT, "2025-04") == 312
    assert current(store_path, COUNT2, "2025-04") == 2
    assert fetch(
        store_path, "select note from observations where metric_code = ? and month = '2025-04-01'", [COUNT]
    ) == [("全角数字",)]


def test_utf8_bom_semicolon_csv(store_path, tmp_path, capsys):
    data = b"\xef\xbb\xbf" + csv_bytes([["月份", "指标编码", "数值"], ["2025-04", COUNT, "5"]], sep=";")
    code, _, err = import_bytes(store_path, tmp_path, data, "form.csv", capsys=capsys)
    assert code == 0, err
    assert current(store_path, COUNT, "2025-04") == 5


def test_utf16_tab_text_as_excel_unicode_text(store_path, tmp_path, capsys):
    # Excel's "Unicode 文本": UTF-16 LE with a BOM, tab separated.
    data = csv_bytes([HEADER, ["2025-04", COUNT, "头盔劝导场次", "场次", "1,234", ""]], encoding="utf-16", sep="\t")
    assert data.startswith(b"\xff\xfe")
    code, _, err = import_bytes(store_path, tmp_path, data, "form.txt", capsys=capsys)
    assert code == 0, err
    assert current(store_path, COUNT, "2025-04") == 1234


def test_english_header_and_title_rows_above_it(store_path, tmp_path, capsys):
    data = csv_bytes(
        [
            ["横栏分局整改月报"],
            ["填报单位：交警大队"],
            ["Month", "Metric_Code", "Value", "Note"],
            ["2025-04", COUNT, "7", "ok"],
        ]
    )
    code, _, err = import_bytes(store_path, tmp_path, data, "english.csv", capsys=capsys)
    assert code == 0, err
    assert current(store_path, COUNT, "2025-04") == 7


def test_mixed_month_formats_in_one_file(store_path, tmp_path, capsys):
    serial = (dt.date(2025, 4, 1) - dt.date(1899, 12, 30)).days
    months = ["2025-04", "2025-4", "2025/04", "2025.04", "202504", "2025年4月", "2025/4/1", str(serial)]
    codes = ["F05_VILLAGES_COVERED", LEVEL, COUNT, "F05_PERSONS_EDUCATED", "F05_VILLAGE_CAMPAIGNS"]
    codes += ["F05_ENTERPRISE_TALKS", "F05_SCHOOL_SESSIONS", "F07_LECTURES"]
    rows = [["月份", "指标编码", "数值"]] + [[m, c, str(i + 1)] for i, (m, c) in enumerate(zip(months, codes))]
    code, out, err = import_bytes(store_path, tmp_path, csv_bytes(rows), "months.csv", capsys=capsys)
    assert code == 0, err
    assert "新增 8 条" in out
    assert fetch(store_path, "select months from uploads order by upload_id desc limit 1") == [("2025-04",)]
    assert [current(store_path, c, "2025-04") for c in codes] == [1, 2, 3, 4, 5, 6, 7, 8]


@pytest.mark.parametrize(
    "text, month",
    [
        ("2025-04", "2025-04"),
        ("2025-4", "2025-04"),
        ("2025/04", "2025-04"),
        ("2025.04", "2025-04"),
        ("202504", "2025-04"),
        ("2025年4月", "2025-04"),
        ("２０２５年４月", "2025-04"),
        ("2025-04-01 00:00:00", "2025-04"),
        (dt.datetime(2025, 4, 1), "2025-04"),
        (45748, "2025-04"),
        (202504, "2025-04"),
        (2025.04, "2025-04"),
        (2025.12, "2025-12"),
    ],
)
def test_month_formats(text, month):
    assert ingest.month_of(text) == (month, None)


@pytest.mark.parametrize("text", ["4月", "25年4月", "25-04", "2025", "2025-13", "April", 2025.1])
def test_ambiguous_or_wrong_months_are_not_guessed(text):
    month, reason = ingest.month_of(text)
    assert month is None and reason


def test_values_full_width_grouped_spaces_percent(store_path, tmp_path, capsys):
    rows = [
        ["月份", "指标编码", "数值"],
        ["2025-04", COUNT, "１，２３４"],
        ["2025-04", COUNT2, " 12 "],
        ["2025-04", PCT, "92.5%"],
        ["2025-04", LEVEL, "３３"],
    ]
    code, _, err = import_bytes(store_path, tmp_path, csv_bytes(rows), "values.csv", capsys=capsys)
    assert code == 0, err
    assert [current(store_path, c, "2025-04") for c in (COUNT, COUNT2, PCT, LEVEL)] == [1234, 12, 92.5, 33]


def test_not_reported_cells_are_skipped_with_a_warning_never_zero(store_path, tmp_path, capsys):
    blanks = ["", "-", "—", "无", "#N/A", "#DIV/0!"]
    codes = [COUNT, COUNT2, LEVEL, PCT, "F05_PERSONS_EDUCATED", "F07_LECTURES"]
    rows = [["月份", "指标编码", "数值"]] + [["2025-04", c, b] for c, b in zip(codes, blanks)]
    rows.append(["2025-04", "F07_POSTERS", "3"])
    code, out, err = import_bytes(store_path, tmp_path, csv_bytes(rows), "blanks.csv", capsys=capsys)
    assert code == 0, err
    assert "新增 1 条" in out and "跳过 6 条" in out
    for line in range(2, 8):
        assert f"提示：第{line}行「数值」列" in err
    assert fetch(store_path, "select metric_code from observations where month = '2025-04-01'") == [("F07_POSTERS",)]
    assert fetch(store_path, "select n_skipped, n_new from uploads order by upload_id desc limit 1") == [(6, 1)]


def test_total_rows_are_dropped(store_path, tmp_path, capsys):
    rows = [["月份", "指标编码", "数值"], ["2025-04", COUNT, "3"], ["2025-04", COUNT2, "4"], ["合计", "", "7"]]
    code, out, err = import_bytes(store_path, tmp_path, csv_bytes(rows), "total.csv", capsys=capsys)
    assert code == 0, err
    assert "新增 2 条" in out and "第4行：合计/小计行，已忽略" in err


def test_form_with_hint_column_round_trips(store_path, tmp_path, capsys):
    from rectification.core import store
    from rectification.outputs import exports

    con = store.connect(store_path)
    form = exports.upload_form(con, "2025-04", with_hint=True)
    con.close()
    form.loc[form["指标编码"] == COUNT, "数值"] = "88"
    data = tables.to_csv_bytes(form)
    code, out, err = import_bytes(store_path, tmp_path, data, "2025-04.csv", capsys=capsys)
    assert code == 0, err
    assert "新增 1 条" in out and f"跳过 {len(form) - 1} 条" in out
    assert current(store_path, COUNT, "2025-04") == 88


# --- What it refuses, whole ------------------------------------------------------------------


def _one_row(value: str, code: str = COUNT, month: str = "2025-04") -> bytes:
    return csv_bytes([["月份", "指标编码", "数值"], ["2025-04", COUNT2, "1"], [month, code, value]])


@pytest.mark.parametrize(
    "data, expected",
    [
        (_one_row("5", code="F05_NO_SUCH"), "第3行「指标编码」列（值：F05_NO_SUCH）：指标编码不存在"),
        (_one_row("五"), "第3行「数值」列（值：五）：不是数字"),
        (_one_row("-3"), "第3行「数值」列（值：-3）：数值不能为负数"),
        (_one_row("101", code=PCT), "第3行「数值」列（值：101）：百分比不能超过 100"),
        (_one_row("12.5%"), "第3行「数值」列（值：12.5%）：该指标不是百分比"),
        (_one_row("1,23"), "第3行「数值」列（值：1,23）：千分位写法不正确"),
        (_one_row("=SUM(1,2)"), "第3行「数值」列（值：=SUM(1,2)）：这是公式，不是数值"),
        (_one_row("+SUM(1,2)"), "第3行「数值」列（值：+SUM(1,2)）：这是公式，不是数值"),
        (_one_row("1O5"), "不是数字：含有字母 O 或 l（或 I），是否应为数字 0 或 1（105）？"),
        (_one_row("2l3"), "是否应为数字 0 或 1（213）？"),
        (_one_row("五"), f"不是数字（{COUNT} 头盔劝导场次）"),
        (_one_row("5", month="4月"), "第3行「月份」列（值：4月）：月份缺少完整的年份或月份"),
        (_one_row("5", month=add_months(current_month(), 1)), "第3行「月份」列"),
        (_one_row("5", month=add_months(read_programme().tracking_start, -1)), f"月份早于整改跟踪开始的 {read_programme().tracking_start}"),
    ],
    ids=["unknown-code", "not-a-number", "negative-count", "percent-over-100", "percent-on-count", "bad-grouping",
         "formula", "formula-plus", "letter-o", "letter-l", "names-the-metric", "ambiguous-month", "future-month", "before-tracking"],
)  # fmt: skip
def test_refused_row_names_row_column_value_and_reason(store_path, tmp_path, capsys, data, expected):
    err = assert_refused(store_path, tmp_path, data, "bad.csv", capsys=capsys)
    assert expected in err


def test_future_month_says_so(store_path, tmp_path, capsys):
    err = assert_refused(
        store_path, tmp_path, _one_row("5", month=add_months(current_month(), 1)), "f.csv", capsys=capsys
    )
    assert "不能填报未来的月份" in err


def test_every_problem_is_listed_at_once(store_path, tmp_path, capsys):
    rows = [
        ["月份", "指标编码", "数值"],
        ["2025-04", "NOPE", "1"],
        ["2025-04", COUNT, "abc"],
        ["4月", COUNT2, "2"],
        ["2025-04", PCT, "120"],
    ]
    err = assert_refused(store_path, tmp_path, csv_bytes(rows), "many.csv", capsys=capsys)
    assert "未导入，文件有 4 处问题" in err
    for line in (2, 3, 4, 5):
        assert f"第{line}行" in err


def test_duplicate_month_and_metric_with_different_values(store_path, tmp_path, capsys):
    rows = [["月份", "指标编码", "数值"], ["2025-04", COUNT, "3"], ["2025/4", COUNT, "4"]]
    err = assert_refused(store_path, tmp_path, csv_bytes(rows), "dup.csv", capsys=capsys)
    assert f"第3行「数值」列（值：3 / 4）：{COUNT} 在 2025-04 有多个不同的值（第2、3行）" in err


def test_duplicate_rows_with_the_same_value_import_once(store_path, tmp_path, capsys):
    rows = [["月份", "指标编码", "数值"], ["2025-04", COUNT, "3"], ["2025-04", COUNT, "3"]]
    code, out, err = import_bytes(store_path, tmp_path, csv_bytes(rows), "dup.csv", capsys=capsys)
    assert code == 0 and "新增 1 条" in out and "重复出现" in err


def test_missing_required_column(store_path, tmp_path, capsys):
    data = csv_bytes([["标题"], ["月份", "指标编码", "备注"], ["2025-04", COUNT, "x"]])
    err = assert_refused(store_path, tmp_path, data, "nocol.csv", capsys=capsys)
    assert "第2行：表头缺少必需的列：「数值」" in err


@pytest.mark.parametrize(
    "data, expected",
    [
        (b"", "文件为空"),
        (b"\r\n\r\n", "文件为空"),
        ("月份,指标编码,数值\r\n".encode("utf-16-le"), "无法识别文件编码"),  # UTF-16 without its BOM
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "不支持旧版 .xls"),
        (b"just,some\r\nwords,here\r\n", "找不到表头"),
        (csv_bytes([["月份", "指标编码", "数值"]]), "没有填报任何数值"),
        (csv_bytes([["月份", "指标编码", "数值"], ["2025-04", COUNT, ""]]), "没有填报任何数值"),
        ('月份,指标编码,数值\r\n2025-04,"'.encode() + b"x" * 200_000, "CSV 文件格式无法读取"),
    ],
    ids=["empty", "blank-lines", "utf16-no-bom", "old-xls", "no-header", "header-only", "all-blank", "open-quote"],
)
def test_empty_or_unreadable_files(store_path, tmp_path, capsys, data, expected):
    assert expected in assert_refused(store_path, tmp_path, data, "x.csv", capsys=capsys)


def test_file_over_the_size_limit(store_path, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("RECTIFICATION_MAX_UPLOAD_MB", "0.001")  # 1 KB
    rows = [["月份", "指标编码", "数值"]] + [["2025-04", COUNT, "1"]] * 100
    err = assert_refused(store_path, tmp_path, csv_bytes(rows), "big.csv", capsys=capsys)
    assert "文件过大" in err and "上限为" in err


# --- Re-uploads and history --------------------------------------------------------------------


def test_same_values_again_change_nothing_and_say_so(store_path, tmp_path, capsys):
    data = _one_row("9")
    assert import_bytes(store_path, tmp_path, data, "a.csv", capsys=capsys)[0] == 0
    before = snapshot(store_path)
    code, out, _ = import_bytes(store_path, tmp_path, data, "a.csv", capsys=capsys)
    assert code == 0 and "与已存数据完全相同，未作更改" in out and "未变 2 条" in out
    assert snapshot(store_path) == before


def test_conflict_refused_with_old_and_new_then_replaced_as_a_revision(store_path, tmp_path, capsys):
    assert import_bytes(store_path, tmp_path, _one_row("300"), "a.csv", capsys=capsys)[0] == 0
    err = assert_refused(store_path, tmp_path, _one_row("301"), "b.csv", capsys=capsys)
    assert f"第3行「数值」列（值：300 → 301）：{COUNT} 2025-04 与已存的值不一致" in err and "--replace" in err

    code, out, err = import_bytes(store_path, tmp_path, _one_row("301"), "b.csv", "--replace", capsys=capsys)
    assert code == 0, err
    assert "修订 1 条" in out and "未变 1 条" in out
    assert current(store_path, COUNT, "2025-04") == 301
    history = fetch(
        store_path,
        "select revision, value from observations where metric_code = ? and month = '2025-04-01' order by revision",
        [COUNT],
    )
    assert history == [(1, 300.0), (2, 301.0)]


def test_demo_month_value_is_a_conflict(store_path, tmp_path, capsys):
    # The demo history fills 2024-08..2025-03, so a real March figure must be confirmed.
    demo = current(store_path, COUNT, "2025-03")
    err = assert_refused(store_path, tmp_path, _one_row(str(int(demo) + 1), month="2025-03"), "m.csv", capsys=capsys)
    assert f"{int(demo)} → {int(demo) + 1}" in err


def test_upload_record_and_audit_row(store_path, tmp_path, capsys):
    rows = [["月份", "指标编码", "数值"], ["2025-04", COUNT, "1"], ["2025-05", COUNT, "2"], ["2025-05", COUNT2, "-"]]
    data = csv_bytes(rows, encoding="gbk")
    code, _, err = import_bytes(store_path, tmp_path, data, "月报.csv", "--user", "张三", capsys=capsys)
    assert code == 0, err
    record = fetch(
        store_path,
        "select upload_id, kind, source, user_name, file_name, sha256, months, n_rows, n_new, n_unchanged,"
        " n_revised, n_skipped, original from uploads order by upload_id desc limit 1",
    )[0]
    upload_id = record[0]
    assert record[1:] == (
        "observations", "月报", "张三", "月报.csv", hashlib.sha256(data).hexdigest(), "2025-04,2025-05", 3, 2, 0, 0, 1, data,
    )  # fmt: skip
    assert fetch(store_path, "select user_name, action, target from audit_log order by audit_id desc limit 1") == [
        ("张三", "upload", str(upload_id))
    ]


def test_dry_run_writes_nothing(store_path, tmp_path, capsys):
    before = snapshot(store_path)
    code, out, _ = import_bytes(store_path, tmp_path, _one_row("5"), "a.csv", "--dry-run", capsys=capsys)
    assert code == 0 and "试运行，未写入：新增 2 条" in out
    assert snapshot(store_path) == before


def test_plan_is_checked_again_at_commit(store_path, tmp_path):
    """A preview made before someone else's import must not overwrite it silently."""
    from rectification.core import store

    con = store.connect(store_path)
    try:
        stale = ingest.preview(con, _one_row("10"), "mine.csv")
        assert len(stale.new) == 2
        ingest.import_file(con, _one_row("20"), "theirs.csv", user="李四")
        with pytest.raises(ingest.Refused) as refused:
            ingest.commit(con, stale, data=_one_row("10"), file_name="mine.csv", user="张三")
        assert "20 → 10" in str(refused.value)
    finally:
        con.close()
    assert current(store_path, COUNT, "2025-04") == 20


# --- uploads and rollback ---------------------------------------------------------------------


def _uploads(store_path, capsys) -> list[dict]:
    import csv
    import io

    code, out, _ = run(store_path, "uploads", capsys=capsys)
    assert code == 0
    return list(csv.DictReader(io.StringIO(out)))


def test_uploads_lists_every_upload_newest_first(store_path, tmp_path, capsys):
    import_bytes(store_path, tmp_path, _one_row("5"), "四月.csv", "--user", "张三", capsys=capsys)
    listing = _uploads(store_path, capsys)
    assert [(r["upload_id"], r["source"], r["state"]) for r in listing] == [
        ("3", "月报", "有效"),
        ("2", "示例数据", "有效"),
        ("1", "期初数据", "有效"),
    ]
    first = listing[0]
    assert (first["user_name"], first["file_name"], first["months"], first["n_new"], first["original_kept"]) == (
        "张三", "四月.csv", "2025-04", "2", "True",
    )  # fmt: skip
    assert first["sha256"] == hashlib.sha256(_one_row("5")).hexdigest()


def test_rollback_brings_back_the_previous_revision(store_path, tmp_path, capsys):
    import_bytes(store_path, tmp_path, _one_row("300"), "a.csv", capsys=capsys)
    import_bytes(store_path, tmp_path, _one_row("301"), "b.csv", "--replace", capsys=capsys)
    replacement = int(_uploads(store_path, capsys)[0]["upload_id"])
    code, out, err = run(store_path, "rollback", str(replacement), "--user", "管理员", capsys=capsys)
    assert code == 0, err
    assert f"已撤销上报批次 #{replacement}" in out
    assert current(store_path, COUNT, "2025-04") == 300
    listing = _uploads(store_path, capsys)
    assert (listing[0]["kind"], listing[0]["rolls_back"], listing[0]["user_name"]) == (
        "rollback",
        str(replacement),
        "管理员",
    )
    assert listing[1]["state"] == "已撤销" and listing[1]["rolled_back_by"] == listing[0]["upload_id"]
    assert fetch(store_path, "select user_name, action, target from audit_log order by audit_id desc limit 1") == [
        ("管理员", "rollback", str(replacement))
    ]
    # Nothing was deleted: both revisions are still in the history.
    assert (
        len(fetch(store_path, "select * from observations where metric_code = ? and month = '2025-04-01'", [COUNT]))
        == 2
    )


@pytest.mark.parametrize(
    "target, expected",
    [
        (99, "上报批次 #99 不存在"),
        (1, "期初数据来自通报原文"),
        ("rollback", "是一条撤销记录，不能再撤销"),
        ("again", "已于"),
    ],
)
def test_rollback_refusals(store_path, tmp_path, capsys, target, expected):
    import_bytes(store_path, tmp_path, _one_row("5"), "a.csv", capsys=capsys)
    assert run(store_path, "rollback", "3", capsys=capsys)[0] == 0  # creates rollback #4
    upload_id = {"rollback": 4, "again": 3}.get(target, target)
    before = snapshot(store_path)
    code, _, err = run(store_path, "rollback", str(upload_id), capsys=capsys)
    assert code == 1 and expected in err and "Traceback" not in err
    assert snapshot(store_path) == before


def test_demo_data_can_be_rolled_back(store_path, capsys):
    demo_id = next(r["upload_id"] for r in _uploads(store_path, capsys) if r["source"] == "示例数据")
    code, out, err = run(store_path, "rollback", demo_id, "--user", "admin", capsys=capsys)
    assert code == 0, err
    assert fetch(store_path, "select count(*) from live_uploads where source = '示例数据'") == [(0,)]
    assert fetch(store_path, "select count(*) from current_observations") == [(0,)]
    # The report's opening balances still count: March's cumulative position is unchanged.
    assert fetch(
        store_path, "select cumulative from metric_month_values where metric_code = ? and month = '2025-03-01'", [COUNT]
    ) == [(2629.0,)]


# --- Exports never hand Excel a formula ---------------------------------------------------------


def test_uploads_csv_escapes_a_formula_file_name(store_path, tmp_path, capsys):
    import_bytes(store_path, tmp_path, _one_row("5"), "=HYPERLINK(1).csv", capsys=capsys)
    code, out, _ = run(store_path, "uploads", capsys=capsys)
    assert code == 0
    assert ",'=HYPERLINK(1).csv," in out and ",=HYPERLINK" not in out


@pytest.mark.parametrize("name", ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\tx"])
def test_export_escapes_formula_text_cells(store_path, tmp_path, capsys, name):
    from rectification.core import store

    con = store.connect(store_path)
    con.execute("update metrics set name = ? where metric_code = ?", [name, COUNT])
    con.close()
    out = tmp_path / "export.csv"
    code, _, err = run(store_path, "export", "--month", "2025-03", "--out", str(out), capsys=capsys)
    assert code == 0, err
    line = next(line for line in out.read_text(encoding="utf-8-sig").splitlines() if COUNT in line)
    assert "'" + name.split(",")[0] in line
    assert f",{name}" not in line


# --- Typos caught in the preview: the 需要关注 suspicious-figure rules, before the import ---------


def _checks(store_path, rows: list[list[str]]):
    from rectification.core import store

    con = store.connect(store_path)
    try:
        plan = ingest.preview(con, csv_bytes([["月份", "指标编码", "数值"], *rows], encoding="utf-8"), "x.csv")
        return plan.checks.set_index("code")
    finally:
        con.close()


def test_preview_flags_a_jump_over_history(store_path):
    checks = _checks(store_path, [["2025-04", COUNT2, "1234"], ["2025-04", COUNT, "300"]])
    assert list(checks.index) == [COUNT2]
    row = checks.loc[COUNT2]
    assert (row.line, row.month, row.value) == (2, "2025-04", 1234)
    assert row.warning.startswith("本月 1,234，远高于以往（此前最高")
    assert row.previous.count("项") == 3 and row.previous.startswith("2025年1月 ")  # the three months before


def test_preview_flags_a_value_copied_month_after_month(store_path):
    rows = [[m, "F07_LEAFLETS", "300"] for m in ("2025-04", "2025-05", "2025-06")]
    checks = _checks(store_path, rows)
    assert list(checks.index) == ["F07_LEAFLETS"]
    assert checks.loc["F07_LEAFLETS"].month == "2025-06"
    assert checks.loc["F07_LEAFLETS"].warning == "连续3个月数值相同（均为 300）"
    assert checks.loc["F07_LEAFLETS"].previous.endswith("、2025年4月 300 张、2025年5月 300 张")


def test_preview_flags_a_level_that_falls_where_it_cannot(store_path):
    checks = _checks(store_path, [["2025-04", "L1_CHECKPOINTS_REPAIRED_PCT", "9"], ["2025-04", "F05_PERSUADERS", "30"]])
    assert list(checks.index) == ["L1_CHECKPOINTS_REPAIRED_PCT"]  # 劝导员 may well fall: no target to head for
    row = checks.loc["L1_CHECKPOINTS_REPAIRED_PCT"]
    assert row.warning == "月末值由 90% 降到 9%：该指标朝目标只增不减，请核对"
    assert row.previous.endswith("2025年3月 90%")


def test_a_rate_over_100_is_refused_on_its_row(store_path, tmp_path, capsys):
    data = csv_bytes([["月份", "指标编码", "数值"], ["2025-04", "L1_CHECKPOINTS_REPAIRED_PCT", "900"]])
    code, _, err = import_bytes(store_path, tmp_path, data, "a.csv", "--dry-run", capsys=capsys)
    assert code == 1 and "第2行「数值」列（值：900）：百分比不能超过 100" in err


def test_dry_run_prints_the_warnings_and_writes_nothing(store_path, tmp_path, capsys):
    before = snapshot(store_path)
    data = csv_bytes([["月份", "指标编码", "数值"], ["2025-04", COUNT2, "1234"]], encoding="utf-8")
    code, out, err = import_bytes(store_path, tmp_path, data, "a.csv", "--dry-run", capsys=capsys)
    assert code == 0 and "试运行，未写入" in out
    assert "提示：第2行「数值」列（值：1234）：数据存疑：本月 1,234，远高于以往" in err
    assert "（此前：2025年1月 " in err
    assert snapshot(store_path) == before


def test_preview_flags_the_same_event_reported_with_two_values(store_path):
    checks = _checks(
        store_path,
        [["2025-04", "F12_JOINT_INSPECTIONS", "12"], ["2025-04", "F17_RENTAL_INSPECTIONS", "21"]],
    )
    assert list(checks.index) == ["F17_RENTAL_INSPECTIONS"]
    assert (
        checks.loc["F17_RENTAL_INSPECTIONS"].warning == "与 F12_JOINT_INSPECTIONS 是同一事项，数值应相同（第2行为 12）"
    )
    agreeing = [["2025-04", "F12_JOINT_INSPECTIONS", "12"], ["2025-04", "F17_RENTAL_INSPECTIONS", "12"]]
    assert _checks(store_path, agreeing).empty


@pytest.mark.parametrize("kind", ["gbk-csv", "xlsx"])
def test_a_figures_note_is_stored_as_typed(store_path, tmp_path, capsys, kind):
    from ingest_files import xlsx_bytes

    note = "含外卖骑手（１２人），见附表！"
    rows = [["月份", "指标编码", "数值", "备注"], ["２０２５－０４", f" {COUNT.lower()} ", "３１２", note]]
    data = csv_bytes(rows, encoding="gbk") if kind == "gbk-csv" else xlsx_bytes(rows)
    code, _, err = import_bytes(
        store_path, tmp_path, data, "form." + ("csv" if kind == "gbk-csv" else "xlsx"), capsys=capsys
    )
    assert code == 0, err
    assert current(store_path, COUNT, "2025-04") == 312
    assert fetch(
        store_path, "select note from observations where metric_code = ? and month = '2025-04-01'", [COUNT]
    ) == [(note,)]
