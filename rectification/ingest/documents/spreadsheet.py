"""The 问题清单 / 整改台账 reader: a spreadsheet (xlsx, or CSV in UTF-8/GBK) → a Draft.

The header is found by its words (序号, 问题类别, 问题描述/问题表现, 整改措施, 牵头部门/责任单位, 整改时限,
完成情况 and their synonyms) below any title or 填报单位 rows; merged cells are read as filled down (reading
does that), so a finding merged over its measures' rows, or one row per finding with 一是/二是 in one cell,
both read as one finding with its measures."""

from __future__ import annotations

import re

from rectification.core.vocabulary import LONG_TERM, NOT_STARTED, ONGOING, REPORTED_DONE
from rectification.ingest.documents.dates import deadline
from rectification.ingest.documents.draft import Draft, Finding
from rectification.ingest.documents.tongbao import KINDS, split_measures
from rectification.ingest.problems import cell_text, free_text, refuse
from rectification.ingest.reading import Sheet, read_sheets

# Each column the reader uses, and the words a header cell may say for it (most specific first).
COLUMNS = {
    "number": ("序号", "编号", "问题编号", "问题序号"),
    "category": ("问题类别", "问题类型", "问题分类", "类别", "方面", "问题领域"),
    "finding": ("问题描述", "问题表现", "存在问题", "具体问题", "反馈问题", "问题内容", "问题清单", "问题"),
    "measures": ("整改措施", "整改举措", "具体措施", "整改任务", "任务清单", "措施"),
    "target": ("整改目标", "目标"),
    "leader": ("责任领导", "牵头领导", "分管领导", "责任领导（签字）"),
    "department": ("牵头部门", "牵头单位", "责任单位", "责任部门", "主责部门", "责任清单"),
    "person": ("责任人", "具体责任人"),
    "deadline": ("整改时限", "完成时限", "整改期限", "时限", "完成时间"),
    "status": ("完成情况", "整改状态", "整改情况", "进展情况", "整改进展", "状态"),
}
HEADER_ROWS_SEARCHED = 15
FILLER_ROW = re.compile(r"^(?:填报单位|填报人|制表|审核人|联系人|填报时间|单位[（(]盖章[)）])")
LIST_WORDS = re.compile(r"(?:问题|整改|任务|责任)?(?:清单|台账|明细表|一览表|方案)$")


def column_key(cell) -> str | None:
    """The column a header cell names: an exact synonym first, else the longest synonym it contains."""
    text = re.sub(r"\s+", "", cell_text(cell) or "")
    if not text:
        return None
    for key, words in COLUMNS.items():
        if text in words:
            return key
    best = max(((len(w), k) for k, words in COLUMNS.items() for w in words if w in text), default=None)
    return best[1] if best else None


def find_header(sheet: Sheet) -> tuple[int, dict[str, int]] | None:
    """(row index, {column key: column index}) of the first row with a 问题 column and one other."""
    for r, row in enumerate(sheet.rows[:HEADER_ROWS_SEARCHED]):
        columns: dict[str, int] = {}
        for c, cell in enumerate(row):
            key = column_key(cell)
            if key and key not in columns:
                columns[key] = c
        if "finding" in columns and len(columns) >= 2:
            return r, columns
    return None


def read(data: bytes, file_name: str) -> Draft:
    for sheet in read_sheets(data, file_name):
        if found := find_header(sheet):
            return _read_sheet(sheet, *found)
    raise refuse(
        "未找到「问题」列：问题清单的表头应有 问题描述（或 问题表现、存在问题）一列，"
        "以及 整改措施、牵头部门、整改时限 等列，请检查表头后重试"
    )


def _cell(row: list, columns: dict[str, int], key: str) -> str:
    c = columns.get(key)
    return free_text(row[c]) if c is not None and c < len(row) else ""  # verbatim: titles and measures


def _read_sheet(sheet: Sheet, header_row: int, columns: dict[str, int]) -> Draft:
    draft = Draft()
    _programme(draft, sheet.rows[:header_row])
    sections: dict[str, int] = {}
    current: Finding | None = None
    current_key: tuple[str, str] | None = None
    for r, row in enumerate(sheet.rows[header_row + 1 :], start=header_row + 2):
        title = _cell(row, columns, "finding")
        if not title:
            if any(cell_text(c) for c in row):
                draft.note(f"第{r}行", "没有问题描述的行，未收入")
            continue
        if FILLER_ROW.match(title) or title in COLUMNS["finding"]:  # a header repeated on every page
            continue
        key = (_cell(row, columns, "number"), title)
        if key != current_key:
            current = _finding(draft, row, columns, sections, r)
            current_key = key
        text = _cell(row, columns, "measures")
        if text:
            current.measures += split_measures([text], sum(1 for label, _ in current.measures if label))
    if not draft.findings:
        raise refuse("问题清单中没有任何问题行：请确认表头下方填有问题描述")
    for code, finding in zip(draft.finding_codes(), draft.findings, strict=True):
        if not finding.measures:
            draft.note(code, "未填整改措施")
    return draft


def _finding(draft: Draft, row: list, columns: dict[str, int], sections: dict[str, int], r: int) -> Finding:
    category = _cell(row, columns, "category")
    limit = _cell(row, columns, "deadline")
    long_term = "长期" in category or "长期" in limit
    section = None
    if category and not long_term:
        if category not in sections:
            sections[category] = len(draft.sections)
            draft.sections.append(category)
        section = sections[category]
    elif long_term and category:
        draft.long_term_title = category
    finding = Finding(title=_cell(row, columns, "finding"), section=section, theme=None, long_term=long_term)
    finding.report_number = "" if long_term else str(sum(not f.long_term for f in draft.findings) + 1)
    finding.lead_department = _cell(row, columns, "department")
    finding.responsible_leader = _cell(row, columns, "leader")
    if due := deadline(limit):
        finding.deadline = due.isoformat()
    elif limit and not long_term:
        draft.note(f"第{r}行", f"整改时限「{limit}」无法识别为日期，留空")
    status_text = _cell(row, columns, "status")
    finding.status = status_of(status_text)
    finding.status_basis = status_text if finding.status else ""
    draft.findings.append(finding)
    return finding


def status_of(text: str) -> str:
    """完成情况 as a reported status; blank when the cell says none."""
    if not text:
        return ""
    if re.search(r"长期|常态", text):
        return LONG_TERM
    if re.search(r"未启动|未开始|尚未开展", text):
        return NOT_STARTED
    if re.search(r"未完成|推进|进行中|正在|部分完成|持续", text):
        return ONGOING
    if re.search(r"完成|办结|销号", text):
        return REPORTED_DONE
    return ""


def _programme(draft: Draft, rows: list[list]) -> None:
    """A title row (…问题清单) names the rectification; a 填报单位 row the unit."""
    facts = draft.programme
    for row in rows:
        for cell in row:
            text = free_text(cell)
            if not text:
                continue
            if match := re.match(r"^填报单位[：:]\s*(?P<unit>.+)$", text):
                facts["unit"] = re.sub(r"[（(]盖章[)）]", "", match["unit"]).strip()
            elif not facts["name"] and len(text) > 6 and not FILLER_ROW.match(text):
                facts["name"] = LIST_WORDS.sub("", text).strip()
    facts["kind"] = next((k for k in KINDS if k in facts["name"]), "其他")
    for column in ("name", "unit", "inspected_by", "inspection_start", "inspection_end", "feedback_date"):
        if not facts[column]:
            draft.note(f"programme.{column}", "问题清单未写明，留空待填")
    draft.note("programme.tracking_start", "问题清单未写明跟踪起始月，留空待填")
