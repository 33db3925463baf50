"""A decoder-only transformer in NumPy, with seeded random weights and a KV cache.

Two families share one code path (:class:`~costcalc.bench.presets.Style`):
GPT-2 (learned positions, LayerNorm, GELU, biases) and Llama (rotary
positions, RMSNorm, SwiGLU, no biases). Attention is multi-head or
grouped-query (``kv_heads`` < ``heads``). The output head is tied to the token
embeddings; the next token is greedy.

Speed: Q, K and V come from one fused matrix product (and Llama's gate and up
from another); decode writes into buffers allocated once, with ``out=`` and
in-place operations, so a step allocates almost nothing; the KV cache is
preallocated for the whole run. Prefill attends in blocks of query rows, so
it computes ~80 % useful causal work and never holds a T x T matrix per head.

Imported lazily: NumPy is needed only here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from costcalc.bench.device import Device
from costcalc.bench.presets import Shape, Style

Array = Any  # numpy.ndarray or cupy.ndarray
EPS = 1e-5
ROPE_BASE = 500000.0  # Llama 3
QUERY_BLOCK = 128  # prefill attention: query rows per block


@dataclass
class Layer:
    """One block's weights. Matrices are (out, in), row-major, as nn.Linear keeps
    them: a decode step's W @ x streams each row once (measured ~8 % faster here
    than x @ W), and prefill's X @ W.T is a transposed GEMM at full speed."""

    norm1: Array  # gain (LayerNorm/RMSNorm)
    norm1_b: Array | None
    qkv: Array  # (d + 2*kv, d): fused Q, K, V
    qkv_b: Array | None
    wo: Array  # (d, d)
    wo_b: Array | None
    norm2: Array
    norm2_b: Array | None
    up: Array  # (f, d) GELU, or (2f, d) gate and up fused for SwiGLU
    up_b: Array | None
    down: Array  # (d, f)
    down_b: Array | None


class Decoder:
    """One model instance: weights, a KV cache for ``max_tokens`` positions, and buffers."""

    def __init__(
        self,
        shape: Shape,
        max_tokens: int,
        seed: int = 0,
        head_copy: bool = False,
        device: Device | None = None,
    ):
        self.shape = s = shape
        self.max_tokens = max_tokens
        self.dev = device or Device("cpu", np, "float32", "CPU")
        self.xp = xp = self.dev.xp
        self.F = F = self.dev.np_dtype
        d, f, hd = s.d_model, s.ffn, s.head_dim
        gpt2 = s.style is Style.GPT2
        std, resid_std = 0.02, 0.02 / math.sqrt(2 * s.layers)
        if self.dev.gpu:  # drawn on the GPU itself: no host copy of billions of weights
            draw = xp.random.RandomState(seed).standard_normal
        else:
            draw = np.random.default_rng(seed).standard_normal

        def normal(shape_, scale):
            a = draw(shape_, dtype=np.float32)
            a *= scale
            return a if np.float32 == F else a.astype(F)

        def ones(n):
            return xp.ones(n, dtype=F)

        def bias(n):
            return xp.zeros(n, dtype=F) if gpt2 else None

        self.embed = normal((s.vocab, d), std)  # tied with the output head
        self.pos = normal((s.ctx, d), 0.01) if gpt2 else None
        # A contiguous (d, vocab) copy of the head, when the caller wants it.
        self.head_t = xp.ascontiguousarray(self.embed.T) if head_copy else None
        width = d + 2 * s.kv_dim
        self.layers = [
            Layer(
                norm1=ones(d),
                norm1_b=bias(d),
                qkv=normal((width, d), std),
                qkv_b=bias(width),
                wo=normal((d, d), resid_std),
                wo_b=bias(d),
                norm2=ones(d),
                norm2_b=bias(d),
                up=normal((f if gpt2 else 2 * f, d), std),
                up_b=bias(f) if gpt2 else None,
                down=normal((d, f), resid_std),
                down_b=bias(d),
            )
            for _ in range(s.layers)
        ]
        self.norm_f = ones(d)
        self.norm_f_b = bias(d)
        if s.rotary:
            half = hd // 2
            inv = ROPE_BASE ** (-xp.arange(half, dtype=xp.float64) / half)
            angles = xp.outer(xp.arange(max_tokens, dtype=xp.float64), inv)
            self.cos = xp.cos(angles).astype(F)
            self.sin = xp.sin(angles).astype(F)
        # KV cache, per layer and kv head: K transposed (head dim, position) so
        # that q.K^T reads it as a row-major GEMV, V as (position, head dim).
        self.k_cache = xp.zeros((s.layers, s.kv_heads, hd, max_tokens), dtype=F)
        self.v_cache = xp.zeros((s.layers, s.kv_heads, max_tokens, hd), dtype=F)
        self.length = 0
        self._buffers()
        # (row, 1, key): -inf where key > row, for the diagonal block of causal attention
        tri = xp.triu(xp.ones((QUERY_BLOCK, QUERY_BLOCK), dtype=bool), k=1)
        self._mask = xp.where(tri, -math.inf, 0.0).astype(F)[:, None, :]

    # ------------------------------------------------------------ bookkeeping

    def _buffers(self) -> None:
        xp, F = self.xp, self.F
        s = self.shape
        d, hd, kv, g = s.d_model, s.head_dim, s.kv_heads, s.heads // s.kv_heads
        f2 = s.ffn if s.style is Style.GPT2 else 2 * s.ffn
        self._x = xp.empty(d, F)
        self._h = xp.empty(d, F)
        self._o = xp.empty(d, F)
        self._qkv = xp.empty(d + 2 * s.kv_dim, F)
        self._att = xp.empty(d, F)
        self._up = xp.empty(f2, F)
        self._tmp = xp.empty(f2, F)
        self._scores = xp.empty((kv, g, self.max_tokens), F)
        self._logits = xp.empty(s.vocab, F)
        half = hd // 2
        self._rot = xp.empty((2, s.heads + kv, half), F)

    def reset(self) -> None:
        """Forget the sequence (the cache is overwritten, not cleared)."""
        self.length = 0

    def seek(self, position: int) -> None:
        """Continue at ``position``: the cache below it is taken as filled (for timing)."""
        if not 0 <= position < self.max_tokens:
            raise ValueError(f"the KV cache holds {self.max_tokens} positions")
        self.length = position

    def weight_arrays(self) -> list[Array]:
        arrays = [self.embed, self.norm_f]
        arrays += [a for a in (self.pos, self.norm_f_b, self.head_t) if a is not None]
        for layer in self.layers:
            arrays += [a for a in vars(layer).values() if a is not None]
        return arrays

    # ------------------------------------------------------------ decode: one token

    def step(self, token: int) -> Array:
        """Append ``token`` at the next position; the next token's logits (an internal buffer)."""
        xp, dev = self.xp, self.dev
        s = self.shape
        t = self.length
        if t >= self.max_tokens:
            raise ValueError(f"the KV cache holds {self.max_tokens} positions")
        d, hd, kvh = s.d_model, s.head_dim, s.kv_heads
        g = s.heads // kvh
        gpt2 = s.style is Style.GPT2
        x, h, o, qkv, att, up, tmp = (
            self._x,
            self._h,
            self._o,
            self._qkv,
            self._att,
            self._up,
            self._tmp,
        )
        scores = self._scores[:, :, : t + 1]
        q = qkv[:d]
        q3 = q.reshape(kvh, g, hd)
        k_new = qkv[d : d + s.kv_dim].reshape(kvh, hd)
        v_new = qkv[d + s.kv_dim :].reshape(kvh, hd)
        att3 = att.reshape(kvh, g, hd)
        scale = 1.0 / math.sqrt(hd)
        f = s.ffn

        if self.pos is not None:  # GPT-2's learned positions
            xp.add(self.embed[token], self.pos[t], out=x)
        else:
            xp.copyto(x, self.embed[token])
        for i, w in enumerate(self.layers):
            self._norm(x, w.norm1, w.norm1_b, h)
            xp.matmul(w.qkv, h, out=qkv)
            if gpt2:
                qkv += w.qkv_b
            else:
                self._rotate_one(qkv, t)
            kc = self.k_cache[i, :, :, : t + 1]
            vc = self.v_cache[i, :, : t + 1]
            kc[:, :, t] = k_new
            vc[:, t] = v_new
            q *= scale
            xp.matmul(q3, kc, out=scores)
            _softmax(scores, xp)
            xp.matmul(scores, vc, out=att3)
            xp.matmul(w.wo, att, out=o)
            if gpt2:
                o += w.wo_b
            x += o
            self._norm(x, w.norm2, w.norm2_b, h)
            xp.matmul(w.up, h, out=up)
            if gpt2:
                up += w.up_b
                _gelu(up, tmp, dev)
                xp.matmul(w.down, up, out=o)
                o += w.down_b
            else:
                gate, lin = up[:f], up[f:]
                _silu(gate, tmp[:f], dev)
                gate *= lin
                xp.matmul(w.down, gate, out=o)
            x += o
        self._norm(x, self.norm_f, self.norm_f_b, h)
        self.length = t + 1
        return self._head(h, self._logits)

    def _norm(self, x, gain, bias, out) -> None:
        """LayerNorm (GPT-2) or RMSNorm (Llama) of a vector, into ``out``.

        On the CPU the statistics are Python floats (cheaper than 0-d arrays);
        on the GPU they stay on the device: a read back would stop the stream.
        """
        xp = self.xp
        if self.dev.gpu:
            _norm_rows(x[None], gain, bias, out[None], xp)
            return
        n = x.shape[-1]
        if bias is None:
            ms = float(xp.dot(x, x)) / n
            xp.multiply(x, (1.0 / math.sqrt(ms + EPS)), out=out)
            out *= gain
        else:
            xp.subtract(x, float(xp.add.reduce(x)) / n, out=out)
            var = float(xp.dot(out, out)) / n
            out *= 1.0 / math.sqrt(var + EPS)
            out *= gain
            out += bias

    def _rotate_one(self, qkv, t: int) -> None:
        """Rotary positions on this token's query and key heads (in place)."""
        xp = self.xp
        s = self.shape
        hd = s.head_dim
        half = hd // 2
        qk = qkv[: (s.heads + s.kv_heads) * hd].reshape(s.heads + s.kv_heads, hd)
        a, b = qk[:, :half], qk[:, half:]
        cos, sin = self.cos[t], self.sin[t]
        t1, t2 = self._rot[0], self._rot[1]
        xp.multiply(b, sin, out=t1)
        xp.multiply(a, sin, out=t2)
        a *= cos
        a -= t1
        b *= cos
        b += t2

    def _head(self, h, out) -> Array:
        xp = self.xp
        if self.head_t is not None:
            return xp.matmul(h, self.head_t, out=out)
        return xp.matmul(self.embed, h, out=out)

    # ------------------------------------------------------------ many tokens at once

    def prefill(self, tokens) -> Array:
        """Run the prompt through the model, filling the cache; the next token's logits."""
        xp = self.xp
        tokens = xp.asarray(tokens)
        start = self.length
        if start + len(tokens) > self.max_tokens:
            raise ValueError(f"the KV cache holds {self.max_tokens} positions")
        h = self._forward(tokens, start, use_cache=True)
        self.length = start + len(tokens)
        return self._head(h[-1], xp.empty(self.shape.vocab, self.F))

    def forward_full(self, tokens, last: int = 1) -> Array:
        """Logits (last, vocab) for the last ``last`` positions, recomputed without any cache."""
        xp = self.xp
        tokens = xp.asarray(tokens)
        h = self._forward(tokens, 0, use_cache=False)
        rows = h[len(tokens) - last :]
        if self.head_t is not None:
            return rows @ self.head_t
        return rows @ self.embed.T

    def _forward(self, tokens, start: int, use_cache: bool) -> Array:
        """The final-normed hidden states (T, d) of ``tokens`` at positions start.. ."""
        xp, F = self.xp, self.F
        s = self.shape
        n = len(tokens)
        d, hd, kvh, kvd = s.d_model, s.head_dim, s.kv_heads, s.kv_dim
        g = s.heads // kvh
        gpt2 = s.style is Style.GPT2
        positions = xp.arange(start, start + n)
        x = self.embed[tokens]
        if self.pos is not None:  # GPT-2's learned positions
            x += self.pos[positions]
        h = xp.empty_like(x)
        att = xp.empty((n, d), F)
        scale = 1.0 / math.sqrt(hd)
        for i, w in enumerate(self.layers):
            _norm_rows(x, w.norm1, w.norm1_b, h, xp)
            qkv = h @ w.qkv.T
            if gpt2:
                qkv += w.qkv_b
            else:
                self._rotate_rows(qkv, positions)
            # queries (kv head, row, group, head dim), pre-scaled; keys (kv head, head dim, row)
            q = xp.empty((kvh, n, g, hd), F)
            xp.multiply(qkv[:, :d].reshape(n, kvh, g, hd).transpose(1, 0, 2, 3), scale, out=q)
            k = qkv[:, d : d + kvd].reshape(n, kvh, hd).transpose(1, 2, 0)
            v = qkv[:, d + kvd :].reshape(n, kvh, hd).transpose(1, 0, 2)
            if use_cache:
                self.k_cache[i, :, :, start : start + n] = k
                self.v_cache[i, :, start : start + n] = v
                k = self.k_cache[i, :, :, : start + n]
                v = self.v_cache[i, :, : start + n]
            else:
                k, v = xp.ascontiguousarray(k), xp.ascontiguousarray(v)
            for a in range(0, n, QUERY_BLOCK):
                b = min(a + QUERY_BLOCK, n)
                rows, keys = b - a, start + b  # rows a..b-1 see keys 0..start+b-1
                sc = xp.matmul(q[:, a:b].reshape(kvh, rows * g, hd), k[:, :, :keys])
                # only the block's own keys can be in a row's future
                diag = sc.reshape(kvh, rows, g, keys)[..., start + a :]
                diag += self._mask[:rows, :, :rows]
                # softmax, normalised after P.V: a pass over (rows, head dim), not (rows, keys)
                sc -= sc.max(axis=-1, keepdims=True)
                xp.exp(sc, out=sc)
                total = sc.sum(axis=-1, keepdims=True)
                out = xp.matmul(sc, v[:, :keys])  # (kv head, rows * group, head dim)
                out /= total
                att[a:b] = out.reshape(kvh, rows, g, hd).transpose(1, 0, 2, 3).reshape(rows, d)
            self._finish_rows(x, h, att, w)
        _norm_rows(x, self.norm_f, self.norm_f_b, h, xp)
        return h

    def _finish_rows(self, x, h, att, w: Layer) -> None:
        """The rest of a layer for rows of attention output: projection, residual, norm, MLP."""
        xp, dev, s = self.xp, self.dev, self.shape
        gpt2 = s.style is Style.GPT2
        o = att @ w.wo.T
        if gpt2:
            o += w.wo_b
        x += o
        _norm_rows(x, w.norm2, w.norm2_b, h, xp)
        up = h @ w.up.T
        if gpt2:
            _bias_gelu(up, w.up_b, xp.empty_like(up), dev)
            o = up @ w.down.T
            o += w.down_b
        else:
            gate = xp.empty((len(x), s.ffn), self.F)
            _swiglu(up, gate, dev)
            o = gate @ w.down.T
        x += o

    def _rotate_rows(self, qkv, positions) -> None:
        s = self.shape
        hd = s.head_dim
        half = hd // 2
        n = qkv.shape[0]
        qk = qkv[:, : (s.heads + s.kv_heads) * hd].reshape(n, s.heads + s.kv_heads, hd)
        a, b = qk[:, :, :half], qk[:, :, half:]
        cos = self.cos[positions][:, None, :]
        sin = self.sin[positions][:, None, :]
        t1 = b * sin
        t2 = a * sin
        a *= cos
        a -= t1
        b *= cos
        b += t2

    # ------------------------------------------------------------ decode: a batch

    def start_batch(self, batch: int) -> None:
        """Decode ``batch`` copies of the sequence now in the cache side by side (step_batch)."""
        xp, s, n = self.xp, self.shape, self.length
        self._kb = xp.empty((s.layers, batch, s.kv_heads, s.head_dim, self.max_tokens), self.F)
        self._vb = xp.empty((s.layers, batch, s.kv_heads, self.max_tokens, s.head_dim), self.F)
        self._kb[..., :n] = self.k_cache[:, None, :, :, :n]
        self._vb[:, :, :, :n] = self.v_cache[:, None, :, :n]

    def step_batch(self, tokens) -> Array:
        """One decode step of every sequence of the batch, each given its token: logits (B, vocab).

        The B query rows share every weight read: a step reads the weights
        once and B KV caches, which is why serving batches.
        """
        xp = self.xp
        s = self.shape
        t = self.length
        if t >= self.max_tokens:
            raise ValueError(f"the KV cache holds {self.max_tokens} positions")
        tokens = xp.asarray(tokens)
        b = len(tokens)
        d, hd, kvh, kvd = s.d_model, s.head_dim, s.kv_heads, s.kv_dim
        g = s.heads // kvh
        gpt2 = s.style is Style.GPT2
        x = self.embed[tokens]
        if self.pos is not None:  # GPT-2's learned positions
            x += self.pos[t]
        h = xp.empty_like(x)
        scale = 1.0 / math.sqrt(hd)
        positions = xp.full(b, t)
        for i, w in enumerate(self.layers):
            _norm_rows(x, w.norm1, w.norm1_b, h, xp)
            qkv = h @ w.qkv.T
            if gpt2:
                qkv += w.qkv_b
            else:
                self._rotate_rows(qkv, positions)
            kc = self._kb[i, :, :, :, : t + 1]  # (B, kv head, head dim, position)
            vc = self._vb[i, :, :, : t + 1]  # (B, kv head, position, head dim)
            kc[..., t] = qkv[:, d : d + kvd].reshape(b, kvh, hd)
            vc[:, :, t] = qkv[:, d + kvd :].reshape(b, kvh, hd)
            q = qkv[:, :d].reshape(b, kvh, g, hd)
            q *= scale
            scores = xp.matmul(q, kc)  # (B, kv head, group, position)
            _softmax(scores, xp)
            self._finish_rows(x, h, xp.matmul(scores, vc).reshape(b, d), w)
        _norm_rows(x, self.norm_f, self.norm_f_b, h, xp)
        self.length = t + 1
        return h @ self.embed.T

    # ------------------------------------------------------------ generation

    def generate(self, prompt, new: int, keep_logits: bool = False):
        """Greedy: prefill ``prompt``, then ``new`` decode steps.

        Returns (tokens, logits): the ``new + 1`` generated tokens (the first
        from the prefill) and, when asked, the logits that chose each.
        """
        xp = self.xp
        self.reset()
        logits = self.prefill(prompt)
        kept = [logits.copy()] if keep_logits else []
        out = [int(xp.argmax(logits))]
        for _ in range(new):
            logits = self.step(out[-1])
            out.append(int(xp.argmax(logits)))
            if keep_logits:
                kept.append(logits.copy())
        return out, (xp.stack(kept) if keep_logits else None)


def _softmax(a, xp) -> None:
    """Softmax over the last axis, in place."""
    a -= a.max(axis=-1, keepdims=True)
    xp.exp(a, out=a)
    a *= 1.0 / a.sum(axis=-1, keepdims=True)


_GELU_A = -2.0 * math.sqrt(2.0 / math.pi)
_GELU_B = -2.0 * math.sqrt(2.0 / math.pi) * 0.044715


def _gelu(x, tmp, dev: Device) -> None:
    """GELU, GPT-2's tanh approximation, in place; ``tmp`` is scratch of x's shape.

    0.5*x*(1 + tanh(c*(x + 0.044715*x^3))) written as x / (1 + exp(-2c*(x + 0.044715*x^3))):
    the same function in 7 passes instead of 9 (exp may overflow to inf for
    very negative x, giving the right limit, -0).
    """
    xp = dev.xp
    xp.multiply(x, x, out=tmp)
    tmp *= _GELU_B
    tmp += _GELU_A
    tmp *= x
    with dev.errstate(over="ignore"):
        xp.exp(tmp, out=tmp)
    tmp += 1.0
    xp.divide(x, tmp, out=x)


def _bias_gelu(x, bias, tmp, dev: Device) -> None:
    x += bias
    _gelu(x, tmp, dev)


def _swiglu(up, out, dev: Device) -> None:
    """silu(gate) * up, with gate and up side by side in ``up``'s rows; into ``out``."""
    xp = dev.xp
    f = out.shape[-1]
    gate = up[:, :f]
    xp.negative(gate, out=out)
    with dev.errstate(over="ignore"):
        xp.exp(out, out=out)
    out += 1.0
    xp.divide(gate, out, out=out)
    out *= up[:, f:]


def _silu(x, tmp, dev: Device) -> None:
    """x * sigmoid(x), in place."""
    xp = dev.xp
    xp.negative(x, out=tmp)
    with dev.errstate(over="ignore"):
        xp.exp(tmp, out=tmp)
    tmp += 1.0
    xp.divide(x, tmp, out=x)


def _norm_rows(x, gain, bias, out, xp) -> None:
    """LayerNorm (with bias) or RMSNorm (bias None) of each row of ``x``, into ``out``."""
    if bias is None:
        ms = xp.einsum("ij,ij->i", x, x) / (x.shape[1])
        xp.multiply(x, (1.0 / xp.sqrt(ms + EPS))[:, None], out=out)
        out *= gain
    else:
        xp.subtract(x, x.mean(axis=1, keepdims=True), out=out)
        var = xp.einsum("ij,ij->i", out, out) / (x.shape[1])
        out *= (1.0 / xp.sqrt(var + EPS))[:, None]
        out *= gain
        out += bias
