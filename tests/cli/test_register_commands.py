"""The register commands in-process (desktop.cli.main): restore, generate, the matrix grid."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from pathlib import Path

import pytest

from db import repository
from db.engine import open_register
from desktop.cli import main
from desktop.commands.register import format_matrix
from tests.db import factories


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def count(path: Path, table: str) -> int:
    con = sqlite3.connect(path)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
    finally:
        con.close()


@pytest.fixture
def small_db(tmp_path: Path) -> Path:
    path = tmp_path / "register.db"
    reg = open_register(path)
    with reg.write() as s:
        nato = factories.stakeholder(s)
        factories.partnership(s, nato.id)
        factories.risk(s)
    reg.dispose()
    return path


def test_restore_brings_back_the_backup_and_keeps_the_replaced_register(small_db, tmp_path, capsys):
    backup = tmp_path / "backup.db"
    assert main(["backup", "--db", str(small_db), "--out", str(backup)]) == 0
    reg = open_register(small_db)
    with reg.write() as s:
        factories.risk(s, "Added after the backup")
    reg.dispose()
    assert count(small_db, "risk") == 2
    capsys.readouterr()

    assert main(["restore", "--db", str(small_db), str(backup)]) == 0
    out = capsys.readouterr().out
    assert count(small_db, "risk") == 1
    kept = list(tmp_path.glob("register.db.replaced-*.bak"))
    assert len(kept) == 1 and str(kept[0]) in out
    assert count(kept[0], "risk") == 2  # the replaced register, kept as it was
    assert main(["db", "check", "--db", str(small_db)]) == 0


def test_restore_refuses_a_bad_backup_and_touches_nothing(small_db, tmp_path, capsys):
    bad = tmp_path / "bad.db"
    bad.write_text("this is not a backup")
    before = sha256(small_db)
    assert main(["restore", "--db", str(small_db), str(bad)]) == 1
    assert "not a Stakeholder Risk Tracker backup" in capsys.readouterr().err
    assert sha256(small_db) == before
    assert not list(tmp_path.glob("*.bak"))


def test_restore_refuses_to_replace_a_file_that_is_not_a_register(small_db, tmp_path, capsys):
    backup = tmp_path / "backup.db"
    assert main(["backup", "--db", str(small_db), "--out", str(backup)]) == 0
    other = tmp_path / "contacts.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE contact (name TEXT)")
    con.commit()
    con.close()
    before = sha256(other)
    capsys.readouterr()
    assert main(["restore", "--db", str(other), str(backup)]) == 1
    assert "not a Stakeholder Risk Tracker register" in capsys.readouterr().err
    assert sha256(other) == before


def test_restore_to_a_postgresql_url_explains_what_to_use(tmp_path, capsys):
    assert (
        main(["restore", "--db", "postgresql+psycopg://u@localhost/db", str(tmp_path / "b.db")])
        == 1
    )
    assert "pg_restore" in capsys.readouterr().err


def test_backup_of_a_postgresql_url_points_to_pg_dump(tmp_path, capsys):
    out = tmp_path / "b.dump"
    assert main(["backup", "--db", "postgresql+psycopg://u@localhost/db", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "pg_dump" in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_generate_adds_a_seeded_register(tmp_path, capsys):
    path = tmp_path / "synthetic.db"
    args = [
        "generate",
        "--db",
        str(path),
        "--stakeholders",
        "5",
        "--partnerships",
        "2",
        "--risks",
        "7",
        "--events",
        "30",
        "--seed",
        "3",
    ]
    assert main(args) == 0
    assert "5 stakeholders, 2 partnerships, 7 risks, 30 events" in capsys.readouterr().out
    reg = open_register(path)
    try:
        with reg.session() as s:
            assert repository.counts(s) == {
                "stakeholder": 5,
                "partnership": 2,
                "risk": 7,
                "event": 30,
                "action": 0,
            }
    finally:
        reg.dispose()


def test_the_grid_layout():
    counts = [[0] * 5 for _ in range(5)]
    counts[4][3] = 2  # likelihood 5, impact 4
    counts[0][0] = 1  # likelihood 1, impact 1
    text = format_matrix(counts, residual=True, as_of=dt.date(2026, 1, 31))
    lines = text.splitlines()
    assert lines[0] == "Risk matrix: residual scores, as of 2026-01-31"
    assert lines[1].startswith("3 risks (closed risks left out; a risk without residual scores")
    header = next(line for line in lines if line.startswith("Likelihood"))
    for label in ("1 Minimal", "2 Minor", "3 Moderate", "4 Major", "5 Severe"):
        assert label in header
    rows = [line for line in lines if line[:1].isdigit() and not line.startswith("3 risks")]
    assert [r.split()[0] for r in rows] == ["5", "4", "3", "2", "1"]
    assert rows[0].startswith("5 Almost certain") and rows[0].split()[-2:] == ["2", "0"]
    assert rows[4].startswith("1 Rare") and rows[4].split()[2] == "1"
    # The numbers sit under their column labels (right-aligned).
    assert rows[0].rstrip().endswith("0") and len(rows[0]) == len(header)


def test_matrix_as_of_a_future_date_is_refused(small_db, capsys):
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    assert main(["matrix", "--db", str(small_db), "--as-of", tomorrow]) == 1
    assert "future" in capsys.readouterr().err


def test_brief_uses_the_registers_bands_not_the_users_old_setting(small_db, tmp_path, capsys):
    import json

    import pypdf
    from PySide6.QtCore import QSettings

    from db.register_settings import set_register_bands
    from db.scales import Bands
    from desktop.settings import APPLICATION, ORGANISATION

    reg = open_register(small_db)
    with reg.write() as s:
        set_register_bands(s, Bands(2, 3, 4), actor="officer")
    reg.dispose()
    # what an earlier version left in this user's settings: not what the team agreed
    old = QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION, APPLICATION
    )
    old.setValue("matrix/bands", "6,12,18")
    old.sync()
    out = tmp_path / "pack.pdf"
    args = ["brief", "--db", str(small_db), "--out", str(out), "--sections", "annex_b"]
    assert main(args) == 0
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(str(out)).pages)
    assert "5 to 25" in text and "19 to 25" not in text and "15 to 25" not in text
    con = sqlite3.connect(small_db)
    (stored,) = con.execute("SELECT parameters FROM briefing_record").fetchone()
    con.close()
    assert json.loads(stored)["bands"] == "2,3,4"
