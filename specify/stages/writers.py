"""Turn a validated stage output into files.

A file the stage replaces is first copied into the run folder (``previous/``), so a run never
loses what was there; every write is atomic.
"""

from __future__ import annotations

import datetime as _dt
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from specify.fsutil import atomic_write_text, locked
from specify.stages import models, render
from specify.stages.inputs import CONSTITUTION, StageInputs

VERSION_LINE = re.compile(r"\*\*Version\*\*:\s*(\d+)\.(\d+)\.(\d+)")
RATIFIED = re.compile(r"\*\*Ratified\*\*:\s*(\d{4}-\d{2}-\d{2})")


@dataclass
class WriteContext:
    inputs: StageInputs
    text: str
    run_dir: Path
    written: list[str] = field(default_factory=list)
    feature_dir: Path | None = None

    def write(self, path: Path, content: str) -> None:
        if path.exists() and path.read_text(encoding="utf-8", errors="replace") != content:
            backup = self.run_dir / "previous" / path.relative_to(self.inputs.root)
            backup.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, backup)
        atomic_write_text(path, content)
        self.written.append(path.relative_to(self.inputs.root).as_posix())


def _title(inputs: StageInputs) -> str:
    match = re.search(r"^# (?:Feature Specification: )?(.+)$", inputs.artifact("spec.md"), re.M)
    return match.group(1).strip() if match else inputs.feature_dir.name


def _branch(inputs: StageInputs) -> str:
    return inputs.feature_dir.name


def _next_version(current: str) -> tuple[str, str | None]:
    """Bump the minor version of an existing constitution; start at 1.0.0."""
    match = VERSION_LINE.search(current)
    ratified = RATIFIED.search(current)
    if not match:
        return "1.0.0", None
    major, minor, _ = (int(g) for g in match.groups())
    return f"{major}.{minor + 1}.0", ratified.group(1) if ratified else None


def write_constitution(ctx: WriteContext, out: models.ConstitutionOutput) -> None:
    path = ctx.inputs.root / CONSTITUTION
    version, ratified = _next_version(ctx.inputs.constitution)
    ctx.write(path, render.render_constitution(out, version=version, ratified=ratified))


def write_spec(ctx: WriteContext, out: models.SpecOutput) -> None:
    from specify.features.create import NewFeatureRequest, create_feature

    feature = create_feature(ctx.inputs.root, NewFeatureRequest(description=ctx.text, short_name=out.short_name))
    ctx.feature_dir = feature.folder
    content = render.render_spec(out, branch=feature.branch_name, description=" ".join(ctx.text.split()))
    atomic_write_text(feature.spec_file, content)  # the folder is new: nothing to keep
    ctx.written.append(feature.spec_file.relative_to(ctx.inputs.root).as_posix())


def write_plan(ctx: WriteContext, out: models.PlanOutput) -> None:
    folder = ctx.inputs.feature_dir
    for name, content in render.render_plan(out, title=_title(ctx.inputs), branch=_branch(ctx.inputs)).items():
        ctx.write(folder / name, content)


def write_tasks(ctx: WriteContext, out: models.TasksOutput) -> None:
    ctx.write(ctx.inputs.feature_dir / "tasks.md", render.render_tasks(out, title=_title(ctx.inputs)))


def write_checklist(ctx: WriteContext, out: models.ChecklistOutput) -> None:
    path = ctx.inputs.feature_dir / "checklists" / f"{out.domain}.md"
    if not path.exists():
        ctx.write(path, render.render_checklist(out, title=_title(ctx.inputs)))
        return
    existing = path.read_text(encoding="utf-8")
    numbers = [int(n) for n in re.findall(r"\bCHK(\d{3,})\b", existing)]
    start = max(numbers, default=0) + 1
    lines = [f"- [ ] CHK{start + i:03d} {item.text}" for i, item in enumerate(out.items)]
    ctx.write(path, existing.rstrip("\n") + f"\n\n## Added {_dt.date.today().isoformat()}\n\n" + "\n".join(lines) + "\n")


def write_converge(ctx: WriteContext, out: models.ConvergeOutput) -> None:
    """Append a Convergence phase with new task ids; never renumber or rewrite existing lines.

    The file is read and written through the tasks engine's encoding helpers, so its byte-order
    mark, encoding and line endings are kept.
    """
    if not out.gaps:
        return
    from specify.fsutil import atomic_write_bytes
    from specify.tasks import parse_tasks
    from specify.tasks.encoding import decode_bytes, encode_text, newline_style

    path = ctx.inputs.feature_dir / "tasks.md"
    with locked(path):
        data = path.read_bytes()
        decoded = decode_bytes(data, path)
        doc = parse_tasks(data, path)
        numbers = [int(m.group(1)) for t in doc.tasks if t.id and (m := re.fullmatch(r"T(\d+)", t.id))]
        start = max(numbers, default=0) + 1
        style = newline_style(decoded.text)
        newline = "\n" if style == "mixed" else style
        lines = [f"## Phase {len(doc.phases) + 1}: Convergence", ""]
        lines += [f"- [ ] T{start + i:03d} {gap.action} per {gap.source} ({gap.kind})" for i, gap in enumerate(out.gaps)]
        text = decoded.text
        separator = "" if text.endswith(("\n", "\r")) or not text else newline
        new_text = text + separator + newline + newline.join(lines) + newline
        backup = ctx.run_dir / "previous" / path.relative_to(ctx.inputs.root)
        backup.parent.mkdir(parents=True, exist_ok=True)
        backup.write_bytes(data)
        atomic_write_bytes(path, encode_text(new_text, decoded.encoding, decoded.bom))
    ctx.written.append(path.relative_to(ctx.inputs.root).as_posix())


def write_nothing(ctx: WriteContext, out: Any) -> None:
    """Read-only stages (analyze) report and write no artifact."""


WRITERS = {
    "constitution": write_constitution,
    "specify": write_spec,
    "plan": write_plan,
    "checklist": write_checklist,
    "tasks": write_tasks,
    "analyze": write_nothing,
    "converge": write_converge,
}
