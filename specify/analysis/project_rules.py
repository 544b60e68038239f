"""Rules for the constitution, spec.md and plan.md: placeholders filled, Constitution Check present."""

from __future__ import annotations

import re

from specify.analysis.findings import Report
from specify.analysis.markdown import MarkdownFile

# Template tokens such as [PROJECT_NAME] or [PRINCIPLE_1_NAME]: capitals with an underscore,
# so tags like [P] or [US1] and words like [MANDATORY] do not match.
PLACEHOLDER = re.compile(r"\[[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\]")
DEFERRED = re.compile(r"TODO\(([A-Z][A-Z0-9_]*)\)")


def check_constitution(doc: MarkdownFile, report: Report) -> None:
    """Add an error per unfilled ``[ALL_CAPS]`` token and a warning per ``TODO(FIELD)``."""
    for line in doc.lines:
        for token in PLACEHOLDER.findall(line.text):
            report.add(
                doc.name,
                line.number,
                "constitution-placeholder",
                "error",
                f"Placeholder {token} is not filled; run `specify run constitution` or edit it.",
            )
        for field in DEFERRED.findall(line.text):
            report.add(
                doc.name,
                line.number,
                "constitution-todo",
                "warning",
                f"TODO({field}) is still deferred; fill in {field.lower().replace('_', ' ')}.",
            )


def check_template_placeholders(doc: MarkdownFile, report: Report, fix: str) -> None:
    """Add one error when ``doc`` still has template tokens such as ``[STORY_1_TITLE]``."""
    found = [(line.number, token) for line in doc.lines for token in PLACEHOLDER.findall(line.text)]
    if not found:
        return
    first_line = found[0][0]
    examples = ", ".join(dict.fromkeys(token for _, token in found[:3]))
    report.add(
        doc.name,
        first_line,
        "template-placeholder",
        "error",
        f"{len(found)} template placeholder(s) such as {examples} are not filled; {fix}",
    )


def check_plan(doc: MarkdownFile, report: Report) -> None:
    """Add an error when the plan has no Constitution Check section."""
    if not any("constitution check" in heading.text.lower() for heading in doc.headings):
        report.add(
            doc.name,
            1,
            "plan-constitution-check",
            "error",
            "plan.md has no 'Constitution Check' section; add one that checks the plan "
            "against each principle of the constitution.",
        )
