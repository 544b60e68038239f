"""Project exception types.

Services raise these; the CLI prints ``message`` (and ``hint`` when set) as one line on
stderr and exits with ``exit_code``. Set ``SPECIFY_DEBUG=1`` to see the traceback instead.
"""

from __future__ import annotations


class SpecifyError(Exception):
    """An error a user can act on: what failed, on which value, and what to do next."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message} {self.hint}"
        return self.message


class UsageError(SpecifyError):
    """A missing or invalid command-line choice."""

    exit_code = 2


class ConfigError(SpecifyError):
    """An invalid settings file or value."""


class ProjectNotFoundError(SpecifyError):
    """No `.specify/` project above the working directory."""


class FeatureNotFoundError(SpecifyError):
    """The active feature could not be resolved."""


class ArtifactError(SpecifyError):
    """A spec, plan or tasks file that cannot be read or written as asked."""


class ConflictError(SpecifyError):
    """A file changed on disk since it was read, so writing would lose someone's edit."""


class MissingExtraError(SpecifyError):
    """An optional dependency group is not installed."""
