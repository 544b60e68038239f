"""Every `specify ...` command that the stage prompts instruct the agent to run exists."""

from __future__ import annotations

import re
import shlex

import typer

from specify.cli.main import app
from specify.integrations.agents import AGENTS
from specify.integrations.render import render_agent


def referenced_commands() -> set[str]:
    claude = next(agent for agent in AGENTS if agent.key == "claude")
    text = "\n".join(data.decode("utf-8") for data in render_agent(claude).values())
    return set(re.findall(r"`(specify [^`]+)`", text))


def test_stage_commands_reference_cli() -> None:
    commands = referenced_commands()
    assert "specify tasks done T001 --json" in commands
    assert len(commands) >= 8


def test_referenced_options_exist() -> None:
    root = typer.main.get_command(app)
    for command in sorted(referenced_commands()):
        tokens = shlex.split(command)[1:]
        node = root
        while tokens and tokens[0] in getattr(node, "commands", {}):
            node = node.commands[tokens.pop(0)]  # type: ignore[attr-defined]
        assert not hasattr(node, "commands"), f"{command}: no such subcommand"
        options = {opt for param in node.params for opt in param.opts}
        for token in tokens:
            if token.startswith("--"):
                assert token in options, f"{command}: unknown option {token}"
