"""The briefing: real PNGs through kaleido and Chromium, the real 16:9 meeting pack read back with
python-pptx (slides in order, a non-blank chart on every finding slide, the government look), the image
cache, the run without a browser, and the CLI commands."""

from __future__ import annotations

import datetime as dt
import io
import os
import struct
from pathlib import Path

import pytest
from PIL import Image
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.oxml.ns import qn

from rectification.cli import main
from rectification.core import store
from rectification.core.programme import read_file as read_programme
from rectification.core.vocabulary import NOT_STARTED, ONGOING
from rectification.outputs.briefing.content import (
    OUTCOME_COLUMNS,
    Positions,
    appendix_rows,
    briefing_filters,
    change_text,
    finding_cards,
    latest_notes,
    load,
    overview_recipes,
    pack_file_name,
    prepare,
    select_findings,
)
from rectification.outputs.briefing.deck import DEMO_RED, SLIDE_FONT, build_pack, build_pptx, render_pack
from rectification.outputs.briefing.images import (
    FINDING_BOX,
    BriefingError,
    cache_dir_for,
    ensure_browser,
    figure_code,
    to_png,
)
from rectification.outputs.charts.assembly import metric_figure
from rectification.outputs.charts.theme import RAG_COLOURS, month_labels
from rectification.rules.attention import attention
from rectification.rules.data import Filters, resolve
from rectification.rules.rag import RED
from rectification.rules.statuses import status_grid
from rectification.workflow import auth, closure, deadlines
from support import TEST_PASSWORD

NO_CHROME = "/nonexistent/chromium"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def texts(slide) -> list[str]:
    return [s.text_frame.text for s in slide.shapes if s.has_text_frame and s.text_frame.text]


def pictures(slide) -> list:
    return [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]


def drawn_share(image: bytes) -> float:
    """The share of pixels that are not (near) white: a chart draws bars, lines and text."""
    histogram = Image.open(io.BytesIO(image)).convert("L").histogram()
    return sum(histogram[:235]) / sum(histogram)


def test_png_export_is_1600_by_900_at_twice_the_scale(con):
    data = load(con)
    fig = metric_figure(data, "F05_DISSUADE_SESSIONS", resolve(Filters(), data))
    image = to_png(fig)
    assert png_size(image) == (3200, 1800)
    assert len(image) > 50_000  # a chart with text and bars, not a blank page


def test_the_default_pack_covers_every_finding_and_both_long_term_items(con):
    data = load(con)
    filters = briefing_filters(data, "2025-03")
    codes = select_findings(data, filters)
    assert len(codes) == 56 and codes[0] == "F01" and codes[-2:] == ["L1", "L2"]
    assert select_findings(data, filters, numbers=["1", "问题05", "f24", "L1"]) == ["F01", "F05", "F24", "L1"]
    traffic = select_findings(data, filters, department="交警大队")
    assert traffic and set(data.findings.set_index("finding_code").lead_department[traffic]) == {"交警大队"}
    flagged = set(attention(data, filters).finding_code.dropna())
    assert set(select_findings(data, filters, attention_only=True)) == flagged
    with pytest.raises(BriefingError, match="没有这个整改问题：99"):
        select_findings(data, filters, numbers=["99"])
    assert pack_file_name(read_programme(), "2025-03") == "横栏分局巡察整改进展_2025年3月.pptx"


def test_the_meeting_pack_slide_by_slide(store_path, tmp_path):
    con = store.connect(store_path)
    cache = tmp_path / "cache"
    heard = []
    deck = build_pack(
        con, "2025-03", numbers=["5", "24", "11"], cache_dir=cache, progress_cb=lambda f, t: heard.append(f)
    )
    data = load(con)
    overview = overview_recipes(data, briefing_filters(data, "2025-03"))
    con.close()
    prs = Presentation(io.BytesIO(deck))
    assert round(prs.slide_width / prs.slide_height, 3) == round(16 / 9, 3)
    slides = list(prs.slides)
    # title, the overview charts, one slide per finding in report order, the appendix (F05 8 + F24 3 metrics)
    assert len(slides) == 1 + len(overview) + 3 + 2
    titles = [texts(s)[0] for s in slides[1:]]
    assert titles[: len(overview)] == [r.title for r in overview]
    assert [t.split("　")[0] for t in titles[len(overview) : len(overview) + 3]] == ["问题05", "问题11", "问题24"]
    assert titles[-2:] == ["附表：全部指标及口径（1/2）", "附表：全部指标及口径（2/2）"]

    assert texts(slides[0])[:2] == ["中山市公安局横栏分局\n巡察整改进展情况", "（数据截至 2025年3月）"]
    for number, slide in enumerate(slides, start=1):
        words = texts(slide)
        # the cut-off, the source (示例数据 in red) and the slide number on every slide
        footer = next(t for t in words if t.startswith("数据截至 2025年3月"))
        assert "示例数据（系统生成，非真实数据）" in footer
        red = [r for s in slide.shapes if s.has_text_frame for p in s.text_frame.paragraphs for r in p.runs]
        assert any("示例数据" in r.text and r.font.color.rgb == DEMO_RED for r in red)
        assert f"{number} / {len(slides)}" in words
        for run in slide.shapes._spTree.iter(qn("a:r")):  # the East Asian face on every run
            assert run.find(qn("a:rPr")).find(qn("a:ea")).get("typeface") == SLIDE_FONT

    helmet, leftover, drink = slides[1 + len(overview) : 1 + len(overview) + 3]
    for slide in (helmet, leftover, drink):
        (picture,) = pictures(slide)
        # drawn on the canvas of its place beside the facts (14 px ticks at 10 pt): 816 × 458 px at 2×
        assert (picture.left, picture.top, picture.width, picture.height) == tuple(vars(FINDING_BOX).values())
        assert png_size(picture.image.blob) == (1632, 916)
        assert drawn_share(picture.image.blob) > 0.015  # a chart, not a blank image
        assert len(Image.open(io.BytesIO(picture.image.blob)).getcolors(1 << 20)) > 20
    words = "\n".join(texts(helmet))
    assert "状态：长期坚持" in words and "牵头部门：交警大队" in words and "整改期限：未设定" in words
    assert "最新进展：" in words
    table = next(s for s in helmet.shapes if s.has_table).table
    assert table.cell(0, 0).text == "关键数字" and table.cell(1, 0).text == "劝导覆盖村（社区）（月末）"
    assert "另有 3 项指标，见附表。" in texts(helmet)
    assert "本问题无量化指标，图为逐月整改状态。" in texts(leftover)  # 问题11 has no metric: its status row
    assert heard == sorted(heard) and heard[-1] == 1.0
    # one PNG per figure: 问题05's 头盔劝导场次 chart is drawn for its own place, not the 头盔劝导 slide's
    assert len(list(cache.glob("*.png"))) == sum(r.make is not None for r in overview) + 3


def test_the_same_month_again_comes_from_the_cache_without_a_browser(store_path, tmp_path, monkeypatch, capsys):
    out, again = tmp_path / "a.pptx", tmp_path / "b.pptx"
    assert main(["briefing", "--month", "2025-02", "--findings", "5", "--out", str(out)]) == 0
    assert "已生成简报" in capsys.readouterr().out
    cache = cache_dir_for(store_path)
    assert cache.parent == store_path.parent and len(list(cache.glob("*.png"))) > 5
    monkeypatch.setenv("BROWSER_PATH", NO_CHROME)  # every image is cached: no browser needed
    assert main(["briefing", "--month", "2025-02", "--findings", "5", "--out", str(again)]) == 0
    first, second = Presentation(str(out)), Presentation(str(again))
    blobs = [[p.image.blob for p in pictures(s)] for s in first.slides]
    assert blobs == [[p.image.blob for p in pictures(s)] for s in second.slides]
    assert texts(first.slides[0])[1] == "（数据截至 2025年2月）"


def test_without_chromium_the_pack_says_so_and_the_report_is_still_made(store_path, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BROWSER_PATH", NO_CHROME)
    assert main(["briefing", "--month", "2025-03", "--findings", "5", "--out", str(tmp_path / "x.pptx")]) == 1
    err = capsys.readouterr().err
    assert "导出图片需要 Chromium 浏览器" in err and "BROWSER_PATH" in err and "Traceback" not in err
    assert not (tmp_path / "x.pptx").exists()
    assert main(["chart", "--metric", "F05_DISSUADE_SESSIONS", "--out", str(tmp_path / "x.png")]) == 1
    assert "导出图片需要 Chromium 浏览器" in capsys.readouterr().err
    assert main(["report", "--month", "2025-03", "--out", str(tmp_path / "通报.docx")]) == 0
    assert (tmp_path / "通报.docx").stat().st_size > 20_000


def test_the_appendix_shows_definitions_where_the_catalogue_has_them(con):
    data = load(con)
    rows = appendix_rows(data, "2025-03", None)
    assert len(rows) == len(data.metrics) and list(rows.columns)[-1] == "口径"
    # Every metric of the catalogue has its 口径 (issue 10), word for word.
    assert list(rows["口径"]) == list(data.metrics.definition) and (rows["口径"] != "").all()
    data.metrics["definition"] = None
    assert set(appendix_rows(data, "2025-03", None)["口径"]) == {""}  # none: the column stays, blank
    data.metrics.loc[data.metrics.metric_code == "F05_DISSUADE_SESSIONS", "definition"] = "一场 = 一个劝导岗一天"
    rows = appendix_rows(data, "2025-03", ["F05"])
    assert rows.set_index("指标").at["头盔劝导场次", "口径"] == "一场 = 一个劝导岗一天"
    assert rows.set_index("指标").at["头盔劝导场次", "截至2025年3月"] == "2,629 场次"


def test_overview_deck_has_one_picture_per_chart_slide(con):
    data = load(con)
    filters = briefing_filters(data, "2025-03")
    overview = overview_recipes(data, filters)
    prs = Presentation(io.BytesIO(build_pptx(data, filters)))
    slides = list(prs.slides)
    assert len(slides) == 1 + len(overview)
    for slide, recipe in zip(slides[1:], overview, strict=True):
        assert len(pictures(slide)) == (recipe.make is not None) and texts(slide)[0] == recipe.title
    assert [r.title for r in overview][:3] == ["重点成效", "整改完成进度", "各问题逐月整改状态（1/4）"]
    # 重点成效 as a table: each group's total and this month's change, legible where five small panels were not
    outcomes = next(shape for shape in slides[1].shapes if shape.has_table).table
    assert [outcomes.cell(0, j).text for j in range(6)] == OUTCOME_COLUMNS
    assert [outcomes.cell(2, j).text for j in range(4)] == ["隐患整治", "隐患整改处数", "332 处", "+43 处"]
    # 需要关注 is a table on the slide, legible and editable, not a picture of one
    (attention_slide,) = [s for s, r in zip(slides[1:], overview, strict=True) if r.title == "需要关注"]
    table = next(shape for shape in attention_slide.shapes if shape.has_table).table
    flagged = attention(data, filters)
    assert [[table.cell(i, j).text for j in range(2)] for i in range(len(table.rows))] == [["类别", "问题"]] + [
        [r.类别, r.问题] for r in flagged.itertuples()
    ]
    red = next(i for i, r in enumerate(flagged.itertuples(), start=1) if r.状态 == RED)
    assert table.cell(red, 0).fill.fore_color.rgb == RGBColor.from_string(RAG_COLOURS[RED][1:])


def test_ensure_browser_points_kaleido_at_chromium(monkeypatch):
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    ensure_browser()
    assert os.environ["BROWSER_PATH"] == "/usr/bin/chromium"
    monkeypatch.setenv("BROWSER_PATH", "/opt/chrome/chrome")
    ensure_browser()
    assert os.environ["BROWSER_PATH"] == "/opt/chrome/chrome"  # a setting the operator made wins


def test_cli_refuses_a_month_without_data_and_a_wrong_extension(store_path, tmp_path, capsys):
    assert main(["briefing", "--month", "2030-01", "--out", str(tmp_path / "x.pptx")]) == 1
    assert "库中没有 2030-01 的数据" in capsys.readouterr().err
    assert main(["briefing", "--out", str(tmp_path / "x.pdf")]) == 1
    assert "--out 须为 .pptx 文件" in capsys.readouterr().err
    assert main(["briefing", "--findings", "99", "--out", str(tmp_path / "x.pptx")]) == 1
    assert "没有这个整改问题：99" in capsys.readouterr().err
    assert main(["briefing", "--department", "不存在的部门", "--out", str(tmp_path / "x.pptx")]) == 1
    assert "没有以「不存在的部门」为牵头部门的整改问题" in capsys.readouterr().err
    assert main(["chart", "--metric", "NOPE", "--out", str(tmp_path / "x.png")]) == 1
    assert "指标编码不存在：NOPE" in capsys.readouterr().err
    assert not (tmp_path / "x.pptx").exists()


def test_headline_slides_list_every_metric_of_the_group(con):
    data = load(con)
    overview = overview_recipes(data, briefing_filters(data, "2025-03"))
    panels = {r.title: r.headline for r in overview if r.headline is not None}
    assert list(panels) == ["头盔劝导", "隐患整治", "巡逻防控", "案件办理", "资产处置"]
    assert all(r.headline is None for r in overview[: -len(panels)])  # the other overview slides: a chart only
    hazards = panels["隐患整治"]
    assert hazards.summary == "隐患整改处数：累计 332 处，本月 +43 处（7 项指标之和）"
    assert hazards.charted == "古神公路小路口隐患治理" and hazards.definition.startswith("排查发现并已完成整改")
    # every metric of the group, those in other units too (项, 间), with this month's change
    assert hazards.rows == [
        ("问题02", "照明不足点整改（累计）", "10 处", "+1 处"),
        ("问题02", "货车右转必停路口整改（累计）", "8 处", "+1 处"),
        ("问题02", "公交站点隐患整改（累计）", "35 处", "+3 处"),
        ("问题02", "古神公路小路口隐患治理（累计）", "129 处", "+19 处"),
        ("问题03", "庆丰路类似隐患整治（累计）", "6 处", "+1 处"),
        ("问题04", "临水临崖隐患路段整治（累计）", "65 处", "+8 处"),
        ("问题12", "出租屋消防隐患整改（累计）", "79 处", "+10 处"),
        ("问题13", "社区会通报隐患整改（累计）", "45 项", "+3 项"),
        ("问题13", "社区会通报问题隐患（累计）", "45 项", "+9 项"),
        ("问题16", "学校临时交通管制布置（累计）", "12 间", "+1 间"),
    ]
    assert hazards.summed == [True] * 7 + [False] * 3
    helmet = panels["头盔劝导"]
    assert [row[1:] for row in helmet.rows] == [
        ("劝导覆盖村（社区）（月末）", "11 个", "持平"),
        ("村居交通劝导员（月末）", "33 名", "持平"),
        ("头盔劝导场次（累计）", "2,629 场次", "+309 场次"),
        ("教育不戴头盔驾乘人员（累计）", "30,342 人次", "+1,798 人次"),
    ]
    assert (
        helmet.summed == [False, False, True, False]
        and helmet.summary == "头盔劝导场次：累计 2,629 场次，本月 +309 场次"
    )


def test_finding_slides_show_the_closure_step_and_an_extended_deadline(store_path, tmp_path, capsys):
    """Through the CLI: 问题03 asked to close (待审核) with its deadline extended, 问题04 signed off
    (已销号, re-check in September), 问题43 sent back (已退回); the headline slides carry their tables."""
    con = store.connect(store_path)
    day = dt.date(2025, 3, 20)
    auth.create_user(con, "ed", "editor", TEST_PASSWORD, department="交警大队", actor="test")
    auth.create_user(con, "ed2", "editor", TEST_PASSWORD, department="涉案财物管理中心", actor="test")
    auth.create_user(con, "rev", "reviewer", TEST_PASSWORD, actor="test")
    deadlines.set_deadline(con, "F03", dt.date(2025, 3, 31), user="rev", leader="李副局长")
    deadlines.request_extension(con, "F03", dt.date(2025, 6, 30), reason="工程延后", user="ed")
    deadlines.approve_extension(con, "F03", user="rev")
    closure.submit(con, "F03", note="已完成路口改造", user="ed", today=day)
    closure.submit(con, "F04", note="已完成", user="ed", today=day)
    closure.approve(con, "F04", user="rev", recheck="2025-09", today=day)
    closure.submit(con, "F43", note="已完成", user="ed2", today=day)
    closure.return_submission(con, "F43", reason="佐证材料不足", user="rev", today=day)
    con.close()

    out = tmp_path / "pack.pptx"
    assert main(["briefing", "--month", "2025-03", "--findings", "3,4,43,5", "--out", str(out)]) == 0
    capsys.readouterr()
    slides = {texts(s)[0].split("　")[0]: "\n".join(texts(s)) for s in Presentation(str(out)).slides}
    pending, closed, returned, helmet = slides["问题03"], slides["问题04"], slides["问题43"], slides["问题05"]
    assert "状态：待审核" in pending and "销号：待审核（ed " in pending
    assert "整改期限：原定 2025-03-31，经批准延至 2025-06-30（剩余 91 天）" in pending
    assert "责任领导：李副局长" in pending
    assert "状态：已销号" in closed and "销号：已销号，2025年9月回头看" in closed
    assert "状态：推进中" in returned and "销号：已退回，重新整改（佐证材料不足）" in returned
    assert "销号：" not in helmet  # a long-term item is never closed
    hazards = next(s for s in Presentation(str(out)).slides if texts(s)[0] == "隐患整治")
    table = next(shape for shape in hazards.shapes if shape.has_table).table
    assert [table.cell(0, j).text for j in range(4)] == ["问题", "指标", "截至本月", "本月变化"]
    assert len(table.rows) == 11 and table.cell(10, 1).text == "学校临时交通管制布置（累计）"
    assert "隐患整改处数：累计 332 处，本月 +43 处（7 项指标之和）" in texts(hazards)


def test_a_finding_without_metrics_shows_its_status_month_by_month_labelled(con):
    data = load(con)
    filters = briefing_filters(data, "2025-03")
    (card,) = finding_cards(data, filters, ["F11"], latest_notes(con, "2025-03"))
    fig = card.make_figure()
    months = [m for m in data.months if filters.start <= m <= filters.end]
    grid = status_grid(data, data.findings[data.findings.finding_code == "F11"], months)
    # every month named on the axis, every cell saying its status (a one-row heatmap labelled neither)
    assert list(fig.data[0].x) == month_labels(months)
    assert [a.text for a in fig.layout.annotations] == list(grid.sort_values("month").shown)
    assert {a.text for a in fig.layout.annotations} == {NOT_STARTED, ONGOING}
    assert fig.layout.title.text == "问题11 逐月整改状态"


def test_pack_figures_keep_the_reports_rounding_and_a_rate_changes_in_points(con):
    data = load(con)
    positions = Positions(data, "2025-03")
    metrics = data.metrics.set_index("metric_code", drop=False)
    shown = {
        code: positions.figure(metrics.loc[[code]].itertuples().__next__())[1]
        for code in ("F52_HQ_STAFF_DEPLOYED", "F01_PARENT_VOLUNTEERS_ADDED", "F06_PARKING_SPACES_BUILT")
    }
    assert shown == {
        "F52_HQ_STAFF_DEPLOYED": "2,000余 人次",
        "F01_PARENT_VOLUNTEERS_ADDED": "120余 名",
        "F06_PARKING_SPACES_BUILT": "约700 个",
    }
    appendix = appendix_rows(data, "2025-03", None).set_index("指标")
    assert appendix.loc["机关警力下沉基层", "截至2025年3月"] == "2,000余 人次"
    assert change_text(5.4, "%") == "+5.4 个百分点"
    assert change_text(43, "处") == "+43 处"


def test_pack_marks_unconfirmed_statuses_and_gives_the_rate_its_denominator(con):
    data = load(con)
    filters = briefing_filters(data, "2025-03")
    pack = prepare(data, filters, finding_codes=["F05"], appendix=False, today=dt.date(2025, 4, 1))
    assert [c.confirmed for c in pack.cards] == [False]
    assert pack.unconfirmed == 56
    deck = Presentation(io.BytesIO(render_pack(pack)))
    title_text = " ".join(s.text_frame.text for s in deck.slides[0].shapes if s.has_text_frame)
    assert "完成率 70%（19 / 27 项，不含长期坚持）" in title_text
    finding_text = " ".join(s.text_frame.text for s in deck.slides[-1].shapes if s.has_text_frame)
    assert "据原文措辞归纳，待整改办确认" in finding_text


def test_the_deck_digest_follows_every_module_that_draws_a_figure():
    """A change to any chart module, any rules module or the briefing's picture-shaping modules must
    invalidate the cached deck; a change to the PPTX layout alone need not."""
    hashed = {(path.parent.name, path.name) for path in figure_code()}
    root = Path(__file__).resolve().parents[1] / "rectification"
    for folder in (root / "outputs" / "charts", root / "rules"):
        for module in folder.glob("*.py"):
            assert (folder.name, module.name) in hashed
    assert {("briefing", "images.py"), ("briefing", "content.py")} <= hashed
    assert ("briefing", "deck.py") not in hashed
