"""The event form: keyboard-only logging, validation, Save and new, pickers, edit and delete."""

# Fixtures are imported from tests/gui/conftest_forms.py (kept apart from the main-window
# conftest), so their names are parameters too:
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt
from sqlalchemy import select

from db import repository
from desktop.dialogs.forms import make_form
from desktop.services import records
from tests.gui.conftest_forms import (  # noqa: F401  (fixtures)
    context,
    other_user,
    prompts,
    record_values,
    register_state,
    seed,
    show,
)

CTRL = Qt.KeyboardModifier.ControlModifier


def _events(register: Any) -> list[Any]:
    table: Any = repository.spec("event").table
    with register.session() as session:
        return list(session.execute(select(table).order_by(table.id)).scalars())


def test_logging_an_event_from_the_keyboard_alone(qtbot, context, seed) -> None:
    dialog = show(qtbot, make_form(context, "event"))
    assert dialog.focusWidget() is dialog.title_edit  # the cursor starts in the title
    qtbot.keyClicks(dialog.focusWidget(), "Customers cancel subscriptions")
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)  # -> date (today already)
    assert dialog.focusWidget() is dialog.date_edit.edit
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)  # -> kind
    assert dialog.focusWidget() is dialog.kind_combo
    qtbot.keyClicks(dialog.focusWidget(), "cu")  # type-ahead: Customer action
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)  # -> channel
    qtbot.keyClicks(dialog.focusWidget(), "so")  # Social media
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)  # -> severity
    qtbot.keyClicks(dialog.focusWidget(), "4")
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Return, CTRL)

    assert not dialog.isVisible(), (
        dialog.focusWidget(),
        dialog._errors,
        dialog.general_error.text(),
    )
    saved = _events(context.register)[-1]
    assert saved.title == "Customers cancel subscriptions"
    assert saved.occurred_on == dt.date.today()
    assert saved.kind == "customer_action"
    assert saved.channel == "social_media"
    assert saved.severity == 4
    assert saved.created_by == "tester"
    assert context.undo_stack.count() == 1
    assert dialog.saver.last_id == saved.id


def test_part_of_a_name_and_tab_picks_the_one_stakeholder_it_matches(qtbot, context, seed) -> None:
    dialog = show(qtbot, make_form(context, "event"))
    qtbot.keyClicks(dialog.title_edit, "Researchers object again")
    combo = dialog.stakeholder_combo
    combo.setFocus()
    qtbot.keyClicks(combo.lineEdit(), "ai res")  # only "AI researchers" contains it
    qtbot.keyClick(combo.lineEdit(), Qt.Key.Key_Tab)
    assert combo.value() == seed.critic
    assert not dialog.error_text("stakeholder_id")
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Return, CTRL)
    assert not dialog.isVisible()
    assert _events(context.register)[-1].stakeholder_id == seed.critic


def test_text_that_several_records_contain_is_not_guessed(qtbot, context, seed) -> None:
    dialog = show(qtbot, make_form(context, "event"))
    combo = dialog.stakeholder_combo
    combo.setFocus()
    qtbot.keyClicks(combo.lineEdit(), "a")  # both stakeholders contain an "a"
    qtbot.keyClick(combo.lineEdit(), Qt.Key.Key_Tab)
    assert combo.currentText() == "a"
    assert dialog.error_text("stakeholder_id")


def test_future_date_and_short_title_are_refused_next_to_the_fields(qtbot, context) -> None:
    dialog = show(qtbot, make_form(context, "event"))
    qtbot.keyClicks(dialog.title_edit, "ab")
    assert dialog.error_text("title") == "Title must have at least 3 characters"
    assert not dialog.save_button.isEnabled()
    assert not dialog.save_new_button.isEnabled()

    date = dialog.date_edit.edit
    date.setFocus()
    date.setSelectedSection(date.Section.YearSection)
    qtbot.keyClick(date, Qt.Key.Key_Up)  # a year from now
    assert dialog.error_text("occurred_on") == "Date must not be later than tomorrow"
    assert dialog.error_text("title")  # both messages at once
    assert dialog.error_label("occurred_on").isVisible()

    qtbot.keyClick(date, Qt.Key.Key_Down)
    qtbot.keyClicks(dialog.title_edit, "c")
    assert dialog.error_text("occurred_on") == ""
    assert dialog.error_text("title") == ""
    assert dialog.save_button.isEnabled()

    # Ctrl+Return on an invalid form saves nothing and shows every message.
    dialog.title_edit.clear()
    qtbot.keyClick(dialog.title_edit, Qt.Key.Key_Return, CTRL)
    assert dialog.isVisible()
    assert dialog.error_text("title") == "Title is required"
    assert _events(context.register) == []


def test_save_and_new_keeps_date_and_stakeholder(qtbot, context, seed) -> None:
    dialog = show(qtbot, make_form(context, "event"))
    qtbot.keyClicks(dialog.title_edit, "Researchers sign open letter")
    dialog.date_edit.set_value(dt.date(2026, 3, 4))
    qtbot.keyClicks(dialog.stakeholder_combo.lineEdit(), "S-002")
    qtbot.keyClicks(dialog.summary_edit, "Hundreds of signatures.")
    qtbot.keyClick(dialog.title_edit, Qt.Key.Key_Return, CTRL | Qt.KeyboardModifier.ShiftModifier)

    assert dialog.isVisible()  # ready for the next one
    first = _events(context.register)[-1]
    assert (first.title, first.stakeholder_id, first.summary) == (
        "Researchers sign open letter",
        seed.critic,
        "Hundreds of signatures.",
    )
    assert dialog.status.text() == f"Saved {first.ref}."
    assert dialog.title_edit.text() == ""
    assert dialog.summary_edit.toPlainText() == ""
    assert dialog.date_edit.value() == dt.date(2026, 3, 4)
    assert dialog.stakeholder_combo.value() == seed.critic
    assert dialog.focusWidget() is dialog.title_edit
    assert dialog.error_text("title") == ""  # a fresh form does not scold

    qtbot.keyClicks(dialog.title_edit, "Second letter")
    qtbot.keyClick(dialog.title_edit, Qt.Key.Key_Return, CTRL)
    assert not dialog.isVisible()
    second = _events(context.register)[-1]
    assert (second.title, second.occurred_on, second.stakeholder_id) == (
        "Second letter",
        dt.date(2026, 3, 4),
        seed.critic,
    )
    assert context.undo_stack.count() == 2
    assert dialog.saver.saved_ids == [first.id, second.id]


def test_unknown_stakeholder_text_is_an_error_not_a_silent_blank(qtbot, context, seed) -> None:
    dialog = show(qtbot, make_form(context, "event"))
    qtbot.keyClicks(dialog.title_edit, "Something happened")
    qtbot.keyClicks(dialog.stakeholder_combo.lineEdit(), "Nobody we know")
    assert dialog.error_text("stakeholder_id") == "Stakeholder must be a stakeholder from the list"
    assert not dialog.save_button.isEnabled()


def test_edit_links_risks_and_responds_to_through_searchable_pickers(qtbot, context, seed) -> None:
    reg = context.register
    # Many events: the responds-to picker searches the register instead of loading them all.
    with reg.write() as session:
        for n in range(300):
            repository.create(
                session,
                "event",
                {"title": f"Filler event {n:03d}", "occurred_on": "2025-01-01"},
                actor="x",
            )
    rid2, _ = records.create_record(
        reg, "risk", {"title": "Customer churn", "category": "commercial"}, actor="x"
    )
    statement, _ = records.create_record(
        reg,
        "event",
        {
            "title": "Company clarifies its position",
            "occurred_on": "2026-03-05",
            "kind": "statement",
        },
        actor="x",
    )
    dialog = show(qtbot, make_form(context, "event", statement))
    assert dialog.form.ref == "E-0302"
    combo = dialog.responds_combo
    assert combo.findData(seed.event) >= 0 or combo.count() <= 201  # at most 200 preloaded
    qtbot.keyClicks(combo.lineEdit(), "E-0001")
    qtbot.waitUntil(lambda: combo.findData(seed.event) >= 0, timeout=2000)
    assert combo.value() == seed.event

    picker = dialog.risks_picker
    qtbot.keyClicks(picker.filter, "churn")
    qtbot.waitUntil(lambda: picker.list.count() == 1)
    picker.list.setFocus()
    picker.list.setCurrentRow(0)
    qtbot.keyClick(picker.list, Qt.Key.Key_Space)
    assert picker.value() == [rid2]
    assert "R-002" in picker.summary.text()

    qtbot.keyClick(dialog.title_edit, Qt.Key.Key_Return, CTRL)
    assert not dialog.isVisible()
    values = record_values(reg, "event", statement)
    assert values["responds_to"] == "E-0001"
    assert values["risks"] == ["R-002"]


def test_bad_url_is_refused_and_open_only_on_click(qtbot, context, monkeypatch) -> None:
    opened: list[str] = []
    from PySide6.QtGui import QDesktopServices

    monkeypatch.setattr(
        QDesktopServices, "openUrl", lambda url: opened.append(url.toString()) or True
    )
    dialog = show(qtbot, make_form(context, "event"))
    qtbot.keyClicks(dialog.title_edit, "A report")
    field = dialog.url_field
    qtbot.keyClicks(field.line, "javascript:alert(1)")
    assert dialog.error_text("source_url") == "Source URL must be an http:// or https:// address"
    assert not field.open_button.isEnabled()
    assert not dialog.save_button.isEnabled()
    field.line.clear()
    qtbot.keyClicks(field.line, "https://example.org/report")
    assert dialog.error_text("source_url") == ""
    assert opened == []  # typing never opens anything
    qtbot.mouseClick(field.open_button, Qt.MouseButton.LeftButton)
    assert opened == ["https://example.org/report"]


def test_delete_an_event_and_undo(qtbot, context, seed) -> None:
    from desktop import undo

    before = register_state(context.register)
    undo.push(context, undo.DeleteRecordsCommand(context, "event", [seed.event]))
    assert "E-0001" not in register_state(context.register)
    context.undo_stack.undo()
    assert register_state(context.register) == before


def test_return_saves_shows_errors_when_invalid_and_ticks_in_link_lists(
    qtbot, context, seed
) -> None:
    dialog = show(qtbot, make_form(context, "event"))
    qtbot.keyClick(dialog.title_edit, Qt.Key.Key_Return)  # nothing typed yet
    assert dialog.isVisible()
    assert dialog.error_text("title") == "Title is required"
    qtbot.keyClicks(dialog.title_edit, "Letter published")
    picker = dialog.risks_picker
    picker.filter.setFocus()
    qtbot.keyClick(picker.filter, Qt.Key.Key_Down)
    qtbot.keyClick(picker.list, Qt.Key.Key_Return)  # ticks, does not save
    assert dialog.isVisible()
    assert picker.value() == [seed.risk]
    qtbot.keyClick(dialog.title_edit, Qt.Key.Key_Return)
    assert not dialog.isVisible()
    assert record_values(context.register, "event", dialog.saver.last_id)["risks"] == ["R-001"]


def test_save_and_new_does_not_carry_the_risk_links_into_the_next_event(
    qtbot, context, seed
) -> None:
    dialog = show(qtbot, make_form(context, "event"))
    qtbot.keyClicks(dialog.title_edit, "Board member resigns in protest")
    dialog.risks_picker.set_value([seed.risk])
    assert dialog.risks_picker.value() == [seed.risk]
    qtbot.keyClick(dialog.title_edit, Qt.Key.Key_Return, CTRL | Qt.KeyboardModifier.ShiftModifier)

    first = _events(context.register)[-1]
    assert record_values(context.register, "event", first.id)["risks"] != []
    assert dialog.isVisible() and dialog.title_edit.text() == ""
    assert dialog.risks_picker.value() == []  # the next event starts without links
    qtbot.keyClicks(dialog.title_edit, "Unrelated letter")
    qtbot.keyClick(dialog.title_edit, Qt.Key.Key_Return, CTRL)
    second = _events(context.register)[-1]
    assert record_values(context.register, "event", second.id)["risks"] == []


def test_save_and_new_keeps_a_risk_the_form_was_opened_for(qtbot, context, seed) -> None:
    dialog = show(qtbot, make_form(context, "event", defaults={"risk_ids": [seed.risk]}))
    qtbot.keyClicks(dialog.title_edit, "First reaction")
    qtbot.keyClick(dialog.title_edit, Qt.Key.Key_Return, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert dialog.risks_picker.value() == [seed.risk]  # the opener's choice, not a carry-over
