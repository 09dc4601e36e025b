"""Work that waits until the main window has painted once: exact counts of whole tables.

Counting a million events is a full scan (on PostgreSQL a parallel one, on every
core of a small machine).  Run at start-up, beside the first page and the window's
first paint, it slows them down although nobody needs the exact total yet (the
register grows page by page until it arrives).  So ``build_window`` arms the gate
before it builds the window (``arm``); work handed to ``after_first_paint`` is then
held until the window's first paint has finished, and starts from the event loop
right after it.  Unarmed (tests that build windows themselves, any later window)
the work runs at once.  Should no paint ever come (a window never shown), the held
work starts after ``FALLBACK_MS``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

FALLBACK_MS = 3000

_held: list[Callable[[], None]] | None = None  # None: not armed, work runs at once
_watcher: Any = None


def after_first_paint(work: Callable[[], None]) -> None:
    """Run ``work`` now, or, while the gate is armed, once the window has painted."""
    if _held is None:
        work()
    else:
        _held.append(work)


def is_armed() -> bool:
    return _held is not None


def arm() -> None:
    """Hold ``after_first_paint`` work until the first paint of a top-level window."""
    global _held, _watcher
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QWidget

    if _held is not None:
        return
    _held = []
    app = QApplication.instance()

    class Watcher(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
            if (
                event.type() == QEvent.Type.Paint
                and isinstance(watched, QWidget)
                and watched.window().isVisible()
            ):
                QTimer.singleShot(0, release)  # after this paint has finished
            return False

    _watcher = Watcher()
    if app is not None:
        app.installEventFilter(_watcher)
    QTimer.singleShot(FALLBACK_MS, release)


def release() -> None:
    """Open the gate: run the held work (in the order it came) and hold nothing more."""
    global _held, _watcher
    from PySide6.QtWidgets import QApplication

    held, _held = _held, None
    if _watcher is not None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(_watcher)
        _watcher = None
    for work in held or ():
        work()
