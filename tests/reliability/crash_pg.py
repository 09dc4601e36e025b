"""R1 on PostgreSQL: an import killed at random moments leaves all of it or none of it.

The same trials as ``tests.reliability.crash`` (the SQLite file), on a register in a
throwaway PostgreSQL server (tests/pgserver.py).  Every trial copies a pristine
register database, starts ``python -m desktop import events FILE --db URL`` and
then, in turn:

1. SIGKILLs the importing process after a random delay across the import's
   measured duration (start-up, reading, validating, writing, committing);
2. SIGKILLs it once the event table has grown on disk by a random fraction of
   what the whole import adds to it, so the kill lands mid-write (``COPY``);
3. crashes the *server* (``pg_ctl stop -m immediate``: no shutdown checkpoint,
   recovery from the write-ahead log on the next start) after a random delay, and
   starts it again.

Then it checks that the event count is the base count or the base count plus
every row (never anything in between), that the audit chain verifies, that the
B-tree indexes of the register pass ``amcheck``'s ``bt_index_check``, and that
``db.engine.open_register`` opens the register again.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.pgserver import PgServer
from tests.reliability.crash import (
    BASE_EVENTS,
    ROOT,
    CrashReport,
    Trial,
    _env,
    common_problems,
    make_base_register,
    write_events_csv,
)


def _start_import(csv_path: Path, url: str, err: Path) -> subprocess.Popen[bytes]:
    with err.open("wb") as fh:  # a file: a pipe nobody reads could fill and stall the child
        return subprocess.Popen(
            [sys.executable, "-m", "desktop", "import", "events", str(csv_path), "--db", url],
            cwd=ROOT,
            env=_env(),
            stdout=subprocess.DEVNULL,
            stderr=fh,
        )


def _event_bytes(admin: object, database: str) -> int:
    """Size on disk of the event table of ``database``: it grows while an import's
    ``COPY`` writes, committed or not (as SQLite's write-ahead log does).

    Read from the file itself (``pg_stat_file`` of the table's path, which needs no
    lock on the table): ``pg_relation_size`` opens the table and so waits behind an
    import that holds it exclusively (one that rebuilds its indexes), and the
    "mid-COPY" kill would then land only after the commit.  (The file's first 1 GB
    segment: more than these imports write.)"""
    import psycopg

    with psycopg.connect(
        host="127.0.0.1",
        port=admin.port,
        user="postgres",
        dbname=database,
        autocommit=True,  # type: ignore[attr-defined]
    ) as conn:
        size = "SELECT (pg_stat_file(pg_relation_filepath('event'))).size"
        return int(conn.execute(size).fetchone()[0])  # type: ignore[index]


def inspect_database(server: PgServer, database: str, rows: int) -> tuple[int, list[str]]:
    """Event count and problems found in a register database after a crash."""
    import psycopg

    problems: list[str] = []
    with psycopg.connect(
        host="127.0.0.1", port=server.port, user="postgres", dbname=database, autocommit=True
    ) as conn:
        events = int(conn.execute("SELECT count(*) FROM event").fetchone()[0])  # type: ignore[index]
        conn.execute("CREATE EXTENSION IF NOT EXISTS amcheck")
        indexes = conn.execute(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_am a ON a.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE a.amname = 'btree' AND n.nspname = 'public'"
        ).fetchall()
        for (name,) in indexes:
            try:
                conn.execute("SELECT bt_index_check(%s::regclass, true)", (name,))
            except psycopg.Error as exc:
                problems.append(f"index {name}: {str(exc).strip()}")
    return events, problems + common_problems(server.url(database), events, rows)


def _restart(server: PgServer) -> None:
    """Start the server again after an immediate stop (it recovers from its log)."""
    server.running = False
    options = (
        f"-p {server.port} -k {server.socket_dir} -c listen_addresses=127.0.0.1 "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
        "-c max_connections=60 -c shared_buffers=32MB"
    )
    server._run(
        "pg_ctl", "-D", str(server.data), "-l", str(server.log), "-o", options, "-w", "-t", "120",
        "start",
    )  # fmt: skip
    server.running = True


def run_pg_crash_trials(
    workdir: Path,
    *,
    rows: int,
    trials: int,
    seed: int | None = None,
    log: Callable[[str], None] = lambda _msg: None,
    server: PgServer | None = None,
    member: bool = False,
) -> CrashReport:
    """``member``: the importer is a team editor cleared to SECRET (row-level security
    on: a member's rows go through a staging table and a worker thread moves them in,
    ``db.audit.moves_overlapped``), not the owner."""
    import os

    seed = seed if seed is not None else int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    server = server or PgServer.shared()
    workdir.mkdir(parents=True, exist_ok=True)
    csv_path = workdir / "events.csv"
    write_events_csv(csv_path, rows)
    err = workdir / "import.stderr"
    pristine = server.create_database(prefix="crash_pristine")
    make_base_register(server.url(pristine))  # type: ignore[arg-type]
    login = _add_editor(server, pristine) if member else None

    def url(database: str) -> str:
        address = server.url(database)
        if login is None:
            return address
        from sqlalchemy.engine import make_url

        return make_url(address).set(username=login).render_as_string(hide_password=False)

    # The uninterrupted run: how long an import takes, and that it imports everything.
    db = server.create_database(template=pristine, prefix="crash_calibrate")
    started = time.perf_counter()
    proc = _start_import(csv_path, url(db), err)
    proc.wait()
    elapsed = time.perf_counter() - started
    report = CrashReport(rows=rows, seed=seed, import_seconds=elapsed)
    if proc.returncode != 0:
        report.problems.append(f"uninterrupted import failed: {err.read_text(errors='replace')}")
        return report
    grown = _event_bytes(server, db) - _event_bytes(server, pristine)
    events, problems = inspect_database(server, db, rows)
    if events != BASE_EVENTS + rows:
        problems.append(f"uninterrupted import left {events - BASE_EVENTS} of {rows} rows")
    if login is not None and _import_actors(server, db) != {login}:
        problems.append(f"the import was not the member's: actors {_import_actors(server, db)}")
    report.problems.extend(problems)
    server.drop_database(db)
    log(f"uninterrupted import of {rows:,} rows: {elapsed:.1f} s, event table +{grown:,} bytes")

    for n in range(1, trials + 1):
        how = ("client at a random time", "client mid-COPY", "server crash")[(n - 1) % 3]
        db = server.create_database(template=pristine, prefix="crash_trial")
        delay = rng.uniform(0.1, 1.0) * elapsed
        base_bytes = _event_bytes(server, db)
        threshold = base_bytes + int(rng.uniform(0.02, 1.0) * grown)
        proc = _start_import(csv_path, url(db), err)
        started = time.perf_counter()
        killed = False
        while proc.poll() is None:
            now = time.perf_counter() - started
            if how == "client mid-COPY":
                due = _event_bytes(server, db) >= threshold or now > 3 * elapsed
            else:
                due = now >= delay
            if due:
                if how == "server crash":
                    server._run("pg_ctl", "-D", str(server.data), "-m", "immediate", "-w", "stop")
                    proc.wait()  # the importer sees its connection drop and fails
                    _restart(server)
                else:
                    proc.send_signal(signal.SIGKILL)
                    proc.wait()
                killed = True
                break
            time.sleep(0.002)
        at = time.perf_counter() - started
        if not killed and how == "client at a random time":
            elapsed = at  # the machine got faster: aim within this run time
        events, problems = inspect_database(server, db, rows)
        outcome = (
            "all"
            if events == BASE_EVENTS + rows
            else "none"
            if events == BASE_EVENTS
            else "partial"
        )
        report.trials.append(Trial(n, at, killed, events, outcome))
        report.problems.extend(f"trial {n} ({how} after {at:.2f} s): {p}" for p in problems)
        detail = f" at {threshold - base_bytes:,} bytes" if how == "client mid-COPY" else ""
        log(
            f"trial {n}: {'killed' if killed else 'finished'} after {at:.2f} s "
            f"({how}{detail}) -> {outcome}" + (f" PROBLEMS {problems}" if problems else "")
        )
        server.drop_database(db)
    server.drop_database(pristine)
    if login is not None:
        with server.admin() as conn:
            conn.execute(f'DROP ROLE IF EXISTS "{login}"')  # type: ignore[arg-type]
    return report


def _import_actors(server: PgServer, database: str) -> set[str]:
    """Who the audit trail says made the import's entries (the trigger stamps the login)."""
    import psycopg

    with psycopg.connect(
        host="127.0.0.1", port=server.port, user="postgres", dbname=database, autocommit=True
    ) as conn:
        rows = conn.execute("SELECT DISTINCT actor FROM audit_entry WHERE action = 'import'")
        return {str(actor) for (actor,) in rows.fetchall()}


def _add_editor(server: PgServer, database: str) -> str:
    """A login role made an editor cleared to SECRET of the register (the team's own
    way, ``db.team``); the copies made from the database share it."""
    import os

    from db import team
    from db.engine import open_register

    login = f"crash_editor_{os.getpid()}"
    with server.admin() as conn:
        conn.execute(f'DROP ROLE IF EXISTS "{login}"')  # type: ignore[arg-type]
    reg = open_register(server.url(database))
    try:
        with reg.write() as session:
            team.add_member(session, login, "editor", "SECRET")
    finally:
        reg.dispose()
    return login
