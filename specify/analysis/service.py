"""``specify analyze``: an offline, deterministic cross-artifact report for one feature.

It reads spec.md, plan.md and tasks.md of the feature and the project's constitution, and
never calls a model, so the same files always give the same findings. A missing artifact is
a finding, not a crash: a missing spec.md is an error (every other check needs it), while a
missing plan.md, tasks.md or constitution is a warning because earlier stages may not have
run yet.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from specify.analysis.findings import Report, Severity
from specify.analysis.markdown import MarkdownFile, read_markdown
from specify.analysis.project_rules import check_constitution, check_plan, check_template_placeholders
from specify.analysis.spec_rules import check_spec, spec_stories
from specify.analysis.tasks_rules import check_tasks
from specify.errors import ArtifactError
from specify.project import find_root, resolve_feature
from specify.tasks.parser import load_tasks

CONSTITUTION = Path(".specify") / "memory" / "constitution.md"


def analyze(feature: str | None = None) -> dict[str, Any]:
    """Resolve the project and feature, then return :func:`analyze_feature`'s report as a dict."""
    root = find_root().path
    feature_dir = resolve_feature(root, feature).path
    return analyze_feature(root, feature_dir).to_dict()


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def analyze_feature(root: Path, feature_dir: Path) -> Report:
    """Check the artifacts of ``feature_dir`` in the project at ``root``."""
    report = Report(_relative(feature_dir, root))
    stories: dict[str, int] = {}

    spec_path = feature_dir / "spec.md"
    spec = _read(spec_path, root, report, "error", "Run `specify run specify` to write it.")
    if spec is not None:
        check_spec(spec, report)
        check_template_placeholders(spec, report, "run `specify run specify` or edit spec.md.")
        stories = spec_stories(spec)

    plan = _read(feature_dir / "plan.md", root, report, "warning", "Run `specify run plan`.")
    if plan is not None:
        check_plan(plan, report)
        check_template_placeholders(plan, report, "run `specify run plan` or edit plan.md.")

    tasks_path = feature_dir / "tasks.md"
    if _exists(tasks_path, root, report, "Run `specify run tasks`."):
        name = _relative(tasks_path, root)
        try:
            check_tasks(load_tasks(tasks_path), name, report, stories)
        except ArtifactError as exc:
            report.add(name, 1, "unreadable", "error", str(exc))

    constitution = _read(root / CONSTITUTION, root, report, "warning", "Run `specify run constitution`.")
    if constitution is not None:
        check_constitution(constitution, report)
    return report


def _exists(path: Path, root: Path, report: Report, fix: str, severity: Severity = "warning") -> bool:
    if path.is_file():
        return True
    report.add(
        _relative(path, root),
        0,
        "missing-artifact",
        severity,
        f"{path.name} does not exist yet. {fix}",
    )
    return False


def _read(path: Path, root: Path, report: Report, severity: Severity, fix: str) -> MarkdownFile | None:
    if not _exists(path, root, report, fix, severity):
        return None
    name = _relative(path, root)
    try:
        return read_markdown(path, name)
    except ArtifactError as exc:
        report.add(name, 1, "unreadable", "error", str(exc))
    except OSError as exc:
        report.add(name, 1, "unreadable", "error", f"Cannot read {name}: {exc.strerror}.")
    return None
