"""The risk form of a PostgreSQL team member and a commentary above their clearance.

A RESTRICTED risk carries a SECRET owner's commentary.  The reader's and the editor's
forms say that a commentary exists above their clearance, never its words (nor its
date or level), in the fields or the History tab, and cannot edit it; the editor's
save of another field leaves it as it was.  The officer's form shows it as before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QComboBox, QLabel, QLineEdit, QPlainTextEdit

from desktop.dialogs.forms import make_form
from desktop.dialogs.risk_dialog import WITHHELD_PLACEHOLDER
from tests.gui.conftest import wait_tasks
from tests.gui.conftest_forms import show
from tests.teamsetup import Team, commented_risk, team_with

WORDS = "NEVERSEEN the board will not renew"
CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture(scope="module")
def crew(pg_server: Any) -> Iterator[Team]:
    def fill(s: Any, made: Team) -> None:
        risk = commented_risk(
            s, "Form commentary risk", WORDS, said_level="SECRET", said_on=dt.date(2026, 11, 2)
        )
        made.refs["FORM"] = [risk.ref]

    with team_with(pg_server, fill) as made:
        yield made


def _risk_id(crew: Team) -> int:
    return crew.owner_count("SELECT id FROM risk WHERE ref = :ref", ref=crew.refs["FORM"][0])


def _all_text(dialog: Any) -> str:
    """Every text the form holds: fields, labels, placeholders, the History tab."""
    parts: list[str] = []
    for w in dialog.findChildren(QLineEdit):
        parts += [w.text(), w.placeholderText()]
    for w in dialog.findChildren(QPlainTextEdit):
        parts += [w.toPlainText(), w.placeholderText()]
    for w in dialog.findChildren(QComboBox):
        parts.append(w.currentText())
    for w in dialog.findChildren(QLabel):
        parts.append(w.text())
    for w in dialog.findChildren(QAbstractButton):
        parts.append(w.text())
    history = getattr(dialog, "history_panel", None)
    if history is not None:
        parts += [" ".join(row) for row in history.rows()]
    return "\n".join(parts)


@pytest.mark.parametrize("who", ["reader", "editor"])
def test_a_member_not_cleared_is_told_a_commentary_exists_but_not_what_it_says(
    qtbot: Any, crew: Team, member_context: Any, who: str
) -> None:
    dialog = show(qtbot, make_form(member_context(who), "risk", _risk_id(crew)))
    wait_tasks(qtbot)
    assert dialog.title_edit.text() == "Form commentary risk"
    assert dialog.commentary_edit.value() in ("", None)
    assert dialog.commentary_edit.placeholderText() == WITHHELD_PLACEHOLDER
    assert dialog.commentary_on_edit.value() is None
    assert dialog.commentary_level_combo.value() is None
    for editor in (
        dialog.commentary_edit,
        dialog.commentary_on_edit,
        dialog.commentary_level_combo,
    ):
        assert not editor.isEnabled()
    shown = _all_text(dialog)
    assert "NEVERSEEN" not in shown and "2026-11-02" not in shown
    assert dialog.history_panel.rows()  # the risk's own history is there


def test_an_editors_save_keeps_the_commentary_they_cannot_see(
    qtbot: Any, crew: Team, member_context: Any
) -> None:
    context = member_context("editor")
    dialog = show(qtbot, make_form(context, "risk", _risk_id(crew)))
    dialog.owner_edit.clear()
    qtbot.keyClicks(dialog.owner_edit, "Dana Editor")
    qtbot.keyClick(dialog.owner_edit, Qt.Key.Key_Return, CTRL)
    wait_tasks(qtbot)
    qtbot.waitUntil(
        lambda: (
            crew.owner_count(
                "SELECT count(*) FROM risk WHERE ref = :ref AND owner = 'Dana Editor'",
                ref=crew.refs["FORM"][0],
            )
            == 1
        ),
        timeout=5000,
    )
    assert (
        crew.owner_count(
            "SELECT count(*) FROM risk_commentary c JOIN risk r ON r.id = c.risk_id "
            "WHERE r.ref = :ref AND c.text = :words AND c.classification = 'SECRET'",
            ref=crew.refs["FORM"][0],
            words=WORDS,
        )
        == 1
    )


def test_an_officer_sees_and_may_edit_the_commentary(
    qtbot: Any, crew: Team, member_context: Any
) -> None:
    dialog = show(qtbot, make_form(member_context("officer"), "risk", _risk_id(crew)))
    wait_tasks(qtbot)
    assert dialog.commentary_edit.value() == WORDS
    assert dialog.commentary_edit.isEnabled()
    assert str(dialog.commentary_level_combo.value()) == "SECRET"
    assert "NEVERSEEN" in " ".join(" ".join(row) for row in dialog.history_panel.rows())
