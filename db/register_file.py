"""What a register file is: the one place that decides.

Opening a register (``db.engine``), preparing its schema (create, upgrade) and
validating a backup or a restore target (``db.backup``) all ask this module:

* ``check_file_for_opening``: may this path be opened as a SQLite register at all
  (folder, network share, permissions, empty, not SQLite, truncated, read-only)?
* ``is_sqlite_file``: the header check.  It asks SQLite itself (a read-only
  connection) rather than reading the bytes with Python's ``open()``: on POSIX,
  closing any descriptor of a file drops every lock the process holds on it, so
  nothing in the process may open a live register's files outside the driver.
* ``read_facts`` / ``facts_of_engine``: the tables, the application marker and the
  schema revision found in a database (read-only).
* ``standing``: from those facts, a new (empty) database, this application's
  register at the current schema, or at an older one; a foreign database, one
  written by a newer version, or one at the current schema with a table missing is
  refused here, with the message the user sees.
* ``page_damage``: SQLite's own page check (``PRAGMA quick_check``), so that a
  damaged register is refused before anything reads half of it or writes to it.
"""

from __future__ import annotations

import enum
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from sqlalchemy import inspect, text

from db import migrations
from db.errors import RegisterError
from db.models import AppMeta, AuditHead

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

APP_MARKER_KEY = "application"
APP_MARKER = "stakeholder-risk-tracker"
APP_TABLES = frozenset({"alembic_version", "app_meta"})
NETWORK_FS = {"nfs", "nfs4", "cifs", "smbfs", "smb3", "9p", "afs", "fuse.sshfs", "davfs", "ncpfs"}
BUSY_TIMEOUT_S = 30.0

Purpose = Literal["open", "backup"]


class Standing(enum.Enum):
    """Where a database stands, once it is known not to be refused."""

    EMPTY = "empty"  # no tables: a new register to create
    CURRENT = "current"  # this application's register at the head revision
    OLDER = "older"  # this application's register at an older, known revision


@dataclass(frozen=True)
class RegisterFacts:
    """What a database holds that says whose it is and which schema it has."""

    tables: frozenset[str]
    marker: str | None
    revisions: tuple[str, ...]

    @property
    def is_ours(self) -> bool:
        return APP_TABLES <= self.tables and self.marker == APP_MARKER

    @property
    def revision(self) -> str | None:
        return self.revisions[0] if len(self.revisions) == 1 else None


def not_ours(name: str, purpose: Purpose) -> RegisterError:
    """The refusal of something that is not this application's register (or backup)."""
    if purpose == "backup":
        return RegisterError(f"{name} is not a Stakeholder Risk Tracker backup")
    return RegisterError(
        f"{name} is not a Stakeholder Risk Tracker register; it was left untouched"
    )


def damaged(name: str, detail: str, purpose: Purpose) -> RegisterError:
    """The refusal of a damaged register (or backup), in one line."""
    detail = " ".join(detail.replace("*** in database main ***", "").split())
    if purpose == "backup":
        return RegisterError(f"{name} is damaged ({detail}); it cannot be used as a backup")
    return RegisterError(
        f"{name} is damaged ({detail}); it was left untouched. "
        "Restore it from a backup with 'risk-tracker restore BACKUP'"
    )


def expected_tables() -> frozenset[str]:
    """The tables of a register at the current schema."""
    return frozenset(AppMeta.metadata.tables)


def _complete(facts: RegisterFacts, name: str, purpose: Purpose) -> Standing:
    """A register at the current schema has every table (one dropped is damage)."""
    missing = sorted(expected_tables() - facts.tables)
    if missing:
        tables, verb = ("table", "is") if len(missing) == 1 else ("tables", "are")
        raise damaged(name, f"the {tables} {', '.join(missing)} {verb} missing", purpose)
    return Standing.CURRENT


def standing(facts: RegisterFacts, name: str, *, purpose: Purpose = "open") -> Standing:
    """Decide what ``facts`` describe; refuse a foreign database, a newer schema or a
    current one with a table missing."""
    if not facts.tables:
        return Standing.EMPTY
    if not facts.is_ours:
        raise not_ours(name, purpose)
    revision = facts.revision
    if revision is not None and revision == migrations.head_from_files():
        return _complete(facts, name, purpose)  # the common case, without importing Alembic
    if revision is None or not migrations.is_known_revision(revision):
        use = "use" if purpose == "backup" else "open"
        raise RegisterError(
            f"{name} was written by a newer version of Stakeholder Risk Tracker "
            f"(schema {revision}); update the application to {use} it"
        )
    if revision == migrations.head_revision():
        return _complete(facts, name, purpose)
    return Standing.OLDER


# --------------------------------------------------------------------------- reading


def connect_read_only(path: Path, *, timeout: float = BUSY_TIMEOUT_S) -> sqlite3.Connection:
    """A read-only connection that leaves a file it refuses exactly as it was.

    A read-only connection to a WAL-mode file creates -wal and -shm files beside it
    and cannot remove them again; when there is no -wal file (nobody has the file
    open), "immutable" reads the file without creating or locking anything.
    ``as_uri()`` percent-encodes the path ("?" or "#" in a name would otherwise cut it).
    """
    uri = f"{path.absolute().as_uri()}?mode=ro"
    if not path.with_name(path.name + "-wal").exists():
        uri += "&immutable=1"
    con = sqlite3.connect(uri, uri=True, timeout=timeout)
    con.isolation_level = None
    return con


def is_sqlite_file(path: Path) -> bool:
    """The header check: does SQLite recognise ``path`` as one of its databases?

    Asked of SQLite (read-only), never by reading the bytes with ``open()``.  A file
    with a SQLite header whose pages are damaged or cut short still counts as SQLite
    here; the size and integrity checks report those.
    """
    try:
        con = connect_read_only(path, timeout=0)
        try:
            con.execute("PRAGMA schema_version").fetchone()
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        return getattr(exc, "sqlite_errorcode", None) != sqlite3.SQLITE_NOTADB
    return True


def page_damage(con: sqlite3.Connection) -> str | None:
    """SQLite's quick page check: None when sound, else its first finding.

    It reads every page once (about 0.3 s per 100 MB); ``integrity_check`` (what
    ``db check`` and backups run) also compares every index with its table."""
    try:
        rows = [str(r[0]) for r in con.execute("PRAGMA quick_check(1)")]
    except sqlite3.DatabaseError as exc:
        return str(exc)
    return None if rows == ["ok"] else rows[0]


def read_facts(con: sqlite3.Connection) -> RegisterFacts:
    tables = frozenset(
        r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    )
    marker = None
    if "app_meta" in tables:
        row = con.execute("SELECT value FROM app_meta WHERE key = ?", (APP_MARKER_KEY,)).fetchone()
        marker = row[0] if row else None
    revisions: tuple[str, ...] = ()
    if "alembic_version" in tables:
        revisions = tuple(r[0] for r in con.execute("SELECT version_num FROM alembic_version"))
    return RegisterFacts(tables=tables, marker=marker, revisions=revisions)


def facts_of_engine(engine: Engine) -> RegisterFacts:
    """The same facts through an open engine (SQLite or PostgreSQL), read on one
    connection in one transaction."""
    marker = None
    revisions: tuple[str, ...] = ()
    with engine.connect() as conn:
        tables = frozenset(inspect(conn).get_table_names())
        if "app_meta" in tables:
            marker = conn.execute(
                text("SELECT value FROM app_meta WHERE key = :key"), {"key": APP_MARKER_KEY}
            ).scalar()
        if "alembic_version" in tables:
            revisions = tuple(
                row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))
            )
    return RegisterFacts(tables=tables, marker=marker, revisions=revisions)


def mark_as_ours(session: Session) -> None:
    """Write the marker that ``standing`` looks for (in a new register's first write)."""
    if session.get(AppMeta, APP_MARKER_KEY) is None:
        session.add(AppMeta(key=APP_MARKER_KEY, value=APP_MARKER))
    if session.get(AuditHead, 1) is None:
        session.add(AuditHead(id=1))


# --------------------------------------------------------------------------- files


def _filesystem_type(path: Path) -> str | None:
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return None
    best, fstype = "", None
    target = str(path.resolve())
    for line in mounts:
        parts = line.split()
        if len(parts) >= 3 and (
            target == parts[1] or target.startswith(parts[1].rstrip("/") + "/")
        ):
            if len(parts[1]) > len(best):
                best, fstype = parts[1], parts[2]
    return fstype


def looks_truncated(size: int) -> bool:
    """A SQLite file is whole pages of at least 512 bytes."""
    return size < 512 or size % 512 != 0


def check_file_for_opening(path: Path) -> bool:
    """Refuse anything that cannot be a register; True when the file is new."""
    if path.is_dir():
        raise RegisterError(f"{path} is a folder, not a register file")
    if not path.parent.is_dir():
        raise RegisterError(f"the folder {path.parent} does not exist")
    fstype = _filesystem_type(path.parent)
    if fstype in NETWORK_FS:
        raise RegisterError(
            f"{path} is on a network share ({fstype}); SQLite files must not be shared that way. "
            "Use a PostgreSQL server for a team."
        )
    if not path.exists():
        if not os.access(path.parent, os.W_OK):
            raise RegisterError(f"cannot create {path}: the folder is not writable")
        return True
    if not os.access(path, os.R_OK):
        raise RegisterError(f"cannot read {path}: permission denied")
    size = path.stat().st_size
    if size == 0:
        raise RegisterError(f"{path} is an empty file, not a register; it was left untouched")
    if not is_sqlite_file(path):
        raise not_ours(str(path), "open")
    if looks_truncated(size):
        raise RegisterError(f"{path} looks truncated or damaged; it was left untouched")
    # os.access alone says "writable" to root even when no write bit is set, so the
    # mode bits are checked too: a file marked read-only is treated as read-only.
    if not os.access(path, os.W_OK) or not path.stat().st_mode & 0o222:
        raise RegisterError(f"{path} is read-only; make it writable or open a copy")
    return False


def facts_of_file(path: Path, *, check_pages: bool = False) -> RegisterFacts:
    """The facts of an existing SQLite file, read without changing it; with
    ``check_pages``, a file whose pages are damaged is refused."""
    try:
        con = connect_read_only(path)
        try:
            facts = read_facts(con)
            problem = page_damage(con) if check_pages else None
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise RegisterError(
            f"{path} is not a readable register ({exc}); it was left untouched"
        ) from None
    if problem is not None:
        raise damaged(str(path), problem, "open")
    return facts


def refuse_unless_register(path: Path, *, check_pages: bool = False) -> Standing:
    """Before any engine touches an existing SQLite file: refuse it unless it is ours
    (or holds no tables yet) at a schema this version knows, every table present,
    and (``check_pages``) its pages sound."""
    return standing(facts_of_file(path, check_pages=check_pages), str(path))


def check_restore_target(target: Path) -> None:
    """A restore replaces a register (even a damaged one), never some other file."""
    if target.is_dir():
        raise RegisterError(f"{target} is a folder, not a register file")
    if not target.is_file():
        return
    if target.stat().st_size == 0:  # never ours (new registers are put in place whole)
        raise RegisterError(f"{target} is an empty file, not a register; it was left untouched")
    if not is_sqlite_file(target):
        raise not_ours(str(target), "open")
    try:
        facts = facts_of_file(target)
    except RegisterError:
        return  # a damaged register: restoring a backup is the remedy
    if facts.tables and not facts.is_ours:
        raise not_ours(str(target), "open")
