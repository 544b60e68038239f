"""The decoder: SmolLM3 state-dict names, NoPE layers, document masking, KV cache, options."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from localmodel.config import ModelConfig  # noqa: E402
from localmodel.model import (  # noqa: E402
    KVCache,
    build_model,
    causal_lm_loss,
    positions_from_doc_ids,
)

CFG = ModelConfig(vocab_size=300, hidden_size=32, n_layers=4, n_heads=4, n_kv_heads=2,
                  ffn_size=64)


@pytest.fixture(autouse=True)
def _threads() -> None:
    torch.set_num_threads(1)
    torch.manual_seed(0)


def test_state_dict_names_match_transformers() -> None:
    transformers = pytest.importorskip("transformers")
    hf = transformers.SmolLM3ForCausalLM(transformers.SmolLM3Config(**CFG.to_hf_dict()))
    ours = build_model(CFG)
    assert set(ours.state_dict()) == set(hf.state_dict())
    for name, tensor in hf.state_dict().items():
        assert ours.state_dict()[name].shape == tensor.shape, name


def test_every_fourth_layer_has_no_rope() -> None:
    model = build_model(CFG.replace(n_layers=8))
    flags = [layer.self_attn.use_rope for layer in model.model.layers]
    assert flags == [True, True, True, False, True, True, True, False]


def test_nope_off_ropes_every_layer() -> None:
    model = build_model(CFG.replace(no_rope_interval=0))
    assert all(layer.self_attn.use_rope for layer in model.model.layers)


def test_nope_layer_ignores_positions() -> None:
    """Spreading positions apart changes a RoPE layer's output but not a NoPE layer's."""
    model = build_model(CFG).eval()
    x = torch.randn(1, 5, CFG.hidden_size)
    pos = torch.arange(5)[None]
    outputs = {}
    for index in (0, 3):
        attn = model.model.layers[index].self_attn
        from localmodel.model import build_attention_mask, rope_cos_sin

        mask = build_attention_mask(None, 5, 0, "sdpa", x.device)
        a = attn(x, rope_cos_sin(pos, CFG.head_dim, CFG.rope_theta, x.dtype), mask, None)
        b = attn(x, rope_cos_sin(pos * 3, CFG.head_dim, CFG.rope_theta, x.dtype), mask, None)
        outputs[index] = (a - b).abs().max().item()
    assert outputs[0] > 1e-6
    assert outputs[3] == 0.0


def test_tied_head_shares_embedding() -> None:
    model = build_model(CFG)
    assert model.lm_head.weight is model.model.embed_tokens.weight


def test_untied_head_is_separate() -> None:
    model = build_model(CFG.replace(tie_embeddings=False))
    assert model.lm_head.weight is not model.model.embed_tokens.weight
    assert not torch.equal(model.lm_head.weight, model.model.embed_tokens.weight)


def test_positions_restart_per_document() -> None:
    doc_ids = torch.tensor([[0, 0, 0, 1, 1, 2, 2, 2, 2]])
    assert positions_from_doc_ids(doc_ids).tolist() == [[0, 1, 2, 0, 1, 0, 1, 2, 3]]


def test_packed_equals_unpacked() -> None:
    model = build_model(CFG).eval()
    ids = torch.randint(0, CFG.vocab_size, (2, 24))
    doc_ids = torch.tensor([[0] * 7 + [1] * 10 + [2] * 7] * 2)
    with torch.no_grad():
        packed = model(ids, doc_ids=doc_ids)
        separate = torch.cat([model(ids[:, :7]), model(ids[:, 7:17]), model(ids[:, 17:])], dim=1)
    assert (packed - separate).abs().max().item() < 1e-5


def test_packing_without_mask_differs() -> None:
    """Without document ids the second document attends to the first, so the logits change."""
    model = build_model(CFG).eval()
    ids = torch.randint(0, CFG.vocab_size, (1, 20))
    with torch.no_grad():
        joined = model(ids)[:, 10:]
        alone = model(ids[:, 10:])
    assert (joined - alone).abs().max().item() > 1e-3


def test_kv_cache_matches_full_forward() -> None:
    model = build_model(CFG).eval()
    ids = torch.randint(0, CFG.vocab_size, (2, 16))
    cache = KVCache()
    with torch.no_grad():
        full = model(ids)
        steps = [model(ids[:, :9], cache=cache)[:, -1]]
        steps += [model(ids[:, i:i + 1], cache=cache)[:, -1] for i in range(9, 16)]
    assert (torch.stack(steps, 1) - full[:, 8:]).abs().max().item() < 1e-5
    assert cache.length == 16


@pytest.mark.parametrize("kv_heads", [4, 2, 1])
def test_attention_head_ratios_run(kv_heads: int) -> None:
    model = build_model(CFG.replace(n_kv_heads=kv_heads))
    assert model.model.layers[0].self_attn.k_proj.weight.shape[0] == kv_heads * CFG.head_dim
    assert model(torch.randint(0, CFG.vocab_size, (1, 8))).shape == (1, 8, CFG.vocab_size)


def test_qk_norm_adds_per_head_norms() -> None:
    model = build_model(CFG.replace(qk_norm=True))
    names = set(model.state_dict())
    assert "model.layers.0.self_attn.q_norm.weight" in names
    assert "model.layers.0.self_attn.k_norm.weight" in names


def test_z_loss_raises_total_loss() -> None:
    logits = torch.randn(2, 5, 11) * 3
    labels = torch.randint(0, 11, (2, 5))
    plain, ce = causal_lm_loss(logits, labels)
    with_z, ce_z = causal_lm_loss(logits, labels, z_loss=1e-2)
    assert torch.equal(ce, ce_z)
    assert with_z.item() > plain.item()


def test_loss_ignores_masked_labels() -> None:
    logits = torch.randn(1, 4, 7)
    labels = torch.tensor([[1, -100, 2, -100]])
    _, ce = causal_lm_loss(logits, labels)
    expected = torch.nn.functional.cross_entropy(logits[0, [0, 2]], torch.tensor([1, 2]))
    assert torch.allclose(ce, expected)


def test_same_seed_same_weights() -> None:
    a, b = build_model(CFG, seed=3), build_model(CFG, seed=3)
    c = build_model(CFG, seed=4)
    assert all(torch.equal(a.state_dict()[k], b.state_dict()[k]) for k in a.state_dict())
    assert not torch.equal(a.model.embed_tokens.weight, c.model.embed_tokens.weight)
