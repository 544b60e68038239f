"""Tools the agent loop offers a model: files confined to a workspace, search, and a shell
behind an allow/ask/deny policy. Tool definitions are provider-neutral JSON-schema dicts."""

from runtime.tools.base import Tool, Toolbox, ToolError, ToolResult
from runtime.tools.workspace import Workspace, WorkspaceError

__all__ = ["Tool", "ToolError", "ToolResult", "Toolbox", "Workspace", "WorkspaceError"]
