"""Write a model as a Hugging Face folder that transformers loads as ``SmolLM3ForCausalLM``."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from localmodel.chat_template import CHAT_TEMPLATE, IM_END
from localmodel.export.gguf_vocab import by_id_lookup, is_control_token
from localmodel.export.source import TOKENIZER_FILE, ModelBundle
from specify.errors import ArtifactError

logger = logging.getLogger(__name__)

WEIGHTS_FILE = "model.safetensors"


@dataclass
class HFExport:
    """Folder and files of one Hugging Face export."""

    folder: Path
    files: list[Path]


def export_hf(bundle: ModelBundle, out: Path, overwrite: bool = False) -> HFExport:
    """Write ``bundle`` into the folder ``out`` (config, safetensors, tokenizer, template)."""
    out = Path(out)
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise ArtifactError(f"{out} already exists and is not empty.",
                            "Choose another folder or pass --force to replace its model files.")
    out.mkdir(parents=True, exist_ok=True)

    files = _build_files(bundle)
    written = []
    for name, write in files.items():
        target = out / name
        # Each file goes to a temporary name in the same folder first, then replaces the target.
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=out)
        os.close(fd)
        try:
            write(Path(tmp))
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        written.append(target)
    logger.info("wrote Hugging Face folder %s", out)
    return HFExport(out, written)


def _build_files(bundle: ModelBundle) -> dict[str, Any]:
    """Map each output file name to a function that writes it to a given path."""
    from safetensors.torch import save_file

    tokenizer = json.loads(bundle.tokenizer_path.read_text(encoding="utf-8"))
    # Markup tokens stay visible in decoded text, as in the GGUF (see is_control_token).
    for added in tokenizer.get("added_tokens") or []:
        added["special"] = is_control_token(added["content"], bool(added.get("special")))
    tokenizer_text = json.dumps(tokenizer, ensure_ascii=False)
    tokens = _special_tokens(tokenizer, bundle)
    state = {k: v.detach().to("cpu").contiguous() for k, v in bundle.state_dict.items()}
    if bundle.config.tie_embeddings:
        state.pop("lm_head.weight", None)

    def text(content: str) -> Any:
        return lambda path: path.write_text(content, encoding="utf-8")

    def as_json(data: dict[str, Any]) -> Any:
        return text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")

    return {
        "config.json": as_json(_config_json(bundle)),
        "generation_config.json": as_json(_generation_config(bundle, tokens)),
        WEIGHTS_FILE: lambda path: save_file(state, str(path), metadata={"format": "pt"}),
        TOKENIZER_FILE: text(tokenizer_text),
        "tokenizer_config.json": as_json(_tokenizer_config(bundle, tokens)),
        "special_tokens_map.json": as_json(
            {role: tokens[role] for role in ("bos_token", "eos_token", "pad_token") if tokens[role]}
        ),
        "chat_template.jinja": text(CHAT_TEMPLATE),
    }


def _special_tokens(tokenizer: dict[str, Any], bundle: ModelBundle) -> dict[str, Any]:
    by_id = {int(i): tok for tok, i in tokenizer["model"]["vocab"].items()}
    by_id.update({int(a["id"]): a["content"] for a in tokenizer.get("added_tokens") or []})
    cfg = bundle.config
    return {
        "bos_token": by_id.get(cfg.bos_token_id),
        "eos_token": by_id.get(cfg.eos_token_id),
        "pad_token": by_id.get(cfg.pad_token_id),
        "im_end_id": by_id_lookup(by_id, IM_END),
    }


def _config_json(bundle: ModelBundle) -> dict[str, Any]:
    config = bundle.config.to_hf_dict()
    config["dtype"] = "float32"
    return config


def _generation_config(bundle: ModelBundle, tokens: dict[str, Any]) -> dict[str, Any]:
    # Generation stops at the end of the text and at the end of a chat turn.
    eos = [bundle.config.eos_token_id]
    if tokens["im_end_id"] is not None and tokens["im_end_id"] not in eos:
        eos.append(tokens["im_end_id"])
    return {
        "bos_token_id": bundle.config.bos_token_id,
        "eos_token_id": eos,
        "pad_token_id": bundle.config.pad_token_id,
    }


def _tokenizer_config(bundle: ModelBundle, tokens: dict[str, Any]) -> dict[str, Any]:
    return {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": tokens["bos_token"],
        "eos_token": tokens["eos_token"],
        "pad_token": tokens["pad_token"],
        "model_max_length": bundle.config.max_seq_len,
        "clean_up_tokenization_spaces": False,
        "chat_template": CHAT_TEMPLATE,
    }
