"""Nothing in this process may open, replace, truncate or delete an open register's files.

On POSIX, closing *any* descriptor of a file drops every fcntl lock the process holds
on that file.  SQLite keeps its locks that way, so a header check, a copy, an export
target or a file dialog that opens and closes ``register.db`` (or its ``-wal``/``-shm``)
silently unlocks the register for the whole process: another process then believes it
is the last one, checkpoints and deletes the ``-wal`` under the live app, and the next
committed change is lost.

``open_register`` calls ``watch`` for every SQLite register it opens (``Register.dispose``
calls ``release``).  While any is watched, a Python audit hook refuses the Python-level
operations that open or replace a file (``open``/``os.open``/``io.open_code``,
``os.rename``/``os.replace``, ``os.remove``, ``os.truncate``) on the register's
database, ``-wal``, ``-shm`` or ``-journal`` file, whatever path names it (files are
compared by device and inode), with ``LiveRegisterFileError``: a ``RegisterError``
(one clear message) that is also a ``PermissionError`` (code that handles ``OSError``
reports it as a refused file).  SQLite's own opens happen in C and are not audited;
they are safe, because every connection in the process shares one SQLite library that
keeps a descriptor of a database open until the last lock on it is gone.  That holds
for the register itself only: ``sqlite3.connect`` on its ``-wal``, ``-shm`` or
``-journal`` (say, to check whether a chosen file is SQLite) is refused too.

Qt's C++ code is out of the hook's reach; ``desktop.widgets.file_dialogs`` is the one
place file dialogs are made, and it never reads a file's content.
"""

from __future__ import annotations

import errno
import os
import sys
import threading
import weakref
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from db.errors import RegisterError

SUFFIXES = ("", "-wal", "-shm", "-journal")
_WHAT = {
    "": "the database file",
    "-wal": "the write-ahead log",
    "-shm": "the shared-memory index",
    "-journal": "the rollback journal",
}
# Audit events that open or replace a file, and which of their arguments are paths.
_PATH_ARGS = {"open": (0,), "os.rename": (0, 1), "os.remove": (0,), "os.truncate": (0,)}
_DIR_FD_ARGS = {"os.remove": (1,), "os.rename": (2, 3)}

_lock = threading.Lock()
_watched: dict[int, Path] = {}  # token -> database file of an open register
_live: tuple[Path, ...] = ()  # snapshot the hook reads without the lock
_next_token = 0
_installed = False
_inside = threading.local()


class LiveRegisterFileError(RegisterError, PermissionError):
    """A file of a register open in this process was about to be opened outside SQLite."""

    def __init__(self, path: Path | str, database: Path, suffix: str):
        self.database = database
        self.suffix = suffix
        message = (
            f"{path} is {_WHAT[suffix]} of the register open in this program "
            f"({database}); choose another file"
        )
        super().__init__(errno.EACCES, message, str(path))

    def __str__(self) -> str:
        return str(self.strerror)


def watch(database: Path | str, owner: object | None = None) -> int:
    """Guard ``database`` and its companion files until ``release(token)``.

    With ``owner``, the guard is also released when ``owner`` is garbage collected
    (a register that was never disposed).
    """
    global _next_token, _installed, _live
    path = Path(database).absolute()
    with _lock:
        if not _installed:
            sys.addaudithook(_audit)
            _installed = True
        _next_token += 1
        token = _next_token
        _watched[token] = path
        _live = tuple(_watched.values())
    if owner is not None:
        weakref.finalize(owner, release, token)
    return token


def release(token: int) -> None:
    global _live
    with _lock:
        _watched.pop(token, None)
        _live = tuple(_watched.values())


def live_file(
    path: Path | str | bytes | os.PathLike[Any], dir_fd: int | None = None
) -> tuple[Path, str] | None:
    """``(database, suffix)`` when ``path`` is a file of a register open in this process."""
    live = _live
    if not live:
        return None
    try:
        st = os.stat(path, dir_fd=dir_fd) if dir_fd is not None else os.stat(path)
    except (OSError, ValueError, TypeError):
        return None  # not there (yet): opening it cannot close anyone's descriptor
    for database in live:
        for suffix in SUFFIXES:
            try:
                other = os.stat(f"{database}{suffix}")
            except OSError:
                continue
            if other.st_ino == st.st_ino and other.st_dev == st.st_dev:
                return database, suffix
    return None


def _sqlite_target(database: object) -> str | None:
    """The file a ``sqlite3.connect`` argument names (a path or a ``file:`` URI)."""
    if isinstance(database, bytes):
        database = os.fsdecode(database)
    if isinstance(database, os.PathLike):
        database = os.fspath(database)
    if not isinstance(database, str) or database in ("", ":memory:"):
        return None
    if database.startswith("file:"):
        return unquote(urlsplit(database).path) or None
    return database


def _refuse_sqlite_companion(database: object) -> None:
    """SQLite may open the register itself (one library shares its locks in the process),
    but not its -wal, -shm or -journal as if it were a database: that handle would be
    SQLite's own, unrelated to the register's, and closing it drops the locks."""
    target = _sqlite_target(database)
    if target is None:
        return
    found = live_file(target)
    if found is not None and found[1]:
        raise LiveRegisterFileError(target, *found)


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event == "sqlite3.connect" and _live and not getattr(_inside, "busy", False):
        _inside.busy = True
        try:
            _refuse_sqlite_companion(args[0] if args else None)
        finally:
            _inside.busy = False
        return
    positions = _PATH_ARGS.get(event)
    if positions is None or not _live or getattr(_inside, "busy", False):
        return
    _inside.busy = True
    try:
        dir_fds = _DIR_FD_ARGS.get(event, (None,) * len(positions))
        for position, dir_fd_position in zip(positions, dir_fds, strict=True):
            path = args[position]
            dir_fd = args[dir_fd_position] if dir_fd_position is not None else None
            if not isinstance(dir_fd, int) or dir_fd < 0:
                dir_fd = None
            if not isinstance(path, (str, bytes, os.PathLike)):
                continue  # a descriptor already open: nothing new is opened
            found = live_file(path, dir_fd)
            if found is not None:
                raise LiveRegisterFileError(os.fsdecode(path), *found)
    finally:
        _inside.busy = False
