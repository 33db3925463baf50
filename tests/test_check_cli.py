"""`costcalc check` through the CLI, in throwaway repos priced by a fixture table.

The fixture table (not the bundled ones) fixes the prices, so the expected
figures below are computed by hand from it.
"""

from __future__ import annotations

import json
import textwrap
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from costcalc.cli import app

runner = CliRunner()

TABLE = """\
schema_version: 1
provider: testco
source: https://example.test/pricing
as_of: "2026-11-01"
tokenizer: {encoding: o200k_base, exact: true}
models:
  tc-fast:
    context_window: 128000
    price: {input: 1.00, cached_input: 0.50, output: 2.00}
    throughput: {ttft_s: 0.5, output_tps: 100, source: example.test, as_of: "2026-11"}
  tc-nolat:
    price: {input: 3, output: 6}
  tc-noout:
    price: {input: 1}
"""

# "hello world" is 2 o200k_base tokens. On tc-fast with 1,000 output tokens:
#   2 x $1.00/1M + 1,000 x $2.00/1M = $0.000002 + $0.002 = $0.002002 per call
#   100,000 calls a month -> $200.20 a month; latency 0.5 s + 1,000 / 100 tok/s = 10.5 s
CONFIG = """\
pricing: [prices.yaml]
defaults:
  model: tc-fast
  output_tokens: 1000
targets:
  - name: hello
    prompts: ["prompts/*.txt"]
    calls: 100000
    per: month
    budget:
      per_call_usd: 0.01
      monthly_usd: 250
      latency_s: 11
      max_input_tokens: 100
budget:
  monthly_usd: 300
"""


def make_repo(root: Path, config: str = CONFIG, prompts: dict[str, str] | None = None) -> Path:
    (root / "prices.yaml").write_text(TABLE)
    (root / "costcalc.yaml").write_text(textwrap.dedent(config))
    for name, text in (prompts or {"prompts/hello.txt": "hello world"}).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return make_repo(tmp_path)


def check(*args: str):
    return runner.invoke(app, ["check", *args])


def test_under_budget_exit_0_with_hand_computed_figures(repo):
    result = check("--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout, parse_float=Decimal)
    assert data["version"] == 1 and data["ok"] is True and data["breaches"] == []
    (target,) = data["targets"]
    assert target["model"] == "testco/tc-fast"
    assert target["prompts"] == [
        {
            "path": "prompts/hello.txt",
            "tokens": 2,
            "cost_usd": Decimal("0.002002"),
            "latency_s": Decimal("10.5"),
        }
    ]
    assert target["per_call_usd"] == Decimal("0.002002")
    assert target["monthly_usd"] == Decimal("200.2")
    assert data["total_monthly_usd"] == Decimal("200.2")
    assert '"per_call_usd": 0.002002,' in result.stdout  # exact decimal, not a float's digits


def test_text_report_is_the_default(repo):
    result = check()
    assert result.exit_code == 0
    assert "hello" in result.stdout and "$200" in result.stdout
    assert "ok: within budget, $200/month in all" in result.stdout


def test_monthly_is_the_mean_over_prompts_times_calls(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # 2 and 3 tokens: $0.002002 and $0.002003 per call; mean $0.0020025 x 100,000 = $200.25
    make_repo(tmp_path, prompts={"prompts/a.txt": "hello world", "prompts/b.txt": "hello world!"})
    data = json.loads(check("--json").stdout, parse_float=Decimal)
    (target,) = data["targets"]
    assert [p["tokens"] for p in target["prompts"]] == [2, 3]
    assert target["per_call_usd"] == Decimal("0.002003")
    assert target["monthly_usd"] == Decimal("200.25")


@pytest.mark.parametrize(
    ("old", "new", "target", "rule", "limit", "actual"),
    [
        ("per_call_usd: 0.01", "per_call_usd: 0.002", "hello", "per_call_usd", "0.002", "0.002002"),
        ("monthly_usd: 250", "monthly_usd: 200", "hello", "monthly_usd", "200", "200.2"),
        ("latency_s: 11", "latency_s: 10", "hello", "latency_s", "10", "10.5"),
        ("max_input_tokens: 100", "max_input_tokens: 1", "hello", "max_input_tokens", "1", "2"),
        ("  monthly_usd: 300", "  monthly_usd: 199.99", None, "monthly_usd", "199.99", "200.2"),
    ],
)
def test_each_rule_breached_exits_1(repo, old, new, target, rule, limit, actual):
    config = repo / "costcalc.yaml"
    assert old in config.read_text()
    config.write_text(config.read_text().replace(old, new))
    result = check("--json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout, parse_float=Decimal)
    assert data["ok"] is False
    (breach,) = data["breaches"]
    assert (breach["target"], breach["rule"]) == (target, rule)
    assert (breach["limit"], breach["actual"]) == (Decimal(limit), Decimal(actual))


def test_a_figure_equal_to_its_limit_passes(repo):
    config = repo / "costcalc.yaml"
    text = config.read_text().replace("per_call_usd: 0.01", "per_call_usd: 0.002002")
    config.write_text(text.replace("latency_s: 11", "latency_s: 10.5"))
    assert check().exit_code == 0


def test_exit_zero_reports_but_passes(repo):
    config = repo / "costcalc.yaml"
    config.write_text(config.read_text().replace("per_call_usd: 0.01", "per_call_usd: 0.001"))
    result = check("--exit-zero")
    assert result.exit_code == 0
    assert "FAILED: 1 budget breach" in result.stdout
    assert (
        "breach: target 'hello': the most expensive prompt costs $0.002002 per call, "
        "over the budget of $0.001 per call (per_call_usd)" in result.stdout
    )


# ---------------------------------------------------------------- bad input: exit 2


def _edit(old: str, new: str):
    def apply(root: Path) -> None:
        path = root / "costcalc.yaml"
        assert old in path.read_text()
        path.write_text(path.read_text().replace(old, new))

    return apply


BAD = {
    "unknown key": (
        _edit("    calls: 100000", "    calls: 100000\n    cals: 5"),
        "error: costcalc.yaml:9: targets[0].cals: unknown key (expected one of: name, prompts, "
        "model, format, unit, turns, system, output_tokens, output_file, reasoning_tokens, "
        "cached_fraction, cache_write_fraction, prompt_cache, response_cache_hit, batch, "
        "service_tier, cache_ttl, calls, per, budget, allow_skipped)",
    ),
    "unknown budget rule": (
        _edit("      latency_s: 11", "      latency: 11"),
        "error: costcalc.yaml:13: targets[0].budget.latency: unknown key (expected one of: "
        "per_call_usd, monthly_usd, latency_s, max_input_tokens, max_increase_pct, "
        "max_increase_usd)",
    ),
    "broken yaml": (
        _edit("    per: month", "    per: [month"),
        "error: costcalc.yaml:10: invalid YAML: ...",  # the rest is PyYAML's (C or Python)
    ),
    "glob matches nothing": (
        _edit('["prompts/*.txt"]', '["prompts/*.txt", "promtps/*.txt"]'),
        "error: costcalc.yaml:7: targets[0].prompts[1]: 'promtps/*.txt' matches no file "
        "(globs are relative to {root})",
    ),
    "unknown model": (
        _edit("  model: tc-fast", "  model: tc-fats"),
        "error: costcalc.yaml:3: defaults.model: unknown model 'tc-fats'; "
        "did you mean tc-fast, tc-nolat?",
    ),
    "missing price": (
        _edit("  model: tc-fast", "  model: tc-noout"),
        "error: costcalc.yaml:3: defaults.model: target 'hello': testco/tc-noout: "
        "the table has no output price",
    ),
    "latency unknown": (
        _edit("  model: tc-fast", "  model: tc-nolat"),
        "error: costcalc.yaml:13: targets[0].budget.latency_s: latency is unknown for "
        "testco/tc-nolat: its price table has no throughput figures (time to first token "
        "and output tokens/s) for it",
    ),
    "monthly without calls": (
        _edit("    calls: 100000\n", ""),
        "error: costcalc.yaml:11: targets[0].budget.monthly_usd: needs a monthly cost: "
        "give the target 'calls' (and 'per')",
    ),
    "wrong type": (
        _edit("per_call_usd: 0.01", "per_call_usd: cheap"),
        "error: costcalc.yaml:11: targets[0].budget.per_call_usd: expected a number, got 'cheap'",
    ),
    "bad per": (
        _edit("per: month", "per: fortnight"),
        "error: costcalc.yaml:9: targets[0].per: expected one of minute, hour, day, week, "
        "month, got 'fortnight'",
    ),
    "duplicate target": (
        _edit(
            "budget:\n  monthly_usd", '  - name: hello\n    prompts: "x"\nbudget:\n  monthly_usd'
        ),
        "error: costcalc.yaml:15: targets[1].name: duplicate target name 'hello' (first on line 6)",
    ),
    "duplicate key": (
        _edit("    per: month", "    per: month\n    per: day"),
        "error: costcalc.yaml:10: targets[0].per: duplicate key (first on line 9)",
    ),
    "no targets": (
        lambda root: (root / "costcalc.yaml").write_text("defaults: {model: tc-fast}\n"),
        "error: costcalc.yaml:1: missing 'targets' (a list of targets)",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_config_exits_2_with_one_clear_message(repo, case):
    breakage, expected = BAD[case]
    breakage(repo)
    result = check()
    assert result.exit_code == 2, result.output
    first = result.stderr.splitlines()[0]
    expected = expected.format(root=repo.resolve())
    if expected.endswith("..."):
        assert first.startswith(expected[:-3]) and len(first) > len(expected)
    else:
        assert first == expected
    assert "Traceback" not in result.output
    assert result.stdout == ""


def test_no_config_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = check()
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"error: no costcalc.yaml in {tmp_path} (looked for costcalc.yaml and costcalc.yml)",
        "hint: run from the directory that holds it, or give --config FILE",
    ]


def test_config_option_missing_file(repo):
    result = check("--config", "nope.yaml")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == "error: config nope.yaml: no such file"


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ("not json", "line 1: invalid JSON: Expecting value (column 1)"),
        (
            '{"estimates": []}',
            "expected an object with 'version' and 'targets', got an object without them",
        ),
        (
            '"ghp_FAKE_TOKEN"',
            "expected an object with 'version' and 'targets', got a string (14 characters)",
        ),
        ('{"version": 2, "targets": []}', "version 2; this costcalc reads version 1"),
        ('{"version": true, "targets": []}', "'version' is a boolean, not the number 1"),
        (
            '{"version": "ghp_FAKE", "targets": []}',
            "'version' is a string (8 characters), not the number 1",
        ),
        (
            '{"version": 1, "targets": [], "total_monthly_usd": "5"}',
            "'total_monthly_usd' is not an amount >= 0",
        ),
        (
            '{"version": 1, "targets": [], "total_monthly_usd": 1e999999999}',
            "'total_monthly_usd' is not an amount >= 0",
        ),
        (
            '{"version": 1, "targets": [], "total_monthly_usd": -5}',
            "'total_monthly_usd' is not an amount >= 0",
        ),
        (
            '{"version": 1, "total_monthly_usd": 1, "targets": '
            '[{"name": "a", "monthly_usd": 1}, {"name": "a", "monthly_usd": 0}]}',
            "targets[1] has the same name as targets[0]",
        ),
        (
            '{"version": 1, "total_monthly_usd": 1, "targets": [{"name": "a", "monthly_usd": '
            + "9" * 5000
            + "}]}",
            "a number with 5,000 digits (at most 100)",
        ),
        ("[" * 50_000 + "]" * 50_000, "JSON nested too deeply"),
        ("\x00binary", "binary data, not text"),
    ],
)
def test_baseline_that_is_not_a_report(repo, content, why):
    (repo / "base.json").write_text(content)
    result = check("--baseline", "base.json")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        f"error: baseline base.json: not a costcalc check report ({why})"
    )


# ---------------------------------------------------------------- against a baseline

GROWN = """\
pricing: [prices.yaml]
defaults:
  model: tc-fast
  output_tokens: 1100
targets:
  - name: hello
    prompts: ["prompts/*.txt"]
    calls: 100000
    budget:
      max_increase_pct: 5
  - name: fresh
    prompts: ["prompts/*.txt"]
    calls: 1000
    budget:
      max_increase_pct: 1
      max_increase_usd: 1
budget:
  max_increase_pct: 15
  max_increase_usd: 30
"""


def test_baseline_growth_and_a_new_target(repo):
    base = check("--json")
    assert base.exit_code == 0
    (repo / "base.json").write_text(base.stdout)
    (repo / "costcalc.yaml").write_text(GROWN)
    # hello: 2 x $1/1M + 1,100 x $2/1M = $0.002202 x 100,000 = $220.20 (+$20, +9.99%)
    # fresh (new): $0.002202 x 1,000 = $2.202; total $222.402 (+$22.202, +11.09%)
    result = check("--baseline", "base.json", "--json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout, parse_float=Decimal)
    breaches = {(b["target"], b["rule"]): b["actual"] for b in data["breaches"]}
    assert breaches == {
        ("hello", "max_increase_pct"): Decimal("9.99"),
        ("fresh", "max_increase_usd"): Decimal("2.202"),  # new: only the dollar rule applies
    }
    assert data["baseline"]["diff_usd"] == Decimal("22.202")
    assert data["baseline"]["diff_pct"] == Decimal("11.09")
    statuses = {t["name"]: t["status"] for t in data["baseline"]["targets"]}
    assert statuses == {"hello": "kept", "fresh": "new"}
    # worst first: 2.202 / 1 beats 9.99 / 5
    assert [b["target"] for b in data["breaches"]] == ["fresh", "hello"]


def test_report_is_a_valid_baseline_and_markdown_shows_before_after(repo):
    (repo / "base.json").write_text(check("--json").stdout)
    result = check("--baseline", "base.json", "--markdown")
    assert result.exit_code == 0
    assert result.stdout.startswith("### ✅ costcalc check passed: within budget\n")
    assert "| before | after | diff | diff % |" in result.stdout
    assert "| $200 | $200 | $0 | 0% |" in result.stdout


# ---------------------------------------------------------------- CI outputs


def test_annotations_with_text_go_to_stdout_and_escape(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    make_repo(tmp_path, CONFIG.replace("0.01", "0.001"), {"prompts/a,b:c%.txt": "hello world"})
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    result = check()
    assert result.exit_code == 1
    lines = [x for x in result.stdout.splitlines() if x.startswith("::")]
    assert lines == [
        "::error file=prompts/a%2Cb%3Ac%25.txt,title=costcalc per_call_usd (hello)::"
        "target 'hello': the most expensive prompt costs $0.002002 per call, "
        "over the budget of $0.001 per call (per_call_usd)"
    ]


def test_annotations_with_json_go_to_stderr(repo):
    config = repo / "costcalc.yaml"
    config.write_text(config.read_text().replace("monthly_usd: 250", "monthly_usd: 100"))
    result = check("--json", "--annotations", "github")
    assert result.exit_code == 1
    json.loads(result.stdout)  # not polluted
    assert (
        "::error file=costcalc.yaml,line=12,title=costcalc monthly_usd (hello)::"
        "target 'hello': $200/month, over the budget of $100/month (monthly_usd)"
    ) in result.stderr.splitlines()


@pytest.mark.parametrize(("env", "args"), [("", ()), ("true", ("--annotations", "none"))])
def test_no_annotations_outside_github_or_when_turned_off(repo, monkeypatch, env, args):
    monkeypatch.setenv("GITHUB_ACTIONS", env)
    config = repo / "costcalc.yaml"
    config.write_text(config.read_text().replace("monthly_usd: 250", "monthly_usd: 100"))
    result = check(*args)
    assert result.exit_code == 1
    assert "::error" not in result.output


def test_step_summary_is_appended(repo, monkeypatch):
    summary = repo / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = check("--json")
    assert result.exit_code == 0
    text = summary.read_text()
    assert text.startswith("earlier step\n### ✅ costcalc check passed: within budget\n")
    assert "| ✅ hello | testco/tc-fast | 2 | $0.002002 | 10.5 s | $200 |" in text


def test_junit_parses_and_counts_failures(repo):
    config = repo / "costcalc.yaml"
    text = config.read_text().replace("latency_s: 11", "latency_s: 10")
    config.write_text(text.replace("  monthly_usd: 300", "  monthly_usd: 150"))
    result = check("--junit", "report.xml")
    assert result.exit_code == 1
    root = ET.parse(repo / "report.xml").getroot()
    suite = root.find("testsuite")
    cases = suite.findall("testcase")
    assert len(cases) == 5 and suite.get("tests") == "5"  # 4 target rules + 1 overall
    failed = [(c.get("classname"), c.get("name")) for c in cases if c.find("failure") is not None]
    assert failed == [("costcalc.hello", "latency_s"), ("costcalc.all targets", "monthly_usd")]
    assert suite.get("failures") == root.get("failures") == "2"


def test_output_csv_is_refused(repo):
    result = check("--output", "csv")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: invalid value for '--output': 'csv' is not one of 'table', 'json', 'markdown' "
        "(see 'costcalc check --help')"
    ]


# ---------------------------------------------------------------- the shipped example

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "ci"


def test_example_config_passes_with_the_bundled_tables(monkeypatch, tmp_path):
    monkeypatch.chdir(EXAMPLE)
    result = check("--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [t["model"] for t in data["targets"]] == ["openai/gpt-4o", "openai/gpt-4o-mini"]
    assert all(p["tokens"] > 0 for t in data["targets"] for p in t["prompts"])
    (tmp_path / "base.json").write_text(result.stdout)
    again = check("--baseline", str(tmp_path / "base.json"), "--markdown")
    assert again.exit_code == 0, again.output
    assert "costcalc check passed" in again.stdout


def test_empty_baseline_makes_every_target_new(repo):
    (repo / "base.json").write_text(
        '{"version": 1, "ok": true, "total_monthly_usd": 0, "targets": [], "breaches": []}'
    )
    config = repo / "costcalc.yaml"
    config.write_text(config.read_text() + "  max_increase_pct: 1\n  max_increase_usd: 100\n")
    result = check("--baseline", "base.json", "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout, parse_float=Decimal)
    assert [(b["target"], b["rule"], b["actual"]) for b in data["breaches"]] == [
        (None, "max_increase_usd", Decimal("200.2"))  # no percentage growth from $0
    ]


# ---------------------------------------------------------------- integration files

ROOT = Path(__file__).resolve().parent.parent


def test_pre_commit_hook_runs_costcalc_check():
    import re

    import yaml

    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert (hook["id"], hook["entry"], hook["language"]) == (
        "costcalc-check",
        "costcalc check",
        "python",
    )
    assert hook["pass_filenames"] is False
    files = re.compile(hook["files"])
    assert files.search("costcalc.yaml") and files.search("app/prompts/a.txt")
    assert not files.search("src/main.py")


def test_ci_doc_workflow_is_valid_yaml_using_real_flags():
    import re

    import yaml

    text = (ROOT / "README.md").read_text()
    workflow = re.search(r"```yaml\n(# \.github/workflows/.*?)```", text, re.S).group(1)
    steps = yaml.safe_load(workflow)["jobs"]["costcalc"]["steps"]
    commands = " ".join(s.get("run", "") for s in steps)
    help_text = runner.invoke(app, ["check", "--help"], env={"COLUMNS": "200"}).stdout
    flags = set(re.findall(r"(--[a-z-]+)", commands)) - {"--config"}
    assert flags >= {"--baseline", "--json", "--markdown", "--exit-zero", "--junit"}
    for flag in flags:
        assert flag in help_text, flag


def test_jsonl_and_chat_targets_point_at_the_priciest_request(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = """\
    pricing: [prices.yaml]
    defaults: {model: tc-fast}
    targets:
      - name: batch
        prompts: "reqs.jsonl"
        format: jsonl
        budget: {per_call_usd: 0.000005}
      - name: chat
        prompts: "chat.json"
        format: chat
    """
    long_request = json.dumps({"prompt": "hello world " * 10})
    prompts = {
        "reqs.jsonl": '{"prompt": "hi"}\n' + long_request + "\n",
        "chat.json": json.dumps([{"role": "user", "content": "hello world"}]),
    }
    make_repo(tmp_path, config, prompts)
    result = check("--json", "--annotations", "github")
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    batch, chat = data["targets"]
    assert [p.get("line") for p in batch["prompts"]] == [1, 2]
    # chat counts the per-message overhead: more than the 2 tokens of the bare text
    assert chat["prompts"][0]["tokens"] > 2
    assert chat["monthly_usd"] is None and chat["calls"] is None
    assert result.stderr.splitlines()[-1].startswith(
        "::error file=reqs.jsonl,line=2,title=costcalc per_call_usd (batch)::"
    )


# ---------------------------------------------------------------- prompts that cannot be counted


def test_a_prompt_that_cannot_be_counted_fails_the_check(repo):
    import os

    os.mkfifo(repo / "prompts" / "pipe.txt")
    (repo / "prompts" / "blob.txt").write_bytes(b"\x00\x01binary")
    result = check()
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines()[0] == (
        "error: target 'hello': 2 prompt file(s) could not be counted: "
        "prompts/blob.txt (binary file); "
        "prompts/pipe.txt (a FIFO (named pipe): not read in a directory walk)"
    )


def test_allow_skipped_turns_them_into_warnings(repo):
    import os

    os.mkfifo(repo / "prompts" / "pipe.txt")
    config = (repo / "costcalc.yaml").read_text()
    (repo / "costcalc.yaml").write_text(
        config.replace("    calls: 100000\n", "    calls: 100000\n    allow_skipped: true\n", 1)
    )
    result = check()
    assert result.exit_code == 0, result.output
    assert "warning: target 'hello': skipped prompts/pipe.txt: a FIFO" in result.stderr


def test_a_prompt_file_named_dash_is_a_file_not_stdin(repo):
    (repo / "prompts" / "-").write_text("word " * 500)
    config = (repo / "costcalc.yaml").read_text()
    (repo / "costcalc.yaml").write_text(config.replace('["prompts/*.txt"]', '["prompts/*"]'))
    result = runner.invoke(app, ["check", "--json"], input="hi")
    assert result.exit_code == 1, result.output  # 501 tokens > max_input_tokens 100
    report = json.loads(result.stdout)
    assert report["breaches"][0]["rule"] == "max_input_tokens"


def test_a_symlink_loop_counts_each_prompt_once(repo):
    (repo / "prompts" / "loop").symlink_to(repo / "prompts")
    config = (repo / "costcalc.yaml").read_text()
    (repo / "costcalc.yaml").write_text(config.replace('["prompts/*.txt"]', '["prompts/**/*.txt"]'))
    result = check("--json")
    report = json.loads(result.stdout)
    paths = [p["path"] for p in report["targets"][0]["prompts"]]
    assert len(paths) == len(set(paths)) == len(list((repo / "prompts").glob("*.txt")))


# ---------------------------------------------------------------- report files


def test_an_unwritable_step_summary_does_not_stop_junit(repo, monkeypatch):
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(repo / "no" / "such" / "dir" / "summary.md"))
    result = check("--junit", "j.xml")
    assert result.exit_code == 2, result.output
    assert (repo / "j.xml").read_text().startswith("<?xml")
    assert result.stderr.splitlines()[-1].startswith("error: cannot write ")


def test_an_unwritable_junit_is_exit_2_after_the_summary(repo, monkeypatch):
    summary = repo / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = check("--junit", str(repo / "missing-dir" / "j.xml"))
    assert result.exit_code == 2
    text = summary.read_text()
    assert text.startswith("earlier step\n") and "costcalc" in text.lower()


def test_junit_is_replaced_whole_never_half_written(repo, monkeypatch):
    import costcalc.datafile as datafile

    (repo / "j.xml").write_text("<old/>")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(datafile.os, "replace", broken_replace)
    result = check("--junit", "j.xml")
    assert result.exit_code == 2
    assert (repo / "j.xml").read_text() == "<old/>"
    assert [p.name for p in repo.iterdir() if p.name.startswith(".j.xml")] == []


def test_control_characters_in_names_give_valid_junit(repo):
    config = (repo / "costcalc.yaml").read_text()
    (repo / "costcalc.yaml").write_text(config.replace("name: hello", 'name: "he\\x01llo\\x1b"'))
    result = check("--junit", "j.xml")
    assert result.exit_code == 0, result.output
    root = ET.parse(repo / "j.xml").getroot()
    assert any("he\\x01llo\\x1b" in (c.get("classname") or "") for c in root.iter("testcase"))


def test_a_target_named_like_a_number_marker_stays_a_string(repo):
    config = (repo / "costcalc.yaml").read_text()
    (repo / "costcalc.yaml").write_text(config.replace("name: hello", 'name: "\\0dec:5"'))
    result = check("--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["targets"][0]["name"] == "\x00dec:5"


def test_service_tier_and_cache_ttl_in_the_config(tmp_path):
    (tmp_path / "p.txt").write_text("hello " * 2000)
    config = tmp_path / "costcalc.yaml"
    base = (
        "targets:\n  - name: t\n    prompts: [p.txt]\n    model: {model}\n"
        "    output_tokens: 10\n    {extra}\n"
    )

    def run(model, extra):
        config.write_text(base.format(model=model, extra=extra))
        return CliRunner().invoke(app, ["check", "--config", str(config), "--json"])

    standard = run("gpt-5", "batch: false")
    flex = run("gpt-5", "service_tier: flex")
    assert standard.exit_code == flex.exit_code == 0, flex.stderr
    cost = [json.loads(r.stdout)["targets"][0]["per_call_usd"] for r in (standard, flex)]
    assert cost[1] * 2 == cost[0]  # OpenAI flex: half the standard price
    no_flex = run("gpt-4o", "service_tier: flex")
    assert no_flex.exit_code == 2
    assert "openai/gpt-4o has no flex prices" in no_flex.stderr
    bad = run("claude-sonnet-4-5", "cache_ttl: 2h")
    assert bad.exit_code == 2
    assert "targets[0].cache_ttl: expected one of 5m, 1h, got a string" in bad.stderr
