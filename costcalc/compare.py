"""The `estimate` job: count once per encoding, price every chosen model, filter and rank.

inputs -> tokens -> catalog -> estimate -> (this) -> report.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from costcalc.catalog import lifecycle
from costcalc.catalog.entry import ModelEntry
from costcalc.choices import CacheTTL, InputFormat, Per, ServiceTier, SortKey
from costcalc.counting import CountReport, InputCount, count_sources
from costcalc.errors import CostcalcError
from costcalc.estimate import Estimate, Request, Volume, estimate
from costcalc.inputs import resolve_sources, spool
from costcalc.tokens import Tokenizer, resolve


@dataclass(frozen=True)
class Query:
    """Everything `costcalc estimate` was asked, as plain data."""

    paths: tuple[str, ...] = ()
    fmt: InputFormat = InputFormat.AUTO
    image_size: tuple[int, int] | None = None  # assumed size of remote images
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
    service_tier: ServiceTier = ServiceTier.STANDARD
    cache_ttl: CacheTTL = CacheTTL.FIVE_MINUTES
    at: dt.datetime | None = None  # when the calls are made (UTC); None: now


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
    worst_case: Estimate | None = None  # at the request's own max output tokens
    counted: InputCount | None = None  # the input's count, for a single request
    lifecycle: str = ""  # "shut down DATE" / "shuts down DATE" (within 90 days), else ""

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
    lifecycle: str | None = None  # one warning line: models past or near their shutdown

    @property
    def breached(self) -> bool:
        """No model meets every limit asked (filters or rate limits)."""
        return not self.rows or all(r.limits.over for r in self.rows)


def _is_text(query: Query) -> bool:
    return query.fmt is InputFormat.TEXT


def _count_key(entry: ModelEntry, query: Query) -> str:
    """Text is counted once per encoding; requests once per model (its billing rules)."""
    return entry.tokenizer.encoding if _is_text(query) else entry.key


def count_for(query: Query, entries, progress=None) -> dict[str, CountReport]:
    """One count per tokenizer (text) or per model (requests), keyed by :func:`count_key`."""
    return _count(query, entries, progress)


def count_key(entry: ModelEntry, query: Query) -> str:
    return _count_key(entry, query)


def _count(query: Query, entries, progress, picker=None) -> dict[str, CountReport]:
    """One count per encoding (text) or per model (requests).

    A pipe (stdin, ``<(...)``, a FIFO) can be read once only; when several
    counts need it, it is copied once to a temporary file (checked for binary
    data first, size capped) and the copy is read again.
    ``picker`` (body-model mode): one count, each request on its own model.
    """
    from costcalc.request.rules import Picker

    jobs: dict[str, ModelEntry | None] = {}
    for entry in entries:
        jobs.setdefault(_count_key(entry, query), entry)
    if picker is not None:
        jobs = {"": None}
    found = resolve_sources(query.paths, query.glob)
    if sum(1 for s in found.sources if s.is_stdin) > 1:
        raise CostcalcError("stdin ('-') can be read only once")
    reports: dict[str, CountReport] = {}
    with tempfile.TemporaryDirectory(prefix="costcalc-") as tmp:
        sources = list(found.sources)
        if len(jobs) > 1:
            sources = [s if s.regular and not s.is_stdin else spool(s, tmp) for s in sources]
        for key in sorted(jobs):
            entry = jobs[key]
            tok = entry.tokenizer if entry is not None else Tokenizer("o200k_base")
            pick = picker
            if pick is None and entry is not None:
                pick = Picker(tok, forced=entry, image_size=query.image_size)
            reports[key] = count_sources(
                sources,
                Tokenizer(tok.encoding) if _is_text(query) else tok,
                query.fmt,
                skipped=found.skipped,
                progress=progress,
                pick=pick,
            )
            if pick is not None:
                reports[key] = dataclasses.replace(
                    reports[key], warnings=reports[key].warnings + tuple(pick.notes)
                )
            notices = [
                n
                for e in entries
                if _count_key(e, query) == key and (n := resolve(e.tokenizer).notice)
            ]
            if notices:
                shown = tuple(dict.fromkeys((*reports[key].warnings, *notices)))
                reports[key] = dataclasses.replace(reports[key], warnings=shown)
    return reports


def _requests(
    query: Query, entry: ModelEntry, reports
) -> list[tuple[str | None, Request, InputCount | None]]:
    base = dict(
        output_tokens=query.output_tokens,
        reasoning_tokens=query.reasoning_tokens,
        cached_fraction=query.cached_fraction,
        cache_write_fraction=query.cache_write_fraction,
        batch=query.batch,
        service_tier=query.service_tier,
        cache_ttl=query.cache_ttl,
        at=query.at,
    )
    if query.input_tokens is not None:
        return [(None, Request(input_tokens=query.input_tokens, exact_tokens=True, **base), None)]
    tok = entry.tokenizer
    if "" in reports:  # body-model mode: this entry's own requests
        counts = [c for c in reports[""].inputs if c.model == entry.key]
    else:
        counts = list(reports[_count_key(entry, query)].inputs)

    def tokens(c: InputCount) -> int:
        return tok.scale(c.encoding_tokens) + c.fixed_tokens

    per_input = query.per_input or ("" in reports and len(reports[""].inputs) > 1)
    per_input = per_input or any(c.line is not None or c.label is not None for c in counts)
    if per_input:
        return [
            (
                c.where,
                Request(input_tokens=tokens(c), exact_tokens=tok.exact and c.exact, **base),
                c,
            )
            for c in counts
        ]
    exact = tok.exact and all(c.exact for c in counts)
    total = tok.scale(sum(c.encoding_tokens for c in counts)) + sum(c.fixed_tokens for c in counts)
    one = counts[0] if len(counts) == 1 else None
    return [(None, Request(input_tokens=total, exact_tokens=exact, **base), one)]


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


def compare(entries: Sequence[ModelEntry], query: Query, progress=None, catalog=None) -> Comparison:
    """Price ``query`` on every entry; filter by the limits asked; rank.

    With no entry chosen and a ``catalog``, each request body's own ``model``
    picks its entry.
    """
    if query.calls is not None and query.calls <= 0:
        raise CostcalcError(f"--calls must be a whole number > 0, got {query.calls}")
    volume = Volume(query.calls, query.per) if query.calls is not None else None
    reports = {}
    if not entries:
        if catalog is None or query.input_tokens is not None or not _may_be_requests(query):
            raise CostcalcError(
                "no model chosen: give -m MODEL (repeatable), --provider P or --all"
            )
        entries, reports = _by_body(query, catalog, progress)
    elif query.input_tokens is None:
        reports = _count(query, entries, progress)
    rows: list[Row] = []
    dropped: list[str] = []
    for entry in entries:
        for label, request, counted in _requests(query, entry, reports):
            est = estimate(entry, request, volume)
            why = _filtered(est, query)
            if why:
                dropped.append(f"{entry.key}{' ' + label if label else ''}: {why}")
                continue
            worst = None
            if counted is not None and counted.max_output_tokens is not None:
                at_most = dataclasses.replace(request, output_tokens=counted.max_output_tokens)
                worst = estimate(entry, at_most, volume)
            mark = lifecycle.mark(entry, _day(query))
            limits = _limits(est, query)
            rows.append(Row(est, label, limits, entry.deprecated, worst, counted, mark))
    rows.sort(key=_sort_key(query))
    return Comparison(
        rows=tuple(rows),
        dropped=tuple(dropped),
        cheapest=_best(rows, lambda r: r.estimate.cost.total),
        fastest=_best(rows, lambda r: r.estimate.latency.total),
        counts=tuple(reports.values()),
        query=query,
        lifecycle=lifecycle.summary(
            [e for e in entries if e.key in {r.estimate.key for r in rows}], _day(query)
        ),
    )


def _may_be_requests(query: Query) -> bool:
    """Whether any input can be a request body (which may name its model)."""
    import os

    from costcalc.counting import request_format

    if _is_text(query):
        return False
    if query.fmt is not InputFormat.AUTO:
        return True
    return any(
        os.path.isdir(p) or request_format(query.fmt, p) is not InputFormat.TEXT
        for p in query.paths
    )


def _by_body(query: Query, catalog, progress):
    """Entries named by the requests' own ``model`` keys, and the one count that found them."""
    from costcalc.request.rules import Picker

    picker = Picker(
        Tokenizer("o200k_base"), resolve=catalog.resolve, image_size=query.image_size, strict=True
    )
    reports = _count(query, [], progress, picker)
    missing = [c for c in reports[""].inputs if c.model is None]
    if any(not c.request for c in missing):
        raise CostcalcError("no model chosen: give -m MODEL (repeatable), --provider P or --all")
    if missing:
        raise CostcalcError(
            f"{missing[0].where}: the request names no model: give -m MODEL "
            "(repeatable), --provider P or --all"
        )
    keys = dict.fromkeys(c.model for c in reports[""].inputs)
    return [catalog.resolve(k) for k in keys], reports


@dataclass(frozen=True)
class Choice:
    entries: list[ModelEntry]
    left_out: list[ModelEntry]  # past their shutdown date, left out of --all / --provider


def choose_models(
    catalog,
    models: Sequence[str],
    provider: str | Sequence[str] | None,
    all_models: bool,
    *,
    include_deprecated: bool = False,
    today: dt.date | None = None,
) -> Choice:
    """The entries asked for by -m (each), --provider (each) and --all, once each, in order.

    --all and --provider leave out models past their shutdown date unless
    ``include_deprecated``; a model named with -m is always kept.
    """
    providers = [provider] if isinstance(provider, str) else list(provider or ())
    entries: list[ModelEntry] = []
    if all_models and not providers:
        entries = catalog.entries()
    for name in providers:
        found = catalog.entries(provider=name)
        if not found:
            known = ", ".join(catalog.providers())
            raise CostcalcError(f"no models for provider {name!r}; known providers: {known}")
        entries += found
    left_out: list[ModelEntry] = []
    if not include_deprecated:
        entries, left_out = lifecycle.split(entries, today)
    entries += [catalog.resolve(m) for m in models]
    named = {e.key for e in entries}
    unique = list({e.key: e for e in entries}.values())
    return Choice(unique, [e for e in left_out if e.key not in named])


def choose(
    catalog, models: Sequence[str], provider: str | Sequence[str] | None, all_models: bool
) -> list[ModelEntry]:
    """The entries asked for, retired models included (see :func:`choose_models`)."""
    return choose_models(catalog, models, provider, all_models, include_deprecated=True).entries


def _filtered(est: Estimate, query: Query) -> str | None:
    if query.max_cost is not None and est.cost.total > query.max_cost:
        return f"costs ${est.cost.total} per call, over --max-cost {query.max_cost}"
    if query.max_latency is not None:
        if est.latency.total is None:
            return "latency unknown (no throughput in the table), so --max-latency cannot be met"
        if est.latency.total > query.max_latency:
            return f"takes {est.latency.total:.2f} s, over --max-latency {query.max_latency:g}"
    return None


def _day(query: Query) -> dt.date:
    """The day the calls are made: --at's, else today (UTC)."""
    return (query.at or dt.datetime.now(dt.timezone.utc)).date()


def _best(rows: list[Row], metric) -> str | None:
    """The model best on ``metric`` (first input in per-input mode); None when unknown.

    A model with an announced shutdown is never the one to pick.
    """
    if len({r.estimate.key for r in rows}) < 2:
        return None
    first = rows[0].input
    known = [
        (metric(r), r.estimate.key)
        for r in rows
        if r.input == first and metric(r) is not None and r.deprecated is None
    ]
    if not known:
        return None
    known.sort()
    return known[0][1]
