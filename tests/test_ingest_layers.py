"""The ingest package depends one way: each module imports only the modules below it in LAYERS."""

from __future__ import annotations

import ast
from pathlib import Path

import rectification.ingest

PACKAGE = Path(rectification.ingest.__file__).parent
# Lowest first; a module may import only those before it (figures and ledger never each other).
LAYERS = ["problems", "reading", "header", "values", "staging", "figures", "ledger", "pipeline"]
SIBLINGS = {("ledger", "figures"), ("figures", "ledger")}


def ingest_imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith("rectification.ingest."):
                names.add(node.module.rsplit(".", 1)[1])
            elif node.module == "rectification.ingest":
                names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name.rsplit(".", 1)[1] for a in node.names if a.name.startswith("rectification.ingest."))
    return names


def test_every_module_is_in_a_layer():
    assert {p.stem for p in PACKAGE.glob("*.py")} - {"__init__"} == set(LAYERS)


def test_the_dependency_runs_one_way():
    backwards = []
    for module in LAYERS:
        for imported in ingest_imports(PACKAGE / f"{module}.py"):
            if (
                imported not in LAYERS
                or LAYERS.index(imported) >= LAYERS.index(module)
                or (module, imported) in SIBLINGS
            ):
                backwards.append(f"{module} imports {imported}")
    assert backwards == []


def test_the_package_keeps_the_names_callers_use():
    from rectification import ingest
    from rectification.ingest import ledger

    for name in ["FIGURES", "LEDGER", "Staged", "Plan", "Problem", "Refused", "import_file", "preview", "plan"]:
        assert hasattr(ingest, name), name
    assert callable(ingest.commit) and callable(ingest.stage)
    assert callable(ledger.ledger_form) and ledger.FORM_COLUMNS[0] == "月份"
