"""The database a benchmark run measures: SQLite files or a throwaway PostgreSQL server.

A scenario asks its backend for three things and is otherwise the same on both:

* ``register(work, name, **spec)``: a register made by ``db.synthetic.generate``,
  kept between runs (a file in the work folder; a database of the server, whose
  cluster then lives in the work folder too), returned as the target
  ``open_register`` and the GUI probe take (a path or a URL);
* ``copy(target, name)``: a fresh copy of such a register to write into (P1), and
  ``drop(copy)`` when done;
* ``connect(target)``: a DB-API connection for the raw-SQL baselines, with
  ``sql(text)`` turning the ``?`` placeholders into the driver's own and ``ilike``
  the operator the quick search uses on this backend; ``bulk_load`` writes rows the
  fastest way the engine has (``executemany`` on SQLite, ``COPY`` on PostgreSQL).

``make("sqlite" | "postgresql", work)`` gives one; ``close()`` stops what it started.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

NAMES = ("sqlite", "postgresql")


class Backend(Protocol):
    name: str  # "sqlite" or "postgresql"
    ilike: str  # the operator of the quick search's case-blind match

    def describe(self) -> str: ...
    def register(self, work: Path, name: str, **spec: object) -> str: ...
    def copy(self, target: str, name: str) -> str: ...
    def drop(self, target: str) -> None: ...
    def connect(self, target: str) -> Any: ...
    def sql(self, text: str) -> str: ...
    def bulk_load(
        self, con: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> None: ...
    def close(self) -> None: ...


def _spec_key(spec: dict[str, object]) -> str:
    return "-".join(f"{k}{v}" for k, v in sorted(spec.items()))


def _generate(target: str | Path, spec: dict[str, object]) -> None:
    from db.engine import open_register
    from db.synthetic import generate

    reg = open_register(target)
    try:
        generate(reg, **spec)  # type: ignore[arg-type]
        if reg.engine.dialect.name == "sqlite":
            with reg.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        reg.dispose()


class SQLiteBackend:
    name = "sqlite"
    placeholder = "?"
    ilike = "LIKE"  # SQLite's LIKE ignores ASCII case already

    def __init__(self, work: Path):
        self.work = work

    def describe(self) -> str:
        return f"SQLite {sqlite3.sqlite_version}"

    def register(self, work: Path, name: str, **spec: object) -> str:
        """The file name carries the spec, so a changed spec makes a new file; it is built
        under a temporary name and renamed when complete, so an interrupted run never
        leaves a half-made register to be reused."""
        path = work / f"{name}-{_spec_key(spec)}.db"
        if path.exists():
            return str(path)
        partial = work / f"{name}.partial.db"
        _remove_sqlite(partial)
        start = time.perf_counter()
        _generate(partial, spec)
        _remove_sqlite(partial, main=False)
        partial.rename(path)
        print(f"  generated {path.name} in {time.perf_counter() - start:.0f} s", flush=True)
        return str(path)

    def copy(self, target: str, name: str) -> str:
        copy = self.work / f"{name}.db"
        _remove_sqlite(copy)
        shutil.copy(target, copy)
        return str(copy)

    def drop(self, target: str) -> None:
        _remove_sqlite(Path(target))

    def connect(self, target: str) -> Any:
        return sqlite3.connect(target)

    def sql(self, text: str) -> str:
        return text

    def bulk_load(
        self, con: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> None:
        marks = ",".join("?" * len(columns))
        con.executemany(f"INSERT INTO {table} ({','.join(columns)}) VALUES ({marks})", rows)  # noqa: S608 - fixed names

    def close(self) -> None:
        pass


def _remove_sqlite(path: Path, *, main: bool = True) -> None:
    for suffix in ("", "-wal", "-shm") if main else ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


class PostgresBackend:
    """A server of the tests' kind (tests/pgserver.py) whose cluster lives in
    ``work/pg-cluster`` (see ``_cluster_folder``): started on a free port for the run and stopped after it, its
    generated registers (one database each) kept for the next run."""

    name = "postgresql"
    placeholder = "%s"
    ilike = "ILIKE"

    def __init__(self, work: Path):
        from tests.pgserver import find_bin_dir

        bin_dir = find_bin_dir()
        if bin_dir is None:
            raise SystemExit("no PostgreSQL binaries under /usr/lib/postgresql/*/bin")
        self.work = work
        self.server = _KeptServer(bin_dir, _cluster_folder(work))
        self.server.start()
        self._copies = 0

    def describe(self) -> str:
        with self.server.admin() as conn:
            return "PostgreSQL " + str(conn.execute("SHOW server_version").fetchone()[0])

    def _databases(self) -> set[str]:
        with self.server.admin() as conn:
            return {r[0] for r in conn.execute("SELECT datname FROM pg_database")}

    def register(self, work: Path, name: str, **spec: object) -> str:
        key = _spec_key(spec)
        db = f"{name}_{hashlib.sha256(key.encode()).hexdigest()[:12]}"
        if db in self._databases():
            self._bring_to_head(db)
            return self.server.url(db)
        partial = f"{name}_partial"
        self._sql(f'DROP DATABASE IF EXISTS "{partial}" WITH (FORCE)')
        self._sql(f'CREATE DATABASE "{partial}"')
        start = time.perf_counter()
        _generate(self.server.url(partial), spec)
        self._sql(f'ALTER DATABASE "{partial}" RENAME TO "{db}"')
        self._analyse(db)
        print(f"  generated {db} ({key}) in {time.perf_counter() - start:.0f} s", flush=True)
        return self.server.url(db)

    def _bring_to_head(self, db: str) -> None:
        """A register kept from a run of an older schema is upgraded here, before any
        scenario holds a connection to it: an upgrade's ``ALTER`` waits for every open
        transaction on its tables, the scenario's own among them.  Statistics are
        refreshed when the schema moved (a new index has none)."""
        from db.engine import open_register

        def revision() -> str:
            import psycopg

            with psycopg.connect(self._conninfo(db), autocommit=True) as conn:
                row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
                return str(row[0]) if row else ""

        before = revision()
        open_register(self.server.url(db), create=False).dispose()
        if revision() != before:
            print(f"  upgraded {db} from {before} to {revision()}", flush=True)
            self._analyse(db)

    def _analyse(self, db: str) -> None:
        import psycopg

        with psycopg.connect(self._conninfo(db), autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")

    def copy(self, target: str, name: str) -> str:
        source = target.rsplit("/", 1)[1]
        self._copies += 1
        copy = f"{name}_copy{self._copies}"
        self._sql(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
        self._sql(f'CREATE DATABASE "{copy}" TEMPLATE "{source}" STRATEGY FILE_COPY')
        return self.server.url(copy)

    def drop(self, target: str) -> None:
        self._sql(f'DROP DATABASE IF EXISTS "{target.rsplit("/", 1)[1]}" WITH (FORCE)')

    def _sql(self, statement: str) -> None:
        with self.server.admin() as conn:
            conn.execute(statement)  # type: ignore[arg-type]

    def _conninfo(self, db: str) -> str:
        return f"host=127.0.0.1 port={self.server.port} user=postgres dbname={db}"

    def connect(self, target: str) -> Any:
        import psycopg

        return psycopg.connect(self._conninfo(target.rsplit("/", 1)[1]))

    def sql(self, text: str) -> str:
        return text.replace("?", "%s")

    def bulk_load(
        self, con: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> None:
        with (
            con.cursor() as cur,
            cur.copy(f"COPY {table} ({','.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)

    def close(self) -> None:
        self.server.stop()


def _cluster_folder(work: Path) -> Path:
    """``work/pg-cluster``, unless the server (run as the postgres user when we are root)
    could not reach it: then a folder in /tmp named after ``work``."""
    import os

    folder = work / "pg-cluster"
    if os.geteuid() != 0 or all(p.stat().st_mode & 0o001 for p in folder.parents if p.exists()):
        return folder
    return Path("/tmp") / f"risk-perf-pg-{hashlib.sha256(str(work).encode()).hexdigest()[:12]}"


class _KeptServer:
    """``tests.pgserver.PgServer`` with its cluster in a given folder, kept when stopped."""

    def __new__(cls, bin_dir: Path, root: Path) -> Any:
        from tests.pgserver import OS_USER, PgServer

        class Kept(PgServer):
            def __init__(self) -> None:
                super().__init__(bin_dir)
                shutil.rmtree(self.root, ignore_errors=True)  # the base class made a temp folder
                self.root = root
                self.data = root / "data"
                self.socket_dir = root / "sock"
                self.log = root / "server.log"

            def start(self) -> None:
                from tests.pgserver import SUPERUSER, free_port

                if not (self.data / "PG_VERSION").exists():
                    shutil.rmtree(self.root, ignore_errors=True)
                    self.root.mkdir(parents=True)
                    if self.as_root:
                        shutil.chown(self.root, user=OS_USER)
                    self._run(
                        "initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust",
                        "--encoding=UTF8", "--locale=C", "--no-sync",
                    )  # fmt: skip
                self.socket_dir.mkdir(exist_ok=True)
                if self.as_root:
                    shutil.chown(self.socket_dir, user=OS_USER)
                self.port = free_port()
                # the tests' settings, but PostgreSQL's default buffer size (a million events)
                options = (
                    f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 "
                    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                    "-c max_connections=60 -c shared_buffers=128MB"
                )
                self._run(
                    "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w",
                    "-t", "60", "start",
                )  # fmt: skip
                self.running = True

            def stop(self) -> None:
                if self.running:
                    self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
                    self.running = False

        return Kept()


def make(name: str, work: Path) -> Backend:
    if name == "sqlite":
        return SQLiteBackend(work)
    if name == "postgresql":
        return PostgresBackend(work)
    raise ValueError(f"unknown backend {name!r}; known: {', '.join(NAMES)}")
