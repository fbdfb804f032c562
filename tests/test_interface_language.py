"""Every selectbox and multiselect passes a Chinese placeholder: Streamlit's own is 「Choose an option」,
shown whenever the box has no value or its text is deleted (which a user can always do, to type a search)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UI_FILES = [
    ROOT / "dashboard.py",
    *sorted((ROOT / "ui").rglob("*.py")),
]
CHOOSERS = {"selectbox", "multiselect"}


def chooser_calls(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in CHOOSERS:
            yield node


def test_every_selectbox_and_multiselect_has_a_placeholder():
    calls = [(path, call) for path in UI_FILES for call in chooser_calls(path)]
    assert len(calls) > 30  # the scan sees the pages' choosers (a wrong glob would pass on nothing)
    missing = [
        f"{path.relative_to(ROOT)}:{call.lineno}"
        for path, call in calls
        if not any(keyword.arg == "placeholder" for keyword in call.keywords)
    ]
    assert not missing, missing
