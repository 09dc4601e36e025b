"""Backups: consistent while others write; validated; restore keeps what it replaces."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from db import audit, repository
from db.backup import backup_sqlite, restore_sqlite, validate_backup
from db.engine import open_register
from db.errors import RegisterError
from db.models import EventCreate, RiskCreate
from desktop.cli import main as cli_main
from tests.reliability.conftest import ROOT, cli_env, run_cli, sha256
from tests.sqlite_pages import page_size


def _add_events(reg, n: int, actor: str = "t") -> None:  # type: ignore[no-untyped-def]
    with reg.write() as s:
        for i in range(n):
            repository.create(
                s,
                "event",
                EventCreate(title=f"Event {i + 1}", occurred_on=dt.date.today()),
                actor=actor,
            )


@pytest.fixture
def live(tmp_path: Path):  # type: ignore[no-untyped-def]
    reg = open_register(tmp_path / "live.db")
    with reg.write() as s:
        repository.create(
            s, "risk", RiskCreate(title="Loss of trust", likelihood=4, impact=4), actor="Ana"
        )
    _add_events(reg, 5)
    yield reg
    reg.dispose()


def _snapshot_is_consistent(path: Path) -> int:
    """A backup is one moment: every event has its audit entry, the chain is whole."""
    reg = open_register(path, upgrade=False, create=False)
    try:
        with reg.session() as s:
            events = repository.count(s, "event")
            assert len(audit.history(s, kind="event")) == events
            assert audit.verify_chain(s) == []
    finally:
        reg.dispose()
    return events


def test_backup_while_another_process_writes(tmp_path, live):
    writer = subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.workers", "events", live.url, "150", "writer"],
        cwd=ROOT,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    counts: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # wait for the writer to be under way
            with live.session() as s:
                if repository.count(s, "event") > 5:
                    break
            time.sleep(0.05)
        while writer.poll() is None and len(counts) < 8:
            out = tmp_path / f"backup-{len(counts)}.db"
            info = backup_sqlite(live, out)
            assert info.path == out and info.revision
            assert (out.stat().st_mode & 0o777) == 0o600
            counts.append(info.counts["event"])
            time.sleep(0.15)
    finally:
        _, err = writer.communicate(timeout=300)
    assert writer.returncode == 0, err
    assert not list(tmp_path.glob(".backup-*"))  # no partial file left behind
    for n, count in enumerate(counts):
        copy = tmp_path / f"backup-{n}.db"
        # A copy of the live file validates and opens on its own, nothing beside it.
        assert not copy.with_name(copy.name + "-wal").exists()
        assert _snapshot_is_consistent(copy) == count
    assert counts == sorted(counts)
    assert any(5 < c < 155 for c in counts), f"no backup overlapped the writes: {counts}"
    print(f"backups during writes saw {counts} events")


def test_cli_backup_is_a_consistent_copy(tmp_path, live):
    out = tmp_path / "cli-backup.db"
    proc = run_cli("backup", "--out", str(out), "--db", str(live.path))
    assert proc.returncode == 0, proc.stderr
    info = validate_backup(out)
    assert info.counts["event"] == 5 and info.counts["risk"] == 1
    assert cli_main(["backup", "--out", str(out), "--db", str(live.path)]) == 1  # never overwrites


def test_validate_never_writes_to_the_file(tmp_path, live):
    out = tmp_path / "b.db"
    backup_sqlite(live, out)
    before = sha256(out)
    info = validate_backup(out)
    assert info.audit_entries == 6
    assert sha256(out) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("b.db")) == ["b.db"]


def test_backup_refuses_to_overwrite_the_register_or_another_file(tmp_path, live):
    with pytest.raises(RegisterError, match="over the register itself"):
        backup_sqlite(live, live.path)
    precious = tmp_path / "thesis.docx"
    precious.write_bytes(b"PK\x03\x04 my thesis")
    with pytest.raises(RegisterError, match="not a register backup"):
        backup_sqlite(live, precious)
    assert precious.read_bytes() == b"PK\x03\x04 my thesis"


def test_restore_replaces_the_register_and_keeps_the_old_one(tmp_path, live):
    target = live.path
    backup = tmp_path / "monday.db"
    backup_sqlite(live, backup)
    _add_events(live, 7, actor="after-backup")
    result = restore_sqlite(target, backup)
    assert result.replaced is not None and result.replaced.name.startswith("live.db.replaced-")
    assert result.replaced.name.endswith(".bak")
    with live.session() as s:  # the open register sees the restored content
        assert repository.count(s, "event") == 5
        assert audit.verify_chain(s) == []
    kept = validate_backup(result.replaced)
    assert kept.counts["event"] == 12  # nothing lost: the replaced state is kept whole
    assert _snapshot_is_consistent(target) == 5


def test_restore_from_the_command_line(tmp_path, live):
    backup = tmp_path / "friday.db"
    backup_sqlite(live, backup)
    _add_events(live, 2)
    live.dispose()
    proc = run_cli("restore", str(backup), "--db", str(live.path))
    assert proc.returncode == 0, proc.stderr
    assert "replaced-" in proc.stdout
    assert validate_backup(live.path).counts["event"] == 5
    assert len(list(tmp_path.glob("live.db.replaced-*.bak"))) == 1


def _corrupt(path: Path) -> None:
    data = bytearray(path.read_bytes())
    page = page_size(data)
    for offset in range(2 * page + 8, 2 * page + 1500):  # the start of page 3
        data[offset] = 0xA5
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", ["corrupted", "truncated", "not_a_backup", "foreign", "newer"])
def test_a_bad_backup_is_refused_before_anything_is_replaced(tmp_path, live, damage):
    backup = tmp_path / "bad-backup.db"
    backup_sqlite(live, backup)
    if damage == "corrupted":
        _corrupt(backup)
    elif damage == "truncated":
        data = backup.read_bytes()
        backup.write_bytes(data[: 2 * page_size(data)])
    elif damage == "not_a_backup":
        backup.write_text("a, b, c\n1, 2, 3\n")
    elif damage == "foreign":
        backup.unlink()
        con = sqlite3.connect(backup)
        con.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)")
        con.commit()
        con.close()
    elif damage == "newer":
        con = sqlite3.connect(backup)
        con.execute("UPDATE alembic_version SET version_num = '9999_future'")
        con.commit()
        con.close()
    live.dispose()
    con = sqlite3.connect(live.path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    target_before = sha256(live.path)
    backup_before = sha256(backup)
    with pytest.raises(RegisterError) as info:
        restore_sqlite(live.path, backup)
    assert "\n" not in str(info.value)
    assert sha256(live.path) == target_before
    assert sha256(backup) == backup_before
    assert not list(tmp_path.glob("live.db.replaced-*"))
    proc = (
        run_cli("restore", str(backup), "--db", str(live.path)) if damage == "corrupted" else None
    )
    if proc is not None:
        assert proc.returncode == 1 and "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1
        assert sha256(live.path) == target_before
        print(f"corrupted backup: {proc.stderr.strip()}")


def test_restore_over_a_damaged_register(tmp_path, live):
    backup = tmp_path / "good.db"
    backup_sqlite(live, backup)
    live.dispose()
    target = live.path
    for suffix in ("-wal", "-shm"):
        target.with_name(target.name + suffix).unlink(missing_ok=True)
    target.write_bytes(b"SQLite format 3\x00" + b"\x00" * 4080)  # a wrecked file
    wrecked = target.read_bytes()
    result = restore_sqlite(target, backup)
    assert result.replaced is not None and result.replaced.read_bytes() == wrecked
    assert validate_backup(target).counts["event"] == 5
