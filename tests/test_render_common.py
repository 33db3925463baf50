from __future__ import annotations

import json
from decimal import Decimal as D

import pytest

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
