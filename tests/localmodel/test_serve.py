"""The llama.cpp server: starts on loopback, serves the OpenAI API, reports offload, stops."""

from __future__ import annotations

import json
import socket
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("llama_cpp")
pytest.importorskip("uvicorn")

from localmodel.serve import HOST, Offload, ServerError, _offload_from_log, start_server  # noqa: E402
from specify.errors import ArtifactError  # noqa: E402
from tests.helpers.tiny_gguf import TinyModel  # noqa: E402


def post_json(url: str, body: dict) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


@pytest.fixture(scope="module")
def server(tiny_model: TinyModel):
    running = start_server(tiny_model.gguf, n_ctx=256)
    yield running
    running.stop()


def test_server_binds_loopback(server) -> None:
    assert server.url.startswith(f"http://{HOST}:")
    assert server.process.args[server.process.args.index("--host") + 1] == "127.0.0.1"


def test_models_endpoint_lists_file(server, tiny_model: TinyModel) -> None:
    with urllib.request.urlopen(server.url + "/models", timeout=10) as response:
        models = json.load(response)
    assert [m["id"] for m in models["data"]] == [str(tiny_model.gguf)]


def test_chat_completion_uses_template(server) -> None:
    reply = post_json(server.url + "/chat/completions", {
        "messages": [{"role": "system", "content": "/no_think"},
                     {"role": "user", "content": "def"}],
        "max_tokens": 4, "temperature": 0,
    })
    assert reply["choices"][0]["message"]["role"] == "assistant"
    # The system block, the user turn and the no-think prefill, tokenized with specials.
    assert reply["usage"]["prompt_tokens"] > 20
    assert reply["usage"]["completion_tokens"] <= 4


def test_cpu_build_reports_no_offload(server, tiny_model: TinyModel) -> None:
    import llama_cpp

    if llama_cpp.llama_supports_gpu_offload():
        pytest.skip("this llama-cpp-python build has a GPU backend")
    assert server.offload == Offload(-1, 0, tiny_model.config.n_layers + 1, False)
    assert "no GPU backend" in server.offload.describe()


def test_offload_read_from_log() -> None:
    log = ["llama_model_load: ...", "load_tensors: offloaded 13/13 layers to GPU"]
    offload = _offload_from_log(log, requested=-1, total=13, gpu_backend=True)
    assert offload.offloaded == 13
    assert offload.describe() == "13/13 layers on GPU"


def test_partial_offload_without_log_line() -> None:
    offload = _offload_from_log([], requested=5, total=13, gpu_backend=True)
    assert offload.offloaded == 5


def test_stop_ends_process(tiny_model: TinyModel) -> None:
    running = start_server(tiny_model.gguf, n_ctx=128)
    running.stop()
    assert running.process.poll() is not None


def test_missing_model_file(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="missing.gguf"):
        start_server(tmp_path / "missing.gguf")


def test_busy_port_reports_exit(tiny_model: TinyModel) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind((HOST, 0))
        busy.listen()
        with pytest.raises(ServerError, match="exited with status"):
            start_server(tiny_model.gguf, port=busy.getsockname()[1], n_ctx=128)
