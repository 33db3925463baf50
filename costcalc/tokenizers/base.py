"""What a tokenizer is (a spec, read from the table) and what a backend must do.

A :class:`TokenizerSpec` names a backend and, for real tokenizers, a file
inside an installed package (with its sha256 and the package version that
ships it). Specs whose backend is ``ratio`` have no file: they are counted
with a stand-in tokenizer times a ratio that has a source.

A backend is a module with one function::

    load(spec: TokenizerSpec, data: bytes) -> Callable[[str], int]

returning an exact counter: the tokenizer's own encode of the whole text,
with no special token added and special-token text counted as ordinary
text. Whether long texts may be cut into parts (and where) is the spec's
``cuts``, proven per tokenizer by tests/test_tokenizers.py.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

Counter = Callable[[str], int]


class Cuts(str, enum.Enum):
    """Where a long text may be cut so that the parts' counts add up to the whole's."""

    NONE = "none"  # counted in one pass
    WHITESPACE = "whitespace"  # after a newline / before a space, next to ASCII letters
    CLASSES = "classes"  # also between ASCII letters, digits and punctuation


class Kind(str, enum.Enum):
    """How a count was made: the model's own tokenizer, a ratio, or a reconstruction."""

    EXACT = "exact"
    APPROXIMATE = "approximate"
    RECONSTRUCTED = "reconstructed"


@dataclass(frozen=True)
class PackageFile:
    """A tokenizer file inside an installed Python package (never downloaded, never bundled)."""

    distribution: str  # what pip installs: "llama-models"
    package: str  # the import package holding it: "llama_models"
    path: str  # inside the package: "llama3/tokenizer.model"
    sha256: str
    version: str  # the distribution version whose file has that sha256
    licence: str = ""


@dataclass(frozen=True)
class TokenizerSpec:
    """One tokenizer, as data. Hashable: counters are cached per spec."""

    name: str
    backend: str  # tiktoken | tekken | hf_json | sentencepiece | ctok | ratio
    label: str = ""  # for people: "Llama 3 to 3.3"
    file: PackageFile | None = None
    pattern: str | None = None  # tiktoken: the pre-tokenizer regex
    special_tokens: tuple[tuple[str, int], ...] = ()
    normalize: str | None = None  # e.g. "NFC", applied before encoding (Qwen)
    cuts: Cuts = Cuts.NONE
    cache_sha256: str | None = None  # digest of the parsed-ranks cache (tiktoken, tekken)
    index_sha256: str | None = None  # digest of the rank index for small inputs (same backends)
    # Without the real tokenizer: the stand-in's count times ``ratio``.
    stand_in: str = "o200k_base"
    ratio: Decimal = Decimal(1)
    ratio_source: str | None = None
    reconstruct: str | None = None  # a spec whose backend reconstructs counts (ctok)
    variant: str | None = None  # a backend's own argument (ctok: the Claude generation)

    @property
    def needs_file(self) -> bool:
        return self.backend not in ("ratio", "ctok")

    # How this tokenizer is counted here (see costcalc.tokenizers.plan): exact
    # with its own file, or the stand-in's count times the ratio.
    @property
    def encoding(self) -> str:
        """The name of the tokenizer that runs for this one here (itself, or the stand-in)."""
        return self._plan().runs.name

    @property
    def exact(self) -> bool:
        return self._plan().exact

    def scale(self, count: int) -> int:
        """A count made with :attr:`encoding`, in this tokenizer's tokens."""
        return self._plan().scale(count)

    def _plan(self):
        from costcalc.tokenizers import plan

        return plan(self)


def scale(count: int, ratio: Decimal) -> int:
    """``count`` times ``ratio``, rounded up (an estimate never undercounts by rounding)."""
    if ratio == 1:
        return count
    return int((Decimal(count) * ratio).to_integral_value(rounding=ROUND_CEILING))


class TokenizerUnavailable(Exception):
    """The spec's tokenizer cannot be built here; ``reason`` says why, for one line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
