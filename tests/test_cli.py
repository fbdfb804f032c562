"""The command line contract: template -> fill -> import -> export, findings, errors without tracebacks."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rectification import cli
from rectification.catalogue import read_table
from rectification.core import config
from snapshot import store_snapshot

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str, db: Path | None = None, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    """The CLI as users run it: a real process, `python -m rectification`."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "rectification", *args] + (["--db", str(db)] if db else [])
    return subprocess.run(command, cwd=ROOT, env=env, input=stdin, capture_output=True, timeout=120)


def read_csv(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_template_header_and_rows(store_path, tmp_path):
    out = tmp_path / "form.csv"
    assert cli.main(["template", "--month", "2025-04", "--out", str(out), "--db", str(store_path)]) == 0
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == "月份,指标编码,指标名称,单位,数值,备注,口径（定义，仅供参考）,整改事项编号"
    rows = read_csv(data)
    assert [r["指标编码"] for r in rows] == catalogue_order()
    assert {r["月份"] for r in rows} == {"2025-04"}


def catalogue_order() -> list[str]:
    """Metric codes in report order: organisation-level first, then by finding, then ordinal."""
    finding_rank = {code: i for i, code in enumerate(read_table("findings").finding_code)}
    metrics = read_table("metrics")
    keys = [(finding_rank.get(f, -1), int(o)) for f, o in zip(metrics.finding_code, metrics.ordinal)]
    return [code for _, code in sorted(zip(keys, metrics.metric_code))]


def test_template_xlsx_when_out_ends_so(store_path, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "form.xlsx"
    assert cli.main(["template", "--month", "2025-04", "--out", str(out), "--db", str(store_path)]) == 0
    sheet = load_workbook(out).active
    assert [c.value for c in sheet[1]] == [
        "月份",
        "指标编码",
        "指标名称",
        "单位",
        "数值",
        "备注",
        "口径（定义，仅供参考）",
        "整改事项编号",
    ]
    assert sheet.max_row == len(read_table("metrics")) + 1
    # Each row carries its metric's 口径, word for word from the catalogue.
    definitions = read_table("metrics").set_index("metric_code").definition
    assert all(row[6].value == definitions[row[1].value] for row in sheet.iter_rows(min_row=2))


def test_round_trip_template_fill_import_export(store_path, tmp_path):
    form = tmp_path / "form.csv"
    assert cli.main(["template", "--month", "2025-04", "--out", str(form), "--db", str(store_path)]) == 0
    rows = read_csv(form.read_bytes())
    metrics = read_table("metrics").set_index("metric_code")
    filled = []
    for i, row in enumerate(rows[:5]):
        row["数值"] = str(50 if metrics.loc[row["指标编码"], "unit"] == "%" else i + 1)
        filled.append(row)
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(filled)
    form.write_bytes(text.getvalue().encode("utf-8-sig"))

    result = run_cli("import", str(form), "--user", "张三", db=store_path)
    assert result.returncode == 0, result.stderr.decode()
    assert "新增 5 条" in result.stdout.decode()

    exported = tmp_path / "export.csv"
    assert cli.main(["export", "--month", "2025-04", "--out", str(exported), "--db", str(store_path)]) == 0
    data = exported.read_bytes().decode("utf-8-sig")
    assert data.splitlines()[0] == "month,metric_code,metric_name,unit,value,cumulative"
    by_code = {r["metric_code"]: r for r in read_csv(exported.read_bytes())}
    assert len(by_code) == len(metrics)
    for row in filled:
        code = row["指标编码"]
        assert by_code[code]["value"] == row["数值"]
        opening = float(metrics.loc[code, "opening_value"])
        expected = float(row["数值"]) if metrics.loc[code, "kind"] == "level" else opening + float(row["数值"])
        assert float(by_code[code]["cumulative"]) == pytest.approx(expected)
    untouched = next(c for c in metrics.index if c not in {r["指标编码"] for r in filled})
    assert by_code[untouched]["value"] == ""
    assert float(by_code[untouched]["cumulative"]) == pytest.approx(float(metrics.loc[untouched, "opening_value"]))


def test_import_same_file_twice_changes_nothing(store_path, tmp_path, con):
    form = tmp_path / "form.csv"
    form.write_bytes("月份,指标编码,数值\n2025-04,F05_DISSUADE_SESSIONS,300\n".encode())
    con.close()
    assert run_cli("import", str(form), db=store_path).returncode == 0
    from rectification.core import store

    con = store.connect(store_path)
    before = store_snapshot(con)
    con.close()
    second = run_cli("import", str(form), db=store_path)
    assert second.returncode == 0
    assert "未作更改" in second.stdout.decode()
    con = store.connect(store_path)
    assert store_snapshot(con) == before
    con.close()


def test_refused_import_lists_rows_and_changes_nothing(store_path, tmp_path):
    from rectification.core import store

    con = store.connect(store_path)
    before = store_snapshot(con)
    con.close()
    bad = tmp_path / "bad.csv"
    bad.write_bytes("月份,指标编码,数值\n2025-04,NO_SUCH_CODE,1\n2025-04,F05_DISSUADE_SESSIONS,abc\n".encode())
    result = run_cli("import", str(bad), db=store_path)
    assert result.returncode == 1
    err = result.stderr.decode()
    assert "第2行" in err and "第3行" in err and "Traceback" not in err
    con = store.connect(store_path)
    assert store_snapshot(con) == before
    con.close()


def test_export_without_month_has_every_demo_month(store_path, tmp_path):
    out = tmp_path / "all.csv"
    assert cli.main(["export", "--out", str(out), "--db", str(store_path)]) == 0
    rows = read_csv(out.read_bytes())
    assert sorted({r["month"] for r in rows}) == [
        "2024-08",
        "2024-09",
        "2024-10",
        "2024-11",
        "2024-12",
        "2025-01",
        "2025-02",
        "2025-03",
    ]
    metrics = read_table("metrics")
    march = {r["metric_code"]: float(r["cumulative"]) for r in rows if r["month"] == "2025-03"}
    assert march == pytest.approx(dict(zip(metrics.metric_code, metrics.opening_value.astype(float))))


def test_findings_csv(store_path, tmp_path):
    out = tmp_path / "findings.csv"
    assert cli.main(["findings", "--month", "2025-03", "--out", str(out), "--db", str(store_path)]) == 0
    rows = read_csv(out.read_bytes())
    assert list(rows[0]) == [
        "code",
        "report_number",
        "section",
        "theme",
        "title",
        "lead_department",
        "deadline",
        "status",
        "closure_state",
        "original_deadline",
        "recheck_month",
    ]
    assert [r["code"] for r in rows] == [f"F{i:02d}" for i in range(1, 55)] + ["L1", "L2"]
    catalogue = read_table("findings").set_index("finding_code")
    assert {r["code"]: r["status"] for r in rows} == catalogue.status.to_dict()
    assert rows[0]["report_number"] == "1" and rows[-1]["report_number"] == ""


def test_init_twice_through_cli_says_unchanged(store_path):
    result = run_cli("init", db=store_path)
    assert result.returncode == 0
    assert "未作任何更改" in result.stdout.decode()


def test_db_after_subcommand_and_env_precedence(tmp_path, monkeypatch):
    env_db = tmp_path / "env.duckdb"
    flag_db = tmp_path / "flag.duckdb"
    monkeypatch.setenv("RECTIFICATION_DB", str(env_db))
    assert config.db_path() == env_db
    assert config.db_path(str(flag_db)) == flag_db
    assert cli.main(["init", "--no-sample", "--db", str(flag_db)]) == 0
    assert flag_db.exists() and not env_db.exists()


@pytest.mark.parametrize(
    "args",
    [["template", "--month", "2025-13"], ["import", "/no/such/file.csv"], ["export", "--month", "April"]],
)
def test_bad_arguments_give_a_message_not_a_traceback(args, store_path):
    result = run_cli(*args, db=store_path)
    assert result.returncode != 0
    err = result.stderr.decode()
    assert "Traceback" not in err and err.strip()


def test_every_subcommand_has_help():
    for command in ["init", "template", "import", "export", "findings"]:
        result = run_cli(command, "--help")
        assert result.returncode == 0 and "--db" in result.stdout.decode()


def test_template_for_one_department(store_path, tmp_path):
    out = tmp_path / "traffic.csv"
    assert (
        cli.main(
            ["template", "--month", "2025-04", "--department", "交警大队", "--out", str(out), "--db", str(store_path)]
        )
        == 0
    )
    rows = read_csv(out.read_bytes())
    findings = read_table("findings")
    led = set(findings.loc[findings.lead_department == "交警大队", "finding_code"])
    metrics = read_table("metrics")
    assert [r["指标编码"] for r in rows] == [
        c for c in catalogue_order() if metrics.set_index("metric_code").finding_code.get(c) in led
    ]
    assert "F05_DISSUADE_SESSIONS" in {r["指标编码"] for r in rows}


def test_template_for_an_unknown_department_lists_the_known_ones(store_path):
    result = run_cli("template", "--month", "2025-04", "--department", "不存在大队", db=store_path)
    assert result.returncode == 1
    assert "没有牵头部门「不存在大队」" in result.stderr.decode() and "交警大队" in result.stderr.decode()
