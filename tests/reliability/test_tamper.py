"""R8 tamper evidence: ``risk-tracker db check`` finds edited audit entries and says where.

Each test edits a real register file behind the application's back with raw SQL,
the way someone with the file and an SQLite shell could.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from db import audit, repository
from db.engine import open_register
from db.models import EventCreate, RiskCreate, StakeholderCreate
from desktop.cli import main as cli_main
from tests.reliability.conftest import run_cli

ENTRIES = 6


@pytest.fixture
def audited_file(tmp_path: Path) -> Path:
    """A register with six audit entries (ids 1..6), closed and checkpointed."""
    path = tmp_path / "audited.db"
    reg = open_register(path)
    with reg.write() as s:
        st = repository.create(
            s, "stakeholder", StakeholderCreate(name="Union of Researchers"), actor="Ana"
        )
        risk = repository.create(
            s, "risk", RiskCreate(title="Talent loss", likelihood=3, impact=4), actor="Ana"
        )
        repository.create(
            s,
            "event",
            EventCreate(
                title="Open letter",
                occurred_on=dt.date.today(),
                stakeholder_id=st.id,
                risk_ids=[risk.id],
            ),
            actor="Ana",
        )
    with reg.write() as s:
        repository.update(s, "risk", risk.id, {"impact": 5}, actor="Bea", expected_version=1)
    with reg.write() as s:
        repository.update(s, "stakeholder", st.id, {"stance": -2}, actor="Bea", expected_version=1)
    with reg.write() as s:
        repository.create(
            s, "stakeholder", StakeholderCreate(name="Daily Courier", kind="media"), actor="Cy"
        )
    with reg.session() as s:
        assert len(audit.history(s)) == ENTRIES
    reg.dispose()
    _sql(path, "PRAGMA wal_checkpoint(TRUNCATE)")
    return path


def _sql(path: Path, *statements: str, params: tuple = ()) -> None:
    con = sqlite3.connect(path)
    try:
        for statement in statements:
            con.execute(statement, params if "?" in statement else ())
        con.commit()
    finally:
        con.close()


def _row(path: Path, entry_id: int) -> dict:
    con = sqlite3.connect(path)
    con.row_factory = sqlite3.Row
    try:
        return dict(con.execute("SELECT * FROM audit_entry WHERE id = ?", (entry_id,)).fetchone())
    finally:
        con.close()


def _db_check(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = cli_main(["db", "check", "--db", str(path)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    lines = [ln.strip() for ln in captured.out.splitlines() if "audit chain position" in ln]
    return code, lines


def test_an_untouched_register_passes(audited_file, capsys):
    code, lines = _db_check(audited_file, capsys)
    assert code == 0 and lines == []


def test_a_changed_entry_is_reported_at_its_position(audited_file, capsys):
    _sql(audited_file, "UPDATE audit_entry SET changes = replace(changes, '5', '3') WHERE id = 4")
    code, lines = _db_check(audited_file, capsys)
    assert code == 1
    assert lines == [
        "audit chain position 4 (entry #4): its content was changed after it was written"
    ]


def test_a_changed_actor_is_reported_through_the_command_line(audited_file):
    _sql(audited_file, "UPDATE audit_entry SET actor = 'Someone else' WHERE id = 2")
    proc = run_cli("db", "check", "--db", str(audited_file))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "audit chain position 2 (entry #2): its content was changed" in proc.stdout


def test_an_inserted_entry_is_reported_where_the_chain_breaks(audited_file, capsys):
    # A forged entry slipped in after entry 3, correctly chained to it and with a
    # correct hash of its own: the entry after it no longer follows.
    third = _row(audited_file, 3)
    at = dt.datetime.now(dt.UTC)
    forged_changes = '{"title":[null,"Invented event"]}'
    digest = audit.entry_digest(
        third["hash"], at, "Mallory", "event", "E-0099", "create", forged_changes
    )
    _sql(
        audited_file,
        "UPDATE audit_entry SET id = id + 1000 WHERE id > 3",
        "UPDATE audit_entry SET id = id - 999 WHERE id > 1000",
    )
    con = sqlite3.connect(audited_file)
    con.execute(
        "INSERT INTO audit_entry (id, at, actor, entity_kind, entity_ref, action, changes, prev_hash, hash) "
        "VALUES (4, ?, 'Mallory', 'event', 'E-0099', 'create', ?, ?, ?)",
        (at.strftime("%Y-%m-%d %H:%M:%S.%f"), forged_changes, third["hash"], digest),
    )
    con.commit()
    con.close()
    code, lines = _db_check(audited_file, capsys)
    assert code == 1
    assert lines[0].startswith(
        "audit chain position 5 (entry #5): does not follow the entry before it"
    )
    assert "inserted" in lines[0]


def test_an_entry_appended_behind_the_applications_back_is_reported(audited_file, capsys):
    last = _row(audited_file, ENTRIES)
    at = dt.datetime.now(dt.UTC)
    changes = '{"name":[null,"Ghost"]}'
    digest = audit.entry_digest(
        last["hash"], at, "Mallory", "stakeholder", "S-099", "create", changes
    )
    _sql(
        audited_file,
        "INSERT INTO audit_entry (id, at, actor, entity_kind, entity_ref, action, changes, prev_hash, hash) "
        "VALUES (7, ?, 'Mallory', 'stakeholder', 'S-099', 'create', ?, ?, ?)",
        params=(at.strftime("%Y-%m-%d %H:%M:%S.%f"), changes, last["hash"], digest),
    )
    code, lines = _db_check(audited_file, capsys)
    assert code == 1
    assert len(lines) == 1 and lines[0].startswith("audit chain position 7 (entry #7)")
    assert "added" in lines[0]


def test_a_deleted_entry_is_reported_at_its_position(audited_file, capsys):
    _sql(audited_file, "DELETE FROM audit_entry WHERE id = 3")
    code, lines = _db_check(audited_file, capsys)
    assert code == 1
    assert lines == [
        "audit chain position 3 (entry #4): does not follow the entry before it "
        "(an entry was deleted or inserted here)"
    ]


def test_deleting_the_last_entry_is_reported_at_the_end(audited_file, capsys):
    _sql(audited_file, "DELETE FROM audit_entry WHERE id = ?", params=(ENTRIES,))
    code, lines = _db_check(audited_file, capsys)
    assert code == 1
    assert len(lines) == 1 and lines[0].startswith(f"audit chain position {ENTRIES} (end of chain)")
    assert "deleted" in lines[0]


def test_deleting_the_chain_end_marker_is_reported(audited_file, capsys):
    _sql(
        audited_file,
        "DELETE FROM audit_entry WHERE id = ?",
        "DELETE FROM audit_head",
        params=(ENTRIES,),
    )
    code, lines = _db_check(audited_file, capsys)
    assert code == 1
    assert lines and "end of chain" in lines[-1]
