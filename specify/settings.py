"""Typed settings with a written precedence.

Highest precedence first: a command-line flag; the environment (``SPECIFY_BACKEND``,
``SPECIFY_MODEL``, ``SPECIFY_BASE_URL``); the project's ``.specify/config.toml``; the user's
``$SPECIFY_HOME/config.toml``; the defaults below. :func:`load_settings` returns the merged
values and, for each key, the rule that set it, which ``specify config show`` prints.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from specify.errors import ConfigError
from specify.fsutil import atomic_write_text, locked

USER_HOME_ENV = "SPECIFY_HOME"
ENV_KEYS = {
    "SPECIFY_BACKEND": "model.backend",
    "SPECIFY_MODEL": "model.name",
    "SPECIFY_BASE_URL": "model.base_url",
}
SECRET_KEYS = frozenset({"keys.anthropic_api_key", "keys.openai_api_key"})


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class ModelSettings(_Section):
    backend: Literal["llamacpp", "anthropic", "openai"] | None = Field(
        None, description="Model provider; unset means the embedded local model."
    )
    name: str | None = Field(None, description="Model name or path to a GGUF file.")
    base_url: str | None = Field(None, description="Base URL of an OpenAI-compatible server.")
    n_gpu_layers: int = Field(-1, description="Layers offloaded to the GPU by llama.cpp; -1 means all.")
    n_ctx: int = Field(8192, description="Context window in tokens for local models.")
    temperature: float = Field(0.2, description="Sampling temperature.")


class FeatureSettings(_Section):
    numbering: Literal["sequential", "timestamp"] = Field(
        "sequential", description="How `feature new` numbers features."
    )
    branch_template: str = Field(
        "{number}-{slug}", description="Git branch name; fields {number}, {slug}, {short_name}."
    )
    create_branch: bool = Field(True, description="Whether `feature new` creates a git branch.")


class ImplementSettings(_Section):
    test_command: str | None = Field(None, description="Command run after each implemented task.")
    commit_per_task: bool = Field(False, description="Commit after each task whose check passes.")


class BudgetSettings(_Section):
    max_tokens: int | None = Field(None, description="Token budget per run (input plus output).")
    max_cost_usd: float | None = Field(None, description="Cost budget per run in US dollars.")
    max_turns: int = Field(40, description="Agent loop turns per implement run.")


class SkillSettings(_Section):
    dirs: list[str] = Field(default_factory=list, description="Extra folders searched for skills.")
    catalog_tokens: int = Field(2000, description="Token budget of the skills catalog in prompts.")


class KeySettings(_Section):
    anthropic_api_key: str | None = Field(None, description="Secret; user config only.")
    openai_api_key: str | None = Field(None, description="Secret; user config only.")


class Price(_Section):
    input_per_mtok: float = Field(description="US dollars per million input tokens.")
    output_per_mtok: float = Field(description="US dollars per million output tokens.")
    cached_per_mtok: float | None = Field(None, description="US dollars per million cached input tokens.")


class Settings(_Section):
    model: ModelSettings = Field(default_factory=ModelSettings)
    features: FeatureSettings = Field(default_factory=FeatureSettings)
    implement: ImplementSettings = Field(default_factory=ImplementSettings)
    budget: BudgetSettings = Field(default_factory=BudgetSettings)
    skills: SkillSettings = Field(default_factory=SkillSettings)
    keys: KeySettings = Field(default_factory=KeySettings)
    prices: dict[str, Price] = Field(default_factory=dict)
    keybindings: dict[str, str] = Field(
        default_factory=dict, description="Board key remaps: action name to key."
    )


@dataclass
class LoadedSettings:
    settings: Settings
    sources: dict[str, str] = field(default_factory=dict)

    def source_of(self, key: str) -> str:
        return self.sources.get(key, "default")


def user_home() -> Path:
    """Return the user directory: ``$SPECIFY_HOME`` or the platform's config folder."""
    explicit = os.environ.get(USER_HOME_ENV)
    if explicit:
        return Path(explicit).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir("specify", appauthor=False))


def user_config_path() -> Path:
    return user_home() / "config.toml"


def project_config_path(root: Path) -> Path:
    return root / ".specify" / "config.toml"


def read_toml(path: Path) -> dict[str, Any]:
    """Read a TOML file, naming the file and the position on a syntax error."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        return {}
    except (IsADirectoryError, NotADirectoryError, PermissionError) as exc:
        raise ConfigError(f"Cannot read settings file {path}: {exc.strerror}.", "Make it a readable TOML file.") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path} is not valid UTF-8 (byte {exc.start}).", "Save it as UTF-8.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}.", "Fix the line shown or delete the file.") from exc


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and dotted not in ("prices", "keybindings"):
            flat.update(_flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat


def _nest(flat: dict[str, Any]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for dotted, value in flat.items():
        parts = dotted.split(".")
        node = nested
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return nested


def _validate(flat: dict[str, Any], origin: str) -> Settings:
    try:
        return Settings.model_validate(_nest(flat))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(
            f"Invalid setting in {origin}: {problems}.",
            "Run `specify config show` to list the valid keys.",
        ) from exc


def load_settings(root: Path | None, flags: dict[str, Any] | None = None) -> LoadedSettings:
    """Merge defaults, user file, project file, environment and flags, in that order."""
    layers: list[tuple[str, dict[str, Any]]] = []
    user_file = user_config_path()
    layers.append((f"user config {user_file}", _flatten(read_toml(user_file))))
    if root is not None:
        project_file = project_config_path(root)
        project_values = _flatten(read_toml(project_file))
        leaked = sorted(SECRET_KEYS & project_values.keys())
        if leaked:
            raise ConfigError(
                f"{project_file} contains the secret {leaked[0]}; secrets would be committed with the project.",
                f"Remove it there and run `specify config set {leaked[0]} VALUE --user`.",
            )
        layers.append((f"project config {project_file}", project_values))
    env_values = {key: os.environ[var] for var, key in ENV_KEYS.items() if os.environ.get(var)}
    layers.append(("environment", env_values))
    flag_values = {key: value for key, value in (flags or {}).items() if value is not None}
    layers.append(("command-line flag", flag_values))

    merged: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for origin, values in layers:
        _validate(values, origin)  # names the layer that contains a bad key
        merged.update(values)
        sources.update(dict.fromkeys(values, origin))
    return LoadedSettings(_validate(merged, "the merged settings"), sources)


def setting_keys() -> list[str]:
    """Return every dotted key that ``config set`` accepts, except the open tables."""
    keys: list[str] = []
    for section_name, section_field in Settings.model_fields.items():
        annotation = section_field.annotation
        if isinstance(annotation, type) and issubclass(annotation, _Section):
            keys.extend(f"{section_name}.{name}" for name in annotation.model_fields)
    return keys


def _parse_value(key: str, raw: str) -> Any:
    """Turn a command-line string into the TOML value the key's type expects."""
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def set_setting(key: str, raw_value: str, *, root: Path | None, user: bool) -> Path:
    """Write one setting into the project file (or the user file), keeping comments."""
    import tomlkit

    if key not in setting_keys() and not key.startswith(("prices.", "keybindings.")):
        raise ConfigError(f"Unknown setting '{key}'.", f"Valid keys: {', '.join(setting_keys())}.")
    if key in SECRET_KEYS and not user:
        raise ConfigError(f"'{key}' is a secret and is stored only in the user config.", "Add --user.")
    if not user and root is None:
        raise ConfigError("No specify project here to hold the setting.", "Add --user, or run `specify init` first.")
    target = user_config_path() if user else project_config_path(root)  # type: ignore[arg-type]
    value = _parse_value(key, raw_value)

    with locked(target):
        current = _flatten(read_toml(target))
        current[key] = value
        _validate(current, str(target))
        document = tomlkit.parse(target.read_text(encoding="utf-8-sig")) if target.exists() else tomlkit.document()
        *tables, leaf = key.split(".")
        node: Any = document
        for table in tables:
            if table not in node:
                node[table] = tomlkit.table()
            node = node[table]
        node[leaf] = value
        mode = 0o600 if user else None
        atomic_write_text(target, tomlkit.dumps(document), mode=mode)
        if user:
            os.chmod(target, 0o600)
    return target
