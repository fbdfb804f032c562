"""The briefing: real PNGs through kaleido and Chromium, a real 16:9 PPTX with one chart per slide,
and the CLI commands that make them."""

from __future__ import annotations

import io
import os
import struct

from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from rectification import briefing, charts, progress
from rectification.cli import main


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def test_png_export_is_1600_by_900_at_twice_the_scale(con):
    data = briefing.load(con)
    fig = charts.metric_figure(data, "F05_DISSUADE_SESSIONS", progress.resolve(progress.Filters(), data))
    image = briefing.to_png(fig)
    assert png_size(image) == (3200, 1800)
    assert len(image) > 50_000  # a chart with text and bars, not a blank page


def test_briefing_pptx_has_one_picture_per_chart_slide(con):
    data = briefing.load(con)
    filters = briefing.briefing_filters(data, "2025-03")
    deck = briefing.slides(data, filters)
    prs = Presentation(io.BytesIO(briefing.build_pptx(data, filters)))
    assert (prs.slide_width, prs.slide_height) == (briefing.SLIDE_WIDTH, briefing.SLIDE_HEIGHT)
    assert round(prs.slide_width / prs.slide_height, 3) == round(16 / 9, 3)
    slides = list(prs.slides)
    assert len(slides) == 1 + len(deck)
    title = [s.text_frame.text for s in slides[0].shapes if s.has_text_frame]
    assert title[0] == "巡察整改进展简报（数据截至 2025年3月）"
    assert "含示例数据" in title[1]
    for slide, expected in zip(slides[1:], deck, strict=True):
        pictures = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert len(pictures) == 1
        assert png_size(pictures[0].image.blob) == (3200, 1800)
        texts = [s.text_frame.text for s in slide.shapes if s.has_text_frame]
        assert texts == [expected.title]
    assert [s.title for s in deck][:3] == ["重点成效", "整改完成进度", "各问题逐月整改状态（1/3）"]


def test_ensure_browser_points_kaleido_at_chromium(monkeypatch):
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    briefing.ensure_browser()
    assert os.environ["BROWSER_PATH"] == "/usr/bin/chromium"
    monkeypatch.setenv("BROWSER_PATH", "/opt/chrome/chrome")
    briefing.ensure_browser()
    assert os.environ["BROWSER_PATH"] == "/opt/chrome/chrome"  # a setting the operator made wins


def test_cli_briefing_and_chart(store_path, tmp_path, capsys):
    out = tmp_path / "简报.pptx"
    assert main(["briefing", "--month", "2025-02", "--out", str(out)]) == 0
    assert "已生成简报" in capsys.readouterr().out
    prs = Presentation(str(out))
    assert [s.text_frame.text for s in prs.slides[0].shapes if s.has_text_frame][
        0
    ] == "巡察整改进展简报（数据截至 2025年2月）"

    png = tmp_path / "chart.png"
    assert main(["chart", "--metric", "F05_DISSUADE_SESSIONS", "--out", str(png)]) == 0
    assert png_size(png.read_bytes()) == (3200, 1800)


def test_cli_refuses_a_month_without_data_and_a_wrong_extension(store_path, tmp_path, capsys):
    assert main(["briefing", "--month", "2030-01", "--out", str(tmp_path / "x.pptx")]) == 1
    assert "库中没有 2030-01 的数据" in capsys.readouterr().err
    assert main(["briefing", "--out", str(tmp_path / "x.pdf")]) == 1
    assert "--out 须为 .pptx 文件" in capsys.readouterr().err
    assert main(["chart", "--metric", "NOPE", "--out", str(tmp_path / "x.png")]) == 1
    assert "指标编码不存在：NOPE" in capsys.readouterr().err
    assert not (tmp_path / "x.pptx").exists()
