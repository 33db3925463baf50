"""The SentencePiece backend: ``.model`` files (Mistral's and Mixtral's older tokenizers).

SentencePiece adds a dummy prefix and treats whitespace itself, so these
tokenizers count in one pass (``cuts: none``). No BOS/EOS is added; control
tokens in the text are ordinary text, as SentencePiece encodes them.
"""

from __future__ import annotations

from costcalc.tokenizers.base import Counter, TokenizerSpec, TokenizerUnavailable


def load(spec: TokenizerSpec, data: bytes) -> Counter:
    try:
        import sentencepiece
    except ImportError:
        raise TokenizerUnavailable("the 'sentencepiece' package is not installed") from None
    sp = sentencepiece.SentencePieceProcessor()
    sp.LoadFromSerializedProto(data)
    encode = sp.EncodeAsIds

    def count(text: str) -> int:
        return len(encode(text))

    return count
