"""The treatment action form: risks required, the expected cell at its edges, keyboard
save, audit entries, and undo of create, edit and delete."""

# ruff: noqa: F811

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt

from db import audit
from desktop import undo
from desktop.dialogs.forms import make_form
from tests.gui.conftest_forms import (  # noqa: F401  (fixtures)
    context,
    prompts,
    record_values,
    register_state,
    seed,
    show,
)

CTRL = Qt.KeyboardModifier.ControlModifier


def _audit(register):
    with register.session() as s:
        return [
            (e.entity_kind, e.entity_ref, e.action, audit.parse_changes(e))
            for e in audit.history(s)
            if e.entity_kind == "action"
        ]


def test_create_an_action_from_the_keyboard(qtbot, context, seed) -> None:
    dialog = show(qtbot, make_form(context, "action"))
    qtbot.keyClicks(dialog.title_edit, "Brief the researchers")
    assert not dialog.save_button.isEnabled()  # no risk named yet
    assert dialog.error_text("risk_ids") == ""  # not touched: no message yet
    picker = dialog.risks_picker
    qtbot.keyClicks(picker.filter, "trust")
    qtbot.keyClick(picker.filter, Qt.Key.Key_Down)
    qtbot.keyClick(picker.list, Qt.Key.Key_Space)
    assert picker.value() == [seed.risk]
    qtbot.keyClicks(dialog.owner_edit, "Head of Communications")
    dialog.due_edit.edit.setFocus()
    qtbot.keyClick(dialog.due_edit.edit, Qt.Key.Key_Up)  # from "not set" to today
    dialog.status_combo.setFocus()
    qtbot.keyClicks(dialog.status_combo, "in")  # In progress
    dialog.expected.likelihood.setFocus()
    qtbot.keyClicks(dialog.expected.likelihood, "2")
    assert dialog.expected.chip.text() == "no score"  # the impact may stay empty
    assert dialog.save_button.isEnabled()
    qtbot.keyClick(dialog.title_edit, Qt.Key.Key_Return, CTRL)

    assert not dialog.isVisible()
    values = record_values(context.register, "action", dialog.saver.last_id)
    assert values == {
        "classification": "UNCLASSIFIED",
        "notes": None,
        "title": "Brief the researchers",
        "owner": "Head of Communications",
        "due_on": dt.date.today().isoformat(),
        "status": "in_progress",
        "expected_likelihood": 2,
        "expected_impact": None,
        "risks": ["R-001"],
    }
    ((kind, ref, action, changes),) = _audit(context.register)
    assert (kind, ref, action) == ("action", "A-001", "create")
    assert changes["risks"] == [None, ["R-001"]]
    context.undo_stack.undo()
    assert "A-001" not in register_state(context.register)


def test_without_a_risk_the_form_says_so_and_will_not_save(qtbot, context, seed) -> None:
    dialog = show(qtbot, make_form(context, "action"))
    qtbot.keyClicks(dialog.title_edit, "Orphan action")
    picker = dialog.risks_picker
    picker.set_checked(seed.risk)
    picker.edited.emit()
    picker.set_checked(seed.risk, False)
    picker.edited.emit()
    assert dialog.error_text("risk_ids") == "Risks is required"
    assert not dialog.save_button.isEnabled()
    qtbot.keyClick(dialog.title_edit, Qt.Key.Key_Return, CTRL)
    assert dialog.isVisible()  # nothing saved
    assert _audit(context.register) == []


def test_edit_then_delete_an_action_and_undo_both(qtbot, context, seed) -> None:
    from desktop.services import records

    reg = context.register
    action_id, _ref = records.create_record(
        reg,
        "action",
        {"title": "Publish the usage policy", "risk_ids": [seed.risk], "expected_impact": 3},
        actor="alice",
    )
    before = register_state(reg)
    dialog = show(qtbot, make_form(context, "action", action_id))
    assert dialog.expected.impact.value() == 3
    dialog.status_combo.setFocus()
    qtbot.keyClicks(dialog.status_combo, "do")  # Done
    dialog.expected.impact.setFocus()
    qtbot.keyClicks(dialog.expected.impact, "5")
    qtbot.keyClick(dialog.title_edit, Qt.Key.Key_Return, CTRL)
    assert not dialog.isVisible()
    after = record_values(reg, "action", action_id)
    assert (after["status"], after["expected_impact"]) == ("done", 5)
    assert _audit(reg)[-1][2:] == (
        "update",
        {"status": ["planned", "done"], "expected_impact": [3, 5]},
    )

    undo.push(context, undo.DeleteRecordsCommand(context, "action", [action_id]))
    assert "A-001" not in register_state(reg)
    assert _audit(reg)[-1][2] == "delete"
    context.undo_stack.undo()  # the delete: the same ref, values and risk back
    assert record_values(reg, "action", action_id) == after
    assert _audit(reg)[-1][2] == "restore"
    context.undo_stack.undo()  # the edit
    assert register_state(reg) == before


def test_deleting_the_risk_takes_it_off_the_action_and_undo_puts_it_back(
    qtbot, context, seed
) -> None:
    from desktop.services import records

    reg = context.register
    other, _ = records.create_record(reg, "risk", {"title": "Second risk"}, actor="alice")
    action_id, _ = records.create_record(
        reg, "action", {"title": "Shared action", "risk_ids": [seed.risk, other]}, actor="alice"
    )
    undo.push(context, undo.DeleteRecordsCommand(context, "risk", [seed.risk]))
    assert record_values(reg, "action", action_id)["risks"] == ["R-002"]
    context.undo_stack.undo()
    assert record_values(reg, "action", action_id)["risks"] == ["R-001", "R-002"]
