"""A tool: a name, a description, a JSON-schema for its input, and a handler."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from specify.errors import SpecifyError

logger = logging.getLogger(__name__)


class ToolError(SpecifyError):
    """A tool call that was rejected or failed; the message goes back to the model."""


@dataclass(frozen=True)
class ToolResult:
    content: str
    is_error: bool = False


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    input_schema: dict[str, Any]
    handler: Callable[..., str]
    read_only: bool = True

    def definition(self) -> dict[str, Any]:
        """Return the provider-neutral definition: name, description, input_schema."""
        return {"name": self.name, "description": self.description, "input_schema": self.input_schema}


@dataclass
class Toolbox:
    """The tools of one stage run, dispatching calls by name."""

    tools: dict[str, Tool] = field(default_factory=dict)

    def add(self, *tools: Tool) -> None:
        for tool in tools:
            self.tools[tool.name] = tool

    def definitions(self) -> list[dict[str, Any]]:
        return [tool.definition() for tool in self.tools.values()]

    def call(self, name: str, arguments: dict[str, Any] | str | None) -> ToolResult:
        """Run one tool call; errors become results the model can read, never exceptions."""
        tool = self.tools.get(name)
        if tool is None:
            known = ", ".join(sorted(self.tools)) or "none"
            return ToolResult(f"Unknown tool '{name}'. Available tools: {known}.", is_error=True)
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments or "{}")
            except json.JSONDecodeError as exc:
                return ToolResult(f"Arguments of {name} are not valid JSON: {exc}.", is_error=True)
        if not isinstance(arguments, dict):
            return ToolResult(f"Arguments of {name} must be a JSON object.", is_error=True)
        try:
            return ToolResult(tool.handler(**arguments))
        except ToolError as exc:
            logger.info("tool %s rejected: %s", name, exc)
            return ToolResult(str(exc), is_error=True)
        except TypeError as exc:
            return ToolResult(f"Invalid arguments for {name}: {exc}.", is_error=True)
