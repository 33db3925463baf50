"""Hostile input: what a careless or malicious user can hand costcalc.

Every case must end in one of the documented ways: a result (0), a breach
(1) or one clear line on stderr (2). Never a traceback, never exit 3, never a
secret from a file echoed back, never unbounded work. Cases that need a real
pipe, FIFO or closed stream run the CLI in a subprocess; the rest use Typer's
runner. The big, slow versions of the bounded-work cases (1 GB of base64, an
alias bomb under a memory cap) are in benchmarks/bench_hostile.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from costcalc.cli import app

runner = CliRunner()
SECRET = "ghp_FAKE0123456789abcdefSECRET"
SECRETS = {
    "url with a token": f"https://x-access-token:{SECRET}@github.com\n",
    "private key": (
        f"-----BEGIN OPENSSH PRIVATE KEY-----\n{SECRET}\n-----END OPENSSH PRIVATE KEY-----\n"
    ),
    ".env": f"API_KEY={SECRET}\nDEBUG=1\n",
    "shadow": f"root:{SECRET}:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n",
    "yaml value": f"token: {SECRET}\n",
    "yaml list": f"- {SECRET}\n",
    "json string": json.dumps(SECRET),
}


def _ok(result, codes=(0, 1, 2)) -> None:
    assert result.exit_code in codes, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    assert "internal error" not in result.output


def _cli(*args: str, **kw):
    return runner.invoke(app, list(args), **kw)


# ---------------------------------------------------------------- secrets never echoed


def _secret_file(tmp_path: Path, content: str, name: str = "creds") -> Path:
    path = tmp_path / name
    path.write_text(content)
    return path


def _config_with_pricing(tmp_path: Path, table: Path) -> Path:
    (tmp_path / "p.txt").write_text("hello")
    config = tmp_path / "costcalc.yaml"
    config.write_text(
        f"pricing: [{table.name}]\ntargets:\n  - name: t\n    prompts: [p.txt]\n    model: gpt-4o\n"
    )
    return config


@pytest.mark.parametrize("content", list(SECRETS.values()), ids=list(SECRETS))
@pytest.mark.parametrize(
    "where",
    ["--pricing", "COSTCALC_PRICING", "config pricing", "--baseline", "import-litellm", "chat"],
)
def test_a_secret_in_a_file_is_never_echoed(tmp_path, monkeypatch, content, where):
    monkeypatch.chdir(tmp_path)
    creds = _secret_file(tmp_path, content)
    if where == "--pricing":
        result = _cli("models", "--pricing", str(creds))
    elif where == "COSTCALC_PRICING":
        monkeypatch.setenv("COSTCALC_PRICING", str(creds))
        result = _cli("models")
    elif where == "config pricing":
        result = _cli("check", "--config", str(_config_with_pricing(tmp_path, creds)))
    elif where == "--baseline":
        (tmp_path / "p.txt").write_text("hello")
        (tmp_path / "costcalc.yaml").write_text(
            "targets:\n  - name: t\n    prompts: [p.txt]\n    model: gpt-4o\n"
        )
        result = _cli("check", "--baseline", str(creds))
    elif where == "import-litellm":
        result = _cli("pricing", "import-litellm", str(creds))
    else:
        chat = _secret_file(tmp_path, content, "creds.json")
        result = _cli("count", str(chat), "--format", "chat")
    _ok(result)
    assert result.exit_code == 2, result.output
    assert SECRET not in result.output
    assert SECRET[:12] not in result.output


def test_pricing_validate_never_echoes_a_secret(tmp_path):
    files = [str(_secret_file(tmp_path, c, f"f{i}")) for i, c in enumerate(SECRETS.values())]
    result = _cli("pricing", "validate", *files)
    _ok(result)
    assert SECRET not in result.output


# ---------------------------------------------------------------- bounded work

BOMB = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
    "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
    "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
    "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
)


def test_a_yaml_alias_bomb_is_refused_with_file_and_line(tmp_path):
    bomb = _secret_file(tmp_path, BOMB, "bomb.yaml")
    result = _cli("models", "--pricing", str(bomb))
    _ok(result)
    assert result.stderr.splitlines()[0] == (
        f"error: {bomb}:2: YAML aliases (*name) are not allowed: write the value out"
    )


def test_a_yaml_alias_bomb_as_a_config_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "costcalc.yaml").write_text(BOMB)
    result = _cli("check")
    _ok(result)
    assert result.stderr.splitlines()[0] == (
        "error: costcalc.yaml:2: YAML aliases (*name) are not allowed: write the value out"
    )


def test_deep_yaml_is_refused(tmp_path):
    deep = _secret_file(tmp_path, "a: " + "[" * 500 + "]" * 500 + "\n", "deep.yaml")
    result = _cli("models", "--pricing", str(deep))
    _ok(result)
    assert result.exit_code == 2
    assert "nested" in result.stderr


@pytest.mark.parametrize("where", ["--pricing", "--baseline", "import-litellm", "config"])
def test_dev_zero_as_a_data_file_is_one_line(tmp_path, monkeypatch, where):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p.txt").write_text("hello")
    (tmp_path / "costcalc.yaml").write_text(
        "targets:\n  - name: t\n    prompts: [p.txt]\n    model: gpt-4o\n"
    )
    args = {
        "--pricing": ["models", "--pricing", "/dev/zero"],
        "--baseline": ["check", "--baseline", "/dev/zero"],
        "import-litellm": ["pricing", "import-litellm", "/dev/zero"],
        "config": ["check", "--config", "/dev/zero"],
    }[where]
    result = _cli(*args)
    _ok(result)
    assert result.exit_code == 2
    assert "binary data, not text" in result.stderr.splitlines()[0]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[" * 50_000 + "]" * 50_000, "nested too deeply"),
        ('{"x": ' + "7" * 5000 + "}", "digits"),
    ],
    ids=["50,000-deep", "5,000-digit integer"],
)
@pytest.mark.parametrize("where", ["import-litellm", "--baseline", "chat", "jsonl"])
def test_deep_json_and_huge_integers_are_one_line(tmp_path, monkeypatch, content, message, where):
    monkeypatch.chdir(tmp_path)
    path = _secret_file(tmp_path, content, "x.jsonl" if where == "jsonl" else "x.json")
    (tmp_path / "p.txt").write_text("hello")
    (tmp_path / "costcalc.yaml").write_text(
        "targets:\n  - name: t\n    prompts: [p.txt]\n    model: gpt-4o\n"
    )
    args = {
        "import-litellm": ["pricing", "import-litellm", str(path)],
        "--baseline": ["check", "--baseline", str(path)],
        "chat": ["count", str(path), "--format", "chat"],
        "jsonl": ["count", str(path), "--format", "jsonl"],
    }[where]
    result = _cli(*args)
    _ok(result)
    assert result.exit_code == 2
    assert message in result.stderr.splitlines()[0]


def _run(shell: str, cwd: Path | None = None, timeout: int = 60) -> subprocess.CompletedProcess:
    cli = f'"{sys.executable}" -c "from costcalc.cli import main; main()"'
    return subprocess.run(
        ["bash", "-c", shell.replace("costcalc", cli)],
        capture_output=True,
        cwd=cwd,
        timeout=timeout,
    )


@pytest.mark.parametrize(
    "shell",
    [
        "costcalc count < /dev/zero",
        "costcalc count /dev/zero",
        "costcalc estimate -m gpt-4o -m gpt-4 < /dev/zero",
        "costcalc estimate /dev/zero -m gpt-4o -m gpt-4",
    ],
)
def test_dev_zero_as_a_prompt_is_refused_at_once(shell):
    proc = _run(shell, timeout=30)
    assert proc.returncode == 2, proc.stderr
    assert b"binary" in proc.stderr
    assert b"Traceback" not in proc.stderr


def test_a_fifo_in_a_walk_never_hangs(tmp_path):
    os.mkfifo(tmp_path / "fifo.txt")
    (tmp_path / "a.txt").write_text("hello")
    proc = _run(f"costcalc count --json {tmp_path}", timeout=30)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["skipped"][0]["reason"].startswith("a FIFO")


def test_utf32_with_a_bom_is_not_read_as_utf16(tmp_path):
    path = tmp_path / "u32.txt"
    path.write_bytes("hello world, here are eleven tokens of text".encode("utf-32"))
    result = _cli("count", "--json", str(path))
    _ok(result)
    assert json.loads(result.stdout)["total_tokens"] == 9


# ---------------------------------------------------------------- odd values


def test_bench_negative_seed_is_a_usage_error():
    result = _cli("bench", "--seed", "-1")
    _ok(result)
    assert result.exit_code == 2


@pytest.mark.parametrize(
    "tools",
    [
        [{"type": "function", "function": {"name": "f", "parameters": "x"}}],
        [
            {
                "type": "function",
                "function": {
                    "name": "f",
                    "parameters": {"type": "object", "properties": {"a": {"enum": 5}}},
                },
            }
        ],
        [{"type": "function", "function": {"name": "f", "description": 5}}],
        [{"type": "function", "function": {"name": 5}}],
        [{"type": "function", "function": "x"}],
        ["x"],
        "x",
    ],
    ids=[
        "parameters string",
        "enum number",
        "description number",
        "name number",
        "function string",
        "tool string",
        "tools string",
    ],
)
def test_odd_tool_schemas_never_crash(tmp_path, tools):
    body = {"messages": [{"role": "user", "content": "hi"}], "tools": tools}
    path = tmp_path / "body.json"
    path.write_text(json.dumps(body))
    result = _cli("count", str(path), "--format", "chat", "-m", "gpt-4o")
    _ok(result)


# ---------------------------------------------------------------- property tests

_settings = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_settings
@given(data=st.binary(max_size=300))
def test_arbitrary_bytes_never_crash_any_reader(tmp_path_factory, data):
    tmp = tmp_path_factory.mktemp("bytes")
    path = tmp / "x.json"
    path.write_bytes(data)
    for args in (
        ["count", str(path)],
        ["count", str(path), "--format", "chat"],
        ["count", str(path), "--format", "jsonl"],
        ["models", "--pricing", str(path)],
        ["pricing", "validate", str(path)],
        ["pricing", "import-litellm", str(path)],
    ):
        _ok(_cli(*args))
    _ok(runner.invoke(app, ["count", "--json"], input=data))


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "messages",
                    "role",
                    "content",
                    "tools",
                    "function",
                    "parameters",
                    "name",
                    "description",
                    "enum",
                    "type",
                    "properties",
                    "version",
                    "targets",
                    "total_monthly_usd",
                    "monthly_usd",
                    "input_cost_per_token",
                    "model",
                    "x",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)


@_settings
@given(value=_json)
def test_arbitrary_json_never_crashes(tmp_path_factory, value):
    tmp = tmp_path_factory.mktemp("json")
    path = tmp / "x.json"
    path.write_text(json.dumps(value))
    (tmp / "p.txt").write_text("hello")
    (tmp / "costcalc.yaml").write_text(
        "targets:\n  - name: t\n    prompts: [p.txt]\n    model: gpt-4o\n"
    )
    for args in (
        ["count", str(path), "--format", "chat"],
        ["count", str(path), "--format", "auto"],
        ["pricing", "import-litellm", str(path)],
        ["check", "--config", str(tmp / "costcalc.yaml"), "--baseline", str(path)],
    ):
        _ok(_cli(*args))


_yaml_scalar = st.none() | st.booleans() | st.integers() | st.text(max_size=12)


@_settings
@given(
    value=st.recursive(
        _yaml_scalar,
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "schema_version",
                        "provider",
                        "models",
                        "price",
                        "input",
                        "output",
                        "tokenizer",
                        "targets",
                        "name",
                        "prompts",
                        "model",
                        "budget",
                        "defaults",
                        "pricing",
                        "x",
                    ]
                ),
                children,
                max_size=5,
            )
        ),
        max_leaves=20,
    )
)
def test_arbitrary_yaml_never_crashes(tmp_path_factory, value):
    import yaml

    tmp = tmp_path_factory.mktemp("yaml")
    text = yaml.safe_dump(value)
    table = tmp / "t.yaml"
    table.write_text(text)
    (tmp / "costcalc.yaml").write_text(text)
    for args in (
        ["models", "--pricing", str(table)],
        ["pricing", "validate", str(table)],
        ["check", "--config", str(tmp / "costcalc.yaml")],
    ):
        _ok(_cli(*args))


# ---------------------------------------------------------------- the tokenizer cache


def test_a_tampered_rank_cache_or_index_never_changes_a_count(tmp_path):
    cache = tmp_path / "cache"
    env = {**os.environ, "COSTCALC_CACHE_DIR": str(cache)}
    cli = [sys.executable, "-c", "from costcalc.cli import main; main()"]
    prompt = tmp_path / "p.txt"
    prompt.write_text("The quick brown fox jumps over the lazy dog. " * 20)

    def count() -> int:
        proc = subprocess.run(
            [*cli, "count", "--json", str(prompt)], capture_output=True, env=env, timeout=120
        )
        assert proc.returncode == 0, proc.stderr
        assert b"Traceback" not in proc.stderr
        return json.loads(proc.stdout)["total_tokens"]

    honest = count()
    files = sorted(cache.glob("*.ranks")) + sorted(cache.glob("*.index"))
    assert len(files) == 2, "the first count writes the rank cache and the rank index"
    good = [f.read_bytes() for f in files]
    for tamper in (
        lambda b: bytes(b[: len(b) // 2]) + bytes([b[len(b) // 2] ^ 0x01]) + b[len(b) // 2 + 1 :],
        lambda b: b"\x80\x05N.",
        lambda b: b"garbage",
        lambda b: b[: len(b) // 2],
    ):
        for f, blob in zip(files, good, strict=True):
            f.write_bytes(tamper(blob))
        assert count() == honest
        assert [f.read_bytes() for f in files] == good  # rebuilt
