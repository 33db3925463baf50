"""Read every file, with either engine, into token sums per group plus what was skipped."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from costcalc.choices import UsageEngine as Engine
from costcalc.errors import InputError
from costcalc.usage.groups import Cuts, Groups, add_record, coarsen, merge
from costcalc.usage.jsonrec import NotBilled
from costcalc.usage.mapping import ColumnMap
from costcalc.usage.record import BadRecord, Problem
from costcalc.usage.sources import READERS, Source, detect, line_outcome, lines_at

if TYPE_CHECKING:
    from costcalc.usage.engine import ScanCounts

MAX_PROBLEMS = 20  # listed with file:line; all of them are counted


@dataclass(frozen=True)
class FileSummary:
    path: str
    format: str
    rows: int
    bad: int
    not_billed: int


@dataclass
class Scan:
    groups: Groups = field(default_factory=dict)
    files: list[FileSummary] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    bad: int = 0
    not_billed: int = 0

    def note(self, problem: Problem) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)


def _python_scan(src: Source, scan: Scan, cuts: Cuts, tag: str | None) -> None:
    rows = bad = unbilled = 0
    for line, outcome in READERS[src.kind](src, tag):
        rows += 1
        if isinstance(outcome, NotBilled):
            unbilled += 1
        elif isinstance(outcome, BadRecord):
            bad += 1
            scan.note(Problem(src.label, line, str(outcome)))
        else:
            add_record(scan.groups, outcome, cuts, tag)
    scan.bad += bad
    scan.not_billed += unbilled
    scan.files.append(FileSummary(src.label, src.format, rows, bad, unbilled))


def _locate(src: Source, scan: Scan, tag: str | None, bad: int) -> None:
    """Where the ``bad`` rows DuckDB counted are: the Python reader, for messages only.

    It stops at the last one to list (the first MAX_PROBLEMS of the run).
    """
    if src.kind not in READERS:
        return
    wanted = min(bad, MAX_PROBLEMS - len(scan.problems))
    if wanted <= 0:
        return
    for line, outcome in READERS[src.kind](src, tag):
        if isinstance(outcome, BadRecord):
            scan.note(Problem(src.label, line, str(outcome)))
            wanted -= 1
            if not wanted:
                return


def _locate_lines(src: Source, scan: Scan, tag: str | None, counts: ScanCounts) -> None:
    """Bad JSON lines found by DuckDB (which rows), named and explained by the Python reader.

    Only the lines before the last one listed are walked, and only the bad
    ones parsed in Python. Should a line DuckDB names not be bad to the
    Python reader, the Python reader looks for them all instead.
    """
    from costcalc.usage import engine as duck

    assert src.shape is not None
    wanted = min(counts.bad, MAX_PROBLEMS - len(scan.problems))
    if wanted <= 0:
        return
    ordinals = duck.bad_rows(src, tag, wanted, counts.reading)
    found = []
    for n, text in lines_at(src.path, ordinals):
        outcome = line_outcome(text, src.shape, tag)
        if not isinstance(outcome, BadRecord):
            break
        found.append(Problem(src.label, n, str(outcome)))
    if len(found) < len(ordinals):
        _locate(src, scan, tag, counts.bad)
        return
    for problem in found:
        scan.note(problem)


def scan_files(
    paths: Sequence[Path],
    cuts: Cuts,
    *,
    fmt: str | None = None,
    mapping: ColumnMap | None = None,
    tag: str | None = None,
    engine: Engine = Engine.DUCKDB,
    detail: Callable[[str], int] | None = None,
) -> Scan:
    """Every file's token sums per group; bad rows counted and the first ones located.

    ``detail`` (see groups.coarsen): per model name, how much of each call's
    time the caller needs; None keeps each group's day and time-of-day slot.
    """
    scan = Scan()
    sources = [detect(Path(p), fmt, mapping) for p in paths]
    for src in sources:
        if tag and src.kind in ("csv", "parquet") and tag not in src.columns:
            there = ", ".join(src.columns) or "none"
            raise InputError(
                f"{src.path}: --by tag={tag}: no such column; the columns are: {there}"
            )
    for src in sources:
        if engine is Engine.PYTHON or src.kind in ("json", "llm"):
            if src.kind == "parquet":
                from costcalc.usage.engine import duckdb_module

                duckdb_module()  # Parquet needs DuckDB either way
            else:
                _python_scan(src, scan, cuts, tag)
                continue
        from costcalc.usage import engine as duck

        groups, counts = duck.scan(src, cuts, tag, detail)
        merge(scan.groups, groups)
        scan.bad += counts.bad
        scan.not_billed += counts.not_billed
        scan.files.append(
            FileSummary(src.label, src.format, counts.rows, counts.bad, counts.not_billed)
        )
        if counts.bad and src.kind == "jsonl":
            _locate_lines(src, scan, tag, counts)
        elif counts.bad:
            _locate(src, scan, tag, counts.bad)
    if detail is not None:
        scan.groups = coarsen(scan.groups, detail)
    return scan
