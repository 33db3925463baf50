"""What counting a request produces: tokens, and the parts that were not exact."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Note:
    """A part of a request (by key path) that was estimated or not priced, and why."""

    path: str
    reason: str


@dataclass(frozen=True)
class RequestCount:
    """``text_tokens`` are in the stand-in encoding (the tokenizer's ratio applies to them);
    ``fixed_tokens`` are the model's own tokens from published rules (media, overheads)."""

    text_tokens: int
    fixed_tokens: int
    approximate: tuple[Note, ...] = ()
    not_priced: tuple[Note, ...] = ()
    # (segment, text tokens, fixed tokens before it): where each part of the request
    # starts, in counting order, then ("end", totals); see costcalc.request.prefix
    marks: tuple[tuple[object, int, int], ...] = ()

    @property
    def exact(self) -> bool:
        return not self.approximate and not self.not_priced


class Tally:
    """Accumulates one request's count."""

    def __init__(self, encode_len: Callable[[str], int]) -> None:
        self.encode_len = encode_len
        self.text = 0
        self.fixed = 0
        self.approximate: list[Note] = []
        self.not_priced: list[Note] = []
        self.marks: list[tuple[object, int, int]] = []

    def mark(self, segment: object) -> None:
        """The request's ``segment`` (a message, a tool ...) is counted from here on."""
        self.marks.append((segment, self.text, self.fixed))

    def add_text(self, text: str) -> int:
        n = self.encode_len(text) if text else 0
        self.text += n
        return n

    def add_json(self, value: object, path: str, reason: str) -> None:
        """Count ``value`` as its compact JSON text, marked approximate."""
        self.add_text(json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str))
        self.approx(path, reason)

    def approx(self, path: str, reason: str) -> None:
        self.approximate.append(Note(path, reason))

    def unpriced(self, path: str, reason: str) -> None:
        self.not_priced.append(Note(path, reason))

    def result(self) -> RequestCount:
        marks = (*self.marks, ("end", self.text, self.fixed)) if self.marks else ()
        return RequestCount(
            self.text, self.fixed, tuple(self.approximate), tuple(self.not_priced), marks
        )
