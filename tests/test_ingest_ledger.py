"""The rectification ledger (整改台账): finding numbers and statuses as departments write them."""

from __future__ import annotations

import pytest
from ingest_files import assert_refused, csv_bytes, fetch, import_bytes, run, xlsx_bytes

from rectification.core import store, tables
from rectification.ingest import ledger
from rectification.workflow import auth
from support import TEST_PASSWORD, account

HEADER = ["月份", "问题编号", "状态", "进展说明"]


def status(store_path, code: str, month: str) -> tuple | None:
    rows = fetch(
        store_path,
        "select status, note from current_finding_status where finding_code = ? and strftime(month, '%Y-%m') = ?",
        [code, month],
    )
    return rows[0] if rows else None


def test_numbers_and_status_synonyms_as_departments_write_them(store_path, tmp_path, capsys):
    rows = [
        HEADER,
        ["2025-04", "1", "已整改", "已建成"],
        ["2025-04", "(2)", "正在推进", ""],
        ["2025-04", "（3）", "整改中", ""],
        ["2025-04", "问题4", "完成", ""],
        ["2025-04", "F05", "常态化", "每月开展"],
        ["2025-04", "f6", "未开始", ""],
        ["2025-04", "L1", "持续推进", ""],
        ["2025-04", "问题（7）", "整改完成", ""],
    ]
    # 问题4 完成 opens a 销号 request: the uploader must be the lead department's editor or an admin.
    con = store.connect(store_path)
    auth.create_user(con, "clerk", "admin", TEST_PASSWORD, actor="test")
    con.close()
    data = csv_bytes(rows, encoding="gbk")
    code, out, err = import_bytes(store_path, tmp_path, data, "台账.csv", "--user", "clerk", capsys=capsys)
    assert code == 0, err
    assert "已导入台账" in out and "新增 8 条" in out
    assert [status(store_path, c, "2025-04") for c in ("F01", "F02", "F03", "F04", "F05", "F06", "L1", "F07")] == [
        ("已完成", "已建成"),
        ("推进中", None),
        ("推进中", None),
        ("已完成", None),
        ("长期坚持", "每月开展"),
        ("未启动", None),
        ("长期坚持", None),
        ("已完成", None),
    ]
    assert fetch(store_path, "select kind, source, months, n_new from uploads order by upload_id desc limit 1") == [
        ("ledger", "台账", "2025-04", 8)
    ]


def test_ledger_xlsx_with_title_rows(store_path, tmp_path, capsys):
    data = xlsx_bytes(
        [["月份", "问题编号", "问题", "状态", "进展说明"], ["2025年4月", 10, "……", "已完成", "x"]], title="整改台账"
    )
    code, _, err = import_bytes(store_path, tmp_path, data, "台账.xlsx", capsys=capsys)
    assert code == 0, err
    assert status(store_path, "F10", "2025-04") == ("已完成", "x")


@pytest.mark.parametrize(
    "row, expected",
    [
        (["2025-04", "99", "已完成", ""], "第3行「问题编号」列（值：99）：问题编号不存在"),
        (
            ["2025-04", "5", "差不多了", ""],
            "第3行「状态」列（值：差不多了）：状态无法识别，应为：未启动、推进中、已完成、长期坚持",
        ),
        (["4月", "5", "已完成", ""], "第3行「月份」列（值：4月）"),
    ],
    ids=["unknown-finding", "unknown-status", "ambiguous-month"],
)
def test_ledger_refusals(store_path, tmp_path, capsys, row, expected):
    data = csv_bytes([HEADER, ["2025-04", "1", "已完成", ""], row])
    assert expected in assert_refused(store_path, tmp_path, data, "台账.csv", capsys=capsys)


def test_empty_status_is_skipped(store_path, tmp_path, capsys):
    data = csv_bytes([HEADER, ["2025-04", "1", "", ""], ["2025-04", "2", "已完成", ""]])
    code, out, err = import_bytes(store_path, tmp_path, data, "台账.csv", capsys=capsys)
    assert code == 0 and "新增 1 条" in out and "跳过 1 条" in out and "第2行「状态」列" in err
    assert status(store_path, "F01", "2025-04") is None


def test_status_conflict_needs_replace_and_keeps_history(store_path, tmp_path, capsys):
    # F03 is 推进中 in the report's month (2025-03).
    assert status(store_path, "F03", "2025-03")[0] == "推进中"
    data = csv_bytes([HEADER, ["2025-03", "3", "已完成", "已验收"]])
    con = store.connect(store_path)
    auth.create_user(con, "jj", "editor", TEST_PASSWORD, department="交警大队", actor="test")  # F03's lead
    con.close()
    err = assert_refused(store_path, tmp_path, data, "台账.csv", "--user", "jj", capsys=capsys)
    assert "第2行「状态」列（值：推进中 → 已完成）：F03 2025-03 与已存的值不一致" in err
    code, out, err = import_bytes(store_path, tmp_path, data, "台账.csv", "--replace", "--user", "jj", capsys=capsys)
    assert code == 0 and "修订 1 条" in out, err
    assert status(store_path, "F03", "2025-03") == ("已完成", "已验收")
    history = fetch(
        store_path,
        "select revision, status from finding_status where finding_code = 'F03' and month = '2025-03-01' order by 1",
    )
    assert history == [(1, "推进中"), (2, "已完成")]

    # Rolled back, the report's status counts again.
    upload_id = fetch(store_path, "select max(upload_id) from uploads")[0][0]
    assert run(store_path, "rollback", str(upload_id), capsys=capsys)[0] == 0
    assert status(store_path, "F03", "2025-03")[0] == "推进中"


def test_same_ledger_twice_changes_nothing(store_path, tmp_path, capsys):
    data = csv_bytes([HEADER, ["2025-04", "1", "已完成", "说明"]])
    assert import_bytes(store_path, tmp_path, data, "a.csv", capsys=capsys)[0] == 0
    code, out, _ = import_bytes(store_path, tmp_path, data, "a.csv", capsys=capsys)
    assert code == 0 and "未作更改" in out


def test_ledger_form_round_trip(store_path, tmp_path, capsys):
    con = store.connect(store_path)
    form = ledger.ledger_form(con, "2025-04")
    con.close()
    assert list(form.columns) == ledger.FORM_COLUMNS
    assert len(form) == 56 and form["上次状态（供参考）"].isin(ledger.STATUSES).all()
    # the form names findings as the dashboard does (问题02, 长期L1) and reads them back
    assert list(form["问题编号"][:2]) == ["问题01", "问题02"] and list(form["问题编号"][-2:]) == ["长期L1", "长期L2"]
    form.loc[form["问题编号"] == "问题02", "状态"] = "已完成"
    code, out, err = import_bytes(store_path, tmp_path, tables.to_csv_bytes(form), "ledger.csv", capsys=capsys)
    assert code == 0, err
    assert "新增 1 条" in out and "跳过 55 条" in out
    findings = tmp_path / "findings.csv"
    assert run(store_path, "findings", "--month", "2025-04", "--out", str(findings), capsys=capsys)[0] == 0
    line = next(x for x in findings.read_text(encoding="utf-8-sig").splitlines() if x.startswith("F02,"))
    # status as reported, then the closure state: F02 was 已销号 since the report, and stays so
    assert line.endswith(",已完成,已销号,,")


CLERK_NOTE = "已完成整改，群众满意（回访１０户）：良好！"


@pytest.mark.parametrize("kind", ["gbk-csv", "xlsx"])
def test_progress_notes_are_stored_as_typed_while_codes_are_read_through_full_width(store_path, tmp_path, capsys, kind):
    # Month, finding number and status typed with full-width digits, brackets and a full-width
    # space still read; the 进展说明 keeps every full-width character the clerk typed.
    rows = [
        HEADER,
        ["２０２５－０４", "问题（４）", "　已完成", CLERK_NOTE],
        ["２０２５年４月", "（６）", "推进中", "　 正在推进，预计６月底完成。 "],
    ]
    data = csv_bytes(rows, encoding="gbk") if kind == "gbk-csv" else xlsx_bytes(rows)
    con = store.connect(store_path)
    clerk = account(con, "jj_clerk", "editor", "交警大队")  # 问题4's lead department: its 已完成 is a 销号 request
    con.close()
    code, out, err = import_bytes(
        store_path, tmp_path, data, "台账.csv" if kind == "gbk-csv" else "台账.xlsx", "--user", clerk, capsys=capsys
    )
    assert code == 0, err
    assert status(store_path, "F04", "2025-04") == ("已完成", CLERK_NOTE)
    assert status(store_path, "F06", "2025-04") == ("推进中", "正在推进，预计６月底完成。")
    # The note becomes the 销号 request's note as typed.
    assert fetch(store_path, "select finding_code, kind, note from closure_events") == [("F04", "submit", CLERK_NOTE)]
