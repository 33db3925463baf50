"""Model shapes: the named presets, custom overrides, and their validation.

Pure Python (no NumPy): the CLI validates a shape before anything heavy runs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

from costcalc.errors import BenchError


class Style(str, Enum):
    """The architecture family: what a layer is made of."""

    GPT2 = "gpt2"  # learned positions, LayerNorm with biases, GELU MLP, biased projections
    LLAMA = "llama"  # rotary positions, RMSNorm, SwiGLU MLP, no biases


@dataclass(frozen=True)
class Shape:
    """A decoder-only transformer's shape. ``heads`` query heads share ``kv_heads`` K/V heads."""

    name: str
    style: Style
    layers: int
    d_model: int
    heads: int
    kv_heads: int
    ffn: int
    vocab: int
    ctx: int

    @property
    def head_dim(self) -> int:
        return self.d_model // self.heads

    @property
    def kv_dim(self) -> int:
        """Width of the K (or V) projection: kv_heads * head_dim."""
        return self.kv_heads * self.head_dim

    @property
    def rotary(self) -> bool:
        return self.style is Style.LLAMA

    def describe(self) -> dict:
        return {
            "style": self.style.value,
            "layers": self.layers,
            "d_model": self.d_model,
            "heads": self.heads,
            "kv_heads": self.kv_heads,
            "ffn": self.ffn,
            "vocab": self.vocab,
            "ctx": self.ctx,
        }


PRESETS: dict[str, Shape] = {
    s.name: s
    for s in (
        Shape(
            "tiny",
            Style.GPT2,
            layers=2,
            d_model=64,
            heads=4,
            kv_heads=4,
            ffn=256,
            vocab=512,
            ctx=256,
        ),
        Shape(
            "tiny-llama",
            Style.LLAMA,
            layers=2,
            d_model=64,
            heads=4,
            kv_heads=2,
            ffn=176,
            vocab=512,
            ctx=256,
        ),
        Shape(
            "gpt2-small",
            Style.GPT2,
            layers=12,
            d_model=768,
            heads=12,
            kv_heads=12,
            ffn=3072,
            vocab=50257,
            ctx=1024,
        ),
        Shape(
            "gpt2-medium",
            Style.GPT2,
            layers=24,
            d_model=1024,
            heads=16,
            kv_heads=16,
            ffn=4096,
            vocab=50257,
            ctx=1024,
        ),
        Shape(
            "gpt2-large",
            Style.GPT2,
            layers=36,
            d_model=1280,
            heads=20,
            kv_heads=20,
            ffn=5120,
            vocab=50257,
            ctx=1024,
        ),
        # Llama-3.2-1B-like (tied embeddings, as the real one)
        Shape(
            "llama-1b",
            Style.LLAMA,
            layers=16,
            d_model=2048,
            heads=32,
            kv_heads=8,
            ffn=8192,
            vocab=128256,
            ctx=8192,
        ),
        # Llama-3.1-8B-like (tied here, unlike the real one); fp32 needs ~32 GB
        Shape(
            "llama-8b",
            Style.LLAMA,
            layers=32,
            d_model=4096,
            heads=32,
            kv_heads=8,
            ffn=14336,
            vocab=128256,
            ctx=8192,
        ),
    )
}

# The calibration pair timed after the shape asked for, so that the speed
# model (costcalc.bench.speedmodel) can tell per-operation overhead from
# work: one deep and narrow (many operations, little work each), one shallow
# and wide (few operations, much work). Both are far larger than any CPU
# cache, like the shapes projected; their widths bracket those of the presets.
CALIBRATION: tuple[Shape, ...] = (
    Shape(
        "calib-deep",
        Style.LLAMA,
        layers=24,
        d_model=512,
        heads=8,
        kv_heads=8,
        ffn=1536,
        vocab=32000,
        ctx=4096,
    ),
    Shape(
        "calib-wide",
        Style.GPT2,
        layers=3,
        d_model=2048,
        heads=16,
        kv_heads=16,
        ffn=8192,
        vocab=32000,
        ctx=4096,
    ),
)
# The same idea at test size (--quick): milliseconds, not seconds.
CALIBRATION_QUICK: tuple[Shape, ...] = (
    Shape(
        "calib-deep-quick",
        Style.LLAMA,
        layers=8,
        d_model=32,
        heads=2,
        kv_heads=2,
        ffn=64,
        vocab=256,
        ctx=512,
    ),
    Shape(
        "calib-wide-quick",
        Style.GPT2,
        layers=1,
        d_model=128,
        heads=4,
        kv_heads=4,
        ffn=512,
        vocab=256,
        ctx=512,
    ),
)

# Shapes projected (never run) after a benchmark, besides the presets not run.
PROJECTED = ("gpt2-small", "gpt2-medium", "gpt2-large", "llama-1b", "llama-8b")

CUSTOM_FIELDS = ("layers", "d_model", "heads", "kv_heads", "ffn", "vocab", "ctx")


def preset(name: str) -> Shape:
    try:
        return PRESETS[name]
    except KeyError:
        raise BenchError(f"unknown preset {name!r}; choose one of: {', '.join(PRESETS)}") from None


def flag(field: str) -> str:
    return "--" + field.replace("_", "-")


def custom(base: Shape, **overrides: int | None) -> Shape:
    """``base`` with the given fields replaced; named ``custom`` when anything changed."""
    # Any: replace() checks **given against every field, Style included; the
    # keys are checked against CUSTOM_FIELDS (all int) just below.
    given: dict[str, Any] = {k: v for k, v in overrides.items() if v is not None}
    unknown = set(given) - set(CUSTOM_FIELDS)
    if unknown:
        raise BenchError(f"unknown shape field(s): {', '.join(sorted(unknown))}")
    if not given:
        return base
    if "heads" in given and "kv_heads" not in given and base.kv_heads == base.heads:
        given["kv_heads"] = given["heads"]  # multi-head stays multi-head
    shape = replace(base, name="custom", **given)
    if shape == replace(base, name="custom"):
        return base
    return shape


def validate(shape: Shape) -> Shape:
    """Raise BenchError (one clear line) for a shape that cannot be built."""
    for field in CUSTOM_FIELDS:
        value = getattr(shape, field)
        if not isinstance(value, int) or value <= 0:
            raise BenchError(f"{flag(field)} must be a positive whole number, got {value}")
    if shape.d_model % shape.heads:
        raise BenchError(f"--heads {shape.heads} does not divide --d-model {shape.d_model}")
    if shape.heads % shape.kv_heads:
        raise BenchError(f"--kv-heads {shape.kv_heads} does not divide --heads {shape.heads}")
    if shape.rotary and shape.head_dim % 2:
        raise BenchError(
            f"rotary positions need an even head size; d_model/heads = {shape.head_dim}"
        )
    return shape
