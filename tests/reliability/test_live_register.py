"""Issue 12, part 1: a running app never loses saved records.

On POSIX, closing any descriptor of a file drops every fcntl lock the process holds
on it.  If anything in the app's process (a file dialog sniffing the register's
folder, a header check, a backup target) opens and closes ``register.db``, its
``-wal`` or its ``-shm``, SQLite's locks are gone; the next process that closes the
register believes it is the last one, checkpoints and deletes the ``-wal`` under the
live app, and the app's next commit goes to a deleted file.

The test starts the real app (``tests/reliability/live_app.py``) on a register in a
folder, goes through every file dialog and every in-app action that touches files,
lets ``risk-tracker backup`` open and close the register, has the app log an event,
kills the app with SIGKILL and checks every committed record and the ``-wal``.
"""

from __future__ import annotations

import csv
import json
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path
from typing import IO

import pytest

from tests.live_locks import lasting_locks, locks_held, needs_proc_locks
from tests.reliability.conftest import ROOT, cli_env, run_cli

pytestmark = [
    needs_proc_locks,
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX lock semantics and SIGKILL"),
]

KINDS = ("stakeholder", "partnership", "risk", "event")


class Replies:
    """The app's stdout, line by line, read on a thread so a hung app fails the test."""

    def __init__(self, stdout: IO[str]):
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, args=(stdout,), daemon=True).start()

    def _read(self, stdout: IO[str]) -> None:
        for line in stdout:
            self.lines.put(line)
        self.lines.put(None)

    def wait_for(self, command: str, timeout_s: float = 240) -> str:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no answer to {command!r} in {timeout_s} s") from None
            if line is None:
                raise AssertionError(f"the app ended before answering {command!r}")
            if line.startswith(command):
                return line[len(command) :].strip()


def _counts(path: Path) -> dict[str, int]:
    with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as con:
        return {k: con.execute(f"SELECT count(*) FROM {k}").fetchone()[0] for k in KINDS}  # noqa: S608


def test_the_app_keeps_its_locks_and_every_saved_record(tmp_path: Path) -> None:
    folder = tmp_path / "registers"
    folder.mkdir()
    register = folder / "register.db"
    wal = folder / "register.db-wal"
    demo = run_cli("--db", str(register), "demo")
    assert demo.returncode == 0, demo.stderr
    with (folder / "new-stakeholder.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["name", "kind", "influence", "interest", "stance", "classification"])
        writer.writerow(
            ["Imported while the app ran", "civil_society", "3", "3", "0", "UNCLASSIFIED"]
        )
    before = _counts(register)

    home = tmp_path / "home"
    env = cli_env(
        HOME=str(folder),  # "Open or create a register" starts at home: the register's folder
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        QT_QPA_PLATFORM="offscreen",
    )
    started = time.monotonic()
    app = subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.live_app", str(register)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert app.stdin is not None and app.stdout is not None
    replies = Replies(app.stdout)
    try:
        replies.wait_for("ready")
        files = (register, wal, folder / "register.db-shm")
        held_at_start = locks_held(app.pid, *files)
        assert held_at_start, "the app holds no lock on its register at all"

        app.stdin.write("tour\n")
        app.stdin.flush()
        tour = replies.wait_for("tour")
        assert not tour.startswith("failed"), tour
        report = json.loads(tour)
        held_after_tour = locks_held(app.pid, *files)

        # Another process opens and closes the register while the app runs.
        backup = run_cli("--db", str(register), "backup", "--out", str(tmp_path / "cli.db"))
        assert backup.returncode == 0, backup.stderr

        app.stdin.write("save\n")
        app.stdin.flush()
        saved = replies.wait_for("saved")
        assert not saved.startswith("failed"), saved
    finally:
        app.send_signal(signal.SIGKILL)
        app.wait(timeout=30)
    elapsed = time.monotonic() - started

    # Every committed record is there, the last event included, and the -wal with it.
    assert wal.exists(), "the -wal of the live app was deleted under it"
    after = _counts(register)
    assert after == {
        **before,
        "stakeholder": before["stakeholder"] + 1,  # the in-app import
        "event": before["event"] + 1,  # the event saved just before the kill
    }, (before, after, held_at_start, held_after_tour)
    with closing(sqlite3.connect(f"{register.as_uri()}?mode=ro", uri=True)) as con:
        assert con.execute("SELECT count(*) FROM event WHERE ref = ?", (saved,)).fetchone() == (1,)
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    # The connection's own locks are all still there (a read that happens to run during
    # either snapshot adds a read mark, which is not what this checks).
    assert lasting_locks(held_after_tour) == lasting_locks(held_at_start)
    assert any(lock.endswith("-shm READ 128-128") for lock in held_after_tour), held_after_tour

    # The tour really went through every file dialog, at the register's folder.
    titles = [d["title"] for d in report["dialogs"]]
    assert titles == [
        "New register",
        "Open register",
        "Open register",
        "Open register",
        "Back up the register",
        "Back up the register",
        "Export shown rows",
        "Import a file",
        "Register file",
        "Save the briefing pack as",
        "Save the pack as",
        "Open or create a register",
    ]
    for dialog in report["dialogs"]:
        assert dialog["folder"] == str(folder), dialog
        assert not dialog["native"], dialog
        assert "register.db" in dialog["listed"], dialog
    for made in ("backup.db", "events.csv", "pack.pdf", "pack-copy.pdf"):
        assert (folder / made).stat().st_size > 0, made
    # Choosing the register's own files is refused with a message, never a crash.
    messages = report["messages"]
    assert any("shared-memory index of the register open" in m for m in messages), messages
    assert any("cannot be written over the register's -wal file" in m for m in messages), messages
    print(f"app started, toured, saved and killed in {elapsed:.1f} s")
