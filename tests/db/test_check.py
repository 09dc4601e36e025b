"""R8 tamper evidence and ``risk-tracker db check``: every check is printed with ok or FAIL;
a changed, deleted or trailing-deleted audit entry is reported with its position."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from db.engine import open_register
from desktop.cli import main
from tests.db import factories


@pytest.fixture
def checked_db(tmp_path: Path) -> Path:
    """A closed register with ten audit entries."""
    path = tmp_path / "checked.db"
    reg = open_register(path)
    with reg.write() as s:
        nato = factories.stakeholder(s)
        talks = factories.partnership(s, nato.id)
        risk = factories.risk(s, partnership_ids=[talks.id])
        for n in range(7):
            factories.event(s, f"Event number {n}", risk_ids=[risk.id])
    reg.dispose()
    return path


def tamper(path: Path, sql: str) -> None:
    con = sqlite3.connect(path)
    con.execute(sql)
    con.commit()
    con.close()


def run_check(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["db", "check", "--db", str(path)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_a_sound_register_passes_every_check(checked_db, capsys):
    code, out = run_check(checked_db, capsys)
    assert code == 0
    for line in (
        "database integrity: ok",
        "schema revision: ok",
        "foreign keys: ok",
        "audit chain: ok",
        "all checks passed",
    ):
        assert line in out


def test_a_changed_audit_entry_is_reported_with_its_position(checked_db, capsys):
    tamper(
        checked_db,
        """UPDATE audit_entry SET changes = '{"title":[null,"Nothing happened"]}' WHERE id = 5""",
    )
    code, out = run_check(checked_db, capsys)
    assert code == 1
    assert "audit chain: FAIL" in out
    assert "position 5 (entry #5): its content was changed" in out
    assert "database integrity: ok" in out  # the other checks still run and pass


def test_a_changed_actor_or_time_is_reported(checked_db, capsys):
    tamper(checked_db, "UPDATE audit_entry SET actor = 'someone else' WHERE id = 2")
    tamper(checked_db, "UPDATE audit_entry SET at = '2020-01-01 00:00:00.000000' WHERE id = 8")
    code, out = run_check(checked_db, capsys)
    assert code == 1
    assert "position 2 (entry #2)" in out and "position 8 (entry #8)" in out


def test_a_deleted_audit_entry_is_reported_with_its_position(checked_db, capsys):
    tamper(checked_db, "DELETE FROM audit_entry WHERE id = 4")
    code, out = run_check(checked_db, capsys)
    assert code == 1
    # Entry #5 now sits at position 4 and no longer follows the entry before it.
    assert "position 4 (entry #5): does not follow the entry before it" in out


def test_deleting_the_last_entries_is_reported(checked_db, capsys):
    tamper(checked_db, "DELETE FROM audit_entry WHERE id >= 9")
    code, out = run_check(checked_db, capsys)
    assert code == 1
    assert "the last entries of the chain are missing" in out


def test_a_dangling_foreign_key_is_reported(checked_db, capsys):
    tamper(checked_db, "INSERT INTO event_risk (event_id, risk_id) VALUES (1, 999)")
    code, out = run_check(checked_db, capsys)
    assert code == 1
    assert "foreign keys: FAIL" in out
    assert "event_risk row" in out and "missing risk" in out


def test_check_does_not_create_a_missing_register(tmp_path, capsys):
    path = tmp_path / "nothing.db"
    code, out = run_check(path, capsys)
    assert code == 1 and "does not exist" in out
    assert not path.exists()
