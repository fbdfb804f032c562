"""The `closure` and `deadline` commands: the contract other tools rely on, refusals exit 1 in Chinese."""

from __future__ import annotations

import csv
import hashlib
import io

import pytest
from test_closure import EXE, PDF, jpeg_bytes

from rectification import cli
from rectification.core import store
from rectification.workflow import auth
from support import TEST_PASSWORD

CODE, DEPT = "F03", "交警大队"


@pytest.fixture
def db(store_path):
    """The demo store with an editor of 交警大队, two reviewers and a viewer, created through the CLI."""
    con = store.connect(store_path)
    try:
        auth.create_user(con, "ed", "editor", TEST_PASSWORD, department=DEPT)
        auth.create_user(con, "rev2", "reviewer", TEST_PASSWORD)
        auth.create_user(con, "look", "viewer", TEST_PASSWORD)
    finally:
        con.close()
    return store_path


def run(db, *argv):
    return cli.main([*argv, "--db", str(db)])


def read_csv(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_users_add_reviewer(store_path, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(TEST_PASSWORD + "\n"))
    assert cli.main(["users", "add", "zbb", "--role", "reviewer", "--password-stdin", "--db", str(store_path)]) == 0
    assert capsys.readouterr().out.strip() == "已创建用户 zbb（审核）"


def test_submit_return_resubmit_approve_recheck_through_the_cli(db, tmp_path, capsys):
    photo, pdf = tmp_path / "现场.jpg", tmp_path / "验收.pdf"
    photo.write_bytes(jpeg_bytes())
    pdf.write_bytes(PDF)
    argv = ["closure", "submit", CODE, "--note", "路口改造完成", "--evidence", str(photo), "--caption", "改造后"]
    assert run(db, *argv, "--evidence", str(pdf), "--user", "ed") == 0
    assert capsys.readouterr().out.strip() == f"{CODE} 已申请销号（佐证材料 2 个），待审核。"

    assert run(db, "closure", "list", "--state", "pending") == 0
    rows = read_csv(capsys.readouterr().out.encode())
    assert [(r["finding_code"], r["closure_state"], r["submitted_by"], r["note"]) for r in rows] == [
        (CODE, "待审核", "ed", "路口改造完成")
    ]

    assert run(db, "closure", "approve", CODE, "--user", "ed") == 1
    assert "无权限：审核销号需要「审核」或「管理」权限，ed 为「填报」" in capsys.readouterr().err
    assert run(db, "closure", "return", CODE, "--reason", "照片不清楚", "--user", "rev2") == 0
    assert capsys.readouterr().out.strip() == f"{CODE} 已退回，状态恢复为推进中。"
    assert run(db, "closure", "list", "--state", "returned") == 0
    assert [r["finding_code"] for r in read_csv(capsys.readouterr().out.encode())] == [CODE]

    assert run(db, "closure", "submit", CODE, "--note", "补充", "--evidence", str(photo), "--user", "ed") == 0
    assert run(db, "closure", "approve", CODE, "--user", "rev2", "--recheck", "2099-01") == 0
    assert capsys.readouterr().out.strip().endswith(f"{CODE} 已销号；回头看：2099-01")
    assert run(db, "closure", "list", "--state", "closed") == 0
    closed = read_csv(capsys.readouterr().out.encode())
    assert CODE in [r["finding_code"] for r in closed] and len(closed) == 20

    out = tmp_path / "findings.csv"
    assert run(db, "findings", "--month", "2099-01", "--out", str(out)) == 0
    row = next(r for r in read_csv(out.read_bytes()) if r["code"] == CODE)
    assert (row["closure_state"], row["recheck_month"], row["status"]) == ("已销号", "2099-01", "推进中")

    assert run(db, "closure", "recheck", CODE, "--result", "relapsed", "--user", "rev2") == 1
    assert "反弹须写明原因" in capsys.readouterr().err
    assert run(db, "closure", "recheck", CODE, "--result", "relapsed", "--reason", "又有违停", "--user", "rev2") == 0
    assert "反弹，已重新列为推进中" in capsys.readouterr().out


def test_evidence_written_out_by_content_not_by_name(db, tmp_path, capsys):
    photo = tmp_path / "a b;rm -rf.jpg"
    photo.write_bytes(jpeg_bytes())
    assert run(db, "closure", "submit", CODE, "--note", "x", "--evidence", str(photo), "--user", "ed") == 0
    out = tmp_path / "out"
    assert run(db, "closure", "evidence", CODE, "--out", str(out)) == 0
    sha = hashlib.sha256(photo.read_bytes()).hexdigest()
    assert sorted(p.name for p in out.iterdir()) == sorted([f"1_{sha[:12]}.jpg", "清单.csv"])
    assert (out / f"1_{sha[:12]}.jpg").read_bytes() == photo.read_bytes()
    index = read_csv((out / "清单.csv").read_bytes())
    assert [(r["原文件名"], r["SHA-256"]) for r in index] == [("a b;rm -rf.jpg", sha)]
    assert index[0]["随附于"].startswith("销号申请 #")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["closure", "submit", CODE, "--note", "x", "--user", "look"], "无权限：只有牵头部门（交警大队）"),
        (["closure", "submit", CODE, "--note", "x", "--user", "ghost"], "没有这个用户：ghost"),
        (["closure", "approve", CODE, "--user", "rev2"], "没有待审核的销号申请"),
        (["closure", "recheck", CODE, "--result", "held", "--user", "rev2"], "不是待回头看的已销号问题"),
        (["closure", "submit", "F99", "--note", "x", "--user", "ed"], "整改问题不存在：F99"),
        (["deadline", "set", CODE, "2025-06-30", "--user", "ed"], "无权限：设定整改期限"),
        (["deadline", "approve", CODE, "--user", "rev2"], "没有待审批的延期申请"),
        (["deadline", "extend", CODE, "2025-09-30", "--reason", "x", "--user", "ed"], "尚未设定整改期限"),
    ],
)
def test_refusals_exit_1_with_the_reason(db, capsys, argv, message):
    assert run(db, *argv) == 1
    captured = capsys.readouterr()
    assert message in captured.err and "Traceback" not in captured.err


def test_an_exe_renamed_jpg_is_refused(db, tmp_path, capsys):
    fake = tmp_path / "照片.jpg"
    fake.write_bytes(EXE)
    assert run(db, "closure", "submit", CODE, "--note", "x", "--evidence", str(fake), "--user", "ed") == 1
    err = capsys.readouterr().err
    assert "「照片.jpg」的内容不是允许的类型" in err and "Windows 可执行程序" in err
    assert run(db, "closure", "list", "--state", "pending") == 0
    assert read_csv(capsys.readouterr().out.encode()) == []


def test_caption_without_evidence_is_a_usage_error(db, capsys):
    with pytest.raises(SystemExit) as exit_:
        run(db, "closure", "submit", CODE, "--note", "x", "--caption", "说明", "--user", "ed")
    assert exit_.value.code == 2


def test_deadline_set_extend_approve_through_the_cli(db, tmp_path, capsys):
    con = store.connect(db)
    auth.create_user(con, "rev", "reviewer", TEST_PASSWORD)
    con.close()
    assert run(db, "deadline", "set", CODE, "2025-06-30", "--leader", "王副局长", "--user", "rev") == 0
    assert run(db, "deadline", "extend", CODE, "2025-09-30", "--reason", "施工延误", "--user", "ed") == 0
    assert run(db, "deadline", "approve", CODE, "--user", "ed") == 1
    assert "无权限：审批延期" in capsys.readouterr().err
    assert run(db, "deadline", "approve", CODE, "--user", "rev2") == 0
    assert "整改期限为 2025-09-30" in capsys.readouterr().out
    out = tmp_path / "f.csv"
    assert run(db, "findings", "--month", "2025-03", "--out", str(out)) == 0
    row = next(r for r in read_csv(out.read_bytes()) if r["code"] == CODE)
    assert (row["deadline"], row["original_deadline"]) == ("2025-09-30", "2025-06-30")


def test_deadline_extend_with_evidence_through_the_cli(db, tmp_path, capsys):
    con = store.connect(db)
    auth.create_user(con, "rev", "reviewer", TEST_PASSWORD)
    con.close()
    photo, pdf, exe = tmp_path / "工期.jpg", tmp_path / "函.pdf", tmp_path / "照片.jpg"
    photo.write_bytes(jpeg_bytes())
    pdf.write_bytes(PDF)
    exe.write_bytes(EXE)
    assert run(db, "deadline", "set", CODE, "2025-06-30", "--user", "rev") == 0
    capsys.readouterr()
    extend = ["deadline", "extend", CODE, "2025-09-30", "--reason", "施工延误", "--user", "ed"]
    assert run(db, *extend, "--evidence", str(exe)) == 1
    assert "不是允许的类型" in capsys.readouterr().err
    assert run(db, *extend, "--evidence", str(photo), "--caption", "施工现场", "--evidence", str(pdf)) == 0
    assert capsys.readouterr().out.strip() == f"{CODE} 已申请延期至 2025-09-30（佐证材料 2 个），待审核人员审批。"
    out = tmp_path / "evidence"
    assert run(db, "closure", "evidence", CODE, "--out", str(out)) == 0
    listing = read_csv((out / "清单.csv").read_bytes())
    assert [(r["原文件名"], r["说明"]) for r in listing] == [("工期.jpg", "施工现场"), ("函.pdf", "")]
    assert {r["随附于"] for r in listing} == {listing[0]["随附于"]} and listing[0]["随附于"].startswith("延期申请 #")
    assert run(db, "deadline", "approve", CODE, "--user", "rev2") == 0
