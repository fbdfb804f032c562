"""People are shown by name, never by login: one function (auth.shown_names) and every page that lists them."""

from __future__ import annotations

from pathlib import Path

from ingest_files import COUNT, csv_bytes
from streamlit.testing.v1 import AppTest
from test_closure import jpeg_bytes

from rectification.cli import bootstrap
from rectification.core import store
from rectification.ingest import pipeline
from rectification.workflow import auth, closure, evidence
from support import TEST_PASSWORD, login

ROOT = Path(__file__).resolve().parents[1]
CODE, DEPT = "F03", "交警大队"


def _people(store_path) -> None:
    con = store.connect(store_path)
    try:
        auth.create_user(con, "jj", "editor", TEST_PASSWORD, department=DEPT, display_name="  张  建军 ")
        auth.create_user(con, "rev", "reviewer", TEST_PASSWORD, display_name="整改办")
        auth.create_user(con, "noname", "editor", TEST_PASSWORD)
    finally:
        con.close()


def test_shown_names_gives_display_names_and_the_systems_own(store_path, con):
    _people(store_path)
    assert auth.shown_names(con, ["jj", "rev", "noname", bootstrap.SYSTEM_USER, "gone", None, "jj"]) == {
        "jj": "张 建军",
        "rev": "整改办",
        "noname": "noname",
        bootstrap.SYSTEM_USER: "系统（通报数据）",
        "gone": "gone",
    }
    assert auth.shown_name(con, "jj") == "张 建军"
    assert auth.shown_name(con, None) == ""


def test_a_file_imported_twice_names_who_imported_it(store_path, con):
    _people(store_path)
    data = csv_bytes([["月份", "指标编码", "数值"], ["2025-04", COUNT, "3"]])
    pipeline.import_file(con, data, "四月.csv", user="jj")
    assert "由 张 建军 导入" in pipeline.held_by(con, data)


def test_the_detail_page_shows_names_not_logins(store_path):
    _people(store_path)
    con = store.connect(store_path)
    try:
        closure.submit(
            con, CODE, note="路口改造完成", files=[evidence.Upload("现场.jpg", jpeg_bytes(), "改造后")], user="jj"
        )
    finally:
        con.close()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    login(at, store_path, "viewer")
    at.query_params["finding"] = CODE
    at.run()
    at.switch_page("ui/views/finding_detail.py").run()
    assert not at.exception, [e.value for e in at.exception]
    shown = [t.value for t in at.text]
    assert any(t.startswith("当前销号状态：待审核（张 建军 于 ") for t in shown), shown
    assert any("张 建军 随销号申请提交于" in t for t in shown)
    timeline = next(d.value for d in at.dataframe if "佐证材料" in d.value.columns)
    assert set(timeline["操作人"]) == {"张 建军", "系统（通报数据）"}
    history = next(d.value for d in at.dataframe if "上报人" in d.value.columns)
    assert set(history["上报人"]) == {"系统（通报数据）"}
    assert not any("system" in t for t in shown)
