"""costcalc.catalog.lifecycle: live, shutting down soon, retired."""

from __future__ import annotations

import datetime as dt
import json

from typer.testing import CliRunner

from costcalc.catalog import lifecycle
from costcalc.catalog.entry import ModelEntry, Prices
from costcalc.cli import app
from costcalc.tokens import Tokenizer

TODAY = dt.date(2026, 11, 30)


def entry(name: str, deprecated: str | None) -> ModelEntry:
    return ModelEntry(name, "acme", Prices(), Tokenizer("o200k_base"), deprecated=deprecated)


def test_stages_around_the_shutdown_date():
    assert lifecycle.stage(entry("a", None), TODAY) is lifecycle.Stage.LIVE
    assert lifecycle.stage(entry("a", "2027-03-01"), TODAY) is lifecycle.Stage.LIVE  # 91 days
    assert lifecycle.stage(entry("a", "2027-02-28"), TODAY) is lifecycle.Stage.SOON  # 90 days
    assert lifecycle.stage(entry("a", "2026-12-01"), TODAY) is lifecycle.Stage.SOON
    assert lifecycle.stage(entry("a", "2026-11-30"), TODAY) is lifecycle.Stage.RETIRED  # the day
    assert lifecycle.stage(entry("a", "2026-11"), TODAY) is lifecycle.Stage.RETIRED  # the 1st


def test_split_mark_and_summary():
    models = [entry("old", "2026-07-24"), entry("soon", "2026-12-11"), entry("live", None)]
    kept, retired = lifecycle.split(models, TODAY)
    assert [e.id for e in kept] == ["soon", "live"] and [e.id for e in retired] == ["old"]
    assert [lifecycle.mark(e, TODAY) for e in models] == [
        "shut down 2026-07-24",
        "shuts down 2026-12-11",
        "",
    ]
    assert lifecycle.summary(models, TODAY) == (
        "1 model is past its shutdown date: acme/old (2026-07-24); "
        "1 model shuts down within 90 days: acme/soon (2026-12-11)"
    )
    assert lifecycle.summary([entry("live", None)], TODAY) is None
    assert lifecycle.left_out_note([]) is None


def test_models_leaves_out_retired_models_unless_asked():
    runner = CliRunner()
    shown = runner.invoke(app, ["models", "--provider", "deepseek", "--json"])
    everything = runner.invoke(
        app, ["models", "--provider", "deepseek", "--json", "--include-deprecated"]
    )
    assert shown.exit_code == everything.exit_code == 0
    ids = {e["id"] for e in json.loads(shown.stdout)}
    all_ids = {e["id"] for e in json.loads(everything.stdout)}
    assert "deepseek-chat" in all_ids - ids
    assert "--include-deprecated shows them" in shown.stderr
