"""Evidence files (佐证材料) as untrusted input: type by content, size limit, images re-encoded,
bytes stored once per SHA-256 inside the store (so a backup holds every file)."""

from __future__ import annotations

import hashlib
import io
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
from PIL import Image, ImageOps

from rectification.core import config, tables
from rectification.core.store import keep_blob, query

MAX_NAME = 120
MAX_CAPTION = 200
MAX_FILES = 20
# A photo larger than this on its longer side is scaled down for display (the original is kept).
DISPLAY_MAX_SIDE = 2560
# Pillow refuses images above this many pixels instead of decoding a decompression bomb.
MAX_PIXELS = 80_000_000
GPS_IFD = 0x8825

ALLOWED = "照片（JPG、PNG）、PDF、Word / Excel / WPS 文档"
KIND_LABELS = {"image": "照片", "pdf": "PDF", "document": "文档"}


class EvidenceError(ValueError):
    """A refused evidence file; str() is a Chinese message naming the file and the reason."""


@dataclass(frozen=True)
class Upload:
    """One file as the user sent it, with its caption."""

    name: str
    data: bytes
    caption: str = ""


@dataclass(frozen=True)
class Checked:
    """A file that passed the checks: what it really is, and the copy to show for an image."""

    name: str
    caption: str
    data: bytes
    sha256: str
    kind: str
    media_type: str
    extension: str
    display: bytes | None = None
    display_sha256: str | None = None


# What some refused files really are, so the message can say so.
_KNOWN_BAD = (
    (b"MZ", "Windows 可执行程序（.exe/.dll）"),
    (b"\x7fELF", "Linux 可执行程序"),
    (b"#!", "脚本"),
    (b"Rar!", "RAR 压缩包"),
    (b"7z\xbc\xaf\x27\x1c", "7z 压缩包"),
)


def _ooxml(data: bytes) -> tuple[str, str] | None:
    """(media type, extension) of a Word or Excel file saved as Office Open XML (also by WPS)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if any(n.startswith("word/") for n in names):
        return "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"
    if any(n.startswith("xl/") for n in names):
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"
    return None


def detect(data: bytes) -> tuple[str, str, str] | None:
    """(kind, media type, extension) decided by the file's first bytes, never by its name; None
    for anything not allowed."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image", "image/jpeg", "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image", "image/png", "png"
    if data.startswith(b"%PDF-"):
        return "pdf", "application/pdf", "pdf"
    if data.startswith(b"PK\x03\x04"):
        found = _ooxml(data)
        return ("document", *found) if found else None
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        # OLE compound file: Word/Excel 97-2003 and WPS's own .wps/.et. Stored and handed back, never opened.
        return "document", "application/x-ole-storage", "doc"
    return None


def _what_it_is(data: bytes) -> str:
    for magic, label in _KNOWN_BAD:
        if data.startswith(magic):
            return f"，文件实际为{label}"
    return ""


def clean_text(text: str | None, limit: int) -> str:
    """One line of user text, control characters removed, at most `limit` characters."""
    text = "".join(ch for ch in (text or "") if ch.isprintable() or ch == " ").strip()
    return text[:limit]


def display_name(name: str) -> str:
    """The name as shown: the last path component only, control characters removed."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    return clean_text(base, MAX_NAME) or "未命名文件"


def _reencode(data: bytes, media_type: str, keep_gps: bool) -> bytes:
    """The image decoded and encoded again: nothing but pixels (and, if kept, the GPS position)
    survives, the orientation applied, the longer side at most DISPLAY_MAX_SIDE."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            exif = img.getexif()
            gps = exif.get_ifd(GPS_IFD) if keep_gps else None
            img = ImageOps.exif_transpose(img)
            img.thumbnail((DISPLAY_MAX_SIDE, DISPLAY_MAX_SIDE))
            out = io.BytesIO()
            kept = Image.Exif()
            if gps:
                kept[GPS_IFD] = gps
            if media_type == "image/jpeg":
                img.convert("RGB").save(out, format="JPEG", quality=88, exif=kept.tobytes() if gps else b"")
            else:
                if img.mode not in ("RGB", "RGBA", "L", "LA", "P"):
                    img = img.convert("RGBA")
                img.save(out, format="PNG", exif=kept.tobytes() if gps else b"")
            return out.getvalue()


def check(upload: Upload, *, max_bytes: int | None = None, keep_gps: bool | None = None) -> Checked:
    """Check one file; EvidenceError (naming the file and the reason) if it is refused."""
    name = display_name(upload.name)
    limit = config.evidence_max_bytes() if max_bytes is None else max_bytes
    data = bytes(upload.data or b"")
    if not data:
        raise EvidenceError(f"文件「{name}」是空文件。")
    if len(data) > limit:
        raise EvidenceError(
            f"文件「{name}」超过大小上限 {limit / 1024 / 1024:g} MB（{len(data) / 1024 / 1024:.1f} MB）。"
        )
    found = detect(data)
    if found is None:
        raise EvidenceError(
            f"文件「{name}」的内容不是允许的类型（只接受{ALLOWED}）{_what_it_is(data)}。按文件内容判断，与扩展名无关。"
        )
    kind, media_type, extension = found
    display = display_sha = None
    if kind == "image":
        Image.MAX_IMAGE_PIXELS = MAX_PIXELS
        try:
            display = _reencode(data, media_type, config.evidence_keep_gps() if keep_gps is None else keep_gps)
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise EvidenceError(f"图片「{name}」无法读取（文件损坏或过大），未保存。") from exc
        display_sha = hashlib.sha256(display).hexdigest()
    return Checked(
        name=name,
        caption=clean_text(upload.caption, MAX_CAPTION),
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        kind=kind,
        media_type=media_type,
        extension=extension,
        display=display,
        display_sha256=display_sha,
    )


def check_all(uploads: list[Upload]) -> list[Checked]:
    """Every file checked before anything is stored: one bad file refuses the whole submission."""
    if len(uploads) > MAX_FILES:
        raise EvidenceError(f"一次最多提交 {MAX_FILES} 个文件。")
    return [check(u) for u in uploads]


def _store_blob(con: duckdb.DuckDBPyConnection, sha: str, data: bytes, media_type: str) -> None:
    """Content-addressed: the same bytes uploaded twice are stored once."""
    keep_blob(con, sha, data, media_type)


def store(
    con: duckdb.DuckDBPyConnection,
    files: list[Checked],
    *,
    finding_code: str,
    user: str,
    event_id: int | None = None,
    change_id: int | None = None,
) -> list[int]:
    """Inside the caller's transaction: the blobs (once each) and one evidence row per file, attached
    to a closure submission (event_id) or to a deadline-extension request (change_id)."""
    if (event_id is None) == (change_id is None):
        raise ValueError("evidence belongs to one submission or one extension request")
    ids = []
    for f in files:
        _store_blob(con, f.sha256, f.data, f.media_type)
        if f.display is not None:
            _store_blob(con, f.display_sha256, f.display, f.media_type)
        row = con.execute(
            "insert into evidence_files (event_id, change_id, finding_code, sha256, display_sha256, file_name, caption,"
            " kind, media_type, extension, uploaded_by) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) returning evidence_id",
            [
                event_id,
                change_id,
                finding_code,
                f.sha256,
                f.display_sha256,
                f.name,
                f.caption or None,
                f.kind,
                f.media_type,
                f.extension,
                user,
            ],
        ).fetchone()
        ids.append(row[0])
    return ids


def files(con: duckdb.DuckDBPyConnection, finding_code: str, *, include_withdrawn: bool = False) -> pd.DataFrame:
    """The finding's evidence, oldest first: evidence_id, event_id (a closure submission's) or change_id
    (an extension request's), file_name, caption, kind, media_type, extension, sha256, display_sha256,
    size_bytes, uploaded_by, uploaded_at, withdrawn."""
    frame = query(con, "evidence_files", finding=finding_code)
    return frame if include_withdrawn else frame[~frame.withdrawn].reset_index(drop=True)


def content(con: duckdb.DuckDBPyConnection, sha256: str) -> bytes:
    row = con.execute("select content from evidence_blobs where sha256 = ?", [sha256]).fetchone()
    if row is None:
        raise EvidenceError("文件不存在。")
    return bytes(row[0])


def shown_bytes(con: duckdb.DuckDBPyConnection, evidence_id: int) -> tuple[bytes, str, str]:
    """(bytes, media type, download name) of what pages show and hand out: an image's re-encoded
    copy, any other file as sent. The download name is made up, never the sender's."""
    row = con.execute(
        "select coalesce(display_sha256, sha256), media_type, extension, finding_code from evidence_files"
        " where evidence_id = ?",
        [evidence_id],
    ).fetchone()
    if row is None:
        raise EvidenceError(f"佐证材料不存在：{evidence_id}")
    sha, media_type, extension, finding = row
    return content(con, sha), media_type, f"{finding}_佐证{evidence_id}.{extension}"


def write_files(con: duckdb.DuckDBPyConnection, finding_code: str, out_dir: Path) -> list[Path]:
    """Every current evidence file of a finding as sent, named <id>_<sha12>.<ext> (never by the
    sender's name), plus 清单.csv mapping them to names and captions."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    listing = files(con, finding_code)
    written = []
    names = []
    for f in listing.itertuples():
        path = out_dir / f"{f.evidence_id}_{f.sha256[:12]}.{f.extension}"
        path.write_bytes(content(con, f.sha256))
        written.append(path)
        names.append(path.name)
    index = pd.DataFrame(
        {
            "文件": names,
            "原文件名": listing.file_name,
            "说明": listing.caption.fillna(""),
            "类型": listing.kind.map(KIND_LABELS),
            "随附于": [
                f"销号申请 #{int(event)}" if pd.notna(event) else f"延期申请 #{int(change)}"
                for event, change in zip(listing.event_id, listing.change_id, strict=True)
            ],
            "SHA-256": listing.sha256,
            "提交人": listing.uploaded_by,
            "提交时间": listing.uploaded_at.astype(str),
        }
    )
    (out_dir / "清单.csv").write_bytes(tables.to_csv_bytes(index))
    return written
