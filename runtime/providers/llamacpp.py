"""Any GGUF model in process through llama-cpp-python.

The prompt is rendered with the chat template stored in the GGUF (ChatML when the file has
none) and counted exactly with the model's tokenizer before generation, so an oversized
prompt is rejected with the numbers. Structured output and tool calls are constrained by a
grammar built from the JSON schema (``LlamaGrammar.from_json_schema``). Generation runs token
by token, which gives exact token counts and an exact stop reason: end of generation, the
output limit, or one of the request's stop strings.
"""

from __future__ import annotations

import codecs
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runtime.providers.base import ModelRequest, ModelResponse, StopReason, StreamCallback, TokenCount, ToolCall
from runtime.providers.context import ensure_fits
from runtime.providers.errors import InvalidOutputError, ProviderError, TruncatedOutputError
from runtime.providers.jsonout import parse_reply
from runtime.providers.llamacpp_prompt import (
    chat_messages,
    decode_envelope,
    grammar_ready,
    grammar_schema,
    partial_reply,
)
from runtime.providers.llamacpp_utf8 import Utf8Guard
from runtime.usage import Usage
from specify.errors import ConfigError
from specify.extras import require

logger = logging.getLogger(__name__)

DEFAULT_TEMPERATURE = 0.2


@dataclass
class _Generation:
    text: str = ""
    tokens: list[int] = field(default_factory=list)
    stop: StopReason = "end"


class LlamaCppProvider:
    """A local GGUF model; ``n_gpu_layers=-1`` offloads every layer when the build has GPU support."""

    backend = "llamacpp"

    def __init__(
        self,
        model_path: str | Path,
        *,
        n_gpu_layers: int = -1,
        n_ctx: int = 8192,
        seed: int = 0,
        n_threads: int | None = None,
        default_temperature: float = DEFAULT_TEMPERATURE,
    ) -> None:
        self.model_path = Path(model_path).expanduser()
        self.model = str(self.model_path)
        self.n_gpu_layers = n_gpu_layers
        self.n_ctx = n_ctx
        self._seed = seed
        self._n_threads = n_threads
        self._default_temperature = default_temperature
        self._llm: Any = None
        self._formatter: Any = None
        self._template_source = ""
        self._offload: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._guard: Utf8Guard | None = None

    def _load(self) -> Any:
        if self._llm is not None:
            return self._llm
        llama_cpp = require("llama_cpp", "local")
        if not self.model_path.is_file():
            raise ConfigError(
                f"GGUF model file not found: {self.model_path}.",
                "Pass --model with the path to a .gguf file, or set model.name.",
            )
        started = time.perf_counter()
        try:
            llm = llama_cpp.Llama(
                model_path=str(self.model_path),
                n_gpu_layers=self.n_gpu_layers,
                n_ctx=self.n_ctx,
                seed=self._seed,
                n_threads=self._n_threads,
                verbose=False,
            )
        except ValueError as exc:
            raise ConfigError(
                f"llama.cpp could not load {self.model_path}: {exc}.",
                "Check that the file is a complete GGUF model of an architecture this llama.cpp supports.",
            ) from exc
        self._formatter, self._template_source = _chat_formatter(llm)
        self._offload = _offload_report(llama_cpp, llm, self.n_gpu_layers)
        logger.info(
            "Loaded %s in %.1f s: context %d tokens, %d of %d layers offloaded to GPU (GPU offload %s).",
            self.model_path.name, time.perf_counter() - started, llm.n_ctx(),
            self._offload["layers_offloaded"], self._offload["layers_total"],
            "supported" if self._offload["supports_gpu_offload"] else "not supported by this build",
        )
        self._llm = llm
        return llm

    def context_window(self) -> int:
        return int(self._load().n_ctx())

    def describe(self) -> dict[str, Any]:
        self._load()
        return {
            "backend": self.backend,
            "model": self.model,
            "n_ctx": self.context_window(),
            "n_gpu_layers": self.n_gpu_layers,
            "chat_template": self._template_source,
            **self._offload,
        }

    def count_tokens(self, request: ModelRequest) -> TokenCount:
        tokens, _ = self._prompt(request)
        return TokenCount(len(tokens), exact=True, method="llama.cpp tokenizer")

    def _prompt(self, request: ModelRequest) -> tuple[list[int], list[str]]:
        """Render and tokenize the prompt; return the tokens and the template's stop strings."""
        llm = self._load()
        renders_tools = "tools" in self._template_source_text()
        messages = chat_messages(request, renders_tools)
        tools = [
            {
                "type": "function",
                "function": {"name": spec.name, "description": spec.description, "parameters": spec.input_schema},
            }
            for spec in request.tools
        ]
        result = self._formatter(messages=messages, tools=tools or None)
        tokens = llm.tokenize(result.prompt.encode("utf-8"), add_bos=not result.added_special, special=True)
        stops = result.stop if isinstance(result.stop, list) else [result.stop]
        return tokens, [stop for stop in stops if stop]

    def _template_source_text(self) -> str:
        return self._llm.metadata.get("tokenizer.chat_template", "") if self._llm else ""

    def complete(self, request: ModelRequest, stream_to: StreamCallback | None = None) -> ModelResponse:
        with self._lock:
            prompt, template_stops = self._prompt(request)
            count = TokenCount(len(prompt), exact=True, method="llama.cpp tokenizer")
            ensure_fits(count, request.max_tokens, self.context_window(), self.model_path.name)
            schema = grammar_schema(request)
            grammar = self._grammar(schema) if schema is not None else None
            cached = _reused_prefix(list(self._llm._input_ids), prompt)
            generation = self._generate(prompt, request, grammar, template_stops, stream_to)
        usage = Usage(input_tokens=len(prompt), output_tokens=len(generation.tokens), cached_tokens=cached)
        return _to_response(request, generation, usage, self.model_path.name, schema is not None)

    def _grammar(self, schema: dict[str, Any]) -> Any:
        from llama_cpp import LlamaGrammar

        ready, unenforced = grammar_ready(schema)
        if unenforced:
            logger.warning(
                "The llama.cpp grammar cannot enforce %s; the output may break these bounds.",
                ", ".join(unenforced[:5]) + (" ..." if len(unenforced) > 5 else ""),
            )
        try:
            grammar = LlamaGrammar.from_json_schema(json.dumps(ready), verbose=False)
        except (ValueError, KeyError, NotImplementedError) as exc:
            raise InvalidOutputError(
                f"llama.cpp cannot build a grammar from the output schema: {exc}.",
                "Simplify the schema (llama.cpp's converter lacks some JSON Schema keywords).",
            ) from exc
        self._check_grammar(grammar)
        return grammar

    def _check_grammar(self, grammar: Any) -> None:
        """Parse ``grammar`` in llama.cpp once before sampling with it.

        llama.cpp rejects a grammar whose bounded repetitions expand past its limit (long
        ``maxLength`` strings inside lists), and llama-cpp-python 0.3.36 then crashes the process
        when it samples. A grammar llama.cpp cannot parse raises a project error here instead.
        """
        import llama_cpp

        try:
            vocab = llama_cpp.llama_model_get_vocab(self._llm._model.model)
            text, root = grammar._grammar.encode("utf-8"), grammar._root.encode("utf-8")
        except AttributeError:  # NOTE: private llama-cpp-python attributes; skip the check if they move
            logger.debug("cannot pre-check the grammar with this llama-cpp-python version")
            return
        sampler = llama_cpp.llama_sampler_init_grammar(vocab, text, root)
        if not sampler:
            raise ProviderError(
                "llama.cpp rejected the grammar built from the output schema: its bounded strings and "
                "lists expand into more rules than llama.cpp allows.",
                "Lower maxLength and maxItems in the schema, or use a hosted backend.",
            )
        llama_cpp.llama_sampler_free(sampler)

    def _generate(
        self,
        prompt: list[int],
        request: ModelRequest,
        grammar: Any,
        template_stops: list[str],
        stream_to: StreamCallback | None,
    ) -> _Generation:
        import llama_cpp  # already loaded by _load

        llm = self._llm
        temperature = self._default_temperature if request.temperature is None else request.temperature
        emitter = _StopScanner(list(request.stop), template_stops, stream_to)
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        guard = self._utf8_guard()
        guard.reset()
        result = _Generation()
        tokens = llm.generate(
            prompt, temp=temperature, top_k=40, top_p=0.95, min_p=0.05, grammar=grammar,
            logits_processor=llama_cpp.LogitsProcessorList([guard]),
        )
        for token in tokens:
            if llama_cpp.llama_vocab_is_eog(llm._model.vocab, token):
                result.stop = "end"
                break
            guard.advance(token)
            result.tokens.append(token)
            piece = llm.detokenize([token], prev_tokens=prompt + result.tokens[:-1])
            stop = emitter.feed(decoder.decode(piece))
            if stop is not None:
                result.stop = stop
                break
            if len(result.tokens) >= request.max_tokens:
                result.stop = "max_tokens"
                break
        result.text = emitter.finish(decoder.decode(b"", final=True) if result.stop != "stop_sequence" else "")
        return result


    def _utf8_guard(self) -> Utf8Guard:
        if self._guard is None:
            model = self._llm._model
            self._guard = Utf8Guard([model.token_to_piece(token) for token in range(model.n_vocab())])
        return self._guard


class _StopScanner:
    """Stream text while watching for stop strings, holding back a possible partial match."""

    def __init__(self, request_stops: list[str], template_stops: list[str], stream_to: StreamCallback | None):
        self._stops = [(stop, "stop_sequence") for stop in request_stops]
        self._stops += [(stop, "end") for stop in template_stops]
        self._holdback = max((len(stop) for stop, _ in self._stops), default=1) - 1
        self._stream_to = stream_to
        self._text = ""
        self._sent = 0

    def feed(self, fragment: str) -> StopReason | None:
        self._text += fragment
        hits = [(self._text.find(stop), reason) for stop, reason in self._stops if stop in self._text]
        if hits:
            cut, reason = min(hits)
            self._text = self._text[:cut]
            return reason  # type: ignore[return-value]
        self._send(len(self._text) - self._holdback)
        return None

    def finish(self, tail: str) -> str:
        self._text += tail
        self._send(len(self._text))
        return self._text

    def _send(self, upto: int) -> None:
        if self._stream_to is not None and upto > self._sent:
            self._stream_to(self._text[self._sent : upto])
            self._sent = upto


def _to_response(
    request: ModelRequest, generation: _Generation, usage: Usage, model: str, constrained: bool
) -> ModelResponse:
    text, parsed = generation.text, None
    calls: list[ToolCall] = []
    raw = {"text": generation.text, "stop_reason": generation.stop, "completion_tokens": len(generation.tokens)}
    if constrained:
        partial = partial_reply(generation.text) if request.tools and generation.stop == "max_tokens" else None
        if partial is not None:
            # A plain reply cut at the limit is returned like any truncated text reply.
            return ModelResponse(partial, "max_tokens", usage, model=model, raw=raw)
        if generation.stop == "max_tokens":
            raise TruncatedOutputError(
                f"The model reached the output limit of {request.max_tokens} tokens before its JSON was complete.",
                "Raise the output limit (--max-tokens) or ask for a smaller artifact.",
                raw=generation.text,
            )
        value = parse_reply(generation.text, stop_reason=generation.stop).value
        if request.tools:
            text, calls, parsed = decode_envelope(value)
        else:
            text, parsed = "", value
    stop: StopReason = "tool_use" if calls else generation.stop
    if request.output_schema is not None and parsed is None and not calls:
        raise InvalidOutputError(
            "The model called no tool and wrote no output where structured output was requested.",
            "Retry with this error sent back to the model.",
            raw=generation.text,
        )
    return ModelResponse(
        text=text,
        stop_reason=stop,
        usage=usage,
        tool_calls=calls,
        parsed=parsed,
        model=model,
        raw=raw,
    )


def _reused_prefix(previous: list[int], prompt: list[int]) -> int:
    """Return how many prompt tokens llama-cpp-python takes from the KV cache of the last call.

    It keeps the longest common prefix with the previous context, less one token when the
    whole prompt matches (that token is decoded again to refresh the logits).
    NOTE: this mirrors llama-cpp-python 0.3.36's rule and assumes the model's cache supports
    partial removal, as the transformer architectures do; recurrent models re-read everything.
    """
    length = 0
    for old, new in zip(previous, prompt, strict=False):
        if old != new:
            break
        length += 1
    return min(length, len(prompt) - 1) if prompt else 0


def _chat_formatter(llm: Any) -> tuple[Any, str]:
    """Return the formatter for the GGUF's chat template, or ChatML when it has none."""
    from llama_cpp import llama_chat_format

    template = llm.metadata.get("tokenizer.chat_template")
    if not template:
        logger.warning("The GGUF has no chat template; formatting prompts as ChatML.")
        return llama_chat_format.format_chatml, "chatml (fallback)"
    eos_id, bos_id = llm.token_eos(), llm.token_bos()
    eos = llm._model.token_get_text(eos_id) if eos_id != -1 else ""
    bos = llm._model.token_get_text(bos_id) if bos_id != -1 else ""
    formatter = llama_chat_format.Jinja2ChatFormatter(
        template=template, eos_token=eos, bos_token=bos, stop_token_ids=[eos_id]
    )
    return formatter, "gguf"


def _offload_report(llama_cpp: Any, llm: Any, n_gpu_layers: int) -> dict[str, Any]:
    """Report GPU offload: llama.cpp offloads the repeating layers plus the output layer.

    NOTE: the count is derived from the request and the build's capability, not read back from
    llama.cpp, which exposes no per-layer device query in its Python API.
    """
    supports = bool(llama_cpp.llama_supports_gpu_offload())
    total = int(llama_cpp.llama_model_n_layer(llm.model)) + 1
    requested = total if n_gpu_layers < 0 else min(n_gpu_layers, total)
    return {
        "supports_gpu_offload": supports,
        "layers_offloaded": requested if supports else 0,
        "layers_total": total,
    }
