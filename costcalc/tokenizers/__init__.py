"""Tokenizers as data: the table of known tokenizers, their files, and how to count with them.

The table (``known.json`` beside this file) lists every tokenizer costcalc
knows: a backend, and for real tokenizers a file inside an installed package
with its sha256 and the package version that ships it; or, for tokenizers
nobody publishes, a stand-in and a ratio with its source. Adding a tokenizer
is an entry in that table. The OpenAI encodings ship inside costcalc; every
other file is read from the user's own install (the ``tokenizers`` extra),
never downloaded and never bundled.

:func:`plan` decides how a tokenizer is counted here and now: exactly, with
its own file; reconstructed (ctok, for Claude, when installed); or
approximately, as the stand-in's count times the ratio, with a one-line
notice saying why and how to get exact counts.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import importlib.util
import json
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources

from costcalc.errors import EncodingError
from costcalc.tokenizers.base import (
    Counter,
    Cuts,
    Kind,
    PackageFile,
    TokenizerSpec,
    TokenizerUnavailable,
    scale,
)

__all__ = [
    "Counter",
    "Cuts",
    "Kind",
    "PackageFile",
    "Plan",
    "TokenizerSpec",
    "TokenizerUnavailable",
    "counter",
    "get",
    "as_dict",
    "names",
    "plan",
    "short",
    "stand_in",
    "tokenizer",
    "table",
]

BUNDLED_PACKAGE = "costcalc.encodings"
EXTRA_HINT = "pip install 'costcalc[tokenizers]'"
BACKENDS = {
    "tiktoken": "costcalc.tokenizers.tiktoken_ranks",
    "tekken": "costcalc.tokenizers.tiktoken_ranks",
    "hf_json": "costcalc.tokenizers.hf_json",
    "sentencepiece": "costcalc.tokenizers.sentencepiece",
    "ctok": "costcalc.tokenizers.ctok",
}


def _spec_of(name: str, d: dict) -> TokenizerSpec:
    f = d.get("file")
    return TokenizerSpec(
        name=name,
        backend=d["backend"],
        label=d.get("label", name),
        file=PackageFile(**f) if f else None,
        pattern=d.get("pattern"),
        special_tokens=tuple((k, v) for k, v in d.get("special_tokens", {}).items()),
        normalize=d.get("normalize"),
        cuts=Cuts(d.get("cuts", "none")),
        cache_sha256=d.get("cache_sha256"),
        index_sha256=d.get("index_sha256"),
        stand_in=d.get("stand_in", "o200k_base"),
        ratio=Decimal(d.get("ratio", "1")),
        ratio_source=d.get("ratio_source"),
        reconstruct=d.get("reconstruct"),
        variant=d.get("variant"),
    )


@functools.cache
def table() -> dict[str, TokenizerSpec]:
    """Every known tokenizer by name, from ``known.json``."""
    raw = json.loads(resources.files(__package__).joinpath("known.json").read_bytes())
    return {name: _spec_of(name, d) for name, d in raw["tokenizers"].items()}


def names() -> list[str]:
    return sorted(table())


def get(name: str) -> TokenizerSpec:
    try:
        return table()[name]
    except KeyError:
        raise EncodingError(
            f"unknown tokenizer {name!r}; known tokenizers: {', '.join(names())}"
        ) from None


def _installed_version(distribution: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def read_file(spec: TokenizerSpec) -> bytes:
    """The spec's file, checked against its sha256.

    A bundled file that does not match is a broken install (an error); a file
    from another package that is missing or differs makes the tokenizer
    unavailable, with a reason naming the package and the version expected.
    """
    f = spec.file
    if f is None:
        return b""
    if f.package == BUNDLED_PACKAGE:
        data = resources.files(BUNDLED_PACKAGE).joinpath(f.path).read_bytes()
        got = hashlib.sha256(data).hexdigest()
        if got != f.sha256:
            raise EncodingError(
                f"the bundled {spec.name} file is corrupt (sha256 {got[:12]}..., "
                f"expected {f.sha256[:12]}...); reinstall costcalc"
            )
        return data
    want = f"{f.distribution} {f.version}"
    found = importlib.util.find_spec(f.package.split(".")[0])
    if found is None or not found.submodule_search_locations:
        raise TokenizerUnavailable(f"{f.distribution} is not installed (expected {want})")
    from pathlib import Path

    base = Path(next(iter(found.submodule_search_locations)))
    path = base.joinpath(*f.package.split(".")[1:], *f.path.split("/"))
    try:
        data = path.read_bytes()
    except OSError:
        have = _installed_version(f.distribution) or "(unknown version)"
        raise TokenizerUnavailable(
            f"{f.distribution} {have} is installed without {f.package}/{f.path} (expected {want})"
        ) from None
    if hashlib.sha256(data).hexdigest() != f.sha256:
        have = _installed_version(f.distribution) or "(unknown version)"
        raise TokenizerUnavailable(
            f"{f.distribution} {have} has a different {f.package}/{f.path} than the one "
            f"costcalc knows (expected {want})"
        )
    return data


NO_RATIO = "no published ratio for this model's tokenizer; the stand-in's count is used as is"


def stand_in(encoding: str, ratio: Decimal, ratio_source: str | None) -> TokenizerSpec:
    """A tokenizer known only as ``encoding``'s count times ``ratio`` (approximate)."""
    return TokenizerSpec(
        name=f"{encoding} x {ratio}",
        backend="ratio",
        label=f"{encoding} x {ratio}",
        stand_in=encoding,
        ratio=ratio,
        ratio_source=ratio_source or NO_RATIO,
    )


def tokenizer(
    name: str, exact: bool = True, ratio: Decimal = Decimal(1), ratio_source: str | None = None
) -> TokenizerSpec:
    """The table's ``name`` (exact), or ``name``'s count times ``ratio`` (approximate)."""
    return get(name) if exact else stand_in(name, ratio, ratio_source)


def short(spec: TokenizerSpec) -> str:
    """A tokenizer in a few characters, for tables: ``llama3``, ``claude-3 ~x1.16``."""
    if spec.backend == "ratio":
        base = spec.name if spec.name in table() else spec.stand_in
        return f"{base} ~x{spec.ratio}"
    return spec.name


def as_dict(spec: TokenizerSpec) -> dict:
    """The stable JSON shape of a model's tokenizer (no file is read)."""
    own = spec.backend != "ratio"
    return {
        "name": spec.name,
        "label": spec.label,
        "backend": spec.backend,
        "encoding": spec.name if own else spec.stand_in,
        "exact": own,
        "ratio": spec.ratio if not own else 1,
        "ratio_source": spec.ratio_source if not own else None,
        "fallback": None
        if not own
        else {"encoding": spec.stand_in, "ratio": spec.ratio, "ratio_source": spec.ratio_source},
        "package": None
        if spec.file is None
        else {
            "distribution": spec.file.distribution,
            "path": f"{spec.file.package}/{spec.file.path}",
            "sha256": spec.file.sha256,
            "version": spec.file.version,
            "licence": spec.file.licence,
        },
        "reconstruct": spec.reconstruct,
    }


@functools.cache
def counter(spec: TokenizerSpec) -> Counter:
    """An exact counter for ``spec``; TokenizerUnavailable if it cannot be built here."""
    module = BACKENDS.get(spec.backend)
    if module is None:
        raise TokenizerUnavailable(f"{spec.name} has no tokenizer of its own ({spec.backend})")
    data = read_file(spec) if spec.needs_file else b""
    return importlib.import_module(module).load(spec, data)


@dataclass(frozen=True)
class Plan:
    """How one model tokenizer is counted here: which tokenizer runs, and what its count means."""

    spec: TokenizerSpec  # the model's tokenizer
    runs: TokenizerSpec  # the tokenizer that actually counts
    kind: Kind
    ratio: Decimal = Decimal(1)
    ratio_source: str | None = None
    notice: str | None = None  # why the count is not exact, and how to make it so

    @property
    def exact(self) -> bool:
        return self.kind is Kind.EXACT

    def scale(self, count: int) -> int:
        return scale(count, self.ratio)


def _approximate(spec: TokenizerSpec, notice: str | None) -> Plan:
    return Plan(spec, get(spec.stand_in), Kind.APPROXIMATE, spec.ratio, spec.ratio_source, notice)


@functools.cache
def plan(spec: TokenizerSpec) -> Plan:
    """Exact if the spec's own tokenizer can be built here, else reconstructed or approximate."""
    if spec.backend == "ratio":
        if spec.reconstruct:
            recon = get(spec.reconstruct)
            try:
                counter(recon)
            except TokenizerUnavailable:
                pass
            else:
                return Plan(spec, recon, Kind.RECONSTRUCTED, Decimal(1), recon.ratio_source)
        return _approximate(spec, None)
    try:
        counter(spec)
    except TokenizerUnavailable as err:
        notice = (
            f"{spec.label or spec.name} counts are approximate ({spec.stand_in} x {spec.ratio}, "
            f"~): {err.reason}; for exact counts: {EXTRA_HINT}"
        )
        return _approximate(spec, notice)
    return Plan(spec, spec, Kind.EXACT)
