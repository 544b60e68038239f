"""``specify model export``: write the GGUF and/or Hugging Face copies of one model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from specify.errors import UsageError


def export_model(source: Path, gguf: Path | None = None, hf: Path | None = None,
                 dtype: str = "f32", split_max_size: str | None = None,
                 overwrite: bool = False, progress: bool = False) -> dict[str, Any]:
    """Export the run or Hugging Face folder ``source``; return what was written."""
    from localmodel.export.gguf import DTYPES, export_gguf, parse_size
    from localmodel.export.hf import export_hf
    from localmodel.export.source import load_bundle

    if gguf is None and hf is None:
        raise UsageError("Nothing to export: neither --gguf nor --hf was given.",
                         "Pass --gguf FILE, --hf FOLDER or both.")
    if dtype not in DTYPES:
        raise UsageError(f"Invalid dtype '{dtype}'.", f"Choose one of: {', '.join(DTYPES)}.")
    split_bytes = parse_size(split_max_size) if split_max_size else 0

    bundle = load_bundle(source)
    result: dict[str, Any] = {"source": str(source), "model": bundle.config.describe()}
    if gguf is not None:
        written = export_gguf(bundle, gguf, dtype=dtype, split_max_size=split_bytes,
                              overwrite=overwrite, progress=progress)
        result["gguf"] = {
            "files": [str(p) for p in written.files],
            "dtype": written.dtype,
            "tensors": written.n_tensors,
            "params": written.n_params,
            "bytes": written.bytes_written,
            "kept_f16": written.kept_f16,
        }
    if hf is not None:
        folder = export_hf(bundle, hf, overwrite=overwrite)
        result["hf"] = {"folder": str(folder.folder), "files": [p.name for p in folder.files]}
    return result
