"""db.register_file: the one place that decides what a register file is."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from db import migrations, register_file
from db.engine import describe_target, open_register
from db.errors import RegisterError
from db.register_file import APP_MARKER, RegisterFacts, Standing, standing

# Run in a child process: an audit hook cannot be removed again once added.
NO_PYTHON_OPEN = """
import sys
from pathlib import Path
from db import register_file
from db.backup import validate_backup
from db.engine import open_register

good = Path(sys.argv[1])
live = open_register(good)
opened = []
sys.addaudithook(lambda event, args: opened.append(str(args[0])) if event == "open" else None)
assert register_file.check_file_for_opening(good) is False
assert register_file.refuse_unless_register(good) is register_file.Standing.CURRENT
register_file.check_restore_target(good)
validate_backup(good)
live.dispose()
print("\\n".join(p for p in opened if Path(p).name.startswith(good.name)))
"""


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "good.db"
    open_register(path).dispose()
    return path


def test_the_header_check_is_asked_of_sqlite(tmp_path, good):
    text = tmp_path / "notes.db"
    text.write_text("Quarterly notes\n" * 100)
    cut = tmp_path / "cut.db"
    cut.write_bytes(good.read_bytes()[:1000])
    assert register_file.is_sqlite_file(good)
    assert not register_file.is_sqlite_file(text)
    assert register_file.is_sqlite_file(cut)  # a SQLite header, pages cut short
    with pytest.raises(RegisterError, match="truncated"):
        register_file.check_file_for_opening(cut)


def test_deciding_never_opens_the_register_with_python_open(good):
    # On POSIX closing any descriptor of the file drops SQLite's locks in this process;
    # Python's open() raises an "open" audit event, SQLite's own opens do not.
    out = subprocess.run(
        [sys.executable, "-c", NO_PYTHON_OPEN, str(good)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert out.stdout.strip() == ""


def _facts(marker: str | None = APP_MARKER, *revisions: str) -> RegisterFacts:
    """A database holding every table of a register, with this marker and these stamps."""
    tables = register_file.expected_tables() | {"alembic_version"}
    return RegisterFacts(tables=tables, marker=marker, revisions=revisions)


def test_standing_of_every_kind_of_database():
    head = migrations.head_revision()
    older = [r.revision for r in migrations.script_directory().walk_revisions()][-1]
    assert older != head
    empty = RegisterFacts(tables=frozenset(), marker=None, revisions=())
    assert standing(empty, "x") is Standing.EMPTY
    assert standing(_facts(APP_MARKER, head), "x") is Standing.CURRENT
    assert standing(_facts(APP_MARKER, older), "x") is Standing.OLDER
    with pytest.raises(RegisterError, match="newer version.*ffff_future.*open it"):
        standing(_facts(APP_MARKER, "ffff_future"), "x")
    with pytest.raises(RegisterError, match="newer version.*use it"):
        standing(_facts(APP_MARKER, "ffff_future"), "x", purpose="backup")
    with pytest.raises(RegisterError, match="newer version"):
        standing(_facts(APP_MARKER, head, older), "x")  # two stamps: not one this version made
    with pytest.raises(RegisterError, match="not a Stakeholder Risk Tracker register"):
        standing(_facts("someone-else", head), "x")
    with pytest.raises(RegisterError, match="not a Stakeholder Risk Tracker backup"):
        standing(_facts(None, head), "x", purpose="backup")
    foreign = RegisterFacts(tables=frozenset({"notes"}), marker=None, revisions=())
    with pytest.raises(RegisterError, match="not a Stakeholder Risk Tracker register"):
        standing(foreign, "x")
    # At the current schema every table must be there: one dropped is damage, in one line.
    full = _facts(APP_MARKER, head)
    one_gone = RegisterFacts(full.tables - {"audit_entry"}, APP_MARKER, (head,))
    with pytest.raises(RegisterError, match=r"x is damaged \(the table audit_entry is missing\)"):
        standing(one_gone, "x")
    two_gone = RegisterFacts(full.tables - {"audit_entry", "risk"}, APP_MARKER, (head,))
    with pytest.raises(RegisterError, match="tables audit_entry, risk are missing.*backup"):
        standing(two_gone, "x", purpose="backup")


def test_a_restore_target_must_be_a_register_or_damaged(tmp_path, good):
    register_file.check_restore_target(good)
    register_file.check_restore_target(tmp_path / "new.db")
    foreign = tmp_path / "foreign.db"
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE notes (x)")
    con.commit()
    con.close()
    with pytest.raises(RegisterError, match="not a Stakeholder Risk Tracker register"):
        register_file.check_restore_target(foreign)


def test_describe_target_keeps_a_path_and_drops_a_password(tmp_path):
    path = tmp_path / "r.db"
    assert describe_target(f"sqlite:///{path}") == str(path)
    url = describe_target("postgresql+psycopg://ana:s3cret@db.example:5432/risks")
    assert url == "postgresql+psycopg://ana@db.example:5432/risks"
