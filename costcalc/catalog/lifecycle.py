"""Where a model is in its life: live, shutting down soon, or past its shutdown date.

A table's ``deprecated`` is the provider's announced shutdown date (``YYYY-MM``
means the first of the month). From that day on the model is *retired*: whole-
catalog choices (``--all``, ``--provider``) leave it out unless asked, and it is
never marked cheapest or fastest. Within :data:`SOON_DAYS` before it, the model
is *shutting down soon*, and rows say so.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence
from enum import Enum

from costcalc.catalog.entry import ModelEntry
from costcalc.catalog.fields import parse_date

SOON_DAYS = 90


class Stage(str, Enum):
    LIVE = "live"
    SOON = "shutting down soon"
    RETIRED = "retired"


def shutdown(entry: ModelEntry) -> _dt.date | None:
    return parse_date(entry.deprecated) if entry.deprecated else None


def stage(entry: ModelEntry, today: _dt.date | None = None) -> Stage:
    """LIVE, SOON (shutdown within SOON_DAYS) or RETIRED (shutdown day reached)."""
    when = shutdown(entry)
    today = today or _dt.date.today()
    if when is None or (when - today).days > SOON_DAYS:
        return Stage.LIVE
    return Stage.RETIRED if when <= today else Stage.SOON


def split(
    entries: Iterable[ModelEntry], today: _dt.date | None = None
) -> tuple[list[ModelEntry], list[ModelEntry]]:
    """(entries still served, entries past their shutdown date), each in the order given."""
    kept: list[ModelEntry] = []
    retired: list[ModelEntry] = []
    for entry in entries:
        (retired if stage(entry, today) is Stage.RETIRED else kept).append(entry)
    return kept, retired


def mark(entry: ModelEntry, today: _dt.date | None = None) -> str:
    """The row's note: "shut down 2026-07-24", "shuts down 2026-12-11", or ""."""
    now = stage(entry, today)
    if now is Stage.RETIRED:
        return f"shut down {entry.deprecated}"
    if now is Stage.SOON:
        return f"shuts down {entry.deprecated}"
    return ""


def summary(entries: Sequence[ModelEntry], today: _dt.date | None = None) -> str | None:
    """One line (for a warning) naming every model that is retired or shutting down soon."""
    groups: dict[Stage, list[str]] = {Stage.RETIRED: [], Stage.SOON: []}
    for entry in entries:
        now = stage(entry, today)
        if now is not Stage.LIVE:
            groups[now].append(f"{entry.key} ({entry.deprecated})")
    parts = []
    if groups[Stage.RETIRED]:
        n = len(groups[Stage.RETIRED])
        verb = "is past its" if n == 1 else "are past their"
        parts.append(f"{_models(n)} {verb} shutdown date: {', '.join(groups[Stage.RETIRED])}")
    if groups[Stage.SOON]:
        n = len(groups[Stage.SOON])
        verb = "shuts" if n == 1 else "shut"
        parts.append(
            f"{_models(n)} {verb} down within {SOON_DAYS} days: {', '.join(groups[Stage.SOON])}"
        )
    return "; ".join(parts) if parts else None


def left_out_note(retired: Sequence[ModelEntry]) -> str | None:
    """The stderr line when whole-catalog choices left retired models out."""
    if not retired:
        return None
    return (
        f"note: left out {_models(len(retired))} past {'its' if len(retired) == 1 else 'their'} "
        "shutdown date (--include-deprecated shows them)"
    )


def _models(n: int) -> str:
    return f"{n} model" + ("" if n == 1 else "s")
