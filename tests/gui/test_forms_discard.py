"""Esc or Cancel on a form with changes asks before discarding; no question without changes."""

# ruff: noqa: F811

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from desktop.dialogs.forms import make_form
from desktop.services import records
from tests.gui.conftest_forms import (  # noqa: F401  (fixtures)
    answer_boxes,
    context,
    prompts,
    register_state,
    seed,
    show,
)

FIRST = {
    "stakeholder": "name_edit",
    "partnership": "name_edit",
    "risk": "title_edit",
    "event": "title_edit",
    "action": "title_edit",
}


@pytest.mark.parametrize("kind", ["stakeholder", "partnership", "risk", "event", "action"])
def test_escape_with_changes_asks_and_keep_editing_is_the_default(qtbot, context, kind) -> None:
    dialog = show(qtbot, make_form(context, kind))
    editor = getattr(dialog, FIRST[kind])
    qtbot.keyClicks(editor, "Typed, not saved")
    seen = answer_boxes([None])  # Return: the default button
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert [b.title for b in seen] == ["Discard changes?"]
    assert seen[0].default == "Keep editing"
    assert dialog.isVisible()  # kept open, the text still there
    assert editor.text() == "Typed, not saved"


@pytest.mark.parametrize("kind", ["stakeholder", "partnership", "risk", "event", "action"])
def test_no_question_when_nothing_changed(qtbot, context, kind) -> None:
    dialog = show(qtbot, make_form(context, kind))
    seen = answer_boxes([None])
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert seen == [] and not dialog.isVisible()
    answer_boxes([])


def test_typing_and_undoing_the_typing_is_no_change(qtbot, context, seed) -> None:
    dialog = show(qtbot, make_form(context, "event", seed.event))
    editor = dialog.title_edit
    original = editor.text()
    editor.setFocus()
    editor.end(False)  # after the text, nothing selected
    qtbot.keyClicks(editor, "x")
    qtbot.keyClick(editor, Qt.Key.Key_Backspace)
    assert editor.text() == original
    seen = answer_boxes([None])
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert seen == [] and not dialog.isVisible()


def test_cancel_on_an_edited_record_then_discard_leaves_the_record_as_it_was(
    qtbot, context, seed
) -> None:
    before = register_state(context.register)
    dialog = show(qtbot, make_form(context, "risk", seed.risk))
    dialog.title_edit.clear()
    qtbot.keyClicks(dialog.title_edit, "A changed title")
    assert dialog.has_changes()
    seen = answer_boxes(["Discard changes"])
    dialog.cancel_button.click()
    assert len(seen) == 1 and "R-001" in seen[0].text
    assert not dialog.isVisible()
    assert register_state(context.register) == before
    assert records.load_form_data(context.register, "risk", seed.risk).values["title"] != (
        "A changed title"
    )
