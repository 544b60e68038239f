"""A terminal chat for trying a model by hand: a GGUF through llama.cpp, or a folder through torch.

Both backends render the same ChatML template (``localmodel.chat_template``) and stream the
reply. Lines starting with ``/`` are commands: ``/think`` and ``/no_think`` switch the
reasoning mode, ``/system TEXT`` sets the system message, ``/reset`` clears the history and
``/exit`` ends the session.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from localmodel.chat_template import IM_END, parse_reply, render_chat
from specify.errors import ArtifactError

if TYPE_CHECKING:
    import torch

logger = logging.getLogger(__name__)

HELP = "Commands: /think, /no_think, /system TEXT, /reset, /exit."


@dataclass(frozen=True)
class Sampling:
    """Sampling settings; SmolLM3's model card recommends temperature 0.6 and top_p 0.95."""

    max_tokens: int = 256
    temperature: float = 0.6  # 0 means greedy
    top_p: float = 0.95
    seed: int = 0


class ChatBackend(Protocol):
    name: str

    def stream(self, messages: list[dict[str, Any]], sampling: Sampling) -> Iterator[str]:
        """Yield the assistant reply to ``messages`` piece by piece."""
        ...


class LlamaCppBackend:
    """Chat with a GGUF through llama-cpp-python, using the template stored in the file."""

    def __init__(self, model: Path, n_gpu_layers: int = -1, n_ctx: int = 0) -> None:
        from specify.extras import require

        llama_cpp = require("llama_cpp", "local")
        self.name = f"llama.cpp: {model.name}"
        self.llm = llama_cpp.Llama(model_path=str(model), n_gpu_layers=n_gpu_layers,
                                   n_ctx=n_ctx, verbose=False)

    def stream(self, messages: list[dict[str, Any]], sampling: Sampling) -> Iterator[str]:
        chunks = self.llm.create_chat_completion(
            messages=messages, stream=True, max_tokens=sampling.max_tokens,
            temperature=sampling.temperature, top_p=sampling.top_p, seed=sampling.seed,
        )
        for chunk in chunks:
            piece = chunk["choices"][0]["delta"].get("content")
            if piece:
                yield piece


class TorchBackend:
    """Chat with a run folder or Hugging Face folder through our torch model."""

    def __init__(self, folder: Path) -> None:
        import torch

        from localmodel.export.source import build_torch_model, load_bundle
        from localmodel.tokenizer.train import load_tokenizer

        bundle = load_bundle(folder)
        self.name = f"torch: {folder.name}"
        self.model = build_torch_model(bundle)
        self.tokenizer = load_tokenizer(bundle.tokenizer_path)
        stops = {bundle.config.eos_token_id, self.tokenizer.token_to_id(IM_END)}
        self.stop_ids = {i for i in stops if i is not None}
        self.torch = torch

    def stream(self, messages: list[dict[str, Any]], sampling: Sampling) -> Iterator[str]:
        prompt = render_chat(messages, add_generation_prompt=True)
        ids = self.tokenizer.encode(prompt).ids
        new: list[int] = []
        emitted = ""
        for token in generate(self.model, ids, sampling, self.stop_ids):
            new.append(token)
            # Keep markup such as <think> and <tool_call>; generation stops before EOS.
            text = self.tokenizer.decode(new, skip_special_tokens=False)
            # Hold back a trailing partial UTF-8 sequence until its last byte arrives.
            if text.endswith("\ufffd"):
                continue
            yield text[len(emitted):]
            emitted = text


def generate(model: Any, prompt_ids: list[int], sampling: Sampling,
             stop_ids: set[int]) -> Iterator[int]:
    """Yield sampled token ids after ``prompt_ids`` using a KV cache, until a stop id."""
    import torch

    from localmodel.model import KVCache

    generator = torch.Generator().manual_seed(sampling.seed)
    cache = KVCache()
    inputs = torch.tensor([prompt_ids])
    with torch.no_grad():
        for _ in range(sampling.max_tokens):
            logits = model(inputs, cache=cache)[0, -1]  # (V,)
            token = sample_token(logits, sampling, generator)
            if token in stop_ids:
                return
            yield token
            inputs = torch.tensor([[token]])


def sample_token(logits: torch.Tensor, sampling: Sampling, generator: torch.Generator) -> int:
    """Pick the next id: argmax at temperature 0, else nucleus sampling with ``top_p``."""
    import torch

    if sampling.temperature <= 0:
        return int(logits.argmax())
    probs = torch.softmax(logits.float() / sampling.temperature, dim=-1)
    sorted_probs, order = probs.sort(descending=True)
    # Keep the smallest prefix whose mass reaches top_p (always at least one token).
    keep = sorted_probs.cumsum(-1) - sorted_probs < sampling.top_p
    sorted_probs = sorted_probs * keep
    choice = torch.multinomial(sorted_probs / sorted_probs.sum(), 1, generator=generator)
    return int(order[choice])


def open_backend(model: Path, n_gpu_layers: int = -1, n_ctx: int = 0) -> ChatBackend:
    """Open a GGUF file with llama.cpp, or a model folder with torch."""
    model = Path(model)
    if not model.exists():
        raise ArtifactError(f"Model {model} does not exist.",
                            "Pass a GGUF written by 'specify model export' or a model folder.")
    if model.is_file() and model.suffix == ".gguf":
        return LlamaCppBackend(model, n_gpu_layers, n_ctx)
    if model.is_dir():
        return TorchBackend(model)
    raise ArtifactError(f"Model {model} is neither a .gguf file nor a model folder.",
                        "Pass a GGUF written by 'specify model export' or a run folder.")


@dataclass
class ChatSession:
    """The state of one conversation: system message, reasoning mode and history."""

    system: str = ""
    think: bool = False
    history: list[dict[str, Any]] = field(default_factory=list)

    def messages(self) -> list[dict[str, Any]]:
        flag = "/think" if self.think else "/no_think"
        system = f"{self.system} {flag}".strip()
        return [{"role": "system", "content": system}, *self.history]

    def command(self, line: str) -> str | None:
        """Apply a ``/`` command; return the text to show, or None to end the session."""
        name, _, argument = line.partition(" ")
        if name in ("/exit", "/quit"):
            return None
        if name == "/reset":
            self.history.clear()
            return "History cleared."
        if name in ("/think", "/no_think"):
            self.think = name == "/think"
            return f"Reasoning mode: {name}."
        if name == "/system":
            self.system = argument.strip()
            return "System message set."
        return f"Unknown command {name}. {HELP}"


def chat_loop(backend: ChatBackend, sampling: Sampling, session: ChatSession | None = None,
              read: Callable[[str], str] = input, out: TextIO | None = None) -> ChatSession:
    """Read user lines with ``read`` and stream replies to ``out`` until /exit or end of input.

    ``out`` defaults to the ``sys.stdout`` of the moment of the call.
    """
    out = out or sys.stdout
    session = session or ChatSession()
    out.write(f"Chatting with {backend.name}. {HELP}\n")
    while True:
        try:
            line = read("> ").strip()
        except (EOFError, KeyboardInterrupt):
            out.write("\n")
            return session
        if not line:
            continue
        if line.startswith("/"):
            feedback = session.command(line)
            if feedback is None:
                return session
            out.write(feedback + "\n")
            continue

        session.history.append({"role": "user", "content": line})
        pieces = []
        for piece in backend.stream(session.messages(), sampling):
            pieces.append(piece)
            out.write(piece)
            out.flush()
        out.write("\n")
        reply = parse_reply("".join(pieces))
        for call in reply.tool_calls:
            out.write(f"[tool call] {call.name}({call.arguments})\n")
        session.history.append({"role": "assistant", "content": "".join(pieces)})


def run_chat(model: Path, sampling: Sampling, system: str = "", think: bool = False,
             n_gpu_layers: int = -1, n_ctx: int = 0) -> ChatSession:
    """Open ``model`` and chat on the terminal until /exit or end of input."""
    backend = open_backend(model, n_gpu_layers, n_ctx)
    return chat_loop(backend, sampling, ChatSession(system=system, think=think))
