"""`count -m A -m B ...`: one count per distinct tokenizer, one column per model.

Text is counted once per tokenizer that runs (models sharing one share its
count, each scaled by its own ratio); request bodies once per model (its
provider's billing rules). A pipe is read once (see ``compare.count_for``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from costcalc.catalog.entry import ModelEntry
from costcalc.choices import InputFormat
from costcalc.compare import count_for, count_key
from costcalc.counting import InputCount
from costcalc.inputs import Skipped
from costcalc.tokens import Kind, resolve
from costcalc.workload import Workload


@dataclass(frozen=True)
class ModelCount:
    """One model's column: its tokens per input, and how they were counted."""

    model: str  # provider/id
    id: str
    provider: str
    tokenizer: str
    kind: Kind
    encoding: str  # the tokenizer that ran (the stand-in when approximate)
    ratio: Decimal
    ratio_source: str | None
    tokens: tuple[int, ...]  # one per input of :attr:`SideBySide.inputs`
    exact: tuple[bool, ...]

    @property
    def total_tokens(self) -> int:
        return sum(self.tokens)

    @property
    def all_exact(self) -> bool:
        return all(self.exact)


@dataclass(frozen=True)
class SideBySide:
    inputs: tuple[InputCount, ...]  # paths, lines, sizes (tokens: see the models)
    models: tuple[ModelCount, ...]
    skipped: tuple[Skipped, ...]
    warnings: tuple[str, ...]


def count_models(
    paths: Sequence[str],
    entries: Sequence[ModelEntry],
    fmt: InputFormat = InputFormat.AUTO,
    *,
    glob: str | None = None,
    image_size: tuple[int, int] | None = None,
    progress=None,
) -> SideBySide:
    query = Workload(paths=tuple(paths), fmt=fmt, glob=glob, image_size=image_size)
    reports = count_for(query, entries, progress)
    first = next(iter(reports.values()))
    wheres = [c.where for c in first.inputs]
    models = []
    for entry in entries:
        report = reports[count_key(entry, query)]
        plan = resolve(entry.tokenizer)
        by_where = {c.where: c for c in report.inputs}  # a count may serve several models
        counts = [by_where[w] for w in wheres]
        models.append(
            ModelCount(
                model=entry.key,
                id=entry.id,
                provider=entry.provider,
                tokenizer=plan.spec.name,
                kind=plan.kind,
                encoding=plan.runs.name,
                ratio=plan.ratio,
                ratio_source=plan.ratio_source,
                tokens=tuple(plan.scale(c.encoding_tokens or 0) + c.fixed_tokens for c in counts),
                exact=tuple(plan.exact and c.exact for c in counts),
            )
        )
    warnings = tuple(dict.fromkeys(w for r in reports.values() for w in r.warnings))
    return SideBySide(first.inputs, tuple(models), first.skipped, warnings)
