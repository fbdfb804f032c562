"""The 通报 draft: the last report's structure with the store's figures, as a GB/T 9704 Word document
read back with python-docx; the CLI command; an import changes the uploaded figures and nothing else."""

from __future__ import annotations

import io

import pytest
from docx import Document
from docx.enum.text import WD_COLOR_INDEX, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Pt

from rectification import catalogue
from rectification.cli import main
from rectification.core import programme, store
from rectification.outputs import report_draft
from support import account

REPORT_LINES = [
    line.replace("[bookmark: _GoBack]", "").strip()
    for line in programme.read_file().source_report_path.read_text(encoding="utf-8").splitlines()
    if line.strip()
]
PART_HEADINGS = {"1、": "一、", "2、": "二、", "3、": "三、", "4、": "四、"}


def csv_file(folder, rows):
    path = folder / "2025-04.csv"
    lines = ["月份,指标编码,指标名称,单位,数值,备注"] + [",".join(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return path


def docx_of(path_or_bytes) -> Document:
    return Document(io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else str(path_or_bytes))


def texts(doc: Document) -> list[str]:
    return [p.text for p in doc.paragraphs]


def expected_line(line: str) -> str:
    """The report's numbered part headings (「1、 党委…」) are 「一、党委…」 in a 公文."""
    for arabic, chinese in PART_HEADINGS.items():
        if line.startswith(arabic):
            return chinese + line[len(arabic) :].strip()
    return line


def test_march_draft_reproduces_the_report_on_a_fresh_store(empty_store_path, tmp_path, capsys):
    out = tmp_path / "通报.docx"
    assert main(["report", "--month", "2025-03", "--out", str(out)]) == 0
    assert "已生成通报草稿" in capsys.readouterr().out
    doc = docx_of(out)
    paragraphs = texts(doc)
    # Every line of the report is a paragraph of the draft, in the report's order.
    at = -1
    for line in REPORT_LINES:
        at = paragraphs.index(expected_line(line), at + 1)
    # …and every figure of the catalogue stands in the sentence it came from.
    metrics = catalogue.read_table("metrics")
    for m in metrics.itertuples():
        sentence = next(expected_line(line) for line in REPORT_LINES if m.source_quote in line)
        assert sentence in paragraphs, m.metric_code
    # Nothing but the report's own figures: no figure listed apart while nothing has moved.
    assert not [t for t in paragraphs if t.startswith("另据统计")]
    # Each finding says its status at the month; no ledger has confirmed any, so each says it is a reading.
    findings = catalogue.read_table("findings")
    phrases = [t for t in paragraphs if t.startswith("整改进展：")]
    assert len(phrases) == len(findings) == 56
    expected = [
        f"整改进展：{report_draft.STATUS_PHRASES[s].removesuffix('。')}（据原文措辞归纳，待整改办确认）。"
        for s in findings.status
    ]
    assert phrases == expected


def test_the_docx_is_a_gbt_9704_document(empty_store_path):
    con = store.connect(empty_store_path)
    data = report_draft.build_docx(con, "2025-03")
    con.close()
    doc = docx_of(data)
    section = doc.sections[0]
    size = (section.page_width, section.page_height)
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(x.mm) for x in size] == [210, 297]  # A4 (Word stores twips)
    assert [round(x.mm, 1) for x in margins] == [37, 35, 28, 26]

    body = doc.element.body
    runs = body.iter(qn("w:r"))
    for run in runs:  # the East Asian face is set on every run, not only the Latin one
        fonts = run.find(qn("w:rPr")).find(qn("w:rFonts"))
        assert fonts is not None and fonts.get(qn("w:eastAsia")), run.xpath("string(.)")

    def face(paragraph) -> str:
        return paragraph.runs[0]._r.find(qn("w:rPr")).find(qn("w:rFonts")).get(qn("w:eastAsia"))

    by_text = {p.text: p for p in doc.paragraphs}
    title = by_text["关于十五届市委公安系统专项巡察"]
    assert face(title) == "方正小标宋简体" and title.runs[0].font.size == Pt(22)
    h1 = by_text["二、巡察反馈重点问题整改落实情况"]
    assert face(h1) == "黑体" and h1.runs[0].font.size == Pt(16)
    h2 = by_text["（二）聚焦全面从严管党治警方面"]
    assert face(h2) == "楷体_GB2312"
    measure = next(p for p in doc.paragraphs if p.text.startswith("一是组织人员每天在人口密集区域"))
    assert face(measure) == "仿宋_GB2312" and measure.runs[0].font.size == Pt(16)
    for p in (title, h1, h2, measure):
        assert p.paragraph_format.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    assert measure.paragraph_format.line_spacing == Pt(28)
    # Measures come from the store (no highlight); the narrative comes from the last report (highlighted).
    assert all(r.font.highlight_color is None for r in measure.runs)
    narrative = next(p for p in doc.paragraphs if p.text.startswith("根据市委统一部署"))
    assert all(r.font.highlight_color == WD_COLOR_INDEX.YELLOW for r in narrative.runs if r.text)
    assert doc.comments and "黄色底纹" in next(iter(doc.comments)).text  # the note to the editor
    party = next(p for p in doc.paragraphs if p.text.startswith("（二）党委书记坚持以上率下"))
    assert face(party) == "楷体_GB2312"  # the run-in heading
    seven = [r for r in party.runs if r.text == "7"]
    assert seven and seven[0].font.highlight_color is None  # a figure from the store inside the narrative
    # 「— 1 —」 page numbers, outside edge on odd and even pages.
    for footer in (section.footer, section.even_page_footer):
        xml = footer.paragraphs[0]._p.xml
        assert "PAGE" in xml and footer.paragraphs[0].text.startswith("— ") and footer.paragraphs[0].text.endswith(" —")
    assert doc.settings.odd_and_even_pages_header_footer


def test_after_an_import_the_uploaded_figures_change_and_nothing_else(store_path, tmp_path, capsys):
    con = store.connect(store_path)
    before = [p.text for p in report_draft.draft(con, "2025-03").paragraphs]
    con.close()
    rows = [
        ["2025-04", "F05_DISSUADE_SESSIONS", "头盔劝导场次", "场次", "100", ""],
        ["2025-04", "F05_PERSUADERS", "村居交通劝导员", "名", "35", ""],
        ["2025-04", "ORG_SYSTEMS_ISSUED", "新增修订制度方案", "项", "2", ""],
        ["2025-04", "F12_CONTACT_CARDS", "更换警民联系卡", "张", "20000", ""],
        ["2025-04", "F16_SAFETY_CHECK_ROUNDS", "暑期校园隐患排查", "轮", "1", ""],
    ]
    assert main(["import", str(csv_file(tmp_path, rows))]) == 0
    ledger = tmp_path / "台账.csv"
    ledger.write_text("月份,问题编号,状态,进展说明\n2025-04,4,已完成,穗丰路口改造完工\n", encoding="utf-8")
    con = store.connect(store_path)
    clerk = account(con, "jj_clerk", "editor", "交警大队")  # 问题4's lead department: its 已完成 is a 销号 request
    con.close()
    assert main(["import", str(ledger), "--user", clerk]) == 0
    capsys.readouterr()
    con = store.connect(store_path)
    result = report_draft.draft(con, "2025-04")
    con.close()
    after = [p.text for p in result.paragraphs]

    changes = {
        "截至2025年3月": "截至2025年4月",
        "开展交通劝导工作2629场次": "开展交通劝导工作2729场次",  # a count: the month added to the total
        "33名劝导员": "35名劝导员",  # a level: the latest state
        "方案共17项": "方案共19项",
        "已重新制作10万张联系卡": "已重新制作12万张联系卡",  # written the report's way
        "开展三轮安全隐患排查": "开展四轮安全隐患排查",
    }
    assert len(after) == len(before)
    changed = 0
    for old, new in zip(before, after, strict=True):
        expected = old
        for a, b in changes.items():
            expected = expected.replace(a, b)
        if old.startswith("整改进展：") and new != old:
            continue  # checked below
        assert new == expected
        changed += new != old
    assert changed >= 6
    # Finding 4 is done now: its status phrase says so, and the report's "正在施工推进" is marked stale.
    index = before.index("（4）整治岐江公路穗丰路口左转路段安全风险隐患")
    # Before the ledger the status is the catalogue's reading of the report's wording, and says so (issue 17).
    assert before[index + 1] == "整改进展：正在推进整改（据原文措辞归纳，待整改办确认）。"
    assert after[index + 1] == "整改进展：已完成整改，待审核销号。"  # a ledger 已完成 is a closure request
    assert [a for a, b in zip(before, after, strict=True) if a != b and a.startswith("整改进展：")] == [
        "整改进展：正在推进整改（据原文措辞归纳，待整改办确认）。"
    ]
    stale = next(p for p in result.paragraphs if "正在施工推进" in p.text)
    assert [r.text for r in stale.runs if r.kind == report_draft.REVIEW] == ["正在施工推进"]


def test_cli_report_refusals(store_path, tmp_path, capsys):
    assert main(["report", "--month", "2030-01", "--out", str(tmp_path / "x.docx")]) == 1
    assert "库中没有 2030-01 的数据" in capsys.readouterr().err
    assert main(["report", "--month", "2025-03", "--out", str(tmp_path / "x.pdf")]) == 1
    assert "--out 须为 .docx 文件" in capsys.readouterr().err
    assert not (tmp_path / "x.docx").exists()


@pytest.mark.parametrize(
    ("text", "value"), [("一", 1), ("两", 2), ("十", 10), ("十五", 15), ("二十", 20), ("九个", None)]
)
def test_chinese_numerals(text, value):
    assert report_draft.cn_number(text) == value


def test_a_metric_added_after_the_report_is_listed_under_its_finding_for_the_editor(store_path, tmp_path, capsys):
    assert main(["catalogue", "add-metric", "--finding", "F05", "--name", "夜查劝导", "--unit", "次", "--kind", "count",
                 "--group", "HELMET"]) == 0  # fmt: skip
    assert main(["import", str(csv_file(tmp_path, [["2025-04", "F05_X01", "夜查劝导", "次", "5", ""]]))]) == 0
    capsys.readouterr()
    con = store.connect(store_path)
    result = report_draft.draft(con, "2025-04")
    con.close()
    texts_ = [p.text for p in result.paragraphs]
    listed = next(p for p in result.paragraphs if p.text == "另据统计：夜查劝导累计5次。")
    # after 问题05's measures, before 问题06; the words are for the editor to check, the figure is the store's
    assert (
        texts_.index("（5）" + catalogue.read_table("findings").set_index("finding_code").at["F05", "title"])
        < (texts_.index(listed.text))
        < next(i for i, t in enumerate(texts_) if t.startswith("（6）"))
    )
    assert [r.kind for r in listed.runs if r.text == "5次"] == [report_draft.FIGURE]
    # Besides the new metric, only metrics whose source fragment states no number stay unplaced.
    quotes = catalogue.read_table("metrics").set_index("metric_code").source_quote.fillna("")
    assert "F05_X01" in result.unplaced
    assert all(not any(ch.isdigit() for ch in quotes[c]) for c in result.unplaced if c != "F05_X01")
    assert "F16_SCHOOLS_CCTV_90_DAYS" in result.unplaced  # the report states no number of schools done


def test_the_catalogue_and_the_draft_read_findings_from_one_outline(con):
    """finding_outline (migration 012) holds the findings' joins to sections and themes; the catalogue
    page's query and the draft's select from it, so the two cannot drift apart."""
    for name in ("finding_catalogue", "report_findings"):
        text = store.load_sql(name).lower()
        assert "from finding_outline" in text and " join " not in text
    outline = con.execute("select * from finding_outline order by ordinal").df()
    assert len(outline) == 56 and outline.finding_code.iloc[0] == "F01" and outline.section_title.notna().all()
    report = store.query(con, "report_findings")
    catalogue = store.query(con, "finding_catalogue")
    for frame in (report, catalogue):
        assert list(frame.finding_code) == list(outline.finding_code)
        shared = list(frame.columns)
        assert frame.to_dict("records") == outline[shared].to_dict("records")
    assert report.theme_title.notna().sum() == outline.theme_title.notna().sum() > 0
