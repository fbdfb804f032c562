"""The engine on a rectification that is not the report's: data/demo/donghu-audit/ (示例数据) — an audit (审计)
of an invented unit, with other codes, departments, months and counting units. Store, ingest, rules,
closure, the meeting pack and the 通报 draft must hold for it as they do for the report's."""

from __future__ import annotations

import io
import shutil

import pandas as pd
import pytest
from docx import Document
from PIL import Image
from pptx import Presentation

from rectification import catalogue, ingest
from rectification.cli import bootstrap
from rectification.core import programme, store
from rectification.core.months import add_months, month_range
from rectification.core.vocabulary import CLOSED, LONG_TERM, NOT_STARTED, ONGOING, PENDING
from rectification.outputs import exports, report_draft
from rectification.outputs.briefing.content import pack_file_name
from rectification.outputs.briefing.deck import build_pack
from rectification.rules.data import load
from rectification.rules.rag import metric_status
from rectification.rules.statuses import status_counts, status_grid
from rectification.workflow import closure, evidence
from support import MINI, MINI_PROGRAMME, account

FACTS = programme.read_file(MINI_PROGRAMME)
OPENING, START = FACTS.opening_month, FACTS.tracking_start
NEXT = add_months(OPENING, 1)


@pytest.fixture(scope="module")
def mini_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("mini") / "mini.duckdb"
    con = store.connect(path)
    bootstrap.initialise(con, sample=True, directory=MINI, programme_file=MINI_PROGRAMME)
    con.close()
    return path


@pytest.fixture
def mini(tmp_path, mini_template):
    path = tmp_path / "mini.duckdb"
    shutil.copy(mini_template, path)
    con = store.connect(path)
    yield con
    con.close()


def data_of(con):
    return load(lambda name, **params: store.query(con, name, **params))


def test_init_builds_the_minis_catalogue_and_programme(mini):
    counts = {
        table: mini.execute(f"select count(*) from {table}").fetchone()[0]  # noqa: S608
        for table in ("sections", "themes", "findings", "measures", "metrics")
    }
    assert counts == {"sections": 3, "themes": 3, "findings": 5, "measures": 8, "metrics": 8}
    assert set(catalogue.read_metrics(MINI).kind) == {"count", "level"}
    own = programme.current(mini)
    assert (own.code, own.unit_short, own.kind, own.tracking_start, own.opening_month) == (
        "DH-SJ-2025",
        "东湖分局",
        "审计",
        "2025-07",
        "2025-11",
    )
    assert own.catalogue_source == "data/demo/donghu-audit"
    codes = [row[0] for row in mini.execute("select finding_code from findings order by ordinal").fetchall()]
    assert codes == ["A01", "A02", "A03", "B01", "Q1"]


def test_the_demo_months_span_the_minis_own_tracking_period_and_add_up(mini):
    months = mini.execute(
        "select distinct strftime(o.month, '%Y-%m') from observations o join live_uploads u using (upload_id)"
        " where u.source = '示例数据' order by 1"
    ).fetchall()
    assert [m for (m,) in months] == month_range(START, OPENING)
    data = data_of(mini)
    assert data.months[0] == START
    cumulative = (
        store.query(mini, "metric_monthly").query("month == @OPENING").set_index("metric_code").cumulative.to_dict()
    )
    opening = catalogue.read_metrics(MINI).set_index("metric_code").opening_value.astype(float).to_dict()
    assert cumulative == pytest.approx(opening)


def test_the_rules_on_the_mini(mini):
    data = data_of(mini)
    counts = status_counts(data, data.findings, OPENING)
    # A01 the report calls done (signed off as the report's own 已完成), A02 and A03 in hand, B01 not started,
    # Q1 long-term.
    grid = status_grid(data, data.findings, [OPENING]).set_index("finding_code").status.to_dict()
    assert grid == {"A01": CLOSED, "A02": ONGOING, "A03": ONGOING, "B01": NOT_STARTED, "Q1": LONG_TERM}
    assert (counts[CLOSED], counts[ONGOING], counts[NOT_STARTED], counts[LONG_TERM]) == (1, 2, 1, 1)
    status = metric_status(data, data.metrics, OPENING).set_index("metric_code")
    # 预算执行率 is a level at 92 against a target of 95 by 2026-06: its month-end state, not a sum.
    assert status.cumulative["AUD_BUDGET_EXECUTION_RATE"] == 92
    assert status.cumulative["AUD_TRAVEL_RECOVERED"] == pytest.approx(3.6)


def test_a_monthly_form_for_the_mini_imports_and_a_report_code_is_refused(mini):
    form = pd.read_csv(io.BytesIO(exports.form_bytes(mini, NEXT, "form.csv")), encoding="utf-8-sig", dtype=str)
    assert set(form["指标编码"]) == set(catalogue.read_metrics(MINI).metric_code)
    form["数值"] = ["5" if code != "AUD_BUDGET_EXECUTION_RATE" else "93" for code in form["指标编码"]]
    result = ingest.import_file(mini, form.to_csv(index=False).encode("gbk"), "月报.csv", user="财务科")
    assert "8" in result.message
    data = data_of(mini)
    values = data.monthly.query("month == @NEXT").set_index("metric_code")
    assert values.value["AUD_BUDGET_EXECUTION_RATE"] == 93
    assert values.cumulative["AUD_RECEPTION_VOUCHERS_CHECKED"] == 417  # 412 + 5: a count adds up

    before = mini.execute("select count(*) from observations").fetchone()
    wrong = f"月份,指标编码,数值\n{NEXT},F05_DISSUADE_SESSIONS,3\n".encode()
    with pytest.raises(ingest.Refused) as refused:
        ingest.import_file(mini, wrong, "月报.csv", user="财务科")
    assert "第2行" in str(refused.value) and "F05_DISSUADE_SESSIONS" in str(refused.value)
    assert mini.execute("select count(*) from observations").fetchone() == before


def test_a_ledger_names_the_minis_findings_by_their_own_codes(mini):
    clerk = account(mini, "clerk_mini", "editor", department="装备科")
    ledger = f"月份,问题编号,状态,进展说明\n{NEXT},b1,推进中,已清查装备\n".encode()
    ingest.import_file(mini, ledger, "台账.csv", user=clerk)
    data = data_of(mini)
    assert status_grid(data, data.findings, [NEXT]).set_index("finding_code").status["B01"] == ONGOING


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, format="PNG")
    return out.getvalue()


def test_closure_on_the_mini_needs_evidence_and_another_reviewer(mini):
    clerk = account(mini, "clerk_finance", "editor", department="财务科")
    reviewer = account(mini, "office_reviewer", "reviewer")
    closure.submit(
        mini, "A02", note="已追回全部超标准差旅费", files=[evidence.Upload("入账凭证.png", _png())], user=clerk
    )
    assert closure.current_state(mini, "A02") == PENDING
    with pytest.raises(closure.ClosureError):
        closure.approve(mini, "A02", user=clerk)  # an editor may not sign off, least of all their own
    closure.approve(mini, "A02", user=reviewer)
    assert closure.current_state(mini, "A02") == CLOSED
    # 装备科's editor may not ask for 财务科's finding.
    other = account(mini, "clerk_equipment", "editor", department="装备科")
    with pytest.raises(closure.ClosureError):
        closure.submit(mini, "A03", note="x", files=[evidence.Upload("a.png", _png())], user=other)


def test_the_tongbao_draft_follows_the_minis_own_report(mini):
    own = programme.current(mini)
    assert (
        report_draft.file_name(own, NEXT)
        == f"东湖分局审计整改进展情况的通报_{NEXT[:4]}年{int(NEXT[5:])}月（草稿）.docx"
    )
    doc = Document(io.BytesIO(report_draft.build_docx(mini, OPENING)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert text.startswith("中共示范市公安局东湖分局委员会")
    for measure in catalogue.read_table("measures", MINI).text:
        assert measure[:12] in text
    assert "横栏" not in text and "巡察" not in text
    assert "2025年12月5日" in text  # the mini report's own date line, kept for review


def test_the_report_rectifications_store_is_not_upgraded_from_the_minis_catalogue(mini):
    assert bootstrap.upgrade(mini) is None  # built from data/demo/donghu-audit, not from data/catalogue


def test_the_meeting_pack_for_the_mini_names_its_own_unit_and_findings(mini, tmp_path):
    deck = Presentation(io.BytesIO(build_pack(mini, OPENING, cache_dir=tmp_path / "cache")))
    texts = ["\n".join(s.text_frame.text for s in slide.shapes if s.has_text_frame) for slide in deck.slides]
    assert "示范市公安局东湖分局（示例数据）\n审计整改进展情况" in texts[0]
    assert all("东湖分局审计整改进展情况" in text for text in texts[1:])
    assert "横栏" not in "".join(texts) and "巡察" not in "".join(texts)
    for title in catalogue.read_table("findings", MINI).title:
        assert any(title in text for text in texts), title
    assert pack_file_name(programme.current(mini), OPENING) == "东湖分局审计整改进展_2025年11月.pptx"
