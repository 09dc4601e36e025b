"""Where the register lives: URL resolution, engine set-up, sessions, opening checks.

``open_register`` is the one way in.  ``db.register_file`` decides whether the target
is a new register, this app's register at the current schema, an older one, a newer
one or something else; this module acts on it: create (user-only permissions), go on,
back up then upgrade, or refuse (leaving the bytes untouched).
"""

from __future__ import annotations

import os
import random
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import NullPool
from sqlmodel import Session, create_engine

from db import file_guard, migrations, register_file
from db.errors import RegisterError
from db.team import Refused, refusal

APP_NAME = "risk-tracker"
ENV_VAR = "RISK_TRACKER_DB"
BUSY_TIMEOUT_MS = 30_000


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
            url = make_url(raw)
        except ArgumentError:
            raise RegisterError(f"not a valid database URL: {raw}") from None
        if url.get_backend_name() == "sqlite" and _in_memory(url.database, url.query):
            raise _not_persistent(raw)
        return raw
    if _in_memory(raw, {}):
        raise _not_persistent(raw)
    return f"sqlite:///{Path(raw).expanduser().absolute()}"


def _in_memory(database: str | None, query: Any) -> bool:
    """A SQLite target that lives only as long as the connection: no name, ":memory:",
    or a "file:" URI in memory mode."""
    name = (database or "").strip()
    return (
        not name
        or name == ":memory:"
        or (name.startswith("file:") and ("mode=memory" in name or ":memory:" in name))
        or query.get("mode") == "memory"
    )


def _not_persistent(raw: str) -> RegisterError:
    return RegisterError(
        f"{raw} would not be kept after the program ends; give a register file or a PostgreSQL URL"
    )


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


def describe_target(url: str) -> str:
    """What to remember of a register's location (settings, "last register"): its path,
    or its URL with the password left out entirely (not masked), so it can be reopened."""
    path = sqlite_path(url)
    if path is not None:
        return str(path)
    # URL.set(password=None) would keep the password (None there means "unchanged").
    return make_url(url)._replace(password=None).render_as_string(hide_password=False)


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
    if mode == "NONE":
        return  # one read statement: SQLite gives it a snapshot of its own
    if mode == "IMMEDIATE":
        _begin_immediate(conn.connection.dbapi_connection)
    else:
        conn.exec_driver_sql(f"BEGIN {mode}")


def _begin_immediate(dbapi_conn: Any) -> None:
    """BEGIN IMMEDIATE, waiting up to the busy timeout for another writer to finish.

    SQLite's own busy handler backs off to sleeps of 100 ms, so with several
    processes writing one after another the lock sits idle most of the time and a
    writer can starve; polling every millisecond or two hands the lock over at once.
    After the timeout the user is told the register is busy (never "database is locked").
    """
    cur = dbapi_conn.cursor()
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    cur.execute("PRAGMA busy_timeout = 0")
    try:
        while True:
            try:
                cur.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                if time.monotonic() > deadline:
                    raise RegisterError(
                        "the register is busy: another program has been writing to it for "
                        f"{BUSY_TIMEOUT_MS / 1000:g} s; try again later"
                    ) from None
                time.sleep(random.uniform(0.0005, 0.003))
    finally:
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.close()


def load_driver(target: str | None) -> None:
    """Import the driver and SQLAlchemy dialect a server URL needs, without connecting
    (the app does it before Qt, see ``desktop.app``).  A file path, no target or a URL
    that names no known driver: nothing; ``open_register`` reports what is wrong."""
    if not target or "://" not in target:
        return
    try:
        url = make_url(target)
        if url.get_backend_name() != "sqlite":
            url.get_dialect().import_dbapi()
    except (ArgumentError, ImportError):
        return
    import db.pg_pool  # noqa: F401  (make_engine's, for a server)


# PostgreSQL 14 and later: how often the server checks, while it runs a background
# read, that the program asking is still there.  A whole-table count may scan a
# million rows for seconds; without the check it runs on after the program has quit
# (or been killed), and the next start shares the machine with it.
CLIENT_CHECK_MS = 250


def make_engine(url: str, *, background_of: Engine | None = None) -> Engine:
    """The engine for ``url``; ``background_of``: the register's own engine, when this
    one is for its background reads (see ``Register.background_engine``)."""
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    from db.pg_pool import ping_when_idle

    # No HSTORE column anywhere: without this the first connection would look the type
    # up (a savepoint, a catalogue query and a release) on the way to the first page.
    connect_args: dict[str, Any] = {}
    version = background_of.dialect.server_version_info if background_of is not None else None
    if version is not None and version >= (14,) and "options" not in make_url(url).query:
        connect_args["options"] = f"-c client_connection_check_interval={CLIENT_CHECK_MS}"
    engine = create_engine(url, use_native_hstore=False, connect_args=connect_args)
    ping_when_idle(engine)  # pre-ping, but only for connections idle a while
    return engine


@dataclass
class Register:
    """An open register: its URL, engine and session factories."""

    url: str
    engine: Engine
    upgraded_from: str | None = None
    backup_path: Path | None = None
    guard_token: int | None = None  # db.file_guard protects its files while it is open
    _background: Engine | None = field(default=None, init=False, repr=False, compare=False)
    _background_lock: threading.Lock = field(
        default_factory=threading.Lock, init=False, repr=False, compare=False
    )

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def background_engine(self) -> Engine:
        """The engine of background reads (whole-table counts on worker threads).  On
        PostgreSQL a pool of its own: a count, or one being cancelled, never holds the
        connection the user's next page is read through (the GUI would open a new one,
        a server process started on the click's path).  On SQLite the register's own."""
        if self.is_sqlite:
            return self.engine
        with self._background_lock:
            if self._background is None:
                self._background = make_engine(self.url, background_of=self.engine)
            return self._background

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
                if not self.is_sqlite:
                    _lock_audit_head(session)
                yield session
                session.commit()
            except BaseException as exc:
                session.rollback()
                # A member's role or clearance refused it: one sentence, like any other
                # register error, wherever the write came from (form, import, command).
                message = refusal(exc)
                if message is not None:
                    raise Refused(message) from exc
                raise

    def dispose(self) -> None:
        self.engine.dispose()
        if self._background is not None:
            self._background.dispose()
        if self.guard_token is not None:
            file_guard.release(self.guard_token)
            self.guard_token = None


def _lock_audit_head(session: Session) -> None:
    """PostgreSQL: take the audit head row lock first, as SQLite's BEGIN IMMEDIATE would.

    Every write ends by appending to the audit chain under this lock; taking it at
    the start gives all writers one lock order (no deadlock between, say, a ref
    counter and the head) and makes the first ref-counter row safe to create.
    """
    from sqlalchemy import select, text

    from db.models import AuditHead

    head: Any = AuditHead  # columns, not the Python values SQLModel types them as
    # Wait as long as SQLite would for another writer, then say so (not a frozen window).
    session.execute(text(f"SET LOCAL lock_timeout = {int(BUSY_TIMEOUT_MS)}"))
    try:
        session.execute(select(head.id).where(head.id == 1).with_for_update())
    except OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) != "55P03":  # lock_not_available
            raise
        raise RegisterError(
            "the register is busy: another user has been writing to it for "
            f"{BUSY_TIMEOUT_MS / 1000:g} s; try again later"
        ) from None


def _use_wal(engine: Engine) -> None:
    """Put a SQLite register in WAL mode (persistent in the file), once it is known to be ours.

    With WAL a commit does not wait for the disk twice, readers (the GUI's views) never
    block the writer, and several processes writing one after another no longer queue
    behind each other's fsyncs.  Only done after the checks, so a refused file keeps its
    bytes.  If another connection is busy with the file the switch is left for next time.
    """
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        mode = cur.execute("PRAGMA journal_mode").fetchone()[0]
        if str(mode).lower() != "wal":
            cur.execute("PRAGMA journal_mode = WAL")
        cur.close()
    except sqlite3.OperationalError:
        pass
    finally:
        raw.close()


def create_private_file(path: Path) -> None:
    """A new empty file readable and writable by its owner only (0600); fails if it exists."""
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)


def _remove_new_file(path: Path) -> None:
    for p in (path, path.with_name(path.name + "-journal")):
        try:
            p.unlink()
        except FileNotFoundError:
            pass


# The page size of a new SQLite register (bytes; SQLite's own default is 4,096).  A
# register's writes are mostly appends: an import adds records, their audit entries
# (about 600 bytes each) and links, and the large imports rebuild their indexes from
# sorted keys.  On 16 KiB pages that costs less CPU (fewer pages to balance, split and
# checksum into the log).  Measured: 100,000 events imported in 1.8-2.0 s of CPU against
# 2.1-2.5 s on 4 KiB pages; one event saved as a form saves it, into a register of a
# million, 3.2 ms against 2.8 ms; the events register's pages read as fast.  A register
# keeps the page size it was made with (SQLite changes it only by rewriting the file).
PAGE_SIZE = 16384


def _set_page_size(path: Path, size: int) -> None:
    """Give the new, still empty database file at ``path`` pages of ``size`` bytes."""
    con = sqlite3.connect(path)
    try:
        con.execute(f"PRAGMA page_size = {int(size)}")
        con.execute("VACUUM")  # writes the header: the size is the file's from now on
    finally:
        con.close()


def _create_register_file(path: Path) -> None:
    """Build a new register beside ``path`` and put it in place only when complete.

    So no empty (0-byte) file is ever ours, even after a crash half-way: an empty file
    is always another program's and is refused.  If another process put a file there
    meanwhile (two instances creating one register at once) that file is kept, and
    then checked like any existing file.
    """
    tmp = path.with_name(f".{path.name}.new-{os.getpid()}-{random.getrandbits(32):08x}")
    try:
        create_private_file(tmp)
        _set_page_size(tmp, PAGE_SIZE)
        engine = make_engine(f"sqlite:///{tmp}")
        try:
            _prepare_schema(Register(url=f"sqlite:///{tmp}", engine=engine), upgrade=False)
        finally:
            engine.dispose()
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another program put a file there first: it is checked like any other
        except OSError:
            # A file system without hard links: a rename, unless a file appeared meanwhile.
            if not path.exists():
                os.replace(tmp, path)
    finally:
        _remove_new_file(tmp)


# Opening a SQLite register reads every page once (SQLite's quick check) when the file
# is at most this large; above it (the GUI's 1,000,000-event benchmark opens a file of
# about 1 GB in 1.5 s) damage is found when a damaged page is read.
PAGE_CHECK_MAX_BYTES = 256 * 1024 * 1024


def open_register(
    target: str | os.PathLike[str] | None = None,
    *,
    upgrade: bool = True,
    create: bool = True,
    check_pages: bool | None = None,
) -> Register:
    """Open (creating or upgrading as needed) the register at ``target``.

    ``create=False``: a missing file is an error (reading commands never make one).
    ``check_pages``: True checks every page of a SQLite file before using it (the
    command line), None only files up to ``PAGE_CHECK_MAX_BYTES``, False none.
    """
    url = resolve_url(target)
    path = sqlite_path(url)
    if path is not None:
        is_new = register_file.check_file_for_opening(path)
        if is_new:
            if not create:
                raise RegisterError(f"{path} does not exist")
            try:
                _create_register_file(path)
            except (OSError, SQLAlchemyError) as exc:
                detail = " ".join(str(getattr(exc, "orig", None) or exc).split())
                raise RegisterError(f"cannot create {path}: {detail}") from None
        if check_pages is None:
            check_pages = path.stat().st_size <= PAGE_CHECK_MAX_BYTES
        # Decided before the engine touches the file, so a refused one keeps its bytes.
        register_file.refuse_unless_register(path, check_pages=check_pages)
    engine = make_engine(url)
    register = Register(url=url, engine=engine)
    try:
        _prepare_schema(register, upgrade=upgrade)
        if register.is_sqlite:
            _use_wal(register.engine)
    except RegisterError:
        engine.dispose()
        raise
    except OperationalError as exc:
        engine.dispose()
        if path is not None and ("locked" in str(exc.orig) or "busy" in str(exc.orig)):
            raise RegisterError(
                f"{path} is locked by another program that is writing to it; "
                "try again when it has finished"
            ) from None
        detail = " ".join(str(exc.orig).split())  # drivers' messages span lines; one line here
        raise RegisterError(f"cannot open {describe(url)}: {detail}") from None
    except SQLAlchemyError as exc:
        engine.dispose()
        raise RegisterError(f"cannot open {describe(url)}: {exc}") from None
    if path is not None:
        register.guard_token = file_guard.watch(path, owner=register)
    return register


def read_only_engine(path: Path) -> Engine:
    """An engine that reads a SQLite file (a backup being checked) and never writes it."""
    return create_engine(
        "sqlite://", creator=lambda: register_file.connect_read_only(path), poolclass=NullPool
    )


# PostgreSQL: one key for "preparing this database's schema" (pg_advisory_xact_lock).
MIGRATION_LOCK_KEY = 0x52_54_52_49_53_4B  # "RTRISK"


@contextmanager
def _migration_lock(register: Register) -> Iterator[None]:
    """PostgreSQL: hold a transaction-level advisory lock while the schema is prepared,
    so two programs opening a fresh database at once create it once (the second waits,
    then finds it current).  SQLite's new files are created whole (see above)."""
    if register.is_sqlite:
        yield
        return
    with register.engine.connect() as conn, conn.begin():
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        yield


def _prepare_schema(register: Register, *, upgrade: bool) -> None:
    """Create a new register, upgrade an older one (after a copy beside it), or go on."""
    name = register.display_name()
    facts = register_file.facts_of_engine(register.engine)
    state = register_file.standing(facts, name)
    if state is register_file.Standing.CURRENT:
        return  # every start-up but the first: no lock taken
    with _migration_lock(register):
        # Looked at again under the lock: another program may have just done it.
        facts = register_file.facts_of_engine(register.engine)
        state = register_file.standing(facts, name)
        _act_on(register, facts, state, upgrade=upgrade)


def _act_on(
    register: Register,
    facts: register_file.RegisterFacts,
    state: register_file.Standing,
    *,
    upgrade: bool,
) -> None:
    name = register.display_name()
    if state is register_file.Standing.EMPTY:
        migrations.run_upgrade(register.engine)
        with register.write() as session:
            register_file.mark_as_ours(session)
    elif state is register_file.Standing.OLDER:
        current = facts.revision
        assert current is not None  # an older register has exactly one known revision
        if not upgrade:
            raise RegisterError(
                f"{name} uses an older schema ({current}); run 'risk-tracker db upgrade'"
            )
        if register.path is not None:
            register.backup_path = migrations.backup_before_upgrade(register.path, current)
        register.upgraded_from = current
        migrations.run_upgrade(register.engine)
