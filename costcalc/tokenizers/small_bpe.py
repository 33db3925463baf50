"""Exact counts of small inputs without building tiktoken's encoder.

A short prompt is counted in a millisecond, but building the encoder it is
counted with (a dict of 100k-200k tokens, then tiktoken's Rust tables) takes
most of a second's fifth. For small inputs this module does what tiktoken's
``encode_ordinary`` does, step by step, in Python:

1. split the text with the tokenizer's own pre-tokenizer pattern (the
   ``regex`` module, which tiktoken itself depends on; ``$`` means the end of
   the text, as in tiktoken's regex engine);
2. a piece that is a token is one token; otherwise its bytes are merged
   pair by pair, always the lowest-ranked pair, leftmost first: the same
   algorithm as tiktoken's (its list form for pieces under 100 bytes, its
   heap form for longer ones), with ranks read from a verified
   :class:`~costcalc.tokenizers.rank_index.RankIndex`.

The count is the number of parts left. tests/test_small_bpe.py checks it
against tiktoken for every tiktoken-backed tokenizer in the table.

It gives up (returns None, and the caller uses the real encoder) when the
work would exceed its budget, and for text with code points this Python's
Unicode database does not know (the two regex engines may classify new
characters differently).
"""

from __future__ import annotations

import heapq
import unicodedata

from costcalc.tokenizers.rank_index import RankIndex

LARGE = 100  # bytes: tiktoken's switch from the list form to the heap form
NO_RANK = 1 << 32  # above every rank: "not a token"


def tiktoken_pattern(pattern: str) -> str:
    """``pattern`` for the ``regex`` module with tiktoken's meaning.

    tiktoken's engine reads ``$`` (outside a class, unescaped) as the end of
    the text; Python's also matches before a final newline, so it becomes ``\\Z``.
    """
    out = []
    escaped = in_class = False
    for ch in pattern:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "$":
            out.append(r"\Z")
            continue
        out.append(ch)
    return "".join(out)


def knows_every_character(text: str) -> bool:
    """No code point unassigned in this Python's Unicode database (ASCII: at once)."""
    if text.isascii():
        return True
    category = unicodedata.category
    return not any(category(ch) == "Cn" for ch in set(text))


class SmallCounter:
    """``count(text, budget)``: the exact count (None past ``budget``) and the work done.

    Work is about one unit per byte of text, more for pieces that need merging.
    """

    def __init__(self, index: RankIndex, pattern: str) -> None:
        import regex  # a dependency of tiktoken; imported only when tokens are counted

        self._split = regex.compile(tiktoken_pattern(pattern)).findall
        self._index_rank = index.rank
        self._ranks: dict[bytes, int] = {}  # look-ups so far (NO_RANK: not a token)
        self._pieces: dict[str, int] = {}  # token count of each piece seen so far

    def _rank(self, token: bytes) -> int:
        r = self._ranks.get(token)
        if r is None:
            found = self._index_rank(token)
            r = NO_RANK if found is None else found
            self._ranks[token] = r
        return r

    def count(self, text: str, budget: int) -> tuple[int | None, int]:
        work = len(text)
        if work > budget or not knows_every_character(text):
            return None, work
        pieces = self._pieces
        total = 0
        for piece in self._split(text):
            n = pieces.get(piece)
            if n is None:
                b = piece.encode("utf-8")
                work += len(b) * len(b).bit_length()
                if work > budget:
                    return None, work
                if len(b) == 1 or self._rank(b) != NO_RANK:
                    n = 1
                elif len(b) < LARGE:
                    n = self._merge(b)
                else:
                    n = self._merge_large(b)
                pieces[piece] = n
            total += n
        return total, work

    def _merge(self, piece: bytes) -> int:
        """Parts left after tiktoken's list-form merge of ``piece``."""
        rank = self._rank
        n = len(piece)
        starts = list(range(n + 1))
        # ranks[i]: the rank of the pair starting at part i (NO_RANK past the end)
        ranks = [rank(piece[i : i + 2]) for i in range(n - 1)] + [NO_RANK, NO_RANK]
        low = min(ranks)
        while low != NO_RANK:
            i = ranks.index(low)  # leftmost lowest
            last = len(starts)
            if i > 0:
                ranks[i - 1] = (
                    rank(piece[starts[i - 1] : starts[i + 2]]) if i + 2 < last else NO_RANK
                )
            ranks[i] = rank(piece[starts[i] : starts[i + 3]]) if i + 3 < last else NO_RANK
            del starts[i + 1], ranks[i + 1]
            low = min(ranks)
        return len(starts) - 1

    def _merge_large(self, piece: bytes) -> int:
        """Parts left after tiktoken's heap-form merge of ``piece`` (100 bytes or more)."""
        rank = self._rank
        n = len(piece)
        end = list(range(1, n + 1))  # end of the part starting at i
        next_end = list(range(2, n + 2))  # end of the part after it
        prev = [-1, *range(n - 1)]  # start of the part before
        next_rank = [NO_RANK] * n  # rank of the merge of part i with the next
        heap = []
        for i in range(n - 1):
            r = rank(piece[i : i + 2])
            if r != NO_RANK:
                heap.append((r, i))
                next_rank[i] = r
        heapq.heapify(heap)

        def potential(start: int, stop: int) -> None:
            next_end[start] = stop
            next_rank[start] = NO_RANK
            if stop <= n:
                r = rank(piece[start:stop])
                if r != NO_RANK:
                    heapq.heappush(heap, (r, start))
                    next_rank[start] = r

        while heap:
            r, left = heapq.heappop(heap)
            if r != next_rank[left]:
                continue  # a merge that has since changed
            right = end[left]
            right_end = next_end[left]
            end[left] = right_end
            potential(left, next_end[right])
            if right_end < n:
                prev[right_end] = left
            if left > 0:
                potential(prev[left], right_end)
            next_rank[right] = NO_RANK
        parts = 0
        i = 0
        while i < n:
            parts += 1
            i = end[i]
        return parts
