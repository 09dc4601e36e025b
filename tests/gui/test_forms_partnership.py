"""The partnership form: partner picker, dates in order, URL, value and currency."""

# Fixtures are imported from tests/gui/conftest_forms.py (kept apart from the main-window
# conftest), so their names are parameters too:
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt

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


def test_create_a_partnership_choosing_the_partner_by_typing(qtbot, context, seed) -> None:
    dialog = show(qtbot, make_form(context, "partnership"))
    qtbot.keyClicks(dialog.name_edit, "Defence department contract")
    assert dialog.error_text("partner_id") == ""  # untouched yet
    assert not dialog.save_button.isEnabled()  # but a partner is required
    qtbot.keyClicks(dialog.partner_combo.lineEdit(), "Alliance HQ")
    assert dialog.partner_combo.value() == seed.stakeholder
    dialog.status_combo.setFocus()
    qtbot.keyClicks(dialog.status_combo, "ac")  # Active
    dialog.announced_edit.edit.setFocus()
    qtbot.keyClick(dialog.announced_edit.edit, Qt.Key.Key_Up)  # from "not set" to today
    assert dialog.announced_edit.value() == dt.date.today()
    qtbot.keyClicks(dialog.value_edit, "200,000,000")
    qtbot.keyClicks(dialog.currency_edit, "usd")
    qtbot.keyClicks(dialog.url_field.line, "https://example.org/contract")
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return, CTRL)

    assert not dialog.isVisible()
    values = record_values(context.register, "partnership", dialog.saver.last_id)
    assert values["partner"] == "S-001"
    assert values["status"] == "active"
    assert values["announced_on"] == dt.date.today().isoformat()
    assert values["ended_on"] is None
    assert (values["value"], values["currency"]) == (200_000_000.0, "USD")
    assert values["source_url"] == "https://example.org/contract"


def test_ended_before_announced_and_bad_url_are_refused(qtbot, context, seed) -> None:
    dialog = show(qtbot, make_form(context, "partnership"))
    qtbot.keyClicks(dialog.name_edit, "Pilot")
    qtbot.keyClicks(dialog.partner_combo.lineEdit(), "S-001")
    dialog.announced_edit.set_value(dt.date(2026, 5, 1))
    end = dialog.ended_edit.edit
    end.setFocus()
    qtbot.keyClick(end, Qt.Key.Key_Up)  # today...
    end.setSelectedSection(end.Section.YearSection)
    for _ in range(3):
        qtbot.keyClick(end, Qt.Key.Key_Down)  # ...three years back: before the announcement
    assert dialog.error_text("ended_on") == "Ended on must not be before announced on"
    assert dialog.error_label("ended_on").isVisible()
    assert not dialog.save_button.isEnabled()

    qtbot.keyClicks(dialog.url_field.line, "ftp://example.org/x")
    assert dialog.error_text("source_url") == "Source URL must be an http:// or https:// address"

    # Clearing the end date and fixing the address makes the form valid again.
    dialog.ended_edit.clear_button.click()
    assert dialog.ended_edit.value() is None
    dialog.url_field.line.clear()
    qtbot.keyClicks(dialog.url_field.line, "http://example.org/x")
    assert dialog.error_text("ended_on") == ""
    assert dialog.error_text("source_url") == ""
    assert dialog.save_button.isEnabled()


def test_value_and_currency_are_checked(qtbot, context, seed) -> None:
    dialog = show(qtbot, make_form(context, "partnership"))
    qtbot.keyClicks(dialog.name_edit, "Pilot")
    qtbot.keyClicks(dialog.partner_combo.lineEdit(), "S-001")
    qtbot.keyClicks(dialog.value_edit, "lots")
    assert dialog.error_text("value") == "Value must be a number"
    dialog.value_edit.clear()
    qtbot.keyClicks(dialog.value_edit, "5")
    qtbot.keyClicks(dialog.currency_edit, "1$")
    assert "Currency" in dialog.error_text("currency")
    assert not dialog.save_button.isEnabled()


def test_edit_a_partnership_and_undo_then_delete_and_undo(qtbot, context, seed) -> None:
    reg = context.register
    before = register_state(reg)
    dialog = show(qtbot, make_form(context, "partnership", seed.partnership))
    dialog.status_combo.setFocus()
    qtbot.keyClicks(dialog.status_combo, "h")  # Halted
    dialog.ended_edit.set_value(dt.date(2026, 6, 1))
    dialog.ended_edit.edited.emit()
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return, CTRL)
    assert not dialog.isVisible()
    after = record_values(reg, "partnership", seed.partnership)
    assert (after["status"], after["ended_on"]) == ("halted", "2026-06-01")

    undo.push(context, undo.DeleteRecordsCommand(context, "partnership", [seed.partnership]))
    assert "P-001" not in register_state(reg)
    # Events and risks that pointed at it lost the pointer...
    assert record_values(reg, "event", seed.event)["partnership"] is None
    assert record_values(reg, "risk", seed.risk)["partnerships"] == []
    context.undo_stack.undo()  # ...and get it back
    assert record_values(reg, "partnership", seed.partnership) == after
    assert record_values(reg, "event", seed.event)["partnership"] == "P-001"
    assert record_values(reg, "risk", seed.risk)["partnerships"] == ["P-001"]
    context.undo_stack.undo()  # the edit
    assert register_state(reg) == before
