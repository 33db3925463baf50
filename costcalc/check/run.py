"""The budget check: count every target's prompts, price them, apply the rules.

config -> (inputs -> tokens -> catalog -> estimate) per target -> rules -> report.
Prompt paths in the report are relative to the config's directory, so reports
made on different machines (or branches) compare; ``file`` in a breach is
relative to the working directory, for annotations.
"""

from __future__ import annotations

import glob as _glob
import os
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

from costcalc.catalog.entry import ModelEntry
from costcalc.check import rules as _rules
from costcalc.check.baseline import Baseline, BaselineDiff, compare
from costcalc.check.config import Config, Target, Where, collect, raise_all
from costcalc.check.rules import Breach, RuleResult, Subject
from costcalc.choices import Per, Unit
from costcalc.counting import count_sources
from costcalc.errors import ConfigError, CostcalcError, MissingPriceError, UnknownModelError
from costcalc.estimate import MINUTES_PER_MONTH
from costcalc.inputs import TextReader, file_sources, resolve_sources
from costcalc.tokens import resolve
from costcalc.transcript import transcript_calls
from costcalc.unitcost import price_unit
from costcalc.workload import CacheSpec, Call, OutputSpec, Workload, planned_calls

_MICRO = Decimal("0.000001")
_PICO = Decimal("0.000000000001")


@dataclass(frozen=True)
class PromptResult:
    path: str  # relative to the config's directory
    line: int | None  # JSONL: the request's line
    tokens: int
    cost_usd: Decimal
    latency_s: float | None
    calls: int = 1  # the provider calls of the unit (a JSONL file, a conversation)


@dataclass(frozen=True)
class TargetResult:
    name: str
    model: str  # provider/id
    exact_tokens: bool
    output_tokens: int
    reasoning_tokens: int
    calls: int | None
    per: Per | None
    prompts: tuple[PromptResult, ...]
    per_call_usd: Decimal  # the most expensive prompt
    mean_per_call_usd: Decimal
    calls_per_month: Decimal | None
    monthly_usd: Decimal | None  # mean per call x calls per month
    latency_s: float | None  # the slowest prompt
    max_input_tokens: int
    budget: dict[str, Decimal]
    unit: str = "call"  # what one prompt is: call, file, transcript or turns


@dataclass(frozen=True)
class CheckReport:
    config: str
    targets: tuple[TargetResult, ...]
    total_monthly_usd: Decimal
    budget: dict[str, Decimal]
    results: tuple[RuleResult, ...]  # every rule evaluated
    breaches: tuple[Breach, ...]  # the broken ones, worst first
    baseline: BaselineDiff | None
    warnings: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.breaches


def _tidy(value: Decimal, quantum: Decimal) -> Decimal:
    """Exact when short; otherwise rounded to ``quantum`` (a mean can be 1/3)."""
    return value.quantize(quantum) if _exponent(value) < _exponent(quantum) else value


def _exponent(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # amounts are finite: Decimal traps 1/0 and the like
    return exponent


def _display(path: Path, cwd: Path) -> str:
    try:
        return (
            Path(os.path.relpath(path, cwd)).as_posix() if path.is_relative_to(cwd) else str(path)
        )
    except ValueError:  # another drive
        return str(path)


def _prompt_files(config: Config, target: Target) -> list[tuple[str, Path]]:
    """(path relative to the config, absolute path) of everything the globs match, in order.

    Directories are left out; anything else (FIFOs, sockets, unreadable files)
    is kept so the reader can say why it was not counted. Symlinked directories
    are followed, so one file can be reached by several names (a symlink loop
    gives dozens): each file is counted once, under its shortest name.
    """
    out: dict[str, Path] = {}
    chosen: dict[tuple[int, int], str] = {}
    for pattern, where in target.prompts:
        hits = sorted(_glob.glob(pattern, root_dir=config.root, recursive=True))
        files = [h for h in hits if not (config.root / h).is_dir()]
        if not files:
            raise where.error(
                f"{pattern!r} matches no file (globs are relative to {config.root.resolve()})",
                hint="a target must price at least one prompt: fix the glob or remove it",
            )
        for rel in sorted(files, key=lambda h: (h.count(os.sep), h)):
            rel = Path(rel).as_posix()
            path = config.root / rel
            try:
                st = path.stat()
                key: tuple[int, int] | None = (st.st_dev, st.st_ino)
            except OSError:
                key = None  # the reader says why
            if key is not None:
                if key in chosen:
                    continue
                chosen[key] = rel
            out.setdefault(rel, Path(os.path.abspath(path)))
    return sorted(out.items())


def _resolve(catalog, target: Target) -> ModelEntry:
    try:
        return catalog.resolve(target.model)
    except UnknownModelError as err:
        raise target.model_where.error(err.message, hint=err.hint) from None
    except CostcalcError as err:
        raise target.model_where.error(err.message, hint=err.hint) from None


def _latency_rule(target: Target) -> Where | None:
    return next((r.where for r in target.budget if r.name == "latency_s"), None)


def _side_tokens(path: Path | None, entry: ModelEntry, what: str, target: Target) -> int:
    """The tokens of a system prompt or sample reply file, in the model's tokens."""
    if path is None:
        return 0
    try:
        found = resolve_sources([str(path)])
    except CostcalcError as err:
        raise (target.where or Where(str(path), None, "")).error(
            f"target {target.name!r}: {what}: {err.message}"
        ) from None
    return count_sources(found.sources, entry.tokenizer).total_tokens


def _workload(target: Target, output: int) -> Workload:
    fixed = target.cached_fraction > 0 or target.cache_write_fraction is not None
    return Workload(
        unit=Unit.TURNS
        if target.turns
        else {"call": Unit.CALL, "file": Unit.TASK, "transcript": Unit.TRANSCRIPT}[target.unit],
        fmt=target.format,
        turns=target.turns,
        batch=target.batch,
        service_tier=target.service_tier,
        cache_ttl=target.cache_ttl,
        output=OutputSpec(output, target.reasoning_tokens),
        cache=CacheSpec(
            prompt_cache=target.prompt_cache,
            cached_fraction=target.cached_fraction if fixed else None,
            cache_write_fraction=(target.cache_write_fraction or Decimal(0)) if fixed else None,
        ),
    )


def _units(target: Target, entry: ModelEntry, found, output: int):
    """(units as (path, line, calls), exact, warnings, skipped) of the target's prompts."""
    tok = entry.tokenizer
    units: list[tuple[str, int | None, tuple[Call, ...]]]
    if target.unit == "transcript":
        units, exact = [], tok.exact
        for src in found.sources:
            calls, ok = transcript_calls(
                TextReader(src).read(), src.path, entry, target.format.value
            )
            exact = exact and ok
            units.append((src.path, None, calls))
        notes = [
            f"{path}: no assistant message, so it is priced as one call (the next one)"
            for path, _, calls in units
            if calls[0].output_tokens is None
        ]
        return units, exact, notes, found.skipped
    from costcalc.request.rules import Picker

    pick = Picker(tok, forced=entry)
    counted = count_sources(
        found.sources, tok, target.format, model=entry.key, skipped=found.skipped, pick=pick
    )
    if target.turns:
        system = _side_tokens(target.system, entry, "system", target)
        by_path: dict[str, int] = {}
        for c in counted.inputs:
            by_path[c.path] = by_path.get(c.path, 0) + c.tokens
        units = [
            (path, None, planned_calls(target.turns, system, user, output))
            for path, user in by_path.items()
        ]
    elif target.unit == "file":
        grouped: dict[str, list[Call]] = {}
        for c in counted.inputs:
            label = f"{c.path}:{c.line}" if c.line is not None else c.path
            grouped.setdefault(c.path, []).append(Call(c.tokens, label=label, blocks=c.blocks))
        units = [(path, None, tuple(calls)) for path, calls in grouped.items()]
    else:
        units = [(c.path, c.line, (Call(c.tokens, blocks=c.blocks),)) for c in counted.inputs]
    exact = counted.exact and all(c.exact for c in counted.inputs)
    return units, exact, list(counted.warnings), counted.skipped


def run_target(
    config: Config, target: Target, entry: ModelEntry, cwd: Path
) -> tuple[TargetResult, Subject, list[str]]:
    files = _prompt_files(config, target)
    found = file_sources([(rel, str(path)) for rel, path in files])
    output = target.output_tokens
    if target.output_file is not None:
        output = _side_tokens(target.output_file, entry, "output_file", target)
    units, exact, notes, skipped = _units(target, entry, found, output)
    warnings = [f"target {target.name!r}: {w}" for w in notes]
    if skipped:
        listed = "; ".join(f"{s.path} ({s.reason})" for s in skipped[:5])
        more = f"; and {len(skipped) - 5} more" if len(skipped) > 5 else ""
        if not target.allow_skipped:
            raise ConfigError(
                f"target {target.name!r}: {len(skipped)} prompt file(s) could not be "
                f"counted: {listed}{more}",
                hint="fix or remove them, or set allow_skipped: true on the target "
                "to check the rest",
            )
        warnings += [f"target {target.name!r}: skipped {s.path}: {s.reason}" for s in skipped]
    workload = _workload(target, output)
    prompts = []
    latency_where = _latency_rule(target)
    for path, line, calls in units:
        try:
            unit = price_unit(entry, workload, calls, output_tokens=output, exact=exact)
        except MissingPriceError as err:
            raise target.model_where.error(
                f"target {target.name!r}: {err.message}", hint=err.hint
            ) from None
        if unit.cache is not None:  # what the prompt cache was assumed to do, once each
            for note in unit.cache.notes:
                line = f"target {target.name!r}: {note.removeprefix('note: ')}"
                if line not in warnings:
                    warnings.append(line)
        est = unit.total
        if latency_where is not None and est.latency.total is None:
            raise latency_where.error(
                f"latency is unknown for {entry.key}: its price table has no throughput "
                "figures (time to first token and output tokens/s) for it",
                hint="remove latency_s, or add a throughput block for the model in a "
                "table listed under pricing:",
            )
        largest = max(c.input_tokens for c in calls)
        prompt = PromptResult(path, line, largest, est.cost.total, est.latency.total, len(calls))
        prompts.append((path, prompt))
    if not target.output_priced:
        warnings.append(
            f"target {target.name!r}: output is not priced (0 tokens per call): "
            "give it output_tokens or output_file"
        )
    if not exact:
        plan = resolve(entry.tokenizer)
        warnings.append(
            f"target {target.name!r}: {entry.key} token counts are {plan.kind.value} "
            f"({plan.runs.name} x {plan.ratio})"
        )
    results = tuple(p for _, p in prompts)
    costs = [p.cost_usd for p in results]
    priciest = max(prompts, key=lambda t: t[1].cost_usd)
    largest = max(prompts, key=lambda t: t[1].tokens)
    mean = _tidy(sum(costs, Decimal(0)) / len(costs), _PICO)
    per_month = monthly = None
    if target.calls is not None:
        minutes = Decimal(target.per.minutes)
        per_month = _tidy(Decimal(target.calls) * MINUTES_PER_MONTH / minutes, _MICRO)
        billed = 1 - target.response_cache_hit
        exact = (
            sum(costs, Decimal(0))
            * target.calls
            * billed
            * MINUTES_PER_MONTH
            / (len(costs) * minutes)
        )
        monthly = _tidy(exact, _MICRO)
    latencies = [p.latency_s for p in results]
    latency = None if None in latencies else max(latencies)  # type: ignore[type-var]
    result = TargetResult(
        name=target.name,
        model=entry.key,
        exact_tokens=exact,
        unit="turns" if target.turns else target.unit,
        output_tokens=target.output_tokens,
        reasoning_tokens=target.reasoning_tokens,
        calls=target.calls,
        per=target.per if target.calls is not None else None,
        prompts=results,
        per_call_usd=priciest[1].cost_usd,
        mean_per_call_usd=mean,
        calls_per_month=per_month,
        monthly_usd=monthly,
        latency_s=latency,
        max_input_tokens=largest[1].tokens,
        budget={r.name: r.limit for r in target.budget},
    )
    subject = Subject(
        name=target.name,
        per_call_usd=result.per_call_usd,
        per_call_file=(_display(config.root / priciest[1].path, cwd), priciest[1].line),
        max_input_tokens=result.max_input_tokens,
        tokens_file=(_display(config.root / largest[1].path, cwd), largest[1].line),
        monthly_usd=monthly,
        latency_s=latency,
    )
    return result, subject, warnings


def _catalog_warnings(catalog, entries) -> list[str]:
    """Stale tables, and the models used that are past or near their shutdown date."""
    from costcalc.catalog import lifecycle, stale_notes

    retiring = lifecycle.summary(list({e.key: e for e in entries}.values()))
    return [*stale_notes(catalog.sources()), *([retiring] if retiring else [])]


def run_check(
    config: Config, baseline: Baseline | None = None, *, pricing=(), cwd: Path | None = None
) -> CheckReport:
    """Price every target of ``config`` and evaluate its budget (and ``baseline``'s growth rules).

    ``pricing`` adds tables after the config's own ``pricing:`` (later wins).
    """
    from costcalc.catalog import load_catalog

    cwd = (cwd or Path.cwd()).resolve()
    catalog = load_catalog([*config.pricing, *pricing])
    problems: list[ConfigError] = []
    entries = [collect(problems, _resolve, catalog, t) for t in config.targets]
    raise_all(problems)  # every model error before counting
    targets, subjects, warnings = [], [], []
    for target, entry in zip(config.targets, entries, strict=True):
        done = collect(problems, run_target, config, target, entry, cwd)
        if done is not None:
            result, subject, notes = done
            targets.append(result)
            subjects.append(subject)
            warnings += notes
    raise_all(problems)  # every target's problem, not only the first
    warnings += _catalog_warnings(catalog, [e for e in entries if e is not None])
    total = sum((t.monthly_usd for t in targets if t.monthly_usd is not None), Decimal(0))
    diff = None
    if baseline is not None:
        diff = compare(baseline, [(t.name, t.monthly_usd) for t in targets], total)
    results: list[RuleResult] = []
    for target, subject in zip(config.targets, subjects, strict=True):
        results += _rules.evaluate(subject, target.budget, diff)
    results += _rules.evaluate(Subject(None, monthly_usd=total), config.budget, diff)
    config_file = _display(config.path.resolve(), cwd)
    results = [  # rules written in the config point at it as the working directory sees it
        replace(r, file=config_file) if r.file == str(config.path) else r for r in results
    ]
    if baseline is None:
        growth = sorted(
            {r.name for t in config.targets for r in t.budget if "increase" in r.name}
            | {r.name for r in config.budget if "increase" in r.name}
        )
        if growth:
            warnings.append(f"{', '.join(growth)} not checked: give --baseline REPORT.json")
    return CheckReport(
        config=config_file,
        targets=tuple(targets),
        total_monthly_usd=total,
        budget={r.name: r.limit for r in config.budget},
        results=tuple(results),
        breaches=_rules.breaches(results),
        baseline=diff,
        warnings=tuple(warnings),
    )
