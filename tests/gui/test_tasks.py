"""Background tasks: results, readable errors and cancel, delivered on the GUI thread."""

from __future__ import annotations

import threading
import time
from typing import Any

from PySide6.QtCore import QThread, QThreadPool

from db.errors import RegisterError
from desktop.tasks import run_task, wait_for


def test_result_and_progress_arrive_on_the_gui_thread(qtbot: Any) -> None:
    gui = QThread.currentThread()
    seen: list[Any] = []
    worker_threads: list[Any] = []

    def job(progress: Any) -> int:
        worker_threads.append(threading.get_ident())
        for i in range(3):
            progress.report(i + 1, 3, f"step {i + 1}")
        return 42

    handle = run_task(job)
    handle.progressed.connect(
        lambda d, t, s: seen.append((d, t, s, QThread.currentThread() is gui))
    )
    handle.succeeded.connect(lambda r: seen.append(("ok", r, QThread.currentThread() is gui)))
    assert wait_for(handle)
    assert worker_threads and worker_threads[0] != threading.get_ident()
    assert seen[-1] == ("ok", 42, True)
    assert [s[:3] for s in seen[:3]] == [(1, 3, "step 1"), (2, 3, "step 2"), (3, 3, "step 3")]
    assert all(s[3] for s in seen[:3])


def test_errors_become_a_readable_message(qtbot: Any) -> None:
    messages: list[str] = []

    def job(_progress: Any) -> None:
        raise RegisterError("the file is not a register")

    handle = run_task(job)
    handle.failed.connect(messages.append)
    assert wait_for(handle)
    assert messages == ["the file is not a register"]
    assert isinstance(handle.error, RegisterError)


def test_cancel_stops_the_job(qtbot: Any) -> None:
    started = threading.Event()
    outcome: list[str] = []

    def job(progress: Any) -> None:
        started.set()
        for i in range(1000):
            time.sleep(0.005)
            progress.report(i, 1000)

    handle = run_task(job)
    handle.cancelled.connect(lambda: outcome.append("cancelled"))
    handle.succeeded.connect(lambda _r: outcome.append("succeeded"))
    qtbot.waitUntil(started.is_set, timeout=5000)
    handle.cancel()
    assert wait_for(handle, 10_000)
    assert outcome == ["cancelled"]


def test_the_data_layers_cancel_is_a_cancel_only_when_the_user_asked(qtbot: Any) -> None:
    """Import, export and packs stop with db.errors.Cancelled, checked through their own
    ``cancel()`` callable: that ends the task as cancelled.  The same exception raised
    for a reason of the job's own (nobody pressed Cancel) is reported as a failure."""
    from db.errors import Cancelled

    started = threading.Event()
    outcome: list[str] = []

    def cancellable(progress: Any) -> None:
        started.set()
        for _ in range(1000):
            time.sleep(0.005)
            if progress.is_cancelled():
                raise Cancelled("import cancelled; nothing was written")

    handle = run_task(cancellable)
    handle.cancelled.connect(lambda: outcome.append("cancelled"))
    handle.failed.connect(outcome.append)
    qtbot.waitUntil(started.is_set, timeout=5000)
    handle.cancel()
    assert wait_for(handle, 10_000)
    assert outcome == ["cancelled"]

    def refused(_progress: Any) -> None:
        raise Cancelled("undo cancelled: R-1 was changed by ann")

    outcome.clear()
    handle = run_task(refused)
    handle.cancelled.connect(lambda: outcome.append("cancelled"))
    handle.failed.connect(outcome.append)
    assert wait_for(handle, 10_000)
    assert outcome == ["undo cancelled: R-1 was changed by ann"]


def test_latest_query_delivers_only_the_latest_answer(qtbot: Any) -> None:
    """A slow first query answered after a quick second one is dropped, and so is the
    failure of a superseded query; the latest run's failure is reported."""
    pool = QThreadPool.globalInstance()
    threads = pool.maxThreadCount()
    pool.setMaxThreadCount(max(threads, 4))  # two held queries must not block the third
    try:
        _latest_query_checks(qtbot)
    finally:
        pool.setMaxThreadCount(threads)


def _latest_query_checks(qtbot: Any) -> None:
    from desktop.tasks import LatestQuery

    query = LatestQuery("test")
    answers: list[Any] = []
    failures: list[str] = []
    query.answered.connect(answers.append)
    query.failed.connect(failures.append)
    release = threading.Event()

    def slow() -> str:
        release.wait(10)
        return "old"

    def broken() -> str:
        release.wait(10)
        raise RegisterError("old failure")

    first = query.run(slow)
    second = query.run(broken)
    third = query.run(lambda: "new")
    assert wait_for(third)
    release.set()
    assert wait_for(first) and wait_for(second)
    qtbot.wait(20)
    assert answers == ["new"] and failures == []

    def fails() -> None:
        raise RegisterError("the server went away")

    assert wait_for(query.run(fails))
    qtbot.wait(20)
    assert failures == ["the server went away"] and answers == ["new"]

    query.run(slow)
    query.supersede()  # nothing newer wanted: the answer under way is dropped too
    handle = query.run(slow)
    query.supersede()
    release.set()
    assert wait_for(handle)
    qtbot.wait(20)
    assert answers == ["new"]
