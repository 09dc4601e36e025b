"""Where the register lives: URL resolution, engine set-up, sessions, opening checks.

``open_register`` is the one way in.  It decides whether the target is a new
register (create it, user-only permissions), this app's register at the current
schema, an older one (back it up, then upgrade), a newer one (refuse), or
something else (refuse, leaving the bytes untouched).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlmodel import Session, create_engine

from db.errors import RegisterError

APP_NAME = "risk-tracker"
APP_MARKER_KEY = "application"
APP_MARKER = "stakeholder-risk-tracker"
ENV_VAR = "RISK_TRACKER_DB"
SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 30_000
NETWORK_FS = {"nfs", "nfs4", "cifs", "smbfs", "smb3", "9p", "afs", "fuse.sshfs", "davfs", "ncpfs"}


def default_database_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False) / "register.db"


def resolve_url(target: str | os.PathLike[str] | None = None) -> str:
    """``--db`` value, else ``$RISK_TRACKER_DB``, else the default SQLite file."""
    raw = os.fspath(target) if target is not None else os.environ.get(ENV_VAR) or ""
    if not raw:
        path = default_database_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}"
    if "://" in raw:
        try:
            make_url(raw)
        except ArgumentError:
            raise RegisterError(f"not a valid database URL: {raw}") from None
        return raw
    return f"sqlite:///{Path(raw).expanduser().absolute()}"


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def describe(url: str) -> str:
    """A display form of the URL without its password."""
    path = sqlite_path(url)
    if path is not None:
        return str(path)
    return make_url(url).render_as_string(hide_password=True)


def _filesystem_type(path: Path) -> str | None:
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return None
    best, fstype = "", None
    target = str(path.resolve())
    for line in mounts:
        parts = line.split()
        if len(parts) >= 3 and (target == parts[1] or target.startswith(parts[1].rstrip("/") + "/")):
            if len(parts[1]) > len(best):
                best, fstype = parts[1], parts[2]
    return fstype


def check_sqlite_file(path: Path) -> bool:
    """Refuse anything that cannot be a register; True when the file is new or empty."""
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
    with path.open("rb") as fh:
        header = fh.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        raise RegisterError(f"{path} is not a Stakeholder Risk Tracker register; it was left untouched")
    if size < 512 or size % 512 != 0:
        raise RegisterError(f"{path} looks truncated or damaged; it was left untouched")
    # os.access alone says "writable" to root even when no write bit is set, so the
    # mode bits are checked too: a file marked read-only is treated as read-only.
    if not os.access(path, os.W_OK) or not path.stat().st_mode & 0o222:
        raise RegisterError(f"{path} is read-only; make it writable or open a copy")
    return False


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" hook emit BEGIN itself (pysqlite's own handling
    # defers it, which breaks BEGIN IMMEDIATE and savepoints).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA synchronous = NORMAL")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str) -> Engine:
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


@dataclass
class Register:
    """An open register: its URL, engine and session factories."""

    url: str
    engine: Engine
    upgraded_from: str | None = None
    backup_path: Path | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def path(self) -> Path | None:
        return sqlite_path(self.url)

    def display_name(self) -> str:
        return describe(self.url)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A short read session (no commit)."""
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A short write transaction: committed on success, rolled back on error.

        On SQLite it starts with BEGIN IMMEDIATE, so a writer waits for the lock
        (busy timeout) instead of failing later with "database is locked".
        """
        bind: Any = self.engine
        if self.is_sqlite:
            bind = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        with Session(bind, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        self.engine.dispose()


def _create_private_file(path: Path) -> None:
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)


def _sqlite_is_foreign(path: Path) -> bool:
    """True when a SQLite file holds tables but not ours."""
    # A read-only connection to a WAL-mode file creates -wal and -shm files beside it
    # and cannot remove them again; when there is no -wal file (nobody has the file
    # open), "immutable" reads the file without creating or locking anything, so a
    # refused file is left exactly as it was, with nothing new beside it.
    # as_uri() percent-encodes the path ("?" or "#" in a name would otherwise cut it).
    uri = f"{path.absolute().as_uri()}?mode=ro"
    if not path.with_name(path.name + "-wal").exists():
        uri += "&immutable=1"
    try:
        con = sqlite3.connect(uri, uri=True)
        try:
            names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise RegisterError(f"{path} is not a readable register ({exc}); it was left untouched") from None
    if not names:
        return False
    return not {"alembic_version", "app_meta"} <= names


def open_register(
    target: str | os.PathLike[str] | None = None, *, upgrade: bool = True, create: bool = True
) -> Register:
    """Open (creating or upgrading as needed) the register at ``target``."""
    from db import migrations

    url = resolve_url(target)
    path = sqlite_path(url)
    if path is not None:
        is_new = check_sqlite_file(path)
        if is_new:
            if not create:
                raise RegisterError(f"{path} does not exist")
            _create_private_file(path)
        elif _sqlite_is_foreign(path):
            raise RegisterError(f"{path} is not a Stakeholder Risk Tracker register; it was left untouched")
    engine = make_engine(url)
    register = Register(url=url, engine=engine)
    try:
        migrations.prepare(register, upgrade=upgrade)
    except RegisterError:
        engine.dispose()
        raise
    except OperationalError as exc:
        engine.dispose()
        raise RegisterError(f"cannot open {describe(url)}: {exc.orig}") from None
    except SQLAlchemyError as exc:
        engine.dispose()
        raise RegisterError(f"cannot open {describe(url)}: {exc}") from None
    return register


def has_tables(engine: Engine) -> bool:
    return bool(inspect(engine).get_table_names())
