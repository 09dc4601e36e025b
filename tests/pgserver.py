"""A throwaway PostgreSQL server for the test run (QUALITY.md R7).

``PgServer.shared()`` starts one server per test session, on demand:

* the binaries are found under ``/usr/lib/postgresql/*/bin`` (highest version first);
* ``initdb`` writes a cluster into a fresh temporary folder, ``pg_ctl`` starts it on a
  free loopback port with its unix socket inside that folder, and ``createdb`` makes
  the ``risk_test`` database;
* as root, every PostgreSQL binary runs as the ``postgres`` user (``runuser``), which
  owns the temporary folder; PostgreSQL refuses to run as root;
* ``stop()`` stops the server and removes the folder.

The fixtures at the end of this module are imported by ``tests/conftest.py`` (so
any test can use them) and by ``tests/reliability/conftest.py``.  When there are no
binaries at all the fixture *fails*: a CI machine without PostgreSQL must not pass
the R7 tests by skipping them.  Only ``RISK_TRACKER_NO_PG=1``, set on purpose,
turns that into a skip.
"""

from __future__ import annotations

import atexit
import glob
import itertools
import os
import re
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

NO_PG_ENV = "RISK_TRACKER_NO_PG"
DB_NAME = "risk_test"
TEMPLATE_NAME = "risk_template"
SUPERUSER = "postgres"
OS_USER = "postgres"


class PgUnavailable(RuntimeError):
    """No PostgreSQL binaries on this machine."""


class PgStartFailed(RuntimeError):
    """Binaries exist but the server could not be set up."""


def find_bin_dir() -> Path | None:
    """The newest ``/usr/lib/postgresql/<version>/bin`` holding initdb and pg_ctl."""
    found: list[tuple[int, Path]] = []
    for candidate in glob.glob("/usr/lib/postgresql/*/bin"):
        path = Path(candidate)
        if (path / "initdb").is_file() and (path / "pg_ctl").is_file():
            match = re.search(r"/(\d+)(?:\.\d+)?/bin$", candidate)
            found.append((int(match.group(1)) if match else 0, path))
    if not found:
        return None
    return sorted(found)[-1][1]


def _base_dir(as_root: bool) -> str | None:
    """Where the cluster folder goes: the temp folder, unless the postgres user could not reach it."""
    base = Path(tempfile.gettempdir())
    if not as_root:
        return None
    for folder in (base, *base.parents):
        if not folder.stat().st_mode & 0o001:  # a folder others cannot pass through
            return "/tmp" if Path("/tmp").is_dir() else "/var/tmp"
    return str(base)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PgServer:
    _shared: PgServer | None = None

    def __init__(self, bin_dir: Path):
        self.bin_dir = bin_dir
        self.as_root = os.geteuid() == 0
        self.root = Path(tempfile.mkdtemp(prefix="risk-tracker-pg-", dir=_base_dir(self.as_root)))
        self.data = self.root / "data"
        self.socket_dir = self.root / "sock"
        self.log = self.root / "server.log"
        self.port = 0
        self.running = False
        self._names = itertools.count(1)

    # ------------------------------------------------------------------ process

    def _cmd(self, *args: str) -> tuple[list[str], dict[str, str]]:
        exe = str(self.bin_dir / args[0])
        if not self.as_root:
            return [exe, *args[1:]], {}
        if shutil.which("runuser"):
            return ["runuser", "-u", OS_USER, "--", exe, *args[1:]], {}
        return [exe, *args[1:]], {
            "user": OS_USER,
            "group": OS_USER,
        }  # no runuser: setuid in the child

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        cmd, as_user = self._cmd(*args)
        proc = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.root,
            **as_user,  # type: ignore[call-overload]
        )
        if proc.returncode != 0:
            tail = ""
            if self.log.exists():
                tail = "\n".join(self.log.read_text(errors="replace").splitlines()[-15:])
            raise PgStartFailed(
                f"{' '.join(args[:1])} failed ({proc.returncode}): {proc.stderr.strip()}\n{tail}"
            )
        return proc

    def start(self) -> None:
        if self.as_root:
            try:
                shutil.chown(self.root, user=OS_USER)
            except (LookupError, OSError) as exc:
                raise PgStartFailed(
                    f"running as root needs the '{OS_USER}' system user to run PostgreSQL: {exc}"
                ) from None
        self.socket_dir.mkdir()
        if self.as_root:
            shutil.chown(self.socket_dir, user=OS_USER)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        last_error: Exception | None = None
        for _attempt in range(3):  # a free port can be taken between probe and bind
            self.port = free_port()
            options = (
                f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                "-c max_connections=60 -c shared_buffers=32MB"
            )
            try:
                self._run(
                    "pg_ctl",
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.log),
                    "-o",
                    options,
                    "-w",
                    "-t",
                    "60",
                    "start",
                )
            except PgStartFailed as exc:
                last_error = exc
                continue
            self.running = True
            break
        if not self.running:
            raise PgStartFailed(f"pg_ctl could not start the server: {last_error}")
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", SUPERUSER, DB_NAME)

    def stop(self) -> None:
        if self.running:
            try:
                self._run(
                    "pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", timeout=60
                )
            except (PgStartFailed, subprocess.TimeoutExpired):
                pass
            self.running = False
        shutil.rmtree(self.root, ignore_errors=True)

    # ------------------------------------------------------------------ databases

    def url(self, database: str = DB_NAME) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def admin(self):  # type: ignore[no-untyped-def]
        import psycopg

        return psycopg.connect(
            host="127.0.0.1", port=self.port, user=SUPERUSER, dbname="postgres", autocommit=True
        )

    def create_database(self, *, template: str = "template0", prefix: str = "t") -> str:
        """A new database (empty, or a copy of ``template``); returns its name."""
        from psycopg import sql

        name = f"{prefix}_{os.getpid()}_{next(self._names)}"
        with self.admin() as conn:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(
                    sql.Identifier(name), sql.Identifier(template)
                )
            )
        return name

    def drop_database(self, name: str) -> None:
        from psycopg import sql

        with self.admin() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    def ensure_template(self) -> str:
        """A database holding an empty register at the current schema, to copy per test.

        Copying it is much faster than running the migrations for every test; the
        migrations themselves are exercised on an empty database by the reliability tests.
        """
        with self.admin() as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (TEMPLATE_NAME,)
            ).fetchone()
        if not exists:
            from psycopg import sql

            with self.admin() as conn:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(TEMPLATE_NAME)))
            from db.engine import open_register

            reg = open_register(self.url(TEMPLATE_NAME))
            reg.dispose()
        return TEMPLATE_NAME

    # ------------------------------------------------------------------ sharing

    @classmethod
    def shared(cls) -> PgServer:
        """The one server of this process, started on first use."""
        if cls._shared is None:
            bin_dir = find_bin_dir()
            if bin_dir is None:
                raise PgUnavailable(
                    "no PostgreSQL binaries under /usr/lib/postgresql/*/bin "
                    "(install the postgresql package, as .ci/run does)"
                )
            server = cls(bin_dir)
            try:
                server.start()
            except BaseException:
                server.stop()
                raise
            atexit.register(server.stop)
            cls._shared = server
        return cls._shared

    @classmethod
    def stop_shared(cls) -> None:
        if cls._shared is not None:
            cls._shared.stop()
            cls._shared = None


def skip_if_declined() -> None:
    """Skip the calling test only when the developer set RISK_TRACKER_NO_PG=1 (a machine
    without PostgreSQL); otherwise a missing server is the test's failure, not a skip."""
    if os.environ.get(NO_PG_ENV) == "1":
        pytest.skip(f"{NO_PG_ENV}=1 is set: PostgreSQL tests skipped on request")


def shared_server_or_fail() -> PgServer:
    """The shared server; fail the test (or skip only if RISK_TRACKER_NO_PG=1)."""
    skip_if_declined()
    try:
        return PgServer.shared()
    except PgUnavailable as exc:
        pytest.fail(
            f"PostgreSQL is required for the R7 tests: {exc}; set {NO_PG_ENV}=1 to skip them"
        )
    except (PgStartFailed, OSError, subprocess.TimeoutExpired) as exc:
        pytest.fail(f"the test PostgreSQL server did not start: {exc}")


# ---------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """The running throwaway server (started once per session)."""
    server = shared_server_or_fail()
    yield server
    PgServer.stop_shared()


@pytest.fixture(scope="session")
def pg_url(pg_server: PgServer) -> str:
    """URL of the ``risk_test`` database on the throwaway server."""
    return pg_server.url(DB_NAME)


@pytest.fixture
def pg_empty_url(pg_server: PgServer) -> Iterator[str]:
    """URL of a brand-new, empty database (dropped after the test)."""
    name = pg_server.create_database(prefix="empty")
    yield pg_server.url(name)
    pg_server.drop_database(name)


@pytest.fixture
def pg_register(pg_server: PgServer) -> Iterator[object]:
    """An open register in a fresh PostgreSQL database of its own (dropped after the test)."""
    from db.engine import open_register

    name = pg_server.create_database(template=pg_server.ensure_template(), prefix="reg")
    reg = open_register(pg_server.url(name))
    yield reg
    reg.dispose()
    pg_server.drop_database(name)
