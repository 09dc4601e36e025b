"""db.file_guard: nothing in the process may open an open register's files outside SQLite.

Each test opens a real register, checks the process holds SQLite's locks on it, tries
the forbidden operation and checks it was refused with a clear message and that the
locks are still held.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from db import file_guard
from db.errors import RegisterError
from tests.live_locks import locks_held, needs_proc_locks

pytestmark = needs_proc_locks


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Any]:
    from db.engine import open_register

    register = open_register(tmp_path / "register.db")
    with register.session() as session:
        session.execute(text("SELECT count(*) FROM app_meta")).one()
    yield register
    register.dispose()


def files(register: Any) -> list[Path]:
    path = register.path
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


def held(register: Any) -> list[str]:
    return locks_held(os.getpid(), *files(register))


def test_the_lock_check_sees_a_plain_open_and_close_drop_sqlites_locks(live: Any) -> None:
    """The control: an open/close below Python's audit hooks (libc) drops every lock."""
    before = held(live)
    assert any(name.startswith("register.db-shm") for name in before), before
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    fd = libc.open(str(files(live)[2]).encode(), os.O_RDONLY)
    assert fd >= 0
    libc.close(fd)
    assert not any(name.startswith("register.db-shm") for name in held(live))


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm"])
@pytest.mark.parametrize("how", ["open", "os.open", "read_bytes", "copy", "via symlink"])
def test_python_cannot_open_the_live_registers_files(
    live: Any, tmp_path: Path, suffix: str, how: str
) -> None:
    target = live.path.with_name(live.path.name + suffix)
    before = held(live)
    assert before
    with pytest.raises(file_guard.LiveRegisterFileError) as caught:
        if how == "open":
            open(target, "rb").close()  # noqa: SIM115 - the open itself is what is refused
        elif how == "os.open":
            os.close(os.open(target, os.O_RDONLY))
        elif how == "read_bytes":
            target.read_bytes()
        elif how == "copy":
            shutil.copyfile(target, tmp_path / "copy")
        else:
            alias = tmp_path / "alias"
            alias.symlink_to(target)
            alias.read_bytes()
    assert isinstance(caught.value, RegisterError)
    assert isinstance(caught.value, PermissionError)  # OSError handlers report it too
    assert str(caught.value).endswith("choose another file")
    assert "register open in this program" in str(caught.value)
    assert held(live) == before


def test_replacing_or_deleting_the_live_files_is_refused(live: Any, tmp_path: Path) -> None:
    db, wal, _shm = files(live)
    other = tmp_path / "other.pdf"
    other.write_bytes(b"%PDF-1.4")
    before = held(live)
    with pytest.raises(file_guard.LiveRegisterFileError):
        os.replace(other, db)
    with pytest.raises(file_guard.LiveRegisterFileError):
        os.remove(wal)
    with pytest.raises(file_guard.LiveRegisterFileError):
        os.truncate(db, 0)
    assert wal.exists() and db.stat().st_size > 0
    assert held(live) == before


def test_other_files_and_sqlite_itself_are_not_affected(live: Any, tmp_path: Path) -> None:
    before = held(live)
    neighbour = tmp_path / "register.db.txt"
    neighbour.write_text("next to the register")
    assert neighbour.read_text() == "next to the register"
    # A second SQLite connection in the process shares SQLite's own bookkeeping of the file.
    with closing(sqlite3.connect(live.path)) as con:
        assert con.execute("SELECT count(*) FROM app_meta").fetchone()[0] > 0
    assert held(live) == before


def test_the_files_are_free_again_once_the_register_is_closed(tmp_path: Path) -> None:
    from db.engine import open_register

    register = open_register(tmp_path / "register.db")
    register.dispose()
    assert register.path.read_bytes().startswith(b"SQLite format 3\x00")


def test_opening_the_live_register_again_keeps_its_locks(live: Any) -> None:
    """File > Open register on the register already open: no header read by Python."""
    from db.engine import open_register

    before = held(live)
    again = open_register(live.path)
    with again.session() as session:
        session.execute(text("SELECT count(*) FROM app_meta")).one()
    again.dispose()
    assert held(live) == before
    with pytest.raises(file_guard.LiveRegisterFileError):
        live.path.read_bytes()  # still guarded: the first register is still open


@pytest.mark.parametrize(
    ("suffix", "what"), [("-wal", "write-ahead log"), ("-shm", "shared-memory")]
)
def test_opening_the_live_registers_companion_as_a_register_is_a_clear_refusal(
    live: Any, suffix: str, what: str
) -> None:
    from db.engine import open_register

    with live.write() as session:  # a -wal with frames in it, not an empty file
        session.execute(text("INSERT INTO app_meta (key, value) VALUES ('test', 'frame')"))
    assert live.path.with_name(live.path.name + "-wal").stat().st_size > 0
    before = held(live)
    with pytest.raises(RegisterError, match=f"is the {what} .*of the register open"):
        open_register(live.path.with_name(live.path.name + suffix))
    assert held(live) == before


@pytest.mark.parametrize(
    ("suffix", "message"),
    [
        ("", "the backup cannot be written over the register itself"),
        ("-wal", "the backup cannot be written over the register's -wal file"),
        ("-shm", "the backup cannot be written over the register's -shm file"),
    ],
)
def test_a_backup_over_the_registers_own_files_is_refused(
    live: Any, suffix: str, message: str
) -> None:
    from db.backup import backup_sqlite

    before = held(live)
    with pytest.raises(RegisterError) as caught:
        backup_sqlite(live, live.path.with_name(live.path.name + suffix))
    assert str(caught.value) == message
    assert held(live) == before


@pytest.mark.parametrize("suffix", ["-wal", "-shm"])
def test_sqlite_may_not_open_a_companion_file_as_a_database(live: Any, suffix: str) -> None:
    """A header check through SQLite on register.db-shm would close SQLite's own handle of
    it, unrelated to the register's, and drop the locks: refused before SQLite opens it."""
    from db.register_file import is_sqlite_file

    companion = live.path.with_name(live.path.name + suffix)
    before = held(live)
    with pytest.raises(file_guard.LiveRegisterFileError):
        is_sqlite_file(companion)  # a file: URI (read-only)
    with pytest.raises(file_guard.LiveRegisterFileError):
        sqlite3.connect(companion).close()
    assert held(live) == before


def test_restoring_into_the_open_register_keeps_its_locks(live: Any, tmp_path: Path) -> None:
    """restore_sqlite validates the register it wrote through SQLite, never by reading it."""
    from db.backup import backup_sqlite, restore_sqlite, validate_backup

    backup = tmp_path / "monday.db"
    backup_sqlite(live, backup)
    before = held(live)
    restore_sqlite(live.path, backup)
    assert validate_backup(live.path).revision
    assert held(live) == before
    with pytest.raises(RegisterError, match="is the write-ahead log of the register open"):
        validate_backup(live.path.with_name("register.db-wal"))
