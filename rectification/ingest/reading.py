"""Reading: bytes -> rows of cells numbered as the spreadsheet numbers them (rows[0] is row 1).

CSV (BOM, UTF-8 or GB18030/GBK) and .xlsx, checked for size, zip bombs and DTDs before anything unpacks."""

from __future__ import annotations

import csv
import io
import zipfile
import zlib
from dataclasses import dataclass, field

from rectification.core.config import max_upload_bytes
from rectification.ingest.problems import Refused, refuse

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls and WPS .et: the pre-2007 binary formats
ZIP_MAGIC = b"PK\x03\x04"
# What a monthly form can reasonably unpack to; an xlsx far beyond it is a zip bomb, not a form.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100  # real sheets compress 5-30x; bombs compress 1000x and more
MAX_ZIP_MEMBERS = 2000
MAX_ROWS = 50_000
RESAVE = "请在 Excel/WPS 中打开并保存后重新上传"


@dataclass
class Sheet:
    name: str
    rows: list[list]
    uncached: set[tuple[int, int]] = field(default_factory=set)  # (row, column) of formulas with no value
    percent: set[tuple[int, int]] = field(default_factory=set)  # numbers formatted as 12.5% (stored 0.125)


def size_text(size: float) -> str:
    """Bytes as the page states every size: MB of 1,048,576 bytes (as Windows counts them)."""
    return f"{size / 1048576:.1f} MB" if size % 1048576 else f"{size // 1048576:.0f} MB"


def check_size(size: int) -> None:
    limit = max_upload_bytes()
    if size > limit:
        raise refuse(f"文件过大（{size_text(size)}，{size:,} 字节），上限为 {size_text(limit)}（{limit:,} 字节）")


def read_sheets(data: bytes, file_name: str = "") -> list[Sheet]:
    """Candidate sheets in order of preference; the first with a recognised header is used."""
    check_size(len(data))
    if not data.strip(b" \t\r\n\x00"):
        raise refuse("文件为空")
    if data.startswith(ZIP_MAGIC):
        return read_xlsx(data)
    if data.startswith(OLE_MAGIC):
        # Also what a password-protected .xlsx looks like: an encrypted package inside an OLE file.
        raise refuse(
            "不支持旧版 .xls/.et 文件或设了密码的工作簿，请在 Excel/WPS 中“另存为”（不设密码）.xlsx 或 CSV 后重新上传"
        )
    text = decode(data)
    # The delimiter is whichever one makes a known header appear: the header decides, not a guess.
    return [
        Sheet(f"CSV（{name}分隔）", _csv_rows(text, sep))
        for sep, name in ((",", "逗号"), ("\t", "制表符"), (";", "分号"))
    ]


def decode(data: bytes) -> str:
    """BOM, then UTF-8, then GB18030 (what Excel writes on Chinese Windows); anything else is refused."""
    text = None
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                break
            break
    else:
        # GB18030, not GBK: GBK cannot decode rarer names such as 王䶮.
        for encoding in ("utf-8", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
    # NUL characters mean UTF-16 without a BOM or a binary file, neither of which we can trust.
    if text is None or "\x00" in text:
        raise refuse("无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV（或 .xlsx）后重新上传")
    return text


def _csv_rows(text: str, delimiter: str) -> list[list]:
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:  # e.g. a quoted field that never ends
        raise refuse(f"CSV 文件格式无法读取（{exc}），请用 Excel/WPS 重新另存为 CSV") from exc
    if len(rows) > MAX_ROWS:
        raise refuse(f"文件超过 {MAX_ROWS} 行，不是一份月报")
    return rows


NOT_A_WORKBOOK = "文件不是 Excel 工作簿（.xlsx），请另存为 .xlsx 或 CSV 后重新上传"


def check_archive(
    data: bytes, required: str = "xl/workbook.xml", not_it: str = NOT_A_WORKBOOK, damaged: str | None = None
) -> zipfile.ZipFile:
    """Look at the zip's directory before anything unpacks it: size, ratio, member count, DTDs; `required`
    is the member that makes it the kind of file expected (a .docx is checked the same way, `damaged`
    then saying what to do with a broken one)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise refuse(damaged or f"文件已损坏或不是有效的 Excel 文件，{RESAVE}") from exc
    unpacked = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    bomb = (
        len(infos) > MAX_ZIP_MEMBERS
        or unpacked > MAX_UNPACKED_BYTES
        or (unpacked > 1048576 and unpacked > MAX_COMPRESSION_RATIO * max(packed, 1))
        or any(i.file_size > 1048576 and i.file_size > MAX_COMPRESSION_RATIO * max(i.compress_size, 1) for i in infos)
    )
    if bomb:
        raise refuse(f"文件解压后体积异常（{unpacked / 1048576:.0f} MB，疑似压缩炸弹），已拒绝")
    names = {i.filename for i in infos}
    if required not in names:
        raise refuse(not_it)
    try:
        unsafe = any(i.filename.endswith((".xml", ".rels")) and _has_dtd(archive, i) for i in infos)
    except (RuntimeError, zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:  # encrypted or damaged members
        raise refuse(f"文件已损坏或无法解压，{RESAVE}") from exc
    if unsafe:
        raise refuse("文件含有不安全的 XML 内容（DTD/实体声明），已拒绝")
    return archive


def _has_dtd(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Excel and WPS never write a DTD; one in an xlsx can only be an entity-expansion attack."""
    tail = b""
    with archive.open(info) as member:
        while chunk := member.read(1 << 20):
            window = tail + chunk
            if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                return True
            tail = window[-16:]
    return False


def read_xlsx(data: bytes) -> list[Sheet]:
    """Every worksheet, those named like 月报/台账 first; values as Excel last calculated them."""
    import openpyxl
    from openpyxl import load_workbook

    archive = check_archive(data)
    # openpyxl parses worksheets through defusedxml when it is installed (openpyxl/xml/functions.py);
    # check_archive has already refused DTDs, so this is the second of two locks.
    assert openpyxl.DEFUSEDXML, "defusedxml must be installed for openpyxl"
    try:
        values = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        formulas = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        names = sorted(values.sheetnames, key=lambda n: 0 if any(k in n for k in ("月报", "台账", "上报")) else 1)
        return [_read_worksheet(archive, values[name], formulas[name]) for name in names]
    except Refused:
        raise
    except Exception as exc:  # openpyxl raises many kinds of errors on damaged files
        raise refuse(f"无法读取该 Excel 文件（{type(exc).__name__}），{RESAVE}") from exc


def _read_worksheet(archive: zipfile.ZipFile, values_ws, formulas_ws) -> Sheet:
    # WPS and some tools write a wrong <dimension>; without a reset read_only stops at it.
    values_ws.reset_dimensions()
    formulas_ws.reset_dimensions()
    rows: list[list] = []
    percent: set[tuple[int, int]] = set()
    for r, cells in enumerate(values_ws.iter_rows(), start=1):
        if r > MAX_ROWS:
            raise refuse(f"工作表「{values_ws.title}」超过 {MAX_ROWS} 行，不是一份月报")
        row = []
        for c, cell in enumerate(cells, start=1):
            value = getattr(cell, "value", None)
            if isinstance(value, int | float) and not isinstance(value, bool) and "%" in (cell.number_format or ""):
                percent.add((r, c))
            row.append(value)
        rows.append(row)
    uncached = set()
    for r, cells in enumerate(formulas_ws.iter_rows(), start=1):
        for c, cell in enumerate(cells, start=1):
            if getattr(cell, "data_type", None) == "f" and _at(rows, r, c) is None:
                uncached.add((r, c))
    _fill_merged(rows, _merged_ranges(archive, values_ws))
    return Sheet(values_ws.title, rows, uncached, percent)


def _at(rows: list[list], r: int, c: int):
    return rows[r - 1][c - 1] if r <= len(rows) and c <= len(rows[r - 1]) else None


def _merged_ranges(archive: zipfile.ZipFile, ws) -> list[tuple[int, int, int, int]]:
    """(min_row, min_col, max_row, max_col) of merged cells; read_only mode does not read them."""
    from defusedxml.ElementTree import iterparse
    from openpyxl.utils.cell import range_boundaries

    path = getattr(ws, "_worksheet_path", None)
    if not path:
        return []
    ranges = []
    with archive.open(path.lstrip("/")) as source:
        for _, element in iterparse(source):
            if element.tag.endswith("}mergeCell") and element.get("ref"):
                min_col, min_row, max_col, max_row = range_boundaries(element.get("ref"))
                ranges.append((min_row, min_col, max_row, max_col))
            element.clear()
    return ranges


def _fill_merged(rows: list[list], ranges) -> None:
    """A merged cell shows its value in every cell it covers (a 月份 merged down the column)."""
    for min_row, min_col, max_row, max_col in ranges:
        value = _at(rows, min_row, min_col)
        for r in range(min_row, min(max_row, len(rows)) + 1):
            row = rows[r - 1]
            for c in range(min_col, min(max_col, 64) + 1):
                if c > len(row):
                    row.extend([None] * (c - len(row)))
                if (r, c) != (min_row, min_col):
                    row[c - 1] = value
