from __future__ import annotations

import json
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from costcalc.render import common


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (D("0.0075"), "0.0075"),
        (D("0.007500000"), "0.0075"),
        (D("1E+3"), "1000"),
        (D("1E-7"), "0.0000001"),
        (D("0"), "0"),
        (D("-2.50"), "-2.5"),
        (D("61800768748398.539231973565961"), "61800768748398.539231973565961"),  # > 28 digits
    ],
)
def test_decimal_text_is_exact_without_exponent(value, text):
    assert common.decimal_text(value) == text


def test_json_writes_decimals_as_exact_numbers():
    text = common.to_json({"a": D("0.0075"), "b": [D("1E+3")], "c": 0.1, "d": None}, indent=None)
    assert text == '{"a": 0.0075, "b": [1000], "c": 0.1, "d": null}'
    assert json.loads(text, parse_float=D)["a"] == D("0.0075")


def test_json_keeps_strings_that_look_like_markers():
    assert json.loads(common.to_json({"s": "dec:1"})) == {"s": "dec:1"}


_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text()
    | st.decimals(allow_nan=True, allow_infinity=True),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(_json_values, st.sampled_from([None, 2]))
def test_json_is_what_the_standard_encoder_writes_with_decimals_as_exact_numbers(value, indent):
    text = common.to_json(value, indent=indent)

    def expected(v):  # the standard library's reading of the same data
        if isinstance(v, D):
            return v if v.is_finite() else None
        if isinstance(v, float):
            return v if v == v and abs(v) != float("inf") else None
        if isinstance(v, list):
            return [expected(x) for x in v]
        if isinstance(v, dict):
            return {k: expected(x) for k, x in v.items()}
        return v

    assert json.loads(text, parse_float=D, parse_int=D) == _as_decimals(expected(value))


def _as_decimals(v):
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, int | float):
        return D(repr(v)) if isinstance(v, float) else D(v)
    if isinstance(v, list):
        return [_as_decimals(x) for x in v]
    if isinstance(v, dict):
        return {k: _as_decimals(x) for k, x in v.items()}
    return v


@given(st.lists(_json_values, max_size=5))
def test_a_stream_is_written_like_the_list_it_yields(items):
    for indent in (None, 2):
        streamed = common.to_json({"a": common.Stream(iter(items))}, indent=indent)
        assert streamed == common.to_json({"a": items}, indent=indent)


def test_dataclasses_enums_and_tuples_are_written_as_plain_values():
    from dataclasses import dataclass
    from enum import Enum

    class Colour(Enum):
        RED = "red"

    @dataclass(frozen=True)
    class Pair:
        colour: Colour
        values: tuple

    text = common.to_json([Pair(Colour.RED, (D("1.50"), None))], indent=None)
    assert text == '[{"colour": "red", "values": [1.5, null]}]'


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (D("0.0075"), "$0.0075"),
        (D("0.1"), "$0.10"),
        (D("0.075"), "$0.075"),
        (D("0.000338812"), "$0.0003388"),
        (D("2.5"), "$2.50"),
        (D("1234.5"), "$1,234"),  # banker's rounding of .5 to even
        (D("7500"), "$7,500"),
        (D("0"), "$0"),
        (None, "—"),
    ],
)
def test_money_for_people(value, text):
    assert common.money(value) == text


def test_counts_and_seconds():
    assert common.count(1234567) == "1,234,567"
    assert common.count(1234, approximate=True) == "~1,234"
    assert common.seconds(None) == "—"
    assert common.seconds(3.214) == "3.21 s"
    assert common.seconds(1200) == "20.0 min"


def test_markdown_escapes_pipes_and_aligns():
    md = common.to_markdown(["a", "b"], [["x|y", 1]], align="lr")
    assert md.splitlines() == ["| a | b |", "| --- | ---: |", "| x\\|y | 1 |"]


@pytest.mark.parametrize(
    ("values", "cells"),
    [
        ([D("0.009"), D("0.0056"), D("0.00112")], ["$0.00900", "$0.00560", "$0.00112"]),
        ([D("0.0007")], ["$0.0007"]),
        ([D("0.3"), D("0.9")], ["$0.30", "$0.90"]),
        ([D("1700.5"), D("4512")], ["$1,700", "$4,512"]),
        ([D("2.5"), D("0.125"), None], ["$2.500", "$0.125", "—"]),
    ],
)
def test_money_column_has_one_precision(values, cells):
    assert common.money_column(values) == cells


def test_money_column_never_shows_a_cost_as_zero():
    cells = common.money_column([D("1200"), D("0.000004")])
    assert cells == ["$1,200.000000", "$0.000004"]
    assert not set(cells[1]) <= set("$0.,")
