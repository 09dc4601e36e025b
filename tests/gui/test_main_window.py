"""The main window on real registers: welcome, navigation, status bar, delete, undo, polling."""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel
from PySide6.QtWidgets import QMessageBox

from db import repository
from desktop.main_window import MainWindow
from desktop.pages import PAGES, RecordPage
from tests.gui.conftest import wait_tasks


@pytest.fixture
def window(qtbot: Any, context: Any) -> MainWindow:
    win = MainWindow(context)
    qtbot.addWidget(win)
    win.change_watcher.stop()  # tests call change_watcher.poll themselves
    return win


@pytest.fixture
def filled_context(filled_register: Any, settings: Any) -> Any:
    from desktop.context import AppContext

    return AppContext(filled_register, settings)


@pytest.fixture
def filled_window(qtbot: Any, filled_context: Any) -> MainWindow:
    win = MainWindow(filled_context)
    qtbot.addWidget(win)
    win.change_watcher.stop()
    wait_tasks(qtbot)
    return win


def test_settings_are_isolated_under_tmp(settings: Any, tmp_path: Path) -> None:
    from desktop.settings import DISPLAY_NAME, Settings

    settings.set(DISPLAY_NAME, "Tester")
    settings.sync()
    assert Path(settings.file_name).resolve().is_relative_to(tmp_path.resolve())
    # Even the default QSettings (the app's own) lands under the test's folder.
    default = Settings()
    assert Path(default.file_name).resolve().is_relative_to(tmp_path.resolve())
    assert default.display_name == ""


def test_settings_keys_round_trip_with_types_and_defaults(settings: Any) -> None:
    from db.scales import Bands
    from desktop import settings as keys

    for key in keys.ALL_KEYS:
        assert settings.get(key) == key.default
        assert isinstance(settings.get(key), key.type)
    settings.set(keys.BANDS, "3,8,12")
    settings.set(keys.WINDOW_GEOMETRY, b"\x01\x02")
    settings.sync()
    again = keys.Settings(type(settings.qsettings)(settings.file_name, settings.qsettings.format()))
    assert again.old_bands == Bands(3, 8, 12)
    assert again.get(keys.WINDOW_GEOMETRY) == b"\x01\x02"
    again.qsettings.setValue(keys.BANDS.name, "9,3,1")  # garbage is no bands at all
    assert again.old_bands is None


def test_empty_register_shows_the_welcome_panel(window: MainWindow) -> None:
    assert window.on_welcome()
    assert not window.edit_action.isEnabled()
    assert "register.db" in window.welcome.where.text()  # type: ignore[union-attr]


def test_start_empty_leaves_the_welcome_panel(window: MainWindow) -> None:
    window.welcome.empty_button.click()  # type: ignore[union-attr]
    assert not window.on_welcome()
    assert window.current_page() is not None


def test_load_demo_from_the_welcome_panel(qtbot: Any, window: MainWindow, register: Any) -> None:
    with qtbot.waitSignal(window.welcome.done, timeout=60_000):  # type: ignore[union-attr]
        window.welcome.demo_button.click()  # type: ignore[union-attr]
    wait_tasks(qtbot)
    assert not window.on_welcome()
    with register.session() as session:
        counts = repository.counts(session)
    assert counts["risk"] > 0 and counts["event"] > 0
    assert f"{counts['event']:,} events" in window.counts_label.text()


def test_window_opens_on_a_register_with_counts_and_database(
    filled_window: MainWindow, filled_register: Any
) -> None:
    win = filled_window
    assert not win.on_welcome()
    assert str(filled_register.path) in win.database_label.text()
    assert "password" not in win.database_label.text().lower()
    assert "3,000 events" in win.counts_label.text()
    assert "60 risks" in win.counts_label.text()
    assert "30 stakeholders" in win.counts_label.text()


def test_navigation_switches_between_every_page(filled_window: MainWindow) -> None:
    win = filled_window
    seen = set()
    for row, page in enumerate(PAGES):
        win.nav.setCurrentRow(row)
        widget = win.stack.currentWidget()
        assert widget is win.page(page.title)
        seen.add(id(widget))
        # Edit, Delete, Find and Export act on exactly the register pages.
        assert isinstance(widget, RecordPage) == (page.kind is not None)
        if page.kind is not None:
            assert getattr(widget, "kind", None) == page.kind
            assert widget.model.rowCount() > 0  # type: ignore[attr-defined]
    assert len(seen) == len(PAGES)
    win.show_page("Events")
    assert win.current_kind() == "event"
    assert win.new_action.text() == "&New event..."
    win.show_page("Stakeholders")
    assert win.new_action.text() == "&New stakeholder..."


def test_find_focuses_the_quick_search(qtbot: Any, filled_window: MainWindow) -> None:
    filled_window.show()
    filled_window.activateWindow()
    qtbot.waitActive(filled_window)
    filled_window.show_page("Dashboard")
    filled_window.find_action.trigger()
    view: Any = filled_window.current_page()
    assert view.kind == "event"
    qtbot.waitUntil(view.search.hasFocus, timeout=2000)


def test_briefing_pack_has_an_enabled_action_with_a_shortcut(filled_window: MainWindow) -> None:
    assert filled_window.briefing_action.isEnabled()
    assert filled_window.briefing_action.shortcut().toString() != ""


def _select_rows(view: Any, rows: list[int]) -> None:
    selection = view.table.selectionModel()
    selection.clearSelection()
    for row in rows:
        selection.select(
            view.model.index(row, 0),
            QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
        )


def test_delete_asks_naming_the_records_then_undo_restores(
    qtbot: Any, filled_window: MainWindow, filled_register: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    view: Any = filled_window.show_page("Events")
    _select_rows(view, [0, 1, 2])
    ids = view.selected_ids()
    with filled_register.session() as session:
        refs = [repository.get(session, "event", i).ref for i in ids]
    asked: list[str] = []

    def answer(_parent: Any, _title: str, text: str, *_a: Any, **_k: Any) -> Any:
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", staticmethod(answer))
    assert filled_window.delete_action.isEnabled()
    filled_window.delete_action.trigger()
    assert len(asked) == 1 and all(ref in asked[0] for ref in refs)
    wait_tasks(qtbot)
    with filled_register.session() as session:
        assert repository.count(session, "event") == 2997
    assert view.model.total() == 2997
    assert filled_window.undo_action.isEnabled()
    filled_window.undo_action.trigger()
    wait_tasks(qtbot)
    with filled_register.session() as session:
        assert repository.count(session, "event") == 3000
        assert {repository.get(session, "event", i).ref for i in ids} == set(refs)
    assert view.model.total() == 3000
    assert "3,000 events" in filled_window.counts_label.text()


def test_delete_cancelled_deletes_nothing(
    filled_window: MainWindow, filled_register: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    view: Any = filled_window.show_page("Risks")
    _select_rows(view, [0])
    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Cancel)
    )
    assert view.delete_selected() is False
    with filled_register.session() as session:
        assert repository.count(session, "risk") == 60
    assert filled_window.context.undo_stack.count() == 0


def test_new_and_edit_call_the_form_api(
    filled_window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, int | None]] = []
    fake = types.ModuleType("desktop.dialogs.forms")

    def open_form(context: Any, kind: str, record_id: int | None = None, parent: Any = None) -> Any:
        calls.append((kind, record_id))
        return record_id

    fake.open_form = open_form  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "desktop.dialogs.forms", fake)
    view: Any = filled_window.show_page("Risks")
    filled_window.new_action.trigger()
    _select_rows(view, [4])
    record_id = view.selected_ids()[0]
    filled_window.edit_action.trigger()
    filled_window.context.edit_requested.emit("event", 7)
    view._double_clicked(view.model.index(4, 1))
    filled_window.show_page("Events")
    view._new_record()  # the risk register's context menu, while another page is shown
    assert calls == [
        ("risk", None),
        ("risk", record_id),
        ("event", 7),
        ("risk", record_id),
        ("risk", None),
    ]


def test_show_requested_selects_the_record(filled_window: MainWindow, filled_register: Any) -> None:
    with filled_register.session() as session:
        record = repository.get_by_ref(session, "event", "E-1234")
    filled_window.context.show_requested.emit("event", record.id)
    view: Any = filled_window.current_page()
    assert view.kind == "event"
    assert view.selected_ids() == [record.id]


def test_polling_notices_another_users_change(
    qtbot: Any, filled_window: MainWindow, filled_register: Any
) -> None:
    from db.engine import open_register
    from db.models import EventCreate

    view: Any = filled_window.show_page("Events")
    assert filled_window.change_watcher.poll() is False
    other = open_register(filled_register.path)  # another process, as far as the window knows
    try:
        with other.write() as session:
            repository.create(
                session,
                "event",
                EventCreate(occurred_on="2026-01-01", title="Written elsewhere"),
                actor="other",
            )
    finally:
        other.dispose()
    assert filled_window.change_watcher.poll() is True
    wait_tasks(qtbot)
    assert view.model.total() == 3001
    assert "3,001 events" in filled_window.counts_label.text()
    assert filled_window.change_watcher.poll() is False


def test_window_state_is_remembered(qtbot: Any, context: Any) -> None:
    from desktop import settings as keys

    first = MainWindow(context, show_welcome=False)
    qtbot.addWidget(first)
    first.resize(700, 500)
    first.show_page("Stakeholders")
    first.close()
    assert context.settings.get(keys.WINDOW_GEOMETRY)
    assert context.settings.get(keys.LAST_VIEW) == "Stakeholders"
    second = MainWindow(context, show_welcome=False)
    qtbot.addWidget(second)
    assert second.current_kind() == "stakeholder"
    assert (second.size().width(), second.size().height()) == (700, 500)


def test_new_register_switches_the_context(
    qtbot: Any, filled_window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop.widgets import file_dialogs

    target = tmp_path / "second.db"
    monkeypatch.setattr(file_dialogs, "get_save_file_name", lambda *a, **k: (str(target), ""))
    filled_window.new_register()
    wait_tasks(qtbot)
    assert filled_window.context.register.path == target
    assert filled_window.on_welcome()  # the new register is empty
    assert str(target) in filled_window.database_label.text()
    assert filled_window.context.settings.last_database == str(target)


def test_open_register_refuses_a_foreign_file_with_a_message(
    filled_window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop.widgets import file_dialogs

    foreign = tmp_path / "notes.db"
    foreign.write_bytes(b"not a database at all" * 100)
    before = foreign.read_bytes()
    warned: list[str] = []
    monkeypatch.setattr(file_dialogs, "get_open_file_name", lambda *a, **k: (str(foreign), ""))
    monkeypatch.setattr(
        QMessageBox, "warning", staticmethod(lambda _p, _t, text, *a: warned.append(text))
    )
    current = filled_window.context.register
    filled_window.open_register()
    assert warned and "not a Stakeholder Risk Tracker register" in warned[0]
    assert filled_window.context.register is current
    assert foreign.read_bytes() == before


def test_backup_writes_a_sound_copy_in_the_background(
    qtbot: Any, filled_window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from db.backup import validate_backup
    from desktop.widgets import file_dialogs

    target = tmp_path / "copy.db"
    monkeypatch.setattr(file_dialogs, "get_save_file_name", lambda *a, **k: (str(target), ""))
    filled_window.backup_action.trigger()
    qtbot.waitUntil(target.exists, timeout=30_000)
    wait_tasks(qtbot)
    info = validate_backup(target)
    assert info.counts["event"] == 3000
    assert filled_window.context.settings.last_export_folder == str(tmp_path)


def test_every_page_has_its_own_shortcut(window: MainWindow) -> None:
    """Two pages on one key would leave one of them unreachable from the keyboard."""
    from PySide6.QtGui import QAction, QKeySequence

    from desktop.pages import PAGES

    keys = [page.shortcut for page in PAGES]
    assert len(set(keys)) == len(keys), keys
    bound = [
        a.shortcut().toString(QKeySequence.SequenceFormat.PortableText)
        for a in window.findChildren(QAction)
        if a.shortcut().toString(QKeySequence.SequenceFormat.PortableText) in keys
    ]
    assert sorted(bound) == sorted(keys)
