"""A rectification's own documents read into a draft catalogue for review: its published 通报
(tongbao: .txt, .docx or a PDF with a text layer) or its 问题清单 spreadsheet (spreadsheet: .xlsx or .csv).

  text (bytes → paragraphs; pdf puts a PDF's lines back into paragraphs), dates, figures (numbers with a counting unit) <- draft (the Draft, writing it)
  <- tongbao, spreadsheet (the two readers) <- this module (a file → a Draft, by its kind)."""

from __future__ import annotations

from pathlib import Path

from rectification.core.config import max_upload_bytes
from rectification.core.programme import stored_path
from rectification.ingest.documents import spreadsheet, tongbao
from rectification.ingest.documents.draft import Draft, write
from rectification.ingest.documents.text import paragraphs
from rectification.ingest.problems import refuse
from rectification.ingest.reading import size_text

__all__ = ["Draft", "read_bytes", "read_path", "read_upload", "write"]

SPREADSHEETS = (".xlsx", ".csv")
DOCUMENTS = (".txt", ".docx", ".pdf", ".doc")


def read_path(path: Path) -> Draft:
    """The draft from a file on disk; its size is checked before anything is read."""
    path = Path(path)
    if not path.is_file():
        raise refuse(f"找不到文件 {path}")
    _check_size(path.stat().st_size)
    draft = read_bytes(path.read_bytes(), path.name)
    draft.programme["source_report"] = stored_path(path)
    return draft


def read_upload(data: bytes, file_name: str) -> Draft:
    """The draft from a file a page received; its size checked first, as read_path checks a file's."""
    _check_size(len(data))
    return read_bytes(data, file_name)


def _check_size(size: int) -> None:
    limit = max_upload_bytes()
    if size > limit:
        raise refuse(
            f"文件过大（{size_text(size)}），上限为 {size_text(limit)}：通报或问题清单不会这么大，请检查是否选错文件"
        )


def read_bytes(data: bytes, file_name: str) -> Draft:
    suffix = Path(file_name).suffix.lower()
    if suffix in SPREADSHEETS:
        return spreadsheet.read(data, file_name)
    if suffix not in DOCUMENTS:
        raise refuse(
            f"不支持的文件类型「{suffix or file_name}」：请提供通报（.txt、.docx、.pdf）或问题清单（.xlsx、.csv）"
        )
    return tongbao.read(paragraphs(data, file_name))
