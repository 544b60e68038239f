"""Create a new skill folder for `specify skill new`.

The generated SKILL.md quotes every value it writes, so a description with ``: `` or ``#``
stays valid YAML. Without ``--description`` the description is a placeholder that the strict
validator rejects until someone replaces it.
"""

from __future__ import annotations

import json
import os
import textwrap
from dataclasses import dataclass
from pathlib import Path

from runtime.skills.model import SkillError
from runtime.skills.rules import MAX_DESCRIPTION, check_description, check_name
from specify.fsutil import atomic_write_text

RESOURCE_DIRS = ("scripts", "references", "assets")
PLACEHOLDER = "TODO: say what this skill does and when to use it (the words a user would type)."

_BODY = """\
# {title}

## When to use

Describe the requests this skill is for, and near misses it is not for.

## Steps

1. First step the model should take.
2. Next step, with the exact command or file to use.

## Gotchas

- Facts the model would get wrong without this skill.
{resources}"""

_SCRIPT = '''\
#!/usr/bin/env python3
"""Example script for the {name} skill: replace it with real work."""

import argparse
import sys


def main() -> int:
    parser = argparse.ArgumentParser(description="Example script for the {name} skill.")
    parser.add_argument("path", help="File to process.")
    args = parser.parse_args()
    print(f"would process {{args.path}}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''


@dataclass
class NewSkill:
    folder: Path
    files: list[Path]


def yaml_string(value: str, key: str) -> str:
    """Return ``key: value`` with the value double-quoted, or folded with ``>-`` when long."""
    one_line = " ".join(value.split())
    if len(one_line) + len(key) + 2 <= 98:
        return f"{key}: {json.dumps(one_line, ensure_ascii=False)}"
    lines = textwrap.wrap(one_line, width=96, break_long_words=False, break_on_hyphens=False)
    if any(line.startswith(("#", "'", '"')) or ": " in line or " #" in line for line in lines):
        return f"{key}: {json.dumps(one_line, ensure_ascii=False)}"
    return f"{key}: >-\n" + "\n".join(f"  {line}" for line in lines)


def render_skill_md(name: str, description: str, with_dirs: list[str]) -> str:
    resources = ""
    if with_dirs:
        lines = {"scripts": "- `scripts/example.py`: run with `--help` to see its arguments.",
                 "references": "- `references/REFERENCE.md`: read when you need the details.",
                 "assets": "- `assets/`: templates and files to copy into the output."}
        resources = "\n## Resources\n\n" + "\n".join(lines[d] for d in with_dirs) + "\n"
    title = name.replace("-", " ").capitalize()
    return (f"---\nname: {name}\n{yaml_string(description, 'description')}\n---\n\n"
            + _BODY.format(title=title, resources=resources))


def _parse_with(with_dirs: list[str]) -> list[str]:
    chosen = []
    for item in with_dirs:
        for part in item.split(","):
            part = part.strip()
            if not part:
                continue
            if part not in RESOURCE_DIRS:
                raise SkillError(f"unknown resource folder '{part}'", f"Choose from {', '.join(RESOURCE_DIRS)}.")
            if part not in chosen:
                chosen.append(part)
    return [d for d in RESOURCE_DIRS if d in chosen]


def create_skill(name: str, parent: Path, with_dirs: list[str] | None = None,
                 description: str | None = None) -> NewSkill:
    """Write ``parent/name/SKILL.md`` and the chosen resource folders; never overwrite."""
    problems = [f.message for f in check_name(name, name, "spec")]
    if problems:
        raise SkillError(f"invalid skill name '{name}': {'; '.join(problems)}",
                         "Use 1-64 characters of a-z, 0-9 and single hyphens, for example pdf-tools.")
    if description is not None:
        errors = [f.message for f in check_description(description, "spec") if f.strict == "error"]
        if errors:
            raise SkillError(f"invalid description: {'; '.join(errors)}",
                             f"Write 1-{MAX_DESCRIPTION} characters saying what the skill does and when.")
    dirs = _parse_with(with_dirs or [])
    folder = Path(parent) / name
    if folder.exists():
        raise SkillError(f"{folder} already exists", "Pick another name or --path; nothing was written.")
    blocker = next((p for p in reversed(folder.parents) if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise SkillError(f"{blocker} is a file, so {folder} cannot be created",
                         "Move or rename that file, or pass --path; nothing was written.")

    files = {folder / "SKILL.md": render_skill_md(name, description or PLACEHOLDER, dirs)}
    if "scripts" in dirs:
        files[folder / "scripts" / "example.py"] = _SCRIPT.format(name=name)
    if "references" in dirs:
        files[folder / "references" / "REFERENCE.md"] = (
            f"# {name} reference\n\nDetail that the model reads only when SKILL.md points here.\n")
    if "assets" in dirs:
        files[folder / "assets" / ".gitkeep"] = ""
    folder.mkdir(parents=True)
    for path, text in files.items():
        atomic_write_text(path, text)
    if "scripts" in dirs:
        os.chmod(folder / "scripts" / "example.py", 0o755)
    return NewSkill(folder, sorted(files))
