"""Fixtures for the local-model tests: ``tiny_model`` is built once per session."""

from tests.helpers.tiny_gguf import tiny_model  # noqa: F401
