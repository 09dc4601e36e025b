"""R4 through the command line and the GUI's opening path: one clear message, bytes unchanged.

(``tests/db/test_files.py`` covers the same files at the data-layer level.)
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from db.engine import open_register
from desktop.cli import main as cli_main
from tests.reliability.conftest import (
    ROOT,
    assert_clean_refusal,
    cli_env,
    quit_at_next_message_box,
    run_cli,
    sha256,
)
from tests.sqlite_pages import page_size

BAD_KINDS = (
    "not_a_database",
    "empty",
    "truncated",
    "read_only",
    "newer_schema",
    "missing_directory",
)
EXPECTED = {
    "not_a_database": "not a Stakeholder Risk Tracker register",
    "empty": "empty file",
    "truncated": "truncated or damaged",
    "read_only": "read-only",
    "newer_schema": "newer version",
    "missing_directory": "does not exist",
    "network_share": "network share",
    "locked": "locked by another program",
    "busy": "busy",
}


@pytest.fixture(scope="module")
def good_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from db import repository
    from db.models import RiskCreate

    path = tmp_path_factory.mktemp("good") / "good.db"
    reg = open_register(path)
    with reg.write() as s:
        repository.create(
            s, "risk", RiskCreate(title="Press backlash", likelihood=3, impact=3), actor="t"
        )
    reg.dispose()
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return path


def make_bad(kind: str, folder: Path, good: Path) -> Path:
    path = folder / f"{kind}.db"
    if kind == "not_a_database":
        path.write_text("Quarterly stakeholder notes\n" * 100)
    elif kind == "empty":
        path.touch()
    elif kind == "truncated":
        data = good.read_bytes()
        path.write_bytes(data[: 3 * page_size(data) + 100])
    elif kind == "read_only":
        shutil.copyfile(good, path)
        path.chmod(0o444)
    elif kind == "newer_schema":
        shutil.copyfile(good, path)
        con = sqlite3.connect(path)
        con.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
        con.commit()
        con.close()
    elif kind == "missing_directory":
        path = folder / "no such folder" / "register.db"
    else:  # pragma: no cover
        raise ValueError(kind)
    return path


def _fingerprint(path: Path) -> str | None:
    return sha256(path) if path.is_file() else None


def test_each_bad_file_gets_one_line_from_the_cli_and_keeps_its_bytes(tmp_path, good_file):
    files = {kind: make_bad(kind, tmp_path, good_file) for kind in BAD_KINDS}
    before = {kind: _fingerprint(p) for kind, p in files.items()}
    # One child process per file, all at once (each is a user typing the command).
    children = {
        kind: subprocess.Popen(
            [sys.executable, "-m", "desktop", "matrix", "--db", str(path)],
            cwd=ROOT,
            env=cli_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for kind, path in files.items()
    }
    messages = {}
    for kind, child in children.items():
        out, err = child.communicate(timeout=120)
        line = assert_clean_refusal(
            subprocess.CompletedProcess(child.args, child.returncode, out, err)
        )
        assert line.startswith("risk-tracker: ")
        assert EXPECTED[kind] in line, (kind, line)
        messages[kind] = line
    for kind, path in files.items():
        assert _fingerprint(path) == before[kind], f"{kind}: the file was changed"
        for suffix in ("-journal", "-wal", "-shm"):
            assert not path.with_name(path.name + suffix).exists(), (kind, suffix)
    assert not files["missing_directory"].parent.exists()
    for kind, line in messages.items():
        print(f"R4 {kind}: {line}")


def test_a_register_on_a_network_share_is_refused(tmp_path, good_file, monkeypatch, capsys):
    import db.register_file

    path = tmp_path / "shared.db"
    shutil.copyfile(good_file, path)
    before = sha256(path)
    monkeypatch.setattr(db.register_file, "_filesystem_type", lambda _p: "nfs")
    assert cli_main(["matrix", "--db", str(path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and EXPECTED["network_share"] in err[0] and "PostgreSQL" in err[0]
    assert sha256(path) == before
    print(f"R4 network_share: {err[0]}")


def _hold(path: Path, seconds: float) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.workers", "hold", str(path), str(seconds)],
        cwd=ROOT,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "locked"
    return holder


def _small_csv(folder: Path) -> Path:
    csv_path = folder / "two.csv"
    csv_path.write_text("occurred_on,title\n2026-01-05,First letter\n2026-01-06,Second letter\n")
    return csv_path


def test_a_writer_waits_for_another_programs_lock_then_goes_ahead(tmp_path, good_file):
    path = tmp_path / "busy.db"
    shutil.copyfile(good_file, path)
    holder = _hold(path, 2.0)
    try:
        started = time.perf_counter()
        proc = run_cli("import", "events", str(_small_csv(tmp_path)), "--db", str(path))
        waited = time.perf_counter() - started
    finally:
        holder.communicate(timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    con = sqlite3.connect(path)
    assert con.execute("SELECT count(*) FROM event").fetchone()[0] == 2
    con.close()
    print(f"R4 locked (then released): import waited and succeeded in {waited:.1f} s")


def test_a_writer_gives_up_on_a_lock_that_is_never_released(
    tmp_path, good_file, monkeypatch, capsys
):
    """A WAL register held by another writer: reading works, writing waits, then one message."""
    import db.engine

    monkeypatch.setattr(db.engine, "BUSY_TIMEOUT_MS", 1500)
    path = tmp_path / "held.db"
    shutil.copyfile(good_file, path)
    before = sha256(path)
    holder = _hold(path, 30)
    try:
        assert cli_main(["matrix", "--db", str(path)]) == 0  # readers are not blocked
        capsys.readouterr()
        code = cli_main(["import", "events", str(_small_csv(tmp_path)), "--db", str(path)])
        err = capsys.readouterr().err.strip().splitlines()
    finally:
        holder.kill()
        holder.communicate(timeout=30)
    assert code == 1
    assert len(err) == 1 and EXPECTED["busy"] in err[0], err
    assert "database is locked" not in err[0]
    assert sha256(path) == before
    print(f"R4 locked (never released, writer): {err[0]}")


def test_a_rollback_journal_file_locked_exclusively_is_a_clear_message(
    tmp_path, good_file, monkeypatch, capsys
):
    """An older register (rollback journal) under another program's exclusive lock cannot
    even be read: opening waits for the busy timeout, then says so in one line."""
    import db.engine

    monkeypatch.setattr(db.engine, "BUSY_TIMEOUT_MS", 1500)
    path = tmp_path / "old-style.db"
    shutil.copyfile(good_file, path)
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode = DELETE")
    con.close()
    before = sha256(path)
    holder = _hold(path, 30)
    try:
        code = cli_main(["matrix", "--db", str(path)])
        err = capsys.readouterr().err.strip().splitlines()
    finally:
        holder.kill()
        holder.communicate(timeout=30)
    assert code == 1
    assert len(err) == 1 and EXPECTED["locked"] in err[0], err
    assert sha256(path) == before
    print(f"R4 locked (never released, reader): {err[0]}")


# --------------------------------------------------------------------------- GUI


@pytest.mark.parametrize("kind", BAD_KINDS)
def test_the_app_explains_a_bad_file_in_a_dialog(
    qapp: Any, qtbot: Any, tmp_path, good_file, monkeypatch, kind
):
    """desktop.app opens through open_register_interactively: the message goes to a dialog."""
    from desktop import app as app_module

    path = make_bad(kind, tmp_path, good_file)
    before = _fingerprint(path)
    shown: list[str] = []

    quit_at_next_message_box(shown)
    assert app_module.open_register_interactively(str(path)) is None
    assert len(shown) == 1 and EXPECTED[kind] in shown[0], shown
    assert _fingerprint(path) == before
