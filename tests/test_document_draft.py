"""Issue 19, the reading and drafting part: a rectification's own documents read into a draft catalogue.

The hand catalogue (data/catalogue/) is the answer key here and only here: the readers never see it. The
report is read as typed, as a .docx, re-typeset the way other units publish, as the PDFs LibreOffice and
Chromium made of it (tests/fixtures/documents/make_pdfs.py), and as a 问题清单 spreadsheet built from the
catalogue; the mini rectification's invented 通报 must read too."""

from __future__ import annotations

import collections
import difflib
import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import openpyxl
import pandas as pd
import pytest
from PIL import Image, ImageDraw

from rectification.ingest import Refused
from rectification.ingest.documents import Draft, read_bytes, read_path, write
from rectification.ingest.documents.figures import figures

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "data" / "source" / "report.txt"
CATALOGUE = ROOT / "data" / "catalogue"
MINI = ROOT / "data" / "demo" / "donghu-audit"
PDFS = ROOT / "tests" / "fixtures" / "documents"
RECALL, PRECISION = 0.90, 0.85


def key_table(directory: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(directory / f"{name}.csv", dtype=str, keep_default_na=False)


def measures_by_finding(rows: list[list[str]]) -> list[list[str]]:
    """Measure texts grouped by finding, in order: codes differ between catalogues, order does not."""
    grouped: dict[str, list[str]] = {}
    for code, _, _, text in rows:
        grouped.setdefault(code, []).append(text)
    return list(grouped.values())


def key_measures(directory: Path) -> list[list[str]]:
    return measures_by_finding(key_table(directory, "measures").values.tolist())


def figure_scores(draft: Draft, directory: Path) -> tuple[float, float, int, int, int]:
    """Recall and precision of the proposed figures against the key's (finding, value, unit)."""
    codes = dict(zip(draft.finding_codes(), key_table(directory, "findings").finding_code, strict=True))
    metrics = key_table(directory, "metrics")
    key = collections.Counter((m.finding_code, float(m.opening_value), m.unit) for m in metrics.itertuples())
    proposed = collections.Counter(
        (codes.get(f, ""), figure.value, figure.unit) for f, figure in draft.proposed_figures()
    )
    hits = sum((key & proposed).values())
    total, made = sum(key.values()), sum(proposed.values())
    return hits / total, hits / made, hits, total, made


def assert_verbatim(got: list[str], key: list[str], glyphs_lost: int) -> None:
    """Each text as typed; a PDF may lose up to `glyphs_lost` texts by one character each: a space at a
    line's end is not drawn, and a font that shares one glyph between 户 and 戶 maps it back to one."""
    assert len(got) == len(key)
    differing = [(a, b) for a, b in zip(got, key, strict=True) if a != b]
    assert len(differing) <= glyphs_lost, differing[:3]
    for a, b in differing:
        changed = {(a[i1:i2], b[j1:j2]) for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b).get_opcodes()}
        changed = {(x, y) for x, y in changed if x != y and (x.strip() or y.strip())}
        assert changed == set() or (len(changed) == 1 and all(len(x) == len(y) == 1 for x, y in changed)), (a, b)


def assert_like_the_catalogue(draft: Draft, label: str, glyphs_lost: int = 0) -> None:
    counts = draft.counts()
    assert (counts["sections"], counts["themes"], counts["findings"], counts["long_term"], counts["measures"]) == (
        4,
        37,
        54,
        2,
        180,
    )
    rows = draft.tables()
    assert_verbatim([r[3] for r in rows["measures"]], list(key_table(CATALOGUE, "measures").text), glyphs_lost)
    assert [r[0] for r in rows["measures"]] == list(key_table(CATALOGUE, "measures").finding_code)
    findings = key_table(CATALOGUE, "findings")
    assert_verbatim([r[4] for r in rows["findings"]], list(findings.title), glyphs_lost)
    assert [r[2] for r in rows["findings"]] == list(findings.section_code)
    assert [r[3] for r in rows["findings"]] == list(findings.theme_code)
    assert_verbatim([r[3] for r in rows["themes"]], list(key_table(CATALOGUE, "themes").title), glyphs_lost)
    recall, precision, hits, total, made = figure_scores(draft, CATALOGUE)
    print(f"{label}: figures recall {hits}/{total} = {recall:.1%}, precision {hits}/{made} = {precision:.1%}")
    assert recall >= RECALL and precision >= PRECISION


def test_the_report_as_typed_reads_into_the_catalogue():
    draft = read_path(REPORT)
    assert_like_the_catalogue(draft, "report.txt")
    facts = draft.programme
    expected = key_table(ROOT / "data", "programme").iloc[0]
    for column in ("unit", "unit_short", "name", "kind", "inspected_by", "inspection_start", "inspection_end"):
        assert facts[column] == expected[column], column
    assert (facts["feedback_date"], facts["opening_month"]) == (expected.feedback_date, expected.opening_month)
    assert facts["tracking_start"] == "" and facts["code"] == ""  # not said in the report: blank, never invented


def test_the_report_saved_as_docx_reads_the_same():
    document = docx.Document()
    for line in REPORT.read_text(encoding="utf-8").splitlines():
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    assert_like_the_catalogue(read_bytes(out.getvalue(), "通报.docx"), "report.docx")


def retypeset(text: str) -> str:
    """The report as other units publish it: 一、 parts, ASCII brackets, 一是/二是 run into one paragraph."""
    chinese = "一二三四五六七八九"
    lines = []
    for line in text.splitlines():
        line = re.sub(r"^(\d)、\s*", lambda m: chinese[int(m[1]) - 1] + "、", line)
        line = re.sub(r"^（([一二三四五六七八九十\d]+)）", r"(\1)", line)
        if re.match(r"^[二三四五六七八九十]是", line) and lines and re.search(r"是", lines[-1][:3]):
            lines[-1] += line
        else:
            lines.append(line)
    return "\r\n".join(lines)


def test_a_retypeset_copy_in_gb18030_reads_the_same():
    typed = retypeset(REPORT.read_text(encoding="utf-8"))
    assert "(1)" in typed and "一、" in typed and "。二是" in typed
    assert_like_the_catalogue(read_bytes(typed.encode("gb18030"), "通报.txt"), "retypeset GB18030 CRLF")


@pytest.mark.parametrize("name", ["report-wps-style.pdf", "report-browser-print.pdf"])
def test_the_report_as_a_pdf_reads_the_same(name):
    """公文 layout with indents and running page numbers (LibreOffice), and a web page printed with a header
    and 第 N 页 共 M 页 (Chromium): paragraphs put back together from the page geometry."""
    draft = read_bytes((PDFS / name).read_bytes(), name)
    assert_like_the_catalogue(draft, name, glyphs_lost=1)
    # the running heads and page numbers are in no finding or measure: both match the catalogue's above
    assert (draft.programme["feedback_date"], draft.programme["inspected_by"]) == ("2024-07-26", "市委第三巡察组")


def scanned_pdf() -> bytes:
    """Two pages that are only pictures, as a scanner or a phone app saves them."""
    pages = []
    for number in (1, 2):
        page = Image.new("RGB", (1240, 1754), "white")
        draw = ImageDraw.Draw(page)
        for row in range(30):
            draw.rectangle((150, 200 + row * 45, 1090 - (row % 4) * 90, 225 + row * 45), fill="black")
        draw.text((600, 1650), str(number), fill="black")
        pages.append(page)
    out = io.BytesIO()
    pages[0].save(out, "PDF", resolution=150, save_all=True, append_images=pages[1:])
    return out.getvalue()


def problem_list_xlsx() -> bytes:
    """A 问题清单 as a spreadsheet program saves one: a title row, one row per measure, finding cells merged."""
    sections = dict(key_table(CATALOGUE, "sections")[["section_code", "title"]].values)
    findings = key_table(CATALOGUE, "findings")
    measures = key_table(CATALOGUE, "measures")
    book = openpyxl.Workbook()
    sheet = book.active
    header = ["序号", "问题类别", "问题描述", "整改措施", "牵头部门", "整改时限", "完成情况"]
    sheet.append(["横栏分局巡察反馈问题整改清单"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet.append(["填报单位：中山市公安局横栏分局（盖章）", None, None, None, None, "填报时间：2025年4月"])
    sheet.append(header)
    for number, finding in enumerate(findings.itertuples(), start=1):
        rows = measures[measures.finding_code == finding.finding_code]
        first = sheet.max_row + 1
        for measure in rows.itertuples():
            sheet.append(
                [
                    number,
                    sections[finding.section_code],
                    finding.title,
                    measure.ordinal_label + measure.text,
                    finding.lead_department or None,
                    "长期坚持" if finding.is_long_term == "true" else "2025年6月30日前",
                    finding.status,
                ]
            )
        for column in (1, 2, 3, 5, 6, 7):
            sheet.merge_cells(start_row=first, start_column=column, end_row=sheet.max_row, end_column=column)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_problem_list_spreadsheet_gives_the_same_findings_measures_and_departments():
    draft = read_bytes(problem_list_xlsx(), "问题清单.xlsx")
    findings = key_table(CATALOGUE, "findings")
    rows = draft.tables()
    assert [r[4] for r in rows["findings"]] == list(findings.title)
    assert [r[5] for r in rows["findings"]] == list(findings.lead_department)
    assert [r[0] for r in rows["findings"]] == list(findings.finding_code)  # F01… and L1, L2
    assert [r[8] for r in rows["findings"]] == list(findings.is_long_term)
    assert measures_by_finding(rows["measures"]) == key_measures(CATALOGUE)
    assert draft.counts()["sections"] == 4
    assert {r[7] for r in rows["findings"] if r[8] == "false"} == {"2025-06-30"}
    facts = draft.programme
    assert (facts["name"], facts["kind"]) == ("横栏分局巡察反馈问题", "巡察")  # the title, less 整改清单
    assert (facts["unit"], facts["feedback_date"]) == ("中山市公安局横栏分局", "")


def test_a_problem_list_csv_in_gbk_reads():
    text = "序号,问题描述,整改措施,责任单位,完成时限,整改状态\n1,台账不全,一是补齐台账。二是每月核对。,办公室,2025.6.30,已完成\n"
    draft = read_bytes(text.encode("gbk"), "清单.csv")
    assert draft.tables()["measures"] == [["F01", "1", "一是", "补齐台账。"], ["F01", "2", "二是", "每月核对。"]]
    assert draft.tables()["findings"][0][5:10] == ["办公室", "", "2025-06-30", "false", "已完成"]


def test_the_mini_rectifications_report_reads():
    draft = read_path(MINI / "report.txt")
    counts = draft.counts()
    assert (counts["sections"], counts["findings"], counts["long_term"], counts["measures"]) == (2, 4, 1, 8)
    assert measures_by_finding(draft.tables()["measures"]) == key_measures(MINI)
    assert [r[4] for r in draft.tables()["findings"]] == list(key_table(MINI, "findings").title)
    recall, precision, hits, total, made = figure_scores(draft, MINI)
    print(f"mini: figures recall {hits}/{total} = {recall:.1%}, precision {hits}/{made} = {precision:.1%}")
    assert recall == 1.0
    facts = draft.programme
    assert (facts["kind"], facts["inspected_by"], facts["feedback_date"]) == ("审计", "市审计局", "2025-06-16")
    statuses = [r[9] for r in draft.tables()["findings"]]
    assert statuses == ["已完成", "推进中", "推进中", "", "长期坚持"]  # B01's words say none: blank


ANOTHER_GENRE = """关于对市财政局开展巡视整改情况的通报
根据省委统一部署，2023年11月1日至12月20日，省委第二巡视组对市财政局党组开展了常规巡视。2024年1月15日，省委巡视组向市财政局党组反馈了巡视意见。
一、党组履行整改主体责任情况
党组先后5次召开专题会议研究整改。
二、巡视反馈问题整改落实情况
(一)贯彻落实方面
1.关于“预算约束不严”问题的整改
整改落实情况：一是修订预算管理办法。二是压减非急需支出1200万元，已完成整改。牵头部门：预算科。
2.关于“资产底数不清”问题的整改
一是清查资产3批次，正在推进。
(二)作风建设方面
1.关于“调研不深”问题的整改
一是开展调研12次。
二是形成报告4篇，相关工作常态化开展。
三、下一步工作打算
持续巩固整改成果。
中共某市财政局党组
2024年6月30日
"""


def test_another_units_report_reads_by_its_own_words():
    """Numbering restarting per section, quoted findings, a 整改落实情况： label, a named department."""
    draft = read_bytes(ANOTHER_GENRE.encode("utf-8-sig"), "通报.txt")
    rows = draft.tables()
    assert [r[4] for r in rows["findings"]] == ["预算约束不严", "资产底数不清", "调研不深"]
    assert [r[:3] for r in rows["sections"]] == [["S1", "1", "贯彻落实方面"], ["S2", "2", "作风建设方面"]]
    assert rows["themes"] == []  # two heading levels: sections and findings
    assert rows["measures"][:2] == [
        ["F01", "1", "一是", "修订预算管理办法。"],
        ["F01", "2", "二是", "压减非急需支出1200万元，已完成整改。牵头部门：预算科。"],
    ]
    assert [(r[5], r[9]) for r in rows["findings"]] == [("预算科", "已完成"), ("", "推进中"), ("", "长期坚持")]
    facts = draft.programme
    assert (facts["kind"], facts["inspected_by"], facts["unit"]) == ("巡视", "省委第二巡视组", "某市财政局")
    assert (facts["inspection_start"], facts["inspection_end"], facts["feedback_date"]) == (
        "2023-11-01",
        "2023-12-20",  # the year carried over from 2023年11月1日
        "2024-01-15",
    )
    assert [(code, f.value, f.unit) for code, f in draft.proposed_figures()] == [
        ("", 5, "次"),
        ("F01", 1200, "万元"),
        ("F02", 3, "批次"),
        ("F03", 12, "次"),
        ("F03", 4, "篇"),
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("开展交通劝导工作2629场次", [(2629, "场次", "")]),
        ("家长志愿者队伍已新增120余名", [(120, "名", "余")]),
        ("已完成建设停车位约700个", [(700, "个", "约")]),
        ("辖区张贴覆盖率100%", [(100, "%", "")]),
        ("举行公文写作专题培训班两期", [(2, "期", "")]),
        ("已重新制作10万张联系卡", [(100000, "张", "")]),
        ("追回差旅费3.6万元", [(3.6, "万元", "")]),
        ("所有超过5000元支出，需经审批", []),
        ("每月开展一次固定资产盘点", []),
        ("依照第3条规定，2024年9月以来", []),
        ("推进“专项整治8+1”“两个维护”", []),
        ("排查近3年以来", []),
    ],
)
def test_figures_are_counts_with_a_counting_unit(text, expected):
    assert [(f.value, f.unit, f.approximate) for f in figures(text)] == expected


def test_a_rate_is_a_level_and_a_count_a_flow():
    rate, count = figures("预算执行率提升至92%，登记入账装备186件")
    assert (rate.kind, count.kind) == ("level", "count")
    assert count.source_quote == "登记入账装备186件"


def test_the_draft_directory_has_the_catalogue_layout(tmp_path):
    out = tmp_path / "draft"
    write(read_path(MINI / "report.txt"), out)
    for name in ("sections", "themes", "findings", "measures", "metrics", "outcome_groups", "headline_metrics"):
        assert list(pd.read_csv(out / f"{name}.csv", nrows=0).columns) == list(key_table(MINI, name).columns), name
    assert list(pd.read_csv(out / "programme.csv", nrows=0).columns) == list(key_table(MINI, "programme").columns)
    assert list(pd.read_csv(out / "draft_notes.csv").columns) == ["where", "what"]


def run_cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rectification", "programme", "draft", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def test_cli_draft_prints_one_line_of_counts(tmp_path):
    done = run_cli("--from", REPORT, "--out", tmp_path / "d")
    assert done.returncode == 0, done.stderr
    assert "4 个方面、37 个小标题、54 个问题、2 个长期整改事项、180 条整改措施" in done.stdout
    assert len(done.stdout.strip().splitlines()) == 1
    assert (tmp_path / "d" / "findings.csv").exists()


def zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (20 * 1024 * 1024))
    return out.getvalue()


def no_problem_column() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["序号", "整改措施", "牵头部门"])
    book.active.append([1, "一是补齐台账。", "办公室"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "不支持旧版 Word .doc"),
        ("scan.pdf", scanned_pdf(), "PDF 没有可读取的文字（可能是扫描件或图片）"),
        ("locked.pdf", (PDFS / "encrypted.pdf").read_bytes(), "PDF 设有打开密码"),
        ("damaged.pdf", b"%PDF-1.4\n1 0 obj<</Type/Page>>endobj\n%%EOF", "PDF 文件已损坏"),
        ("page.pdf", "<html><body>404 页面不存在</body></html>".encode(), "内容却不是 PDF"),
        ("bomb.xlsx", zip_bomb(), "疑似压缩炸弹"),
        ("notice.txt", "关于召开会议的通知\n请各部门准时参加。\n".encode(), "未在文件中找到任何整改问题"),
        ("list.xlsx", no_problem_column(), "未找到「问题」列"),
        ("huge.txt", None, "文件过大"),
    ],
)
def test_bad_input_gets_its_message_and_nothing_is_written(tmp_path, name, content, message):
    source = tmp_path / name
    if content is None:
        with open(source, "wb") as file:  # sparse: 201 MB on paper, nothing on disk
            file.truncate(201 * 1024 * 1024)
    else:
        source.write_bytes(content)
    done = run_cli("--from", source, "--out", tmp_path / "out")
    assert done.returncode == 1
    assert message in done.stderr, done.stderr
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_an_output_directory_in_use_is_refused():
    with pytest.raises(Refused, match="已存在且不为空"):
        write(read_path(MINI / "report.txt"), ROOT / "tests")


def test_the_readers_know_the_genre_not_this_report():
    """The answer key stays in the tests: no reader module names the report's unit or opens a catalogue."""
    package = ROOT / "rectification" / "ingest" / "documents"
    for module in package.glob("*.py"):
        source = module.read_text(encoding="utf-8")
        assert "横栏" not in source and "CATALOGUE_DIR" not in source and "read_table" not in source, module.name
