"""The draft catalogue a document reads into, and writing it as a directory in data/catalogue/'s layout
(sections, themes, findings, measures, metrics, outcome_groups, headline_metrics) plus programme.csv and
draft_notes.csv (`where,what`: what the reader was unsure of or left out). Nothing here is invented: a
cell the document does not fill stays blank for the reviewer."""

from __future__ import annotations

import csv
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from rectification.catalogue import FILE_COLUMNS
from rectification.core.programme import COLUMNS as PROGRAMME_COLUMNS
from rectification.core.programme import stored_path
from rectification.ingest.documents.figures import Figure, figures
from rectification.ingest.problems import refuse

COLUMNS = {
    **FILE_COLUMNS,
    "programme": PROGRAMME_COLUMNS,
    "draft_notes": ["where", "what"],
}
LONG_TERM_SECTION = "SL"
ORGANISATIONAL = "ORG"  # the metrics of the organisational part, which belong to no finding


@dataclass
class Finding:
    title: str
    section: int | None  # index into Draft.sections
    theme: int | None  # index into Draft.themes
    long_term: bool = False
    measures: list[tuple[str, str]] = field(default_factory=list)  # (ordinal label or '', verbatim text)
    report_number: str = ""
    lead_department: str = ""
    responsible_leader: str = ""
    deadline: str = ""
    status: str = ""
    status_basis: str = ""


@dataclass
class Draft:
    programme: dict[str, str] = field(default_factory=lambda: dict.fromkeys(PROGRAMME_COLUMNS, ""))
    sections: list[str] = field(default_factory=list)
    themes: list[tuple[int, str]] = field(default_factory=list)  # (section index, title)
    findings: list[Finding] = field(default_factory=list)
    organisational_text: list[str] = field(default_factory=list)  # the 主体责任 part, for its figures only
    notes: list[tuple[str, str]] = field(default_factory=list)
    long_term_title: str = "需长期整改事项"

    def note(self, where: str, what: str) -> None:
        self.notes.append((where, what))

    # The codes, as data/catalogue numbers them: S1…, S1T01…, F01…, L1….
    def section_code(self, index: int | None) -> str:
        return "" if index is None else f"S{index + 1}"

    def theme_codes(self) -> list[str]:
        codes, counts = [], {}
        for section, _ in self.themes:
            counts[section] = counts.get(section, 0) + 1
            codes.append(f"{self.section_code(section)}T{counts[section]:02d}")
        return codes

    def finding_codes(self) -> list[str]:
        width = max(2, len(str(sum(not f.long_term for f in self.findings))))
        codes, numbered, long_term = [], 0, 0
        for finding in self.findings:
            if finding.long_term:
                long_term += 1
                codes.append(f"L{long_term}")
            else:
                numbered += 1
                codes.append(f"F{numbered:0{width}d}")
        return codes

    def proposed_figures(self) -> list[tuple[str, Figure]]:
        """(finding code, figure) for every figure of every measure; ORG's from the organisational part."""
        found = [("", figure) for text in self.organisational_text for figure in figures(text)]
        for code, finding in zip(self.finding_codes(), self.findings, strict=True):
            found += [(code, figure) for _, text in finding.measures for figure in figures(text)]
        return found

    def counts(self) -> dict[str, int]:
        return {
            "sections": len(self.sections),
            "themes": len(self.themes),
            "findings": sum(not f.long_term for f in self.findings),
            "long_term": sum(f.long_term for f in self.findings),
            "measures": sum(len(f.measures) for f in self.findings),
            "figures": len(self.proposed_figures()),
            "notes": len(self.notes),
        }

    def summary(self) -> str:
        c = self.counts()
        return (
            f"草稿：{c['sections']} 个方面、{c['themes']} 个小标题、{c['findings']} 个问题、"
            f"{c['long_term']} 个长期整改事项、{c['measures']} 条整改措施、{c['figures']} 个拟设指标、"
            f"{c['notes']} 条待核事项（见 draft_notes.csv）"
        )

    def tables(self) -> dict[str, list[list[str]]]:
        """Every file's rows (without its header), as written."""
        theme_codes, finding_codes = self.theme_codes(), self.finding_codes()
        sections = [[self.section_code(i), str(i + 1), title] for i, title in enumerate(self.sections)]
        if any(f.long_term for f in self.findings):
            sections.append([LONG_TERM_SECTION, str(len(sections) + 1), self.long_term_title])
        themes, ordinals = [], {}
        for code, (section, title) in zip(theme_codes, self.themes, strict=True):
            ordinals[section] = ordinals.get(section, 0) + 1
            themes.append([code, self.section_code(section), str(ordinals[section]), title])
        return {
            "sections": sections,
            "themes": themes,
            "findings": [
                self._finding_row(c, f, theme_codes) for c, f in zip(finding_codes, self.findings, strict=True)
            ],
            "measures": [
                [code, str(n), label, text]
                for code, finding in zip(finding_codes, self.findings, strict=True)
                for n, (label, text) in enumerate(finding.measures, start=1)
            ],
            "metrics": self._metric_rows(),
            "outcome_groups": [],
            "headline_metrics": [],
            "programme": [[self.programme.get(c, "") for c in PROGRAMME_COLUMNS]],
            "draft_notes": [list(n) for n in self.notes],
        }

    def _finding_row(self, code: str, finding: Finding, theme_codes: list[str]) -> list[str]:
        section = LONG_TERM_SECTION if finding.long_term else self.section_code(finding.section)
        theme = "" if finding.theme is None or finding.long_term else theme_codes[finding.theme]
        return [
            code,
            "" if finding.long_term else finding.report_number,
            section,
            theme,
            finding.title,
            finding.lead_department,
            finding.responsible_leader,
            finding.deadline,
            "true" if finding.long_term else "false",
            finding.status,
            finding.status_basis,
        ]

    def _metric_rows(self) -> list[list[str]]:
        rows, ordinals = [], {}
        for finding_code, figure in self.proposed_figures():
            owner = finding_code or ORGANISATIONAL
            ordinals[owner] = ordinals.get(owner, 0) + 1
            n = ordinals[owner]
            rows.append(
                [
                    f"{owner}_M{n:02d}",
                    finding_code,
                    str(n),
                    figure.name,
                    figure.unit,
                    figure.kind,
                    "",
                    figure.value_text,
                    "",
                    "",
                    figure.source_quote,
                    figure.approximate,
                    "",
                    "",
                ]
            )
        return rows


def write(draft: Draft, directory: Path) -> list[Path]:
    """Every file at once: written beside the directory, then moved into place, so a failure leaves nothing."""
    directory = Path(directory)
    draft.programme["catalogue_source"] = stored_path(directory)  # the catalogue a store will be built from
    return write_tables(draft.tables(), directory)


def write_tables(
    tables: dict[str, list[list[str]]], directory: Path, files: dict[str, bytes] | None = None
) -> list[Path]:
    """Each table as `<name>.csv` under its COLUMNS header, and `files` as they are, into a directory that
    must be new or empty: written beside it, then moved into place, so a failure leaves nothing."""
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise refuse(f"输出目录 {directory} 已存在且不为空：请指定一个新目录")
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=directory.parent))
    try:
        for name, rows in tables.items():
            with open(staging / f"{name}.csv", "w", encoding="utf-8", newline="") as file:
                writer = csv.writer(file, lineterminator="\n")
                writer.writerow(COLUMNS[name])
                writer.writerows(rows)
        for name, data in (files or {}).items():
            (staging / name).write_bytes(data)
        if directory.exists():
            directory.rmdir()
        staging.rename(directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return sorted(directory.iterdir())
