"""A parsed response object to a :class:`Record`, by its :class:`Shape` (the Python engine)."""

from __future__ import annotations

from costcalc.usage.rawvalues import json_text
from costcalc.usage.record import BadRecord, Record, check_sums, epoch_time, iso_time, token
from costcalc.usage.shapes import Path, Shape, Term, _get

_MISSING = object()


class NotBilled(Exception):
    """A batch result that failed, expired or was cancelled: providers do not bill it."""


def _first(obj: object, term: Term) -> tuple[Path | None, object]:
    for path in term:
        value = _get(obj, path)
        if value is not None:
            return path, value
    return None, None


def _text(obj: object, term: Term) -> str | None:
    return json_text(_first(obj, term)[1])


def to_record(obj: object, shape: Shape, tags: dict[str, str] | None = None) -> Record:
    """The neutral record of one response object.

    Raises BadRecord (with a reason that never quotes the content) when the
    object is not of the shape or a token field cannot be priced, and
    NotBilled for a failed batch result.
    """
    if not isinstance(obj, dict):
        raise BadRecord(f"not a JSON object (expected a {shape.description})")
    if shape.ok is not None:
        status = _get(obj, shape.ok[0])
        if status is None:
            raise BadRecord(f"no {'.'.join(shape.ok[0])} (expected a {shape.description})")
        if status != shape.ok[1]:
            raise NotBilled()
    body = _get(obj, shape.root) if shape.root else obj
    if not isinstance(body, dict) or not isinstance(_get(body, shape.usage), dict):
        raise BadRecord(f"no {'.'.join(shape.root + shape.usage)} object with token counts")
    sums = {}
    for name, terms in shape.fields.items():
        total = 0
        for term in terms:
            path, value = _first(body, term)
            total += token(value, ".".join(path) if path else name)
        sums[name] = total
    when = None
    if shape.time:
        _, raw = _first(body, shape.time)
        when = epoch_time(raw) if shape.time_epoch else iso_time(raw)
    return check_sums(
        Record(
            model=_text(body, shape.model),
            batch=shape.batch,
            service_tier=_text(body, shape.service_tier),
            time=when,
            tags=tags or {},
            **sums,
        )
    )
