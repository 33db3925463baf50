"""Function definitions counted by OpenAI's published method (the cookbook "How to
count tokens with tiktoken"): a fixed cost per function, its ``name:description``
line, per-property ``name:type:description`` lines and enum items, and a fixed
cost for the block.

The method covers flat properties. Whatever a schema holds beyond that (nested
objects, array items, ``anyOf``, ``$ref``/``$defs``) is added as its JSON text
and marked approximate; a schema of any shape never crashes the count.
"""

from __future__ import annotations

from dataclasses import dataclass

from costcalc.request.model import ToolDef
from costcalc.request.tally import Tally


@dataclass(frozen=True)
class ToolCosts:
    """Fixed costs of function definitions (they differ between encodings)."""

    func_init: int
    prop_init: int
    prop_key: int
    enum_init: int
    enum_item: int
    func_end: int


TOOL_COSTS = {
    "o200k_base": ToolCosts(7, 3, 3, -3, 3, 12),
    "cl100k_base": ToolCosts(10, 3, 3, -3, 3, 12),
}
_FLAT = {"type", "description", "enum"}  # what the published method reads of a property
_IGNORED = {"title", "default", "examples", "strict", "additionalProperties"}


def _strip_period(text: str) -> str:
    return text[:-1] if text.endswith(".") else text


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):  # "type": ["string", "null"]
        return ",".join(str(v) for v in value)
    return "" if value is None else str(value)


def count_functions(tools: tuple[ToolDef, ...], encoding: str, tally: Tally) -> None:
    if not tools:
        return
    costs = TOOL_COSTS.get(encoding)
    if costs is None:  # an encoding the method was never measured with
        for tool in tools:
            tally.add_json(tool.spec, tool.path, "no published tool overhead for this encoding")
        return
    for tool in tools:
        tally.fixed += costs.func_init
        desc = _strip_period(tool.description)
        tally.add_text(f"{tool.name}:{desc}")
        params = tool.parameters if isinstance(tool.parameters, dict) else {}
        props = params.get("properties")
        props = props if isinstance(props, dict) else {}
        extra = {k: v for k, v in params.items() if k not in ("type", "properties", "required")}
        extra = {k: v for k, v in extra.items() if k not in _IGNORED}
        if extra:
            tally.add_json(extra, f"{tool.path}.parameters", _NESTED)
        if tool.parameters is not None and not isinstance(tool.parameters, dict):
            tally.add_json(tool.parameters, f"{tool.path}.parameters", "parameters not a schema")
        if props:
            tally.fixed += costs.prop_init
            for key, spec in props.items():
                _property(str(key), spec, f"{tool.path}.parameters.properties.{key}", costs, tally)
    tally.fixed += costs.func_end


_NESTED = "nested schema: the published method covers flat properties only"


def _property(key: str, spec: object, path: str, costs: ToolCosts, tally: Tally) -> None:
    spec = spec if isinstance(spec, dict) else {}
    tally.fixed += costs.prop_key
    enum = spec.get("enum")
    if isinstance(enum, list):
        tally.fixed += costs.enum_init
        for item in enum:
            tally.fixed += costs.enum_item
            tally.add_text(str(item))
    desc = _strip_period(_text(spec.get("description")))
    tally.add_text(f"{key}:{_text(spec.get('type'))}:{desc}")
    rest = {k: v for k, v in spec.items() if k not in _FLAT and k not in _IGNORED}
    if rest:  # items, properties, anyOf, $ref ...: beyond the published method
        tally.add_json(rest, path, _NESTED)
