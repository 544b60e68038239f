"""Structured outputs of the headless stages.

The model writes only content. Code assigns every id and number (FR-001, SC-001, T001,
CHK001, user story numbers) and renders the artifact from a template, so every backend
yields files of the same shape. Lengths and counts are bounded, so a grammar built from these
schemas ends after a bounded number of tokens, even for a very small local model.

The schemas are exported as JSON files under ``templates/schemas/`` by
``specify.stages.schema.export_schemas``. The training-data generators in ``localmodel`` read
those files without importing ``specify``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

# Patterns use bounded repetition: llama.cpp builds the grammar from the pattern and ignores
# maxLength beside it, so an unbounded `+` would let a small model write for ever.
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]{1,12}(-[a-z0-9]{1,12}){0,3}$", max_length=51)]
Label = Literal["A", "B", "C", "D", "E"]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=400)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class _Output(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Principle(_Output):
    name: Short = Field(description="Short name of the principle, e.g. 'Test-First'.")
    rules: list[Line] = Field(min_length=1, max_length=6, description="Concrete, checkable rules.")
    rationale: Line = Field(description="Why the principle exists.")


class Section(_Output):
    title: Short
    body: Text


class ConstitutionOutput(_Output):
    project_name: Short
    principles: list[Principle] = Field(min_length=2, max_length=7)
    sections: list[Section] = Field(default_factory=list, max_length=3)
    governance: Text = Field(description="How the constitution is amended and enforced.")


class Scenario(_Output):
    given: Line
    when: Line
    then: Line


class UserStory(_Output):
    title: Short
    priority: Literal["P1", "P2", "P3"]
    narrative: Text = Field(description="Who wants what and why, in plain language.")
    why_priority: Line
    independent_test: Line = Field(description="How to test this story on its own.")
    acceptance: list[Scenario] = Field(min_length=1, max_length=5)


class Entity(_Output):
    name: Short
    description: Line


class SpecOutput(_Output):
    title: Short = Field(description="Feature name in a few words.")
    short_name: Slug = Field(
        description="Two to four lowercase words joined by hyphens, for the branch and folder."
    )
    user_stories: list[UserStory] = Field(min_length=1, max_length=6)
    edge_cases: list[Line] = Field(default_factory=list, max_length=8)
    functional_requirements: list[Line] = Field(
        min_length=1, max_length=20, description="Each starts 'The system MUST ...'; ids are added by code."
    )
    key_entities: list[Entity] = Field(default_factory=list, max_length=8)
    success_criteria: list[Line] = Field(min_length=1, max_length=10, description="Measurable, technology-agnostic.")
    assumptions: list[Line] = Field(default_factory=list, max_length=8)
    needs_clarification: list[Line] = Field(
        default_factory=list, max_length=3, description="At most three open questions that block planning."
    )


class Option(_Output):
    label: Label
    answer: Line


class Question(_Output):
    question: Line
    options: list[Option] = Field(min_length=2, max_length=5)
    recommended: Label
    section: Short = Field(description="Spec section the answer changes.")


class ClarifyOutput(_Output):
    questions: list[Question] = Field(max_length=5)


class TechnicalContext(_Output):
    language: Short
    dependencies: Line
    storage: Line
    testing: Line
    platform: Line
    project_type: Short
    performance_goals: Line
    constraints: Line
    scale: Line


class GateResult(_Output):
    principle: Short
    status: Literal["PASS", "FAIL", "N/A"]
    note: Line


class Decision(_Output):
    decision: Line
    rationale: Line
    alternatives: Line


class ModelEntity(_Output):
    name: Short
    fields: list[Line] = Field(min_length=1, max_length=12)
    relationships: list[Line] = Field(default_factory=list, max_length=6)


class Violation(_Output):
    violation: Line
    why_needed: Line
    simpler_alternative_rejected: Line


class PlanOutput(_Output):
    summary: Text
    technical_context: TechnicalContext
    constitution_check: list[GateResult] = Field(min_length=1, max_length=10)
    project_structure: list[Short] = Field(min_length=1, max_length=30, description="Paths, one per entry.")
    research: list[Decision] = Field(default_factory=list, max_length=8)
    data_model: list[ModelEntity] = Field(default_factory=list, max_length=8)
    complexity: list[Violation] = Field(default_factory=list, max_length=5)
    quickstart: list[Line] = Field(default_factory=list, max_length=10, description="Steps that validate the feature.")


class ChecklistItem(_Output):
    text: Line
    category: Short


class ChecklistOutput(_Output):
    domain: Slug
    items: list[ChecklistItem] = Field(min_length=1, max_length=30)


class PlannedTask(_Output):
    description: Line = Field(description="Imperative action naming the file it changes.")
    files: list[Short] = Field(default_factory=list, max_length=5)
    parallel: bool = Field(False, description="True when it touches other files than its neighbours and has no dependency.")
    depends_on: list[int] = Field(
        default_factory=list, max_length=5, description="1-based positions of earlier tasks in the whole list."
    )


class TaskPhase(_Output):
    name: Short
    story: int | None = Field(None, ge=1, le=6, description="User story number this phase delivers, if any.")
    tasks: list[PlannedTask] = Field(min_length=1, max_length=20)


class TasksOutput(_Output):
    phases: list[TaskPhase] = Field(min_length=1, max_length=10)


class Finding(_Output):
    severity: Literal["CRITICAL", "HIGH", "MEDIUM", "LOW"]
    category: Literal["duplication", "ambiguity", "underspecification", "constitution", "coverage", "inconsistency"]
    location: Short
    summary: Line
    recommendation: Line


class AnalyzeOutput(_Output):
    findings: list[Finding] = Field(max_length=50)


class Gap(_Output):
    action: Line
    source: Short = Field(description="What requires it: FR-003, SC-002, US1/AC2, plan, or a principle.")
    kind: Literal["missing", "partial", "contradicts", "unrequested"]


class ConvergeOutput(_Output):
    gaps: list[Gap] = Field(max_length=20)


STAGE_OUTPUTS: dict[str, type[BaseModel]] = {
    "constitution": ConstitutionOutput,
    "specify": SpecOutput,
    "clarify": ClarifyOutput,
    "plan": PlanOutput,
    "checklist": ChecklistOutput,
    "tasks": TasksOutput,
    "analyze": AnalyzeOutput,
    "converge": ConvergeOutput,
}
