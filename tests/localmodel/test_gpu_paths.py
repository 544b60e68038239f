"""GPU-only paths: FlexAttention document masking and bf16 autocast. Skipped without CUDA."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from localmodel.config import ModelConfig  # noqa: E402
from localmodel.model import build_model, resolve_backend  # noqa: E402

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(),
                                reason="needs a CUDA GPU: FlexAttention and bf16 autocast "
                                       "run only there (the CPU path uses SDPA in float32)")
CFG = ModelConfig(vocab_size=300, hidden_size=64, n_layers=4, n_heads=4, n_kv_heads=2,
                  ffn_size=128)


def test_cpu_picks_sdpa() -> None:
    assert resolve_backend("auto", torch.device("cpu")) == "sdpa"


def test_unknown_backend_rejected() -> None:
    with pytest.raises(ValueError, match="attention backend"):
        resolve_backend("flash", torch.device("cpu"))


@needs_cuda
def test_flex_matches_sdpa_on_gpu() -> None:
    model = build_model(CFG).cuda().eval()
    ids = torch.randint(0, CFG.vocab_size, (2, 128), device="cuda")
    doc_ids = torch.zeros(2, 128, dtype=torch.long, device="cuda")
    doc_ids[:, 50:] = 1
    with torch.no_grad():
        model.attn_backend = "flex"
        flex = model(ids, doc_ids=doc_ids)
        model.attn_backend = "sdpa"
        sdpa = model(ids, doc_ids=doc_ids)
    assert (flex - sdpa).abs().max().item() < 1e-3


@needs_cuda
def test_bf16_autocast_close_to_fp32() -> None:
    model = build_model(CFG).cuda().eval()
    ids = torch.randint(0, CFG.vocab_size, (2, 64), device="cuda")
    with torch.no_grad():
        full = model(ids)
        with torch.autocast("cuda", dtype=torch.bfloat16):
            half = model(ids)
    assert (full - half.float()).abs().max().item() < 0.1
