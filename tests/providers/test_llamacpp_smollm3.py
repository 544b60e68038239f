"""The llamacpp provider on the project's own model format: a tiny SmolLM3 GGUF from localmodel.

This GGUF carries the project's chat template, which renders tools itself, so it checks the
path the embedded model takes. Building it needs torch (the [train] extra).
"""

from __future__ import annotations

import pytest

from runtime.providers import Message, ModelRequest, ToolSpec
from runtime.providers.llamacpp import LlamaCppProvider

pytest.importorskip("torch", reason="building the SmolLM3 test model needs the [train] extra")
pytest.importorskip("llama_cpp", reason="the llama.cpp tests need the [local] extra")
jsonschema = pytest.importorskip("jsonschema")

# A hung generation fails its test instead of stalling the run.
pytestmark = pytest.mark.timeout(120)

OUTPUT_SCHEMA = {
    "type": "object",
    "properties": {
        "summary": {"type": "string", "maxLength": 24},
        "steps": {"type": "array", "maxItems": 3, "items": {"type": "string", "maxLength": 12}},
        "risk": {"enum": ["low", "high"]},
    },
    "required": ["summary", "steps", "risk"],
}
READ_FILE = ToolSpec(
    "read_file",
    "Read a file in the repository.",
    {"type": "object", "properties": {"path": {"type": "string", "maxLength": 24}}, "required": ["path"]},
)


@pytest.fixture(scope="module")
def smollm3(tmp_path_factory) -> LlamaCppProvider:
    from tests.helpers.tiny_gguf import build_tiny_model

    model = build_tiny_model(tmp_path_factory.mktemp("smollm3"), train_steps=0)
    return LlamaCppProvider(model.gguf, n_ctx=2048)


def ask(**fields) -> ModelRequest:
    return ModelRequest(messages=[Message.user("Plan the work.")], system="You plan.", max_tokens=300, **fields)


def test_smollm3_template_from_gguf(smollm3):
    assert smollm3.describe()["chat_template"] == "gguf"


def test_smollm3_structured_output_valid(smollm3):
    response = smollm3.complete(ask(output_schema=OUTPUT_SCHEMA, temperature=1.0))

    jsonschema.validate(response.parsed, OUTPUT_SCHEMA)


def test_smollm3_forced_tool_call(smollm3):
    response = smollm3.complete(ask(tools=[READ_FILE], tool_choice="read_file", temperature=1.0))

    assert response.tool_calls[0].name == "read_file"
    jsonschema.validate(response.tool_calls[0].arguments, READ_FILE.input_schema)
