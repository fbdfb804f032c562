"""Every setting of the project: its name, default and one line of help, in one place."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SQL_DIR = ROOT / "sql"
DATA_DIR = ROOT / "data"
CATALOGUE_DIR = DATA_DIR / "catalogue"


@dataclass(frozen=True)
class Setting:
    env: str
    default: str
    help: str

    def get(self) -> str:
        return os.environ.get(self.env, self.default)


SETTINGS = {
    "db": Setting(
        "RECTIFICATION_DB",
        str(DATA_DIR / "rectification.duckdb"),
        "Path of the DuckDB store file; `--db PATH` on the command line overrides it.",
    ),
    "max_upload_mb": Setting(
        "RECTIFICATION_MAX_UPLOAD_MB",
        "20",
        "Largest upload accepted, in megabytes (files above it are refused before parsing).",
    ),
    "login_required": Setting(
        "RECTIFICATION_LOGIN_REQUIRED",
        "0",
        "1 = viewing the dashboard also requires a login; 0 = anyone on the network may look.",
    ),
    "session_idle_minutes": Setting(
        "RECTIFICATION_SESSION_IDLE_MINUTES",
        "30",
        "Minutes of inactivity after which a signed-in session ends.",
    ),
    "evidence_max_mb": Setting(
        "RECTIFICATION_EVIDENCE_MAX_MB",
        "20",
        "Largest evidence file (佐证材料) accepted, in megabytes, per file.",
    ),
    "evidence_keep_gps": Setting(
        "RECTIFICATION_EVIDENCE_KEEP_GPS",
        "0",
        "1 = photos shown and handed out keep their EXIF GPS position; 0 = it is stripped when re-encoding.",
    ),
    "deadline_notice_days": Setting(
        "RECTIFICATION_DEADLINE_NOTICE_DAYS",
        "20",
        "A finding due within this many days is listed as 临近期限 (notice) in 需要关注 and the 催办单.",
    ),
    "deadline_warning_days": Setting(
        "RECTIFICATION_DEADLINE_WARNING_DAYS",
        "10",
        "A finding due within this many days is shown yellow (预警); past its deadline it is red (逾期).",
    ),
    "recheck_months": Setting(
        "RECTIFICATION_RECHECK_MONTHS",
        "3",
        "Default months between sign-off (销号) and the re-check (回头看) the reviewer sets.",
    ),
}


def db_path(cli_value: str | None = None) -> Path:
    """The store's path: --db, else RECTIFICATION_DB, else data/rectification.duckdb."""
    return Path(cli_value or SETTINGS["db"].get())


def max_upload_bytes() -> int:
    return int(float(SETTINGS["max_upload_mb"].get()) * 1024 * 1024)


def login_required() -> bool:
    return SETTINGS["login_required"].get().strip() in {"1", "true", "yes"}


def session_idle_minutes() -> int:
    return int(SETTINGS["session_idle_minutes"].get())


def evidence_max_bytes() -> int:
    return int(float(SETTINGS["evidence_max_mb"].get()) * 1024 * 1024)


def evidence_keep_gps() -> bool:
    return SETTINGS["evidence_keep_gps"].get().strip() in {"1", "true", "yes"}


def deadline_days() -> tuple[int, int]:
    """(notice, warning): days left at which a deadline becomes 临近 and then 预警."""
    return int(SETTINGS["deadline_notice_days"].get()), int(SETTINGS["deadline_warning_days"].get())


def recheck_months() -> int:
    return int(SETTINGS["recheck_months"].get())
