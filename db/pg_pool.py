"""PostgreSQL connections that are checked only when they may have gone stale.

SQLAlchemy's ``pool_pre_ping`` sends a ``SELECT 1`` every time a connection leaves
the pool.  A register view reads one page per short session, so that doubled the
round trips of every page (on a busy machine each costs a scheduling slice of the
server).  A connection handed back a moment ago is alive; only one that has lain in
the pool for ``IDLE_SECONDS`` (the server may have restarted, a firewall dropped it)
is pinged first, and replaced, as pre-ping would, if the ping fails.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

IDLE_SECONDS = 10.0
_RETURNED = "risk_tracker_returned_at"


def ping_when_idle(engine: Engine, idle_seconds: float | None = None) -> None:
    """Ping a connection leaving ``engine``'s pool if it lay there ``idle_seconds``
    (default ``IDLE_SECONDS``) or more; replace it if the ping fails."""

    @event.listens_for(engine.pool, "checkin")
    def returned(dbapi_conn: Any, record: Any) -> None:
        if record is not None:
            record.info[_RETURNED] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def lent(dbapi_conn: Any, record: Any, proxy: Any) -> None:
        returned_at = record.info.get(_RETURNED)
        limit = IDLE_SECONDS if idle_seconds is None else idle_seconds
        if returned_at is None or time.monotonic() - returned_at < limit:
            return  # new, or back in the pool a moment ago
        try:
            alive = engine.dialect.do_ping(dbapi_conn)
            dbapi_conn.rollback()  # the ping's SELECT opened a transaction: end it
        except Exception as err:  # noqa: BLE001 - any failure means "reconnect"
            raise exc.DisconnectionError(str(err)) from err
        if not alive:
            raise exc.DisconnectionError("the connection did not answer")
