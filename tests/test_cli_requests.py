"""`count` and `estimate` on request bodies: the format is detected, the body's model
and max_tokens are used, and the parts not counted exactly are listed."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from costcalc.cli import app

runner = CliRunner()


def run(*args, input=None):
    return runner.invoke(app, list(args), input=input)


def test_count_detects_the_shape_and_uses_the_bodys_model(data_dir):
    path = data_dir / "requests" / "openai_batch.jsonl"
    result = run("count", str(path), "--json")
    assert result.exit_code == 0, result.stderr
    inputs = json.loads(result.stdout)["inputs"]
    assert [(i["line"], i["model"], i["label"], i["max_output_tokens"]) for i in inputs] == [
        (1, "openai/gpt-4o-mini", "r1", 100),
        (2, "openai/gpt-4o", "r2", 50),
    ]
    assert all(i["exact"] for i in inputs)


def test_count_lists_the_approximate_parts(data_dir):
    result = run("count", str(data_dir / "requests" / "anthropic.json"), "--json")
    data = json.loads(result.stdout)
    assert data["exact"] is False
    parts = {p["path"] for p in data["inputs"][0]["approximate_parts"]}
    assert {"messages[0].content[0]", "tools[0]"} <= parts


def test_minus_m_overrides_the_body_with_a_warning(data_dir):
    path = data_dir / "requests" / "openai_chat.json"
    result = run("count", str(path), "-m", "gpt-4o-mini", "--json")
    assert result.exit_code == 0
    note = "priced on the models chosen on the command line instead"
    assert f"warning: the request names model 'gpt-4o'; {note}" in result.stderr
    assert json.loads(result.stdout)["inputs"][0]["model"] == "openai/gpt-4o-mini"


def test_text_files_stay_text(tmp_path):
    path = tmp_path / "prompt.txt"
    path.write_text('{"messages": [{"role": "user", "content": "hi"}]}')
    data = json.loads(run("count", str(path), "--json").stdout)
    assert "exact" not in data["inputs"][0]  # counted as text, no request keys


def test_unknown_shape_is_one_line_and_exit_2(tmp_path):
    path = tmp_path / "data.json"
    path.write_text('{"api_key": "sk-do-not-echo"}')
    result = run("count", str(path))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {path}: no known request shape")
    assert "sk-do-not-echo" not in result.stderr
    assert result.stderr.count("\n") == 1


def test_bad_image_size_option():
    result = run("count", "--image-size", "big", input="x")
    assert result.exit_code == 2
    assert "--image-size: expected WIDTHxHEIGHT in pixels, got 'big'" in result.stderr


def test_estimate_without_m_prices_each_line_on_its_own_model(data_dir):
    path = data_dir / "requests" / "openai_batch.jsonl"
    result = run("estimate", str(path), "--output-tokens", "10", "--json")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)["estimates"]
    assert sorted((r["input"], r["model"], r["max_output_tokens"]) for r in rows) == [
        (f"{path}:1", "openai/gpt-4o-mini", 100),
        (f"{path}:2", "openai/gpt-4o", 50),
    ]
    for r in rows:
        assert r["cost_usd_worst_case"] > r["cost_usd"]["total"]


def test_estimate_worst_case_is_the_cost_at_max_tokens(data_dir):
    path = data_dir / "requests" / "openai_chat.json"
    base = json.loads(run("estimate", str(path), "--json").stdout)["estimates"][0]
    at_max = run("estimate", str(path), "--output-tokens", "500", "--json")
    row = json.loads(at_max.stdout)["estimates"][0]
    assert base["max_output_tokens"] == 500
    assert base["cost_usd_worst_case"] == row["cost_usd"]["total"]


def test_estimate_of_a_body_without_a_model_asks_for_one(data_dir):
    path = data_dir / "requests" / "gemini.json"
    result = run("estimate", str(path))
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {path}: the request names no model: give -m MODEL (repeatable), "
        "--provider P or --all\n"
    )


def test_estimate_of_an_unknown_body_model_is_an_error(tmp_path):
    path = tmp_path / "r.json"
    path.write_text('{"model": "gpt-9000", "messages": [{"role": "user", "content": "hi"}]}')
    result = run("estimate", str(path))
    assert result.exit_code == 2
    assert result.stderr.startswith("error: unknown model 'gpt-9000'")


def test_request_outputs_follow_the_json_schemas(data_dir):
    jsonschema = __import__("pytest").importorskip("jsonschema")
    from costcalc import schemas

    for name in ("anthropic.json", "openai_batch.jsonl", "gemini.json"):
        path = str(data_dir / "requests" / name)
        doc = json.loads(run("count", path, "--json").stdout)
        jsonschema.validate(doc, schemas.load("count"), cls=jsonschema.Draft202012Validator)
    path = str(data_dir / "requests" / "anthropic.json")
    doc = json.loads(run("estimate", path, "--json").stdout)
    assert doc["estimates"][0]["approximate_parts"]
    jsonschema.validate(doc, schemas.load("estimate"), cls=jsonschema.Draft202012Validator)


def test_parts_not_priced_are_one_warning_per_reason(tmp_path):
    audio = {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}}
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": [audio, audio]}]}
    path = tmp_path / "a.json"
    path.write_text(json.dumps(body))
    result = run("count", str(path), "--json")
    assert result.exit_code == 0
    assert result.stderr == (
        f"warning: {path}: messages[0].content[0]: audio: not priced (no rule for this model "
        "in the tables) (openai/gpt-4o) (2 such parts in the file); left out of the count\n"
    )
    assert json.loads(result.stdout)["exact"] is False


def _batch(tmp_path, lines: int):
    path = tmp_path / "batch.jsonl"
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Say hi."}]}
    path.write_text(
        "".join(
            json.dumps({"custom_id": f"r{i}", "method": "POST", "url": "/v1/chat/completions",
                        "body": body}) + "\n"
            for i in range(lines)
        )
    )  # fmt: skip
    return str(path)


def _per_call_rows(text: str) -> int:
    return sum(1 for line in text.splitlines() if "batch.jsonl:" in line or line.startswith("r"))


def test_a_long_batch_table_leaves_out_the_per_call_rows_and_says_so(tmp_path):
    path = _batch(tmp_path, 30)  # 60 rows on two models: over the 50 shown unasked
    args = ["estimate", path, "-m", "gpt-4o", "-m", "gpt-4o-mini", "--output-tokens", "5"]
    short = run(*args)
    assert short.exit_code == 0, short.output
    assert "60 per-call rows not shown (30 calls x 2 models)" in short.stdout
    assert _per_call_rows(short.stdout) == 0
    full = run(*args, "--per-call")
    assert full.exit_code == 0 and "not shown" not in full.stdout
    assert _per_call_rows(full.stdout) == 60
    md = run(*args, "--output", "markdown")
    assert "- 60 per-call rows not shown" in md.stdout
    assert len(json.loads(run(*args, "--json").stdout)["estimates"]) == 60  # JSON has them all


def test_a_short_batch_shows_its_calls_unless_told_not_to(tmp_path):
    path = _batch(tmp_path, 25)  # 25 rows on one model
    args = ["estimate", path, "-m", "gpt-4o", "--output-tokens", "5"]
    assert _per_call_rows(run(*args).stdout) == 25
    quiet = run(*args, "--no-per-call")
    assert _per_call_rows(quiet.stdout) == 0 and "not shown" not in quiet.stdout
