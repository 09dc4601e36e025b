"""R4 bad files: every file that cannot be a register is refused with one clear message,
and its bytes stay exactly as they were."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from db.engine import open_register
from db.errors import RegisterError
from desktop.cli import main
from tests.sqlite_pages import page_size


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def good_register(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real register with a few records, closed (one file, no -wal left)."""
    from tests.db import factories

    path = tmp_path_factory.mktemp("good") / "good.db"
    reg = open_register(path)
    with reg.write() as s:
        nato = factories.stakeholder(s)
        factories.partnership(s, nato.id)
        factories.risk(s)
    reg.dispose()
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return path


def refuse(path: Path, match: str) -> str:
    """Open ``path``: it must be refused with a message matching ``match`` and stay byte-identical."""
    before = sha256(path) if path.is_file() else None
    with pytest.raises(RegisterError, match=match) as info:
        open_register(path)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message or str(path.parent) in message
    if before is not None:
        assert sha256(path) == before, "the refused file was changed"
        for suffix in ("-journal", "-wal", "-shm"):
            assert not path.with_name(path.name + suffix).exists()
    return message


def test_a_text_file_is_refused_untouched(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("Minutes of the NATO meeting\n" * 200)
    assert "not a Stakeholder Risk Tracker register" in refuse(path, "left untouched")


def test_a_binary_file_is_refused_untouched(tmp_path):
    path = tmp_path / "image.db"
    path.write_bytes(bytes(range(256)) * 64)
    refuse(path, "not a Stakeholder Risk Tracker register")


def test_an_empty_file_is_refused_untouched(tmp_path):
    path = tmp_path / "empty.db"
    path.touch()
    refuse(path, "empty file")
    assert path.stat().st_size == 0


def test_a_foreign_sqlite_database_is_refused_untouched(tmp_path):
    path = tmp_path / "contacts.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE contact (name TEXT, phone TEXT)")
    con.execute("INSERT INTO contact VALUES ('Ann', '555')")
    con.commit()
    con.close()
    refuse(path, "not a Stakeholder Risk Tracker register")


def test_a_sqlite_database_with_our_table_names_but_no_marker_is_refused(tmp_path):
    path = tmp_path / "lookalike.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
    con.execute("INSERT INTO alembic_version VALUES ('0001')")
    con.execute("CREATE TABLE app_meta (key TEXT PRIMARY KEY, value TEXT)")
    con.execute("INSERT INTO app_meta VALUES ('application', 'someone-else')")
    con.commit()
    con.close()
    refuse(path, "not a Stakeholder Risk Tracker register")


# kept: a share of the file, a number of bytes, or a number of whole pages ("p")
@pytest.mark.parametrize("keep", [0.5, 100, "1p", "3p", "-1p"])
def test_a_truncated_register_is_refused_untouched(tmp_path, good_register, keep):
    data = good_register.read_bytes()
    if isinstance(keep, float):
        size = int(len(data) * keep) + 17
    elif isinstance(keep, str):
        pages = int(keep[:-1]) * page_size(data)
        size = pages if pages > 0 else len(data) + pages
    else:
        size = keep
    path = tmp_path / "truncated.db"
    path.write_bytes(data[:size])
    refuse(path, "truncated|damaged|not a readable register")


def test_a_register_from_a_newer_version_is_refused_untouched(tmp_path, good_register):
    path = tmp_path / "future.db"
    shutil.copy(good_register, path)
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num = 'ffff_future'")
    con.commit()
    con.close()
    message = refuse(path, "newer version")
    assert "ffff_future" in message


def test_a_read_only_register_is_refused_untouched(tmp_path, good_register):
    path = tmp_path / "readonly.db"
    shutil.copy(good_register, path)
    path.chmod(0o444)
    try:
        refuse(path, "read-only")
    finally:
        path.chmod(0o600)


def test_a_missing_folder_is_reported_and_not_created(tmp_path):
    path = tmp_path / "no such folder" / "register.db"
    refuse(path, "does not exist")
    assert not path.parent.exists()


def test_a_folder_is_not_a_register(tmp_path):
    folder = tmp_path / "register.db"
    folder.mkdir()
    refuse(folder, "is a folder")


def test_a_new_register_is_created_with_user_only_permissions(tmp_path):
    path = tmp_path / "new.db"
    reg = open_register(path)
    reg.dispose()
    assert (path.stat().st_mode & 0o777) == 0o600


@pytest.mark.parametrize(
    "args",
    [
        ["matrix"],
        ["matrix", "--residual"],
        ["demo"],
        ["demo", "--force"],
        ["db", "check"],
        ["db", "upgrade"],
        ["backup", "--out", "{tmp}/copy.db"],
        ["generate", "--events", "5"],
        ["restore", "{tmp}/backup.db"],
    ],
)
def test_the_command_line_gives_one_line_and_exit_1_for_a_bad_file(tmp_path, capsys, args):
    path = tmp_path / "notes.txt"
    path.write_text("not a database")
    before = sha256(path)
    argv = [a.replace("{tmp}", str(tmp_path)) for a in args] + ["--db", str(path)]
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("risk-tracker: ")
    assert "not a Stakeholder Risk Tracker register" in lines[0]
    assert sha256(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_an_unreadable_register_is_refused(tmp_path, good_register, monkeypatch):
    path = tmp_path / "secret.db"
    shutil.copy(good_register, path)
    # Root reads any file whatever its mode, so the refusal is exercised through os.access.
    real_access = os.access
    monkeypatch.setattr(
        os,
        "access",
        lambda p, mode: False if Path(p) == path and mode == os.R_OK else real_access(p, mode),
    )
    refuse(path, "permission denied")


def _pages(path: Path) -> int:
    con = sqlite3.connect(path)
    try:
        return int(con.execute("PRAGMA page_size").fetchone()[0])
    finally:
        con.close()


def test_a_new_register_is_made_with_16_kib_pages(tmp_path):
    """The page size measured best for a register's appends (``db.engine.PAGE_SIZE``),
    for a register made by the app and one made by ``demo``."""
    reg = open_register(tmp_path / "new.db")
    reg.dispose()
    assert _pages(tmp_path / "new.db") == 16384
    assert page_size((tmp_path / "new.db").read_bytes()) == 16384
    assert main(["demo", "--db", str(tmp_path / "demo.db")]) == 0
    assert _pages(tmp_path / "demo.db") == 16384


def test_a_register_keeps_the_page_size_it_was_made_with(tmp_path, monkeypatch):
    """An existing register (made with SQLite's 4 KiB pages, as before) is opened,
    written and checked without its file being rewritten to another page size."""
    from db import engine
    from tests.db import factories

    path = tmp_path / "old.db"
    with monkeypatch.context() as mp:
        mp.setattr(engine, "PAGE_SIZE", 4096)
        open_register(path).dispose()
    assert _pages(path) == 4096
    reg = open_register(path)
    try:
        with reg.write() as s:
            factories.risk(s)
    finally:
        reg.dispose()
    assert _pages(path) == 4096
    assert main(["db", "check", "--db", str(path)]) == 0
