"""Fixtures shared by every test: an isolated environment and real register files."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Qt never needs a screen in the test run.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep every test away from the real user's data, config and settings."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.delenv("RISK_TRACKER_DB", raising=False)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Path of a register file that does not exist yet."""
    return tmp_path / "register.db"


@pytest.fixture
def register(db_path: Path) -> Iterator[object]:
    """A fresh, empty register in a real SQLite file."""
    from db.engine import open_register

    reg = open_register(db_path)
    yield reg
    reg.dispose()
