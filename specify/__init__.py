"""Spec-driven development with LLMs: the workflow, its artifacts and the stage runner."""

__version__ = "0.1.0"
