"""Run llama-cpp-python's OpenAI-compatible server on a GGUF, on the loopback interface only.

The server runs as a child process (``python -m llama_cpp.server``) so that a crash in
llama.cpp cannot take the caller down. ``start_server`` returns once ``/v1/models`` responds,
with a report of how many layers went to the GPU: llama.cpp logs
``offloaded N/M layers to GPU`` when it has a GPU backend, and a CPU-only build ignores
``n_gpu_layers`` without a word, and the report then states that.
"""

from __future__ import annotations

import json
import logging
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from specify.errors import ArtifactError, SpecifyError

logger = logging.getLogger(__name__)

HOST = "127.0.0.1"
ALL_LAYERS = -1
_OFFLOAD_RE = re.compile(r"offloaded (\d+)/(\d+) layers to GPU")


class ServerError(SpecifyError):
    """The llama.cpp server exited or did not become ready."""


@dataclass(frozen=True)
class Offload:
    """How many of the model's layers (blocks plus the output layer) run on a GPU."""

    requested: int  # n_gpu_layers as given; -1 means all
    offloaded: int
    total: int
    gpu_backend: bool  # whether this llama-cpp-python build can offload at all

    def describe(self) -> str:
        if not self.gpu_backend:
            return (f"0/{self.total} layers on GPU: this llama-cpp-python build has no GPU "
                    "backend (reinstall it with CMAKE_ARGS=\"-DGGML_CUDA=on\" to offload)")
        return f"{self.offloaded}/{self.total} layers on GPU"


@dataclass
class RunningServer:
    """A started server process; ``stop`` ends it."""

    process: subprocess.Popen[str]
    url: str  # base URL of the OpenAI API, ending in /v1
    model: Path
    offload: Offload
    log: list[str] = field(default_factory=list)

    def stop(self, timeout: float = 10.0) -> int:
        """Terminate the server and return its exit status."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def wait(self) -> int:
        return self.process.wait()


def free_port() -> int:
    """Return a TCP port on the loopback interface that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def server_command(model: Path, port: int, n_gpu_layers: int, n_ctx: int) -> list[str]:
    return [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(model),
        "--host", HOST,
        "--port", str(port),
        "--n_gpu_layers", str(n_gpu_layers),
        "--n_ctx", str(n_ctx),
    ]


def start_server(model: Path, port: int = 0, n_gpu_layers: int = ALL_LAYERS, n_ctx: int = 0,
                 timeout: float = 120.0, echo: TextIO | None = None) -> RunningServer:
    """Start the server on ``model`` and wait until it responds.

    ``port`` 0 picks a free port; ``n_ctx`` 0 uses the context length stored in the GGUF.
    Server log lines are kept on the result and, with ``echo``, also written there.
    """
    from specify.extras import require

    llama_cpp = require("llama_cpp", "local")
    require("uvicorn", "local")
    model = Path(model)
    if not model.is_file():
        raise ArtifactError(f"Model file {model} does not exist.",
                            "Export one with: specify model export RUN_DIR --gguf FILE")
    total = _layer_count(model)
    port = port or free_port()
    command = server_command(model, port, n_gpu_layers, n_ctx)
    logger.info("starting %s", " ".join(command))
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, errors="replace")
    server = RunningServer(process, f"http://{HOST}:{port}/v1", model,
                           Offload(n_gpu_layers, 0, total, False))
    threading.Thread(target=_pump, args=(process, server.log, echo), daemon=True).start()
    try:
        _wait_ready(server, timeout)
    except BaseException:
        server.stop()
        raise
    server.offload = _offload_from_log(server.log, n_gpu_layers, total,
                                       bool(llama_cpp.llama_supports_gpu_offload()))
    return server


def serve(model: Path, on_ready: Callable[[RunningServer], None], port: int = 0,
          n_gpu_layers: int = ALL_LAYERS, n_ctx: int = 0,
          echo: TextIO | None = None) -> int | None:
    """Run the server in the foreground until it exits, Ctrl-C or SIGTERM.

    ``on_ready`` is called once the server responds. Return the server's exit status if it
    ended by itself, or None if it was stopped. SIGTERM is handled from the start, so the
    child process never outlives this call.
    """
    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    server: RunningServer | None = None
    try:
        server = start_server(model, port, n_gpu_layers, n_ctx, echo=echo)
        on_ready(server)
        return server.wait()
    except KeyboardInterrupt:
        if server is not None:
            server.stop()
        return None
    finally:
        signal.signal(signal.SIGTERM, previous)


def _layer_count(model: Path) -> int:
    """Return the number of offloadable layers: the blocks plus the output layer."""
    from gguf import GGUFReader

    try:
        reader = GGUFReader(model)
    except (OSError, ValueError) as exc:
        raise ArtifactError(f"Cannot read {model} as GGUF: {exc}.") from exc
    arch = reader.fields["general.architecture"].contents()
    return int(reader.fields[f"{arch}.block_count"].contents()) + 1


def _pump(process: subprocess.Popen[str], log: list[str], echo: TextIO | None) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        log.append(line.rstrip("\n"))
        if echo is not None:
            echo.write(line)
            echo.flush()


def _wait_ready(server: RunningServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            tail = "\n".join(server.log[-5:])
            raise ServerError(f"The llama.cpp server for {server.model} exited with status "
                              f"{server.process.returncode}: {tail}")
        try:
            with urllib.request.urlopen(server.url + "/models", timeout=2) as response:
                json.load(response)
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError, json.JSONDecodeError):
            time.sleep(0.2)
    raise ServerError(f"The llama.cpp server for {server.model} did not respond on "
                      f"{server.url} within {timeout:.0f} s.")


def _offload_from_log(log: list[str], requested: int, total: int, gpu_backend: bool) -> Offload:
    for line in log:
        match = _OFFLOAD_RE.search(line)
        if match:
            return Offload(requested, int(match.group(1)), int(match.group(2)), gpu_backend)
    if not gpu_backend:
        return Offload(requested, 0, total, False)
    # NOTE: llama.cpp logged no offload line; the count assumes it honoured n_gpu_layers.
    offloaded = total if requested < 0 else min(requested, total)
    return Offload(requested, offloaded, total, True)
