"""Reads that another thread may stop: background counts give way to the user.

A background job (the register's total, the status bar's counts) reads through an
``Interruptible``: its sessions are watched (``watching``) while their statements
run, and any thread may call ``interrupt()``.  That cancels the statement running
at that moment (PostgreSQL: psycopg's cancel request; SQLite: ``interrupt``), and the
job then stops with ``Cancelled`` at its next statement or check (``check``).  Only
reads are meant to run this way: an interrupted job has written nothing.

A cancel request reaches the server through a connection of its own and may arrive
late.  So it is sent under the same lock that a watched connection needs to leave
the watch: a connection back in the pool, about to run someone else's statement,
is never the target of a late cancel (a request that finds the server idle between
two statements is ignored by the server).

``current()`` is the interruptible of the calling thread, set by ``reading()``: a
row source deep in the data layer (``RegisterRowSource``) watches its own short
sessions with it, so callers need not pass it down.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from db.errors import Cancelled

_local = threading.local()


class Interruptible:
    """The reads of one background job: ``interrupt()`` stops them from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._drivers: list[Any] = []  # the driver connections running a watched read
        self._interrupted = False

    @property
    def interrupted(self) -> bool:
        return self._interrupted

    def check(self) -> None:
        """Raise ``Cancelled`` once interrupted (call between statements)."""
        if self._interrupted:
            raise Cancelled("a background read gave way to the user")

    def interrupt(self) -> None:
        """Stop the reads: now if one is running, else at the next statement.

        Returns at once: the cancel requests go out from a helper thread, so a remote
        server's round trips never hold up the caller (the GUI thread)."""
        with self._lock:
            if self._interrupted:
                return
            self._interrupted = True
            if not self._drivers:
                return
        threading.Thread(target=self._cancel_running, name="interrupt-read", daemon=True).start()

    def _cancel_running(self) -> None:
        with self._lock:  # a watched connection cannot leave the watch meanwhile
            for driver in self._drivers:
                _cancel(driver)

    @contextmanager
    def watching(self, reader: Any) -> Iterator[None]:
        """Let ``interrupt()`` cancel the statements ``reader`` (an ORM session or a
        Core connection) runs in this block; an error caused by that cancel comes out
        as ``Cancelled``."""
        connection = reader.connection() if hasattr(reader, "get_bind") else reader
        driver = connection.connection.driver_connection
        with self._lock:
            self.check()
            self._drivers.append(driver)
        try:
            yield
        except Exception as exc:
            if self._interrupted and not isinstance(exc, Cancelled):
                raise Cancelled("a background read gave way to the user") from exc
            raise
        finally:
            with self._lock:
                self._drivers.remove(driver)


def _cancel(driver: Any) -> None:
    """Cancel what ``driver`` (a psycopg or sqlite3 connection) is running, if anything."""
    stop = (
        getattr(driver, "cancel_safe", None)  # psycopg >= 3.2: no blocking libpq call
        or getattr(driver, "cancel", None)
        or getattr(driver, "interrupt", None)  # sqlite3
    )
    if stop is None:
        return
    try:
        stop()
    except Exception:  # noqa: BLE001 - the read has just ended, or the server is gone: nothing to stop
        pass


def current() -> Interruptible | None:
    """The interruptible this thread reads through (``reading``), if any."""
    return getattr(_local, "token", None)


@contextmanager
def reading(token: Interruptible) -> Iterator[Interruptible]:
    """Make ``token`` this thread's ``current()`` for the block."""
    before = current()
    _local.token = token
    try:
        yield token
    finally:
        _local.token = before
