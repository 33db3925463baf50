"""The Hugging Face ``tokenizers`` backend: a ``tokenizer.json`` (DeepSeek's).

Built with the ``tokenizers`` library from the hash-checked bytes. Special
tokens in the text are encoded as ordinary text (``encode_special_tokens``),
and none is added, so a count is the tokenizer's own encode of plain text.
"""

from __future__ import annotations

from costcalc.tokenizers.base import Counter, TokenizerSpec, TokenizerUnavailable


def load(spec: TokenizerSpec, data: bytes) -> Counter:
    try:
        from tokenizers import Tokenizer
    except ImportError:
        raise TokenizerUnavailable("the 'tokenizers' package is not installed") from None
    tok = Tokenizer.from_str(data.decode("utf-8"))
    tok.encode_special_tokens = True
    encode = tok.encode

    def count(text: str) -> int:
        return len(encode(text, add_special_tokens=False))

    return count
