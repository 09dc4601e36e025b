"""Whole-table counts wait for the main window's first paint (desktop/paint_gate.py):
a million-row count must not compete with the first page and the first paint."""

from __future__ import annotations

from typing import Any

import pytest

from desktop import paint_gate
from tests.gui.conftest import events_window, wait_tasks


@pytest.fixture
def gate() -> Any:
    yield paint_gate
    paint_gate.release()  # never leave the gate armed for the next test


def test_unarmed_work_runs_at_once(gate: Any) -> None:
    ran: list[int] = []
    gate.after_first_paint(lambda: ran.append(1))
    assert ran == [1]


def test_counts_start_only_after_the_window_has_painted(
    qtbot: Any, filled_register: Any, settings: Any, gate: Any, monkeypatch: Any
) -> None:
    from desktop.tasks import active_tasks

    started: list[str] = []
    real = gate.after_first_paint

    def spy(work: Any) -> None:
        started.append("held" if gate.is_armed() else "now")
        real(work)

    monkeypatch.setattr(paint_gate, "after_first_paint", spy)
    window, page = events_window(qtbot, filled_register, settings)
    # Built, not yet shown: the first page is there, the counts are held.
    assert gate.is_armed()
    # the status bar's counts, the register's total, and the garbage collector's resume
    # (desktop/startup_gc.py)
    assert started.count("held") == 3
    assert active_tasks() == 0
    assert page.model.rowCount() == 200  # the first page only, the total not known yet
    assert window.counts_label.text() == ""
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: not gate.is_armed(), timeout=2000)  # well before the fallback
    wait_tasks(qtbot)
    assert page.model.rowCount() == 3000
    assert "3,000 events" in window.counts_label.text()


def test_a_window_never_painted_gets_its_counts_after_the_fallback(
    qtbot: Any, filled_register: Any, settings: Any, gate: Any, monkeypatch: Any
) -> None:
    from desktop import app as desktop_app

    monkeypatch.setattr(paint_gate, "FALLBACK_MS", 50)
    window = desktop_app.build_window(filled_register, settings)
    qtbot.addWidget(window)
    window.change_watcher.stop()
    qtbot.waitUntil(lambda: not gate.is_armed(), timeout=2000)
    wait_tasks(qtbot)
    assert "3,000 events" in window.counts_label.text()
