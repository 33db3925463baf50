"""The `estimate` job: count once per encoding, price every chosen model, filter and rank.

inputs -> tokens -> catalog -> estimate -> (this) -> report.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from costcalc.catalog.entry import ModelEntry
from costcalc.choices import InputFormat, Per, SortKey
from costcalc.counting import CountReport, count_inputs
from costcalc.errors import CostcalcError
from costcalc.estimate import Estimate, Request, Volume, estimate
from costcalc.inputs import STDIN, resolve_sources
from costcalc.tokens import Tokenizer


@dataclass(frozen=True)
class Query:
    """Everything `costcalc estimate` was asked, as plain data."""

    paths: tuple[str, ...] = ()
    fmt: InputFormat = InputFormat.TEXT
    glob: str | None = None
    input_tokens: int | None = None  # skips counting
    output_tokens: int = 0
    reasoning_tokens: int = 0
    cached_fraction: Decimal = Decimal(0)
    cache_write_fraction: Decimal = Decimal(0)
    batch: bool = False
    calls: int | None = None
    per: Per = Per.MONTH
    per_input: bool = False
    sort: SortKey = SortKey.COST
    max_latency: float | None = None
    max_cost: Decimal | None = None
    tpm_limit: int | None = None
    rpm_limit: int | None = None


@dataclass(frozen=True)
class Limits:
    """Share of a rate limit the volume uses (1.0 = all of it)."""

    tpm_share: float | None = None
    rpm_share: float | None = None

    @property
    def over(self) -> bool:
        return any(s is not None and s > 1 for s in (self.tpm_share, self.rpm_share))


@dataclass(frozen=True)
class Row:
    estimate: Estimate
    input: str | None  # the input's label in per-input mode
    limits: Limits
    deprecated: str | None = None  # the provider's shutdown date, when announced

    @property
    def retired(self) -> bool:
        """The shutdown date has come (ISO dates compare as text; YYYY-MM is its 1st)."""
        return self.deprecated is not None and self.deprecated <= dt.date.today().isoformat()


@dataclass(frozen=True)
class Comparison:
    rows: tuple[Row, ...]
    dropped: tuple[str, ...]  # why models were filtered out, one line each
    cheapest: str | None  # provider/id
    fastest: str | None
    counts: tuple[CountReport, ...]
    query: Query

    @property
    def breached(self) -> bool:
        """No model meets every limit asked (filters or rate limits)."""
        return not self.rows or all(r.limits.over for r in self.rows)


def _count(query: Query, encodings: set[str], progress) -> dict[str, CountReport]:
    """One count per encoding: models that share one share its counts.

    Stdin can be read once only; when several encodings need it, it is kept in
    a spooled temporary file (memory up to 64 MiB, then disk) and re-read.
    """
    reports: dict[str, CountReport] = {}
    paths = list(query.paths)
    with contextlib.ExitStack() as stack:
        spool = None
        if len(encodings) > 1 and (not paths or STDIN in paths):
            resolve_sources(paths)  # a terminal on stdin is an error before anything is read
            spool = stack.enter_context(tempfile.SpooledTemporaryFile(max_size=64 << 20))
            shutil.copyfileobj(sys.stdin.buffer, spool)
        for encoding in sorted(encodings):
            if spool is not None:
                spool.seek(0)
            reports[encoding] = count_inputs(
                paths,
                Tokenizer(encoding),
                query.fmt,
                glob=query.glob,
                progress=progress,
                stdin=spool,
                stdin_is_tty=False if spool is not None else None,
            )
    return reports


def _requests(query: Query, entry: ModelEntry, reports) -> list[tuple[str | None, Request]]:
    base = dict(
        output_tokens=query.output_tokens,
        reasoning_tokens=query.reasoning_tokens,
        cached_fraction=query.cached_fraction,
        cache_write_fraction=query.cache_write_fraction,
        batch=query.batch,
    )
    if query.input_tokens is not None:
        return [(None, Request(input_tokens=query.input_tokens, exact_tokens=True, **base))]
    tok = entry.tokenizer
    report = reports[tok.encoding]
    per_input = query.per_input or query.fmt is InputFormat.JSONL
    if per_input:
        return [
            (
                f"{c.path}:{c.line}" if c.line is not None else c.path,
                Request(input_tokens=tok.scale(c.encoding_tokens), exact_tokens=tok.exact, **base),
            )
            for c in report.inputs
        ]
    raw = sum(c.encoding_tokens for c in report.inputs)
    return [(None, Request(input_tokens=tok.scale(raw), exact_tokens=tok.exact, **base))]


def _limits(est: Estimate, query: Query) -> Limits:
    vol = est.volume
    if vol is None:
        return Limits()
    tpm = float(vol.tokens_per_minute / query.tpm_limit) if query.tpm_limit else None
    rpm = float(vol.requests_per_minute / query.rpm_limit) if query.rpm_limit else None
    return Limits(tpm, rpm)


def _sort_key(query: Query):
    def key(row: Row):
        est = row.estimate
        latency = est.latency.total
        by_latency = (latency is None, latency or 0.0)
        by_cost = (est.cost.total,)
        first, second = (
            (by_cost, by_latency) if query.sort is SortKey.COST else (by_latency, by_cost)
        )
        return (row.input or "", *first, *second, est.key)

    return key


def compare(entries: Sequence[ModelEntry], query: Query, progress=None) -> Comparison:
    """Price ``query`` on every entry; filter by the limits asked; rank."""
    if not entries:
        raise CostcalcError("no model chosen: give -m MODEL (repeatable), --provider P or --all")
    if query.calls is not None and query.calls <= 0:
        raise CostcalcError(f"--calls must be a whole number > 0, got {query.calls}")
    volume = Volume(query.calls, query.per) if query.calls is not None else None
    reports = {}
    if query.input_tokens is None:
        reports = _count(query, {e.tokenizer.encoding for e in entries}, progress)
    rows: list[Row] = []
    dropped: list[str] = []
    for entry in entries:
        for label, request in _requests(query, entry, reports):
            est = estimate(entry, request, volume)
            why = _filtered(est, query)
            if why:
                dropped.append(f"{entry.key}{' ' + label if label else ''}: {why}")
                continue
            rows.append(Row(est, label, _limits(est, query), entry.deprecated))
    rows.sort(key=_sort_key(query))
    return Comparison(
        rows=tuple(rows),
        dropped=tuple(dropped),
        cheapest=_best(rows, lambda r: r.estimate.cost.total),
        fastest=_best(rows, lambda r: r.estimate.latency.total),
        counts=tuple(reports.values()),
        query=query,
    )


def choose(
    catalog, models: Sequence[str], provider: str | None, all_models: bool
) -> list[ModelEntry]:
    """The entries asked for by -m (each), --provider and --all, once each, in that order."""
    entries: list[ModelEntry] = []
    if all_models or provider:
        entries = catalog.entries(provider=provider)
        if provider and not entries:
            known = ", ".join(catalog.providers())
            raise CostcalcError(f"no models for provider {provider!r}; known providers: {known}")
    entries += [catalog.resolve(m) for m in models]
    return list({e.key: e for e in entries}.values())


def _filtered(est: Estimate, query: Query) -> str | None:
    if query.max_cost is not None and est.cost.total > query.max_cost:
        return f"costs ${est.cost.total} per call, over --max-cost {query.max_cost}"
    if query.max_latency is not None:
        if est.latency.total is None:
            return "latency unknown (no throughput in the table), so --max-latency cannot be met"
        if est.latency.total > query.max_latency:
            return f"takes {est.latency.total:.2f} s, over --max-latency {query.max_latency:g}"
    return None


def _best(rows: list[Row], metric) -> str | None:
    """The model best on ``metric`` (first input in per-input mode); None when unknown."""
    if len({r.estimate.key for r in rows}) < 2:
        return None
    first = rows[0].input
    known = [
        (metric(r), r.estimate.key) for r in rows if r.input == first and metric(r) is not None
    ]
    if not known:
        return None
    known.sort()
    return known[0][1]
