"""One price-table file: parsed once, indexed by id and alias, entries built on demand.

Opening a table checks its header, its model ids and aliases (so a catalog
can be indexed) and nothing else; :meth:`Table.build` checks and builds one
entry. :func:`validate_files` checks everything, across files too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from yaml.nodes import MappingNode, Node, ScalarNode

from costcalc.catalog.entry import ModelEntry
from costcalc.catalog.fields import Checker, Problem
from costcalc.catalog.schema import Header, build_entry, check_header
from costcalc.catalog.yamlsrc import Map, Seq, YamlProblem, compose, key_text, line_of, plain
from costcalc.errors import PricingError


@dataclass(frozen=True)
class TableSource:
    """A loaded file: where it is, ``origin`` ("bundled" or the path given), its date."""

    path: Path
    origin: str
    provider: str
    as_of: str | None
    models: int


@dataclass
class ModelRef:
    """A model known by name whose entry is not built yet."""

    id: str
    provider: str
    aliases: tuple[str, ...]
    line: int
    node: Node
    entry: ModelEntry | None = field(default=None, repr=False)
    given: frozenset[str] = frozenset()  # the keys it gives ("price.input" for prices)
    removed: frozenset[str] = frozenset()  # the keys it writes as null (see catalog.overlay)


class Table:
    """A parsed file. ``problems`` holds what opening it found (header, ids, aliases)."""

    def __init__(self, path: str | Path, origin: str | None = None) -> None:
        self.path = Path(path)
        self.label = str(path)
        self.origin = origin if origin is not None else self.label
        self.header: Header | None = None
        self.refs: list[ModelRef] = []
        self.checker = Checker(self.label)
        self._open()

    @property
    def problems(self) -> list[Problem]:
        return self.checker.problems

    def source(self) -> TableSource:
        h = self.header
        return TableSource(
            self.path, self.origin, h.provider if h else "", h.as_of if h else None, len(self.refs)
        )

    def _open(self) -> None:
        chk = self.checker
        try:
            root = compose(self.path)
            if root is None:
                chk.add(None, "", "empty file (expected a price table)")
                return
            models_node = None
            if isinstance(root, MappingNode):  # convert all but the models, kept as nodes
                rest = MappingNode(root.tag, [], root.start_mark, root.end_mark)
                for knode, vnode in root.value:
                    if isinstance(knode, ScalarNode) and knode.value == "models":
                        if models_node is not None:
                            first = line_of(models_node[0])
                            raise YamlProblem(
                                line_of(knode), "models", f"duplicate key (first on line {first})"
                            )
                        models_node = (knode, vnode)
                    else:
                        rest.value.append((knode, vnode))
                top = plain(rest, "")
                if models_node is not None:
                    top["models"] = None  # present; checked below
                    top.key_lines["models"] = line_of(models_node[0])
            else:
                top = plain(root, "")
            self.header = check_header(top, chk)
            if models_node is not None:
                self._index(*models_node)
        except YamlProblem as err:
            chk.add(err.line, err.key_path, err.message)

    def _index(self, knode: Node, node: Node) -> None:
        chk = self.checker
        if not isinstance(node, MappingNode):
            chk.add(line_of(knode), "models", "expected a mapping of model ids to models")
            return
        if not node.value:
            chk.add(line_of(knode), "models", "no models")
        seen: dict[str, tuple[str, bool, int]] = {}  # casefolded name -> (model id, is id, line)
        for mk, mv in node.value:
            model_id = key_text(mk, "models")
            line = line_of(mk)
            at = f"models.{model_id}"
            if not model_id.strip():
                chk.add(line, at, "model ids must be non-empty")
                continue
            provider, aliases, alias_lines = self._names(mv, at)
            self.refs.append(ModelRef(model_id, provider, aliases, line, mv))
            names = [(model_id, at, line)]
            pairs = enumerate(zip(aliases, alias_lines, strict=True))
            names += [(a, f"{at}.aliases[{i}]", n) for i, (a, n) in pairs]
            for i, (name, where, name_line) in enumerate(names):
                before = seen.get(name.casefold())
                if before is None:
                    seen[name.casefold()] = (model_id, i == 0, name_line)
                elif i == 0 and before[1]:
                    chk.add(line, where, f"duplicate model id (first on line {before[2]})")
                else:
                    what = "the id" if before[1] else "an alias"
                    msg = f"{name!r} is already {what} of models.{before[0]} (line {before[2]})"
                    chk.add(name_line, where, msg)

    def _names(self, node: Node, at: str) -> tuple[str, tuple[str, ...], list[int]]:
        """The provider, aliases and alias lines of a model node, converting nothing else."""
        provider = self.header.provider if self.header else ""
        aliases: tuple[str, ...] = ()
        lines: list[int] = []
        if not isinstance(node, MappingNode):
            return provider, aliases, lines
        scratch = Checker(self.label)  # problems here are reported by build()
        for knode, vnode in node.value:
            if not isinstance(knode, ScalarNode) or knode.value not in ("provider", "aliases"):
                continue
            try:
                value = plain(vnode, f"{at}.{knode.value}")
            except YamlProblem:
                continue
            m = Map({knode.value: value})
            m.line, m.key_lines = line_of(knode), {knode.value: line_of(knode)}
            if knode.value == "provider":
                provider = scratch.text(m, "provider", at) or provider
            else:
                aliases = scratch.names(m, "aliases", at)
                if isinstance(value, Seq) and len(aliases) == len(value):
                    lines = list(value.item_lines)
                else:
                    lines = [line_of(knode)] * len(aliases)
        return provider, aliases, lines

    def build(self, ref: ModelRef, chk: Checker | None = None) -> ModelEntry | None:
        """The entry (cached); None with problems on ``chk`` (default: this table's)."""
        if ref.entry is None and self.header is not None:
            chk = chk or self.checker
            try:
                value = plain(ref.node, f"models.{ref.id}")
            except YamlProblem as err:
                chk.add(err.line, err.key_path, err.message)
                return None
            ref.given, ref.removed = _strip_nulls(value)
            ref.entry = build_entry(ref.id, value, ref.line, self.header, self.origin, chk)
        return ref.entry

    def entry(self, ref: ModelRef) -> ModelEntry:
        """The entry, or PricingError with its first problem."""
        chk = Checker(self.label)
        built = self.build(ref, chk)
        if built is None:
            raise PricingError(str(chk.problems[0]) if chk.problems else f"{self.label}: unusable")
        return built

    def raise_first(self) -> None:
        if self.problems:
            raise PricingError(str(self.problems[0]))


def _strip_nulls(value: object) -> tuple[frozenset[str], frozenset[str]]:
    """Take ``key: null`` out of a model's mapping (and of its ``price``), saying which.

    In a table that overrides another, null removes the earlier table's value; on
    its own, a null field is simply not given.
    """
    if not isinstance(value, Map):
        return frozenset(), frozenset()
    given, removed = set(), set()
    price = value.get("price")
    if isinstance(price, Map):
        for key in [k for k, v in price.items() if v is None]:
            del price[key]
            removed.add(f"price.{key}")
        given |= {f"price.{k}" for k in price}
    for key in [k for k, v in value.items() if v is None]:
        del value[key]
        removed.add(key)
    given |= {k for k in value if k != "price"}
    return frozenset(given), frozenset(removed)


def load_table(path: str | Path, origin: str | None = None) -> list[ModelEntry]:
    """Every entry of one file, strictly: PricingError with the first problem."""
    table = Table(path, origin)
    table.raise_first()
    return [table.entry(ref) for ref in table.refs]


@dataclass(frozen=True)
class ValidationReport:
    files: int
    models: int
    problems: list[Problem]


def validate_report(paths: Iterable[str | Path]) -> ValidationReport:
    """Check every file completely, and names across the files, collecting every problem."""
    problems: list[Problem] = []
    names: dict[str, tuple[str, str, int]] = {}  # casefolded name -> (key, file, line)
    files = models = 0
    for path in paths:
        files += 1
        table = Table(path)
        for ref in table.refs:
            table.build(ref)
        problems.extend(sorted(table.problems, key=_order))
        models += len(table.refs)
        for ref in table.refs:
            key = f"{ref.provider}/{ref.id}"
            for i, name in enumerate((ref.id, *ref.aliases)):
                other = names.get(name.casefold())
                if other is not None and other[1] != table.label:
                    at = f"models.{ref.id}" + ("" if i == 0 else f".aliases[{i - 1}]")
                    msg = f"{name!r} is already a name of {other[0]} ({other[1]}:{other[2]})"
                    if i == 0 and other[0].casefold() == key.casefold():
                        msg = (
                            f"{key} is also defined at {other[1]}:{other[2]} (validate a table "
                            "meant to override others on its own)"
                        )
                    problems.append(Problem(table.label, ref.line, at, msg))
                elif other is None:
                    names[name.casefold()] = (key, table.label, ref.line)
    return ValidationReport(files, models, problems)


def validate_files(paths: Sequence[str | Path]) -> list[Problem]:
    """Every problem in every file (and across them); empty when all is well."""
    return validate_report(paths).problems


def _order(p: Problem) -> tuple[int, str]:
    return (p.line or 0, p.key_path)
