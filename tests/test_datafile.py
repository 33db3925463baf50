"""Bounded, discreet reading of data files: size caps, binary data, JSON limits, kinds."""

from __future__ import annotations

from decimal import Decimal

import pytest

from costcalc import datafile
from costcalc.datafile import DataFileProblem, kind, load_json, read_data


def test_read_data_caps_size_and_refuses_binary(tmp_path):
    path = tmp_path / "t.json"
    path.write_bytes(b"x" * 10_000)
    assert read_data(path) == b"x" * 10_000
    with pytest.raises(DataFileProblem, match="more than 0 MiB"):
        read_data(path, limit=9_999)
    path.write_bytes(b"ab\x00")
    with pytest.raises(DataFileProblem, match="^binary data, not text$"):
        read_data(path)
    with pytest.raises(DataFileProblem, match="^file not found$"):
        read_data(tmp_path / "missing")
    with pytest.raises(DataFileProblem, match="^is a directory"):
        read_data(tmp_path)


def test_dev_zero_is_refused_after_one_block():
    with pytest.raises(DataFileProblem, match="binary data"):
        read_data("/dev/zero")


def test_load_json_is_exact_and_bounded():
    assert load_json('{"a": 0.1, "b": 2}') == {"a": Decimal("0.1"), "b": 2}
    with pytest.raises(DataFileProblem, match="a number with 5,000 digits"):
        load_json("9" * 5000)
    with pytest.raises(DataFileProblem, match="nested too deeply"):
        load_json("[" * 100_000 + "]" * 100_000)
    with pytest.raises(DataFileProblem, match="NaN is not a number JSON allows"):
        load_json("NaN")
    with pytest.raises(DataFileProblem) as err:
        load_json('{"token": "ghp_SECRET"')
    assert "ghp_SECRET" not in err.value.message


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("ghp_SECRET", "a string (10 characters)"),
        ("", "a string (0 characters)"),
        (None, "null"),
        (True, "a boolean"),
        (5, "a number"),
        ([1], "a list"),
        ({"k": "v"}, "a mapping"),
    ],
)
def test_kind_never_shows_the_value(value, text):
    assert kind(value) == text


def test_max_data_bytes_is_generous():
    assert datafile.MAX_DATA_BYTES == 64 << 20
