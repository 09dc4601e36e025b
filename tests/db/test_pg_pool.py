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


def _running(pg_server: Any, pid: int) -> bool:
    with pg_server.admin() as conn:
        row = conn.execute("SELECT state FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()
    return row is not None


def test_a_background_read_stops_on_the_server_when_its_program_dies(
    pg_register: Any, pg_server: Any, tmp_path: Any
) -> None:
    """A whole-table count runs on the background engine; if the program quits or is killed
    mid-count, the server notices within ``CLIENT_CHECK_MS`` and stops (PostgreSQL 14+),
    instead of scanning on beside the next start.  The register's own engine is as before."""
    import signal
    import subprocess
    import sys
    import time

    from db.engine import CLIENT_CHECK_MS

    with pg_register.engine.connect() as conn:
        if conn.dialect.server_version_info < (14,):
            pytest.skip(  # the app sends the setting only to servers that have it (db.engine)
                "client_connection_check_interval exists from PostgreSQL 14 on; this server "
                "is older, so no background count can be stopped this way"
            )
        assert conn.exec_driver_sql("SHOW client_connection_check_interval").scalar() == "0"
    with pg_register.background_engine.connect() as conn:
        shown = conn.exec_driver_sql("SHOW client_connection_check_interval").scalar()
        assert shown == f"{CLIENT_CHECK_MS}ms"
    ready = tmp_path / "pid"
    code = (
        "import sys\n"
        "from db.engine import open_register\n"
        f"reg = open_register({pg_register.url!r})\n"
        "with reg.background_engine.connect() as conn:\n"
        "    pid = conn.exec_driver_sql('SELECT pg_backend_pid()').scalar()\n"
        f"    open({str(ready)!r}, 'w').write(str(pid))\n"
        "    conn.exec_driver_sql('SELECT pg_sleep(60)')\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.monotonic() + 60
        while not ready.exists() or not ready.read_text():
            assert time.monotonic() < deadline and child.poll() is None
            time.sleep(0.05)
        pid = int(ready.read_text())
        time.sleep(0.3)
        assert _running(pg_server, pid)  # the long read is under way
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    deadline = time.monotonic() + 5
    while _running(pg_server, pid):
        assert time.monotonic() < deadline, "the server ran on after its program died"
        time.sleep(0.05)
