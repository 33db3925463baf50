"""`costcalc check` on targets of every workload kind: conversations, transcripts, task files."""

from __future__ import annotations

import json
from decimal import Decimal

from typer.testing import CliRunner

from costcalc.cli import app

runner = CliRunner()

# Round prices, exact o200k_base counts: "word" + " word" x (n - 1) is n tokens.
TABLE = """\
schema_version: 1
provider: testco
source: https://example.test/pricing
as_of: "2026-11-01"
tokenizer: {encoding: o200k_base, exact: true}
caching: {mode: automatic, min_tokens: 100, granularity: 10, writes: input, source: example.test}
models:
  tc-fast:
    context_window: 128000
    price: {input: 1.00, cached_input: 0.10, output: 2.00}
    throughput: {ttft_s: 0.5, output_tps: 100, source: example.test, as_of: "2026-11"}
"""


def words(n: int) -> str:
    return "word" + " word" * (n - 1)


def repo(tmp_path, monkeypatch, target: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "prices.yaml").write_text(TABLE)
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "user.txt").write_text(words(50))
    (tmp_path / "system.txt").write_text(words(100))
    (tmp_path / "costcalc.yaml").write_text(
        "pricing: [prices.yaml]\ntargets:\n" + target + "budget:\n  monthly_usd: 100\n"
    )


def check(*args):
    return runner.invoke(app, ["check", *args])


def test_a_conversation_target(tmp_path, monkeypatch):
    repo(
        tmp_path,
        monkeypatch,
        """\
  - name: chat
    prompts: prompts/user.txt
    model: tc-fast
    turns: 3
    system: system.txt
    output_tokens: 20
    calls: 1000
    per: day
    budget:
      per_call_usd: 0.001
""",
    )
    result = check("--json")
    assert result.exit_code == 0, result.output
    (target,) = json.loads(result.stdout, parse_float=Decimal)["targets"]
    # calls send 150, 220, 290 tokens (system 100 + 50 k + 20 (k - 1)); prefixes 0, 150, 220
    # are cached from 100 tokens in steps of 10: 0, 150, 220 cached.
    #   uncached 150 + 70 + 70 = 290 x $1 = 290; cached 370 x $0.10 = 37; output 60 x $2 = 120
    #   -> $0.000447 a conversation; 1,000 a day -> 30,416.6... a month
    assert target["unit"] == "turns"
    (prompt,) = target["prompts"]
    assert prompt["calls"] == 3 and prompt["tokens"] == 290  # the largest call
    assert target["per_call_usd"] == Decimal("0.000447")
    assert target["monthly_usd"] == Decimal("13.59625")  # 0.000447 x 1000 x 43800 / 1440


def test_a_transcript_target_and_a_task_file_target(tmp_path, monkeypatch):
    repo(
        tmp_path,
        monkeypatch,
        """\
  - name: replay
    prompts: chats/*.json
    model: tc-fast
    unit: transcript
    prompt_cache: false
    calls: 10
  - name: batch
    prompts: jobs.jsonl
    format: jsonl
    unit: file
    model: tc-fast
    output_tokens: 10
    calls: 10
    per: week
""",
    )
    (tmp_path / "chats").mkdir()
    chat = [
        {"role": "user", "content": words(10)},
        {"role": "assistant", "content": words(5)},
        {"role": "user", "content": words(10)},
        {"role": "assistant", "content": words(5)},
    ]
    (tmp_path / "chats" / "a.json").write_text(json.dumps(chat))
    (tmp_path / "jobs.jsonl").write_text(
        json.dumps({"prompt": words(7)}) + "\n" + json.dumps({"prompt": words(3)}) + "\n"
    )
    result = check("--json")
    assert result.exit_code == 0, result.output
    replay, batch = json.loads(result.stdout, parse_float=Decimal)["targets"]
    assert replay["unit"] == "transcript" and replay["prompts"][0]["calls"] == 2
    # a message costs 3 + its role (1) + its content; a reply is primed with 3 more:
    # call 1 sends 4 + 10 + 3 = 17 tokens, call 2 sends 14 + 9 + 14 + 3 = 40;
    # replies are 5 tokens each: 57 x $1 + 10 x $2 = $0.000077
    assert replay["per_call_usd"] == Decimal("0.000077")
    (job,) = batch["prompts"]
    assert (job["calls"], job["tokens"]) == (2, 7)
    # 10 input tokens x $1 + 20 output x $2 = $0.00005 a file; 10 files a week
    assert batch["per_call_usd"] == Decimal("0.00005")
    assert batch["monthly_usd"] == Decimal("0.002173")  # 0.00005 x 10 x 43800 / 10080, to 1e-6


def test_bad_workload_keys_are_config_errors(tmp_path, monkeypatch):
    repo(
        tmp_path,
        monkeypatch,
        """\
  - name: chat
    prompts: prompts/user.txt
    model: tc-fast
    unit: transcript
    turns: 2
""",
    )
    result = check()
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        "error: costcalc.yaml:7: targets[0].turns: turns make each prompt a turn of a "
        "conversation; unit 'transcript' does not go with them"
    )


def test_a_task_file_whose_lines_share_a_system_prompt_reads_it_from_the_cache(
    tmp_path, monkeypatch
):
    repo(
        tmp_path,
        monkeypatch,
        """\
  - name: batch
    prompts: jobs.jsonl
    format: auto
    unit: file
    model: tc-fast
    output_tokens: 10
    calls: 10
    per: week
""",
    )
    lines = [
        {
            "messages": [
                {"role": "system", "content": words(200)},
                {"role": "user", "content": words(n)},
            ]
        }
        for n in (7, 3)
    ]
    (tmp_path / "jobs.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    result = check("--json")
    assert result.exit_code == 0, result.output
    (batch,) = json.loads(result.stdout, parse_float=Decimal)["targets"]
    # the system message is 3 + 1 (role) + 200 = 204 tokens, a user message 3 + 1 + n, and
    # the reply priming 3: line 1 sends 218, line 2 sends 214 of which it shares 204 with
    # line 1; the table caches from 100 tokens in steps of 10, so 200 are read.
    # line 1: 218 x $1 + 10 x $2 = 238; line 2: 200 x $0.10 + 14 x $1 + 20 = 54 -> $0.000292
    assert batch["per_call_usd"] == Decimal("0.000292")
