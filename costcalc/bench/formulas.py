"""What a forward pass costs: parameters, FLOPs and bytes, by explicit formulas.

Notation: L layers, d = d_model, kv = kv_heads * head_dim (the width of K and
of V; kv = d without grouped-query attention), f = ffn, V = vocab, C = ctx,
T = prompt tokens, t = position of the token being decoded (0-based).
float32 throughout: 4 bytes a number.

Per layer, the matrices (the only FLOP-heavy part):

    M = d*(d + 2*kv)      fused Q, K, V projection
      + d*d               attention output projection
      + 2*d*f  (GELU MLP: up, down)   or   3*d*f  (SwiGLU: gate, up, down)

and the small vectors S: GPT-2 style, the biases (d + 2*kv) + d + f + d and
two LayerNorms (2*d each); Llama style, two RMSNorm gains (d each).

    params = V*d (token embeddings, tied with the output head)
           + C*d (learned positions, GPT-2 style only)
           + L*(M + S) + final norm (2*d GPT-2, d Llama)

Prefill of T tokens (FLOPs: a multiply-add is 2), logits for the last token only:

    2*T*L*M                 the projections and the MLP
    + 2*L*d*T*(T + 1)       causal attention: query i reads i+1 keys,
                            Q.K^T and P.V each 2*d FLOPs per (query, key)
    + 2*d*V                 the output head, once

Only useful work is counted: the decoder's blocked causal attention also
computes (and masks) the upper half of each diagonal block, ~20 % more
attention FLOPs at T = 512, which counts against its efficiency. Norms,
softmax, activations and residual adds are O(T*d) and not counted.

Decode of one token at position t, bytes read from memory:

    4*(L*(M + S) + final norm)   every layer's weights, once
    + 4*V*d                      the tied output head (a V x d matrix)
    + 4*d (+ 4*d)                the token's embedding row (and position row)
    + 4*2*L*kv*(t + 1)           the KV cache: K and V of t+1 positions

Activations (a few d- or f-wide vectors) stay in cache and are not counted.
"""

from __future__ import annotations

from costcalc.bench.presets import Shape, Style

F32 = 4


def matrix_params(s: Shape) -> int:
    """M: the weights of one layer's matrix products."""
    mlp = (3 if s.style is Style.LLAMA else 2) * s.d_model * s.ffn
    return s.d_model * (s.d_model + 2 * s.kv_dim) + s.d_model * s.d_model + mlp


def small_params(s: Shape) -> int:
    """S: one layer's biases and norm parameters."""
    d = s.d_model
    if s.style is Style.LLAMA:
        return 2 * d
    return (d + 2 * s.kv_dim) + d + s.ffn + d + 2 * (2 * d)


def final_norm_params(s: Shape) -> int:
    return s.d_model if s.style is Style.LLAMA else 2 * s.d_model


def params(s: Shape) -> int:
    positions = s.ctx * s.d_model if s.style is Style.GPT2 else 0
    return (
        s.vocab * s.d_model
        + positions
        + s.layers * (matrix_params(s) + small_params(s))
        + final_norm_params(s)
    )


def prefill_flops(s: Shape, tokens: int) -> int:
    """FLOPs to prefill ``tokens`` prompt tokens and produce the first token's logits."""
    t = tokens
    return (
        2 * t * s.layers * matrix_params(s)
        + 2 * s.layers * s.d_model * t * (t + 1)
        + 2 * s.d_model * s.vocab
    )


def decode_flops(s: Shape, position: int) -> int:
    """FLOPs to decode one token at ``position`` (0-based)."""
    return (
        2 * s.layers * matrix_params(s)
        + 4 * s.layers * s.d_model * (position + 1)
        + 2 * s.d_model * s.vocab
    )


def weight_bytes_per_token(s: Shape, itemsize: int = F32) -> int:
    """Weight bytes one decode step reads: every layer, the final norm, head, embedding rows."""
    rows = 2 if s.style is Style.GPT2 else 1
    layers = s.layers * (matrix_params(s) + small_params(s)) + final_norm_params(s)
    return itemsize * (layers + s.vocab * s.d_model + rows * s.d_model)


def kv_bytes(s: Shape, positions: int, itemsize: int = F32) -> int:
    """Bytes of K and V for ``positions`` positions (all layers)."""
    return itemsize * 2 * s.layers * s.kv_dim * positions


def decode_bytes(s: Shape, position: int, itemsize: int = F32) -> int:
    """Bytes one decode step at ``position`` reads: weights plus the KV cache so far."""
    return weight_bytes_per_token(s, itemsize) + kv_bytes(s, position + 1, itemsize)


def mean_decode_bytes(
    s: Shape, prompt: int, new: int, itemsize: int = F32, batch: int = 1
) -> float:
    """Bytes per decode step, averaged over ``new`` steps after a ``prompt``-token prompt.

    The steps decode positions prompt .. prompt+new-1, so the mean KV length
    read is prompt + (new - 1)/2 + 1. A batch of B sequences reads the
    weights once and B caches.
    """
    mean_position = prompt + (new - 1) / 2
    kv = itemsize * 2 * s.layers * s.kv_dim * (mean_position + 1)
    return weight_bytes_per_token(s, itemsize) + batch * kv


def memory_needed(
    s: Shape,
    prompt: int,
    new: int,
    *,
    head_copy: bool,
    verify: bool,
    itemsize: int = F32,
    batch: int = 1,
) -> int:
    """Bytes the benchmark holds at its peak (weights, cache, activations), roughly."""
    n = prompt + new
    weights = itemsize * params(s) + (itemsize * s.vocab * s.d_model if head_copy else 0)
    cache = kv_bytes(s, n, itemsize) * (1 + batch if batch > 1 else 1)
    rows = n if verify else prompt
    width = 5 * s.d_model + 2 * s.kv_dim + 3 * s.ffn
    block = min(rows, 256)
    activations = F32 * (rows * width + s.heads * block * rows * 2)
    logits = F32 * s.vocab * (new + 1 if verify else 1)
    return weights + cache + activations + logits
