"""`check` for people: every config problem at once, annotated; --init; the README's workflow."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from costcalc.check.config import load_config
from costcalc.check.starter import starter_config
from costcalc.cli import app

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()

BROKEN = """\
targets:
  - name: a
    prompts: [prompts/*.txt]
    model: gpt-4o
    output_tokens: -1
  - name: a2
    prompts: 5
    model: gpt-4o
  - name: c
    prompts: [prompts/*.txt]
    model: gpt-4o
    budget: {monthly_usd: cheap}
"""


@pytest.fixture
def broken(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "p.txt").write_text("hello")
    (tmp_path / "costcalc.yaml").write_text(BROKEN)
    return tmp_path


EXPECTED = [
    "costcalc.yaml:5: targets[0].output_tokens: expected a whole number >= 0, got -1",
    "costcalc.yaml:7: targets[1].prompts: expected a glob or a non-empty list of globs, got 5",
    "costcalc.yaml:12: targets[2].budget.monthly_usd: expected a number, got 'cheap'",
]


def test_every_config_problem_at_once(broken):
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"error: {line}" for line in EXPECTED]


def test_unknown_models_of_every_target_at_once(broken):
    (broken / "costcalc.yaml").write_text(
        "targets:\n"
        "  - {name: a, prompts: [prompts/*.txt], model: gpt-4oo}\n"
        "  - {name: b, prompts: [prompts/*.txt], model: gpt-4o}\n"
        "  - {name: c, prompts: [prompts/*.txt], model: nosuch-model}\n"
    )
    lines = runner.invoke(app, ["check"]).stderr.splitlines()
    assert [line.split(": unknown")[0] for line in lines] == [
        "error: costcalc.yaml:2: targets[0].model",
        "error: costcalc.yaml:4: targets[2].model",
    ]


def test_config_errors_are_annotations_and_in_the_step_summary(broken, monkeypatch):
    summary = broken / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = runner.invoke(app, ["check", "--markdown"])
    assert result.exit_code == 2
    notes = [line for line in result.stderr.splitlines() if line.startswith("::error ")]
    assert notes[0] == ("::error file=costcalc.yaml,line=5,title=costcalc config::" + EXPECTED[0])
    assert len(notes) == 3
    text = summary.read_text()
    assert text.startswith("### ❌ costcalc check could not run: 3 config problems")
    assert all(line in text for line in EXPECTED)
    assert result.stdout == text  # the PR comment says it too


def test_init_writes_a_starter_that_checks(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app" / "prompts").mkdir(parents=True)
    (tmp_path / "app" / "prompts" / "summarize.txt").write_text("Summarize this.")
    (tmp_path / ".venv" / "prompts").mkdir(parents=True)
    (tmp_path / ".venv" / "prompts" / "x.txt").write_text("not ours")
    result = runner.invoke(app, ["check", "--init"])
    assert result.exit_code == 0, result.stderr
    assert "wrote costcalc.yaml: 1 target(s)" in result.stderr
    config = load_config(tmp_path / "costcalc.yaml")
    assert [t.prompts[0][0] for t in config.targets] == ["app/prompts/*.txt"]
    assert runner.invoke(app, ["check"]).exit_code == 0


def test_init_never_replaces_a_config_without_force(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "costcalc.yaml").write_text("mine")
    result = runner.invoke(app, ["check", "--init"])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: costcalc.yaml exists: not replaced (add --force to replace it)"
    )
    assert (tmp_path / "costcalc.yaml").read_text() == "mine"
    assert runner.invoke(app, ["check", "--init", "--force"]).exit_code == 0
    assert (tmp_path / "costcalc.yaml").read_text() != "mine"


def test_starter_without_prompts_is_valid_yaml(tmp_path):
    text, targets = starter_config(tmp_path)
    assert targets == 0
    (tmp_path / "costcalc.yaml").write_text(text)
    assert load_config(tmp_path / "costcalc.yaml").targets[0].name == "prompts"


def _workflow() -> dict:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(# \.github/workflows/costcalc\.yml.*?)```", readme, re.S)
    return yaml.safe_load(block.group(1))


def test_the_readme_workflow_runs_as_written(tmp_path):
    """Every `run:` step after the install, in a checkout of examples/ci and its base."""
    steps = _workflow()["jobs"]["costcalc"]["steps"]
    install = next(s["run"] for s in steps if "pip install" in s.get("run", ""))
    assert "git+https://github.com/" in install  # costcalc is not on PyPI
    work = tmp_path / "pr"
    shutil.copytree(ROOT / "examples" / "ci", work)
    shutil.copytree(ROOT / "examples" / "ci", work / ".costcalc-base")
    summary = tmp_path / "summary.md"
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_ACTIONS": "true",
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    for step in steps:
        script = step.get("run")
        if not script or "pip install" in script:
            continue
        proc = subprocess.run(
            ["bash", "-e", "-c", script], cwd=work, env=env, capture_output=True, text=True
        )
        assert proc.returncode == 0, (script, proc.stderr)
    assert (work / "base.json").stat().st_size > 0
    assert (work / "comment.md").read_text().startswith("### ✅ costcalc check passed")
    assert (work / "costcalc-junit.xml").exists()
    assert "costcalc check passed" in summary.read_text()  # only this branch, not the base


def test_the_pre_commit_hook_is_a_python_hook_of_this_repository():
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["language"] == "python" and hook["entry"] == "costcalc check"
    assert hook["pass_filenames"] is False
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'costcalc = "costcalc.cli:main"' in pyproject  # what pre-commit installs
