"""Background reads give way to the rows the user asked for.

Whole-table counts (a register's total, the status bar's figures) run on worker
threads.  On a small server a count of a million rows under row-level security
keeps every core busy for a quarter of a second, so the rows of a sort or a search
asked for meanwhile wait for it.  So a register that is about to read the rows of a
new sort or filter first calls ``yield_to_user()``:

* every background read running now is interrupted (``db.interruptible``: the
  server cancels its statement) and runs again from the start later;
* until the window has painted (the new rows are on screen) or ``FALLBACK_MS`` has
  passed with no paint (a hidden window), background reads wait, those interrupted
  and any started meanwhile (the new filter's own count among them).

A read that is no longer wanted by then (the register moved on to another filter)
is not run again: ``run_background_read(..., wanted=...)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer

from db.interruptible import Interruptible, reading
from desktop.tasks import Progress, TaskHandle, run_task

FALLBACK_MS = 500  # no paint within this after a yield: let the reads go on anyway

_running: dict[Interruptible, TaskHandle] = {}  # started, not yet finished
_waiting: list[Callable[[], None]] = []  # starts held until the user's rows have painted
_watch: dict[str, _Hold] = {}  # "hold": while background reads are held; "spent": the last
# hold, kept until the next one (never deleted while its own timer or event is delivered)


def run_background_read(
    job: Callable[[Interruptible], Any],
    *,
    title: str,
    done: Callable[[Any], None],
    failed: Callable[[str], None] | None = None,
    wanted: Callable[[], bool] = lambda: True,
) -> TaskHandle:
    """Run the read-only ``job`` on a worker thread; ``done(result)`` in the GUI thread.

    ``job`` reads through the ``Interruptible`` it is given (``watching`` its
    sessions, or leaving that to ``RegisterRowSource``, which watches through
    ``db.interruptible.current()``).  When the user's rows interrupt it, it runs
    again once they have painted, if ``wanted()`` still says so."""
    token = Interruptible()

    def work(_progress: Progress) -> Any:
        with reading(token):
            return job(token)

    def start(begin: Callable[[], None]) -> None:
        def go() -> None:
            _running[token] = handle
            begin()

        if is_holding():
            _waiting.append(go)
        else:
            QTimer.singleShot(0, go)

    def again() -> None:
        if wanted():
            run_background_read(job, title=title, done=done, failed=failed, wanted=wanted)

    handle = run_task(work, title=title, start_when=start)
    handle.finished.connect(lambda: _running.pop(token, None))
    handle.succeeded.connect(done)
    handle.cancelled.connect(again)
    if failed is not None:
        handle.failed.connect(failed)
    return handle


def yield_to_user() -> int:
    """Interrupt the background reads running now and hold every background read
    until the window has painted again.  Returns how many were interrupted."""
    interrupted = 0
    for token, handle in list(_running.items()):
        if handle.done or token.interrupted:
            continue
        handle.cancel()  # the job ends as cancelled (nothing was written), then runs again
        token.interrupt()
        interrupted += 1
    _hold()
    return interrupted


def is_holding() -> bool:
    return "hold" in _watch


def _hold() -> None:
    """Hold background reads until the next paint; a yield while holding starts a new
    hold (a paint already under way shows the rows of before)."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        return
    previous = _watch.pop("hold", None)
    if previous is not None:
        previous.stop()
    hold = _Hold()
    app.installEventFilter(hold)
    _watch["hold"] = hold
    if previous is not None:
        _watch["spent"] = previous


def release(hold: _Hold | None = None) -> None:
    """Stop holding (``hold``: only if that is still the current one): start the reads
    held back, in the order they came."""
    current = _watch.get("hold")
    if current is None or (hold is not None and hold is not current):
        return
    current.stop()
    _watch["spent"] = _watch.pop("hold")
    held = list(_waiting)
    _waiting.clear()
    for go in held:
        go()


class _Hold(QObject):
    """One hold: ends at the first paint of a visible window after it began, or
    ``FALLBACK_MS`` after the event loop next runs (the rows are read by then, so
    the fallback never comes before the paint of rows that took long to read)."""

    def __init__(self) -> None:
        super().__init__()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(lambda: release(self))
        QTimer.singleShot(0, self, lambda: self._timer.start(FALLBACK_MS))

    def stop(self) -> None:
        from PySide6.QtWidgets import QApplication

        self._timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        from PySide6.QtWidgets import QWidget

        if (
            event.type() == QEvent.Type.Paint
            and isinstance(watched, QWidget)
            and watched.window().isVisible()
        ):
            QTimer.singleShot(0, self, lambda: release(self))  # after this paint has finished
        return False
