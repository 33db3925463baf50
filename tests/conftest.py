"""Shared fixtures: a fixed console width, a clean environment, the test data folder."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch, tmp_path_factory):
    monkeypatch.setenv("COSTCALC_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))
    for name in ("COSTCALC_PRICING", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "160")


@pytest.fixture
def data_dir() -> Path:
    return DATA
