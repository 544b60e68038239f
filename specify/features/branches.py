"""Git branches for features: names, validity, listing and creation (GitPython, no network).

Branch names are checked against git's ref-name rules (``git check-ref-format --branch``)
in Python, so a bad branch template fails before anything is written.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from specify.errors import ConfigError

if TYPE_CHECKING:
    import git

logger = logging.getLogger(__name__)

TEMPLATE_FIELDS = ("number", "slug", "short_name")
_FORBIDDEN = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]")


@dataclass(frozen=True)
class BranchResult:
    """Outcome of the branch step: ``action`` and a sentence giving the reason."""

    action: str  # created, switched, current, not-switched, skipped
    note: str


def is_valid_branch_name(name: str) -> bool:
    """Return whether git accepts ``name`` as a branch name (``check-ref-format --branch``)."""
    if not name or name.startswith("-") or name == "HEAD" or name == "@":
        return False
    if name.endswith(("/", ".")) or name.startswith("/") or "//" in name:
        return False
    if ".." in name or "@{" in name or _FORBIDDEN.search(name):
        return False
    return all(part and not part.startswith(".") and not part.endswith(".lock") for part in name.split("/"))


def render_branch_name(template: str, number: str, slug: str, short_name: str) -> str:
    """Fill ``{number}``, ``{slug}`` and ``{short_name}`` in a branch template."""
    values = {"number": number, "slug": slug, "short_name": short_name}
    try:
        return template.format_map(values)
    except (KeyError, IndexError, ValueError, AttributeError) as exc:
        raise ConfigError(
            f"Branch template {template!r} is invalid ({exc!r}).",
            f"Use only the fields {', '.join('{' + f + '}' for f in TEMPLATE_FIELDS)}, "
            'for example features.branch_template = "feat/{number}-{slug}".',
        ) from exc


def open_repo(root: Path) -> git.Repo | None:
    """Return the git repository that contains ``root``, or None when there is none."""
    import git  # GitPython: about 60 ms to import

    try:
        return git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None


def branch_names(repo: git.Repo) -> list[str]:
    """Return local branch names and remote-tracking names without the remote (no fetch)."""
    import git

    names: list[str] = []
    for ref in repo.references:
        if isinstance(ref, git.RemoteReference):
            if ref.remote_head == "HEAD":
                continue
            names.append(ref.remote_head)
        elif isinstance(ref, git.Head):
            names.append(ref.name)
    return names


def _active_branch(repo: git.Repo) -> str | None:
    try:
        return repo.head.reference.name if not repo.head.is_detached else None
    except TypeError:
        return None


def create_or_switch(repo: git.Repo, name: str) -> BranchResult:
    """Create branch ``name`` at HEAD and check it out, never losing uncommitted work.

    A new branch starts at the current commit, so uncommitted changes carry over unchanged.
    An existing branch is checked out only when tracked files have no uncommitted changes,
    and git itself rejects a checkout that would overwrite untracked files. In both cases
    the branch is left alone and the result gives the reason.
    """
    import git

    if _active_branch(repo) == name:
        return BranchResult("current", f"already on branch {name}")
    existing = {head.name for head in repo.heads}
    if name not in existing:
        # Without commits, `checkout -b` only renames the unborn HEAD: no branch exists yet.
        unborn = _active_branch(repo) if not repo.head.is_valid() else None
        try:
            repo.git.checkout("-b", name)
        except git.GitCommandError as exc:
            return BranchResult("not-switched", f"git could not create branch {name}: {_stderr(exc)}")
        logger.info("created branch %s", name)
        if unborn is not None:
            return BranchResult("created", _unborn_note(name, unborn))
        return BranchResult("created", f"created branch {name} from the current commit")
    if repo.is_dirty(untracked_files=False):
        return BranchResult(
            "not-switched",
            f"branch {name} exists and the working tree has uncommitted changes; "
            f"commit or stash them, then run `git switch {name}`",
        )
    try:
        repo.git.checkout(name)
    except git.GitCommandError as exc:
        return BranchResult("not-switched", f"git could not switch to {name}: {_stderr(exc)}")
    return BranchResult("switched", f"switched to existing branch {name}")


def _unborn_note(name: str, previous: str) -> str:
    """Describe a branch made in a repository without commits, where HEAD only names it."""
    return (
        f"the repository has no commits yet, so HEAD now names {name} instead of {previous}, "
        "and git creates the branch with the first commit"
    )


def _stderr(exc: Exception) -> str:
    text = getattr(exc, "stderr", "") or str(exc)
    return " ".join(str(text).split()).removeprefix("stderr: ").strip("'")
