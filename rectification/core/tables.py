"""Frames as the files people open: CSV for Excel on Chinese Windows and XLSX, formulas neutralised."""

from __future__ import annotations

import csv
import io

import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Text that Excel would run as a formula gets a leading apostrophe; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def number_text(value) -> str:
    """2629.0 -> '2629', 12.5 -> '12.5', missing -> ''."""
    if value is None or pd.isna(value):
        return ""
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:.6g}"


def to_csv_bytes(frame: pd.DataFrame, *, bom: bool = True) -> bytes:
    """CSV as Excel on Chinese Windows opens it: UTF-8 with BOM, CRLF, formulas neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(frame.columns)
    for row in frame.itertuples(index=False):
        writer.writerow(_csv_cell(v) for v in row)
    return (("\ufeff" if bom else "") + out.getvalue()).encode("utf-8")


def _csv_cell(value):
    if value is None or (not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        return number_text(value)
    return safe_cell(value)


def to_xlsx_bytes(frame: pd.DataFrame, *, sheet: str = "月报", widths: dict[str, int] | None = None) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        ws.append([None if (v is None or (isinstance(v, float) and pd.isna(v))) else safe_cell(v) for v in row])
    for index, column in enumerate(frame.columns, start=1):
        ws.column_dimensions[ws.cell(1, index).column_letter].width = (widths or {}).get(column, 14)
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
