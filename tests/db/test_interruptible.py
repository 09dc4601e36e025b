"""Reads another thread may stop (db/interruptible.py), on both backends: the statement
running is cancelled by the server, the reader sees ``Cancelled``, and a cancel
never reaches a statement that is not the interrupted job's."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import Session

from db.errors import Cancelled
from db.interruptible import Interruptible, current, reading
from db.queries.registers import RegisterFilter, RegisterRowSource
from tests.db import factories

# A statement that runs for seconds on either backend and reads nothing of the register.
SLOW = {
    "postgresql": "SELECT pg_sleep(20)",
    "sqlite": (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
        "SELECT count(*) FROM (SELECT i FROM n LIMIT 2000000000)"
    ),
}


def _backend(register: Any) -> str:
    return "sqlite" if register.is_sqlite else "postgresql"


def _in_thread(work: Any) -> tuple[threading.Thread, dict[str, Any]]:
    out: dict[str, Any] = {}

    def run() -> None:
        started = time.monotonic()
        try:
            out["result"] = work()
        except BaseException as exc:  # noqa: BLE001 - the test reads it
            out["error"] = exc
        out["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


def test_an_interrupt_cancels_the_statement_running_and_the_connection_serves_on(
    any_register: Any,
) -> None:
    token = Interruptible()
    slow = SLOW[_backend(any_register)]
    entered = threading.Event()

    def job() -> Any:
        with any_register.session() as session, token.watching(session):
            entered.set()
            return session.execute(text(slow)).scalar()

    thread, out = _in_thread(job)
    assert entered.wait(10)
    time.sleep(0.3)  # the statement is running on the server by now
    token.interrupt()
    thread.join(10)
    assert not thread.is_alive(), "the interrupt did not stop the statement"
    assert isinstance(out.get("error"), Cancelled), out
    assert out["seconds"] < 5
    assert token.interrupted
    # The pooled connection is usable by the next reader.
    with any_register.session() as session:
        assert session.execute(text("SELECT 1")).scalar() == 1


def test_an_interrupted_reader_runs_no_further_statement(any_register: Any) -> None:
    token = Interruptible()
    token.interrupt()
    ran: list[str] = []
    with pytest.raises(Cancelled), any_register.session() as session:
        with token.watching(session):
            ran.append("body")
    assert ran == []
    with pytest.raises(Cancelled):
        token.check()


def test_a_late_interrupt_never_reaches_the_next_users_statement(any_register: Any) -> None:
    """The interrupted job's read has ended: a cancel sent now must not stop the
    statement someone else runs next on the same pooled connection."""
    backend = _backend(any_register)
    pause = (
        "SELECT pg_sleep(0.5)"
        if backend == "postgresql"
        else SLOW["sqlite"].replace("2000000000", "300000")
    )
    for _ in range(5):  # a race, if there were one, would show within a few tries
        token = Interruptible()
        with any_register.session() as session, token.watching(session):
            session.execute(text("SELECT 1")).scalar()
        token.interrupt()
        with any_register.session() as session:
            session.execute(text(pause)).scalar()  # raises if a cancel hit it


def test_the_register_count_is_interrupted_through_the_threads_token(any_register: Any) -> None:
    """``RegisterRowSource`` watches its own sessions with the thread's ``current()``."""
    with any_register.write() as s:
        for i in range(3):
            factories.event(s, title=f"Protest {i}")
    source = RegisterRowSource(any_register, "event")
    assert current() is None
    token = Interruptible()
    with reading(token):
        assert current() is token
        assert source.count() == 3
        assert source.count(RegisterFilter(text="protest")) == 3
        token.interrupt()
        with pytest.raises(Cancelled):
            source.count()
        with pytest.raises(Cancelled):
            source.fetch(0, 10)
    assert current() is None
    assert source.count() == 3  # outside the token: an ordinary read


@pytest.mark.postgres
def test_background_counts_read_through_a_pool_of_their_own(pg_register: Any) -> None:
    """A count on a worker (or one being cancelled) never holds the connection the
    user's next page needs: the register's own pool is left alone."""
    source = RegisterRowSource(pg_register, "event")
    source.fetch(0, 10)  # the user's page: one connection in the register's pool
    own = pg_register.engine.pool
    assert own.checkedin() == 1
    with reading(Interruptible()):
        assert source.count() == 0
    background = pg_register.background_engine
    assert background is not pg_register.engine
    assert background.pool.checkedin() == 1 and background.pool.checkedout() == 0
    assert own.checkedin() == 1 and own.checkedout() == 0
    pg_register.dispose()
    assert background.pool.checkedin() == 0  # closed with the register


def test_on_sqlite_background_reads_share_the_registers_engine(register: Any) -> None:
    assert register.background_engine is register.engine


@pytest.mark.postgres
def test_a_members_background_count_is_bound_by_row_level_security_too(pg_server: Any) -> None:
    """The background pool logs in as the member, not as anyone who sees more: a
    RESTRICTED reader's background count is the count of what they may see."""
    from tests.teamsetup import make_team

    crew = make_team(pg_server)
    try:
        owner, reader = crew.open(), crew.open("reader")
        try:
            every = RegisterRowSource(owner, "event").count()
            source = RegisterRowSource(reader, "event")
            visible = source.count()
            with reading(Interruptible()):
                assert source.count() == visible
            assert 0 < visible < every  # the crew holds events the reader may not see
            user = "SELECT current_user"
            with reader.session() as s, Session(reader.background_engine) as b:
                assert b.execute(text(user)).scalar() == s.execute(text(user)).scalar()
        finally:
            owner.dispose()
            reader.dispose()
    finally:
        crew.drop()
