"""Upload files made the way staff make them (Excel/WPS on Chinese Windows), and store helpers
for the ingest tests."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

from rectification import cli
from rectification.core import store
from snapshot import store_snapshot

COUNT = "F05_DISSUADE_SESSIONS"  # 头盔劝导场次, count, 场次
COUNT2 = "ORG_SYSTEMS_ISSUED"  # 新增修订制度方案, count, 项
LEVEL = "F05_PERSUADERS"  # 村居交通劝导员, level, 名
PCT = "L1_CHECKPOINTS_REPAIRED_PCT"  # 一类视频卡口修复率, level, %


def csv_bytes(rows: list[list], *, encoding: str = "utf-8", sep: str = ",", newline: str = "\r\n") -> bytes:
    """Cells written the way Excel writes "CSV (逗号分隔)" / "Unicode 文本": quoted only when needed."""
    text = io.StringIO()
    csv.writer(text, delimiter=sep, lineterminator=newline).writerows(rows)
    return text.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list], *, title: str | None = None, sheet: str = "Sheet1", before=None, after=None) -> bytes:
    """An xlsx written by openpyxl: an optional merged title row and unit row above the header,
    then `rows` (header first). `before(book)` / `after(ws)` customise it."""
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = sheet
    if before:
        before(book)
    if title:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=6)
        ws.append(["填报单位：交警大队", None, None, "填报人：张三"])
    for row in rows:
        ws.append(row)
    if after:
        after(ws)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_cached_values(data: bytes, values: dict[str, str]) -> bytes:
    """Give formula cells the cached value Excel stores when it saves: <f>…</f><v>value</v>."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename.startswith("xl/worksheets/sheet"):
                text = content.decode("utf-8")
                for ref, value in values.items():
                    text = re.sub(rf'(<c r="{ref}"[^>]*>\s*<f>[^<]*</f>)\s*<v\s*(/>|></v>)', rf"\1<v>{value}</v>", text)
                content = text.encode("utf-8")
            target.writestr(info, content)
    return out.getvalue()


def snapshot(path: Path) -> dict:
    con = store.connect(path)
    try:
        return store_snapshot(con)
    finally:
        con.close()


def run(store_path: Path, *args: str, capsys) -> tuple[int, str, str]:
    """The CLI in-process: (exit code, stdout, stderr)."""
    code = cli.main([*args, "--db", str(store_path)])
    out = capsys.readouterr()
    return code, out.out, out.err


def import_bytes(store_path: Path, tmp_path: Path, data: bytes, name: str, *args: str, capsys) -> tuple[int, str, str]:
    path = tmp_path / name
    path.write_bytes(data)
    return run(store_path, "import", str(path), *args, capsys=capsys)


def assert_refused(store_path: Path, tmp_path: Path, data: bytes, name: str, *args: str, capsys) -> str:
    """Import must exit 1 with a message, no traceback, and leave every table as it was."""
    before = snapshot(store_path)
    code, _, err = import_bytes(store_path, tmp_path, data, name, *args, capsys=capsys)
    assert code == 1, err
    assert err.strip() and "Traceback" not in err
    assert snapshot(store_path) == before
    return err


def current(store_path: Path, code: str, month: str) -> float | None:
    con = store.connect(store_path)
    try:
        row = con.execute(
            "select value from current_observations where metric_code = ? and strftime(month, '%Y-%m') = ?",
            [code, month],
        ).fetchone()
    finally:
        con.close()
    return row[0] if row else None


def fetch(store_path: Path, sql: str, params=None) -> list[tuple]:
    con = store.connect(store_path)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()
