"""Monthly uploads: decode -> find header -> normalise -> stage -> check -> commit.

The same pipeline serves the upload page and `python -m rectification import`, for the monthly
figures (月报) and the status ledger (整改台账). Nothing is written unless every row passes; the write
is one transaction that also records the upload and the audit row.

The modules depend one way, each only on those above it:
  problems (Problem, Refused, cell text) <- reading (bytes -> sheets) <- header (find the header row)
  <- values (months, numbers) <- staging (Staged) <- figures, ledger <- pipeline (stage, plan, commit).
This module re-exports what the rest of the code uses, so callers write `ingest.import_file(...)`.
"""

from rectification.ingest.header import FIGURES, LEDGER, Header, Layout, find_header
from rectification.ingest.pipeline import (
    HOLD_IN_TRANSACTION_ENV,
    Plan,
    Result,
    commit,
    finding_labels,
    held_by,
    import_file,
    plan,
    preview,
    stage,
)
from rectification.ingest.problems import Problem, Refused, cell_text, problems_frame, refuse, shown
from rectification.ingest.reading import Sheet, check_size, read_sheets, size_text
from rectification.ingest.staging import Staged
from rectification.ingest.values import month_of, parse_month

__all__ = [
    "FIGURES",
    "HOLD_IN_TRANSACTION_ENV",
    "LEDGER",
    "Header",
    "Layout",
    "Plan",
    "Problem",
    "Refused",
    "Result",
    "Sheet",
    "Staged",
    "cell_text",
    "check_size",
    "commit",
    "finding_labels",
    "find_header",
    "held_by",
    "import_file",
    "month_of",
    "parse_month",
    "plan",
    "preview",
    "problems_frame",
    "read_sheets",
    "refuse",
    "shown",
    "size_text",
    "stage",
]
