"""The restore drill: evidence files live in the store, so backup → change → restore brings every
one back byte-identical (and drops what came after the backup)."""

from __future__ import annotations

import hashlib

from test_closure import PDF, jpeg_bytes

from rectification import cli
from rectification.core import backup, store, vocabulary
from rectification.workflow import auth, closure, evidence
from support import TEST_PASSWORD

CODE = "F03"


def test_backup_change_restore_keeps_every_evidence_file_byte_identical(store_path, tmp_path, capsys):
    con = store.connect(store_path)
    auth.create_user(con, "ed", "editor", TEST_PASSWORD, department="交警大队")
    auth.create_user(con, "rev", "reviewer", TEST_PASSWORD)
    photo, pdf = jpeg_bytes("green", gps=True), PDF
    closure.submit(
        con,
        CODE,
        note="完成",
        files=[evidence.Upload("现场.jpg", photo, "现场"), evidence.Upload("验收.pdf", pdf, "验收")],
        user="ed",
    )
    before = evidence.files(con, CODE, include_withdrawn=True)
    blobs_before = con.execute("select sha256, content from evidence_blobs order by sha256").fetchall()
    shown_before = [evidence.shown_bytes(con, int(i))[0] for i in before.evidence_id]
    con.close()

    out = tmp_path / "drill.duckdb"
    assert cli.main(["backup", "--out", str(out), "--db", str(store_path)]) == 0

    # The change: a file withdrawn, the submission returned, a new file in a new submission.
    con = store.connect(store_path)
    closure.withdraw_evidence(con, int(before.evidence_id[0]), user="ed")
    closure.return_submission(con, CODE, reason="补材料", user="rev")
    closure.submit(con, CODE, note="补充", files=[evidence.Upload("新.jpg", jpeg_bytes("blue"))], user="ed")
    assert len(evidence.files(con, CODE, include_withdrawn=True)) == 3
    con.close()

    capsys.readouterr()
    assert cli.main(["restore", str(out), "--db", str(store_path)]) == 0
    assert "佐证材料 2 个" in capsys.readouterr().out

    con = store.connect(store_path)
    try:
        after = evidence.files(con, CODE, include_withdrawn=True)
        assert after.drop(columns="uploaded_at").equals(before.drop(columns="uploaded_at"))
        assert not after.withdrawn.any()
        assert con.execute("select sha256, content from evidence_blobs order by sha256").fetchall() == blobs_before
        assert [evidence.shown_bytes(con, int(i))[0] for i in after.evidence_id] == shown_before
        assert closure.current_state(con, CODE) == vocabulary.PENDING
    finally:
        con.close()

    # …and what the command line writes out is the very bytes that were sent.
    folder = tmp_path / "out"
    assert cli.main(["closure", "evidence", CODE, "--out", str(folder), "--db", str(store_path)]) == 0
    written = {hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.suffix != ".csv"}
    assert written == {hashlib.sha256(photo).hexdigest(), hashlib.sha256(pdf).hexdigest()}


def test_backup_info_counts_the_evidence(con, tmp_path):
    auth.create_user(con, "boss", "admin", TEST_PASSWORD)
    closure.submit(con, CODE, note="x", files=[evidence.Upload("a.pdf", PDF)], user="boss")
    info = backup.inspect_backup(backup.create_backup(con, tmp_path / "b.duckdb", actor="boss"))
    assert info.evidence == 1
