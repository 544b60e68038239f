"""The stages as data: what each reads, which tools it may use, its prompt and output model."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from specify.stages import models


@dataclass(frozen=True)
class Stage:
    name: str
    role: str
    output: type[BaseModel] | None
    needs_feature: bool
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    explore: bool = True  # may use read-only repository tools before answering
    max_output_tokens: int = 4096


STAGES: dict[str, Stage] = {
    stage.name: stage
    for stage in (
        Stage("constitution", "You write the project's constitution.", models.ConstitutionOutput, False),
        Stage("specify", "You turn a feature request into a specification of what and why.", models.SpecOutput, False),
        Stage("clarify", "You find the ambiguities of a specification that block planning.", models.ClarifyOutput,
              True, ("spec.md",)),
        Stage("plan", "You write the technical plan for a specified feature.", models.PlanOutput, True, ("spec.md",)),
        Stage("checklist", "You write checklists that test the quality of requirements.", models.ChecklistOutput,
              True, ("spec.md",), ("plan.md",)),
        Stage("tasks", "You break a plan into small, ordered, testable tasks.", models.TasksOutput, True,
              ("spec.md", "plan.md"), ("research.md", "data-model.md")),
        Stage("analyze", "You review spec, plan and tasks for problems, read-only.", models.AnalyzeOutput, True,
              ("spec.md", "plan.md", "tasks.md")),
        Stage("implement", "You implement tasks of a planned feature in the repository.", None, True,
              ("plan.md", "tasks.md"), ("spec.md",)),
        Stage("converge", "You compare the implementation with its spec, plan and tasks.", models.ConvergeOutput,
              True, ("spec.md", "plan.md", "tasks.md")),
    )
}
