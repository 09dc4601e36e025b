"""The cyclic garbage collector, paused while the app starts and resumed once the
window has painted.

Starting the app imports SQLAlchemy, SQLModel, PySide6 (and psycopg with SQLAlchemy's
PostgreSQL dialect for a server register) and builds the models, the window and the
first page: about half a million objects, nearly all of them kept for the life of the
process.  Each time the collector's young generation fills up it runs, and every so
often a full pass walks all of them again.  On the path to the first painted rows that
was about 0.13 s of CPU on PostgreSQL (0.06 s on SQLite), for about a thousand
unreachable objects found at the end.

So ``desktop.app`` pauses the collector before its first import (``pause``), and
``build_window`` hands ``resume`` to ``desktop.paint_gate``: it runs right after the
first paint (or after the gate's fallback, should no paint come), and on any way out
before a window exists (a register that cannot be opened: its message box).  On
resuming, the objects alive then are frozen (``gc.freeze``): the modules, classes and
the window live as long as the process, so later passes need not walk them again (the
first full pass after start-up would otherwise land on the user's first click).
Reference counting frees everything that is not a cycle all along.
"""

from __future__ import annotations

import gc

_paused = False


def pause() -> None:
    """Stop automatic collection, unless it is already off (then leave it to whoever
    turned it off)."""
    global _paused
    if not _paused and gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    """Undo ``pause``: freeze what is alive now, then collect automatically again.
    Does nothing if ``pause`` did not stop the collector."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()


def is_paused() -> bool:
    return _paused
