"""Findings of ``specify analyze`` and the report that collects them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Finding:
    """One problem in one artifact: where it is, which rule found it and what to do.

    ``file`` is relative to the project root; ``line`` is 1-based, or 0 when the file is missing.
    """

    file: str
    line: int
    rule: str
    severity: Severity
    message: str


@dataclass
class Report:
    """Every finding of one analysis, sorted by file, then line, then rule."""

    feature_dir: str
    findings: list[Finding] = field(default_factory=list)

    def add(self, file: str, line: int, rule: str, severity: Severity, message: str) -> None:
        self.findings.append(Finding(file, line, rule, severity, message))

    @property
    def errors(self) -> int:
        return sum(finding.severity == "error" for finding in self.findings)

    @property
    def warnings(self) -> int:
        return sum(finding.severity == "warning" for finding in self.findings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "feature_dir": self.feature_dir,
            "findings": [asdict(finding) for finding in sorted(self.findings)],
            "errors": self.errors,
            "warnings": self.warnings,
        }
