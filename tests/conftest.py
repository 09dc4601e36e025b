"""Fixtures shared by every test: an isolated environment and real register files."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

# Qt never needs a screen in the test run.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Property tests explore new random cases on a developer's machine; in CI (CI=true) they
# replay a fixed sequence, so a submission is judged on the same cases each time and a rare
# new case found locally is fixed before it lands rather than failing a run at random.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _isolated_user_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keep every test away from the real user's data, config and settings."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.delenv("RISK_TRACKER_DB", raising=False)
    if "PySide6.QtCore" in sys.modules:
        # QSettings keeps its user folder process-wide (and GUI tests point it at their
        # own tmp folders): point it at this test's config folder, where a child
        # process started by the test looks too.
        from PySide6.QtCore import QSettings

        for fmt in (QSettings.Format.IniFormat, QSettings.Format.NativeFormat):
            QSettings.setPath(fmt, QSettings.Scope.UserScope, str(home / ".config"))


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


# --------------------------------------------------------------------------- PostgreSQL (R7)
# A throwaway PostgreSQL server (tests/pgserver.py) and registers on both backends.
# Without PostgreSQL binaries these fixtures fail; RISK_TRACKER_NO_PG=1 skips them.

from tests.pgserver import pg_empty_url, pg_register, pg_server, pg_url  # noqa: E402, F401


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def any_register(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[object]:
    """An open, empty db.engine.Register: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        from db.engine import open_register

        reg = open_register(tmp_path / "any-register.db")
        yield reg
        reg.dispose()
    else:
        yield request.getfixturevalue("pg_register")
