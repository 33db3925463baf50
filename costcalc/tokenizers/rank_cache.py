"""A cache of parsed BPE ranks, trusted only when it matches the table's digest.

Parsing a rank file (base64, 100k-200k lines) is most of a small count's time,
so the parsed tokens are kept in ``~/.cache/costcalc``. The cache file is the
pickle of the tokens in rank order; its bytes are deterministic, so their
sha256 is recorded in the tokenizer table (``cache_sha256``) next to the
source file's. A cache is used only if its bytes have that digest, checked
before anything is parsed; anything else (a flipped bit, a file of the right
shape with other values, garbage, a file too large) is ignored and rebuilt
from the hash-checked source, and written atomically. Unpickling uses no
globals at all, so even a file that passed could only ever yield bytes.
A spec without ``cache_sha256`` is never cached. ``COSTCALC_CACHE_DIR=""``
turns the cache off.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import pickle
import tempfile
from pathlib import Path

from costcalc.tokenizers.base import TokenizerSpec

MAX_BYTES = 64 << 20
PROTOCOL = 5


def cache_dir() -> Path | None:
    root = os.environ.get("COSTCALC_CACHE_DIR")
    if root == "":
        return None
    if root is None:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        root = os.path.join(base, "costcalc")
    return Path(root)


def path_for(spec: TokenizerSpec, source_sha256: str) -> Path | None:
    root = cache_dir()
    if root is None or not spec.cache_sha256:
        return None
    return root / f"{spec.name}-{source_sha256[:16]}.ranks"


def dump(tokens: tuple[bytes, ...]) -> bytes:
    """The cache's bytes for ``tokens``: the same bytes for the same tokens, every time."""
    return pickle.dumps(tuple(tokens), protocol=PROTOCOL)


def digest(tokens: tuple[bytes, ...]) -> str:
    return hashlib.sha256(dump(tokens)).hexdigest()


class _NoGlobals(pickle.Unpickler):
    def find_class(self, module, name):
        raise pickle.UnpicklingError("the rank cache holds only bytes")


def load(spec: TokenizerSpec, source_sha256: str) -> tuple[bytes, ...] | None:
    """The cached tokens if the cache is exactly what the table expects, else None."""
    path = path_for(spec, source_sha256)
    blob = read_verified(path, spec.cache_sha256)
    if blob is None:
        return None
    try:
        tokens = _NoGlobals(io.BytesIO(blob)).load()
    except Exception:  # noqa: BLE001 - a verified cache should never fail; if it does, rebuild
        return None
    return tokens if isinstance(tokens, tuple) else None


def read_verified(path: Path | None, sha256: str | None) -> bytes | None:
    """The bytes of ``path`` if they have exactly this sha256 (and fit), else None."""
    if path is None or not sha256:
        return None
    try:
        with open(path, "rb") as fh:
            blob = fh.read(MAX_BYTES + 1)
    except OSError:
        return None
    if len(blob) > MAX_BYTES or hashlib.sha256(blob).hexdigest() != sha256:
        return None
    return blob


def store(spec: TokenizerSpec, source_sha256: str, tokens: tuple[bytes, ...]) -> None:
    """Best effort, atomic: a read-only home or a full disk only costs the speed-up."""
    path = path_for(spec, source_sha256)
    if path is None:
        return
    blob = dump(tokens)
    if hashlib.sha256(blob).hexdigest() != spec.cache_sha256:
        return  # the table expects other bytes (another pickle format?): not worth keeping
    write_atomic(path, blob)


def write_atomic(path: Path, blob: bytes) -> None:
    """Write ``blob`` to ``path`` whole or not at all; a failure only costs the speed-up."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(blob)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError:
        pass
