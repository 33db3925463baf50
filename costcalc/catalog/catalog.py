"""The catalog: every loaded table merged, later sources winning field by field.

Sources, in order: the bundled tables, then ``COSTCALC_PRICING`` (an
``os.pathsep``-separated list), then the files given (a config's ``pricing:``,
then ``--pricing``). An entry is ``provider/id``; a later entry with the same
key merges over the earlier one field by field (see ``catalog.overlay``).
Names resolve, case-insensitively, as an id, then an alias, then ``provider/id``.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import os
import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from costcalc.catalog import overlay
from costcalc.catalog.entry import ModelEntry
from costcalc.catalog.fields import parse_date
from costcalc.catalog.table import ModelRef, Table, TableSource
from costcalc.errors import PricingError, UnknownModelError

ENV_VAR = "COSTCALC_PRICING"
STALE_DAYS = 180


def bundled_pricing_dir() -> Path:
    """The installed ``costcalc.pricing`` package, or ``pricing/`` of a source checkout."""
    try:
        from importlib import resources

        found = Path(str(resources.files("costcalc.pricing")))
        if found.is_dir():
            return found
    except (ModuleNotFoundError, TypeError):  # not installed: running from the source tree
        pass
    return Path(__file__).resolve().parent.parent.parent / "pricing"


def bundled_tables() -> list[Path]:
    """The bundled ``*.yaml`` tables, in name order."""
    return sorted(bundled_pricing_dir().glob("*.yaml"))


def _expand(path: Path) -> list[Path]:
    """A directory stands for the *.yaml files in it."""
    return sorted(path.glob("*.yaml")) if path.is_dir() else [path]


class Catalog:
    """Merged tables; entries are built (and checked) when first asked for."""

    def __init__(self, tables: Sequence[Table]) -> None:
        self._tables = list(tables)
        self._slots: dict[str, tuple[Table, ModelRef]] = {}  # casefolded provider/id
        self._chains: dict[str, list[tuple[Table, ModelRef]]] = {}  # every source, in order
        for table in self._tables:
            for ref in table.refs:
                key = f"{ref.provider}/{ref.id}".casefold()
                self._slots[key] = (table, ref)
                self._chains.setdefault(key, []).append((table, ref))
        self._ids: dict[str, list[str]] = {}
        self._aliases: dict[str, list[str]] = {}
        self._loose: dict[str, list[str]] = {}  # "claude-sonnet-4.5" spelled any way
        for key, (_, ref) in self._slots.items():
            self._ids.setdefault(ref.id.casefold(), []).append(key)
            # the aliases of the last source that gives any: an override without keeps them
            givers = [r for _, r in self._chains[key] if _gives(r.node, "aliases")]
            aliases = givers[-1].aliases if givers else ()
            for alias in aliases:
                self._aliases.setdefault(alias.casefold(), []).append(key)
            for name in (ref.id, *aliases):
                self._loose.setdefault(loose(name), []).append(key)
        self._nicknames: dict[str, str] = {}  # later tables win, like entries
        for key, (_, ref) in self._slots.items():
            for nick in _nicknames(ref.node):
                self._nicknames[nick.casefold()] = key

    def _build(self, key: str) -> ModelEntry:
        """The entry, later sources merged over earlier ones field by field (catalog.overlay)."""
        chain = self._chains[key]
        table, ref = chain[0]
        entry = table.entry(ref)
        entry = replace(entry, field_origins=overlay.origins(entry, ref.given))
        for table, ref in chain[1:]:
            entry = overlay.merge(entry, table.entry(ref), ref.given, ref.removed)
        return entry

    def resolve(self, name: str) -> ModelEntry:
        """The entry named by id, alias, nickname, or any of those after ``provider/`` (any case).

        Then the same names spelled loosely (``claude-sonnet-4.5`` for
        ``claude-sonnet-4-5``: dots, dashes, underscores and spaces alike).
        """
        wanted = name.strip().casefold()
        if wanted in self._slots:
            return self._build(wanted)
        key = self._find(wanted, name)
        provider, _, rest = wanted.partition("/")
        if key is None and rest and provider in {p.casefold() for p in self.providers()}:
            key = self._find(rest, name, provider)
        if key is None:
            raise UnknownModelError(name, self.suggest(rest or wanted), self._newest_as_of())
        return self._build(key)

    def _find(self, wanted: str, name: str, provider: str = "") -> str | None:
        """The one key ``wanted`` is the id, alias, nickname or loose spelling of, in that order."""
        nickname = self._nicknames.get(wanted)
        for keys in (
            self._ids.get(wanted),
            self._aliases.get(wanted),
            [nickname] if nickname else None,
            self._loose.get(loose(wanted)),
        ):
            if provider and keys:
                keys = [k for k in keys if k.startswith(provider + "/")]
            if keys and len(keys) == 1:
                return keys[0]
            if keys:
                choices = ", ".join(sorted(self._display(k) for k in keys))
                raise PricingError(
                    f"model {name!r} is ambiguous: it is {choices}",
                    hint="name it as provider/id",
                )
        return None

    def _newest_as_of(self) -> str | None:
        dates = [src.as_of for src in self.sources() if src.as_of]
        return max(dates) if dates else None

    def nicknames(self) -> dict[str, str]:
        """Every nickname (casefolded) and the ``provider/id`` it names now."""
        return {nick: self._display(key) for nick, key in self._nicknames.items()}

    def _display(self, key: str) -> str:
        _, ref = self._slots[key]
        return f"{ref.provider}/{ref.id}"

    def suggest(self, name: str, n: int = 3) -> list[str]:
        """The closest known ids and aliases (difflib), best first."""
        spelled: dict[str, str] = {}
        for _, ref in self._slots.values():
            for known in (ref.id, *ref.aliases, *_nicknames(ref.node)):
                spelled.setdefault(known.casefold(), known)
        close = difflib.get_close_matches(name.casefold(), list(spelled), n=n, cutoff=0.6)
        return [spelled[c] for c in close]

    def entries(self, provider: str | None = None, search: str | None = None) -> list[ModelEntry]:
        """Every entry (built and checked), sorted by provider then id; optionally filtered.

        ``search`` matches a substring of the id, an alias or the provider, any case.
        """
        want_provider = provider.casefold() if provider else None
        needle = search.casefold() if search else None
        chosen = []
        for key, (_, ref) in self._slots.items():
            if want_provider and ref.provider.casefold() != want_provider:
                continue
            names = (ref.id, *ref.aliases, *_nicknames(ref.node), ref.provider)
            if needle and not any(needle in n.casefold() for n in names):
                continue
            chosen.append(self._build(key))
        return sorted(chosen, key=lambda e: (e.provider.casefold(), e.id.casefold()))

    def providers(self) -> list[str]:
        return sorted({ref.provider for _, ref in self._slots.values()}, key=str.casefold)

    def sources(self) -> list[TableSource]:
        """Each loaded file, in load order."""
        return [t.source() for t in self._tables]

    def __len__(self) -> int:
        return len(self._slots)


def loose(name: str) -> str:
    """A name with case and the separators people swap (``.`` ``-`` ``_`` space) ignored."""
    return re.sub(r"[\s._-]+", "-", name.strip().casefold())


def _gives(node, key: str) -> bool:
    """Whether a model's YAML node has ``key`` (read without building the entry)."""
    return any(getattr(k, "value", None) == key for k, _ in getattr(node, "value", ()) or ())


def _nicknames(node) -> tuple[str, ...]:
    """The ``nicknames:`` of a model's YAML node, read without building the entry."""
    for knode, vnode in getattr(node, "value", ()) or ():
        if getattr(knode, "value", None) == "nicknames" and isinstance(vnode.value, list):
            return tuple(str(v.value) for v in vnode.value if isinstance(v.value, str))
    return ()


def load_catalog(extra: Sequence[str | Path] = (), *, use_env: bool = True) -> Catalog:
    """Bundled tables, then COSTCALC_PRICING, then ``extra``; later wins, field by field.

    Raises PricingError with the first problem of a table that cannot be opened.
    """
    tables = [Table(p, "bundled") for p in bundled_tables()]
    from_env: list[Path] = []
    if use_env:
        from_env = [Path(p) for p in os.environ.get(ENV_VAR, "").split(os.pathsep) if p.strip()]
    for given in [*from_env, *(Path(p) for p in extra)]:
        tables += [Table(path) for path in _expand(given)]
    env_labels = {str(p) for p in from_env}
    for table in tables:
        if table.problems:
            hint = f"it is listed in {ENV_VAR}" if table.label in env_labels else None
            raise PricingError(str(table.problems[0]), hint=hint)
    return Catalog(tables)


def stale_sources(
    sources: Sequence[TableSource], today: _dt.date | None = None, days: int = STALE_DAYS
) -> list[TableSource]:
    """The tables whose ``as_of`` is more than ``days`` before ``today``."""
    today = today or _dt.date.today()
    out = []
    for src in sources:
        when = parse_date(src.as_of) if src.as_of else None
        if when is not None and (today - when).days > days:
            out.append(src)
    return out


def stale_notes(sources: Sequence[TableSource], today: _dt.date | None = None) -> list[str]:
    """One line per table whose prices are more than STALE_DAYS old, for a warning."""
    return [
        f"{f'bundled table {src.path.name}' if src.origin == 'bundled' else src.origin}: "
        f"prices as of {src.as_of} are more than {STALE_DAYS} days old; "
        "check them against the source"
        for src in stale_sources(sources, today)
    ]
