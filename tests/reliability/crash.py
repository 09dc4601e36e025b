"""R1 crash safety harness: kill -9 an import at random moments and inspect the file.

Used by ``test_crash.py`` (small, default run) and ``tests/perf/reliability_full.py``
(200,000 rows, 20 trials).  Every trial:

1. copies a pristine register (a few records already in it) to a fresh file;
2. starts ``python -m desktop import events FILE --db DB`` as a child process;
3. sends SIGKILL at a random moment: odd trials after a random delay across the
   import's measured duration, even trials once the write-ahead log has grown to a
   random fraction of its size in an uninterrupted run (so the kill lands mid-write);
4. checks ``PRAGMA integrity_check`` is ``ok``, the search index agrees with the
   event table (and its trigger is in place), the event count is the base count or
   the base count plus every row of the file (never anything in between), the audit
   chain verifies, and ``db.engine.open_register`` opens the file again.

A first, uninterrupted run measures how long the import takes and that it imports
every row.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BASE_EVENTS = 3


@dataclass
class Trial:
    number: int
    delay: float
    killed: bool  # False when the import had already finished
    events_after: int
    outcome: str  # "none" or "all"


@dataclass
class CrashReport:
    rows: int
    seed: int
    import_seconds: float
    trials: list[Trial] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def survived(self) -> int:
        return sum(1 for t in self.trials if t.outcome in ("none", "all"))

    def summary(self) -> str:
        killed = sum(1 for t in self.trials if t.killed)
        alls = sum(1 for t in self.trials if t.outcome == "all")
        nones = sum(1 for t in self.trials if t.outcome == "none")
        return (
            f"R1: {len(self.trials)} trials ({killed} killed mid-import) of a {self.rows:,}-row "
            f"import ({self.import_seconds:.1f} s uninterrupted), seed {self.seed}: "
            f"{self.survived} survived (all rows {alls}, no rows {nones}), "
            f"{len(self.problems)} problems"
        )


def write_events_csv(path: Path, rows: int) -> None:
    today = dt.date.today()
    kinds = ("criticism", "media_report", "customer_action", "statement", "employee_action")
    channels = ("press", "social_media", "open_letter", "internal", "official_statement")
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(
            ["occurred_on", "title", "kind", "severity", "sentiment", "channel", "reach", "summary"]
        )
        for i in range(rows):
            out.writerow(
                [
                    (today - dt.timedelta(days=i % 900)).isoformat(),
                    f"Crash-test event {i + 1}",
                    kinds[i % len(kinds)],
                    1 + i % 5,
                    (i % 5) - 2,
                    channels[i % len(channels)],
                    (i * 37) % 100_000,
                    f"Row {i + 1} of a large import that may be killed at any moment",
                ]
            )


def make_base_register(path: Path) -> None:
    from db import repository
    from db.engine import open_register
    from db.models import EventCreate, StakeholderCreate

    reg = open_register(path)
    try:
        with reg.write() as s:
            repository.create(
                s, "stakeholder", StakeholderCreate(name="Base stakeholder"), actor="setup"
            )
            for i in range(BASE_EVENTS):
                repository.create(
                    s,
                    "event",
                    EventCreate(title=f"Base event {i + 1}", occurred_on=dt.date.today()),
                    actor="setup",
                )
    finally:
        reg.dispose()


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("RISK_TRACKER_DB", None)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _start_import(csv_path: Path, db: Path) -> subprocess.Popen[bytes]:
    # stderr to a file: a pipe nobody reads while polling could fill and stall the child.
    with db.with_name(db.name + ".stderr").open("wb") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "desktop", "import", "events", str(csv_path), "--db", str(db)],
            cwd=ROOT,
            env=_env(),
            stdout=subprocess.DEVNULL,
            stderr=err,
        )


def inspect_file(db: Path, rows: int) -> tuple[int, list[str]]:
    """Event count and problems found in a register file after a crash."""
    problems: list[str] = []
    con = sqlite3.connect(db)
    try:
        check = [r[0] for r in con.execute("PRAGMA integrity_check")]
        if check != ["ok"]:
            problems.append(f"integrity_check: {check[:3]}")
        events = int(con.execute("SELECT count(*) FROM event").fetchone()[0])
        problems += _search_index_problems(con)
    finally:
        con.close()
    return events, problems + common_problems(str(db), events, rows)


def _search_index_problems(con: sqlite3.Connection) -> list[str]:
    """The events' search index agrees with the event table (FTS5's own check, the
    table's text included), and its insert trigger is in place (the bulk import sets
    it aside inside its transaction)."""
    from db.search_index import searched, sqlite_insert_trigger

    name, sql = sqlite_insert_trigger(searched("event"))
    problems = []
    live = con.execute("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).fetchone()
    if live is None or live[0] != sql:
        problems.append(f"search trigger {name}: {'missing' if live is None else 'changed'}")
    try:
        con.execute("INSERT INTO event_search(event_search, rank) VALUES ('integrity-check', 1)")
    except sqlite3.DatabaseError as exc:
        problems.append(f"search index out of step with the event table: {exc}")
    finally:
        con.rollback()
    return problems


def common_problems(target: str, events: int, rows: int) -> list[str]:
    """What every backend checks after a crash: all of the import or none of it, a
    register that opens again, and an intact audit chain."""
    from db import audit
    from db.engine import open_register
    from db.errors import RegisterError

    problems: list[str] = []
    if events not in (BASE_EVENTS, BASE_EVENTS + rows):
        problems.append(f"partial import: {events - BASE_EVENTS} of {rows} rows present")
    try:
        reg = open_register(target, upgrade=False, create=False)
    except RegisterError as exc:
        problems.append(f"open_register refused the register: {exc}")
    else:
        try:
            with reg.session() as s:
                chain = audit.verify_chain(s)
                if chain:
                    problems.append(f"audit chain: {chain[0]}")
        finally:
            reg.dispose()
    return problems


def run_crash_trials(
    workdir: Path,
    *,
    rows: int,
    trials: int,
    seed: int | None = None,
    log: Callable[[str], None] = lambda _msg: None,
) -> CrashReport:
    seed = seed if seed is not None else int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    workdir.mkdir(parents=True, exist_ok=True)
    csv_path = workdir / "events.csv"
    write_events_csv(csv_path, rows)
    pristine = workdir / "pristine.db"
    make_base_register(pristine)

    # The uninterrupted run: how long an import takes, how large its write-ahead log
    # grows while it writes, and that it imports everything.
    db = workdir / "calibrate.db"
    shutil.copyfile(pristine, db)
    started = time.perf_counter()
    proc = _start_import(csv_path, db)
    wal = db.with_name(db.name + "-wal")
    max_wal = 0
    while proc.poll() is None:
        max_wal = max(max_wal, _size(wal))
        time.sleep(0.005)
    elapsed = time.perf_counter() - started
    err = db.with_name(db.name + ".stderr").read_bytes()
    report = CrashReport(rows=rows, seed=seed, import_seconds=elapsed)
    if proc.returncode != 0:
        report.problems.append(
            f"uninterrupted import failed: {err.decode(errors='replace').strip()}"
        )
        return report
    events, problems = inspect_file(db, rows)
    if events != BASE_EVENTS + rows:
        problems.append(f"uninterrupted import left {events - BASE_EVENTS} of {rows} rows")
    report.problems.extend(problems)
    log(
        f"uninterrupted import of {rows:,} rows: {elapsed:.1f} s, write-ahead log up to {max_wal:,} bytes"
    )

    for n in range(1, trials + 1):
        db = workdir / f"trial-{n}.db"
        wal = db.with_name(db.name + "-wal")
        shutil.copyfile(pristine, db)
        # Odd trials: a random moment of the whole run (start-up, reading, validating,
        # writing, committing, checkpointing).  Even trials: a random point of the
        # writing itself, seen as the write-ahead log growing.
        by_wal = n % 2 == 0 and max_wal > 0
        delay = rng.uniform(0.1, 1.0) * elapsed
        threshold = int(rng.uniform(0.02, 1.0) * max_wal)
        proc = _start_import(csv_path, db)
        started = time.perf_counter()
        killed = False
        while proc.poll() is None:
            now = time.perf_counter() - started
            if (by_wal and _size(wal) >= threshold) or (not by_wal and now >= delay):
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
                killed = True
                break
            time.sleep(0.002)
        at = time.perf_counter() - started
        if not killed and not by_wal:
            elapsed = at  # the machine got faster (shared machines vary): aim within this run time
        events, problems = inspect_file(db, rows)
        outcome = (
            "all"
            if events == BASE_EVENTS + rows
            else "none"
            if events == BASE_EVENTS
            else "partial"
        )
        how = f"log at {threshold:,} bytes" if by_wal else "time"
        report.trials.append(Trial(n, at, killed, events, outcome))
        report.problems.extend(f"trial {n} (kill by {how} after {at:.2f} s): {p}" for p in problems)
        log(
            f"trial {n}: {'killed' if killed else 'finished'} after {at:.2f} s ({how}) -> {outcome}"
            + (f" PROBLEMS {problems}" if problems else "")
        )
        for leftover in workdir.glob(f"trial-{n}.db*"):
            leftover.unlink()
    return report


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0
