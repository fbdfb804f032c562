"""Shared fixtures: a real DuckDB store in a temp directory, built by the real `init`."""

from __future__ import annotations

from pathlib import Path

import pytest

from rectification import bootstrap, store

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def demo_store_template(tmp_path_factory) -> Path:
    """A demo store built once; tests copy it rather than rebuild it."""
    path = tmp_path_factory.mktemp("template") / "demo.duckdb"
    con = store.connect(path)
    bootstrap.initialise(con, sample=True)
    con.close()
    return path


@pytest.fixture
def store_path(tmp_path, demo_store_template, monkeypatch) -> Path:
    """A fresh copy of the demo store; RECTIFICATION_DB points at it for CLI and app."""
    path = tmp_path / "rectification.duckdb"
    path.write_bytes(demo_store_template.read_bytes())
    monkeypatch.setenv("RECTIFICATION_DB", str(path))
    return path


@pytest.fixture
def con(store_path):
    connection = store.connect(store_path)
    yield connection
    connection.close()


@pytest.fixture
def empty_store_path(tmp_path, monkeypatch) -> Path:
    """A store with the catalogue and opening balances only (init --no-sample)."""
    path = tmp_path / "nosample.duckdb"
    con = store.connect(path)
    bootstrap.initialise(con, sample=False)
    con.close()
    monkeypatch.setenv("RECTIFICATION_DB", str(path))
    return path
