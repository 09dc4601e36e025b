"""Child processes for the reliability tests: each one is "another user".

python -m tests.reliability.workers events DB_OR_URL COUNT ACTOR
    create COUNT events, one short write transaction each (like a user saving
    a form), and print "ok COUNT"; any error is printed on stderr (exit 1).
python -m tests.reliability.workers touch DB_OR_URL REF ACTOR
    update one risk once (another user's edit) and print its new version.
python -m tests.reliability.workers hold DB SECONDS
    hold SQLite's exclusive lock on DB for SECONDS (a writer in the middle
    of a long transaction); prints "locked" once it holds the lock.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import sys
import time


def write_events(target: str, count: int, actor: str) -> int:
    from db import repository
    from db.engine import open_register
    from db.models import EventCreate

    reg = open_register(target, upgrade=False, create=False)
    today = dt.date.today()
    try:
        for i in range(count):
            data = EventCreate(
                title=f"{actor} event {i + 1}",
                occurred_on=today - dt.timedelta(days=i % 300),
                kind="criticism",
                severity=1 + i % 5,
                sentiment=-(i % 3),
            )
            with reg.write() as session:
                repository.create(session, "event", data, actor=actor)
    finally:
        reg.dispose()
    print(f"ok {count}")
    return 0


def touch_risk(target: str, ref: str, actor: str) -> int:
    from db import repository
    from db.engine import open_register

    reg = open_register(target, upgrade=False, create=False)
    try:
        with reg.write() as session:
            risk = repository.get_by_ref(session, "risk", ref)
            risk = repository.update(
                session,
                "risk",
                risk.id,
                {"mitigation": f"edited by {actor}"},
                actor=actor,
                expected_version=risk.version,
            )
            print(risk.version)
    finally:
        reg.dispose()
    return 0


def hold_lock(path: str, seconds: float) -> int:
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("BEGIN EXCLUSIVE")
    print("locked", flush=True)
    time.sleep(seconds)
    con.execute("ROLLBACK")
    con.close()
    return 0


def main(argv: list[str]) -> int:
    from db.errors import RegisterError

    command, *rest = argv
    try:
        if command == "events":
            return write_events(rest[0], int(rest[1]), rest[2])
        if command == "touch":
            return touch_risk(rest[0], rest[1], rest[2])
        if command == "hold":
            return hold_lock(rest[0], float(rest[1]))
    except RegisterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"unknown command {command}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
