"""Tables that fit: at any width, a number is shown whole or its column is named as left out."""

from __future__ import annotations

from decimal import Decimal

import pytest

from costcalc.catalog import load_catalog
from costcalc.choices import InputFormat, OutputFormat, Per, SortKey
from costcalc.compare import Query, choose, compare
from costcalc.estimate import Volume
from costcalc.render import estimate as render_estimate
from costcalc.render import layout, registry
from costcalc.render import models as render_models
from costcalc.render.layout import Column, Screen, cell_width
from costcalc.workload import OutputSpec, Workload

WIDTHS = [60, 80, 120, 200]
MODELS = ["gpt-4o", "gpt-4o-mini", "claude-sonnet-4-5", "gemini-2.5-flash-lite"]


def query() -> Query:
    workload = Workload(
        fmt=InputFormat.TEXT,
        input_tokens=1200,
        output=OutputSpec(800),
        volume=Volume(2_000_000, Per.MONTH),
    )
    return Query(workload=workload, sort=SortKey.COST, tpm_limit=90_000)


@pytest.fixture(scope="module")
def comparison():
    catalog = load_catalog(use_env=False)
    return compare(choose(catalog, MODELS, None, False), query(), None)


def dropped_headers(text: str) -> list[str]:
    joined = " ".join(text.split("\n"))
    if "(not shown at" not in joined:
        return []
    inner = joined.split("(not shown at", 1)[1].split("columns:", 1)[1].split(";", 1)[0]
    return [h.strip() for h in inner.split(",")]


def assert_whole(columns: list[Column], rows: list[list[str]], text: str, width: int) -> None:
    """Every shown cell appears whole on its row's line; left-out columns are footnoted."""
    lines = text.splitlines()
    assert all(cell_width(line) <= width for line in lines), text
    dropped = dropped_headers(text)
    row_lines, p = [], 2  # after the header and its rule, rows come in order
    for row in rows:
        while not lines[p].startswith(row[0] + " ") and lines[p] != row[0]:
            p += 1
        row_lines.append(lines[p])
        p += 1
    for i, col in enumerate(columns):
        header = col.header or "bar"
        if col.priority == 0:
            assert header not in dropped
        if header in dropped:
            continue
        for row, line in zip(rows, row_lines, strict=True):
            if col.wrap:  # free text folds between words, never inside one
                assert all(word in text for word in row[i].split())
            else:
                assert row[i] in line, (header, row[i], line)


@pytest.mark.parametrize("width", WIDTHS)
def test_estimate_numbers_are_never_shortened(comparison, width):
    columns, rows = render_estimate._table(comparison)
    text = render_estimate.table(comparison, Screen(width, terminal=True))
    assert_whole(columns, rows, text, width)
    for row in rows:  # money, latency and tokens of the most important columns, whole
        assert row[columns.index(next(c for c in columns if c.header == "$/call"))] in text
        assert row[columns.index(next(c for c in columns if c.header == "$/month"))] in text


def test_narrow_screens_drop_the_least_important_columns_first(comparison):
    wide = render_estimate.table(comparison, Screen(200))
    assert dropped_headers(wide) == []
    at_80 = dropped_headers(render_estimate.table(comparison, Screen(80)))
    at_60 = dropped_headers(render_estimate.table(comparison, Screen(60)))
    assert "bar" in at_80 and "context" in at_80 and "tokens/min" in at_80
    assert set(at_80) < set(at_60)
    assert "$/call" not in at_60 and "model" not in at_60 and "$/month" not in at_60


def test_wide_shows_every_column_and_pipes_are_complete(comparison):
    columns, rows = render_estimate._table(comparison)
    for screen in (Screen(60, wide=True), Screen()):
        text = render_estimate.table(comparison, screen)
        assert dropped_headers(text) == []
        for row in rows:
            for cell in row:
                assert cell in text


def test_below_the_minimum_width_each_model_is_a_block(comparison):
    text = render_estimate.table(comparison, Screen(30))
    for key in (r.estimate.key for r in comparison.rows):
        assert f"\n{key}\n" in "\n" + text
    assert "  $/call: $" in text and "  $/month: $" in text


@pytest.mark.parametrize("width", WIDTHS)
def test_models_ids_whole_and_prices_whole(width):
    entries = load_catalog(use_env=False).entries(provider="openai")
    text = render_models.table(entries, Screen(width))
    assert_whole(list(render_models.TABLE_COLUMNS), render_models._rows(entries), text, width)
    words = {w.rstrip("*") for line in text.splitlines() for w in line.split()}
    assert {e.id for e in entries} <= words  # an id is never broken across lines


@pytest.mark.parametrize("width", WIDTHS)
def test_count_tables_fit(width):
    from costcalc.counting import CountReport, InputCount
    from costcalc.render import count as render_count

    counts = tuple(
        InputCount(f"prompts/a-rather-long-prompt-name-{i}.txt", 12_345 * i, 5, 5)
        for i in range(1, 4)
    )
    report = CountReport("o200k_base", "gpt-4o", True, Decimal(1), counts, (), ())
    text = render_count.table(report, Screen(width))
    for c in counts:
        assert c.path in text and f"{c.tokens:,}" in text
    assert f"{report.total_tokens:,}" in text


def test_money_in_a_column_is_aligned(comparison):
    text = render_estimate.table(comparison, Screen(200))
    cells = [line for line in text.splitlines() if "/" in line.split()[0]]
    ends = {line.index("$") for line in cells}
    assert len(ends) == 1  # right-aligned at one precision: the points line up
    points = {line.index(".", line.index("$")) for line in cells}
    assert len(points) == 1


def test_the_renderer_table_covers_every_format_or_refuses_it():
    for kind in registry.KINDS:
        offered = registry.formats(kind)
        assert OutputFormat.TABLE in offered and OutputFormat.JSON in offered
        for fmt in OutputFormat:
            if fmt in offered:
                assert callable(registry.renderer(kind, fmt))
            else:
                with pytest.raises(LookupError, match=f"no renderer for {kind}"):
                    registry.render(kind, object(), fmt)


def test_check_offers_exactly_the_formats_it_can_render():
    from costcalc.choices import CheckFormat

    assert [f.value for f in CheckFormat] == [f.value for f in registry.formats("check")]


def test_folding_breaks_only_between_words():
    assert layout._fold("cheapest, fastest", 10) == ["cheapest,", "fastest"]
    assert layout._fold("averyveryverylongword", 5) == ["averyveryverylongword"]
