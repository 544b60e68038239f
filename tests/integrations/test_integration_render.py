"""Every rendered stage command, for every agent and mode, carries its stage's rules."""

from __future__ import annotations

import re
import tomllib

import pytest

from specify.integrations.agents import AGENTS, STAGES, Agent
from specify.integrations.render import render_agent

# Rules each stage's command must state, as regular expressions (case-insensitive).
RULES: dict[str, list[str]] = {
    "constitution": [
        r"\.specify/memory/constitution\.md",
        r"`\[ALL_CAPS\]` placeholder",
        r"MAJOR when a principle is removed",
        r"MINOR when one is added",
        r"PATCH for wording",
        r"YYYY-MM-DD",
        r"Sync Impact Report",
        r"TODO\(FIELD_NAME\)",
        r"writes that file and nothing else",
    ],
    "specify": [
        r'specify feature new "[^"]+"[^`]* --json',
        r"at most\s+three points with `\[NEEDS CLARIFICATION",
        r"leave out HOW",
        r"FR-001",
        r"SC-001",
        r"measurable and technology-agnostic",
        r"Given/When/Then",
        r"never again to retry",
    ],
    "clarify": [
        r"specify check --json --paths-only",
        r"at most\s+five questions",
        r"one question at a time",
        r"recommended\s+answer",
        r"## Clarifications",
        r"### Session YYYY-MM-DD",
        r"- Q: <question> → A: <answer>",
        r"Save the file before asking the next question",
    ],
    "plan": [
        r"specify check --json --paths-only",
        r"Fill the Constitution Check",
        r"Complexity Tracking",
        r"Decision, Rationale and\s+Alternatives",
        r"research\.md",
        r"data-model\.md",
        r"contracts/",
        r"quickstart\.md",
        r"Do not write tasks or code",
    ],
    "checklist": [
        r"specify feature current --json",
        r"specify check --json",
        r"unit tests for English",
        r"Never write an\s+item that tests the implementation",
        r"CHK001",
        r"checklists/<domain>\.md",
        r"Leave\s+every box unchecked",
    ],
    "tasks": [
        r"specify check --json",
        r"`- \[ \] T001 \[P\] \[US1\] Description with the exact file path`",
        r"`\[P\]`: only when the task touches different files",
        r"`\(depends on T003, T007\)`",
        r"`## Phase N: Title`",
        r"Phase 1 Setup, Phase 2 Foundational",
        r"final Polish phase",
        r"one phase per user\s+story in priority order",
    ],
    "analyze": [
        r"specify check --json --require-tasks",
        r"specify analyze --json",
        r"read-only: do not modify any file",
        r"CRITICAL \(violates the constitution",
        r"at most 50 findings",
        r"apply none until the user asks",
    ],
    "implement": [
        r"specify check --json --require-tasks",
        r"specify tasks next --json",
        r"specify tasks done T001 --json",
        r"Never edit\s+checkboxes in `tasks\.md` by hand",
        r"never mark a task whose check fails",
        r"checklists/",
        r"stop and report",
    ],
    "converge": [
        r"specify check --json --require-tasks",
        r"specify tasks list --json",
        r"## Phase N: Convergence",
        r"never renumber",
        r"`missing`,\s+`partial`, `contradicts` or `unrequested`",
        r"change nothing",
    ],
}

# The next stage(s) each command points the user to.
NEXT: dict[str, list[str]] = {
    "constitution": ["specify"],
    "specify": ["clarify", "plan"],
    "clarify": ["plan"],
    "plan": ["tasks", "checklist"],
    "checklist": [],
    "tasks": ["analyze", "implement"],
    "analyze": ["implement"],
    "implement": ["converge"],
    "converge": ["implement"],
}

TARGETS = [(agent, target.mode) for agent in AGENTS for target in agent.targets]


def prompt_bodies(agent: Agent, mode: str) -> dict[str, str]:
    """Return stage -> the prompt text an agent reads, without front matter."""
    files = render_agent(agent, mode, ".generic" if agent.needs_commands_dir else None)  # type: ignore[arg-type]
    bodies: dict[str, str] = {}
    for path, data in files.items():
        if path.endswith(".prompt.md"):
            continue  # Copilot's prompt stub only points at the agent file
        match = re.search(r"speckit[.-](\w+)", path)
        assert match, path
        text = data.decode("utf-8")
        if path.endswith(".toml"):
            bodies[match.group(1)] = tomllib.loads(text)["prompt"]
        else:
            bodies[match.group(1)] = text.split("\n---\n", 1)[1]
    return bodies


def ids(value: object) -> str:
    return value.key if isinstance(value, Agent) else str(value)


@pytest.mark.parametrize(("agent", "mode"), TARGETS, ids=ids)
def test_every_stage_rendered(agent: Agent, mode: str) -> None:
    assert sorted(prompt_bodies(agent, mode)) == sorted(STAGES)


@pytest.mark.parametrize(("agent", "mode"), TARGETS, ids=ids)
def test_stage_rules_present(agent: Agent, mode: str) -> None:
    for stage, body in prompt_bodies(agent, mode).items():
        for rule in RULES[stage]:
            assert re.search(rule, body, re.IGNORECASE), f"{agent.key}/{stage}: {rule}"


@pytest.mark.parametrize(("agent", "mode"), TARGETS, ids=ids)
def test_arguments_and_invocations(agent: Agent, mode: str) -> None:
    prefix = f"{agent.skill_sigil}speckit-" if mode == "skills" else "/speckit."
    for stage, body in prompt_bodies(agent, mode).items():
        assert agent.arguments in body, f"{agent.key}/{stage}: placeholder"
        for following in NEXT[stage]:
            assert f"{prefix}{following}" in body, f"{agent.key}/{stage} -> {following}"
        other = "/speckit." if mode == "skills" else "speckit-"
        assert other not in body, f"{agent.key}/{stage}: mixed invocation style"


@pytest.mark.parametrize(("agent", "mode"), TARGETS, ids=ids)
def test_no_template_syntax_left(agent: Agent, mode: str) -> None:
    for stage, body in prompt_bodies(agent, mode).items():
        leftover = body.replace("{{args}}", "")
        assert "{{" not in leftover, f"{agent.key}/{stage}"
        assert "{%" not in leftover, f"{agent.key}/{stage}"
        assert ".sh" not in body, f"{agent.key}/{stage} mentions a shell script"


def test_claude_prompt_size_report(capsys: pytest.CaptureFixture[str]) -> None:
    claude = next(agent for agent in AGENTS if agent.key == "claude")
    files = render_agent(claude)
    total = sum(len(data) for data in files.values())
    largest = max(files, key=lambda path: len(files[path]))
    with capsys.disabled():
        print(
            f"\nrendered claude commands: {len(files)} files, {total / 1000:.1f} KB "
            f"(spec-kit 1.2.3: 139.6 KB); largest {largest} {len(files[largest]) / 1000:.1f} KB"
        )
    assert total < 139_600
