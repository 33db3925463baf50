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
from costcalc.choices import Per
from costcalc.counting import count_sources
from costcalc.errors import ConfigError, CostcalcError, MissingPriceError, UnknownModelError
from costcalc.estimate import HOURS_PER_MONTH, Request, estimate
from costcalc.inputs import file_sources

_MICRO = Decimal("0.000001")
_PICO = Decimal("0.000000000001")


@dataclass(frozen=True)
class PromptResult:
    path: str  # relative to the config's directory
    line: int | None  # JSONL: the request's line
    tokens: int
    cost_usd: Decimal
    latency_s: float | None


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
    return (
        value.quantize(quantum)
        if value.as_tuple().exponent < quantum.as_tuple().exponent
        else value
    )


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


def run_target(
    config: Config, target: Target, entry: ModelEntry, cwd: Path
) -> tuple[TargetResult, Subject, list[str]]:
    files = _prompt_files(config, target)
    found = file_sources([(rel, str(path)) for rel, path in files])
    from costcalc.request.rules import Picker

    pick = Picker(entry.tokenizer, forced=entry)
    counted = count_sources(
        found.sources,
        entry.tokenizer,
        target.format,
        model=entry.key,
        skipped=found.skipped,
        pick=pick,
    )
    warnings = [f"target {target.name!r}: {w}" for w in counted.warnings]
    if counted.skipped:
        listed = "; ".join(f"{s.path} ({s.reason})" for s in counted.skipped[:5])
        more = f"; and {len(counted.skipped) - 5} more" if len(counted.skipped) > 5 else ""
        if not target.allow_skipped:
            raise ConfigError(
                f"target {target.name!r}: {len(counted.skipped)} prompt file(s) could not be "
                f"counted: {listed}{more}",
                hint="fix or remove them, or set allow_skipped: true on the target "
                "to check the rest",
            )
        warnings += [
            f"target {target.name!r}: skipped {s.path}: {s.reason}" for s in counted.skipped
        ]
    prompts = []
    latency_where = _latency_rule(target)
    for c in counted.inputs:
        request = Request(
            input_tokens=c.tokens,
            output_tokens=target.output_tokens,
            reasoning_tokens=target.reasoning_tokens,
            cached_fraction=target.cached_fraction,
            batch=target.batch,
            exact_tokens=counted.exact and c.exact,
        )
        try:
            est = estimate(entry, request)
        except MissingPriceError as err:
            raise target.model_where.error(
                f"target {target.name!r}: {err.message}", hint=err.hint
            ) from None
        if latency_where is not None and est.latency.total is None:
            raise latency_where.error(
                f"latency is unknown for {entry.key}: its price table has no throughput "
                "figures (time to first token and output tokens/s) for it",
                hint="remove latency_s, or add a throughput block for the model in a "
                "table listed under pricing:",
            )
        prompt = PromptResult(c.path, c.line, c.tokens, est.cost.total, est.latency.total)
        prompts.append((c, prompt))
    if not counted.exact:
        warnings.append(
            f"target {target.name!r}: {entry.key} token counts are {counted.kind.value} "
            f"({counted.encoding} x {counted.ratio})"
        )
    results = tuple(p for _, p in prompts)
    costs = [p.cost_usd for p in results]
    priciest = max(prompts, key=lambda t: t[1].cost_usd)
    largest = max(prompts, key=lambda t: t[1].tokens)
    mean = _tidy(sum(costs, Decimal(0)) / len(costs), _PICO)
    per_month = monthly = None
    if target.calls is not None:
        hours = Decimal(target.per.hours)
        per_month = _tidy(Decimal(target.calls) * HOURS_PER_MONTH / hours, _MICRO)
        exact = sum(costs, Decimal(0)) * target.calls * HOURS_PER_MONTH / (len(costs) * hours)
        monthly = _tidy(exact, _MICRO)
    latencies = [p.latency_s for p in results]
    latency = None if None in latencies else max(latencies)  # type: ignore[type-var]
    result = TargetResult(
        name=target.name,
        model=entry.key,
        exact_tokens=counted.exact,
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
