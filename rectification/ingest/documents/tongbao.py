"""The 整改进展情况的通报 reader: paragraphs → a Draft.

It reads the genre, not one report: the preamble (who inspected, from when to when, the feedback date,
the unit as it signs); headings at every level in the styles units use (一、 1、 1. （一） (一) （1） (1),
full or ASCII width), their depth taken from the order the styles nest in; the organisational part (主体责任)
kept apart, its figures owned by no finding; the long-term part (需长期整改事项) marked; measures 一是/二是…
one per paragraph, run together, or after a label (整改落实情况：), kept verbatim; a proposed status and
lead department only where the words give one."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rectification.core.vocabulary import LONG_TERM, ONGOING, REPORTED_DONE
from rectification.ingest.documents.dates import dates_in, months_in
from rectification.ingest.documents.draft import Draft, Finding
from rectification.ingest.problems import refuse

# Full-width forms as ASCII, one character for one, so positions in the normalised line hold in the original.
WIDTH = str.maketrans("（）．，：；０１２３４５６７８９", "().,:;0123456789")
CHINESE_NUMBER = "[一二三四五六七八九十]+"
HEADING_STYLES = (
    ("一、", re.compile(rf"^{CHINESE_NUMBER}\s*、")),
    ("(一)", re.compile(rf"^\({CHINESE_NUMBER}\)\s*")),
    ("1、", re.compile(r"^\d{1,3}\s*、")),
    ("1.", re.compile(r"^\d{1,3}\.(?!\d)\s*")),
    ("(1)", re.compile(r"^\(\d{1,3}\)\s*")),
)
ORDINALS = [f"{n}是" for n in "一二三四五六七八九十"] + [f"十{n}是" for n in "一二三四五六七八九"]
MEASURE_START = re.compile(r"(?:^|(?<=[。；;!！]))\s*(?P<label>十?[一二三四五六七八九十]是)")
# A label before the measures: 整改落实情况：一是… / 整改措施：…
MEASURES_LABEL = re.compile(r"^(?:整改)?(?:落实|进展|措施|完成)[^：:，。]{0,6}[：:]|^整改[^：:，。]{0,6}[：:]")
QUOTED_FINDING = re.compile(r"^关于[“\"](?P<title>.+)[”\"](?:问题)?的?整改.*$")
DEPARTMENT = re.compile(r"(?:牵头部门|牵头单位|责任部门|责任单位)[：:]\s*(?P<name>[^，。；;,\s）)]+)")
INSPECTOR = re.compile(r"[，,。]\s*(?P<who>[^，,。；]{2,24}?)(?:对|向)(?P<whom>[^，,。；]{2,30}?)(?:开展|进行)(?:了)?")
# The closing lines that follow the last part in some reports: not content.
CLOSING = re.compile(r"^(?:欢迎|公开期限|联系电话|监督电话|来信地址|电子邮箱|附件)")
SIGNATURE = re.compile(r"^(?:中共)?[^，。；：,.;:]{2,40}(?:委员会|党委|党组)$")
DATE_LINE = re.compile(r"^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$")

STATUS_PHRASES = (
    # Something still pending outweighs a part done; a standing practice outweighs a one-off done.
    (
        ONGOING,
        re.compile(r"正在[^，。；]{0,8}|推进中|待[^，。；]{1,12}后|下一步|尚未完成|逐步推进|持续推进|力求尽快|力争"),
    ),
    (
        LONG_TERM,
        re.compile(
            r"长期坚持|常态化|长效机制|后续将|日后将|以后的工作中|每(?:天|日|周|月|季度|半年)[^，。；]{0,12}|定期[^，。；]{0,8}"
        ),
    ),
    (
        REPORTED_DONE,
        re.compile(
            r"已完成整改|完成整改|全部完成|已完成|已整改|已办结|已落实|立行立改|未发现[^，。；]{0,12}问题"
            r"|已[^，。；]{0,10}完毕|投入使用|已建成"
        ),
    ),
)
KINDS = ("巡视", "巡察", "审计", "督察")


@dataclass
class Node:
    style: str
    number: str
    title: str
    position: int  # the paragraph's number, for the notes
    children: list[Node] = field(default_factory=list)
    paragraphs: list[tuple[int, str]] = field(default_factory=list)

    def leaves(self) -> list[tuple[list[Node], Node]]:
        """(ancestors below this node, leaf) of every heading without headings under it."""
        if not self.children:
            return [([], self)]
        return [([self, *path], leaf) for child in self.children for path, leaf in child.leaves()]


def heading(line: str) -> tuple[str, str, str] | None:
    """(style, number, title) when the paragraph starts with a heading number."""
    normal = line.translate(WIDTH)
    for style, pattern in HEADING_STYLES:
        if match := pattern.match(normal):
            number = re.sub(r"[^\d一二三四五六七八九十]", "", match.group())
            title = line[match.end() :].strip()
            return (style, number, title) if title else None
    return None


def read(lines: list[str]) -> Draft:
    draft = Draft()
    preamble, roots = _outline(lines)
    _programme(draft, preamble, lines)
    for kind, part in _parts(roots):
        if kind == "organisational":
            draft.organisational_text += _texts(part) + [t for n in _walk(part)[1:] for t in [n.title, *_texts(n)]]
        elif kind == "long_term":
            draft.long_term_title = _part_title(part.title)
            for _, leaf in part.leaves() if part.children else []:
                _add_finding(draft, leaf, None, None, long_term=True)
        elif kind == "findings":
            _read_findings(draft, part)
        # The 下一步工作打算 part holds intentions, not findings: nothing of it is read.
    if not any(not f.long_term for f in draft.findings):
        raise refuse(
            "未在文件中找到任何整改问题（形如“（1）…”的标题及其下的“一是…二是…”）：请确认这是一份整改进展情况的通报"
        )
    return draft


def _outline(lines: list[str]) -> tuple[list[str], list[Node]]:
    """The preamble's paragraphs, and the headings as a tree: a style seen before closes back to its level."""
    preamble: list[str] = []
    roots: list[Node] = []
    stack: list[Node] = []
    for position, line in enumerate(lines, start=1):
        found = heading(line)
        if found is None:
            if stack and (CLOSING.match(line) or SIGNATURE.match(line) or DATE_LINE.match(line)):
                continue  # the closing words and the signature follow the last part
            if stack:
                stack[-1].paragraphs.append((position, line))
            else:
                preamble.append(line)
            continue
        style, number, title = found
        level = next((i for i, node in enumerate(stack) if node.style == style), None)
        if level is not None:
            del stack[level:]
        node = Node(style, number, title, position)
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)
    return preamble, roots


def _walk(node: Node) -> list[Node]:
    return [node, *(n for child in node.children for n in _walk(child))]


def _texts(node: Node) -> list[str]:
    return [text for _, text in node.paragraphs]


def _part_kind(title: str) -> str | None:
    if re.search(r"长期", title):
        return "long_term"
    if re.search(r"下一步|下步|工作打算|努力方向", title):
        return "next"
    if re.search(r"主体责任|组织领导|整改工作开展情况|履行.{0,6}责任", title):
        return "organisational"
    if re.search(r"问题.{0,8}整改|整改落实|整改情况|反馈", title):
        return "findings"
    return None


def _parts(roots: list[Node]) -> list[tuple[str, Node]]:
    """Each top-level part with its kind; a report without parts is one findings part."""
    kinds = [_part_kind(root.title) for root in roots]
    if not any(kinds):
        return [("findings", Node("", "", "", 0, children=roots))]
    return [(kind or "findings", root) for kind, root in zip(kinds, roots, strict=True)]


def _part_title(title: str) -> str:
    return re.sub(r"(?:进展|落实|整改落实|完成)?情况$", "", title) or title


def _read_findings(draft: Draft, part: Node) -> None:
    for position, text in part.paragraphs:
        draft.note(f"第{position}段", f"不属于任何问题的段落，未收入：{text[:40]}")
    sections: dict[int, int] = {}
    themes: dict[int, int] = {}
    seen: set[int] = set()  # headings above findings whose stray paragraphs are already noted
    for ancestors, leaf in part.leaves() if part.children else []:
        path = [node for node in ancestors if node is not part]
        for node in path:
            if id(node) not in seen:
                seen.add(id(node))
                for position, text in node.paragraphs:
                    draft.note(
                        f"第{position}段", f"标题「{node.title[:20]}」下不属于任何问题的段落，未收入：{text[:40]}"
                    )
        section = theme = None
        if path:
            top = path[0]
            if id(top) not in sections:
                sections[id(top)] = len(draft.sections)
                draft.sections.append(top.title)
            section = sections[id(top)]
        else:
            draft.note(f"第{leaf.position}段", f"问题「{leaf.title[:30]}」不在任何方面之下")
        if len(path) >= 2:
            middle = path[-1]
            if id(middle) not in themes:
                themes[id(middle)] = len(draft.themes)
                draft.themes.append((section, middle.title))
            theme = themes[id(middle)]
        if len(path) > 2 and -id(path[1]) not in seen:
            seen.add(-id(path[1]))  # once per heading left out of the three levels
            draft.note(f"第{path[1].position}段", f"标题层级多于三级，「{path[1].title[:20]}」一级未单列")
        _add_finding(draft, leaf, section, theme, long_term=False)


def _add_finding(draft: Draft, leaf: Node, section: int | None, theme: int | None, *, long_term: bool) -> None:
    title, measures = _title_and_measures(leaf)
    if quoted := QUOTED_FINDING.match(title):
        title = quoted["title"]
    finding = Finding(title=title, section=section, theme=theme, long_term=long_term, measures=measures)
    finding.report_number = "" if long_term else str(sum(not f.long_term for f in draft.findings) + 1)
    where = f"第{leaf.position}段"
    if not long_term and leaf.number.isdigit() and leaf.number != finding.report_number:
        draft.note(
            where, f"标题编号为 {leaf.number}，按出现顺序编为第 {finding.report_number} 个问题（编号分段重排或有跳号）"
        )
    if not measures:
        draft.note(where, f"「{title[:30]}」下未找到整改措施")
    words = "。".join([title, *(text for _, text in measures)])
    if department := DEPARTMENT.search(words):
        finding.lead_department = department["name"]
    finding.status, finding.status_basis = proposed_status(words)
    if not finding.status:
        draft.note(where, f"「{title[:30]}」的文字未写明整改状态，状态留空")
    draft.findings.append(finding)


def _title_and_measures(leaf: Node) -> tuple[str, list[tuple[str, str]]]:
    """A heading may carry its measures on the same line (（1）标题。一是…二是…)."""
    title, paragraphs = leaf.title, _texts(leaf)
    first = MEASURE_START.search(title)
    label = MEASURES_LABEL.search(title)
    cut = min(m.start() for m in (first, label) if m) if (first or label) else None
    if cut:
        paragraphs = [title[cut:], *paragraphs]
        title = title[:cut]
    return title.rstrip("。；; "), split_measures(paragraphs)


def split_measures(paragraphs: list[str], labelled_before: int = 0) -> list[tuple[str, str]]:
    """(label, verbatim text) of each measure: a 一是/二是 in sequence starts one, wherever it stands;
    `labelled_before` counts the finding's measures already read (a spreadsheet gives one per row)."""
    measures: list[tuple[str, str]] = []
    for paragraph in paragraphs:
        paragraph = MEASURES_LABEL.sub("", paragraph, count=1).strip()
        expected = labelled_before + len([m for m in measures if m[0]])
        cuts = []
        for match in MEASURE_START.finditer(paragraph):
            if expected < len(ORDINALS) and match["label"] == ORDINALS[expected]:
                cuts.append(match.start("label"))
                expected += 1
        pieces = [paragraph[a:b] for a, b in zip([0, *cuts], [*cuts, len(paragraph)], strict=True)]
        for piece in pieces:
            piece = piece.strip()
            if not piece or (cuts and piece.endswith(("：", ":")) and not piece.startswith(tuple(ORDINALS))):
                continue  # nothing, or the words that introduce the list (采取以下措施：)
            label = next((o for o in ORDINALS if piece.startswith(o)), "") if cuts else ""
            text = piece[len(label) :].lstrip("：:，, ") if label else piece
            measures.append((label, text.rstrip()))
    return measures


def proposed_status(words: str) -> tuple[str, str]:
    """The status the words give, and the clause that says it; ('', '') when they say none."""
    for status, pattern in STATUS_PHRASES:
        if match := pattern.search(words):
            start = max(words.rfind(p, 0, match.start()) for p in "，。；;,") + 1
            ends = [i for i in (words.find(p, match.end()) for p in "，。；;,") if i != -1]
            return status, words[start : min(ends) if ends else len(words)].strip()
    return "", ""


def _programme(draft: Draft, preamble: list[str], lines: list[str]) -> None:
    """The rectification's facts from the title lines, the preamble and the signature; blank where unsaid."""
    facts = draft.programme
    body = [line for line in preamble if re.search(r"[。，]", line)]
    titles = [line for line in preamble if line not in body]
    heading_text = "".join(titles)
    if match := re.search(r"关于(?P<name>.+?)(?:整改(?:工作)?(?:进展|落实)?情况)?的?通报", heading_text):
        facts["name"] = match["name"]
    facts["kind"] = next((k for k in KINDS if k in heading_text), None) or next(
        (k for k in KINDS if k in "".join(body)), "其他"
    )
    text = "".join(body)
    found = dates_in(text)
    feedback = next((d for d, start, _ in found if "反馈" in _sentence(text, start)), None)
    others = [d for d, _, _ in found if d != feedback]
    if others:
        facts["inspection_start"] = others[0].isoformat()
    if len(others) > 1:
        facts["inspection_end"] = others[1].isoformat()
    if feedback:
        facts["feedback_date"] = feedback.isoformat()
    if match := INSPECTOR.search("，" + text):
        facts["inspected_by"] = re.sub(r"^\d{4}年.*?日", "", match["who"]).strip()
        facts["unit_short"] = re.sub(r"(?:党委|党组|领导班子)$", "", match["whom"]).strip()
    facts["unit"] = _signing_unit(lines, titles)
    # The report's figures run to its cut-off: the latest 截至YYYY年M月 it states.
    cut_off = [month for line in lines for part in re.split(r"截[至止]", line)[1:] for month in months_in(part[:12])]
    if cut_off:
        facts["opening_month"] = max(cut_off)
    for column in ("inspected_by", "inspection_start", "inspection_end", "feedback_date", "unit", "opening_month"):
        if not facts.get(column):
            draft.note(f"programme.{column}", "文件未写明，留空待填")
    draft.note("programme.tracking_start", "文件未写明跟踪起始月，留空待填（通常为反馈意见的次月）")
    draft.note("programme.code", "整改编码由创建时指定")


def _sentence(text: str, position: int) -> str:
    start = max(text.rfind(p, 0, position) for p in "。；") + 1
    end = min([i for i in (text.find(p, position) for p in "。；") if i != -1] or [len(text)])
    return text[start:end]


def _signing_unit(lines: list[str], titles: list[str]) -> str:
    """The unit as it signs (the last 委员会/党委 line), without the party committee around it."""
    signatures = [line for line in lines[-6:] if SIGNATURE.match(line)] or [t for t in titles if SIGNATURE.match(t)]
    if not signatures:
        return ""
    return re.sub(r"^中共|(?:委员会|党委|党组)$", "", signatures[-1]).strip()
