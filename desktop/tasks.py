"""Slow work off the GUI thread: import, export, backup, counting, briefing packs.

A *job* is a plain function ``job(progress: Progress) -> result``.  It runs on a
``QThreadPool`` thread, reports through ``progress.report(done, total, text)`` and
stops early when ``progress.check()`` raises ``Cancelled`` (after the user pressed
Cancel).  It never touches a widget: results and errors come back as signals of a
``TaskHandle``, which lives in the GUI thread, so connected slots run there.

    handle = run_task(lambda p: import_file(..., progress=p.report), parent=self)
    handle.succeeded.connect(self._imported)
    handle.failed.connect(self._show_error)

``wait_for`` blocks (running the event loop) until a task ends: for tests and for
the few places that must finish before going on (closing the window).
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEventLoop, QObject, QRunnable, QThreadPool, QTimer, Signal

from db.errors import Cancelled


class Progress:
    """What a job sees of its task: report progress, notice a cancel."""

    def __init__(self, handle: TaskHandle):
        self._handle = handle
        self._cancel = handle._cancel_event

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        if self._cancel.is_set():
            raise Cancelled()

    def report(self, done: int, total: int = 0, text: str = "") -> None:
        """Thread-safe: the signal is queued to the GUI thread.  Also checks for cancel."""
        self.update(done, total, text)
        self.check()

    def update(self, done: int, total: int = 0, text: str = "") -> None:
        """Report progress only (for data-layer callbacks that check cancel themselves)."""
        self._handle.progressed.emit(int(done), int(total), str(text))

    def is_cancelled(self) -> bool:
        """A ``cancel() -> bool`` callable for data-layer functions."""
        return self._cancel.is_set()


class TaskHandle(QObject):
    progressed = Signal(int, int, str)  # done, total (0: unknown), text
    succeeded = Signal(object)  # the job's result
    failed = Signal(str)  # a readable message
    cancelled = Signal()
    finished = Signal()  # after any of the three above

    def __init__(self, title: str = "", parent: QObject | None = None):
        super().__init__(parent)
        self.title = title
        self._cancel_event = threading.Event()
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None
        self.finished.connect(self._mark_done)

    def cancel(self) -> None:
        self._cancel_event.set()

    @property
    def cancel_requested(self) -> bool:
        return self._cancel_event.is_set()

    def _mark_done(self) -> None:
        self.done = True


def describe_error(exc: BaseException) -> str:
    """A message for the user: the data layer's own text, else the kind and text of the error."""
    from db.errors import RegisterError

    if isinstance(exc, RegisterError):
        return str(exc)
    if isinstance(exc, OSError) and exc.strerror:
        where = f" ({exc.filename})" if exc.filename else ""
        return f"{exc.strerror}{where}"
    text = str(exc) or exc.__class__.__name__
    return text


class _Runner(QRunnable):
    def __init__(self, job: Callable[[Progress], Any], handle: TaskHandle):
        super().__init__()
        self.setAutoDelete(True)
        self._job = job
        self._handle = handle

    def run(self) -> None:  # runs on a pool thread
        handle = self._handle
        try:
            result = self._job(Progress(handle))
        except Cancelled as exc:
            if handle.cancel_requested:  # nothing was written
                handle.cancelled.emit()
            else:  # stopped for a reason of its own (say, another user's change): tell
                handle.error = exc
                handle.failed.emit(describe_error(exc))
        except Exception as exc:
            handle.error = exc
            handle.failed.emit(describe_error(exc))
        except BaseException as exc:  # noqa: BLE001 - reported to the user, not swallowed
            handle.error = exc
            if not isinstance(exc, Exception):
                traceback.print_exc()
            handle.failed.emit(describe_error(exc))
        else:
            handle.result = result
            if handle.cancel_requested:
                handle.cancelled.emit()
            else:
                handle.succeeded.emit(result)
        handle.finished.emit()


_ACTIVE: set[TaskHandle] = set()


def run_task(
    job: Callable[[Progress], Any],
    *,
    title: str = "",
    parent: QObject | None = None,
    pool: QThreadPool | None = None,
    start_when: Callable[[Callable[[], None]], None] | None = None,
) -> TaskHandle:
    """Start ``job`` on a pool thread and return its handle (signals arrive in the GUI thread).

    ``start_when``: given the function that starts the job, calls it when the job
    may start (from the event loop, never before this returns); the task counts as
    active from now on."""
    # No Qt parent: a window closed while its task runs must not delete the handle
    # under the worker.  The handle lives in this (the GUI) thread; _ACTIVE keeps it.
    del parent
    handle = TaskHandle(title)
    _ACTIVE.add(handle)  # keep it alive until it ends, whatever the caller keeps
    handle.finished.connect(lambda: _ACTIVE.discard(handle))
    runner = _Runner(job, handle)

    # Start once control is back in the event loop: the caller connects its slots
    # first, so a job that ends at once cannot emit before anyone listens.
    def begin() -> None:
        (pool or QThreadPool.globalInstance()).start(runner)

    if start_when is None:
        QTimer.singleShot(0, handle, begin)
    else:
        start_when(begin)
    return handle


def active_tasks() -> int:
    """How many tasks have started and not yet delivered their end (tests, closing)."""
    return len(_ACTIVE)


def wait_for(handle: TaskHandle, timeout_ms: int = 60_000) -> bool:
    """Run the event loop until the task has ended; False on timeout."""
    if handle.done:
        return True
    loop = QEventLoop()
    handle.finished.connect(loop.quit)
    # A queued signal reaches only the slots connected when it was emitted: a task that
    # ended just before the line above has its "finished" on the way without loop.quit.
    # So look at ``done`` now and then as well.
    check = QTimer()
    check.timeout.connect(lambda: loop.quit() if handle.done else None)
    check.start(20)
    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(loop.quit)
    timer.start(timeout_ms)
    if not handle.done:
        loop.exec()
    timer.stop()
    check.stop()
    # finished may be queued behind the loop exit; let it through.
    if not handle.done:
        from PySide6.QtCore import QCoreApplication

        QCoreApplication.processEvents()
    return handle.done


class LatestQuery(QObject):
    """A view's background query where only the latest request's answer counts.

    ``run(query)`` starts ``query()`` on a pool thread and supersedes every earlier
    run: their answers and failures are dropped, so a slow old answer never paints
    over a newer one.  ``answered`` and ``failed`` arrive in the GUI thread.  Made a
    child of its view, it goes with the view, and so do late answers.

        self._query = LatestQuery("Dashboard", self)
        self._query.answered.connect(self._apply)
        self._query.run(lambda: load_dashboard(register, start, end))
    """

    answered = Signal(object)  # the latest run's result
    failed = Signal(str)  # the latest run's error, readable

    def __init__(self, title: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.handle: TaskHandle | None = None  # the latest run's task

    def run(self, query: Callable[[], Any]) -> TaskHandle:
        handle = run_task(lambda _progress: query(), title=self.title)
        # Bound methods (not lambdas): Qt drops the connection when this object is gone.
        handle.succeeded.connect(self._succeeded)
        handle.failed.connect(self._failed)
        self.handle = handle
        return handle

    def supersede(self) -> None:
        """Drop the answer of the run under way without starting another."""
        self.handle = None

    def _succeeded(self, result: Any) -> None:
        if self.handle is not None and self.sender() is self.handle:
            self.answered.emit(result)

    def _failed(self, message: str) -> None:
        if self.handle is not None and self.sender() is self.handle:
            self.failed.emit(message)
