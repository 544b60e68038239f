"""Gather what a stage reads: the constitution and the feature's artifacts."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from specify.errors import ArtifactError
from specify.project import Resolved

CONSTITUTION = Path(".specify") / "memory" / "constitution.md"
# The stage that produces each artifact, named in "run this first" errors.
PRODUCED_BY = {"spec.md": "specify", "plan.md": "plan", "tasks.md": "tasks"}


def read_text(path: Path) -> str:
    """Read a UTF-8 artifact, tolerating a BOM and normalising line endings for prompts."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return ""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ArtifactError(
            f"{path} is not valid UTF-8 (byte {exc.start}).", "Save it as UTF-8 and run the stage again."
        ) from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")


def constitution_is_template(text: str) -> bool:
    from specify.artifacts.templates import has_placeholders

    return not text.strip() or has_placeholders(text)


@dataclass
class StageInputs:
    root: Path
    feature: Resolved | None = None
    constitution: str = ""
    artifacts: dict[str, str] = field(default_factory=dict)
    analysis: Any = None  # the offline analysis report, computed once by the analyze stage

    @property
    def feature_dir(self) -> Path:
        if self.feature is None:
            raise ArtifactError("This stage needs an active feature.", "Run `specify run specify \"...\"` first.")
        return self.feature.path

    def artifact(self, name: str) -> str:
        return self.artifacts.get(name, "")


def gather(root: Path, feature: Resolved | None, required: tuple[str, ...], optional: tuple[str, ...]) -> StageInputs:
    """Read the constitution and the named artifacts; a missing required one is an error."""
    constitution = read_text(root / CONSTITUTION)
    inputs = StageInputs(root, feature, "" if constitution_is_template(constitution) else constitution)
    if feature is None:
        return inputs
    from specify.artifacts.templates import find_placeholders

    for name in (*required, *optional):
        path = feature.path / name
        if path.is_file():
            inputs.artifacts[name] = read_text(path)
            unfilled = find_placeholders(inputs.artifacts[name]) if name in required else []
            if unfilled:
                stage = PRODUCED_BY.get(name, "the previous stage")
                raise ArtifactError(
                    f"{path} is still a template: {', '.join(unfilled[:3])} and {len(unfilled)} placeholder(s) "
                    "are not filled.",
                    f"Run `specify run {stage}` (or fill it in) first.",
                )
        elif name in required:
            stage = PRODUCED_BY.get(name, "the previous stage")
            raise ArtifactError(
                f"{path} does not exist.", f"Run `specify run {stage}` first (or `/speckit.{stage}` in your agent)."
            )
    return inputs
