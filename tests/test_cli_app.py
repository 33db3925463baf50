"""The CLI's error mapping: user errors exit 2, bugs exit 3 with one line, never 1."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from costcalc.cli import app
from costcalc.cli.app import internal_error_line
from costcalc.errors import ExitCode

runner = CliRunner()


def _boom(*args, **kwargs):
    raise KeyError("sk-live-SECRET-FROM-A-FILE")


@pytest.fixture
def broken_counter(monkeypatch):
    import costcalc.counting

    monkeypatch.setattr(costcalc.counting, "count_inputs", _boom)


def test_an_unexpected_exception_is_one_line_and_exit_3(broken_counter, tmp_path):
    prompt = tmp_path / "p.txt"
    prompt.write_text("hello")
    result = runner.invoke(app, ["count", str(prompt)])
    assert result.exit_code == ExitCode.INTERNAL == 3
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("internal error: KeyError in costcalc/")
    assert lines[0].endswith("please report it (COSTCALC_DEBUG=1 shows the traceback)")
    assert "SECRET" not in result.stderr  # an exception's message may quote a file
    assert "Traceback" not in result.stderr


def test_costcalc_debug_shows_the_traceback(broken_counter, tmp_path, monkeypatch):
    monkeypatch.setenv("COSTCALC_DEBUG", "1")
    prompt = tmp_path / "p.txt"
    prompt.write_text("hello")
    result = runner.invoke(app, ["count", str(prompt)])
    assert result.exit_code == 3
    assert "Traceback" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("internal error: KeyError")


def test_user_errors_still_exit_2_and_usage_errors_stay_the_frameworks():
    assert runner.invoke(app, ["count", "/no/such/file"]).exit_code == 2
    assert runner.invoke(app, ["count", "--no-such-option"]).exit_code == 2
    assert runner.invoke(app, ["--version"]).exit_code == 0


def test_keyboard_interrupt_is_130_not_a_breach(monkeypatch, tmp_path):
    import costcalc.counting

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(costcalc.counting, "count_inputs", interrupt)
    prompt = tmp_path / "p.txt"
    prompt.write_text("hello")
    result = runner.invoke(app, ["count", str(prompt)])
    assert result.exit_code == 130


def test_internal_error_line_names_the_innermost_costcalc_frame():
    try:
        from decimal import Decimal

        from costcalc.render.common import decimal_text

        decimal_text(Decimal("NaN"))
    except ValueError as err:
        line = internal_error_line(err)
    assert line.startswith("internal error: ValueError in costcalc/render/common.py:")
    assert "NaN" not in line
