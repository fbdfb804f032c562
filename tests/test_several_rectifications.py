"""Several rectifications in one store: overlapping codes side by side, the city office's roll-up
agreeing with each overview, and the boundary between units tried as an attacker would — by the
URL's ?programme=, a finding code, an evidence file, a CLI write — refused every time."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest
from test_closure import jpeg_bytes

from rectification import ingest
from rectification.cli import bootstrap
from rectification.core import programme, store, tables
from rectification.core.config import CATALOGUE_DIR
from rectification.outputs import city, exports
from rectification.rules import rollup
from rectification.rules.data import Filters, load, resolve
from rectification.rules.overview import overview
from rectification.workflow import auth, closure, evidence
from snapshot import store_snapshot
from support import TEST_PASSWORD, account, open_page, with_store

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2025, 4, 20)
HL, DH_AUDIT, DH = "HL-XC-2024", "DH-SJ-2025", "DH-XC-2026"
SECRET = "东湖分局内部整改说明：仅限本单位"
DH_FACTS = "中山市公安局东湖分局,东湖分局,十六届市委巡察"


@pytest.fixture
def three(store_path, tmp_path):
    """The demo store (横栏分局's rectification, 东湖分局's audit) plus a round for 东湖分局 built from
    the report's own catalogue — so it has F01…F54 like the first — with a closure request and its
    evidence; users of each unit and one of the city office."""
    facts = tmp_path / "programme.csv"
    text = (ROOT / "data" / "programme.csv").read_text(encoding="utf-8")
    facts.write_text(
        text.replace("中山市公安局横栏分局,横栏分局,十五届市委公安系统专项巡察", DH_FACTS), encoding="utf-8"
    )
    con = store.connect(store_path)
    try:
        bootstrap.create(con, directory=CATALOGUE_DIR, programme_file=facts, sample=False, code=DH)
        auth.create_user(con, "dh_jj", "editor", TEST_PASSWORD, department="交警大队", unit="东湖分局")
        closure.submit(con, "F03", note=SECRET, files=[evidence.Upload("现场.jpg", jpeg_bytes())], user="dh_jj")
        store.use_programme(con, HL)
        auth.create_user(con, "hl_jj", "editor", TEST_PASSWORD, department="交警大队", unit="横栏分局")
        auth.create_user(con, "shiju", "office", TEST_PASSWORD)
    finally:
        con.close()
    return store_path


def everything_shown(at: AppTest) -> str:
    """Every text, table cell and metric the page drew: where a leak would show."""
    parts = [
        e.value
        for kind in ("title", "text", "caption", "markdown", "error", "warning", "info", "success")
        for e in getattr(at, kind)
    ]
    parts += [m.value for m in at.metric]
    parts += [df.value.to_csv() for df in at.dataframe]
    return "\n".join(str(p) for p in parts)


# --- Side by side ---------------------------------------------------------------------------------


def test_overlapping_codes_live_side_by_side(three):
    con = store.connect(three, programme=DH)
    try:
        assert con.execute("select count(*) from findings where finding_code = 'F03'").fetchone() == (1,)
        assert closure.current_state(con, "F03") == "待审核"
        ledger = "月份,问题编号,状态,进展说明\n2025-04,F05,推进中,东湖的进展\n"
        ingest.import_file(con, ledger.encode("utf-8"), "台账.csv", user=auth.active_user(con, "dh_jj").username)
        store.use_programme(con, HL)
        assert closure.current_state(con, "F03") != "待审核"  # the other F03 is untouched
        notes = con.execute("select count(*) from current_finding_status where note = '东湖的进展'").fetchone()
        assert notes == (0,)
    finally:
        con.close()


def test_the_city_rows_agree_with_each_overview(three):
    con = store.connect(three)
    try:
        listed = programme.listed(con)
        rows, history = rollup.rollup(con, listed, TODAY)
        assert list(rows.code) == [HL, DH_AUDIT, DH]  # the office's order: the order they were added
        for own, row in zip(listed, rows.itertuples(index=False), strict=True):
            store.use_programme(con, own.code)
            data = load(lambda name, **params: store.query(con, name, **params))
            tiles = overview(data, resolve(Filters(), data), TODAY).now
            assert {s: getattr(row, s) for s in rollup.COUNTED} == {s: tiles[s] for s in rollup.COUNTED}
            assert row.completion == tiles["完成率"] and row.findings == len(data.findings)
        assert set(history.code) == {HL, DH_AUDIT, DH}
        # The office sets the order; the rows follow it, not their rates.
        con.execute("update main.programme set ordinal = 10 - ordinal")
        again, _ = rollup.rollup(con, programme.listed(con), TODAY)
        assert list(again.code) == [DH, DH_AUDIT, HL]
    finally:
        con.close()


def test_the_city_page_shows_every_unit_to_the_office_and_downloads_it(three):
    at = open_page("ui/views/city_overview.py", three, "shiju")
    table = at.dataframe[0].value
    assert list(table["单位"]) == ["横栏分局", "东湖分局", "东湖分局"]
    assert list(table["总览"]) == [f"./?programme={code}" for code in (HL, DH_AUDIT, DH)]
    assert "排名" not in table.columns
    download = next(b for b in at.get("download_button") if b.proto.label.startswith("下载各单位整改进展"))
    assert download is not None
    con = store.connect(three)
    try:
        rows, _ = rollup.rollup(con, programme.listed(con), dt.date.today())
    finally:
        con.close()
    from rectification.outputs import city

    sheet = openpyxl.load_workbook(io.BytesIO(city.xlsx_bytes(rows, dt.date.today()))).active
    assert [c.value for c in sheet[1]][:4] == ["数据日期", "编号", "单位", "整改事项"]
    assert [sheet.cell(row=r, column=2).value for r in range(2, 5)] == [HL, DH_AUDIT, DH]


# --- The boundary, tried as an attacker would --------------------------------------------------------


def test_two_rectifications_with_one_title_are_told_apart_and_stay_chosen(store_path):
    """The same report created twice (or two 年度审计 of one unit): the picker sends back the label
    chosen, so two equal labels would switch to the last of them on the next rerun."""
    con = store.connect(store_path)
    try:
        bootstrap.create(
            con, directory=CATALOGUE_DIR, programme_file=programme.PROGRAMME_FILE, sample=False, code="AGAIN"
        )
        auth.create_user(con, "shiju", "office", TEST_PASSWORD)
        first = programme.listed(con)[0]
    finally:
        con.close()
    at = open_page("ui/views/overview.py", store_path, "shiju")
    picker = next(s for s in at.sidebar.selectbox if s.label == "整改事项")
    assert f"{first.title}（{first.code}）" in picker.options and f"{first.title}（AGAIN）" in picker.options
    picker.select(first.code).run()
    at.run()  # the rerun after the choice: it must not drift to the other of the same title
    assert next(s for s in at.sidebar.selectbox if s.label == "整改事项").value == first.code
    assert at.query_params["programme"] == first.code
    con = store.connect(store_path)
    try:
        _, history = rollup.rollup(con, programme.listed(con), TODAY)
    finally:
        con.close()
    legend = [trace.name for trace in city.completion_chart(history, as_of="2025-04").data]
    assert {f"{first.title}（{first.code}）", f"{first.title}（AGAIN）"} <= set(legend)
    assert len(set(legend)) == len(legend)


def test_a_unit_user_sees_only_their_unit(three):
    at = open_page("ui/views/overview.py", three, "hl_jj")
    assert not [s for s in at.sidebar.selectbox if s.label == "整改事项"]  # one to see: no picker
    city = open_page("ui/views/city_overview.py", three, "hl_jj")
    assert list(city.dataframe[0].value["单位"]) == ["横栏分局"]
    assert "东湖" not in everything_shown(city)


@pytest.mark.parametrize("script", ["ui/views/overview.py", "ui/views/finding_detail.py", "ui/views/closure_review.py"])
def test_another_units_rectification_by_url_is_refused(three, script):
    at = open_page(script, three, "hl_jj", query={"programme": DH, "finding": "F03"})
    shown = everything_shown(at)
    assert "无权查看" in shown
    assert SECRET not in shown and "十六届市委巡察" not in shown
    assert not at.dataframe and not at.get("plotly_chart")


def test_another_units_finding_code_reads_in_ones_own_rectification_only(three):
    at = open_page("ui/views/finding_detail.py", three, "hl_jj", query={"finding": "F03"})
    shown = everything_shown(at)
    assert SECRET not in shown  # F03 here is 横栏分局's own F03, never 东湖分局's request


def test_an_anonymous_visitor_sees_only_what_is_open_and_never_evidence(three):
    at = open_page("ui/views/overview.py", three, query={"programme": DH})  # DH is not open to the network
    assert "无权查看" in everything_shown(at)
    picker = next(s for s in open_page("ui/views/overview.py", three).sidebar.selectbox if s.label == "整改事项")
    assert picker.options == [f"横栏分局·{programme.read_file().name}", "东湖分局·2025年度经济责任审计"]


def run_cli(store_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "rectification", *args, "--db", str(store_path)]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_the_cli_reads_and_writes_the_rectification_it_is_given(three, tmp_path):
    listed = run_cli(three, "programme", "list")
    assert listed.returncode == 0, listed.stderr
    lines = list(csv.reader(io.StringIO(listed.stdout.lstrip("\ufeff"))))
    assert lines[0] == ["code", "unit", "name", "kind", "tracking_start", "opening_month", "findings", "metrics"]
    assert [line[0] for line in lines[1:]] == [HL, DH_AUDIT, DH]
    audit = run_cli(three, "findings", "--programme", DH_AUDIT)
    assert audit.returncode == 0 and "A01" in audit.stdout and "F03" not in audit.stdout
    unknown = run_cli(three, "findings", "--programme", "NO-SUCH")
    assert unknown.returncode == 1 and HL in unknown.stderr and DH in unknown.stderr
    assert "Traceback" not in unknown.stderr

    ordered = run_cli(three, "programme", "order", DH, DH_AUDIT)
    assert ordered.returncode == 0, ordered.stderr
    again = list(csv.reader(io.StringIO(run_cli(three, "programme", "list").stdout.lstrip("\ufeff"))))
    assert [line[0] for line in again[1:]] == [DH, DH_AUDIT, HL]

    before = store_snapshot_of(three)
    refused = run_cli(three, "closure", "submit", "F05", "--note", "越权", "--user", "hl_jj", "--programme", DH)
    assert refused.returncode == 1 and "无权操作" in refused.stderr
    assert store_snapshot_of(three) == before  # nothing written

    # 东湖分局's evidence is reached only in its own rectification.
    mine = run_cli(three, "closure", "evidence", "F03", "--out", str(tmp_path / "hl"), "--programme", HL)
    theirs = run_cli(three, "closure", "evidence", "F03", "--out", str(tmp_path / "dh"), "--programme", DH)
    assert mine.returncode == theirs.returncode == 0
    assert "佐证材料 0 个" in mine.stdout and not list((tmp_path / "hl").glob("*.jpg"))
    assert len(list((tmp_path / "dh").glob("*.jpg"))) == 1


def store_snapshot_of(path: Path) -> dict:
    con = store.connect(path, read_only=True)
    try:
        return {k: v for k, v in store_snapshot(con).items() if k != "main.sessions"}
    finally:
        con.close()


def test_a_month_form_lands_only_in_its_own_rectification(three):
    con = store.connect(three, programme=HL)
    try:
        form = exports.upload_form(con, "2025-04")
        assert set(form["整改事项编号"]) == {HL}
        form.loc[0, "数值"] = 7
        data = tables.to_xlsx_bytes(form.head(1))  # as Excel saves it
        store.use_programme(con, DH)
        before = store_snapshot(con)
        with pytest.raises(ingest.Refused) as refused:
            ingest.import_file(con, data, "四月月报.xlsx", user="dh_jj")
        message = str(refused.value)
        assert (
            f"属于整改事项「{HL} 横栏分局·" in message and f"当前的整改事项「{DH} 东湖分局·十六届市委巡察」" in message
        )
        assert store_snapshot(con) == before
        store.use_programme(con, HL)
        assert ingest.import_file(con, data, "四月月报.xlsx", user="hl_jj").upload_id is not None
    finally:
        con.close()


def test_a_change_in_one_rectification_shows_on_the_city_page_and_moves_only_its_marker(three):
    at = open_page("ui/views/city_overview.py", three, "shiju")
    assert list(at.dataframe[0].value["待审核"]) == [0, 0, 1]
    con = store.connect(three, programme=DH_AUDIT)
    try:
        before = store.programme_versions(con)
        closure.submit(con, "A02", note="已追回超标准部分", user=account(con, "boss"))
        after = store.programme_versions(con)
    finally:
        con.close()
    changed = {schema for schema in before if before[schema] != after[schema]}
    assert changed == {with_store(three, lambda con: store.schema_of(con, DH_AUDIT))}
    at.run()  # the same session again: the audit's row is read anew, the others come from the cache
    assert list(at.dataframe[0].value["待审核"]) == [0, 1, 1]


def test_a_units_administrator_manages_only_that_units_accounts(three):
    con = store.connect(three)
    try:
        auth.create_user(con, "hl_admin", "admin", TEST_PASSWORD, unit="横栏分局")
        auth.create_user(con, "hl_new", "viewer", TEST_PASSWORD, unit="横栏分局", actor="hl_admin")
        before = store_snapshot(con)
        for attempt in (
            lambda: auth.create_user(con, "dh_new", "viewer", TEST_PASSWORD, unit="东湖分局", actor="hl_admin"),
            lambda: auth.create_user(con, "all_new", "viewer", TEST_PASSWORD, actor="hl_admin"),
            lambda: auth.create_user(con, "city_new", "office", TEST_PASSWORD, unit="横栏分局", actor="hl_admin"),
            lambda: auth.set_password(con, "dh_jj", "another-horse-43", actor="hl_admin"),
            lambda: auth.disable_user(con, "shiju", actor="hl_admin"),
            lambda: auth.set_role(con, "hl_new", "office", actor="hl_admin"),
            lambda: auth.create_user(con, "by_editor", "viewer", TEST_PASSWORD, unit="横栏分局", actor="hl_jj"),
        ):
            with pytest.raises(auth.AuthError, match="无权操作"):
                attempt()
        assert store_snapshot(con) == before
        manager = auth.get_user(con, "hl_admin")
        assert set(auth.managed_users(con, manager).username) == {"hl_jj", "hl_admin", "hl_new"}
        assert auth.unit_choices(con, manager) == ["横栏分局"] and "office" not in auth.role_choices(manager)
        everyone = auth.get_user(con, account(con, "boss"))
        assert auth.unit_choices(con, everyone) == ["横栏分局", "东湖分局"]
    finally:
        con.close()


def test_the_users_page_adds_an_account_of_a_unit(three):
    at = open_page("ui/views/admin_users.py", three, "boss", role="admin")
    assert "unit" in at.dataframe[0].value.columns
    at.text_input(key="add_username").input("dh_look")
    at.selectbox(key="add_unit").select("东湖分局")
    at.selectbox(key="add_role").select("viewer")
    at.text_input(key="add_password").input(TEST_PASSWORD)
    at.text_input(key="add_password_again").input(TEST_PASSWORD)
    at.button(key="add_submit").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    con = store.connect(three)
    try:
        assert auth.get_user(con, "dh_look").unit == "东湖分局"
    finally:
        con.close()


def test_only_an_administrator_of_every_unit_adds_a_rectification(three, tmp_path):
    con = store.connect(three)
    try:
        auth.create_user(con, "hl_admin2", "admin", TEST_PASSWORD, unit="横栏分局")
        before = store_snapshot(con)
        for actor in ("hl_admin2", "shiju", "hl_jj"):
            with pytest.raises(auth.AuthError, match="无权操作"):
                bootstrap.create(
                    con,
                    directory=CATALOGUE_DIR,
                    programme_file=ROOT / "data" / "programme.csv",
                    sample=False,
                    code="HL-XC-2099",
                    actor=actor,
                )
        assert store_snapshot(con) == before
    finally:
        con.close()


def test_a_ledger_form_lands_only_in_its_own_rectification(three):
    """Both rectifications have an F05: the ledger's own column keeps it from the wrong one."""
    from rectification.ingest import ledger

    con = store.connect(three, programme=HL)
    try:
        form = ledger.ledger_form(con, "2025-04")
        assert set(form["整改事项编号"]) == {HL}
        form.loc[form["问题编号"] == "问题05", "状态"] = "推进中"
        data = tables.to_csv_bytes(form[form["问题编号"] == "问题05"])
        store.use_programme(con, DH)
        before = store_snapshot(con)
        with pytest.raises(ingest.Refused, match=f"属于整改事项「{HL} "):
            ingest.import_file(con, data, "台账.csv", user="dh_jj")
        assert store_snapshot(con) == before
    finally:
        con.close()
