"""The stakeholder form: create, edit, delete, blank and duplicate names."""

# Fixtures are imported from tests/gui/conftest_forms.py (kept apart from the main-window
# conftest), so their names are parameters too:
# ruff: noqa: F811

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop import undo
from desktop.dialogs.forms import make_form
from desktop.services import records
from tests.gui.conftest_forms import (  # noqa: F401  (fixtures)
    answer_boxes,
    context,
    other_user,
    prompts,
    record_values,
    register_state,
    seed,
    show,
)

CTRL = Qt.KeyboardModifier.ControlModifier


def test_create_a_stakeholder_as_a_user_would(qtbot, context) -> None:
    dialog = show(qtbot, make_form(context, "stakeholder"))
    assert dialog.windowTitle() == "New stakeholder"
    qtbot.keyClicks(dialog.name_edit, "  Defence Ministry  ")
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Tab)
    qtbot.keyClicks(dialog.focusWidget(), "d")  # kind: Defence body
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)
    qtbot.keyClicks(dialog.focusWidget(), "+2")  # stance: Champion
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)
    qtbot.keyClicks(dialog.focusWidget(), "5")  # influence
    qtbot.keyClicks(dialog.description_edit, "Signs the contracts.")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    assert not dialog.isVisible()
    new_id = dialog.saver.last_id
    values = record_values(context.register, "stakeholder", new_id)
    assert values["name"] == "Defence Ministry"  # trimmed
    assert (values["kind"], values["stance"], values["influence"], values["interest"]) == (
        "defence_body",
        2,
        5,
        3,
    )
    assert values["description"] == "Signs the contracts."
    assert values["classification"] == "UNCLASSIFIED"
    assert context.undo_stack.undoText() == "New stakeholder S-001"


def test_blank_name_is_refused_next_to_the_field(qtbot, context) -> None:
    dialog = show(qtbot, make_form(context, "stakeholder"))
    assert not dialog.save_button.isEnabled()  # nothing typed yet
    assert dialog.error_text("name") == ""  # ...but no scolding before the user types
    qtbot.keyClicks(dialog.name_edit, "   ")
    assert dialog.error_text("name") == "Name is required"
    assert dialog.error_label("name").isVisible()
    assert not dialog.save_button.isEnabled()
    assert not dialog.save_new_button.isEnabled()
    qtbot.keyClicks(dialog.name_edit, "x")
    assert dialog.error_text("name") == ""
    assert dialog.save_button.isEnabled()


def test_duplicate_names_are_caught_live_and_at_save(qtbot, context, seed, other_user) -> None:
    dialog = show(qtbot, make_form(context, "stakeholder"))
    qtbot.keyClicks(dialog.name_edit, "alliance hq")  # case-insensitive
    assert dialog.error_text("name") == "Name is already used by S-001"
    assert not dialog.save_button.isEnabled()

    # A name taken by another user after the form opened: the register says so at save.
    dialog.name_edit.clear()
    qtbot.keyClicks(dialog.name_edit, "Newcomer")
    records.create_record(other_user, "stakeholder", {"name": "NEWCOMER"}, actor="bob")
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return, CTRL)
    assert dialog.isVisible()
    assert "already has this name" in dialog.error_text("name")
    assert context.undo_stack.count() == 0


def test_edit_then_undo_and_redo(qtbot, context, seed) -> None:
    reg = context.register
    original = record_values(reg, "stakeholder", seed.critic)
    dialog = show(qtbot, make_form(context, "stakeholder", seed.critic))
    assert dialog.header.text() == "S-002  AI researchers"
    assert "last changed by alice" in dialog.subheader.text()
    assert not dialog.save_new_button.isVisible()
    dialog.stance_combo.setFocus()
    qtbot.keyClicks(dialog.stance_combo, "-2")  # Hostile
    qtbot.keyClicks(dialog.owner_edit, "Head of policy")
    qtbot.keyClick(dialog.owner_edit, Qt.Key.Key_Return, CTRL)
    assert not dialog.isVisible()

    edited = record_values(reg, "stakeholder", seed.critic)
    assert (edited["stance"], edited["relationship_owner"]) == (-2, "Head of policy")
    assert context.undo_stack.undoText() == "Edit stakeholder S-002"
    context.undo_stack.undo()
    assert record_values(reg, "stakeholder", seed.critic) == original
    context.undo_stack.redo()
    assert record_values(reg, "stakeholder", seed.critic) == edited


def test_saving_an_unchanged_form_writes_nothing(qtbot, context, seed) -> None:
    before = register_state(context.register)
    dialog = show(qtbot, make_form(context, "stakeholder", seed.stakeholder))
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return, CTRL)
    assert not dialog.isVisible()
    assert context.undo_stack.count() == 0
    assert register_state(context.register) == before


def test_deleting_a_partner_is_refused_with_a_message(qtbot, context, seed, prompts) -> None:
    before = register_state(context.register)
    context.undo_stack.push(undo.DeleteRecordsCommand(context, "stakeholder", [seed.stakeholder]))
    assert context.undo_stack.count() == 0  # the failed step is not in the history
    assert len(prompts.errors) == 1
    assert "partner of P-001" in prompts.errors[0][1]
    assert register_state(context.register) == before


def test_cancel_and_escape_save_nothing(qtbot, context) -> None:
    dialog = show(qtbot, make_form(context, "stakeholder"))
    qtbot.keyClicks(dialog.name_edit, "Never saved")
    seen = answer_boxes(["Discard changes"])  # a form with changes asks first
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Escape)
    assert [box.title for box in seen] == ["Discard changes?"]
    assert not dialog.isVisible()
    assert dialog.saver.last_id is None
    assert register_state(context.register) == {}


HOSTILE = [
    "<b>bold</b> & <script>alert('x')</script>",
    '=HYPERLINK("http://evil.example")',
    "+1-2",
    "-5",
    "@SUM(A1:A9)",
    "Robert'); DROP TABLE stakeholder;--",
    "\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627 mixed RTL",
    "emoji \U0001f680\U0001f525 and e\u0301 combining",
    "../../etc/passwd",
    "%s %d {0} {name}",
]


def test_hostile_text_is_stored_literally_through_save_and_new(qtbot, context) -> None:
    dialog = show(qtbot, make_form(context, "stakeholder"))
    long_notes = "line one\r\nline\ttwo\n" + "x" * 9_000
    for text in HOSTILE:
        dialog.name_edit.setText(text)
        dialog.name_edit.edited.emit()
        dialog.notes_edit.setPlainText(f"{text}\n{long_notes}")
        qtbot.keyClick(
            dialog.name_edit, Qt.Key.Key_Return, CTRL | Qt.KeyboardModifier.ShiftModifier
        )
        assert dialog.general_error.text() == "", text
        assert dialog.status.text().startswith("Saved S-"), text
    ids = dialog.saver.saved_ids
    assert len(ids) == len(HOSTILE)
    for record_id, text in zip(ids, HOSTILE, strict=True):
        values = record_values(context.register, "stakeholder", record_id)
        assert values["name"] == text.strip()
        # QPlainTextEdit normalises CR/LF to LF; everything else is kept as typed.
        assert values["notes"] == f"{text}\n{long_notes}".replace("\r\n", "\n").strip()


def test_open_form_runs_modally_and_returns_the_new_id(qtbot, context, seed) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from desktop.dialogs.forms import open_form

    def fill() -> None:
        dialog = QApplication.activeModalWidget()
        assert dialog is not None and dialog.windowTitle() == "New event"
        assert dialog.stakeholder_combo.value() == seed.critic  # the caller's default
        qtbot.keyClicks(dialog.title_edit, "Researchers respond")
        dialog.submit(False)

    QTimer.singleShot(50, fill)
    new_id = open_form(context, "event", defaults={"stakeholder_id": seed.critic})
    assert new_id is not None
    values = record_values(context.register, "event", new_id)
    assert (values["title"], values["stakeholder"]) == ("Researchers respond", "S-002")


def test_delete_a_stakeholder_and_undo_restores_every_pointer(qtbot, context, seed) -> None:
    reg = context.register
    before = register_state(reg)
    undo.push(context, undo.DeleteRecordsCommand(context, "stakeholder", [seed.critic]))
    assert "S-002" not in register_state(reg)
    assert record_values(reg, "event", seed.event)["stakeholder"] is None
    assert record_values(reg, "risk", seed.risk)["stakeholders"] == []
    context.undo_stack.undo()
    assert register_state(reg) == before
    context.undo_stack.redo()
    assert "S-002" not in register_state(reg)
