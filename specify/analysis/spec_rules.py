"""Rules for spec.md: mandatory sections, unique requirement ids, open clarifications."""

from __future__ import annotations

import re

from specify.analysis.findings import Report
from specify.analysis.markdown import MarkdownFile, section_lines

# Each mandatory section of spec-kit's spec template, with the older names it accepts.
MANDATORY_SECTIONS = (
    ("User Scenarios & Testing", ("user scenarios", "user stories", "user story")),
    ("Requirements", ("requirements", "functional requirements")),
    (
        "Success Criteria",
        (
            "success criteria",
            "measurable outcomes",
            "acceptance criteria",
            "review & acceptance checklist",
        ),
    ),
)
MAX_CLARIFICATIONS = 3
# Sections of the pre-1.0 spec template that instruct the author; their examples are not content.
GUIDANCE_SECTIONS = ("execution flow", "quick guidelines")

REQUIREMENT_ID = re.compile(r"^\s*(?:[-*+]|\d+[.)]|\|)?\s*(?:\*\*)?\s*((?:FR|SC|NFR)-\d+[A-Za-z]?)\b")
CLARIFICATION = re.compile(r"\[NEEDS CLARIFICATION(?::[^\]]*)?\]")
STORY_HEADING = re.compile(r"^(?:User\s+Story|US)[\s-]*(\d+)\b", re.IGNORECASE)


def _clean(heading: str) -> str:
    text = re.sub(r"\*\([^)]*\)\*|\([^)]*\)", "", heading)
    return re.sub(r"[^\w&\s]", "", text).strip().lower()


def check_spec(doc: MarkdownFile, report: Report) -> None:
    """Add findings for sections, requirement ids and clarification markers of ``doc``."""
    _check_sections(doc, report)
    _check_unique_ids(doc, report)
    _check_clarifications(doc, report)


def _check_sections(doc: MarkdownFile, report: Report) -> None:
    titles = [_clean(heading.text) for heading in doc.headings if heading.level >= 2]
    for name, accepted in MANDATORY_SECTIONS:
        if not any(title.startswith(accepted) for title in titles):
            report.add(
                doc.name,
                1,
                "spec-section",
                "error",
                f"Mandatory section '{name}' is missing; add a '## {name}' heading.",
            )


def _check_unique_ids(doc: MarkdownFile, report: Report) -> None:
    seen: dict[str, int] = {}
    for line in section_lines(doc, GUIDANCE_SECTIONS):
        match = REQUIREMENT_ID.match(line.text)
        if not match:
            continue
        ident = match.group(1).upper()
        if ident in seen:
            report.add(
                doc.name,
                line.number,
                "duplicate-requirement-id",
                "error",
                f"{ident} is defined again (first on line {seen[ident]}); give it a new number.",
            )
        else:
            seen[ident] = line.number


def _check_clarifications(doc: MarkdownFile, report: Report) -> None:
    markers = [
        line for line in section_lines(doc, GUIDANCE_SECTIONS) if CLARIFICATION.search(_without_code_spans(line.text))
    ]
    for line in markers:
        report.add(
            doc.name,
            line.number,
            "needs-clarification",
            "warning",
            "Open [NEEDS CLARIFICATION] marker; answer it with `specify run clarify`.",
        )
    if len(markers) > MAX_CLARIFICATIONS:
        report.add(
            doc.name,
            markers[MAX_CLARIFICATIONS].number,
            "too-many-clarifications",
            "error",
            f"{len(markers)} [NEEDS CLARIFICATION] markers; at most {MAX_CLARIFICATIONS} are "
            "allowed, so decide the rest and record them under Assumptions.",
        )


def _without_code_spans(text: str) -> str:
    return re.sub(r"`[^`]*`", "", text)


def spec_stories(doc: MarkdownFile) -> dict[str, int]:
    """Return the numbered user stories of the spec (``US1`` -> heading line)."""
    stories: dict[str, int] = {}
    for heading in doc.headings:
        match = STORY_HEADING.match(heading.text.strip("*_ "))
        if match and heading.level >= 2:
            stories.setdefault(f"US{int(match.group(1))}", heading.number)
    return stories
