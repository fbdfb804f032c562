"""The words in rectification/core/vocabulary.py are the words the SQL checks allow: a migration that
adds a status, a kind or a role fails here until the vocabulary has it too (and the other way round)."""

import re

import pytest

from rectification.catalogue import admin
from rectification.core import store, vocabulary
from rectification.workflow import auth, evidence

# Each `column in (...)` check in the migrated store, and the vocabulary tuple it must equal.
CHECKED_WORDS = {
    ("finding_status", "status"): vocabulary.REPORTED_STATUSES,
    ("closure_events", "kind"): vocabulary.CLOSURE_EVENTS,
    ("deadline_changes", "kind"): vocabulary.DEADLINE_CHANGES,
    ("uploads", "kind"): vocabulary.UPLOAD_KINDS,
    ("evidence_files", "kind"): vocabulary.EVIDENCE_KINDS,
    ("metrics", "kind"): vocabulary.METRIC_KINDS,
    ("users", "role"): vocabulary.ROLES,
    ("programme", "kind"): vocabulary.PROGRAMME_KINDS,
}

_IN_LIST = re.compile(r"^\(\"?(\w+)\"? IN \((.*)\)\)$")


def in_list_checks() -> dict[tuple[str, str], tuple[str, ...]]:
    """Every CHECK of the form `column IN ('a', 'b')` in a freshly migrated store and a rectification's
    schema, by table and column."""
    con = store.connect(":memory:")
    try:
        with store.transaction(con, bump=False):
            store.build_programme_schema(con, "p1")
        rows = con.execute(
            "select table_name, expression from duckdb_constraints()"
            " where constraint_type = 'CHECK' and database_name = current_database()"
        ).fetchall()
    finally:
        con.close()
    found = {}
    for table, expression in rows:
        match = _IN_LIST.match(expression)
        if match:
            column, words = match.groups()
            found[(table, column)] = tuple(re.findall(r"'((?:[^']|'')*)'", words))
    return found


@pytest.fixture(scope="module")
def checks():
    return in_list_checks()


def test_every_in_list_check_has_a_vocabulary_tuple(checks):
    assert set(checks) == set(CHECKED_WORDS), (
        "a CHECK (... IN (...)) without its tuple in vocabulary.py, or the reverse"
    )


@pytest.mark.parametrize("table_column", sorted(CHECKED_WORDS), ids="{0[0]}.{0[1]}".format)
def test_check_allows_exactly_the_vocabulary(checks, table_column):
    assert checks[table_column] == CHECKED_WORDS[table_column]


def test_the_labels_cover_the_vocabulary():
    assert tuple(auth.ROLE_LABELS) == vocabulary.ROLES
    assert tuple(evidence.KIND_LABELS) == vocabulary.EVIDENCE_KINDS
    assert tuple(admin.KIND_LABELS) == vocabulary.METRIC_KINDS


def test_closure_states_are_the_reported_statuses_with_done_split_in_two():
    assert set(vocabulary.CLOSURE_STATES) - {vocabulary.PENDING, vocabulary.CLOSED} == set(
        vocabulary.REPORTED_STATUSES
    ) - {vocabulary.REPORTED_DONE}
