"""Fixtures and helpers for the reliability tests (QUALITY.md "Reliability").

The PostgreSQL fixtures (``pg_server``, ``pg_url``, ``pg_empty_url``, ``pg_register``)
live in ``tests/pgserver.py``; ``tests/conftest.py`` exposes them, and ``any_register``
over both backends, to every test.  They are imported here too so this folder reads
on its own.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.pgserver import pg_empty_url, pg_register, pg_server, pg_url  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cli_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("RISK_TRACKER_DB", None)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def run_cli(
    *args: str, timeout: float = 120, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``risk-tracker ARGS`` in a child process, as a user would run it."""
    return subprocess.run(
        [sys.executable, "-m", "desktop", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env=env or cli_env(),
    )


def assert_clean_refusal(proc: subprocess.CompletedProcess[str]) -> str:
    """Exit 1, exactly one line on stderr, no traceback; returns that line."""
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    return lines[0]


@pytest.fixture
def cli():  # type: ignore[no-untyped-def]
    return run_cli


def quit_at_next_message_box(shown: list[str]) -> None:
    """Once the app's "cannot open" box is up, note its text and click its Quit
    (reject) button; called before the app code that shows it."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    def dismiss() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            shown.append(box.text())
            quit_button = next(
                b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.RejectRole
            )
            quit_button.click()
        else:  # the dialog is not up yet
            QTimer.singleShot(20, dismiss)

    QTimer.singleShot(0, dismiss)
