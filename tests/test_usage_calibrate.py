"""usage --calibrate on a generated llm log whose billed input is a known ratio of o200k."""

from __future__ import annotations

import json
import math
import random
import sqlite3
from decimal import Decimal

from typer.testing import CliRunner

from costcalc.catalog import load_catalog
from costcalc.cli import app
from costcalc.tokenizers import counter, get
from costcalc.usage.calibrate import calibrate

runner = CliRunner()
WORDS = [
    "the",
    "refund",
    "policy",
    "covers",
    "orders",
    "shipped",
    "within",
    "thirty",
    "days",
    "of",
    "purchase",
]


def make_log(path, ratio: float, n: int = 40):
    count = counter(get("o200k_base"))
    rnd = random.Random(3)
    con = sqlite3.connect(path)
    con.execute(
        "CREATE TABLE responses (id TEXT, model TEXT, prompt TEXT, system TEXT, response TEXT, "
        "datetime_utc TEXT, input_tokens INTEGER, output_tokens INTEGER)"
    )
    for i in range(n):
        prompt = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(30, 300)))
        billed = math.ceil(count(prompt) * ratio)
        con.execute(
            "INSERT INTO responses VALUES (?, 'claude-sonnet-4-5', ?, NULL, 'ok', "
            "'2026-11-03T10:00:00', ?, 10)",
            (f"r{i}", prompt, billed),
        )
    con.execute(
        "INSERT INTO responses VALUES ('x', 'gpt-4o', 'exact models are not calibrated', NULL, "
        "'ok', '2026-11-03T10:00:00', 7, 1)"
    )
    con.commit()
    con.close()


def test_calibration_finds_the_known_ratio(tmp_path, data_dir):
    db = tmp_path / "logs.db"
    make_log(db, 1.3)
    catalog = load_catalog([data_dir / "usage" / "pricing"], use_env=False)
    [result] = calibrate([db], catalog)
    assert result.entry.key == "anthropic/claude-sonnet-4-5"
    assert result.calls == 40
    assert abs(result.ratio - Decimal("1.3")) <= Decimal("0.01")  # ceil adds < 1 token a call
    assert result.p10 <= result.median <= result.p90
    assert result.table_ratio == result.entry.tokenizer.ratio  # what the tables said before


def test_the_written_table_is_used_by_count(tmp_path, data_dir):
    db = tmp_path / "logs.db"
    make_log(db, 1.5)
    prices = str(data_dir / "usage" / "pricing")
    result = runner.invoke(
        app,
        ["usage", str(db), "--calibrate", "--calibrate-out", str(tmp_path), "--pricing", prices],
    )
    assert result.exit_code == 0, result.output
    assert "anthropic/claude-sonnet-4-5: 1.5" in result.stdout
    written = tmp_path / "calibrated-anthropic.yaml"
    assert "calibrated from 40 calls" in written.read_text()
    (tmp_path / "p.txt").write_text("hello world, " * 50)
    counted = runner.invoke(
        app,
        ["count", str(tmp_path / "p.txt"), "-m", "claude-sonnet-4-5", "--json",
         "--pricing", prices, "--pricing", str(written)],
    )  # fmt: skip
    assert counted.exit_code == 0, counted.output
    doc = json.loads(counted.stdout)
    assert Decimal(str(doc["ratio"])) == Decimal(str(result.stdout.split(": ")[1].split()[0]))


def test_nothing_to_calibrate_is_one_line(tmp_path, data_dir):
    db = tmp_path / "logs.db"
    sqlite3.connect(db).execute(
        "CREATE TABLE responses (model TEXT, prompt TEXT, datetime_utc TEXT, input_tokens INT, "
        "output_tokens INT)"
    ).connection.commit()
    result = runner.invoke(app, ["usage", str(db), "--calibrate"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: nothing to calibrate:")
