"""Numbers too large to be a monthly figure: refused on import (CSV and xlsx) and as a target, with a
message saying so; one already in a store (from before the check) shows as a blank month on every
page, export and the pack, never as a traceback or "inf"."""

from __future__ import annotations

from pathlib import Path

import pytest
from ingest_files import COUNT, LEVEL, assert_refused, csv_bytes, run, xlsx_bytes
from streamlit.testing.v1 import AppTest

from rectification.core import store
from rectification.ingest.values import MAX_ABS_VALUE
from rectification.workflow import targets
from support import account, login

ROOT = Path(__file__).resolve().parents[1]
TOO_LARGE = "数值过大（应小于 1 万亿）"


def _form(value) -> list[list]:
    return [["月份", "指标编码", "数值"], ["2025-04", COUNT, value]]


@pytest.mark.parametrize(
    "value, quoted",
    [
        ("9" * 400, "99999999999999999999…（共 400 个字符）"),  # once stored as infinity
        ("1e308", "1e308"),  # once refused as 「不是数字」
        ("1.23457E+15", "1.23457E+15"),  # what Excel writes into a CSV for a long number
        ("1,000,000,000,000", "1,000,000,000,000"),
        ("-1000000000000", "-1000000000000"),
    ],
    ids=["400-nines", "1e308", "excel-scientific", "grouped-trillion", "negative-trillion"],
)
def test_a_csv_figure_of_a_trillion_or_more_is_refused_as_too_large(store_path, tmp_path, capsys, value, quoted):
    err = assert_refused(store_path, tmp_path, csv_bytes(_form(value), encoding="gbk"), "big.csv", capsys=capsys)
    assert f"第2行「数值」列（值：{quoted}）：{TOO_LARGE}" in err
    assert "不是数字" not in err


def test_an_xlsx_number_cell_of_a_trillion_is_refused_as_too_large(store_path, tmp_path, capsys):
    err = assert_refused(store_path, tmp_path, xlsx_bytes(_form(1e15)), "big.xlsx", capsys=capsys)
    assert f"第2行「数值」列（值：1000000000000000）：{TOO_LARGE}" in err


def test_the_largest_figure_below_the_bound_still_imports(store_path, tmp_path, capsys):
    path = tmp_path / "ok.csv"
    path.write_bytes(csv_bytes(_form("999999999999")))
    code, out, err = run(store_path, "import", str(path), capsys=capsys)
    assert code == 0, err
    assert "新增 1 条" in out


def test_a_target_of_a_trillion_is_refused(con):
    with pytest.raises(targets.TargetError, match="目标值过大"):
        targets.set_target(con, metric_code=COUNT, value=MAX_ABS_VALUE, month="2025-12", user=account(con, "admin"))
    with pytest.raises(targets.TargetError, match="目标值过大"):
        targets.set_target(con, metric_code=COUNT, value=float("inf"), month="2025-12", user=account(con, "admin"))


# --- A value already in a store: a blank month, whatever reads it --------------------------------


@pytest.fixture
def store_with_infinity(store_path) -> Path:
    """The demo store with the last reported month of two F05 metrics overwritten by what an older
    release stored for 400 nines (+inf) and its negative, as a direct write to the table would."""
    con = store.connect(store_path)
    for code, value in ((COUNT, "inf"), (LEVEL, "-inf")):
        con.execute(
            "update observations set value = cast($value as double) where metric_code = $code"
            " and month = (select max(month) from observations where metric_code = $code)",
            {"code": code, "value": value},
        )
    con.close()
    return store_path


def test_a_stored_infinity_counts_as_not_reported(store_with_infinity):
    con = store.connect(store_with_infinity)
    try:
        blank = con.execute(
            "select metric_code, strftime(month, '%Y-%m') from current_observations where value is null order by 1"
        ).fetchall()
        largest = con.execute("select max(abs(value)), max(abs(cumulative)) from metric_month_values").fetchone()
    finally:
        con.close()
    assert blank == [(COUNT, "2025-03"), (LEVEL, "2025-03")]
    assert largest[0] < MAX_ABS_VALUE and largest[1] < MAX_ABS_VALUE


@pytest.mark.parametrize(
    "page, query",
    [
        ("ui/views/overview.py", {}),
        ("ui/views/finding_detail.py", {"finding": "F05"}),
        ("ui/views/metric_explorer.py", {}),
    ],
)
def test_pages_show_a_stored_infinity_without_a_traceback(store_with_infinity, page, query):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.query_params.update(query)
    at.run()
    if page != "ui/views/overview.py":
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]


def test_data_admin_says_why_a_stored_infinity_does_not_count(store_with_infinity):
    con = store.connect(store_with_infinity)
    upload_id = con.execute(
        "select upload_id from current_observations where metric_code = ? and month = date '2025-03-01'", [COUNT]
    ).fetchone()[0]
    rows = store.query(con, "upload_observations", upload_id=upload_id)
    con.close()
    row = rows[(rows.metric_code == COUNT) & (rows.month == "2025-03")].iloc[0]
    assert row.value != row.value  # NaN: blank in the table
    assert row.note.startswith("原填报数值过大，按未填报处理") and not row.counts_now
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    login(at, store_with_infinity, role="admin")
    at.run()
    at.switch_page("ui/views/data_admin.py").run()
    assert not at.exception, [e.value for e in at.exception]


def test_the_export_leaves_a_stored_infinity_blank(store_with_infinity, tmp_path, capsys):
    out = tmp_path / "export.csv"
    code, _, err = run(store_with_infinity, "export", "--out", str(out), capsys=capsys)
    assert code == 0, err
    text = out.read_text(encoding="utf-8-sig")
    assert "inf" not in text.lower()
    # 2025-03 is the opening month, so the row stays (its opening balance): the month's value is blank.
    (row,) = [line.split(",") for line in text.splitlines() if line.startswith(f"2025-03,{COUNT},")]
    assert row[4] == "" and float(row[5]) < MAX_ABS_VALUE
    code, _, err = run(store_with_infinity, "export", "--month", "2025-03", "--out", str(out), capsys=capsys)
    assert code == 0, err
    assert "inf" not in out.read_text(encoding="utf-8-sig").lower()


def test_the_pack_builds_with_a_stored_infinity(store_with_infinity, tmp_path, capsys):
    code, out, err = run(
        store_with_infinity, "briefing", "--findings", "5", "--out", str(tmp_path / "pack.pptx"), capsys=capsys
    )
    assert code == 0, err
    assert "Traceback" not in err and (tmp_path / "pack.pptx").stat().st_size > 10_000
