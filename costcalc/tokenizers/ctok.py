"""The optional ``ctok`` backend: an unofficial, offline reconstruction of Claude's counts.

``ctok`` (MIT, Python >= 3.12) is not Anthropic's tokenizer: its counts are
marked "reconstructed", neither exact nor a flat ratio, and it is used only
when installed. ``token_count(text, version)`` counts the text as one user
message, frame included (as Anthropic's token-counting endpoint does), so it
counts in one pass. The spec's ``variant`` is the Claude generation.
"""

from __future__ import annotations

from costcalc.tokenizers.base import Counter, TokenizerSpec, TokenizerUnavailable


def load(spec: TokenizerSpec, data: bytes) -> Counter:
    try:
        import ctok
    except ImportError:
        raise TokenizerUnavailable(
            "the 'ctok' package is not installed (it needs Python >= 3.12)"
        ) from None
    token_count = getattr(ctok, "token_count", None)
    if token_count is None:
        raise TokenizerUnavailable("this version of ctok has no token_count()")
    version = spec.variant or "3.0"

    def count(text: str) -> int:
        return int(token_count(text, version))

    return count
