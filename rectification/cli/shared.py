"""What every command group shares: the user-facing error, argument types, and writing a command's output."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import pandas as pd

from rectification import ingest
from rectification.core import tables


class CliError(Exception):
    """A user-facing failure: printed as a message, exit status 1."""


def month_argument(text: str) -> str:
    month = ingest.parse_month(text)
    if month is None:
        raise argparse.ArgumentTypeError(f"月份格式应为 YYYY-MM：{text}")
    return month


def date_argument(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD：{text}") from exc


def write_output(out: str | None, data: bytes) -> None:
    """To the --out file, else to standard output."""
    if out:
        Path(out).write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


def write_csv(out: str | None, frame: pd.DataFrame) -> None:
    # A file gets the BOM Excel needs to read UTF-8; a pipe does not, so the next tool sees clean text.
    write_output(out, tables.to_csv_bytes(frame, bom=bool(out)))
