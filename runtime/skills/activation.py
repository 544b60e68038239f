"""Activate skills: tool definitions, explicit `/name` invocation, and the activated content.

Activated content is the SKILL.md body without its frontmatter, wrapped as::

    <skill_content name="NAME" directory="/abs/dir">
    ...body, with $ARGUMENTS replaced...
    <skill_resources partial="false">
    <file>scripts/run.py</file>
    </skill_resources>
    </skill_content>

Conversation trimming can recognise and keep these blocks by their tag. The body is read
from disk on activation, so edits since discovery show. A second activation of the same
skill returns a short "already active" note instead of the body.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from runtime.skills.model import Skill, SkillError, SkillParseError
from runtime.skills.parser import parse_skill_file
from runtime.skills.resources import list_resources, read_resource

ACTIVATE_TOOL = "activate_skill"
READ_TOOL = "read_skill_resource"
MAX_BODY_CHARS = 100_000
_TOKEN = re.compile(r"[/$]([^\s/$]+)")
_CLOSING_TAG = re.compile(r"</(skill_content|skill_resources)>", re.IGNORECASE)


@dataclass(frozen=True)
class Invocation:
    """A `/name` or `$name` at the start of a line of user input, and the rest of that line."""

    name: str
    arguments: str


def tool_definitions(skills: Mapping[str, Skill]) -> list[dict[str, Any]]:
    """Return the provider-neutral tool definitions: ``name``, ``description``, ``parameters``.

    ``parameters`` is a JSON Schema object. Only model-invocable skills are in the enums, and
    no model-invocable skill gives no tools.
    """
    names = sorted(name for name, skill in skills.items() if skill.model_invocable)
    if not names:
        return []
    activate = {
        "name": ACTIVATE_TOOL,
        "description": ("Load a skill's full instructions into the conversation. Call it when the "
                        "task matches a skill in the available skills list."),
        "parameters": {
            "type": "object",
            "properties": {"name": {"type": "string", "enum": names, "description": "Skill name."}},
            "required": ["name"],
            "additionalProperties": False,
        },
    }
    read = {
        "name": READ_TOOL,
        "description": ("Read a file from an activated skill's folder, for example one listed in "
                        "its skill_resources. Paths are relative to the skill folder."),
        "parameters": {
            "type": "object",
            "properties": {
                "skill": {"type": "string", "enum": names, "description": "Skill name."},
                "path": {"type": "string", "description": "File path relative to the skill folder."},
            },
            "required": ["skill", "path"],
            "additionalProperties": False,
        },
    }
    return [activate, read]


def parse_invocations(text: str, names: Mapping[str, Skill] | set[str]) -> list[Invocation]:
    """Find explicit invocations: `/name` or `$name` tokens that start a line.

    Several may be stacked (``/review /lint src/``); the rest of the line after the last one is
    their ``$ARGUMENTS``. Only loaded names count, so ``/usr/bin`` in prose is not one.
    """
    invocations: list[Invocation] = []
    for line in text.splitlines():
        rest = line.lstrip()
        stacked: list[str] = []
        while True:
            match = _TOKEN.match(rest)
            if not match or match.group(1) not in names:
                break
            end = match.end()
            if end < len(rest) and not rest[end].isspace():
                break
            stacked.append(match.group(1))
            rest = rest[end:].lstrip()
        invocations += [Invocation(name, rest.strip()) for name in stacked]
    return invocations


def substitute_arguments(body: str, arguments: str | None, directory: str) -> str:
    body = body.replace("${CLAUDE_SKILL_DIR}", directory).replace("${SKILL_DIR}", directory)
    if "$ARGUMENTS" in body:
        return body.replace("$ARGUMENTS", arguments or "")
    if arguments:
        return f"{body.rstrip()}\n\nARGUMENTS: {arguments}"
    return body


def render_content(skill: Skill, arguments: str | None = None, max_body_chars: int = MAX_BODY_CHARS) -> str:
    """Read the skill's body from disk and wrap it with its directory and resource list."""
    try:
        parsed = parse_skill_file(skill.location)
    except SkillParseError as exc:
        raise SkillError(f"skill '{skill.name}' can no longer be read: {exc.message}", exc.hint) from exc
    directory = str(skill.directory)
    body = substitute_arguments(parsed.body.strip("\n"), arguments, directory)
    if len(body) > max_body_chars:
        body = (body[:max_body_chars] + f"\n[truncated: the body has {len(body)} characters; "
                f"showed the first {max_body_chars}]")
    body = _CLOSING_TAG.sub(lambda m: f"&lt;/{m.group(1)}&gt;", body)
    resources = list_resources(skill.directory)
    listing = "".join(f"<file>{_attr(path)}</file>\n" for path in resources.files)
    note = (f"<!-- {len(resources.files)} of {resources.total} files listed -->\n"
            if resources.partial else "")
    return (f'<skill_content name="{_attr(skill.name)}" directory="{_attr(directory)}">\n'
            f"{body}\n"
            f'<skill_resources partial="{str(resources.partial).lower()}">\n{note}{listing}'
            "</skill_resources>\n</skill_content>")


def _attr(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


class SkillSession:
    """The activation state of one conversation: which skills are active, with what arguments."""

    def __init__(self, skills: Mapping[str, Skill], max_body_chars: int = MAX_BODY_CHARS) -> None:
        self.skills = dict(skills)
        self.max_body_chars = max_body_chars
        self.active: dict[str, str | None] = {}

    def tool_definitions(self) -> list[dict[str, Any]]:
        return tool_definitions(self.skills)

    def get(self, name: str) -> Skill:
        skill = self.skills.get(name)
        if skill is None:
            valid = ", ".join(sorted(self.skills)) or "none"
            raise SkillError(f"no skill named '{name}'", f"Loaded skills: {valid}.")
        return skill

    def activate(self, name: str, arguments: str | None = None) -> str:
        """Return the content for ``name``, or an "already active" note on a repeat."""
        skill = self.get(name)
        if name in self.active:
            note = f"Skill '{name}' is already active; its instructions are earlier in this conversation."
            if arguments and arguments != self.active[name]:
                note += f" New arguments: {arguments}"
            return f'<skill_content name="{_attr(name)}" status="already-active">{_attr(note)}</skill_content>'
        content = render_content(skill, arguments, self.max_body_chars)
        self.active[name] = arguments
        return content

    def activate_explicit(self, user_input: str) -> list[str]:
        """Activate every skill the user named with `/name` or `$name`, in order."""
        return [self.activate(i.name, i.arguments or None)
                for i in parse_invocations(user_input, self.skills)]

    def read_resource(self, name: str, path: str) -> str:
        return read_resource(self.get(name).directory, path)

    def handle_tool_call(self, tool: str, arguments: Mapping[str, Any]) -> str:
        """Run one of the two skill tools; faults come back as text for the model, not raised."""
        try:
            if tool == ACTIVATE_TOOL:
                return self._model_activate(str(arguments.get("name", "")))
            if tool == READ_TOOL:
                return self.read_resource(str(arguments.get("skill", "")), str(arguments.get("path", "")))
        except SkillError as exc:
            return f"error: {exc}"
        return f"error: unknown tool '{tool}'"

    def _model_activate(self, name: str) -> str:
        skill = self.get(name)
        if not skill.model_invocable:
            raise SkillError(f"skill '{name}' can only be invoked by the user (disable-model-invocation)")
        return self.activate(name)
