"""Backups of a SQLite register, and restoring one, without ever losing a file.

* ``backup_sqlite`` copies a live register through SQLite's online backup API, so the
  copy is one consistent state even while other connections write (they wait on the
  busy timeout for the moment the copy takes); the copy is written beside its target
  under a temporary name, checked, and only then renamed into place.
* ``validate_backup`` opens a file read-only and checks that it is a sound SQLite
  database (``PRAGMA integrity_check``), that it is this application's register, and
  that its schema revision is one this version knows.  It never writes to the file.
* ``restore_sqlite`` validates the backup *before* touching anything, keeps the
  register it replaces as ``<name>.replaced-<timestamp>.bak``, then copies the backup
  into the register through the backup API (one transaction on the destination, so a
  crash half-way leaves the old register, and other open connections see the new
  content rather than a file swapped under them).

PostgreSQL registers are backed up with the server's own tools (``pg_dump``).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from db import register_file
from db.errors import RegisterError
from db.file_guard import LiveRegisterFileError
from db.kinds import KINDS

if TYPE_CHECKING:
    from db.engine import Register

BUSY_TIMEOUT_S = 30.0
RECORD_TABLES = tuple(kind.value for kind in KINDS)  # a table per kind, named as the kind


@dataclass(frozen=True)
class BackupInfo:
    """What ``validate_backup`` found in a sound backup file."""

    path: Path
    revision: str
    size: int
    counts: dict[str, int] = field(default_factory=dict)
    audit_entries: int = 0

    def summary(self) -> str:
        parts = ", ".join(f"{n} {kind}s" for kind, n in self.counts.items())
        return f"{self.path} (schema {self.revision}; {parts}; {self.audit_entries} audit entries)"


@dataclass(frozen=True)
class RestoreResult:
    target: Path
    restored_from: BackupInfo
    replaced: Path | None  # where the register that was replaced was kept


def _stamp() -> str:
    return dt.datetime.now().strftime("%Y%m%d-%H%M%S")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _connect_ro(path: Path) -> sqlite3.Connection:
    return register_file.connect_read_only(path, timeout=BUSY_TIMEOUT_S)


def _private_new_file(path: Path) -> None:
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)


def _remove_quietly(path: Path) -> None:
    for p in (
        path,
        path.with_name(path.name + "-journal"),
        path.with_name(path.name + "-wal"),
        path.with_name(path.name + "-shm"),
    ):
        try:
            p.unlink()
        except FileNotFoundError:
            pass


# --------------------------------------------------------------------------- validate


def validate_backup(path: str | os.PathLike[str]) -> BackupInfo:
    """Check a backup (or any register file) without changing a byte of it."""
    path = Path(path)
    if not path.exists():
        raise RegisterError(f"{path} does not exist")
    if path.is_dir():
        raise RegisterError(f"{path} is a folder, not a backup file")
    if not os.access(path, os.R_OK):
        raise RegisterError(f"cannot read {path}: permission denied")
    size = path.stat().st_size
    if size == 0:
        raise RegisterError(f"{path} is an empty file, not a backup")
    if not register_file.is_sqlite_file(path):
        raise RegisterError(f"{path} is not a Stakeholder Risk Tracker backup")
    if register_file.looks_truncated(size):
        raise RegisterError(f"{path} looks truncated or damaged; it cannot be used as a backup")
    try:
        with closing(_connect_ro(path)) as con:
            result = [r[0] for r in con.execute("PRAGMA integrity_check")]
            if result != ["ok"]:
                # one line: SQLite heads its findings with a line naming the database
                raise register_file.damaged(str(path), f"integrity check: {result[0]}", "backup")
            facts = register_file.read_facts(con)
            state = register_file.standing(facts, str(path), purpose="backup")
            revision = facts.revision
            if state is register_file.Standing.EMPTY or revision is None:
                raise register_file.not_ours(str(path), "backup")
            counts: dict[str, int] = {}
            for table in RECORD_TABLES:
                if table in facts.tables:
                    # Table names come from the fixed tuple above, never from input.
                    counts[table] = int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608
            entries = 0
            if "audit_entry" in facts.tables:
                entries = int(con.execute("SELECT count(*) FROM audit_entry").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        raise RegisterError(f"{path} is damaged or not a database ({exc})") from None
    return BackupInfo(path=path, revision=revision, size=size, counts=counts, audit_entries=entries)


# --------------------------------------------------------------------------- backup


def _copy_database(src: sqlite3.Connection, dst_path: Path) -> None:
    with closing(sqlite3.connect(dst_path, timeout=BUSY_TIMEOUT_S)) as dst:
        # pages=-1: the whole database in one step, under one read lock, so the copy is
        # a single consistent state (stepwise copies restart whenever another
        # connection writes, and may never finish under a steady stream of writes).
        src.backup(dst, pages=-1)
        # A copy is one self-contained file: rollback-journal mode, nothing beside it.
        dst.execute("PRAGMA journal_mode = DELETE")


def backup_sqlite(register: Register, out_path: str | os.PathLike[str]) -> BackupInfo:
    """Write a consistent copy of the open SQLite ``register`` to ``out_path``."""
    source = register.path
    if source is None:
        raise RegisterError(
            f"{register.display_name()} is a PostgreSQL register; back it up with pg_dump"
        )
    out = Path(out_path).expanduser().absolute()
    if not out.parent.is_dir():
        raise RegisterError(f"the folder {out.parent} does not exist")
    if out.is_dir():
        raise RegisterError(f"{out} is a folder; give a file name for the backup")
    for suffix, what in (
        ("", " itself"),
        ("-wal", "'s -wal file"),
        ("-shm", "'s -shm file"),
        ("-journal", "'s -journal file"),
    ):
        companion = source.with_name(source.name + suffix)
        if _same_file(out, companion) or out == companion.absolute():
            raise RegisterError(f"the backup cannot be written over the register{what}")
    if out.exists() and out.stat().st_size > 0:
        # Only ever overwrite an earlier backup, never some other file.
        try:
            validate_backup(out)
        except LiveRegisterFileError:
            raise
        except RegisterError:
            raise RegisterError(
                f"{out} exists and is not a register backup; choose another file name"
            ) from None
    tmp = out.with_name(f".{out.name}.partial-{os.getpid()}")
    _remove_quietly(tmp)
    try:
        _private_new_file(tmp)
        with closing(sqlite3.connect(source, timeout=BUSY_TIMEOUT_S)) as src:
            src.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            _copy_database(src, tmp)
        info = validate_backup(tmp)
        os.replace(tmp, out)
    except sqlite3.Error as exc:
        raise RegisterError(f"the backup could not be written: {exc}") from None
    finally:
        _remove_quietly(tmp)
    return BackupInfo(
        path=out,
        revision=info.revision,
        size=info.size,
        counts=info.counts,
        audit_entries=info.audit_entries,
    )


# --------------------------------------------------------------------------- restore


def replaced_name(target: Path) -> Path:
    base = target.with_name(f"{target.name}.replaced-{_stamp()}.bak")
    candidate, n = base, 1
    while candidate.exists():
        candidate = base.with_name(f"{target.name}.replaced-{_stamp()}-{n}.bak")
        n += 1
    return candidate


def _keep_copy(target: Path) -> Path:
    """Copy the register about to be replaced beside itself; returns the copy's path."""
    kept = replaced_name(target)
    _private_new_file(kept)
    try:
        with closing(sqlite3.connect(target, timeout=BUSY_TIMEOUT_S)) as src:
            _copy_database(src, kept)
    except sqlite3.DatabaseError:
        # Not a readable database (that may be why it is being restored): keep its bytes.
        shutil.copyfile(target, kept)
    return kept


def restore_sqlite(
    target_path: str | os.PathLike[str], backup_path: str | os.PathLike[str]
) -> RestoreResult:
    """Replace the register at ``target_path`` by the backup at ``backup_path``.

    Nothing is touched unless the backup validates; the replaced register is kept
    as ``<name>.replaced-<timestamp>.bak`` beside it.
    """
    target = Path(target_path).expanduser().absolute()
    backup = Path(backup_path).expanduser().absolute()
    info = validate_backup(backup)
    if _same_file(target, backup):
        raise RegisterError("the backup and the register are the same file")
    if not target.parent.is_dir():
        raise RegisterError(f"the folder {target.parent} does not exist")
    if target.is_dir():
        raise RegisterError(f"{target} is a folder, not a register file")
    kept: Path | None = None
    if target.exists():
        if not os.access(target, os.W_OK) or not target.stat().st_mode & 0o222:
            raise RegisterError(f"{target} is read-only; it was left untouched")
        if target.stat().st_size > 0:
            try:
                kept = _keep_copy(target)
            except OSError as exc:
                raise RegisterError(
                    f"could not keep a copy of {target} ({exc}); nothing was restored"
                ) from None
    else:
        _private_new_file(target)
    where = f"; the previous register is kept as {kept}" if kept else ""
    try:
        try:
            with (
                closing(_connect_ro(backup)) as src,
                closing(sqlite3.connect(target, timeout=BUSY_TIMEOUT_S)) as dst,
            ):
                dst.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
                src.backup(dst, pages=-1)
        except sqlite3.DatabaseError:
            if target.exists() and _readable_database(target):
                raise
            # The register is not a readable database (damaged, or not one at all):
            # nobody can be using it, so swap a fresh copy in under its name.
            _swap_in_copy(backup, target)
    except sqlite3.Error as exc:
        raise RegisterError(f"the restore failed: {exc}{where}") from None
    validate_backup(target)
    return RestoreResult(target=target, restored_from=info, replaced=kept)


def _readable_database(path: Path) -> bool:
    try:
        with closing(_connect_ro(path)) as con:
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return True
    except sqlite3.DatabaseError:
        return False


def _swap_in_copy(backup: Path, target: Path) -> None:
    tmp = target.with_name(f".{target.name}.restoring-{os.getpid()}")
    _remove_quietly(tmp)
    try:
        _private_new_file(tmp)
        with closing(_connect_ro(backup)) as src:
            _copy_database(src, tmp)
        # A journal left by the damaged file must not be rolled into the new one.
        for suffix in ("-journal", "-wal", "-shm"):
            stale = target.with_name(target.name + suffix)
            if stale.exists():
                os.replace(stale, stale.with_name(f"{stale.name}.stale-{_stamp()}"))
        os.replace(tmp, target)
    finally:
        _remove_quietly(tmp)
