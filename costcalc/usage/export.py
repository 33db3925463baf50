"""The catalog as one flat table, for pricing logs where they live (a warehouse).

One row per name a log may use (``provider/id``, and the id and each alias
that resolve to this entry: a name two providers share appears only as
``provider/id``, so a join never matches twice) and per price level:
``above_input_tokens`` is 0 for the base prices and a tier's threshold for
its prices (a call whose input exceeds it is priced at that row). Prices are
USD per 1M tokens, exact, with the tables' derivation rules applied; an empty
cell is a price nothing gives. These are each model's standing prices:
dated and time-of-day price sets are not in the table.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from costcalc.catalog import Catalog
from costcalc.catalog.entry import PRICE_FIELDS, ModelEntry, Prices
from costcalc.errors import CostcalcError

COLUMNS = (
    "name",
    "provider",
    "id",
    "above_input_tokens",
    *PRICE_FIELDS,
    "tokenizer",
    "tokenizer_ratio",
    "source",
    "as_of",
)
SCALE = 12  # decimal places kept in Parquet; every bundled price has far fewer


def _names(catalog: Catalog, entry: ModelEntry) -> list[str]:
    """``provider/id``, and the id and aliases that resolve to this entry (not another's)."""
    names = [entry.key]
    for name in (entry.id, *entry.aliases):
        try:
            if catalog.resolve(name).key == entry.key:
                names.append(name)
        except CostcalcError:  # ambiguous: only provider/id names it
            pass
    return names


def _rows(catalog: Catalog, entry: ModelEntry) -> Iterator[list]:
    from costcalc.rates import fill

    levels: list[tuple[int, Prices]] = [(0, fill(entry, entry.prices))]
    levels += [(t.above_input_tokens, fill(entry, t.prices)) for t in entry.tiers]
    for name in _names(catalog, entry):
        for above, prices in levels:
            yield [
                name,
                entry.provider,
                entry.id,
                above,
                *(getattr(prices, f) for f in PRICE_FIELDS),
                entry.tokenizer.name,
                entry.tokenizer.ratio,
                entry.source,
                entry.as_of,
            ]


def price_rows(catalog: Catalog) -> list[list]:
    return [row for entry in catalog.entries() for row in _rows(catalog, entry)]


def csv_text(catalog: Catalog) -> str:
    from costcalc.render.common import to_csv

    return to_csv(COLUMNS, price_rows(catalog))


def write_parquet(catalog: Catalog, path: Path) -> int:
    """Write the table as Parquet (DECIMAL(38,12) prices) through DuckDB; the row count."""
    from costcalc.usage.engine import connect
    from costcalc.usage.rowsql import quote_text

    rows = price_rows(catalog)
    step = Decimal(1).scaleb(-SCALE)
    for row in rows:
        for value in row[4 : 4 + len(PRICE_FIELDS)]:
            if value is not None and value.quantize(step) != value:
                raise CostcalcError(f"{row[1]}/{row[2]}: a price with more than {SCALE} decimals")
    prices = ", ".join(f"{f} DECIMAL(38, {SCALE})" for f in PRICE_FIELDS)
    con = connect()
    try:
        con.execute(
            f"CREATE TABLE prices (name VARCHAR, provider VARCHAR, id VARCHAR, "
            f"above_input_tokens BIGINT, {prices}, tokenizer VARCHAR, "
            f"tokenizer_ratio DECIMAL(38, {SCALE}), source VARCHAR, as_of VARCHAR)"
        )
        marks = ", ".join("?" for _ in COLUMNS)
        con.executemany(f"INSERT INTO prices VALUES ({marks})", rows)
        con.execute(f"COPY prices TO {quote_text(str(path))} (FORMAT parquet)")
    except OSError as err:
        raise CostcalcError(f"cannot write {path}: {err.strerror or err}") from None
    finally:
        con.close()
    return len(rows)
