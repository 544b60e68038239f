"""Render the stage command templates into each agent's file format.

One Jinja2 source per stage lives in ``templates/commands/<stage>.md``: YAML front matter
(``description``, ``argument-hint``) and a body. The body sees ``args`` (the agent's
argument placeholder), ``agent`` (its display name), ``mode`` and ``cmd(stage)``, which
returns how the user invokes another stage (``/speckit.plan``, ``/speckit-plan`` or
``$speckit-plan``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from specify.errors import SpecifyError, UsageError
from specify.integrations.agents import STAGES, Agent, Mode, Target
from specify.resources import templates_dir


@dataclass(frozen=True)
class StageSource:
    stage: str
    description: str
    argument_hint: str | None
    body: str


def commands_dir() -> Path:
    return templates_dir() / "commands"


def _split_front_matter(text: str, path: Path) -> tuple[dict[str, str], str]:
    """Split a command template into its ``key: value`` front matter and its body.

    The bundled templates use only flat ``key: value`` lines, so a small parser suffices and
    init does not pay for importing a YAML library.
    """
    if not text.startswith("---\n"):
        raise SpecifyError(f"Command template {path} has no YAML front matter.", "Start it with a '---' line.")
    head, sep, body = text[4:].partition("\n---\n")
    if not sep:
        raise SpecifyError(f"Command template {path} has no closing '---' line.", "Close the front matter.")
    meta: dict[str, str] = {}
    for number, line in enumerate(head.splitlines(), start=2):
        key, colon, value = line.partition(":")
        if not colon or not key.strip() or key != key.strip():
            raise SpecifyError(f"{path}:{number}: expected 'key: value'.", "Keep the front matter to flat keys.")
        meta[key] = value.strip()
    if not meta.get("description"):
        raise SpecifyError(f"Command template {path} lacks a 'description'.", "Add one to its front matter.")
    return meta, body


@cache
def load_stage(stage: str) -> StageSource:
    """Read one stage's template source (cached: the bundled files do not change at run time)."""
    path = commands_dir() / f"{stage}.md"
    meta, body = _split_front_matter(path.read_text(encoding="utf-8"), path)
    return StageSource(stage, meta["description"], meta.get("argument-hint"), body)


@cache
def _environment():  # type: ignore[no-untyped-def]
    import jinja2  # about 85 ms (best of six, busy 2-core machine); only rendering needs it

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(commands_dir())),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        autoescape=False,
    )


def invocation(agent: Agent, mode: Mode, stage: str) -> str:
    """Return what the user types to run ``stage`` in ``agent``."""
    if mode == "skills":
        return f"{agent.skill_sigil}speckit-{stage}"
    return f"/speckit.{stage}"


def render_body(agent: Agent, mode: Mode, stage: str) -> str:
    """Render the prompt text of one stage for one agent and mode."""
    source = load_stage(stage)
    template = _environment().from_string(source.body)
    text = template.render(
        args=agent.arguments,
        agent=agent.name,
        mode=mode,
        cmd=lambda name: invocation(agent, mode, name),
    )
    return text.strip() + "\n"


_PLAIN_SCALAR = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _.,()/'+-]*")


def _yaml_scalar(value: str) -> str:
    """Write a string as YAML: plain when unambiguous, else double-quoted (JSON's escaping)."""
    if _PLAIN_SCALAR.fullmatch(value) and not value.endswith(" ") and ": " not in value:
        return value
    return json.dumps(value, ensure_ascii=False)


def _front_matter(meta: dict[str, str]) -> str:
    lines = [f"{key}: {_yaml_scalar(value)}" for key, value in meta.items()]
    return "---\n" + "\n".join(lines) + "\n---\n"


def _skill_file(agent: Agent, source: StageSource, body: str) -> str:
    meta = {"name": f"speckit-{source.stage}", "description": source.description}
    if agent.key == "claude" and source.argument_hint:
        meta["argument-hint"] = source.argument_hint
    return _front_matter(meta) + "\n" + body


def _markdown_file(source: StageSource, body: str) -> str:
    return _front_matter({"description": source.description}) + "\n" + body


def _toml_file(source: StageSource, body: str) -> str:
    # A JSON string is a valid TOML basic string. In the multi-line string only backslashes
    # and runs of three quotes need escaping.
    prompt = body.replace("\\", "\\\\").replace('"""', '""\\"')
    return f'description = {json.dumps(source.description, ensure_ascii=False)}\nprompt = """\n{prompt}"""\n'


def _stage_files(agent: Agent, target: Target, stage: str, base: dict[str, str]) -> dict[str, str]:
    source = load_stage(stage)
    body = render_body(agent, target.mode, stage)
    paths = [pattern.format(stage=stage, **base) for pattern in target.paths]
    if target.format == "skill":
        return {paths[0]: _skill_file(agent, source, body)}
    if target.format == "toml":
        return {paths[0]: _toml_file(source, body)}
    if target.format == "copilot":
        stub = _front_matter({"agent": f"speckit.{stage}"})
        return {paths[0]: _markdown_file(source, body), paths[1]: stub}
    return {paths[0]: _markdown_file(source, body)}


def normalise_commands_dir(value: str | None, agent: Agent) -> str | None:
    """Check ``--commands-dir`` for agents that need it and return it as a relative POSIX path."""
    if not agent.needs_commands_dir:
        return None
    if not value:
        raise UsageError(
            f"Agent '{agent.key}' needs --commands-dir.",
            "Example: --commands-dir .myagent/commands",
        )
    path = Path(value)
    if path.is_absolute() or ".." in path.parts or path.parts[:1] == ("~",):
        raise UsageError(
            f"--commands-dir {value} must be a folder inside the project.",
            "Give a relative path without '..' or '~', such as .myagent/commands.",
        )
    if not path.parts or path.parts[0] == ".git":
        where = "the project root" if not path.parts else "git's own folder"
        raise UsageError(
            f"--commands-dir {value} names {where}, not a folder for command files.",
            "Give a folder such as .myagent/commands.",
        )
    return path.as_posix().rstrip("/")


def render_agent(agent: Agent, mode: Mode | None = None, commands_dir: str | None = None) -> dict[str, bytes]:
    """Render every stage for ``agent``: project-relative POSIX path -> file bytes."""
    return dict(_render_cached(agent, mode, commands_dir))


@cache
def _render_cached(agent: Agent, mode: Mode | None, commands_dir: str | None) -> tuple[tuple[str, bytes], ...]:
    target = agent.target(mode)
    base = {"commands_dir": commands_dir or ""}
    files: dict[str, bytes] = {}
    for stage in STAGES:
        for path, text in _stage_files(agent, target, stage, base).items():
            files[path] = text.encode("utf-8")
    return tuple(files.items())


def vscode_settings() -> dict[str, Any]:
    """Return the keys Copilot's command mode merges into ``.vscode/settings.json``."""
    return {
        "chat.promptFilesRecommendations": {f"speckit.{stage}": True for stage in STAGES},
        "chat.tools.terminal.autoApprove": {
            "specify check": True,
            "specify feature current": True,
            "specify tasks list": True,
            "specify tasks next": True,
            "specify analyze": True,
        },
    }
