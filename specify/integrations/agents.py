"""The agent table: where each coding agent reads the stage commands, and in which format.

Keys follow spec-kit's where they exist; spec-kit's other spellings are accepted as aliases.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from specify.errors import UsageError

Mode = Literal["skills", "commands"]
# File format of one stage: an Agent Skills folder, a Markdown command, a Gemini TOML command,
# or Copilot's pair of an agent file and a prompt stub.
Format = Literal["skill", "markdown", "toml", "copilot"]

STAGES = (
    "constitution",
    "specify",
    "clarify",
    "plan",
    "checklist",
    "tasks",
    "analyze",
    "implement",
    "converge",
)

# Kiro CLI does not substitute an argument placeholder in file-based prompts, so its
# commands say where the user's request is instead.
# NOTE: stage cross-references use /speckit.<stage> for Kiro too; whether Kiro CLI lists
# file prompts under that name or only through its prompt picker is unverified.
KIRO_ARGUMENTS = "The user's request is the text that follows this prompt."


@dataclass(frozen=True)
class Target:
    """Output location and format of one agent mode: path patterns with ``{stage}``."""

    mode: Mode
    format: Format
    paths: tuple[str, ...]


@dataclass(frozen=True)
class Agent:
    """One coding agent that `specify init` can write stage commands for."""

    key: str
    name: str
    targets: tuple[Target, ...]
    arguments: str = "$ARGUMENTS"
    aliases: tuple[str, ...] = ()
    # Prefix of a skill invocation: "/" for most agents, "$" for Codex.
    skill_sigil: str = "/"
    needs_commands_dir: bool = False

    @property
    def default_mode(self) -> Mode:
        return self.targets[0].mode

    @property
    def modes(self) -> tuple[Mode, ...]:
        return tuple(target.mode for target in self.targets)

    def target(self, mode: Mode | None) -> Target:
        """Return the target for ``mode`` (the default when None), or raise naming the modes."""
        requested = mode or self.default_mode
        for target in self.targets:
            if target.mode == requested:
                return target
        raise UsageError(
            f"Agent '{self.key}' has no --{requested} mode.",
            f"It supports: {', '.join('--' + m for m in self.modes)}.",
        )


def _skills(root: str) -> Target:
    return Target("skills", "skill", (f"{root}/speckit-{{stage}}/SKILL.md",))


def _commands(folder: str, fmt: Format = "markdown", suffix: str = ".md") -> Target:
    return Target("commands", fmt, (f"{folder}/speckit.{{stage}}{suffix}",))


AGENTS: tuple[Agent, ...] = (
    Agent("claude", "Claude Code", (_skills(".claude/skills"),)),
    Agent(
        "copilot",
        "GitHub Copilot",
        (
            _skills(".github/skills"),
            Target(
                "commands",
                "copilot",
                (
                    ".github/agents/speckit.{stage}.agent.md",
                    ".github/prompts/speckit.{stage}.prompt.md",
                ),
            ),
        ),
    ),
    Agent(
        "gemini",
        "Gemini CLI",
        (_commands(".gemini/commands", "toml", ".toml"),),
        arguments="{{args}}",
    ),
    Agent("cursor", "Cursor", (_skills(".cursor/skills"),), aliases=("cursor-agent",)),
    Agent("codex", "Codex CLI", (_skills(".agents/skills"),), aliases=("agents",), skill_sigil="$"),
    Agent("opencode", "opencode", (_commands(".opencode/commands"),)),
    Agent("windsurf", "Windsurf", (_commands(".windsurf/workflows"),)),
    Agent("qwen", "Qwen Code", (_commands(".qwen/commands"),)),
    Agent("amp", "Amp", (_commands(".agents/commands"),)),
    Agent("kilocode", "Kilo Code", (_commands(".kilo/commands"),)),
    Agent(
        "kiro",
        "Kiro",
        (_commands(".kiro/prompts"),),
        aliases=("kiro-cli",),
        arguments=KIRO_ARGUMENTS,
    ),
    Agent("generic", "Generic agent", (_commands("{commands_dir}"),), needs_commands_dir=True),
)

_BY_NAME = {name: agent for agent in AGENTS for name in (agent.key, *agent.aliases)}


def agent_keys() -> list[str]:
    return [agent.key for agent in AGENTS]


def choices_text() -> str:
    """Return the agent keys with their aliases, for help text and error messages."""
    parts = []
    for agent in AGENTS:
        alias = f" [{', '.join(agent.aliases)}]" if agent.aliases else ""
        parts.append(agent.key + alias)
    return ", ".join(parts)


def get_agent(name: str) -> Agent:
    """Return the agent for a key or alias, or raise listing the valid keys."""
    agent = _BY_NAME.get(name.strip().lower())
    if agent is None:
        raise UsageError(f"Unknown agent '{name}'.", f"Choose one of: {choices_text()}.")
    return agent
