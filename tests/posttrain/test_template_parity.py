"""The GGUF's chat template, rendered by llama.cpp, gives the token ids training used."""

from __future__ import annotations

from pathlib import Path

import pytest

from localmodel.data.synthetic.records import ChatRecord, read_records
from localmodel.posttrain.chatdata import encode_prompt, encode_record

pytest.importorskip("llama_cpp")


@pytest.fixture(scope="module")
def llama(tiny_model):  # noqa: ANN001, ANN201
    import llama_cpp

    return llama_cpp.Llama(model_path=str(tiny_model.gguf), n_ctx=1024, verbose=False)


def _llama_ids(llama, record: ChatRecord, messages: list, generation: bool) -> list[int]:  # noqa: ANN001
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    template = llama.metadata["tokenizer.chat_template"]
    formatter = Jinja2ChatFormatter(template, eos_token="<|im_end|>", bos_token="<|begin_of_text|>",
                                    add_generation_prompt=generation)
    prompt = formatter(messages=messages, tools=record.tools).prompt
    return llama.tokenize(prompt.encode("utf-8"), add_bos=True, special=True)


def _samples(synth_data: Path) -> list[ChatRecord]:
    records = read_records(synth_data / "train.jsonl")
    picked = {}
    for record in records:
        picked.setdefault((record.family, record.mode), record)
    return list(picked.values())


def test_prompt_ids_match_llama_cpp(llama, tiny_model, synth_data: Path) -> None:  # noqa: ANN001
    from localmodel.tokenizer.train import load_tokenizer

    tokenizer = load_tokenizer(tiny_model.tokenizer)
    for record in _samples(synth_data):
        ours = encode_prompt(record, tokenizer)
        assert ours == _llama_ids(llama, record, record.prompt_messages(), True), record.id


def test_training_ids_match_llama_cpp(llama, tiny_model, synth_data: Path) -> None:  # noqa: ANN001
    from localmodel.tokenizer.train import load_tokenizer

    tokenizer = load_tokenizer(tiny_model.tokenizer)
    for record in _samples(synth_data):
        ours = encode_record(record, tokenizer).ids
        assert ours == _llama_ids(llama, record, record.messages, False), record.id
