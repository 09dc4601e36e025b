"""The app as three members of a PostgreSQL team see it (issue 15), with pytest-qt.

A reader cleared to RESTRICTED gets register pages without a SECRET row (counted with
the owner's connection first), greyed-out actions for what a reader may not do, and
no Users page; an officer manages the team from Settings > Users.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt

from desktop.context import AppContext
from desktop.dialogs.settings_dialog import SettingsDialog
from desktop.main_window import MainWindow
from desktop.views.register_view import RegisterView
from tests.gui.conftest import wait_tasks
from tests.teamsetup import SECRET_TITLE, Team, make_team

VISIBLE = {"PUBLIC", "UNCLASSIFIED", "RESTRICTED"}


@pytest.fixture(scope="module")
def crew(pg_server: Any) -> Iterator[Team]:
    made = make_team(pg_server)
    yield made
    made.drop()


def _shown_rows(view: RegisterView) -> list[list[str]]:
    model = view.model
    return [
        [
            str(model.index(r, c).data(Qt.ItemDataRole.DisplayRole) or "")
            for c in range(model.columnCount())
        ]
        for r in range(model.rowCount())
    ]


@pytest.mark.parametrize("kind", ["event", "risk", "stakeholder", "partnership"])
def test_a_restricted_members_register_page_holds_no_secret_row(
    qtbot: Any, crew: Team, member_context: Any, kind: str
) -> None:
    secret = crew.owner_count(f"SELECT count(*) FROM {kind} WHERE classification = 'SECRET'")  # noqa: S608
    visible = crew.owner_count(
        f"SELECT count(*) FROM {kind} WHERE classification IN ('PUBLIC', 'UNCLASSIFIED', 'RESTRICTED')"  # noqa: S608
    )
    assert secret >= 1
    view = RegisterView(member_context("reader"), kind)
    qtbot.addWidget(view)
    wait_tasks(qtbot)
    assert view.model.total() == visible
    rows = _shown_rows(view)
    assert len(rows) == visible
    text = "\n".join("\t".join(row) for row in rows)
    assert SECRET_TITLE not in text and "SECRET" not in text
    assert not any(ref in text for ref in crew.refs["SECRET"])
    assert {
        level for row in rows for level in row if level in VISIBLE | {"CONFIDENTIAL"}
    } <= VISIBLE


def _window(qtbot: Any, context: AppContext) -> MainWindow:
    window = MainWindow(context, show_welcome=False)
    qtbot.addWidget(window)
    window.change_watcher.stop()
    wait_tasks(qtbot)
    window._update_actions()
    return window


def test_a_reader_sees_what_their_role_allows(qtbot: Any, member_context: Any) -> None:
    context = member_context("reader")
    window = _window(qtbot, context)
    assert not window.new_action.isEnabled() and not window.import_action.isEnabled()
    assert not any(a.isEnabled() for a in window.new_actions.values())
    assert not window.delete_action.isEnabled()
    assert "reader" in window.new_action.statusTip()
    assert "reader, cleared up to RESTRICTED" in window.database_label.text()
    dialog = SettingsDialog(context)
    qtbot.addWidget(dialog)
    assert not dialog.users_button.isEnabled()
    assert not dialog.low_spin.isEnabled()


def test_an_editor_may_create(qtbot: Any, member_context: Any) -> None:
    context = member_context("editor")
    window = _window(qtbot, context)
    assert window.new_action.isEnabled() and window.import_action.isEnabled()
    dialog = SettingsDialog(context)
    qtbot.addWidget(dialog)
    assert not dialog.users_button.isEnabled()  # officers only


def test_an_officer_manages_the_team_from_settings(
    qtbot: Any, crew: Team, member_context: Any
) -> None:
    context = member_context("officer")
    settings_dialog = SettingsDialog(context)
    qtbot.addWidget(settings_dialog)
    assert settings_dialog.users_button.isEnabled()
    users = settings_dialog.open_users()
    names = [users.table.item(r, 0).text() for r in range(users.table.rowCount())]
    assert sorted(names) == sorted(crew.names.values())
    newcomer = f"gui_{crew.names['officer']}"
    users.name_edit.setText(newcomer)
    users.role_combo.setCurrentIndex(users.role_combo.findData("editor"))
    users.clearance_combo.setCurrentIndex(users.clearance_combo.findData("CONFIDENTIAL"))
    users.password_edit.setText("a pass phrase")
    qtbot.mouseClick(users.add_button, Qt.MouseButton.LeftButton)
    assert users.message.text() == f"Added {newcomer}."
    row = [users.table.item(r, 0).text() for r in range(users.table.rowCount())].index(newcomer)
    assert users.table.item(row, 1).text() == "editor"
    assert users.table.item(row, 2).text() == "CONFIDENTIAL"
    users.table.selectRow(row)
    users.clearance_combo.setCurrentIndex(users.clearance_combo.findData("SECRET"))
    qtbot.mouseClick(users.change_button, Qt.MouseButton.LeftButton)
    assert users.message.text() == f"Changed {newcomer}."
    # The database's refusal, shown in words: an officer cannot remove themselves.
    me = [users.table.item(r, 0).text() for r in range(users.table.rowCount())].index(
        crew.names["officer"]
    )
    users.table.selectRow(me)
    qtbot.mouseClick(users.remove_button, Qt.MouseButton.LeftButton)
    assert "cannot remove yourself" in users.message.text()
    row = [users.table.item(r, 0).text() for r in range(users.table.rowCount())].index(newcomer)
    users.table.selectRow(row)
    qtbot.mouseClick(users.remove_button, Qt.MouseButton.LeftButton)
    assert users.message.text() == f"Removed {newcomer}."
    assert newcomer not in [users.table.item(r, 0).text() for r in range(users.table.rowCount())]
    users.close()
