"""The analyze stage: the deterministic report plus the model's review, both read-only."""

from __future__ import annotations

from typing import Any

from specify.stages import models
from specify.stages.inputs import StageInputs


def deterministic_findings_text(inputs: StageInputs) -> str:
    from specify.analysis import analyze_feature

    report = analyze_feature(inputs.root, inputs.feature_dir)
    return "\n".join(f"- {f.file}:{f.line} [{f.rule}] {f.message}" for f in sorted(report.findings)[:30])


def report(inputs: StageInputs, out: models.AnalyzeOutput) -> dict[str, Any]:
    """Merge both kinds of findings for the result; nothing is written to the feature."""
    from specify.analysis import analyze_feature

    checks = analyze_feature(inputs.root, inputs.feature_dir).to_dict()
    return {
        "findings": checks["findings"],
        "errors": checks["errors"],
        "warnings": checks["warnings"],
        "review": [finding.model_dump() for finding in out.findings],
    }
