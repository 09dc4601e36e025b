"""PostgreSQL connections are pinged only after lying idle in the pool (db.pg_pool):
a dead one is then replaced before use; a fresh one costs no extra round trip."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from db import pg_pool
from db.engine import make_engine


def _pid(engine: Any) -> int:
    with engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar())


@pytest.fixture
def pinged(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, list[int]]]:
    """A PostgreSQL engine as the app makes it, and the list its pings are counted in."""
    engine = make_engine(pg_url)
    pings: list[int] = []
    real = engine.dialect.do_ping

    def counted(dbapi_conn: Any) -> bool:
        pings.append(1)
        return bool(real(dbapi_conn))

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    yield engine, pings
    engine.dispose()


def _kill(pg_server: Any, pid: int) -> None:
    with pg_server.admin() as conn:
        conn.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,))


def test_an_idle_dead_connection_is_replaced_before_use(
    pg_server: Any, pinged: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, pings = pinged
    first = _pid(engine)
    assert pings == []  # a new connection is not pinged
    _kill(pg_server, first)
    monkeypatch.setattr(pg_pool, "IDLE_SECONDS", 0.0)  # every checkout counts as idle
    assert _pid(engine) != first  # pinged, found dead, replaced: no error reaches us
    assert pings  # the ping found it


def test_a_connection_just_returned_is_used_without_a_ping(
    pg_server: Any, pinged: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, pings = pinged
    monkeypatch.setattr(pg_pool, "IDLE_SECONDS", 3600.0)
    first = _pid(engine)
    assert _pid(engine) == first  # the same connection, straight from the pool
    assert pings == []  # and no ping before either use
    # Not pinged, so a connection that died a moment ago fails once (then the pool
    # drops it): the price of skipping the ping within IDLE_SECONDS.
    _kill(pg_server, first)
    with pytest.raises(OperationalError):
        _pid(engine)
    assert _pid(engine) != first
