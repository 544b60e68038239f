"""A SmolLM3-style decoder whose state-dict names equal transformers' ``SmolLM3ForCausalLM``.

Pre-norm blocks: RMSNorm, grouped-query attention with RoPE in all layers but every
``no_rope_interval``-th, RMSNorm, SwiGLU. No biases. The head is tied to the embedding unless
``tie_embeddings`` is false. Packed sequences carry a document id per token: positions restart
per document and attention never crosses a document boundary.

Shapes in comments: B batch, T query length, S key length, H query heads, K key/value heads,
D head dim, C hidden size, V vocab.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from localmodel.config import ModelConfig

ATTN_BACKENDS = ("auto", "sdpa", "flex")


class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # Normalise in float32 and cast back before the weight, as transformers does.
        dtype = x.dtype
        x32 = x.float()
        x32 = x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * x32.to(dtype)


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def rope_cos_sin(
    position_ids: torch.Tensor, head_dim: int, theta: float, dtype: torch.dtype
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return cos and sin of shape (B, 1, T, D) for the rotate-half RoPE layout."""
    inv_freq = 1.0 / (
        theta ** (torch.arange(0, head_dim, 2, device=position_ids.device).float() / head_dim)
    )
    freqs = position_ids.float()[..., None] * inv_freq  # (B, T, D/2)
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos().to(dtype)[:, None], emb.sin().to(dtype)[:, None]


def positions_from_doc_ids(doc_ids: torch.Tensor) -> torch.Tensor:
    """Return positions that restart at 0 where the document id changes. (B, T) -> (B, T)."""
    _, t = doc_ids.shape
    idx = torch.arange(t, device=doc_ids.device).expand_as(doc_ids)
    starts = torch.ones_like(doc_ids, dtype=torch.bool)
    starts[:, 1:] = doc_ids[:, 1:] != doc_ids[:, :-1]
    start_idx = torch.where(starts, idx, torch.zeros_like(idx)).cummax(dim=1).values
    return idx - start_idx


@dataclass
class KVCache:
    """Keys and values of past tokens per layer, for incremental decoding."""

    keys: list[torch.Tensor | None] = field(default_factory=list)
    values: list[torch.Tensor | None] = field(default_factory=list)

    @property
    def length(self) -> int:
        return 0 if not self.keys or self.keys[0] is None else self.keys[0].shape[2]

    def update(self, layer: int, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, ...]:
        while len(self.keys) <= layer:
            self.keys.append(None)
            self.values.append(None)
        old_k, old_v = self.keys[layer], self.values[layer]
        if old_k is not None and old_v is not None:
            k, v = torch.cat((old_k, k), dim=2), torch.cat((old_v, v), dim=2)
        self.keys[layer], self.values[layer] = k, v
        return k, v


@dataclass
class AttentionMask:
    """One forward pass's attention mask, built once and shared by all layers."""

    backend: str  # "sdpa" or "flex"
    dense: torch.Tensor | None = None  # (B, 1, T, S) bool, True = may attend
    is_causal: bool = False
    block_mask: object | None = None  # FlexAttention BlockMask


def resolve_backend(requested: str, device: torch.device) -> str:
    """Pick FlexAttention on CUDA when available, SDPA with a dense mask elsewhere."""
    if requested not in ATTN_BACKENDS:
        raise ValueError(f"attention backend must be one of {ATTN_BACKENDS}, got {requested!r}")
    if requested != "auto":
        return requested
    if device.type == "cuda":
        try:
            import torch.nn.attention.flex_attention  # noqa: F401
        except ImportError:
            return "sdpa"
        return "flex"
    return "sdpa"


def build_attention_mask(
    doc_ids: torch.Tensor | None, q_len: int, past: int, backend: str, device: torch.device
) -> AttentionMask:
    """Build the causal (and, with ``doc_ids``, block-diagonal) mask for one forward pass."""
    if doc_ids is None:
        if past == 0:
            return AttentionMask("sdpa", is_causal=q_len > 1)
        if q_len == 1:
            return AttentionMask("sdpa")
        s = past + q_len
        causal = torch.ones(q_len, s, dtype=torch.bool, device=device).tril(diagonal=past)
        return AttentionMask("sdpa", dense=causal[None, None])
    if past:
        raise ValueError("document masking does not support a KV cache; pass doc_ids=None")
    if backend == "flex":
        return AttentionMask("flex", block_mask=_flex_block_mask(doc_ids))
    same_doc = doc_ids[:, :, None] == doc_ids[:, None, :]  # (B, T, T)
    causal = torch.ones(q_len, q_len, dtype=torch.bool, device=device).tril()
    return AttentionMask("sdpa", dense=(same_doc & causal)[:, None])


def _flex_block_mask(doc_ids: torch.Tensor) -> object:
    # NOTE: the mask is rebuilt on every forward pass; its cost and the compiled kernel's
    # speed on GPU are unmeasured, and only the CUDA tests check it against SDPA.
    from torch.nn.attention.flex_attention import create_block_mask

    def doc_causal(b, h, q, kv):  # noqa: ANN001 - FlexAttention's mask_mod signature
        return (q >= kv) & (doc_ids[b, q] == doc_ids[b, kv])

    b, t = doc_ids.shape
    return create_block_mask(doc_causal, b, None, t, t, device=doc_ids.device)


_compiled_flex = None


def _flex_attention(q, k, v, block_mask):  # noqa: ANN001, ANN202
    global _compiled_flex
    if _compiled_flex is None:
        from torch.nn.attention.flex_attention import flex_attention

        _compiled_flex = torch.compile(flex_attention, dynamic=False)
    return _compiled_flex(q, k, v, block_mask=block_mask, enable_gqa=True)


class SmolLM3Attention(nn.Module):
    def __init__(self, cfg: ModelConfig, layer: int) -> None:
        super().__init__()
        self.n_heads, self.n_kv_heads, self.head_dim = cfg.n_heads, cfg.n_kv_heads, cfg.head_dim
        self.layer, self.use_rope = layer, cfg.uses_rope(layer)
        c, d = cfg.hidden_size, cfg.head_dim
        self.q_proj = nn.Linear(c, cfg.n_heads * d, bias=False)
        self.k_proj = nn.Linear(c, cfg.n_kv_heads * d, bias=False)
        self.v_proj = nn.Linear(c, cfg.n_kv_heads * d, bias=False)
        self.o_proj = nn.Linear(cfg.n_heads * d, c, bias=False)
        self.q_norm = RMSNorm(d, cfg.rms_eps) if cfg.qk_norm else None
        self.k_norm = RMSNorm(d, cfg.rms_eps) if cfg.qk_norm else None

    def forward(
        self,
        x: torch.Tensor,
        rope: tuple[torch.Tensor, torch.Tensor],
        mask: AttentionMask,
        cache: KVCache | None,
    ) -> torch.Tensor:
        b, t, _ = x.shape
        q = self.q_proj(x).view(b, t, self.n_heads, self.head_dim).transpose(1, 2)  # (B, H, T, D)
        k = self.k_proj(x).view(b, t, self.n_kv_heads, self.head_dim).transpose(1, 2)  # (B,K,T,D)
        v = self.v_proj(x).view(b, t, self.n_kv_heads, self.head_dim).transpose(1, 2)
        if self.q_norm is not None and self.k_norm is not None:
            q, k = self.q_norm(q), self.k_norm(k)
        if self.use_rope:
            cos, sin = rope
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
            # Under autocast q and k come out of the projections in bf16, and the float32
            # cos/sin promote them back; attention wants one dtype.
            q, k = q.to(v.dtype), k.to(v.dtype)
        if cache is not None:
            k, v = cache.update(self.layer, k, v)  # (B, K, S, D)

        if mask.backend == "flex":
            out = _flex_attention(q, k, v, mask.block_mask)
        else:
            out = F.scaled_dot_product_attention(
                q, k, v, attn_mask=mask.dense, is_causal=mask.is_causal,
                enable_gqa=self.n_heads != self.n_kv_heads,
            )
        return self.o_proj(out.transpose(1, 2).reshape(b, t, -1))


class SmolLM3MLP(nn.Module):
    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.gate_proj = nn.Linear(cfg.hidden_size, cfg.ffn_size, bias=False)
        self.up_proj = nn.Linear(cfg.hidden_size, cfg.ffn_size, bias=False)
        self.down_proj = nn.Linear(cfg.ffn_size, cfg.hidden_size, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class SmolLM3DecoderLayer(nn.Module):
    def __init__(self, cfg: ModelConfig, layer: int) -> None:
        super().__init__()
        self.self_attn = SmolLM3Attention(cfg, layer)
        self.mlp = SmolLM3MLP(cfg)
        self.input_layernorm = RMSNorm(cfg.hidden_size, cfg.rms_eps)
        self.post_attention_layernorm = RMSNorm(cfg.hidden_size, cfg.rms_eps)

    def forward(self, x, rope, mask, cache):  # noqa: ANN001, ANN201 - see SmolLM3Attention
        x = x + self.self_attn(self.input_layernorm(x), rope, mask, cache)
        return x + self.mlp(self.post_attention_layernorm(x))


class SmolLM3Model(nn.Module):
    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.embed_tokens = nn.Embedding(cfg.vocab_size, cfg.hidden_size)
        self.layers = nn.ModuleList(SmolLM3DecoderLayer(cfg, i) for i in range(cfg.n_layers))
        self.norm = RMSNorm(cfg.hidden_size, cfg.rms_eps)


class SmolLM3ForCausalLM(nn.Module):
    """The decoder with its language-model head; ``forward`` returns logits (B, T, V)."""

    def __init__(self, cfg: ModelConfig, attn_backend: str = "auto") -> None:
        super().__init__()
        self.config = cfg
        self.attn_backend = attn_backend
        self.model = SmolLM3Model(cfg)
        self.lm_head = nn.Linear(cfg.hidden_size, cfg.vocab_size, bias=False)
        self.tie_weights()
        self.reset_parameters()

    def tie_weights(self) -> None:
        if self.config.tie_embeddings:
            self.lm_head.weight = self.model.embed_tokens.weight

    @torch.no_grad()
    def reset_parameters(self, generator: torch.Generator | None = None) -> None:
        """Draw matrices and embeddings from N(0, init_std); set norm weights to 1."""
        for module in self.modules():
            if isinstance(module, nn.Linear | nn.Embedding):
                if module is self.lm_head and self.config.tie_embeddings:
                    continue
                module.weight.normal_(0.0, self.config.init_std, generator=generator)
            elif isinstance(module, RMSNorm):
                module.weight.fill_(1.0)

    def forward(
        self,
        input_ids: torch.Tensor,
        position_ids: torch.Tensor | None = None,
        doc_ids: torch.Tensor | None = None,
        cache: KVCache | None = None,
    ) -> torch.Tensor:
        """Return logits (B, T, V) for ``input_ids`` (B, T).

        ``doc_ids`` (B, T) marks the document of each packed token; without ``position_ids``
        the positions then restart per document. With ``cache`` the new tokens attend to the
        cached ones and their keys and values are appended.
        """
        b, t = input_ids.shape
        past = cache.length if cache is not None else 0
        if position_ids is None:
            if doc_ids is not None:
                position_ids = positions_from_doc_ids(doc_ids)
            else:
                position_ids = torch.arange(past, past + t, device=input_ids.device).expand(b, t)

        x = self.model.embed_tokens(input_ids)  # (B, T, C)
        backend = resolve_backend(self.attn_backend, input_ids.device)
        mask = build_attention_mask(doc_ids, t, past, backend, input_ids.device)
        rope = rope_cos_sin(position_ids, self.config.head_dim, self.config.rope_theta, x.dtype)
        for layer in self.model.layers:
            x = layer(x, rope, mask, cache)
        return self.lm_head(self.model.norm(x))


def causal_lm_loss(
    logits: torch.Tensor, labels: torch.Tensor, z_loss: float = 0.0, ignore_index: int = -100
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (total loss, cross-entropy) for logits (B, T, V) and aligned labels (B, T).

    ``labels`` are already shifted: ``labels[:, i]`` is the target after ``input_ids[:, i]``.
    The z-loss adds ``z_loss * logsumexp(logits)**2`` averaged over counted tokens, which
    keeps the softmax normaliser near 1 (PaLM; nanotron clamps logsumexp to [-20, 20] too).
    """
    flat = logits.float().reshape(-1, logits.shape[-1])
    target = labels.reshape(-1)
    ce = F.cross_entropy(flat, target, ignore_index=ignore_index)
    if not z_loss:
        return ce, ce
    keep = target != ignore_index
    lse = torch.logsumexp(flat[keep], dim=-1).clamp(-20.0, 20.0)
    return ce + z_loss * lse.pow(2).mean(), ce


def build_model(cfg: ModelConfig, seed: int = 0, attn_backend: str = "auto") -> SmolLM3ForCausalLM:
    """Build a model whose initial weights depend only on ``cfg`` and ``seed``."""
    generator = torch.Generator().manual_seed(seed)
    model = SmolLM3ForCausalLM(cfg, attn_backend)
    model.reset_parameters(generator)
    return model
