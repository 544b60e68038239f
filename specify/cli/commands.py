"""The table of command groups. Each module registers its own commands on ``app``."""

from __future__ import annotations

import importlib

import typer

# Modules under specify.cli, each exposing register(app). Keep imports light in them.
COMMAND_MODULES = (
    "specify.cli.project_cmds",
    "specify.cli.feature_cmds",
    "specify.cli.check_cmds",
    "specify.cli.board_cmds",
    "specify.cli.tasks_cmds",
    "specify.cli.analyze_cmds",
    "specify.cli.init_cmds",
    "specify.cli.integration_cmds",
    "specify.cli.skill_cmds",
    "specify.cli.skill_eval_cmds",
    "specify.cli.run_cmds",
    "specify.cli.demo_cmds",
    "specify.cli.model_cmds",
    "specify.cli.posttrain_cmds",
)


def register(app: typer.Typer) -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(app)
