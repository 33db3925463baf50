"""The `estimate` job: count once per encoding (or model), price the unit of work on every
chosen model, filter and rank.

inputs -> tokens -> catalog -> estimate -> (this) -> report.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from costcalc.adhoc import with_adhoc
from costcalc.catalog import lifecycle
from costcalc.catalog.entry import ModelEntry
from costcalc.choices import InputFormat, SortKey, Unit
from costcalc.counting import CountReport, InputCount, count_inputs, count_sources
from costcalc.errors import CostcalcError, MissingPriceError
from costcalc.estimate import Estimate
from costcalc.inputs import TextReader, resolve_sources, spool
from costcalc.request.prefix import rescale
from costcalc.tokens import Tokenizer, resolve
from costcalc.unitcost import UnitEstimate, price_unit
from costcalc.workload import AdHocPrices, Call, Workload, planned_calls


@dataclass(frozen=True)
class Query:
    """Everything `costcalc estimate` was asked: the workload, and how to compare."""

    workload: Workload = Workload()
    sort: SortKey = SortKey.COST
    max_latency: float | None = None
    max_cost: Decimal | None = None
    tpm_limit: int | None = None
    rpm_limit: int | None = None
    per_call: bool | None = None  # a table row per call: always, never, None: when few


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
    """One model's price for the unit of work (``unit`` holds its calls)."""

    estimate: Estimate
    input: str | None  # rows are per model; per-call labels are on the unit's parts
    limits: Limits
    deprecated: str | None = None  # the provider's shutdown date, when announced
    worst_case: Estimate | None = None  # at the requests' own max output tokens
    counted: InputCount | None = None  # the input's count, for a single request
    unit: UnitEstimate | None = None
    # each call's cost at its request's max output tokens (the worst unit's calls,
    # kept as totals only: a 50,000-line file needs no second set of estimates)
    worst_calls: tuple[Decimal, ...] | None = None
    lifecycle: str = ""  # "shut down DATE" / "shuts down DATE" (within 90 days), else ""


@dataclass(frozen=True)
class Comparison:
    rows: tuple[Row, ...]
    dropped: tuple[str, ...]  # why models were filtered out, one line each
    cheapest: str | None  # provider/id, on the unit's totals
    fastest: str | None
    counts: tuple[CountReport, ...]
    query: Query
    notes: tuple[str, ...] = ()  # assumptions worth a line on stderr
    unit: Unit = Unit.CALL  # the unit priced (a JSONL or batch file makes a task)
    lifecycle: str | None = None  # one warning line: models past or near their shutdown

    @property
    def breached(self) -> bool:
        """No model meets every limit asked (filters or rate limits)."""
        return not self.rows or all(r.limits.over for r in self.rows)

    @property
    def multi_call(self) -> bool:
        """The unit is several calls (a task, a file, a conversation): rows have parts."""
        return self.unit is not Unit.CALL


def _is_text(wl: Workload) -> bool:
    return wl.fmt is InputFormat.TEXT


def _count_key(entry: ModelEntry, wl: Workload) -> str:
    """Text is counted once per encoding; requests once per way of billing them.

    Models that share an encoding, its exactness, the provider's billing method
    and the media rules count a request to the same tokens (each then scales
    them by its own ratio), so ``--all`` on a batch file reads it a dozen
    times, not once per model.
    """
    tok = entry.tokenizer
    if _is_text(wl):
        return tok.encoding
    from costcalc.request.rules import rules_for

    rules = rules_for(entry, wl.image_size)
    return f"{tok.encoding}|{tok.exact}|{rules.method}|{rules.borrowed}|{rules.media!r}"


def count_for(wl: Workload, entries, progress=None) -> dict[str, CountReport]:
    """One count per tokenizer (text) or per model (requests), keyed by :func:`count_key`."""
    return _count(wl, entries, progress)


def count_key(entry: ModelEntry, wl: Workload) -> str:
    return _count_key(entry, wl)


def _count(wl: Workload, entries, progress, picker=None) -> dict[str, CountReport]:
    """One count per encoding (text) or per model (requests).

    A pipe (stdin, ``<(...)``, a FIFO) can be read once only; when several
    counts need it, it is copied once to a temporary file (checked for binary
    data first, size capped) and the copy is read again.
    ``picker`` (body-model mode): one count, each request on its own model.
    """
    from costcalc.request.rules import Picker

    jobs: dict[str, ModelEntry | None] = {}
    sharing: dict[str, int] = {}  # key -> how many models its count serves
    keys: dict[str, str] = {}  # model -> its count's key
    for entry in entries:
        key = keys[entry.key] = _count_key(entry, wl)
        jobs.setdefault(key, entry)
        sharing[key] = sharing.get(key, 0) + 1
    if picker is not None:
        jobs = {"": None}
    found = resolve_sources(wl.paths, wl.glob)
    if sum(1 for s in found.sources if s.is_stdin) > 1:
        raise CostcalcError("stdin ('-') can be read only once")
    reports: dict[str, CountReport] = {}
    with tempfile.TemporaryDirectory(prefix="costcalc-") as tmp:
        sources = list(found.sources)
        parsed: dict | None = None  # each request file is read and parsed once for all counts
        if len(jobs) > 1:
            sources = [s if s.regular and not s.is_stdin else spool(s, tmp) for s in sources]
            parsed = {}
        for key in sorted(jobs):
            entry = jobs[key]
            tok = entry.tokenizer if entry is not None else Tokenizer("o200k_base")
            pick = picker
            if pick is None and entry is not None:
                pick = Picker(tok, forced=entry, image_size=wl.image_size)
            reports[key] = count_sources(
                sources,
                Tokenizer(tok.encoding) if _is_text(wl) else tok,
                wl.fmt,
                skipped=found.skipped,
                progress=progress,
                pick=pick,
                parsed=parsed,
            )
            if pick is not None:
                reports[key] = dataclasses.replace(
                    reports[key], warnings=reports[key].warnings + tuple(pick.notes)
                )
            if entry is not None and sharing.get(key, 1) > 1:  # the notes are every one's
                named, others = f"({entry.key})", sharing[key] - 1
                also = f"({entry.key} and {others} other model{'s' if others > 1 else ''})"
                shown = tuple(w.replace(named, also) for w in reports[key].warnings)
                reports[key] = dataclasses.replace(reports[key], warnings=shown)
            notices = [
                n for e in entries if keys.get(e.key) == key and (n := resolve(e.tokenizer).notice)
            ]
            if notices:
                shown = tuple(dict.fromkeys((*reports[key].warnings, *notices)))
                reports[key] = dataclasses.replace(reports[key], warnings=shown)
    return reports


def _side_count(path: str | None, entries) -> dict[str, int]:
    """Raw tokens of one side file (a system prompt, a sample reply) per encoding."""
    if path is None:
        return {}
    encodings = {e.tokenizer.encoding for e in entries}
    return {
        enc: sum(c.encoding_tokens or 0 for c in count_inputs([path], Tokenizer(enc)).inputs)
        for enc in encodings
    }


def _transcripts(wl: Workload) -> list[tuple[str, str]]:
    """(path, text) of every transcript, read once."""
    found = resolve_sources(list(wl.paths), wl.glob)
    return [(src.path, TextReader(src).read()) for src in found.sources]


@dataclass(frozen=True)
class _Counted:
    reports: dict[str, CountReport]
    transcripts: list[tuple[str, str]]
    system: dict[str, int]
    sample: dict[str, int]


def _transcript_calls(wl: Workload, entry: ModelEntry, texts) -> tuple[tuple[Call, ...], bool]:
    from costcalc.transcript import transcript_calls

    calls: list[Call] = []
    exact = True
    for path, text in texts:
        found, ok = transcript_calls(text, path, entry, wl.fmt.value, wl.image_size)
        exact = exact and ok
        if found[0].output_tokens is None:
            found = (dataclasses.replace(found[0], label=f"{path}: no reply"),)
        for c in found:
            label = c.label if len(texts) == 1 or c.output_tokens is None else f"{path} {c.label}"
            calls.append(dataclasses.replace(c, label=label))
    return tuple(calls), exact


def _calls(
    wl: Workload, entry: ModelEntry, counted: _Counted, output: int
) -> tuple[Unit, tuple[Call, ...], bool, InputCount | None]:
    """(the unit, its calls in ``entry``'s tokens, exact, the single request's count)."""
    tok = entry.tokenizer
    if wl.unit is Unit.TRANSCRIPT:
        calls, exact = _transcript_calls(wl, entry, counted.transcripts)
        return wl.unit, calls, exact, None
    side_exact = (wl.system is None and wl.output.sample is None) or tok.exact
    # (label, tokens, max output tokens, blocks for the prompt cache)
    inputs: list[tuple[str | None, int, int | None, tuple]]
    if wl.input_tokens is not None:
        counts: list[InputCount] = []
        inputs = [(None, wl.input_tokens, None, ())]
        exact = side_exact
    else:
        own = True  # the count was made with this entry's own ratio
        if "" in counted.reports:  # body-model mode: this entry's own requests
            counts = [c for c in counted.reports[""].inputs if c.model == entry.key]
        else:
            report = counted.reports[_count_key(entry, wl)]
            counts = list(report.inputs)
            own = resolve(tok).ratio == report.ratio
        inputs = [
            (
                c.where,
                tok.scale(c.encoding_tokens or 0) + c.fixed_tokens,
                c.max_output_tokens,
                c.blocks if own else rescale(c.blocks, tok.scale),
            )
            for c in counts
        ]
        exact = tok.exact and all(c.exact for c in counts) and side_exact
    unit = wl.unit
    body_mode = "" in counted.reports and len(counted.reports[""].inputs) > 1
    if unit is Unit.CALL and (body_mode or any(
        c.line is not None or c.label is not None for c in counts
    )):  # fmt: skip
        unit = Unit.TASK  # a JSONL or batch file: each line is a call
    if unit is Unit.TURNS:
        assert wl.turns is not None  # Workload: Unit.TURNS comes with turns
        user = sum(n for _, n, _, _ in inputs)
        system = tok.scale(counted.system.get(tok.encoding, 0))
        return unit, planned_calls(wl.turns, system, user, output), exact, None
    if unit is Unit.TASK:
        calls = tuple(
            Call(n, label=label, max_output_tokens=m, blocks=b) for label, n, m, b in inputs
        )
        return unit, calls, exact, None
    limits = [m for _, _, m, _ in inputs if m is not None]
    call = Call(
        sum(n for _, n, _, _ in inputs),
        max_output_tokens=max(limits) if limits else None,
        blocks=inputs[0][3] if len(inputs) == 1 else (),  # several inputs: one call, no blocks
    )
    return unit, (call,), exact, counts[0] if len(counts) == 1 else None


def _output(wl: Workload, entry: ModelEntry, counted: _Counted) -> int:
    if wl.output.tokens is not None:
        return wl.output.tokens
    if wl.output.sample is not None:
        return entry.tokenizer.scale(counted.sample[entry.tokenizer.encoding])
    return 0


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
        return (*first, *second, est.key)

    return key


def _output_note(wl: Workload, worst: bool) -> list[str]:
    if wl.output.given or wl.unit is Unit.TRANSCRIPT:
        return []
    what = "reply" if wl.unit is Unit.TURNS else "call"
    line = (
        f"note: output is not priced (0 tokens per {what}): "
        "give --output-tokens N or --output-file SAMPLE"
    )
    if worst:
        line += "; the worst case at the requests' max_tokens is shown as cost_usd_worst_case"
    return [line]


def _batch_note(wl: Workload) -> list[str]:
    if not wl.batch:
        return []
    return [
        "note: --batch: the batch API returns results when the provider finishes the job "
        "(within its completion window, 24 hours for OpenAI and Anthropic), "
        "so latency is not estimated"
    ]


def _worst(entry, wl, calls, output, exact) -> UnitEstimate | None:
    """The unit with every call at its request's own max output tokens, where it has one."""
    if not any(c.max_output_tokens is not None for c in calls):
        return None
    at_most = [
        dataclasses.replace(c, output_tokens=c.max_output_tokens)
        if c.max_output_tokens is not None
        else c
        for c in calls
    ]
    return price_unit(entry, wl, at_most, output_tokens=output, exact=exact)


def compare(entries: Sequence[ModelEntry], query: Query, progress=None, catalog=None) -> Comparison:
    """Price the query's unit of work on every entry; filter by the limits asked; rank.

    With no entry chosen and a ``catalog``, each request body's own ``model``
    picks its entry. A model without a price the workload needs is left out
    with the reason; when no model can be priced, that error is raised.
    """
    wl = query.workload
    if wl.at is None:  # every model and every call of a comparison is priced at one instant
        wl = dataclasses.replace(wl, at=dt.datetime.now(dt.timezone.utc))
    reports: dict[str, CountReport] = {}
    transcripts: list[tuple[str, str]] = []
    if not entries:
        if catalog is None or wl.input_tokens is not None or not _may_be_requests(wl):
            raise CostcalcError(
                "no model chosen: give -m MODEL (repeatable), --provider P or --all"
            )
        if wl.unit is Unit.TRANSCRIPT:
            raise CostcalcError("a transcript needs -m MODEL (repeatable), --provider P or --all")
        entries, reports = _by_body(wl, catalog, progress)
    elif wl.unit is Unit.TRANSCRIPT:
        transcripts = _transcripts(wl)
    elif wl.input_tokens is None:
        reports = _count(wl, entries, progress)
    counted = _Counted(
        reports,
        transcripts,
        _side_count(wl.system, entries),
        _side_count(wl.output.sample, entries),
    )
    rows: list[Row] = []
    dropped: list[str] = []
    missing: list[MissingPriceError] = []
    unit_kind = wl.unit
    notes: list[str] = []
    any_worst = False
    for entry in entries:
        output = _output(wl, entry, counted)
        unit_kind, calls, exact, single = _calls(wl, entry, counted, output)
        notes += [
            f"note: {c.label.removesuffix(': no reply')}: no assistant message, so it is "
            "priced as one call (the next one)"
            for c in calls
            # a transcript's call without a reply is always labelled "PATH: no reply"
            if unit_kind is Unit.TRANSCRIPT and c.output_tokens is None and c.label is not None
        ]
        try:
            unit = price_unit(entry, wl, calls, output_tokens=output, exact=exact)
            worst = _worst(entry, wl, calls, output, exact)
        except MissingPriceError as err:
            missing.append(err)
            dropped.append(f"{entry.key}: {_reason(entry, err)}")
            continue
        if unit.cache is not None:
            notes += unit.cache.notes
        est = unit.total
        why = _filtered(est, query, unit_kind)
        if why:
            dropped.append(f"{entry.key}: {why}")
            continue
        any_worst = any_worst or worst is not None
        rows.append(
            Row(
                est,
                None,
                _limits(est, query),
                entry.deprecated,
                worst.total if worst is not None else None,
                single,
                unit,
                None if worst is None else tuple(p.estimate.cost.total for p in worst.parts),
                lifecycle.mark(entry, _day(wl)),
            )
        )
    if missing and not rows and len(missing) == len(dropped):
        if len(missing) == 1:
            raise missing[0]
        raise MissingPriceError(
            f"no model can be priced: {'; '.join(dropped)}", hint=missing[0].hint
        )
    rows.sort(key=_sort_key(query))
    return Comparison(
        rows=tuple(rows),
        dropped=tuple(dropped),
        cheapest=_best(rows, lambda r: r.estimate.cost.total),
        fastest=_best(rows, lambda r: r.estimate.latency.total),
        counts=tuple(reports.values()),
        query=query,
        notes=tuple(dict.fromkeys(_output_note(wl, any_worst) + _batch_note(wl) + notes)),
        unit=unit_kind,
        lifecycle=lifecycle.summary(
            [e for e in entries if e.key in {r.estimate.key for r in rows}], _day(wl)
        ),
    )


def _reason(entry: ModelEntry, err: MissingPriceError) -> str:
    """The error's message without the model's own name ("no flex prices ...")."""
    message = err.message
    for lead in (f"{entry.key}: ", f"{entry.key} has "):
        message = message.removeprefix(lead)
    return message


def _may_be_requests(wl: Workload) -> bool:
    """Whether any input can be a request body (which may name its model)."""
    import os

    from costcalc.counting import request_format

    if _is_text(wl):
        return False
    if wl.fmt is not InputFormat.AUTO:
        return True
    return any(
        os.path.isdir(p) or request_format(wl.fmt, p) is not InputFormat.TEXT for p in wl.paths
    )


def _by_body(wl: Workload, catalog, progress):
    """Entries named by the requests' own ``model`` keys, and the one count that found them."""
    from costcalc.request.rules import Picker

    picker = Picker(
        Tokenizer("o200k_base"), resolve=catalog.resolve, image_size=wl.image_size, strict=True
    )
    reports = _count(wl, [], progress, picker)
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
    adhoc: AdHocPrices | None = None,
) -> Choice:
    """The entries asked for by -m (each), --provider (each) and --all, once each, in order.

    --all and --provider leave out models past their shutdown date unless
    ``include_deprecated``; a model named with -m is always kept. ``adhoc``
    prices one -m: the first the tables do not know, else the first.
    """
    priced: dict[str, ModelEntry] = {}
    if adhoc is not None:
        name, entry = with_adhoc(catalog, models, adhoc)
        priced[name] = entry
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
    entries += [priced[m] if m in priced else catalog.resolve(m) for m in models]
    if priced:  # a replaced entry wins over its listed self from --all / --provider
        keys = {e.key for e in priced.values()}
        entries = [e for e in entries if e.key not in keys or e in priced.values()]
    named = {e.key for e in entries}
    unique = list({e.key: e for e in entries}.values())
    return Choice(unique, [e for e in left_out if e.key not in named])


def choose(
    catalog,
    models: Sequence[str],
    provider: str | Sequence[str] | None,
    all_models: bool,
    adhoc: AdHocPrices | None = None,
) -> list[ModelEntry]:
    """The entries asked for, retired models included (see :func:`choose_models`)."""
    return choose_models(
        catalog, models, provider, all_models, include_deprecated=True, adhoc=adhoc
    ).entries


def _filtered(est: Estimate, query: Query, unit: Unit) -> str | None:
    what = "per call" if unit is Unit.CALL else "per unit"
    if query.max_cost is not None and est.cost.total > query.max_cost:
        return f"costs ${est.cost.total} {what}, over --max-cost {query.max_cost}"
    if query.max_latency is not None:
        if est.latency.total is None:
            return "latency unknown (no throughput in the table), so --max-latency cannot be met"
        if est.latency.total > query.max_latency:
            return f"takes {est.latency.total:.2f} s, over --max-latency {query.max_latency:g}"
    return None


def _day(wl: Workload) -> dt.date:
    """The day the calls are made: --at's, else today (UTC)."""
    return (wl.at or dt.datetime.now(dt.timezone.utc)).date()


def _best(rows: list[Row], metric) -> str | None:
    """The model best on ``metric`` over the unit's totals; None when unknown.

    A model with an announced shutdown is never the one to pick.
    """
    if len({r.estimate.key for r in rows}) < 2:
        return None
    known = [
        (metric(r), r.estimate.key) for r in rows if metric(r) is not None and r.deprecated is None
    ]
    if not known:
        return None
    known.sort()
    return known[0][1]
