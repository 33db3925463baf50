"""``--columns model=...,input=...``: which columns of a CSV or Parquet file hold what.

Mapped ``input`` is every prompt token of a call, cached ones included (as
OpenAI and LiteLLM's ``prompt_tokens`` count them); ``output`` every billed
output token, reasoning included.
"""

from __future__ import annotations

from dataclasses import dataclass

from costcalc.errors import CostcalcError

REQUIRED = ("model", "input", "output")
OPTIONAL = (
    "cached",
    "write_5m",
    "write_1h",
    "reasoning",
    "time",
    "requests",
    "batch",
    "service_tier",
)
# LiteLLM's spend logs, used when a CSV has these columns and no --columns is given.
LITELLM = {"model": "model", "input": "prompt_tokens", "output": "completion_tokens"}
LITELLM_TIME = "startTime"


@dataclass(frozen=True)
class ColumnMap:
    columns: dict[str, str]  # neutral field -> column name

    def get(self, name: str) -> str | None:
        return self.columns.get(name)

    def missing(self, present: list[str]) -> list[tuple[str, str]]:
        have = set(present)
        return [(k, v) for k, v in self.columns.items() if v not in have]


def parse_columns(text: str) -> ColumnMap:
    """``model=model,input=prompt_tokens,...`` -> ColumnMap (``write`` means ``write_5m``)."""
    found: dict[str, str] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, sep, column = part.partition("=")
        name, column = name.strip().lower(), column.strip()
        name = "write_5m" if name == "write" else name
        if not sep or not column:
            raise CostcalcError(f"--columns: expected FIELD=COLUMN, got {part!r}")
        if name not in REQUIRED + OPTIONAL:
            known = ", ".join(REQUIRED + OPTIONAL)
            raise CostcalcError(f"--columns: unknown field {name!r}; fields are: {known}")
        if name in found:
            raise CostcalcError(f"--columns: {name} is given twice")
        found[name] = column
    absent = [n for n in REQUIRED if n not in found]
    if absent:
        raise CostcalcError(f"--columns must map {', '.join(absent)} (e.g. input=prompt_tokens)")
    return ColumnMap(found)


def litellm_map(present: list[str]) -> ColumnMap | None:
    """The LiteLLM spend-log mapping, when every one of its columns is there."""
    if not all(c in present for c in LITELLM.values()):
        return None
    found = dict(LITELLM)
    if LITELLM_TIME in present:
        found["time"] = LITELLM_TIME
    return ColumnMap(found)


def check_columns(path: str, mapping: ColumnMap, present: list[str]) -> None:
    missing = mapping.missing(present)
    if missing:
        field, column = missing[0]
        there = ", ".join(present) or "none"
        raise CostcalcError(
            f"{path}: --columns maps {field} to {column!r}, which is not a column there; "
            f"the columns are: {there}"
        )
