"""Two users, one record: the second to save is told who changed it and chooses."""

# Fixtures are imported from tests/gui/conftest_forms.py (kept apart from the main-window
# conftest), so their names are parameters too:
# ruff: noqa: F811

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop.dialogs.forms import make_form
from desktop.services import records
from tests.gui.conftest_forms import (  # noqa: F401  (fixtures)
    context,
    other_user,
    prompts,
    record_values,
    seed,
    show,
)

CTRL = Qt.KeyboardModifier.ControlModifier


def _open_and_edit(qtbot, context, seed):
    dialog = show(qtbot, make_form(context, "risk", seed.risk))
    dialog.title_edit.clear()
    qtbot.keyClicks(dialog.title_edit, "Loss of trust among researchers")
    return dialog


def test_conflict_then_reload_shows_their_version(
    qtbot, context, seed, other_user, prompts
) -> None:
    dialog = _open_and_edit(qtbot, context, seed)
    records.update_record(
        other_user,
        "risk",
        seed.risk,
        {"owner": "Bob Jones", "likelihood": 5},
        actor="bob",
        expected_version=1,
    )
    prompts.conflict_answer = "reload"
    qtbot.keyClick(dialog.title_edit, Qt.Key.Key_Return, CTRL)

    assert len(prompts.conflicts) == 1
    error = prompts.conflicts[0]
    assert (error.ref, error.changed_by) == ("R-001", "bob")
    assert error.changed_at is not None
    assert dialog.isVisible()  # still open, now showing bob's version
    assert dialog.title_edit.text() == "Loss of researcher trust"
    assert dialog.owner_edit.text() == "Bob Jones"
    assert dialog.inherent.likelihood.value() == 5
    assert "last changed by bob" in dialog.subheader.text()
    assert "Reloaded" in dialog.status.text()
    assert context.undo_stack.count() == 0
    stored = record_values(context.register, "risk", seed.risk)
    assert (stored["title"], stored["owner"]) == ("Loss of researcher trust", "Bob Jones")

    # Saving again now works (against the new version).
    dialog.title_edit.clear()
    qtbot.keyClicks(dialog.title_edit, "Loss of trust among researchers")
    qtbot.keyClick(dialog.title_edit, Qt.Key.Key_Return, CTRL)
    assert not dialog.isVisible()
    stored = record_values(context.register, "risk", seed.risk)
    assert (stored["title"], stored["owner"], stored["likelihood"]) == (
        "Loss of trust among researchers",
        "Bob Jones",
        5,
    )


def test_conflict_then_overwrite_keeps_their_other_fields_and_undoes_exactly(
    qtbot, context, seed, other_user, prompts
) -> None:
    dialog = _open_and_edit(qtbot, context, seed)
    records.update_record(
        other_user,
        "risk",
        seed.risk,
        {"title": "Researchers walk away", "owner": "Bob"},
        actor="bob",
        expected_version=1,
    )
    theirs = record_values(context.register, "risk", seed.risk)
    prompts.conflict_answer = "overwrite"
    qtbot.keyClick(dialog.title_edit, Qt.Key.Key_Return, CTRL)

    assert not dialog.isVisible()
    stored = record_values(context.register, "risk", seed.risk)
    assert stored["title"] == "Loss of trust among researchers"  # mine, over theirs
    assert stored["owner"] == "Bob"  # a field I did not touch keeps their value
    assert context.undo_stack.count() == 1
    context.undo_stack.undo()  # back to exactly what was there before my overwrite
    assert record_values(context.register, "risk", seed.risk) == theirs
    context.undo_stack.redo()
    assert record_values(context.register, "risk", seed.risk) == stored


def test_conflict_then_cancel_keeps_my_edits_in_the_form(
    qtbot, context, seed, other_user, prompts
) -> None:
    dialog = _open_and_edit(qtbot, context, seed)
    records.update_record(
        other_user, "risk", seed.risk, {"owner": "Bob"}, actor="bob", expected_version=1
    )
    prompts.conflict_answer = "cancel"
    qtbot.keyClick(dialog.title_edit, Qt.Key.Key_Return, CTRL)
    assert dialog.isVisible()
    assert dialog.title_edit.text() == "Loss of trust among researchers"
    assert record_values(context.register, "risk", seed.risk)["title"] == "Loss of researcher trust"
    assert context.undo_stack.count() == 0


def test_record_deleted_by_someone_else_while_editing(
    qtbot, context, seed, other_user, prompts
) -> None:
    dialog = _open_and_edit(qtbot, context, seed)
    records.delete_records(other_user, "risk", [seed.risk], actor="bob")
    qtbot.keyClick(dialog.title_edit, Qt.Key.Key_Return, CTRL)
    assert dialog.isVisible()
    assert "no longer exists" in dialog.general_error.text()
    assert dialog.general_error.isVisible()
    assert context.undo_stack.count() == 0


def test_the_conflict_question_says_who_and_when_and_maps_the_buttons(qtbot) -> None:
    import datetime as dt

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from db.errors import ConflictError
    from desktop.dialogs import conflict

    error = ConflictError("risk", "R-003", "bob", dt.datetime(2026, 11, 29, 10, 50, tzinfo=dt.UTC))
    box, buttons = conflict.conflict_box(None, error)
    assert (
        box.text()
        == "R-003 was changed by bob on 2026-11-29 at 10:50 UTC, after you opened this form."
    )
    assert set(buttons) == {"reload", "overwrite", "cancel"}
    assert box.defaultButton() is buttons["cancel"]  # the safe answer
    box.deleteLater()

    for label, expected in (("Overwrite", "overwrite"), ("Reload", "reload"), (None, "cancel")):

        def answer(label=label) -> None:
            modal = QApplication.activeModalWidget()
            if label is None:
                modal.reject()  # Esc / window close
                return
            next(b for b in modal.buttons() if b.text() == label).click()

        QTimer.singleShot(50, answer)
        assert conflict.ask_conflict_choice(None, error) == expected
