"""``--save``: a benchmark as a price table (docs/pricing-format.md), one ``local/<preset>`` entry.

Prices come from the hourly cost and the measured rates (input from prefill,
output from decode); throughput from the same run. The model is a random-
weight stand-in, so its tokenizer is a stand-in too: o200k_base, ratio 1.
"""

from __future__ import annotations

import datetime as _dt
import json
from decimal import Decimal
from pathlib import Path

from costcalc.errors import BenchError

PROVIDER = "local"
RATIO_SOURCE = (
    "stand-in: costcalc bench times random token ids, so any tokenizer fits; "
    "o200k_base at ratio 1 counts a prompt's tokens for estimate"
)


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a valid YAML double-quoted scalar


def _num(value: Decimal | float) -> str:
    """A plain decimal (no exponent); floats to 6 significant figures."""
    from costcalc.render.common import decimal_text

    if not isinstance(value, Decimal):
        value = Decimal(f"{float(value):.6g}")
    return decimal_text(value)


def pricing_yaml(
    *,
    model_id: str,
    context_window: int,
    usd_per_1m_input: Decimal,
    usd_per_1m_output: Decimal,
    ttft_s: float,
    output_tps: float,
    prefill_tps: float,
    source: str,
    notes: str,
    as_of: str | None = None,
) -> str:
    day = as_of or _dt.date.today().isoformat()
    lines = [
        "# Written by `costcalc bench --save`: prices from an hourly cost and rates measured here.",
        "schema_version: 1",
        f"provider: {PROVIDER}",
        f"source: {_q(source)}",
        f"as_of: {_q(day)}",
        "models:",
        f"  {_q(model_id)}:",
        "    tokenizer:",
        "      encoding: o200k_base",
        "      exact: false",
        "      ratio: 1",
        f"      ratio_source: {_q(RATIO_SOURCE)}",
        f"    context_window: {context_window}",
        "    price:",
        f"      input: {_num(usd_per_1m_input)}",
        f"      output: {_num(usd_per_1m_output)}",
        "    throughput:",
        f"      ttft_s: {_num(ttft_s)}",
        f"      output_tps: {_num(output_tps)}",
        f"      prefill_tps: {_num(prefill_tps)}",
        f"      source: {_q(source)}",
        f"      as_of: {_q(day)}",
        f"    notes: {_q(notes)}",
    ]
    return "\n".join(lines) + "\n"


def write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as err:
        raise BenchError(f"cannot write {path}: {err.strerror or err}") from None
