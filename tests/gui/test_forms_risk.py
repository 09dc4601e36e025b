"""The risk form: live score and band, residual pairs, links, title rules."""

# Fixtures are imported from tests/gui/conftest_forms.py (kept apart from the main-window
# conftest), so their names are parameters too:
# ruff: noqa: F811

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop.briefing.palette import BAND_COLOURS
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


def test_score_and_band_follow_the_pickers_live(qtbot, context) -> None:
    dialog = show(qtbot, make_form(context, "risk"))
    chip = dialog.inherent.chip
    assert chip.text() == "Score 9  Medium"
    assert BAND_COLOURS["medium"] in chip.styleSheet()
    dialog.inherent.likelihood.setFocus()
    qtbot.keyClicks(dialog.inherent.likelihood, "5")
    dialog.inherent.impact.setFocus()
    qtbot.keyClicks(dialog.inherent.impact, "4")
    assert chip.text() == "Score 20  Critical"
    assert BAND_COLOURS["critical"] in chip.styleSheet()
    for _ in range(3):
        qtbot.keyClick(dialog.inherent.impact, Qt.Key.Key_Up)  # 4 -> 1
    assert chip.text() == "Score 5  Medium"
    dialog.inherent.likelihood.setFocus()
    for _ in range(4):
        qtbot.keyClick(dialog.inherent.likelihood, Qt.Key.Key_Up)  # 5 -> 1
    assert chip.text() == "Score 1  Low"
    assert BAND_COLOURS["low"] in chip.styleSheet()
    assert dialog.residual.chip.text() == "no score"


def test_short_title_and_half_filled_residual_are_refused(qtbot, context) -> None:
    dialog = show(qtbot, make_form(context, "risk"))
    qtbot.keyClicks(dialog.title_edit, "ab")
    assert dialog.error_text("title") == "Title must have at least 3 characters"
    dialog.residual.likelihood.setFocus()
    qtbot.keyClicks(dialog.residual.likelihood, "2")
    assert dialog.error_text("residual_impact") == "Residual likelihood and impact go together"
    assert dialog.error_label("residual_impact").isVisible()
    assert dialog.error_text("title")  # both shown together
    assert not dialog.save_button.isEnabled()
    dialog.residual.impact.setFocus()
    qtbot.keyClicks(dialog.residual.impact, "2")
    qtbot.keyClicks(dialog.title_edit, "c")
    assert dialog.error_text("residual_impact") == ""
    assert dialog.residual.chip.text() == "Score 4  Low"
    assert dialog.save_button.isEnabled()


def test_create_a_risk_with_links_and_residual_scores(qtbot, context, seed) -> None:
    dialog = show(qtbot, make_form(context, "risk"))
    qtbot.keyClicks(dialog.title_edit, "Customer cancellations")
    dialog.category_combo.setFocus()
    qtbot.keyClicks(dialog.category_combo, "co")  # Commercial
    qtbot.keyClicks(dialog.owner_edit, "Chief revenue officer")
    dialog.inherent.likelihood.setFocus()
    qtbot.keyClicks(dialog.inherent.likelihood, "4")
    dialog.residual.likelihood.setFocus()
    qtbot.keyClicks(dialog.residual.likelihood, "2")
    dialog.residual.impact.setFocus()
    qtbot.keyClicks(dialog.residual.impact, "3")
    picker = dialog.partnerships_picker
    qtbot.keyClicks(picker.filter, "pilot")
    qtbot.keyClick(picker.filter, Qt.Key.Key_Down)
    qtbot.keyClick(picker.list, Qt.Key.Key_Space)
    dialog.stakeholders_picker.set_checked(seed.critic)
    qtbot.keyClicks(dialog.mitigation_edit, "Publish the usage policy.")
    dialog.review_edit.set_value(__import__("datetime").date(2026, 12, 31))
    qtbot.keyClick(dialog.title_edit, Qt.Key.Key_Return, CTRL)

    assert not dialog.isVisible()
    values = record_values(context.register, "risk", dialog.saver.last_id)
    assert values["title"] == "Customer cancellations"
    assert values["category"] == "commercial"
    assert (values["likelihood"], values["impact"]) == (4, 3)
    assert (values["residual_likelihood"], values["residual_impact"]) == (2, 3)
    assert values["partnerships"] == ["P-001"]
    assert values["stakeholders"] == ["S-002"]
    assert values["mitigation"] == "Publish the usage policy."
    assert values["review_due"] == "2026-12-31"


def test_edit_links_and_undo(qtbot, context, seed) -> None:
    reg = context.register
    before = record_values(reg, "risk", seed.risk)
    dialog = show(qtbot, make_form(context, "risk", seed.risk))
    assert dialog.partnerships_picker.value() == [seed.partnership]
    dialog.partnerships_picker.set_checked(seed.partnership, False)
    dialog.stakeholders_picker.set_checked(seed.stakeholder)
    dialog.status_combo.setFocus()
    qtbot.keyClicks(dialog.status_combo, "m")  # Monitoring
    qtbot.keyClick(dialog.title_edit, Qt.Key.Key_Return, CTRL)
    after = record_values(reg, "risk", seed.risk)
    assert after["partnerships"] == []
    assert after["stakeholders"] == ["S-001", "S-002"]
    assert after["status"] == "monitoring"
    context.undo_stack.undo()
    assert record_values(reg, "risk", seed.risk) == before
    context.undo_stack.redo()
    assert record_values(reg, "risk", seed.risk) == after


def test_delete_risks_and_undo_restores_their_event_links(qtbot, context, seed) -> None:
    from desktop import undo
    from desktop.services import records

    reg = context.register
    other, _ = records.create_record(
        reg, "risk", {"title": "Staff departures", "category": "people"}, actor="a"
    )
    before = register_state(reg)
    undo.push(context, undo.DeleteRecordsCommand(context, "risk", [seed.risk, other]))
    assert record_values(reg, "event", seed.event)["risks"] == []
    assert context.undo_stack.undoText() == "Delete 2 risks"
    context.undo_stack.undo()
    assert register_state(reg) == before
    assert record_values(reg, "event", seed.event)["risks"] == ["R-001"]
