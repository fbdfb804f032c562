"""A document's bytes as the paragraphs a reader sees, in order: plain text (UTF-8 or GB18030, with or
without a BOM, any line ends), .docx, or a PDF with a text layer (pdf). The old binary .doc is refused
with what to do instead."""

from __future__ import annotations

import io
import re
import unicodedata

from rectification.ingest.documents import pdf
from rectification.ingest.problems import refuse
from rectification.ingest.reading import OLE_MAGIC, ZIP_MAGIC, check_archive, decode

PDF_MAGIC = b"%PDF"
# Word's hidden bookmarks survive some conversions to text as "[bookmark: _GoBack]".
BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")
SPACES = re.compile(r"[ \t\u3000\u00a0]+")


def paragraphs(data: bytes, file_name: str = "") -> list[str]:
    """Non-empty paragraphs, trimmed, in document order."""
    if not data.strip(b" \t\r\n\x00"):
        raise refuse("文件为空")
    if PDF_MAGIC in data[:1024]:  # the header may follow up to 1 KB of junk (PDF 1.7, 7.5.2)
        return [line for line in map(clean, pdf.paragraphs(data)) if line]
    if file_name.lower().endswith(".pdf"):
        raise refuse("文件名是 .pdf，内容却不是 PDF（可能是下载失败的网页）：请重新下载后重试")
    if data.startswith(OLE_MAGIC):
        raise refuse("不支持旧版 Word .doc 文件：请在 Word/WPS 中“另存为”.docx 后重试")
    if data.startswith(ZIP_MAGIC):
        return [line for line in map(clean, docx_paragraphs(data)) if line]
    return [line for line in map(clean, decode(data).splitlines()) if line]


def docx_paragraphs(data: bytes) -> list[str]:
    """The body's paragraphs in order (tables are not part of a 通报's running text)."""
    import docx

    check_archive(
        data,
        "word/document.xml",
        "文件不是 Word 文档（.docx）：请另存为 .docx 或 .txt 后重试",
        damaged="文件已损坏或不是有效的 Word 文档（.docx）：请在 Word/WPS 中打开并另存为 .docx 后重试",
    )
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many kinds of errors on damaged files
        raise refuse(
            f"无法读取该 Word 文件（{type(exc).__name__}）：请在 Word/WPS 中打开并另存为 .docx 后重试"
        ) from exc
    return [p.text for p in document.paragraphs]


def clean(line: str) -> str:
    """One paragraph: bookmarks gone, runs of spaces (ASCII, ideographic, no-break) as one, trimmed."""
    line = unicodedata.normalize("NFC", BOOKMARK.sub("", line))
    return SPACES.sub(" ", line).strip()
