"""Catalogue management: adding, editing, retiring and reinstating metrics against a real store;
what retirement changes (form, import, 需要关注) and what it keeps (history, exports); the catalogue
export; the `catalogue` commands; the 目录管理 page; the migration."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from rectification import cli, ingest
from rectification.catalogue import admin as catalogue_admin
from rectification.catalogue.admin import CatalogueError
from rectification.core import audit, store
from rectification.outputs import exports
from rectification.rules.attention import attention
from rectification.rules.data import Filters, load, resolve
from snapshot import store_snapshot
from support import account, add_night_check_metric, legacy_store, login, sign_in_through_form

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "data" / "catalogue"
PAGE = "ui/views/catalogue.py"
N_REPORT_METRICS = len((CATALOGUE / "metrics.csv").read_text(encoding="utf-8").splitlines()) - 1


def add(con, name="夜查行动次数", finding="F05", unit="次", kind="count", group="PATROL", active_from=None) -> str:
    return catalogue_admin.add_metric(
        con,
        finding_code=finding,
        name=name,
        unit=unit,
        kind=kind,
        group_code=group,
        actor="admin",
        active_from=active_from,
    )


def metric(con, code: str) -> tuple:
    return con.execute(
        "select finding_code, ordinal, name, unit, kind, group_code, origin, strftime(retired_from, '%Y-%m')"
        " from metrics where metric_code = ?",
        [code],
    ).fetchone()


def audit_rows(con, action: str) -> list[tuple]:
    return con.execute(
        "select user_name, target, detail from audit_log where action = ? order by audit_id", [action]
    ).fetchall()


def import_csv(con, rows: list[tuple[str, str, float]]):
    """Figures as staff send them: the month's form as a CSV, through the real importer."""
    lines = ["月份,指标编码,指标名称,单位,数值,备注"] + [f"{m},{code},,,{v:g}," for m, code, v in rows]
    return ingest.import_file(con, ("\n".join(lines) + "\n").encode("utf-8"), "月报.csv", user="editor")


# --- Adding ------------------------------------------------------------------------------------


def test_add_metric_gives_stable_codes_in_order_and_audits(con):
    assert add(con) == "F05_X01"
    assert add(con, name="夜查查处酒驾", unit="宗", group="CASE") == "F05_X02"
    assert add(con, name="整改督办会", finding="ORG", group="ORG") == "ORG_X01"
    assert add(con, name="整改推进例会", finding=None, group="ORG") == "ORG_X02"

    # After the report's eight F05 metrics; the report's three organisation-level ones.
    assert metric(con, "F05_X01") == ("F05", 9, "夜查行动次数", "次", "count", "PATROL", "管理员新增", None)
    assert metric(con, "F05_X02")[1] == 10
    assert metric(con, "ORG_X01") == (None, 4, "整改督办会", "次", "count", "ORG", "管理员新增", None)
    assert audit_rows(con, "catalogue_add")[0] == (
        "admin",
        "F05_X01",
        "新增指标「夜查行动次数」（次，数量类，巡逻防控），所属：问题 F05",
    )
    assert audit.ACTION_LABELS["catalogue_add"] == "新增指标"


def test_codes_are_never_reused(con):
    first = add(con)
    second = add(con, name="夜查查处酒驾")
    catalogue_admin.retire_metric(con, second, "2025-06", actor="admin")
    catalogue_admin.update_metric(con, first, name="夜间巡查行动", actor="admin")
    assert add(con, name="夜查行动次数") == "F05_X03"  # the freed name is fine, the codes stay taken
    assert con.execute("select count(*) from metrics where metric_code like 'F05_X%'").fetchone()[0] == 3


def test_names_are_trimmed_and_spaces_collapsed(con):
    code = add(con, name="  夜查   行动次数 ", unit=" 次 ")
    assert metric(con, code)[2:4] == ("夜查 行动次数", "次")


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"name": "  "}, "指标名称不能为空。"),
        ({"name": "夜" * 31}, "指标名称不超过 30 个字（现为 31 个）。"),
        ({"name": "头盔 劝导场次"}, "已有同名指标：F05_DISSUADE_SESSIONS「头盔劝导场次」"),
        ({"name": "=HYPERLINK(1)"}, "不能以 = + - @ 开头"),
        ({"name": "夜查\x07行动"}, "控制字符"),
        ({"finding": "F99"}, "整改问题不存在：F99"),
        ({"group": "NOPE"}, "成效类别不存在：NOPE。可选：HELMET、"),
        ({"unit": ""}, "单位不能为空。"),
        ({"unit": "平方米每公顷每年"}, "单位不超过 6 个字"),
        ({"kind": "sum"}, "指标类型须为 count（数量类）或 level（状态类）。"),
        ({"unit": "%", "kind": "count"}, "百分比指标须为状态类（level）"),
    ],
    ids=["empty-name", "long-name", "duplicate-name", "formula", "control-char", "unknown-finding",
         "unknown-group", "empty-unit", "long-unit", "bad-kind", "percent-count"],
)  # fmt: skip
def test_add_refusals_say_why_and_change_nothing(con, changes, message):
    before = store_snapshot(con)
    with pytest.raises(CatalogueError) as refused:
        add(con, **changes)
    assert message in str(refused.value)
    assert store_snapshot(con) == before


# --- Editing -----------------------------------------------------------------------------------


def test_update_metric_changes_name_unit_group_with_an_audited_before_and_after(con):
    assert catalogue_admin.update_metric(
        con, "F05_PERSONS_EDUCATED", name="头盔教育人次", unit="人", group_code="PUBLICITY", actor="admin"
    )
    assert metric(con, "F05_PERSONS_EDUCATED")[2:6] == ("头盔教育人次", "人", "count", "PUBLICITY")
    assert audit_rows(con, "catalogue_edit") == [
        (
            "admin",
            "F05_PERSONS_EDUCATED",
            "教育不戴头盔驾乘人员 名称：教育不戴头盔驾乘人员 → 头盔教育人次；单位：人次 → 人；成效类别：HELMET → PUBLICITY",
        )
    ]
    # The same values again: nothing to do, nothing audited.
    assert not catalogue_admin.update_metric(con, "F05_PERSONS_EDUCATED", name="头盔教育人次", actor="admin")
    assert len(audit_rows(con, "catalogue_edit")) == 1


def test_a_headline_metric_keeps_its_unit_and_group(con):
    """A headline adds up metrics of one 口径: moving one out or changing its unit would break that."""
    before = store_snapshot(con)
    for change in ({"unit": "场"}, {"group_code": "PUBLICITY"}):
        with pytest.raises(CatalogueError, match="计入重点成效「头盔劝导」"):
            catalogue_admin.update_metric(con, "F05_DISSUADE_SESSIONS", actor="admin", **change)
    assert store_snapshot(con) == before
    assert catalogue_admin.update_metric(con, "F05_DISSUADE_SESSIONS", name="头盔劝导活动", actor="admin")


def test_kind_changes_only_while_a_metric_has_no_figures(con):
    code = add(con)
    assert catalogue_admin.update_metric(con, code, kind="level", unit="%", actor="admin")
    assert metric(con, code)[3:5] == ("%", "level")

    before = store_snapshot(con)
    with pytest.raises(CatalogueError, match="已有 .* 个数值，不能改变指标类型"):
        catalogue_admin.update_metric(con, "F05_DISSUADE_SESSIONS", kind="level", actor="admin")
    with pytest.raises(CatalogueError, match="不能改为或改自百分比单位"):
        catalogue_admin.update_metric(con, "F05_VILLAGES_COVERED", unit="%", actor="admin")
    assert store_snapshot(con) == before


@pytest.mark.parametrize(
    "code, changes, message",
    [
        ("F05_DISSUADE_SESSIONS", {"name": "村居交通劝导员"}, "已有同名指标：F05_PERSUADERS"),
        ("F05_DISSUADE_SESSIONS", {"group_code": "NOPE"}, "成效类别不存在"),
        ("F05_DISSUADE_SESSIONS", {"unit": " "}, "单位不能为空。"),
        ("F05_NO_SUCH", {"name": "x"}, "指标不存在：F05_NO_SUCH"),
    ],
    ids=["duplicate-name", "unknown-group", "empty-unit", "unknown-metric"],
)
def test_update_refusals_change_nothing(con, code, changes, message):
    before = store_snapshot(con)
    with pytest.raises(CatalogueError, match=message):
        catalogue_admin.update_metric(con, code, actor="admin", **changes)
    assert store_snapshot(con) == before


# --- Retiring and reinstating ------------------------------------------------------------------


def test_retire_and_reinstate_are_recorded(con):
    catalogue_admin.retire_metric(con, "F05_PERSUADERS", "2025-05", actor="admin")
    assert metric(con, "F05_PERSUADERS")[6:] == ("通报", "2025-05")
    catalogue_admin.reinstate_metric(con, "F05_PERSUADERS", actor="admin")
    assert metric(con, "F05_PERSUADERS")[7] is None
    assert audit_rows(con, "catalogue_retire") == [
        ("admin", "F05_PERSUADERS", "村居交通劝导员：自2025年5月起停用（不再列入上报模板，历史数值保留）")
    ]
    assert audit_rows(con, "catalogue_reinstate") == [
        ("admin", "F05_PERSUADERS", "村居交通劝导员：恢复上报（原自2025年5月起停用）")
    ]


@pytest.mark.parametrize(
    "month, message",
    [
        ("2025-03", "该指标已有2025年3月的数值，停用月份须晚于此（最早 2025-04）"),
        ("2024-05", "停用月份不能早于整改跟踪开始的 2024年8月"),
        ("2025/07", "月份格式应为 YYYY-MM"),
        ("2025-13", "月份格式应为 YYYY-MM"),
    ],
)
def test_retire_refusals_change_nothing(con, month, message):
    before = store_snapshot(con)
    with pytest.raises(CatalogueError) as refused:
        catalogue_admin.retire_metric(con, "F05_PERSUADERS", month, actor="admin")
    assert message in str(refused.value)
    assert store_snapshot(con) == before


def test_retiring_twice_or_reinstating_an_active_metric_is_refused(con):
    with pytest.raises(CatalogueError, match="该指标未停用"):
        catalogue_admin.reinstate_metric(con, "F05_PERSUADERS", actor="admin")
    catalogue_admin.retire_metric(con, "F05_PERSUADERS", "2025-05", actor="admin")
    before = store_snapshot(con)
    with pytest.raises(CatalogueError, match="该指标已自2025年5月起停用"):
        catalogue_admin.retire_metric(con, "F05_PERSUADERS", "2025-06", actor="admin")
    assert store_snapshot(con) == before


def test_a_figure_uploaded_later_moves_the_earliest_retirement_month(con):
    import_csv(con, [("2025-06", "F05_PERSUADERS", 35)])
    with pytest.raises(CatalogueError, match="已有2025年6月的数值"):
        catalogue_admin.retire_metric(con, "F05_PERSUADERS", "2025-05", actor="admin")
    catalogue_admin.retire_metric(con, "F05_PERSUADERS", "2025-07", actor="admin")


# --- What retirement changes, and what it keeps ------------------------------------------------


def test_upload_form_leaves_out_a_metric_from_its_retirement_month(con):
    catalogue_admin.retire_metric(con, "F05_PERSUADERS", "2025-05", actor="admin")
    assert "F05_PERSUADERS" in set(exports.upload_form(con, "2025-04")["指标编码"])
    may = exports.upload_form(con, "2025-05")["指标编码"]
    assert "F05_PERSUADERS" not in set(may)
    assert len(may) == N_REPORT_METRICS - 1
    # An added metric is asked for at once.
    code = add(con)
    assert code in set(exports.upload_form(con, "2025-05")["指标编码"])


def test_history_and_exports_keep_a_retired_metric(con):
    before = store.query(con, "metric_monthly")
    catalogue_admin.retire_metric(con, "F05_PERSUADERS", "2025-04", actor="admin")
    after = store.query(con, "metric_monthly")
    assert after.equals(before)
    values = exports.metric_values(con)
    persuaders = values[values.metric_code == "F05_PERSUADERS"]
    assert persuaders.month.tolist()[-1] == "2025-03" and persuaders.cumulative.tolist()[-1] == 33
    data = load(lambda name, **params: store.query(con, name, **params))
    assert data.metrics.set_index("metric_code").loc["F05_PERSUADERS", "retired_from"] == "2025-04"
    from rectification.outputs.charts.assembly import metric_figure

    fig = metric_figure(data, "F05_PERSUADERS", resolve(Filters(), data))
    assert any(len(trace.x or []) for trace in fig.data)


def test_import_refuses_a_retired_code_from_its_retirement_month(con):
    catalogue_admin.retire_metric(con, "F05_PERSUADERS", "2025-05", actor="admin")
    result = import_csv(con, [("2025-04", "F05_PERSUADERS", 34)])  # a late April figure still counts
    assert "新增 1 条" in result.message

    before = store_snapshot(con)
    with pytest.raises(ingest.Refused) as refused:
        import_csv(con, [("2025-05", "F05_DISSUADE_SESSIONS", 80), ("2025-05", "F05_PERSUADERS", 35)])
    assert [str(p) for p in refused.value.problems] == [
        "第3行「指标编码」列（值：F05_PERSUADERS）：F05_PERSUADERS（村居交通劝导员）已自2025年5月起停用，"
        "不再接收2025年5月的数值"
    ]
    assert store_snapshot(con) == before


def _attention(con, as_of: str, kind: str) -> set[str]:
    data = load(lambda name, **params: store.query(con, name, **params))
    frame = attention(data, resolve(Filters(as_of=as_of), data), today=dt.date(2026, 1, 1))
    return set(frame.loc[frame["类别"] == kind, "metric_code"])


def _attention_missing(con, as_of: str) -> set[str]:
    return _attention(con, as_of, "本月无数据")


def test_a_retired_metric_is_not_behind_its_trajectory(con):
    import_csv(con, [("2025-04", "F05_DISSUADE_SESSIONS", 80)])  # so the store reaches April
    assert "L1_CHECKPOINTS_REPAIRED_PCT" in _attention(con, "2025-04", "落后进度")  # 90% against 100%
    catalogue_admin.retire_metric(con, "L1_CHECKPOINTS_REPAIRED_PCT", "2025-04", actor="admin")
    assert "L1_CHECKPOINTS_REPAIRED_PCT" not in _attention(con, "2025-04", "落后进度")


def test_attention_leaves_out_retired_metrics_but_asks_for_added_ones(con):
    import_csv(con, [("2025-04", "F05_DISSUADE_SESSIONS", 80)])  # so the store reaches April
    missing = _attention_missing(con, "2025-04")
    assert {"F05_PERSUADERS", "F05_VILLAGE_CAMPAIGNS"} <= missing  # F05 is 长期坚持: it keeps reporting

    catalogue_admin.retire_metric(con, "F05_PERSUADERS", "2025-04", actor="admin")
    catalogue_admin.retire_metric(con, "F05_VILLAGE_CAMPAIGNS", "2025-05", actor="admin")
    code = add(con, active_from="2025-04")  # asked for from April
    later = add(con, name="夜查行动人数", unit="人次")  # added this month: not asked for in April
    missing = _attention_missing(con, "2025-04")
    assert later not in missing
    assert "F05_PERSUADERS" not in missing
    assert "F05_VILLAGE_CAMPAIGNS" in missing  # retired only from May
    assert code in missing


# --- The export --------------------------------------------------------------------------------


def test_export_of_an_unchanged_catalogue_is_what_git_holds(con, tmp_path):
    written = catalogue_admin.write_export(con, tmp_path / "out")
    for path in written:
        if path.name == "metric_lifecycle.csv":
            assert path.read_text(encoding="utf-8") == "metric_code,origin,retired_from,active_from\n"
        else:
            assert path.read_bytes() == (CATALOGUE / path.name).read_bytes(), path.name
    assert sorted(p.name for p in written) == sorted(
        [p.name for p in CATALOGUE.glob("*.csv")] + ["metric_lifecycle.csv"]
    )


def changed_lines(path: Path) -> tuple[set[str], set[str]]:
    """Lines only in git's copy, and lines only in the export."""
    old = set((CATALOGUE / path.name).read_text(encoding="utf-8").splitlines())
    new = set(path.read_text(encoding="utf-8").splitlines())
    return old - new, new - old


SCHOOL_DEF = "一次 = 到中小学、幼儿园开展的一次交通安全宣传；按完成当月填报当月新增数"


def test_export_shows_exactly_what_changed(con, tmp_path):
    from rectification.workflow import targets

    code = add(con)
    catalogue_admin.update_metric(con, "F05_SCHOOL_SESSIONS", name="进校园交通安全宣传", actor="admin")
    catalogue_admin.retire_metric(con, "F05_PERSUADERS", "2025-05", actor="admin")
    targets.set_finding_plan(
        con, "F03", deadline=dt.date(2025, 12, 31), leader="李副局长", department="交警大队", user=account(con, "admin")
    )
    out = tmp_path / "out"
    catalogue_admin.write_export(con, out)

    assert changed_lines(out / "metrics.csv") == (
        {f"F05_SCHOOL_SESSIONS,F05,8,进学校交通安全宣传,次,count,PUBLICITY,12,,,到学校开展宣传12次,,,{SCHOOL_DEF}"},
        {
            f"F05_SCHOOL_SESSIONS,F05,8,进校园交通安全宣传,次,count,PUBLICITY,12,,,到学校开展宣传12次,,,{SCHOOL_DEF}",
            f"{code},F05,9,夜查行动次数,次,count,PATROL,,,,,,,",
        },
    )
    old, new = changed_lines(out / "findings.csv")
    assert len(old) == len(new) == 1
    assert new.pop().endswith(",交警大队,李副局长,2025-12-31,false,推进中,未来庆丰路将得到更全面、系统化的升级改进")
    assert (out / "metric_lifecycle.csv").read_text(encoding="utf-8").splitlines() == [
        "metric_code,origin,retired_from,active_from",
        "F05_PERSUADERS,通报,2025-05,",
        f"{code},管理员新增,,{dt.date.today():%Y-%m}",
    ]
    for name in ("sections.csv", "themes.csv", "measures.csv", "outcome_groups.csv", "headline_metrics.csv"):
        assert (out / name).read_bytes() == (CATALOGUE / name).read_bytes()


# --- The command line ----------------------------------------------------------------------------


def run(store_path: Path, *args: str, capsys) -> tuple[int, str, str]:
    code = cli.main([*args, "--db", str(store_path)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_add_edit_retire_reinstate_export(store_path, tmp_path, capsys):
    add_args = ["--finding", "F05", "--name", "夜查行动次数", "--unit", "次", "--kind", "count", "--group", "PATROL"]
    assert run(store_path, "catalogue", "add-metric", *add_args, "--user", "王管理", capsys=capsys) == (
        0,
        "已新增指标 F05_X01\n",
        "",
    )
    assert run(store_path, "catalogue", "edit", "F05_X01", "--unit", "场", capsys=capsys)[:2] == (
        0,
        "已修改指标 F05_X01\n",
    )
    assert run(store_path, "catalogue", "retire", "F05_X01", "--from", "2025-06", capsys=capsys)[:2] == (
        0,
        "指标 F05_X01 自 2025-06 起停用（历史数值保留）\n",
    )
    out = tmp_path / "export"
    code, stdout, _ = run(store_path, "catalogue", "export", "--out-dir", str(out), capsys=capsys)
    assert code == 0 and "已导出目录 8 个文件" in stdout
    assert (out / "metric_lifecycle.csv").read_text(encoding="utf-8").splitlines()[1:] == [
        f"F05_X01,管理员新增,2025-06,{dt.date.today():%Y-%m}"
    ]
    assert run(store_path, "catalogue", "reinstate", "F05_X01", capsys=capsys)[0] == 0

    con = store.connect(store_path)
    try:
        assert metric(con, "F05_X01")[2:] == ("夜查行动次数", "场", "count", "PATROL", "管理员新增", None)
        assert [row[0] for row in audit_rows(con, "catalogue_add")] == ["王管理"]
    finally:
        con.close()


def test_cli_refusal_is_a_message_and_changes_nothing(store_path, capsys):
    con = store.connect(store_path)
    before = store_snapshot(con)
    con.close()
    code, out, err = run(
        store_path,
        "catalogue",
        "add-metric",
        *["--finding", "F05", "--name", "头盔劝导场次", "--unit", "次", "--kind", "count", "--group", "HELMET"],
        capsys=capsys,
    )
    assert (code, out) == (1, "")
    assert err.startswith("已有同名指标：F05_DISSUADE_SESSIONS「头盔劝导场次」")
    code, _, err = run(store_path, "catalogue", "retire", "F05_PERSUADERS", "--from", "2025-03", capsys=capsys)
    assert code == 1 and "停用月份须晚于此" in err and "Traceback" not in err
    con = store.connect(store_path)
    try:
        assert store_snapshot(con) == before
    finally:
        con.close()


# --- The migration -------------------------------------------------------------------------------


def test_init_on_a_fresh_store_applies_every_migration(tmp_path, capsys):
    path = tmp_path / "fresh.duckdb"
    assert cli.main(["init", "--no-sample", "--db", str(path)]) == 0
    con = store.connect(path)
    try:
        assert store.schema_version(con) == max(v for v, _, _ in store.migrations())
        assert con.execute("select origin, count(*), count(retired_from) from metrics group by origin").fetchall() == [
            ("通报", N_REPORT_METRICS, 0)
        ]
    finally:
        con.close()


def test_a_store_made_before_the_migration_keeps_its_rows(tmp_path):
    path = legacy_store(tmp_path, "v5-sample")
    raw = duckdb.connect(str(path), read_only=True)
    observations = raw.execute("select count(*) from observations").fetchone()[0]
    raw.close()

    con = store.connect(path)
    try:
        assert store.schema_version(con) >= 6
        assert con.execute("select count(*) from observations").fetchone()[0] == observations > 0
        assert con.execute("select distinct origin from metrics").fetchall() == [("通报",)]
        assert add(con) == "F05_X01"
    finally:
        con.close()


# --- The page ------------------------------------------------------------------------------------


def open_page(store_path: Path, role: str | None = "admin") -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    if role:
        login(at, store_path, role)
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def stored(store_path: Path, code: str) -> tuple | None:
    con = store.connect(store_path)
    try:
        return metric(con, code)
    finally:
        con.close()


def test_page_is_registered_in_the_admin_section():
    text = (ROOT / "dashboard.py").read_text(encoding="utf-8")
    admin_section = text[text.index('"管理": [') :]
    assert admin_section.index('"ui/views/targets.py"') < admin_section.index(f'"{PAGE}"')


@pytest.mark.parametrize("role", [None, "viewer", "editor"])
def test_page_offers_no_form_to_others(store_path, role):
    at = open_page(store_path, role)
    keys = {w.key for w in [*at.text_input, *at.selectbox, *at.checkbox, *at.button]}
    assert not any(k and (k.startswith(("add_metric", "edit_", "retire_", "reinstate_"))) for k in keys)
    assert len(at.dataframe) == 0
    if role:
        assert [w.value for w in at.warning][-1].startswith("无权限：此页面需要「管理」及以上权限")
    else:
        assert at.text_input(key="main_login_username").label == "用户名"


def test_admin_adds_a_metric_through_the_form(store_path):
    at = open_page(store_path)
    at.selectbox(key="add_metric_finding").select("F05")
    at.text_input(key="add_metric_name").input("夜查行动次数")
    at.text_input(key="add_metric_unit").input("次")
    at.selectbox(key="add_metric_group").select("PATROL")
    at.button(key="add_metric_submit").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["已新增指标 `F05_X01`。"]
    assert stored(store_path, "F05_X01") == ("F05", 9, "夜查行动次数", "次", "count", "PATROL", "管理员新增", None)
    table = at.dataframe[0].value
    assert table.set_index("metric_code").loc["F05_X01", ["origin", "state"]].tolist() == ["管理员新增", "在用"]
    assert at.text_input(key="add_metric_name").value == ""  # the form is fresh for the next one


def test_admin_add_refusal_is_shown_and_nothing_is_written(store_path):
    at = open_page(store_path)
    at.text_input(key="add_metric_name").input("头盔劝导场次")
    at.text_input(key="add_metric_unit").input("次")
    at.button(key="add_metric_submit").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "已有同名指标：F05\\_DISSUADE\\_SESSIONS「头盔劝导场次」。指标名称须唯一，请换一个名称。"
    ]
    assert not at.success
    assert stored(store_path, "F01_X01") is None


def test_admin_edits_a_metric(store_path):
    at = open_page(store_path)
    at.selectbox(key="edit_metric_code").select("F05_PERSONS_EDUCATED").run()
    assert at.selectbox(key="edit_kind_F05_PERSONS_EDUCATED").disabled  # it has figures
    at.text_input(key="edit_name_F05_PERSONS_EDUCATED").input("头盔教育人次")
    at.text_input(key="edit_unit_F05_PERSONS_EDUCATED").input("场")
    at.button(key="edit_metric_submit").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["已保存 `F05_PERSONS_EDUCATED` 的修改。"]
    assert stored(store_path, "F05_PERSONS_EDUCATED")[2:4] == ("头盔教育人次", "场")


def test_admin_retires_only_after_confirming_and_can_reinstate(store_path):
    at = open_page(store_path)
    at.selectbox(key="retire_metric_code").select("F05_PERSUADERS").run()
    months = at.selectbox(key="retire_month_F05_PERSUADERS").options
    assert months[0] == "2025年4月"  # the month after the last figure
    assert at.button(key="retire_submit").disabled
    at.selectbox(key="retire_month_F05_PERSUADERS").select("2025-06")
    at.checkbox(key="retire_confirm_F05_PERSUADERS").check().run()
    at.button(key="retire_submit").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["已停用 `F05_PERSUADERS`（自2025年6月起）。"]
    assert stored(store_path, "F05_PERSUADERS")[7] == "2025-06"
    state = at.dataframe[0].value.set_index("metric_code").loc["F05_PERSUADERS", "state"]
    assert state == "自2025年6月起停用"

    at.checkbox(key="reinstate_confirm_F05_PERSUADERS").check().run()
    at.button(key="reinstate_submit").click().run()
    assert [s.value for s in at.success] == ["已恢复 `F05_PERSUADERS`。"]
    assert stored(store_path, "F05_PERSUADERS")[7] is None


def test_page_filters_and_export_download(store_path):
    at = open_page(store_path)
    at.selectbox(key="cat_filter_finding").select("F05").run()
    assert at.dataframe[0].value.metric_code.str.startswith("F05_").all()
    assert len(at.dataframe[0].value) == 8
    at.selectbox(key="cat_filter_state").select("已停用").run()
    assert len(at.dataframe[0].value) == 0


@pytest.mark.parametrize(
    "page", ["ui/views/overview.py", "ui/views/finding_detail.py", "ui/views/metric_explorer.py", "ui/views/targets.py"]
)
def test_dashboard_pages_run_with_an_added_and_a_retired_metric(store_path, page):
    con = store.connect(store_path)
    code = add(con)
    catalogue_admin.retire_metric(con, "F05_PERSUADERS", "2025-04", actor="admin")
    con.close()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    login(at, store_path, "admin")
    at.query_params.update({"finding": "F05"} if page == "ui/views/finding_detail.py" else {})
    at.run()
    at.switch_page(page).run()
    if page == "ui/views/targets.py":
        at.selectbox(key="target_metric").select(code).run()
    assert not at.exception, [e.value for e in at.exception]


# --- In a real browser: what AppTest cannot see ----------------------------------------------------


@pytest.fixture
def admin_server(store_path, tmp_path):
    from conftest import BROWSER_PASSWORD, StreamlitServer
    from rectification.workflow import auth

    con = store.connect(store_path)
    auth.create_user(con, "browser_admin", "admin", BROWSER_PASSWORD, actor="test")
    con.close()
    server = StreamlitServer(store_path, tmp_path / "streamlit.log")
    yield server
    server.stop()


def test_browser_picker_and_tab_stay_put_after_a_rename(admin_server, page, tmp_path):
    """The browser keeps a picker's choice as its label: after a rename the label changes, and
    without the page re-seeding it the next click elsewhere would jump to the first metric."""
    from conftest import BROWSER_PASSWORD

    page.goto(f"{admin_server.url}/catalogue", wait_until="domcontentloaded")
    sign_in_through_form(page, "browser_admin", BROWSER_PASSWORD)
    main = page.locator('[data-testid="stMain"]')
    main.get_by_role("tab", name="修改指标").click()
    # Streamlit gives each keyed widget the class st-key-<key>.
    picker = main.locator(".st-key-edit_metric_code input")
    picker.click()
    page.keyboard.type("F07_LEAFLETS")
    # Enter picks the highlighted option: wait until the typed text has filtered the list to it (on a
    # busy machine an early Enter picked nothing and the test waited for a form that never came).
    page.get_by_role("option", name=re.compile(r"^F07_LEAFLETS")).first.wait_for(timeout=30_000)
    page.keyboard.press("Enter")
    name = main.locator(".st-key-edit_name_F07_LEAFLETS input")
    name.wait_for(timeout=30_000)
    name.fill("发放交通安全宣传单")
    main.get_by_role("button", name="保存修改").click()
    page.get_by_text("的修改。").wait_for(timeout=30_000)
    # Another interaction: a filter above the table.
    main.locator(".st-key-cat_filter_state input").click()
    page.keyboard.type("在用")
    page.get_by_role("option", name="在用").first.wait_for(timeout=30_000)
    page.keyboard.press("Enter")
    page.get_by_text(f"当前列出 {N_REPORT_METRICS} 个").wait_for(timeout=30_000)
    assert main.get_by_role("tab", selected=True).inner_text() == "修改指标"
    assert picker.input_value().startswith("F07_LEAFLETS")
    assert "发放交通安全宣传单" in picker.input_value()
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(tmp_path / "catalogue.png"), full_page=True)


def test_definitions_are_added_and_edited_with_the_metric_and_audited(con):
    code = add_night_check_metric(con, definition="一次 = 一次夜间查控行动；按完成当月填报当月新增数")
    assert con.execute("select definition from metrics where metric_code = ?", [code]).fetchone() == (
        "一次 = 一次夜间查控行动；按完成当月填报当月新增数",
    )
    assert catalogue_admin.update_metric(con, "F05_PERSUADERS", definition="一名 = 在岗劝导员；填月末状态值", actor="a")
    assert audit_rows(con, "catalogue_edit")[-1][2].endswith("→ 一名 = 在岗劝导员；填月末状态值")
    with pytest.raises(CatalogueError, match="口径不超过 160 个字"):
        catalogue_admin.update_metric(con, "F05_PERSUADERS", definition="很长" * 81, actor="a")


def test_cli_add_metric_with_a_definition(store_path, capsys):
    args = ["--finding", "F05", "--name", "夜查行动次数", "--unit", "次", "--kind", "count", "--group", "PATROL"]
    code, out, _ = run(store_path, "catalogue", "add-metric", *args, "--definition", "一次 = 一次夜查", capsys=capsys)
    assert (code, out) == (0, "已新增指标 F05_X01\n")
    assert run(store_path, "catalogue", "edit", "F05_X01", "--definition", "一次 = 一次夜间查控", capsys=capsys)[0] == 0
    con = store.connect(store_path)
    try:
        assert con.execute("select definition from metrics where metric_code = 'F05_X01'").fetchone() == (
            "一次 = 一次夜间查控",
        )
    finally:
        con.close()


def test_cli_add_metric_from_a_month(store_path, capsys):
    add_args = ["--finding", "F05", "--name", "夜查行动次数", "--unit", "次", "--kind", "count", "--group", "PATROL"]
    assert run(store_path, "catalogue", "add-metric", *add_args, "--from", "2025-05", capsys=capsys)[0] == 0
    con = store.connect(store_path)
    assert con.execute(
        "select strftime(active_from, '%Y-%m') from metrics where metric_code = 'F05_X01'"
    ).fetchall() == [("2025-05",)]
    con.close()
