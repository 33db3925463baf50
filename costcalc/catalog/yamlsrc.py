"""Reading price-table YAML: safe, exact, strict, and with a line for everything.

PyYAML (its C parser when present) composes the document into nodes; this
module turns nodes into plain values itself, so that

- numbers that look like decimals become :class:`decimal.Decimal` from their
  text, never through ``float`` (``0.1`` stays ``Decimal('0.1')``, and so does
  ``1e-6``, which YAML 1.1 would read as a string);
- a repeated mapping key is an error, not a silent overwrite;
- every mapping and list remembers the line of each of its keys and items;
- unquoted dates (``as_of: 2026-11-01``) stay the text they were written as.

Nodes can also be kept as they are and converted later (see ``catalog.table``),
which is what makes loading a 4,500-model table cheap when one model is used.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

from costcalc.datafile import MAX_DEPTH, DataFileProblem, read_data

try:  # the C parser is ~10x faster; the pure-Python one gives the same nodes
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment,unused-ignore]

_TAG = "tag:yaml.org,2002:"
_PLAIN = "?"  # a plain scalar whose type is decided when (if) it is converted
_RESOLVER = Resolver()


class _Loader(_SafeLoader):
    """Safe composing that leaves implicit typing to :func:`scalar`, i.e. until needed."""

    def resolve(self, kind, value, implicit):
        if kind is ScalarNode:
            return _PLAIN if implicit[0] else _TAG + "str"
        return _TAG + ("map" if kind is MappingNode else "seq")

    def descend_resolver(self, current_node, current_index):
        pass

    def ascend_resolver(self):
        pass


_NUMBER = re.compile(r"[-+]?(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][-+]?\d+)?")
_BOOL_TRUE = {"yes", "true", "on", "y"}


class YamlProblem(Exception):
    """A document that cannot be read; ``line`` is 1-based where YAML knows it."""

    def __init__(self, line: int | None, key_path: str, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.key_path = key_path
        self.message = message


class Map(dict):
    """A YAML mapping: ``line`` of the mapping, ``key_lines`` of each key."""

    __slots__ = ("line", "key_lines")
    line: int
    key_lines: dict[str, int]

    def where(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class Seq(list):
    """A YAML sequence: ``line`` of the sequence, ``item_lines`` of each item."""

    __slots__ = ("line", "item_lines")
    line: int
    item_lines: list[int]

    def where(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


def line_of(node: Node) -> int:
    return node.start_mark.line + 1


def compose(path: Path) -> Node | None:
    """The document's root node (None for an empty file); YamlProblem if unusable.

    Bounded: the file is read once, up to 64 MiB, and refused if binary;
    aliases (``*name``) are refused before anything is built from them (an
    alias bomb is a few hundred bytes that expand to gigabytes), and so is
    nesting deeper than 64 levels.
    """
    try:
        text = read_data(path)
    except DataFileProblem as err:
        message = err.message
        if message.startswith("is a directory"):
            message = "is a directory, not a file"
        raise YamlProblem(None, "", message) from None
    if b"*" in text:
        _refuse_aliases(text)
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark is not None else None
        what = " ".join(p for p in (err.context, err.problem) if p)
        raise YamlProblem(line, "", f"invalid YAML: {what}") from None
    except yaml.YAMLError:
        raise YamlProblem(None, "", "invalid YAML") from None
    except UnicodeDecodeError as err:
        message = f"not UTF-8 text (an invalid byte at offset {err.start:,})"
        raise YamlProblem(None, "", message) from None
    if node is not None:
        _check_depth(node)
    return node


def _refuse_aliases(text: bytes) -> None:
    """YamlProblem at the first alias; streaming events builds nothing."""
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent):
                raise YamlProblem(
                    event.start_mark.line + 1,
                    "",
                    "YAML aliases (*name) are not allowed: write the value out",
                )
    except yaml.YAMLError:
        return  # compose reports it, with its line
    except UnicodeDecodeError:
        return


def _check_depth(root: Node) -> None:
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise YamlProblem(line_of(node), "", f"nested more than {MAX_DEPTH} levels deep")
        if isinstance(node, SequenceNode):
            stack.extend((item, depth + 1) for item in node.value)
        elif isinstance(node, MappingNode):
            stack.extend((v, depth + 1) for _, v in node.value)


def key_text(node: Node, key_path: str) -> str:
    """A mapping key as the text it was written as (ids like ``3.5`` stay text)."""
    if not isinstance(node, ScalarNode):
        raise YamlProblem(line_of(node), key_path, "keys must be plain text")
    return node.value


def scalar(node: ScalarNode):
    """A scalar node's value: str, int, Decimal, bool or None."""
    tag = node.tag
    text = node.value
    if tag == _PLAIN:
        tag = _RESOLVER.resolve(ScalarNode, text, (True, False))
        if tag == _TAG + "str" and _NUMBER.fullmatch(text):  # 1e-6, 1E6: YAML 1.1 strings
            return Decimal(text.replace("_", ""))
    if tag == _TAG + "str":
        return text
    if tag in (_TAG + "float", _TAG + "int"):
        try:
            return _decimal(text) if tag.endswith("float") else _int(text)
        except (ValueError, ArithmeticError):  # e.g. !!int "abc": leave it to the type check
            return text
    if tag == _TAG + "null":
        return None
    if tag == _TAG + "bool":
        return text.lower() in _BOOL_TRUE
    return text  # timestamps and anything else: the text as written


def _decimal(text: str) -> Decimal:
    t = text.replace("_", "").lower()
    sign = -1 if t.startswith("-") else 1
    t = t.lstrip("+-")
    if t in (".inf",):
        return Decimal(sign) * Decimal("Infinity")
    if t == ".nan":
        return Decimal("NaN")
    if ":" in t:  # YAML 1.1 base 60
        value = Decimal(0)
        for part in t.split(":"):
            value = value * 60 + Decimal(part)
        return sign * value
    return sign * Decimal(t)


def _int(text: str) -> int:
    t = text.replace("_", "")
    sign = -1 if t.startswith("-") else 1
    t = t.lstrip("+-")
    if t == "0":
        return 0
    if t.startswith("0b"):
        return sign * int(t[2:], 2)
    if t.startswith("0x"):
        return sign * int(t[2:], 16)
    if t.startswith("0o"):
        return sign * int(t[2:], 8)
    if t.startswith("0"):
        return sign * int(t, 8)
    if ":" in t:
        value = 0
        for part in t.split(":"):
            value = value * 60 + int(part)
        return sign * value
    return sign * int(t)


def plain(node: Node, key_path: str, _active: set[int] | None = None):
    """The node as Map / Seq / scalar values; YamlProblem on duplicate keys."""
    if isinstance(node, ScalarNode):
        return scalar(node)
    active = _active if _active is not None else set()
    if id(node) in active:
        raise YamlProblem(line_of(node), key_path, "recursive alias")
    active.add(id(node))
    try:
        if isinstance(node, SequenceNode):
            seq = Seq(plain(item, f"{key_path}[{i}]", active) for i, item in enumerate(node.value))
            seq.line = line_of(node)
            seq.item_lines = [line_of(item) for item in node.value]
            return seq
        assert isinstance(node, MappingNode)
        out = Map()
        out.line = line_of(node)
        out.key_lines = {}
        for knode, vnode in node.value:
            key = key_text(knode, key_path)
            sub = f"{key_path}.{key}" if key_path else key
            if key in out.key_lines:
                raise YamlProblem(
                    line_of(knode), sub, f"duplicate key (first on line {out.key_lines[key]})"
                )
            out.key_lines[key] = line_of(knode)
            out[key] = plain(vnode, sub, active)
        return out
    finally:
        active.discard(id(node))
