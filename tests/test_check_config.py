"""costcalc/check/config.py: strict loading of costcalc.yaml, and its JSON Schema."""

from __future__ import annotations

import json
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

from costcalc.check import config as cfg
from costcalc.choices import InputFormat, Per
from costcalc.errors import ConfigError


def load(tmp_path: Path, text: str) -> cfg.Config:
    path = tmp_path / "costcalc.yaml"
    path.write_text(textwrap.dedent(text))
    return cfg.load_config(path)


def test_defaults_are_inherited_and_numbers_are_exact(tmp_path):
    config = load(
        tmp_path,
        """\
        pricing: ours.yaml
        defaults: {model: gpt-4o-mini, output_tokens: 400, cached_fraction: 0.1, per: day}
        targets:
          - name: a
            prompts: "a/*.txt"
            calls: 10
            budget: {per_call_usd: 0.1, monthly_usd: 1e3}
          - name: b
            prompts: ["b/**/*.json"]
            model: gpt-4o
            format: chat
            output_tokens: 5
        """,
    )
    a, b = config.targets
    assert (a.model, a.output_tokens, a.per, a.calls) == ("gpt-4o-mini", 400, Per.DAY, 10)
    assert a.cached_fraction == Decimal("0.1")  # not 0.1000000000000000055...
    assert [(r.name, r.limit, r.where.line) for r in a.budget] == [
        ("per_call_usd", Decimal("0.1"), 7),
        ("monthly_usd", Decimal("1e3"), 7),
    ]
    assert [p for p, _ in a.prompts] == ["a/*.txt"]
    assert (b.model, b.format, b.output_tokens, b.calls) == ("gpt-4o", InputFormat.CHAT, 5, None)
    assert config.pricing == (tmp_path / "ours.yaml",)
    assert config.root == tmp_path


def test_a_default_error_points_at_the_defaults_line(tmp_path):
    with pytest.raises(ConfigError) as err:
        load(tmp_path, "defaults:\n  output_tokens: 1.5\ntargets: [{name: a, prompts: x}]\n")
    assert str(err.value).endswith(
        "costcalc.yaml:2: defaults.output_tokens: expected a whole number >= 0, got 1.5"
    )


def test_overall_monthly_budget_needs_every_target_to_have_calls(tmp_path):
    with pytest.raises(ConfigError) as err:
        load(
            tmp_path,
            """\
            defaults: {model: m}
            targets:
              - {name: a, prompts: x, calls: 5}
              - {name: b, prompts: y}
            budget:
              monthly_usd: 10
            """,
        )
    assert str(err.value).endswith(
        "costcalc.yaml:6: budget.monthly_usd: needs the monthly cost of every target, "
        "but target 'b' has no 'calls' (give it calls and per)"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "costcalc.yaml: expected a mapping with 'targets' (see the costcalc check docs)"),
        (
            "targets: []\n",
            "costcalc.yaml:1: targets: expected a non-empty list of targets, got a list",
        ),
        ("targets: [{prompts: x, model: m}]\n", "costcalc.yaml:1: targets[0]: missing 'name'"),
        (
            "targets: [{name: a, prompts: x}]\n",
            "costcalc.yaml:1: targets[0]: missing 'model' (give it here or under defaults)",
        ),
        (
            "targets: [{name: a, prompts: [], model: m}]\n",
            "costcalc.yaml:1: targets[0].prompts: "
            "expected a glob or a non-empty list of globs, got a list",
        ),
        (
            "targets: [{name: a, prompts: x, model: m, batch: 1}]\n",
            "costcalc.yaml:1: targets[0].batch: expected true or false, got 1",
        ),
        (
            "targets: [{name: a, prompts: x, model: m, cached_fraction: 1.5}]\n",
            "costcalc.yaml:1: targets[0].cached_fraction: "
            "expected a fraction between 0 and 1, got 1.5",
        ),
        (
            "targets: [{name: a, prompts: x, model: m, budget: {per_call_usd: -1}}]\n",
            "costcalc.yaml:1: targets[0].budget.per_call_usd: "
            "expected a finite number >= 0, got -1",
        ),
        (
            "targets: [{name: a, prompts: x, model: m, budget: {max_input_tokens: 2.5}}]\n",
            "costcalc.yaml:1: targets[0].budget.max_input_tokens: expected a whole number, got 2.5",
        ),
        (
            "targets: [{name: a, prompts: x, model: m, format: csv}]\n",
            "costcalc.yaml:1: targets[0].format: expected one of auto, text, chat, jsonl, "
            "openai-chat, openai-responses, anthropic, gemini, openai-batch, anthropic-batch, "
            "gemini-batch, prompt, got 'csv'",
        ),
        (
            "targets: [{name: a, prompts: x, model: m}]\nbudget: {per_call_usd: 1}\n",
            "costcalc.yaml:2: budget.per_call_usd: unknown key "
            "(expected one of: monthly_usd, max_increase_pct, max_increase_usd)",
        ),
        (
            "targets: [{name: a, prompts: x, model: m}]\ndefaults: {name: b}\n",
            "costcalc.yaml:2: defaults.name: unknown key (expected one of: model, format, "
            "unit, turns, system, output_tokens, output_file, reasoning_tokens, cached_fraction, "
            "cache_write_fraction, prompt_cache, response_cache_hit, batch, service_tier, "
            "cache_ttl, calls, per)",
        ),
    ],
)
def test_bad_configs(tmp_path, text, message):
    with pytest.raises(ConfigError) as err:
        load(tmp_path, text)
    assert str(err.value) == f"{tmp_path / message.split(':')[0]}{message[len('costcalc.yaml') :]}"


def test_find_config_in_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "costcalc.yml").write_text("targets: []\n")
    assert cfg.find_config(None) == Path("costcalc.yml")
    with pytest.raises(ConfigError, match="config missing.yaml: no such file"):
        cfg.find_config("missing.yaml")


# ---------------------------------------------------------------- the published schema

SCHEMA = Path(cfg.__file__).with_name("config.schema.json")


def test_schema_names_exactly_the_keys_the_loader_accepts():
    schema = json.loads(SCHEMA.read_text())
    defs = schema["$defs"]
    assert tuple(schema["properties"]) == cfg.TOP_KEYS
    assert tuple(defs["request"]["properties"]) == cfg.REQUEST_KEYS
    assert tuple(defs["target"]["properties"]) == cfg.TARGET_KEYS
    assert tuple(defs["target"]["properties"]["budget"]["properties"]) == cfg.TARGET_RULES
    assert tuple(schema["properties"]["budget"]["properties"]) == cfg.OVERALL_RULES
    assert defs["request"]["properties"]["format"]["enum"] == [f.value for f in InputFormat]
    assert defs["request"]["properties"]["per"]["enum"] == [p.value for p in Per]


def test_schema_is_shipped_as_package_data():
    from importlib import resources

    assert resources.files("costcalc.check").joinpath("config.schema.json").is_file()


def test_every_problem_of_one_target_is_reported_together(tmp_path):
    with pytest.raises(cfg.ConfigProblems) as caught:
        load(
            tmp_path,
            """\
            targets:
              - name: ""
                prompts: "a/*.txt"
                model: gpt-4o
                output_tokens: many
                colour: blue
                allow_skipped: maybe
                budget: {monthly_usd: 10}
            """,
        )
    lines = [p.message for p in caught.value.problems]
    path = tmp_path / "costcalc.yaml"
    assert lines == [
        f"{path}:6: targets[0].colour: unknown key" + lines[0].split("unknown key", 1)[1],
        f"{path}:2: targets[0].name: expected a non-empty string, got a string (0 characters)",
        lines[2],
        f"{path}:7: targets[0].allow_skipped: expected true or false, got 'maybe'",
        f"{path}:8: targets[0].budget.monthly_usd: needs a monthly cost: give the target "
        "'calls' (and 'per')",
    ]
    assert lines[2].startswith(f"{path}:5: targets[0].output_tokens: ")
    assert all(p.line is not None for p in caught.value.problems)  # each one an annotation
