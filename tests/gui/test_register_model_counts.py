"""The register model's background count and the user's sorts and searches: a sort
keeps the count of the same rows, a search drops the old filter's count in flight
(the read is interrupted, not waited for), and a count interrupted by a sort runs
again (desktop/itemmodels/register_model.py, desktop/background_reads.py)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from PySide6.QtCore import Qt

from db import interruptible
from db.queries.registers import RegisterFilter, RegisterRowSource
from desktop import background_reads
from desktop.itemmodels.register_model import RegisterTableModel
from tests.gui.conftest import wait_tasks
from tests.gui.test_register_model import SpySource


class LongFirstCount(SpySource):
    """The first count of the whole table runs like a long one (until interrupted, at
    most 20 s); every other count is the real one at once."""

    def __init__(self, source: RegisterRowSource):
        super().__init__(source)
        self.interrupted = 0

    def count(self, flt: RegisterFilter | None = None) -> int:
        self.counts.append(flt)
        token = interruptible.current()
        if len(self.counts) == 1 and token is not None:
            deadline = time.monotonic() + 20
            while not token.interrupted and time.monotonic() < deadline:
                time.sleep(0.005)
            if token.interrupted:
                self.interrupted += 1
            token.check()
        return self._source.count(flt)


@pytest.fixture(autouse=True)
def _no_hold_left(qtbot: Any) -> Any:
    yield
    background_reads.release()
    wait_tasks(qtbot)


def _title(model: RegisterTableModel) -> int:
    return [c.key for c in model.columns].index("title")


def test_a_sort_while_counting_keeps_the_count_on_its_way(filled_register: Any, qtbot: Any) -> None:
    spy = SpySource(RegisterRowSource(filled_register, "event"))
    model = RegisterTableModel(spy, page_size=100, count_in_background=True)
    assert model.total() is None  # counting
    model.sort(_title(model), Qt.SortOrder.AscendingOrder)
    wait_tasks(qtbot)
    assert model.total() == 3000
    assert spy.counts == [RegisterFilter()]  # one count: the sort changed no row


def test_a_count_interrupted_by_a_sort_runs_again(filled_register: Any, qtbot: Any) -> None:
    spy = LongFirstCount(RegisterRowSource(filled_register, "event"))
    model = RegisterTableModel(spy, page_size=100, count_in_background=True)
    qtbot.waitUntil(lambda: len(spy.counts) == 1, timeout=5000)  # the count is running
    started = time.monotonic()
    model.sort(_title(model), Qt.SortOrder.AscendingOrder)
    wait_tasks(qtbot)
    assert time.monotonic() - started < 10  # the long count did not run to its end
    assert spy.interrupted == 1
    assert spy.counts == [RegisterFilter(), RegisterFilter()]  # run again, same rows
    assert model.total() == 3000


def test_a_search_drops_the_old_filters_count_in_flight(filled_register: Any, qtbot: Any) -> None:
    spy = LongFirstCount(RegisterRowSource(filled_register, "event"))
    model = RegisterTableModel(spy, page_size=100, count_in_background=True)
    qtbot.waitUntil(lambda: len(spy.counts) == 1, timeout=5000)
    search = RegisterFilter(text="letter")
    expected = RegisterRowSource(filled_register, "event").count(search)
    assert 100 < expected < 3000  # more than a page: the search needs its own count
    started = time.monotonic()
    model.set_filter(search)
    wait_tasks(qtbot)
    assert time.monotonic() - started < 10
    assert spy.interrupted == 1
    assert spy.counts == [RegisterFilter(), search]  # the old count is not run again
    assert model.total() == expected
    assert model.rowCount() == expected
