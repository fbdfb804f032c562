"""Excel/WPS workbooks: title rows, merged cells, 合计 rows, formulas, date cells, percent cells,
sheet choice, and the guards that run before anything is unpacked."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from ingest_files import (
    COUNT,
    COUNT2,
    LEVEL,
    PCT,
    assert_refused,
    current,
    import_bytes,
    with_cached_values,
    xlsx_bytes,
)

from rectification import ingest

HEADER = ["月份", "指标编码", "指标名称", "单位", "数值", "备注"]


def test_title_rows_merged_title_and_total_row(store_path, tmp_path, capsys):
    rows = [
        HEADER,
        ["2025-04", COUNT, "头盔劝导场次", "场次", 310, None],
        ["2025-04", COUNT2, "新增修订制度方案", "项", 2, "新修订2项"],
        ["合计", None, None, None, "=SUM(E4:E5)", None],  # openpyxl leaves no cached value: must not matter
    ]
    data = xlsx_bytes(rows, title="横栏分局2025年4月整改月报")
    code, out, err = import_bytes(store_path, tmp_path, data, "四月月报.xlsx", capsys=capsys)
    assert code == 0, err
    assert "新增 2 条" in out and "第6行：合计/小计行，已忽略" in err
    assert (current(store_path, COUNT, "2025-04"), current(store_path, COUNT2, "2025-04")) == (310, 2)


def test_formula_without_cached_value_is_refused_naming_the_row(store_path, tmp_path, capsys):
    rows = [["月份", "指标编码", "数值"], ["2025-04", COUNT, 3], ["2025-04", COUNT2, "=B2*0+4"]]
    err = assert_refused(store_path, tmp_path, xlsx_bytes(rows), "f.xlsx", capsys=capsys)
    assert "第3行「数值」列：公式没有计算结果，请在 Excel/WPS 中打开并保存后重新上传" in err


def test_formula_with_cached_value_uses_it(store_path, tmp_path, capsys):
    rows = [["月份", "指标编码", "数值"], ["2025-04", COUNT, 3], ["2025-04", COUNT2, "=C2+1"]]
    data = with_cached_values(xlsx_bytes(rows), {"C3": "4"})
    assert b"<v>4</v>" in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    code, _, err = import_bytes(store_path, tmp_path, data, "cached.xlsx", capsys=capsys)
    assert code == 0, err
    assert current(store_path, COUNT2, "2025-04") == 4


def test_date_cells_serials_numbers_and_percent_cells(store_path, tmp_path, capsys):
    def percent(ws):
        ws["C5"].number_format = "0.0%"

    rows = [
        ["月份", "指标编码", "数值"],
        [dt.datetime(2025, 4, 1), COUNT, 1],  # a date cell, as Excel stores a typed 2025-04
        [45748, COUNT2, 2.0],  # a date serial in a General cell
        [202504, LEVEL, "３３"],  # 202504 typed as a number; full-width digits in a text cell
        ["2025年4月", PCT, 0.905],  # shown as 90.5% in Excel
    ]
    code, _, err = import_bytes(store_path, tmp_path, xlsx_bytes(rows, after=percent), "cells.xlsx", capsys=capsys)
    assert code == 0, err
    assert [current(store_path, c, "2025-04") for c in (COUNT, COUNT2, LEVEL, PCT)] == [1, 2, 33, 90.5]


def test_month_merged_down_the_column(store_path, tmp_path, capsys):
    def merge(ws):
        ws.merge_cells("A2:A4")

    rows = [["月份", "指标编码", "数值"], ["2025-05", COUNT, 1], [None, COUNT2, 2], [None, LEVEL, 3]]
    code, out, err = import_bytes(store_path, tmp_path, xlsx_bytes(rows, after=merge), "merged.xlsx", capsys=capsys)
    assert code == 0, err
    assert [current(store_path, c, "2025-05") for c in (COUNT, COUNT2, LEVEL)] == [1, 2, 3]


def test_sheet_named_like_monthly_report_is_chosen(store_path, tmp_path, capsys):
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "填表说明"
    book.active.append(["请在「4月月报」表中填写，数值为本月新增"])
    report = book.create_sheet("4月月报")
    report.append(["月份", "指标编码", "数值"])
    report.append(["2025-04", COUNT, 6])
    out = io.BytesIO()
    book.save(out)
    code, _, err = import_bytes(store_path, tmp_path, out.getvalue(), "book.xlsx", capsys=capsys)
    assert code == 0, err
    assert current(store_path, COUNT, "2025-04") == 6


def test_xlsx_refusals_name_excel_rows(store_path, tmp_path, capsys):
    rows = [
        HEADER,
        ["2025-04", COUNT, "", "", -1, None],
        ["25年4月", COUNT2, "", "", 1, None],
        ["2025-04", "X1", "", "", 1, None],
    ]
    err = assert_refused(store_path, tmp_path, xlsx_bytes(rows, title="月报"), "bad.xlsx", capsys=capsys)
    # Two title rows: the header is Excel's row 3, the data rows 4-6.
    assert "第4行「数值」列（值：-1）：数值不能为负数" in err
    assert "第5行「月份」列（值：25年4月）" in err
    assert "第6行「指标编码」列（值：X1）" in err


def test_zip_bomb_is_refused_before_unpacking(store_path, tmp_path, capsys):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (20 * 1024 * 1024))
    data = out.getvalue()
    assert len(data) < 100_000  # 20 MB packed into a few KB
    err = assert_refused(store_path, tmp_path, data, "bomb.xlsx", capsys=capsys)
    assert "疑似压缩炸弹" in err


def test_entity_expansion_is_refused(store_path, tmp_path, capsys):
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["月份", "指标编码", "数值"], ["2025-04", COUNT, 1]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(b"<?xml version='1.0' encoding='UTF-8'?>", b"").replace(
                    b'<?xml version="1.0" encoding="UTF-8"?>', b""
                )
                content = laughs.encode() + content
            target.writestr(info, content)
    err = assert_refused(store_path, tmp_path, out.getvalue(), "laughs.xlsx", capsys=capsys)
    assert "不安全的 XML 内容" in err


def test_damaged_xlsx_is_refused(store_path, tmp_path, capsys):
    data = xlsx_bytes([["月份", "指标编码", "数值"], ["2025-04", COUNT, 1]])
    err = assert_refused(store_path, tmp_path, data[: len(data) // 2], "cut.xlsx", capsys=capsys)
    assert "请在 Excel/WPS 中打开并保存后重新上传" in err


def test_xlsx_over_the_size_limit(store_path, tmp_path, capsys, monkeypatch):
    data = xlsx_bytes([["月份", "指标编码", "数值"], ["2025-04", COUNT, 1]])
    monkeypatch.setenv("RECTIFICATION_MAX_UPLOAD_MB", str(len(data) / 2 / 1048576))
    assert "文件过大" in assert_refused(store_path, tmp_path, data, "big.xlsx", capsys=capsys)


def test_openpyxl_parses_worksheets_with_defusedxml():
    """The second lock behind check_archive's DTD refusal (read from openpyxl/xml/functions.py)."""
    import defusedxml.ElementTree
    import openpyxl
    from openpyxl.xml import functions

    assert openpyxl.DEFUSEDXML is True
    assert functions.iterparse is defusedxml.ElementTree.iterparse


@pytest.mark.parametrize("template", ["2025-04.xlsx", "2025-04.csv"])
def test_downloaded_form_filled_in_and_uploaded(store_path, tmp_path, capsys, template):
    """The form the page hands out (with its hint column) comes back as an upload."""
    from openpyxl import load_workbook

    from rectification.core import store
    from rectification.outputs import exports

    con = store.connect(store_path)
    data = exports.form_bytes(con, "2025-04", template, with_hint=True)
    con.close()
    if template.endswith(".xlsx"):
        book = load_workbook(io.BytesIO(data))
        ws = book.active
        header = [c.value for c in ws[1]]
        assert header[-3:] == ["上次填报（供参考）", "口径（定义，仅供参考）", "整改事项编号"]
        for row in ws.iter_rows(min_row=2):
            if row[1].value == COUNT:
                row[header.index("数值")].value = 77
        out = io.BytesIO()
        book.save(out)
        data = out.getvalue()
    else:
        assert "口径（定义，仅供参考）" in data.decode("utf-8-sig").splitlines()[0]
        data = data.replace(
            f"{COUNT},头盔劝导场次,场次,填本月新增数,,".encode(), f"{COUNT},头盔劝导场次,场次,填本月新增数,77,".encode()
        )
    code, out_text, err = import_bytes(store_path, tmp_path, data, template, capsys=capsys)
    assert code == 0, err
    assert "新增 1 条" in out_text
    assert current(store_path, COUNT, "2025-04") == 77


def test_read_sheets_keeps_excel_row_numbers():
    data = xlsx_bytes([["月份", "指标编码", "数值"], ["2025-04", COUNT, 1]], title="标题")
    header = ingest.find_header(ingest.read_sheets(data))
    assert (header.index + 1, header.columns) == (3, {"month": 0, "metric_code": 1, "value": 2})


def test_a_form_handed_out_before_the_definition_column_still_imports(store_path, tmp_path, capsys):
    """Departments keep last month's file: the form without the 口径 column is read exactly as before."""
    old_form = (
        "月份,指标编码,指标名称,单位,数值,备注,上次填报（供参考）\n"
        + f"2025-04,{COUNT},头盔劝导场次,场次,66,,309（2025-03）\n"
    )
    code, out_text, err = import_bytes(store_path, tmp_path, old_form.encode("utf-8"), "旧模板.csv", capsys=capsys)
    assert code == 0, err
    assert current(store_path, COUNT, "2025-04") == 66
