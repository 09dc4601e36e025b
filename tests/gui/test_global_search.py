"""The search box for everything (Ctrl+K) on the demo register: opened from the keyboard
and the Edit menu, results as you type with their kind, Enter and double-click open the
record exactly once."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTreeWidgetItem

from db.demo import load_demo
from desktop.dialogs import forms
from desktop.main_window import MainWindow
from desktop.views.global_search import DEBOUNCE_MS, HIT_ROLE, GlobalSearchPopup
from tests.gui.conftest import wait_tasks


@pytest.fixture
def demo_window(qtbot: Any, context: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    load_demo(context.register)
    opened: list[tuple[str, int | None]] = []

    def fake_open_form(_ctx: Any, kind: str, record_id: int | None = None, **_kw: Any) -> None:
        opened.append((kind, record_id))

    monkeypatch.setattr(forms, "open_form", fake_open_form)
    win = MainWindow(context, show_welcome=False)
    qtbot.addWidget(win)
    win.change_watcher.stop()
    win.resize(1200, 800)
    win.show()
    qtbot.waitExposed(win)
    wait_tasks(qtbot)
    win.opened = opened  # type: ignore[attr-defined]
    return win


def texts(popup: GlobalSearchPopup) -> list[str]:
    """Each row as "REF TITLE (Kind)"."""
    out = []
    for i in range(popup.results.topLevelItemCount()):
        item = popup.results.topLevelItem(i)
        out.append(f"{item.text(0)} {item.text(1)} ({item.text(2)})")
    return out


def hit_of(popup: GlobalSearchPopup, row: int) -> Any:
    return popup.results.topLevelItem(row).data(0, HIT_ROLE)


def type_and_wait(qtbot: Any, popup: GlobalSearchPopup, text: str) -> None:
    popup.edit.clear()
    qtbot.keyClicks(popup.edit, text)
    qtbot.waitUntil(lambda: popup._shown == text, timeout=5000)


def test_ctrl_k_opens_the_search_box_with_the_cursor_in_it(qtbot: Any, demo_window: Any) -> None:
    win = demo_window
    win.activateWindow()
    qtbot.waitActive(win)
    qtbot.keyClick(win, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    popup = win.search_popup
    assert popup is not None and popup.isVisible()
    qtbot.waitUntil(popup.edit.hasFocus, timeout=2000)
    assert win.search_everything_action.shortcut().toString() == "Ctrl+K"
    assert win.search_everything_action in win.menuBar().actions()[1].menu().actions()


def test_results_arrive_as_you_type_with_their_kind(qtbot: Any, demo_window: Any) -> None:
    popup = demo_window.search_everything()
    type_and_wait(qtbot, popup, "R-002")
    first = texts(popup)[0]
    assert first.startswith("R-002") and first.endswith("(Risk)")
    type_and_wait(qtbot, popup, "protest")
    rows = texts(popup)
    assert rows and all("protest" in r.lower() or "(Stakeholder)" in r for r in rows)
    assert any(r.endswith("(Event)") for r in rows)
    type_and_wait(qtbot, popup, '"(  -* ^')
    assert texts(popup) == [] and popup.status.text() == "No record matches"


def test_only_the_latest_text_is_listed(qtbot: Any, demo_window: Any) -> None:
    popup = demo_window.search_everything()
    popup.edit.setText("R-001")
    popup.search_now()
    popup.edit.setText("R-002")
    popup.search_now()
    wait_tasks(qtbot)
    qtbot.waitUntil(lambda: popup._shown == "R-002", timeout=5000)
    qtbot.wait(DEBOUNCE_MS * 2)
    assert texts(popup)[0].startswith("R-002")


def test_enter_opens_the_record_exactly_once(qtbot: Any, demo_window: Any) -> None:
    win = demo_window
    popup = win.search_everything()
    type_and_wait(qtbot, popup, "R-002")
    kind, record_id = hit_of(popup, 0)
    qtbot.keyClick(popup.edit, Qt.Key.Key_Return)
    qtbot.keyClick(popup.edit, Qt.Key.Key_Return)
    qtbot.wait(50)
    assert win.opened == [("risk", record_id)] and kind == "risk"
    assert not popup.isVisible()
    view: Any = win.current_page()
    assert view.kind == "risk"  # shown in its register as well


def test_enter_before_the_answer_opens_the_best_match_once(qtbot: Any, demo_window: Any) -> None:
    win = demo_window
    popup = win.search_everything()
    qtbot.keyClicks(popup.edit, "R-003")
    qtbot.keyClick(popup.edit, Qt.Key.Key_Return)  # before the pause in typing ends
    qtbot.waitUntil(lambda: bool(win.opened), timeout=5000)
    qtbot.wait(DEBOUNCE_MS * 3)
    wait_tasks(qtbot)
    assert len(win.opened) == 1 and win.opened[0][0] == "risk"


def test_double_click_opens_the_record_exactly_once(qtbot: Any, demo_window: Any) -> None:
    win = demo_window
    popup = win.search_everything()
    type_and_wait(qtbot, popup, "protest")
    item: QTreeWidgetItem = popup.results.topLevelItem(0)
    kind, record_id = hit_of(popup, 0)
    rect = popup.results.visualItemRect(item)
    viewport = popup.results.viewport()
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.wait(50)
    assert win.opened == [(kind, record_id)]
    # opened again later: a fresh choice counts once more
    popup = win.search_everything()
    qtbot.waitUntil(lambda: popup.results.topLevelItemCount() > 1, timeout=5000)
    qtbot.keyClick(popup.edit, Qt.Key.Key_Down)
    assert popup.results.currentItem() is popup.results.topLevelItem(1)
    second = hit_of(popup, 1)
    qtbot.keyClick(popup.edit, Qt.Key.Key_Return)
    assert win.opened == [(kind, record_id), second]
