"""A store built by an older version takes the catalogue's corrections in when it is next opened:
the new columns (migration 008), then the corrected figures, statuses, definitions and headlines of
data/catalogue (bootstrap.upgrade) — without touching what anyone entered since."""

from __future__ import annotations

from pathlib import Path

import pytest

from rectification import catalogue, ingest
from rectification.catalogue import admin as catalogue_admin
from rectification.catalogue import read_metrics, read_table
from rectification.cli import bootstrap
from rectification.core import store
from rectification.core.months import to_date
from rectification.core.programme import read_file as read_programme
from rectification.rules.headlines import headlines
from snapshot import store_snapshot
from support import account, assert_demo_months_add_up_to_the_report, legacy_store, opening_balances


def _old_store(tmp_path: Path, *, sample: bool = True) -> Path:
    """What version 1 built: migrations up to 007 and the first revision of data/catalogue."""
    return legacy_store(tmp_path, "v7-catalogue-v1-sample" if sample else "v7-catalogue-v1")


def test_an_old_demo_store_gets_every_correction(tmp_path):
    path = _old_store(tmp_path)
    con = store.connect(path, read_only=True)  # read-only: no migration, no upgrade
    try:
        assert opening_balances(con)["F16_SCHOOLS_CCTV_90_DAYS"] == 31  # what version 1 said
    finally:
        con.close()

    con = store.connect(path)  # the old store, opened by this version: the schema migrates, nothing else
    try:
        assert catalogue.store_revision(con) < catalogue.REVISION
        assert opening_balances(con)["F16_SCHOOLS_CCTV_90_DAYS"] == 31
        assert bootstrap.upgrade(con) is not None  # the explicit step (`upgrade`, run by `make run`)
        assert catalogue.store_revision(con) == catalogue.REVISION
        metrics = read_metrics()
        assert con.execute("select count(*) from metrics").fetchone()[0] == len(metrics)
        opening = opening_balances(con)
        assert opening == pytest.approx({m.metric_code: float(m.opening_value) for m in metrics.itertuples()})
        # The demo months still add up to the report's figures, the corrected and the new ones too.
        assert_demo_months_add_up_to_the_report(con)
        # 问题16 is 推进中 in the report's month and in the demo months leading to it.
        statuses = dict(
            con.execute(
                "select strftime(month, '%Y-%m'), status from current_finding_status where finding_code = 'F16'"
            ).fetchall()
        )
        assert statuses[read_programme().opening_month] == "推进中"
        assert "已完成" not in statuses.values()
        # The same event twice: the demo months agree.
        twins = con.execute(
            "select a.month, a.value, b.value from current_observations a join current_observations b"
            " on a.month = b.month and a.metric_code = 'F17_RENTAL_INSPECTIONS' and b.metric_code = 'F12_JOINT_INSPECTIONS'"
        ).fetchall()
        assert twins and all(x == y for _, x, y in twins)
        # Definitions, flags, headline membership and the moved metric.
        row = con.execute(
            "select definition, approximate, group_code from metrics where metric_code = 'F52_HQ_STAFF_DEPLOYED'"
        ).fetchone()
        assert row[1:] == ("余", "PARTY") and "约数" in row[0]
        assert con.execute("select count(*) from metrics where definition is null").fetchone()[0] == 0
        members = con.execute("select metric_code from headline_metrics where group_code = 'ASSET'").fetchall()
        assert sorted(members) == [("F40_ASSETS_SCRAPPED",), ("F40_ASSETS_WRITTEN_OFF",)]
        data = bootstrap_data(con)
        found = {h.group_code: h.cumulative for h in headlines(data, data.metrics, read_programme().opening_month)}
        assert found["ASSET"] == 4 and found["PATROL"] == 15
        # The old figures stay in the history: the correction is its own upload, and audited.
        assert (
            con.execute(
                "select count(*) from opening_balances where metric_code = 'F16_SCHOOLS_CCTV_90_DAYS'"
            ).fetchone()[0]
            == 2
        )
        detail = con.execute("select detail from audit_log where action = 'catalogue_upgrade'").fetchall()
        assert len(detail) == 1 and "F16_SCHOOLS_CCTV_90_DAYS" in detail[0][0]
        before = store_snapshot(con)
    finally:
        con.close()

    con = store.connect(path)  # once is enough
    try:
        assert bootstrap.upgrade(con) is None
        assert store_snapshot(con) == before
    finally:
        con.close()


def bootstrap_data(con):
    from rectification.outputs.briefing.content import load

    return load(con)


def test_the_upgrade_keeps_what_people_entered(tmp_path):
    path = _old_store(tmp_path)
    con = store.connect(path)
    try:
        bootstrap.upgrade(con)  # upgraded once; roll the revision back to replay it
        con.execute("delete from catalogue_revisions")
        con.execute("update metrics set group_code = 'PATROL' where metric_code = 'F52_HQ_STAFF_DEPLOYED'")
        catalogue_admin.update_metric(con, "F52_HQ_STAFF_DEPLOYED", group_code="ORG", actor="admin")
        ledger = "月份,问题编号,状态,进展说明\n2025-03,F16,已完成,各校监控已达标\n"
        # F16 has no lead department: only an admin may open its 销号 request.
        ingest.import_file(con, ledger.encode("utf-8"), "台账.csv", user=account(con, "clerk_admin"), replace=True)
        figures = "月份,指标编码,数值\n2025-03,F17_RENTAL_INSPECTIONS,12\n"
        ingest.import_file(con, figures.encode("utf-8"), "月报.csv", user="editor", replace=True)
    finally:
        con.close()

    con = store.connect(path)
    try:
        bootstrap.upgrade(con)
        assert catalogue.store_revision(con) == catalogue.REVISION
        group = con.execute("select group_code from metrics where metric_code = 'F52_HQ_STAFF_DEPLOYED'").fetchone()
        assert group == ("ORG",)  # the administrator's choice stands
        status = con.execute(
            "select status from current_finding_status where finding_code = 'F16' and month = ?",
            [to_date(read_programme().opening_month)],
        ).fetchone()
        assert status == ("已完成",)  # the editor's report for the month stands
        value = con.execute(
            "select value from current_observations where metric_code = 'F17_RENTAL_INSPECTIONS' and month = ?",
            [to_date(read_programme().opening_month)],
        ).fetchone()
        assert value == (12,)
    finally:
        con.close()


def test_an_old_store_without_demo_data_gets_no_demo_rows(tmp_path):
    path = _old_store(tmp_path, sample=False)
    con = store.connect(path)
    try:
        bootstrap.upgrade(con)
        assert con.execute("select count(*) from observations").fetchone()[0] == 0
        assert opening_balances(con)["F16_SCHOOLS_CCTV_90_DAYS"] == 0
        assert opening_balances(con)["F29_PROHIBITED_BEHAVIOURS"] == 21
        assert len(read_table("metrics")) == con.execute("select count(*) from metrics").fetchone()[0]
    finally:
        con.close()


def test_a_new_store_records_the_current_revision(con):
    assert catalogue.store_revision(con) == catalogue.REVISION
    assert bootstrap.upgrade(con) is None
