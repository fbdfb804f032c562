"""The store: migrations, init, opening balances and the demo history."""

from __future__ import annotations

import random

import pytest

from rectification.catalogue import read_table
from rectification.cli import bootstrap
from rectification.core import store
from rectification.core.months import to_date
from rectification.core.programme import read_file as read_programme
from snapshot import store_snapshot
from support import assert_demo_months_add_up_to_the_report


def test_migrations_recorded_in_schema_version(con):
    versions = [row[0] for row in con.execute("select version from schema_version order by 1").fetchall()]
    assert versions == [version for version, _, _ in store.migrations()]


def test_reopening_applies_no_migration(store_path):
    con = store.connect(store_path)
    assert store.migrate(con) == []
    con.close()


def test_init_twice_changes_nothing(con):
    before = store_snapshot(con)
    message = bootstrap.initialise(con, sample=True)
    assert "未作任何更改" in message
    assert store_snapshot(con) == before


def test_catalogue_loaded_whole(con):
    counts = con.execute(
        "select (select count(*) from findings), (select count(*) from findings where is_long_term),"
        " (select count(*) from measures), (select count(*) from metrics)"
    ).fetchone()
    assert counts == (56, 2, len(read_table("measures")), len(read_table("metrics")))


def test_demo_months_add_up_to_the_report_totals(con):
    assert_demo_months_add_up_to_the_report(con)


@pytest.mark.parametrize("fixture", ["store_path", "empty_store_path"])
def test_cumulative_at_cut_off_equals_report_figure(fixture, request):
    con = store.connect(request.getfixturevalue(fixture))
    cumulative = dict(
        con.execute(
            "select metric_code, cumulative from metric_month_values where month = ?",
            [to_date(read_programme().opening_month)],
        ).fetchall()
    )
    expected = {row.metric_code: float(row.opening_value) for row in read_table("metrics").itertuples()}
    assert cumulative == pytest.approx(expected)
    con.close()


def test_demo_status_history_ends_in_the_reports_statuses(con):
    final = dict(
        con.execute(
            "select finding_code, status from current_finding_status"
            " qualify row_number() over (partition by finding_code order by month desc) = 1"
        ).fetchall()
    )
    expected = {row.finding_code: row.status for row in read_table("findings").itertuples()}
    assert final == expected
    months = con.execute("select count(distinct month) from current_finding_status").fetchone()[0]
    assert months == 8  # 2024-08 … 2025-03


def test_sample_data_is_one_labelled_upload(con):
    sources = con.execute("select source, kind from uploads order by upload_id").fetchall()
    assert sources == [("期初数据", "opening"), ("示例数据", "observations")]


def test_no_sample_store_has_no_demo_rows(empty_store_path):
    con = store.connect(empty_store_path)
    assert con.execute("select count(*) from observations").fetchone()[0] == 0
    assert con.execute("select distinct source from uploads").fetchall() == [("期初数据",)]
    con.close()


@pytest.mark.parametrize("total", [0, 1, 7, 2629, 30342])
def test_split_total_is_exact_and_non_negative(total):
    values = bootstrap.split_total(float(total), 8, random.Random(total))
    assert sum(values) == total
    assert all(v >= 0 and float(v).is_integer() for v in values)


def test_transaction_rolls_back_everything_on_error(con):
    before = store_snapshot(con)
    with pytest.raises(RuntimeError):
        with store.transaction(con):
            con.execute("insert into audit_log (user_name, action) values ('x', 'test')")
            raise RuntimeError("boom")
    assert store_snapshot(con) == before


def test_init_is_audited_in_each_rectification_it_builds(con):
    assert con.execute(
        "select user_name, action, detail, programme_code from audit_log order by audit_id"
    ).fetchall() == [
        ("system", "init", "载入通报目录与期初数据（含示例数据）", "HL-XC-2024"),
        ("system", "init", "载入通报目录与期初数据（含示例数据）", "DH-SJ-2025"),
    ]
