"""The analyze stage: the deterministic report plus the model's review, both read-only."""

from __future__ import annotations

from typing import Any

from specify.stages import models
from specify.stages.inputs import StageInputs


def _checks(inputs: StageInputs) -> Any:
    """Run the offline analysis once per stage run; the prompt and the result both use it."""
    if inputs.analysis is None:
        from specify.analysis import analyze_feature

        inputs.analysis = analyze_feature(inputs.root, inputs.feature_dir)
    return inputs.analysis


def deterministic_findings_text(inputs: StageInputs) -> str:
    report = _checks(inputs)
    return "\n".join(f"- {f.file}:{f.line} [{f.rule}] {f.message}" for f in sorted(report.findings)[:30])


def report(inputs: StageInputs, out: models.AnalyzeOutput) -> dict[str, Any]:
    """Merge both kinds of findings for the result; nothing is written to the feature."""
    checks = _checks(inputs).to_dict()
    return {
        "findings": checks["findings"],
        "errors": checks["errors"],
        "warnings": checks["warnings"],
        "review": [finding.model_dump() for finding in out.findings],
    }
