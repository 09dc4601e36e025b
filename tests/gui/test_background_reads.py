"""Background reads give way to the rows the user asked for (desktop/background_reads.py):
interrupted when a sort or search asks for rows, held until those have painted, then
run again while still wanted."""

from __future__ import annotations

import time
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QLabel

from db.interruptible import Interruptible
from desktop import background_reads
from desktop.background_reads import is_holding, run_background_read, yield_to_user
from tests.gui.conftest import wait_tasks


@pytest.fixture
def shown(qtbot: Any) -> Any:
    """A visible window whose paints end a hold; nothing left pending from its showing."""
    label = QLabel("rows")
    qtbot.addWidget(label)
    label.show()
    qtbot.waitExposed(label)
    qtbot.wait(50)
    yield label
    background_reads.release()
    wait_tasks(qtbot)


def _settle() -> None:
    for _ in range(5):
        QApplication.processEvents()


def _long_first_time(calls: list[int]) -> Any:
    """A read that runs until interrupted the first time, and answers at once after."""

    def job(token: Interruptible) -> int:
        calls.append(1)
        if len(calls) == 1:
            deadline = time.monotonic() + 20
            while not token.interrupted and time.monotonic() < deadline:
                time.sleep(0.005)
            token.check()
        return len(calls)

    return job


def test_a_read_started_during_a_hold_waits_for_the_next_paint(qtbot: Any, shown: Any) -> None:
    yield_to_user()
    assert is_holding()
    results: list[int] = []
    run_background_read(lambda _token: 42, title="count", done=results.append)
    _settle()
    assert results == [] and is_holding()  # no paint yet: held
    shown.update()
    qtbot.waitUntil(lambda: results == [42], timeout=3000)
    assert not is_holding()


def test_an_interrupted_read_runs_again_after_the_paint(qtbot: Any, shown: Any) -> None:
    calls: list[int] = []
    results: list[int] = []
    run_background_read(_long_first_time(calls), title="count", done=results.append)
    qtbot.waitUntil(lambda: len(calls) == 1, timeout=3000)
    assert yield_to_user() == 1
    _settle()
    assert results == []  # interrupted, not delivered, and held until the paint
    shown.update()
    qtbot.waitUntil(lambda: results == [2], timeout=3000)
    assert len(calls) == 2


def test_an_interrupted_read_no_longer_wanted_is_not_run_again(qtbot: Any, shown: Any) -> None:
    calls: list[int] = []
    results: list[int] = []
    run_background_read(
        _long_first_time(calls), title="count", done=results.append, wanted=lambda: False
    )
    qtbot.waitUntil(lambda: len(calls) == 1, timeout=3000)
    assert yield_to_user() == 1
    shown.update()
    wait_tasks(qtbot)
    qtbot.wait(100)
    assert results == [] and calls == [1]


def test_a_paint_from_before_the_latest_yield_does_not_end_its_hold(qtbot: Any, shown: Any) -> None:
    """The rows of a second search are not painted yet: a paint of the first one's,
    already under way, must not let the counts loose on the second's page query."""
    yield_to_user()
    shown.repaint()  # a paint during the first hold: its end is posted
    yield_to_user()  # the second search, before that posted end has run
    results: list[int] = []
    run_background_read(lambda _token: 7, title="count", done=results.append)
    _settle()
    assert results == [] and is_holding()
    shown.update()
    qtbot.waitUntil(lambda: results == [7], timeout=3000)


def test_without_any_paint_the_hold_ends_after_the_fallback(qtbot: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(background_reads, "FALLBACK_MS", 50)
    yield_to_user()
    results: list[int] = []
    run_background_read(lambda _token: 1, title="count", done=results.append)
    qtbot.waitUntil(lambda: results == [1], timeout=3000)
    assert not is_holding()


def test_with_nothing_held_a_read_starts_at_once(qtbot: Any) -> None:
    assert not is_holding()
    results: list[int] = []
    run_background_read(lambda _token: 3, title="count", done=results.append)
    qtbot.waitUntil(lambda: results == [3], timeout=3000)
