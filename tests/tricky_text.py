"""Text that tends to break tokenizers, shared by the exactness and chunking tests."""

from __future__ import annotations

from hypothesis import strategies as st

# pieces that pre-tokenizers treat specially: line ends, whitespace runs, contractions,
# digits, CJK, emoji and ZWJ sequences, combining marks, punctuation runs, special-token text
PIECES = [
    "\n",
    "\r\n",
    "\r",
    " ",
    "  ",
    "   ",
    "\t",
    "\u00a0",
    "a",
    "Hello",
    "WORLD",
    "don't",
    "'s",
    "'S",
    "42",
    "12345",
    "中文",
    "日本語",
    "😀",
    "👩\u200d💻",
    "é",
    "e\u0301",
    "!",
    "...",
    "//",
    "{",
    '":"',
    "=",
    "+/",
    "_",
    "x=1;",
    "<|endoftext|>",
    "<think>",
    "</think>",
    "<|EOT|>",
    "<｜User｜>",
    "▁",
    "[INST]",
    "a" * 120,
    "的" * 40,
]


def text_strategy(max_chars: int, max_noise: int):
    """Arbitrary text, text made of PIECES, and the two mixed (noise up to ``max_noise``)."""
    return st.one_of(
        st.text(max_size=max_chars),
        st.lists(st.sampled_from(PIECES), max_size=120).map("".join),
        st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=max_noise)), max_size=80).map(
            "".join
        ),
    )
