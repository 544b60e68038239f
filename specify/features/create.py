"""``specify feature new``: number, slug, branch, folder, spec.md and feature.json.

The steps run under a cross-process lock on ``.specify/.features.lock``, so two runs at once
never pick the same number. A dry run takes no lock and writes nothing, and predicts the
names a real run would then produce.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from specify.artifacts.templates import fill_placeholders, resolve_template
from specify.errors import ConfigError, ConflictError, UsageError
from specify.features import branches, numbering, slugs
from specify.fsutil import atomic_write_text, locked
from specify.project import FEATURE_JSON, specs_dir
from specify.settings import LoadedSettings, load_settings

logger = logging.getLogger(__name__)

FEATURE_NAME_CHARS = 80
SPEC_TEMPLATE = "spec-template.md"


@dataclass(frozen=True)
class NewFeatureRequest:
    """The options of ``specify feature new``; None means "use the setting"."""

    description: str
    short_name: str | None = None
    number: int | None = None
    timestamp: bool = False
    branch_template: str | None = None
    create_branch: bool | None = None
    dry_run: bool = False


@dataclass
class NewFeature:
    """The names ``feature new`` chose and what it did with them."""

    root: Path
    number: str
    slug: slugs.Slug
    folder: Path
    branch_name: str
    numbering: str
    dry_run: bool
    branch: branches.BranchResult | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def spec_file(self) -> Path:
        return self.folder / "spec.md"

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "BRANCH_NAME": self.branch_name,
            "SPEC_FILE": str(self.spec_file),
            "FEATURE_NUM": self.number,
            "FEATURE_DIR": str(self.folder),
            "slug_source": self.slug.source,
            "numbering": self.numbering,
            "branch_action": self.branch.action if self.branch else None,
            "branch_note": self.branch.note if self.branch else None,
            "warnings": self.warnings,
        }
        if self.dry_run:
            data["DRY_RUN"] = True
        return data


def feature_name(description: str) -> str:
    """Return the description on one line, cut at a word boundary when it is long."""
    flat = " ".join(description.split())
    if len(flat) <= FEATURE_NAME_CHARS:
        return flat
    cut = flat[:FEATURE_NAME_CHARS].rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:-") + "…"


def _numbering_mode(root: Path, loaded: LoadedSettings, request: NewFeatureRequest) -> str:
    if request.timestamp:
        return "timestamp"
    if loaded.source_of("features.numbering") == "default":
        # spec-kit projects record their choice in init-options.json.
        options = root / ".specify" / "init-options.json"
        try:
            stored = json.loads(options.read_text(encoding="utf-8-sig")).get("feature_numbering")
        except (OSError, ValueError, AttributeError):
            stored = None
        if stored in ("sequential", "timestamp"):
            return str(stored)
    return loaded.settings.features.numbering


def _choose_number(root: Path, repo: Any, mode: str, request: NewFeatureRequest) -> numbering.NumberChoice:
    if mode == "timestamp":
        warnings = []
        if request.number is not None:
            warnings.append(f"--number {request.number} is ignored with timestamp numbering")
        return numbering.NumberChoice(numbering.timestamp_number(), warnings)
    names = numbering.folder_names(root)
    if repo is not None:
        names += branches.branch_names(repo)
    return numbering.choose_sequential(numbering.used_numbers(names), request.number)


def _fit_names(number: str, slug: str, short_name: str, template: str) -> tuple[str, str, list[str]]:
    """Return the folder and branch names, with the slug shortened to fit 244 bytes."""
    warnings: list[str] = []
    branch = branches.render_branch_name(template, number, slug, short_name)
    excess = max(len(branch.encode("utf-8")), len(f"{number}-{slug}")) - slugs.MAX_NAME_BYTES
    if excess > 0:
        shorter = slug[: max(len(slug) - excess, 0)].rstrip("-")
        if not shorter:
            raise ConfigError(
                f"Branch template {template!r} leaves no room for the slug within {slugs.MAX_NAME_BYTES} bytes.",
                "Shorten the fixed text in features.branch_template.",
            )
        warnings.append(f"name cut to {slugs.MAX_NAME_BYTES} bytes: slug '{slug}' became '{shorter}'")
        slug = shorter
        branch = branches.render_branch_name(template, number, slug, short_name)
    branch = slugs.truncate_utf8(branch)
    if not branches.is_valid_branch_name(branch):
        raise ConfigError(
            f"Branch template {template!r} gives '{branch}', which git rejects as a branch name.",
            "Avoid spaces, '..', '~^:?*[\\', a leading '-' or '/', and parts ending in '.lock'.",
        )
    return f"{number}-{slug}", branch, warnings


def plan_feature(root: Path, request: NewFeatureRequest, loaded: LoadedSettings) -> NewFeature:
    """Choose number, slug, folder and branch name without writing anything."""
    description = request.description.strip()
    if not description:
        raise UsageError("The feature description is empty.", 'Describe the feature: specify feature new "Add login".')
    slug = (
        slugs.clean_short_name(request.short_name) if request.short_name else slugs.slug_from_description(description)
    )
    repo = branches.open_repo(root)
    mode = _numbering_mode(root, loaded, request)
    choice = _choose_number(root, repo, mode, request)
    template = request.branch_template or loaded.settings.features.branch_template
    folder_name, branch_name, cut_warnings = _fit_names(choice.number, slug.text, slug.text, template)
    last_segment = branch_name.rsplit("/", 1)[-1]
    warnings = [*choice.warnings, *cut_warnings]
    if not last_segment.startswith(choice.number):
        warnings.append(
            f"branch '{branch_name}' does not end in a part starting with {choice.number}, "
            "so the active feature cannot be found from the branch; .specify/feature.json records it"
        )
    return NewFeature(
        root=root,
        number=choice.number,
        slug=slug,
        folder=specs_dir(root) / folder_name,
        branch_name=branch_name,
        numbering=mode,
        dry_run=request.dry_run,
        warnings=warnings,
    )


def _make_branch(feature: NewFeature, request: NewFeatureRequest, loaded: LoadedSettings) -> branches.BranchResult:
    if request.create_branch is False:
        return branches.BranchResult("skipped", "--no-branch was given")
    if request.create_branch is None and not loaded.settings.features.create_branch:
        return branches.BranchResult(
            "skipped", f"features.create_branch is false ({loaded.source_of('features.create_branch')})"
        )
    repo = branches.open_repo(feature.root)
    if repo is None:
        return branches.BranchResult("skipped", f"{feature.root} is not inside a git repository")
    return branches.create_or_switch(repo, feature.branch_name)


def _ensure_free(feature: NewFeature) -> None:
    specs = feature.folder.parent
    if specs.exists() and not specs.is_dir():
        raise ConflictError(
            f"{specs} is a file, so feature folder {feature.folder.name} cannot be created in it.",
            "Move or rename that file; feature folders live in specs/.",
        )
    if feature.spec_file.exists():
        raise ConflictError(f"{feature.spec_file} already exists; it is never overwritten.", "Pick another --number.")
    if feature.folder.exists():
        raise ConflictError(
            f"Feature folder {feature.folder} already exists.", "Wait a second for a new timestamp, or use --number."
        )


def _write_files(feature: NewFeature, description: str) -> None:
    feature.folder.mkdir(parents=True)
    template = resolve_template(feature.root, SPEC_TEMPLATE)
    relative = feature.folder.relative_to(feature.root).as_posix()
    values = {
        "FEATURE_NAME": feature_name(description),
        "BRANCH_NAME": feature.branch_name,
        "CREATED_DATE": date.today().isoformat(),
        "USER_DESCRIPTION": description,
        "FEATURE_DIR": relative,
    }
    text = fill_placeholders(template.read_text(encoding="utf-8-sig"), values)
    atomic_write_text(feature.spec_file, text)
    write_feature_json(feature.root, relative)


def write_feature_json(root: Path, feature_directory: str) -> Path:
    """Record the active feature in ``.specify/feature.json`` (atomic write)."""
    target = root / FEATURE_JSON
    atomic_write_text(target, json.dumps({"feature_directory": feature_directory}, indent=2) + "\n")
    return target


def create_feature(root: Path, request: NewFeatureRequest) -> NewFeature:
    """Create a feature: branch (when asked and possible), folder, spec.md and feature.json."""
    flags = {"features.branch_template": request.branch_template}
    loaded = load_settings(root, flags)
    if request.dry_run:
        return plan_feature(root, request, loaded)
    (root / ".specify").mkdir(exist_ok=True)
    with locked(root / ".specify" / "features"):
        feature = plan_feature(root, request, loaded)
        _ensure_free(feature)  # before the branch, so a conflict leaves git untouched
        feature.branch = _make_branch(feature, request, loaded)
        _write_files(feature, request.description.strip())
    logger.info("created feature %s (%s)", feature.folder, feature.branch.action)
    return feature
