"""The first N tokens of a text, decoded back to text (what `ttok -t N` prints).

For a model whose tokenizer is a stand-in (counted as the stand-in's tokens
times a ratio), N model tokens are taken as N / ratio stand-in tokens, rounded
down, so the text kept never counts as more than N.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from costcalc.tokens import TokenizerSpec, get_encoding


def stand_in_tokens(tok: TokenizerSpec, n: int) -> int:
    """How many of the encoding's tokens N of the model's tokens are, at most."""
    if tok.ratio == 1:
        return n
    return int((Decimal(n) / tok.ratio).to_integral_value(rounding=ROUND_FLOOR))


def first_tokens(text: str, tok: TokenizerSpec, n: int) -> str:
    """The longest prefix of ``text`` made of its first ``n`` tokens.

    A token that ends inside a character (a split emoji) is left out rather
    than decoded as a replacement character.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    encoding = get_encoding(tok.encoding)
    ids = encoding.encode_ordinary(text)
    keep = stand_in_tokens(tok, n)
    if keep >= len(ids):
        return text
    return encoding.decode_bytes(ids[:keep]).decode("utf-8", errors="ignore")
