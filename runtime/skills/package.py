"""Package a skill as a `.skill` zip and install one from a zip or a folder.

The archive holds one top folder named after the skill (``<name>/SKILL.md``, ...). Packaging
validates first, never follows a symlink that leaves the skill folder, leaves out version
control, secrets, caches and build output, reports each exclusion, and refuses more than
:data:`MAX_TOTAL_BYTES` of content (the Claude API upload limit is 30 MB uncompressed).
Installing rejects any archive entry that would land outside the target folder.
"""

from __future__ import annotations

import fnmatch
import io
import os
import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from runtime.skills.loader import load_skill
from runtime.skills.model import SkillError
from runtime.skills.rules import check_name
from runtime.skills.validate import validate_skill
from specify.fsutil import atomic_write_bytes

MAX_TOTAL_BYTES = 30 * 1024 * 1024
MAX_ENTRIES = 10_000
EXCLUDED_DIRS = frozenset({
    ".git", ".hg", ".svn", "__pycache__", "node_modules", ".venv", "venv", ".tox", ".nox",
    ".pytest_cache", ".mypy_cache", ".ruff_cache", ".idea", ".vscode", "dist", "build",
})
EXCLUDED_FILES = (
    ".env", ".env.*", "*.pem", "*.key", "*.p12", "*.pfx", "id_rsa*", "id_ed25519*", "id_ecdsa*",
    ".netrc", ".npmrc", ".pypirc", "credentials*", "*.pyc", "*.pyo", ".DS_Store", "Thumbs.db",
    "*.egg-info", ".coverage",
)
# Fixed timestamp so packaging the same files twice gives the same bytes.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass
class PackagePlan:
    """The files that go into an archive and the paths left out, each with the reason."""

    files: list[tuple[Path, str]] = field(default_factory=list)  # (source, archive-relative)
    excluded: list[tuple[str, str]] = field(default_factory=list)
    total_bytes: int = 0


def _excluded_reason(name: str, is_dir: bool) -> str | None:
    if is_dir and (name in EXCLUDED_DIRS or name.endswith(".egg-info")):
        return "version control, cache or build output"
    if not is_dir and any(fnmatch.fnmatch(name, pattern) for pattern in EXCLUDED_FILES):
        return "secret, cache or build file"
    return None


def plan_files(folder: Path) -> PackagePlan:
    """Choose the files of ``folder`` that may be shipped, without following escaping links."""
    plan = PackagePlan()
    real_root = os.path.realpath(folder)
    for current, dirs, files in os.walk(folder, followlinks=False):
        kept_dirs = []
        for name in sorted(dirs):
            path = os.path.join(current, name)
            relative = os.path.relpath(path, folder).replace(os.sep, "/")
            reason = _excluded_reason(name, True)
            if os.path.islink(path):
                reason = "symlinked folder"
            if reason:
                plan.excluded.append((relative + "/", reason))
            else:
                kept_dirs.append(name)
        dirs[:] = kept_dirs
        for name in sorted(files):
            _plan_file(plan, Path(current, name), folder, real_root)
    return plan


def _plan_file(plan: PackagePlan, path: Path, folder: Path, real_root: str) -> None:
    relative = os.path.relpath(path, folder).replace(os.sep, "/")
    reason = _excluded_reason(path.name, False)
    if reason is None and path.is_symlink():
        target = os.path.realpath(path)
        if not target.startswith(real_root + os.sep):
            reason = f"symlink to {target}, outside the skill folder"
        elif not os.path.isfile(target):
            reason = "symlink to something that is not a file"
    if reason is None and not path.is_file():
        reason = "not a regular file"
    if reason:
        plan.excluded.append((relative, reason))
        return
    plan.files.append((path, relative))
    plan.total_bytes += path.stat().st_size
    if plan.total_bytes > MAX_TOTAL_BYTES:
        raise SkillError(f"{folder} contains more than {MAX_TOTAL_BYTES // (1024 * 1024)} MB of files",
                         "Move large data out of the skill, or exclude it.")


@dataclass
class PackageResult:
    archive: Path
    name: str
    files: list[str]
    excluded: list[tuple[str, str]]
    warnings: list[str]


def package_skill(folder: Path, output: Path | None = None, profile: str = "spec") -> PackageResult:
    """Validate ``folder`` and write ``<name>.skill`` (or ``output``); never overwrite a file."""
    folder = Path(folder)
    report = validate_skill(folder, profile)
    if not report.valid:
        first = report.errors[0]
        raise SkillError(f"{folder} is not a valid skill ({len(report.errors)} error(s); first: {first})",
                         f"Run `specify skill validate {folder}` and fix the errors.")
    name = report.name or folder.name
    target = Path(output) if output else Path.cwd() / f"{name}.skill"
    if target.exists():
        raise SkillError(f"{target} already exists", "Remove it or pass -o with another file name.")

    plan = plan_files(folder)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for source, relative in plan.files:
            info = zipfile.ZipInfo(f"{name}/{relative}", _ZIP_TIME)
            info.external_attr = (stat.S_IFREG | (source.stat().st_mode & 0o777)) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, source.read_bytes())
    atomic_write_bytes(target, buffer.getvalue())
    return PackageResult(target, name, [relative for _, relative in plan.files], plan.excluded,
                         [str(d) for d in report.warnings])


def _safe_member(member: zipfile.ZipInfo, top: str | None) -> str:
    """Return the member's top folder, or raise if it could land outside the target."""
    name = member.filename
    pure = PurePosixPath(name)
    if "\\" in name or name.startswith("/") or ":" in pure.parts[0] or ".." in pure.parts or not pure.parts:
        raise SkillError(f"archive entry '{name}' would be written outside the install folder",
                         "Only install archives made by `specify skill package` or another trusted tool.")
    if len(pure.parts) == 1 and not member.is_dir():
        raise SkillError(f"archive entry '{name}' is not inside a folder",
                         "A .skill archive holds exactly one folder named after the skill: zip the folder "
                         "itself, or run `specify skill package`.")
    if stat.S_ISLNK(member.external_attr >> 16):
        raise SkillError(f"archive entry '{name}' is a symlink", "Symlinks are not installed from archives.")
    if top is not None and pure.parts[0] != top:
        raise SkillError(f"archive entry '{name}' is outside the single top folder '{top}/'",
                         "A .skill archive holds exactly one folder named after the skill.")
    return pure.parts[0]


def _extract(archive_path: Path, staging: Path) -> str:
    try:
        archive = zipfile.ZipFile(archive_path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SkillError(f"{archive_path} is not a readable zip archive: {exc}",
                         "Pass a .skill file made by `specify skill package`.") from exc
    with archive:
        members = archive.infolist()
        if not members or len(members) > MAX_ENTRIES:
            raise SkillError(f"{archive_path} has {len(members)} entries", "A skill archive needs 1 to 10000.")
        top = _safe_member(members[0], None)
        total = 0
        for member in members:
            _safe_member(member, top)
            total += member.file_size
        if total > MAX_TOTAL_BYTES:
            raise SkillError(f"{archive_path} unpacks to {total} bytes, over the 30 MB limit")
        for member in members:
            archive.extract(member, staging)
    return top


def install_skill(source: Path, target_dir: Path) -> Path:
    """Install a `.skill` archive or a skill folder into ``target_dir/<name>``."""
    source = Path(source)
    target_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".install-", dir=target_dir) as temp:
        staging = Path(temp)
        if source.is_dir():
            top = source.resolve().name
            for file, relative in plan_files(source).files:
                destination = staging / top / relative
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(file, destination)
        elif source.is_file():
            top = _extract(source, staging)
        else:
            raise SkillError(f"{source} does not exist", "Pass a .skill file or a skill folder.")
        return _place(staging / top, target_dir)


def _place(staged: Path, target_dir: Path) -> Path:
    if not (staged / "SKILL.md").is_file():
        raise SkillError(f"the skill to install has no SKILL.md in its top folder '{staged.name}'",
                         "Install a folder or archive made by `specify skill new` or `specify skill package`.")
    result = load_skill((staged / "SKILL.md").absolute(), "user")
    if result.skill is None:
        reason = "; ".join(d.message for d in result.diagnostics) or "no SKILL.md"
        raise SkillError(f"the skill to install does not load: {reason}", "Fix it, then install again.")
    name = result.skill.name
    if check_name(name, name, "spec"):
        raise SkillError(f"the skill to install has the invalid name '{name}'",
                         "Names use a-z, 0-9 and single hyphens, at most 64 characters.")
    final = target_dir / name
    if final.exists():
        raise SkillError(f"{final} already exists", "Remove the installed skill first to replace it.")
    os.replace(staged, final)
    return final
