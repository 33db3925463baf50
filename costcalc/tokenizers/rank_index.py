"""A compact, verified index of BPE ranks: look a token up without building a 200k-entry dict.

Counting a short prompt spends almost all its time building tiktoken's
encoder (a dict of every token, then its Rust tables). The small-input
counter (:mod:`costcalc.tokenizers.small_bpe`) needs only the ranks of the
few hundred byte strings a prompt actually touches, so it reads them from
this index instead: one file read, no per-token Python object.

The file (native little-endian ``uint32`` arrays after a header)::

    MAGIC  n_tokens  n_slots
    offsets[n_tokens + 1]   token r is data[offsets[r]:offsets[r + 1]]
    slots[n_slots]          open addressing on zlib.crc32(token), linear
                            probing; 0 is empty, else rank + 1
    the tokens' bytes, in rank order

The bytes are a deterministic function of the tokens, so their sha256 is
recorded in the tokenizer table (``index_sha256``) like the rank cache's:
an index is used only if its bytes have that digest, checked before
anything in it is read; anything else is ignored and rebuilt from the
hash-checked source, and written atomically (see :mod:`rank_cache`).
"""

from __future__ import annotations

import hashlib
import struct
import sys
import zlib
from array import array
from pathlib import Path

from costcalc.tokenizers import rank_cache
from costcalc.tokenizers.base import TokenizerSpec

MAGIC = b"costcalc-bpe-index-1\n"
HEADER = struct.Struct("<II")
LITTLE = sys.byteorder == "little" and array("I").itemsize == 4


class RankIndex:
    """``rank(token_bytes)`` -> the token's rank, or None if it is not a token."""

    __slots__ = ("_data", "_offsets", "_slots", "_mask", "n_tokens")

    def __init__(self, data: bytes) -> None:
        if not data.startswith(MAGIC) or not LITTLE:
            raise ValueError("not a rank index")
        pos = len(MAGIC)
        n, n_slots = HEADER.unpack_from(data, pos)
        pos += HEADER.size
        view = memoryview(data)
        end_offsets = pos + 4 * (n + 1)
        end_slots = end_offsets + 4 * n_slots
        if n_slots & (n_slots - 1) or end_slots > len(data):
            raise ValueError("not a rank index")
        self._data = data
        self._offsets = view[pos:end_offsets].cast("I")
        self._slots = view[end_offsets:end_slots].cast("I")
        self._mask = n_slots - 1
        self.n_tokens = n

    def rank(self, token: bytes) -> int | None:
        data, offsets, slots, mask = self._data, self._offsets, self._slots, self._mask
        h = zlib.crc32(token) & mask
        while True:
            r = slots[h]
            if not r:
                return None
            r -= 1
            if data[offsets[r] : offsets[r + 1]] == token:
                return r
            h = (h + 1) & mask


def build(tokens: tuple[bytes, ...]) -> bytes:
    """The index bytes of ``tokens`` (in rank order): the same bytes every time.

    Raises ValueError if a token repeats (no table file does; the encoder
    refuses such a file too).
    """
    n = len(tokens)
    n_slots = 1 << max(1, (2 * n - 1).bit_length())  # load factor <= 1/2
    mask = n_slots - 1
    head = len(MAGIC) + HEADER.size
    base = head + 4 * (n + 1) + 4 * n_slots
    offsets = array("I", [0]) * (n + 1)
    slots = array("I", [0]) * n_slots
    pos = base
    blob = b"".join(tokens)
    crc32 = zlib.crc32
    for r, tok in enumerate(tokens):
        offsets[r] = pos
        pos += len(tok)
        h = crc32(tok) & mask
        while slots[h]:
            if tokens[slots[h] - 1] == tok:
                raise ValueError("a token repeats")
            h = (h + 1) & mask
        slots[h] = r + 1
    offsets[n] = pos
    if not LITTLE:  # pragma: no cover - big-endian machines get the same bytes
        offsets.byteswap()
        slots.byteswap()
    return MAGIC + HEADER.pack(n, n_slots) + offsets.tobytes() + slots.tobytes() + blob


def digest(tokens: tuple[bytes, ...]) -> str:
    return hashlib.sha256(build(tokens)).hexdigest()


def path_for(spec: TokenizerSpec, source_sha256: str) -> Path | None:
    root = rank_cache.cache_dir()
    if root is None or not spec.index_sha256:
        return None
    return root / f"{spec.name}-{source_sha256[:16]}.index"


def load(spec: TokenizerSpec, source_sha256: str) -> RankIndex | None:
    """The index if its bytes are exactly what the table expects, else None."""
    data = rank_cache.read_verified(path_for(spec, source_sha256), spec.index_sha256)
    if data is None:
        return None
    try:
        return RankIndex(data)
    except ValueError:
        return None


def create(spec: TokenizerSpec, source_sha256: str, tokens: tuple[bytes, ...]) -> RankIndex | None:
    """Build the index of ``tokens``, keep it (best effort, atomic) and return it.

    None if the tokens' index is not the one the table expects (then it is
    neither kept nor used).
    """
    if not spec.index_sha256:
        return None
    try:
        data = build(tokens)
    except ValueError:
        return None
    if hashlib.sha256(data).hexdigest() != spec.index_sha256:
        return None
    path = path_for(spec, source_sha256)
    if path is not None:
        rank_cache.write_atomic(path, data)
    return RankIndex(data)
