"""`pricing validate` and the loader's strictness: one bad table per message.

Each fixture in tests/data/bad_tables/ states, on its first line, the one
problem it must produce (``# expect: FILE:LINE: key.path: message``; FILE is
the path as given). A directory is a set of files validated together.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from costcalc.catalog import Problem, bundled_pricing_dir, load_table, validate_files
from costcalc.errors import PricingError

BAD = Path(__file__).parent / "data" / "bad_tables"
CASES = sorted(BAD.glob("*.yaml")) + [BAD / "across"]


def _expected(case: Path) -> tuple[list[Path], str]:
    files = sorted(case.glob("*.yaml")) if case.is_dir() else [case]
    for f in files:
        first = f.read_text().splitlines()[0]
        if first.startswith("# expect: "):
            text = first.removeprefix("# expect: ").replace("DIR", str(case))
            return files, text.replace("FILE", str(f))
    raise AssertionError(f"{case} states no expected problem")


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_each_bad_table_gives_its_one_exact_problem(case):
    files, expected = _expected(case)
    assert [str(p) for p in validate_files([str(f) for f in files])] == [expected]
    if len(files) == 1:  # the loader stops at the same problem, in the same words
        with pytest.raises(PricingError) as err:
            load_table(str(files[0]))
        assert str(err.value) == expected


def test_a_missing_file_is_a_problem_not_a_crash(tmp_path):
    missing = tmp_path / "gone.yaml"
    assert validate_files([missing]) == [Problem(str(missing), None, "", "file not found")]


def test_every_problem_of_every_file_is_reported():
    files = [BAD / "negative_price.yaml", BAD / "bad_date.yaml", BAD / "empty.yaml"]
    problems = validate_files(files)
    assert [(Path(p.path).name, p.line, p.message) for p in problems] == [
        ("negative_price.yaml", 8, "must be >= 0, got -2"),
        ("bad_date.yaml", 4, "expected a date YYYY-MM-DD or YYYY-MM, got '2026/11/01'"),
        # both files define acme/rocket: a name may not repeat across the files given
        (
            "bad_date.yaml",
            6,
            f"acme/rocket is also defined at {files[0]}:5 "
            "(validate a table meant to override others on its own)",
        ),
        ("empty.yaml", None, "empty file (expected a price table)"),
    ]


def test_problem_text():
    assert str(Problem("a.yaml", 3, "models.x", "bad")) == "a.yaml:3: models.x: bad"
    assert str(Problem("a.yaml", None, "", "file not found")) == "a.yaml: file not found"


def test_the_bundled_tables_validate_clean():
    paths = sorted(bundled_pricing_dir().glob("*.yaml"))
    assert paths, f"no bundled price tables in {bundled_pricing_dir()}"
    assert [str(p) for p in validate_files(paths)] == []


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(
        st.text(),
        st.lists(
            st.sampled_from(
                [
                    "schema_version: 1",
                    "provider: acme",
                    "models:",
                    "  m:",
                    "    price:",
                    "      input: 1",
                    "      output: .nan",
                    "    tiers: [{above_input_tokens: 0}]",
                    "    aliases: [m, M]",
                    "  m: &a [*a]",
                    "    throughput: {ttft_s: -1}",
                    "    context_window: !!int x",
                    "as_of: 2026-13-01",
                    "  ? [a]: 1",
                    "- x",
                    "{",
                    "tokenizer: {encoding: x, exact: true, ratio: 2}",
                    "  ~:",
                    "models: {}",
                ]
            ),
            max_size=12,
        ).map("\n".join),
    )
)
def test_any_text_is_problems_or_entries_never_a_crash(text):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.yaml"
        path.write_text(text, encoding="utf-8")
        problems = validate_files([path])
        assert all(isinstance(p, Problem) and str(p).startswith(str(path)) for p in problems)
        try:
            entries = load_table(path)
        except PricingError as err:
            assert problems and str(err).startswith(str(path))
        else:
            assert problems == [] and all(e.prices is not None for e in entries)
