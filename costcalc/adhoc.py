"""Prices given on the command line (`-m NAME --input-price X --output-price Y`).

They price a model the tables do not have yet, or replace a listed model's
prices (a what-if). Such an entry is counted with the o200k_base stand-in,
marked approximate, and says it came from the command line.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from costcalc.catalog.entry import ModelEntry, Prices, Throughput
from costcalc.errors import CostcalcError, UnknownModelError
from costcalc.tokens import Tokenizer
from costcalc.workload import AdHocPrices

ORIGIN = "command line"
PROVIDER = "adhoc"


def _throughput(prices: AdHocPrices, base: Throughput | None) -> Throughput | None:
    if prices.output_tps is None and prices.ttft_s is None:
        return base
    return Throughput(
        ttft_s=prices.ttft_s
        if prices.ttft_s is not None
        else (base.ttft_s if base is not None else None),
        output_tps=prices.output_tps
        if prices.output_tps is not None
        else (base.output_tps if base is not None else None),
        source=ORIGIN,
        as_of=dt.date.today().isoformat(),
    )


def adhoc_entry(name: str, prices: AdHocPrices, base: ModelEntry | None = None) -> ModelEntry:
    """An entry for ``name`` at ``prices`` (replacing ``base``'s prices when given)."""
    table = Prices(input=prices.input, cached_input=prices.cached_input, output=prices.output)
    if base is not None:
        return dataclasses.replace(
            base,
            prices=table,
            tiers=(),
            throughput=_throughput(prices, base.throughput),
            origin=ORIGIN,
            source=ORIGIN,
        )
    provider, _, model_id = name.strip().rpartition("/")
    return ModelEntry(
        id=model_id,
        provider=provider or PROVIDER,
        prices=table,
        tokenizer=Tokenizer("o200k_base", exact=False, ratio=Decimal(1)),
        throughput=_throughput(prices, None),
        source=ORIGIN,
        origin=ORIGIN,
    )


def with_adhoc(catalog, models: Sequence[str], prices: AdHocPrices) -> tuple[str, ModelEntry]:
    """(name, entry) for the -m the prices are for: the first one the tables do not
    know, else the first one (its listed prices are replaced)."""
    if not models:
        raise CostcalcError(
            "ad-hoc prices need the model they are for: -m NAME --input-price X --output-price Y"
        )
    for name in models:
        try:
            catalog.resolve(name)
        except UnknownModelError:
            return name, adhoc_entry(name, prices)
    return models[0], adhoc_entry(models[0], prices, catalog.resolve(models[0]))


def parse_adhoc(
    input_price: Decimal | None,
    output_price: Decimal | None,
    cached_input_price: Decimal | None = None,
    tps: float | None = None,
    ttft: float | None = None,
) -> AdHocPrices | None:
    """The ad-hoc prices the options give, or None; both prices are needed together."""
    if input_price is None and output_price is None:
        extra = [
            f
            for f, v in (
                ("--cached-input-price", cached_input_price),
                ("--tps", tps),
                ("--ttft", ttft),
            )
            if v is not None
        ]
        if extra:
            raise CostcalcError(
                f"{extra[0]} goes with ad-hoc prices: add --input-price X --output-price Y"
            )
        return None
    if input_price is None or output_price is None:
        raise CostcalcError("ad-hoc prices need both --input-price and --output-price")
    return AdHocPrices(input_price, output_price, cached_input_price, tps, ttft)
