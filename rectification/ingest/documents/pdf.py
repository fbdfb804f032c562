"""A PDF's text layer as the paragraphs a reader sees (pdfplumber). A PDF stores placed glyphs, not
paragraphs, so they are put back together from the page geometry:

- glyphs are grouped into lines by baseline and read left to right (a PDF's own glyph order is not the
  reading order: LibreOffice, for one, draws quotation marks after the line they sit in);
- spaces are the space glyphs the PDF has; gaps are not taken for spaces, because word processors widen
  the gap between Chinese and digits (2024 年) without there being a space;
- running heads and page numbers (— 3 —, 第 3 页 共 9 页, a title repeated on every page) are dropped;
- a line starts a paragraph when it is indented or centred (公文 indent two characters), after a wider
  gap than the lines of a paragraph have (web pages print that way), or when the line before it stopped
  short of the margin after a full stop or before a heading number.

A PDF without a text layer (a scan), an encrypted or a damaged one is refused with what to do instead."""

from __future__ import annotations

import io
import logging
import re
import statistics
import unicodedata
from dataclasses import dataclass

from rectification.ingest.problems import Refused, refuse

MAX_PAGES = 200  # a 通报 runs to tens of pages; more is a wrong file, and reading it would take minutes
MIN_TEXT_PER_PAGE = 20  # a scan may carry a stray OCR'd page number or a watermark, not a text layer

PAGE_NUMBER = re.compile(r"^[\s—–\-－_·•]*(第\s*)?\d+(\s*页)?(\s*[/／]\s*\d+|\s*共\s*\d+\s*页)?[\s—–\-－_·•]*$")
HEADING_START = re.compile(
    r"^(第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+[、．.]|[（(][一二三四五六七八九十\d]+[）)]|\d+[、．.])"
)
ENDS_SENTENCE = tuple("。！？；：”’）)》")

# Fonts that map CJK glyphs to the Kangxi radicals (U+2F00…) or the radicals supplement (U+2E80…) make
# 月 come out as ⽉ and 见 as ⻅. NFKC folds the Kangxi block; the supplement's stand-alone forms are here,
# with the two- and three-em dashes fonts draw for —— and ———.
GLYPHS_AS_TYPED = str.maketrans(
    "⺁⺝⺟⺠⺧⺩⺬⺶⻁⻄⻅⻆⻉⻋⻓⻔⻙⻚⻛⻜⻝⻢⻣⻤⻥⻦⻧⻨⻩⻪⻬⻮⻰⻳",
    "厂月母民牛王示羊虎西见角贝车长门韦页风飞食马骨鬼鱼鸟卤麦黄黾齐齿龙龟",
) | str.maketrans({"⸺": "——", "⸻": "———"})


@dataclass
class Line:
    page: int
    text: str
    x0: float
    x1: float
    top: float
    size: float


def paragraphs(data: bytes) -> list[str]:
    """The PDF's running text as paragraphs, in reading order."""
    lines = _lines(data)
    body = _drop_running_heads(lines)
    if not body:
        raise refuse("PDF 中除页码、页眉外没有正文文字：请检查是否选错文件")
    return _join(body)


def _open(data: bytes):
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # it logs every odd font descriptor
    try:
        return pdfplumber.open(io.BytesIO(data))
    except Exception as exc:  # pdfminer raises many kinds of errors on damaged files
        # pdfplumber wraps pdfminer's error as the first argument of its own
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc
        if isinstance(cause, PDFPasswordIncorrect | PDFEncryptionError):
            raise refuse("PDF 设有打开密码，无法读取文字：请向发文单位索取未加密的文件或 Word 版") from exc
        raise refuse(f"PDF 文件已损坏，无法读取（{type(cause).__name__}）：请重新下载或另存后重试") from exc


def _lines(data: bytes) -> list[Line]:
    pdf = _open(data)
    with pdf:
        try:
            pages = pdf.pages
            if len(pages) > MAX_PAGES:
                raise refuse(
                    f"PDF 有 {len(pages)} 页，超过 {MAX_PAGES} 页：通报或问题清单不会这么长，请检查是否选错文件"
                )
            lines = [line for number, page in enumerate(pages, 1) for line in _page_lines(number, page.chars)]
        except Refused:
            raise
        except Exception as exc:
            raise refuse(f"PDF 文件已损坏，无法读取（{type(exc).__name__}）：请重新下载或另存后重试") from exc
        page_count = len(pages)
    if sum(len(line.text.strip()) for line in lines) < MIN_TEXT_PER_PAGE * page_count:
        raise refuse(
            "PDF 没有可读取的文字（可能是扫描件或图片）：请向发文单位索取 Word 版或带文字的 PDF，"
            "或用 WPS 的“图片转文字”后另存为 .docx 再试"
        )
    return lines


def _page_lines(number: int, chars: list[dict]) -> list[Line]:
    """Upright glyphs grouped into lines by baseline; a rotated watermark is not text to read."""
    glyphs = sorted((c for c in chars if c.get("upright", True) and c["text"]), key=lambda c: (c["bottom"], c["x0"]))
    rows: list[list[dict]] = []
    for glyph in glyphs:
        if rows and abs(glyph["bottom"] - rows[-1][0]["bottom"]) < 0.5 * max(glyph["size"], 1):
            rows[-1].append(glyph)
        else:
            rows.append([glyph])
    return [_line(number, row) for row in rows if "".join(c["text"] for c in row).strip()]


def _line(number: int, row: list[dict]) -> Line:
    row.sort(key=lambda c: c["x0"])
    text = "".join(_as_typed(c["text"]) for c in row)
    inked = [c for c in row if c["text"].strip()]
    return Line(
        page=number,
        text=text,
        x0=inked[0]["x0"],
        x1=inked[-1]["x1"],
        top=min(c["top"] for c in row),
        size=statistics.median(c["size"] for c in inked),
    )


def _as_typed(glyph: str) -> str:
    """A glyph's text as it was typed: a radical that stands for a character as that character, a
    ligature (ﬁ, or the one glyph fonts draw for ——) as its letters; anything else as it is (NFKC on the
    whole line would also turn the full-width （） of the text into ASCII)."""
    if "\u2f00" <= glyph <= "\u2fdf" or "\ufb00" <= glyph <= "\ufb06":
        return unicodedata.normalize("NFKC", glyph)
    return glyph.translate(GLYPHS_AS_TYPED)


def _drop_running_heads(lines: list[Line]) -> list[Line]:
    """Without page numbers and without a line repeated at the same height on most pages."""
    pages = {line.page for line in lines}
    seen: dict[tuple[str, int], set[int]] = {}
    for line in lines:
        seen.setdefault(_running_key(line), set()).add(line.page)
    repeated = {key for key, on in seen.items() if len(pages) >= 3 and len(on) * 2 >= len(pages)}
    return [line for line in lines if not PAGE_NUMBER.match(line.text) and _running_key(line) not in repeated]


def _running_key(line: Line) -> tuple[str, int]:
    return re.sub(r"\d+", "#", line.text.strip()), round(line.top / 4)


def _join(lines: list[Line]) -> list[str]:
    size = statistics.median(line.size for line in lines)
    left = statistics.mode(round(line.x0) for line in lines)
    right = sorted(line.x1 for line in lines)[int(len(lines) * 0.9)]
    pitches = [b.top - a.top for a, b in zip(lines, lines[1:], strict=False) if a.page == b.page and b.top > a.top]
    pitch = statistics.median(pitches) if pitches else size * 1.5
    paragraphs: list[str] = []
    for previous, line in zip([None, *lines], lines, strict=False):
        if previous is None or _starts_paragraph(previous, line, left, right, size, pitch):
            paragraphs.append(line.text)
        else:
            paragraphs[-1] += line.text
    return paragraphs


def _starts_paragraph(previous: Line, line: Line, left: float, right: float, size: float, pitch: float) -> bool:
    if line.x0 > left + 0.8 * size:  # indented first line, or a centred title
        return True
    if line.page == previous.page and line.top - previous.top > pitch + 0.3 * size:  # space between paragraphs
        return True
    short = right - previous.x1
    if short > 4 * size:
        return True
    ends_sentence = previous.text.rstrip().endswith(ENDS_SENTENCE)
    return short > size and (ends_sentence or bool(HEADING_START.match(line.text)))
