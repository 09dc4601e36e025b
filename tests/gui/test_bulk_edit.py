"""Bulk edit: one field of several risks or events in one undoable step (issue 16.4)."""

# Fixtures are imported from tests/gui/conftest_forms.py, so their names are parameters too:
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from PySide6.QtWidgets import QDialog
from sqlalchemy import func, select

from db.models import AuditEntry
from desktop.dialogs import bulk_edit_dialog
from desktop.dialogs.bulk_edit_dialog import BulkEditDialog, bulk_edit_records
from desktop.services import bulk_edit
from desktop.services import records as r
from tests.gui.conftest_forms import (  # noqa: F401  (fixtures)
    Prompts,
    Seed,
    context,
    other_user,
    prompts,
    record_values,
    register_state,
    seed,
    versions,
)


def _risks(context: Any, seed: Seed) -> list[int]:
    ids = [seed.risk]
    for title in ("Second risk", "Third risk"):
        rid, _ = r.create_record(
            context.register, "risk", {"title": title, "likelihood": 2, "impact": 3}, actor="alice"
        )
        ids.append(rid)
    return ids


def _owners_set_to_comms(context: Any, seed: Seed) -> list[int]:
    """Three risks whose owner one bulk step set to "Comms"; their ids."""
    ids = _risks(context, seed)
    chosen = bulk_edit.targets(context.register, "risk", ids)
    assert bulk_edit_records(context, "risk", chosen, "owner", bulk_edit.set_to("Comms"), "owner")
    return ids


def _audit_count(register: Any) -> int:
    with register.session() as session:
        return int(session.execute(select(func.count()).select_from(AuditEntry)).scalar() or 0)


def _updates_by(register: Any, actor: str) -> list[tuple[str, str]]:
    with register.session() as session:
        rows = session.execute(
            select(AuditEntry.entity_ref, AuditEntry.changes).where(
                AuditEntry.actor_name == actor, AuditEntry.action == "update"
            )
        ).all()
    return [(ref, changes) for ref, changes in rows]


def test_bulk_edit_of_three_risks_then_undo_restores_every_record(context: Any, seed: Seed) -> None:
    ids = _risks(context, seed)
    r.update_record(
        context.register, "risk", ids[2], {"owner": "Legal"}, actor="alice", expected_version=1
    )
    before_state = register_state(context.register)
    before_versions = versions(context.register)
    chosen = bulk_edit.targets(context.register, "risk", ids)
    assert [t.ref for t in chosen] == ["R-001", "R-002", "R-003"]

    command = bulk_edit_records(
        context, "risk", chosen, "owner", bulk_edit.set_to("Comms"), "owner"
    )
    assert command is not None and context.undo_stack.count() == 1
    assert command.text() == "Set owner of 3 risks"
    for rid in ids:
        assert record_values(context.register, "risk", rid)["owner"] == "Comms"
    after_versions = versions(context.register)
    assert all(
        after_versions[ref] == before_versions[ref] + 1 for ref in ("R-001", "R-002", "R-003")
    )
    entries = _updates_by(context.register, "tester")
    assert sorted(ref for ref, _ in entries) == ["R-001", "R-002", "R-003"]  # one per record
    assert ("R-003", '{"owner":["Legal","Comms"]}') in entries

    context.undo_stack.undo()
    # every record's values as before; versions move on (an undo is a write, as for one edit)
    assert register_state(context.register) == before_state
    undone = versions(context.register)
    assert all(undone[ref] == before_versions[ref] + 2 for ref in ("R-001", "R-002", "R-003"))
    assert record_values(context.register, "risk", ids[2])["owner"] == "Legal"
    assert record_values(context.register, "risk", ids[0])["owner"] is None
    context.undo_stack.redo()
    assert {record_values(context.register, "risk", i)["owner"] for i in ids} == {"Comms"}
    assert len(_updates_by(context.register, "tester")) == 9  # do, undo, redo: 3 each


def test_undo_gives_each_record_its_own_value_back(context: Any, seed: Seed) -> None:
    ids = _risks(context, seed)
    before = register_state(context.register)
    chosen = bulk_edit.targets(context.register, "risk", ids)
    due = dt.date(2027, 1, 15)
    for field, value in (
        ("status", "monitoring"),
        ("review_due", due),
        ("classification", "RESTRICTED"),
    ):
        chosen = bulk_edit.targets(context.register, "risk", ids)
        assert bulk_edit_records(context, "risk", chosen, field, bulk_edit.set_to(value), field)
        assert {str(record_values(context.register, "risk", i)[field]) for i in ids} == {str(value)}
    assert context.undo_stack.count() == 3
    for _ in range(3):
        context.undo_stack.undo()
    assert register_state(context.register) == before


def test_bulk_edit_is_refused_as_a_whole_if_one_record_changed_underneath(
    context: Any, seed: Seed, other_user: Any, prompts: Prompts
) -> None:
    ids = _risks(context, seed)
    chosen = bulk_edit.targets(context.register, "risk", ids)  # what the user selected
    r.update_record(other_user, "risk", ids[1], {"impact": 5}, actor="bob", expected_version=1)
    before = register_state(context.register)
    entries = _audit_count(context.register)

    prompts.confirm_answer = False  # "Cancel" when asked to go over bob's change
    assert (
        bulk_edit_records(context, "risk", chosen, "owner", bulk_edit.set_to("Comms"), "owner")
        is None
    )
    assert register_state(context.register) == before  # not one record changed
    assert _audit_count(context.register) == entries
    assert context.undo_stack.count() == 0
    assert len(prompts.confirms) == 1 and "R-002" in prompts.confirms[0][1]

    prompts.confirm_answer = True  # this time, "Set anyway"
    assert bulk_edit_records(context, "risk", chosen, "owner", bulk_edit.set_to("Comms"), "owner")
    assert {record_values(context.register, "risk", i)["owner"] for i in ids} == {"Comms"}
    assert record_values(context.register, "risk", ids[1])["impact"] == 5  # bob's change kept
    context.undo_stack.undo()
    assert {record_values(context.register, "risk", i)["owner"] for i in ids} == {None}


def test_undo_over_a_later_change_asks_first(
    context: Any, seed: Seed, other_user: Any, prompts: Prompts
) -> None:
    ids = _owners_set_to_comms(context, seed)
    r.update_record(other_user, "risk", ids[0], {"owner": "Bob"}, actor="bob", expected_version=2)
    prompts.confirm_answer = False
    context.undo_stack.undo()
    assert len(prompts.confirms) == 1 and "R-001" in prompts.confirms[0][1]
    owners = [record_values(context.register, "risk", i)["owner"] for i in ids]
    assert owners == ["Bob", "Comms", "Comms"]  # nothing put back: all or none
    assert context.undo_stack.count() == 0  # the step was dropped, not left lying


def test_undo_keeps_a_later_change_to_other_fields(
    context: Any, seed: Seed, other_user: Any, prompts: Prompts
) -> None:
    ids = _owners_set_to_comms(context, seed)
    r.update_record(other_user, "risk", ids[0], {"impact": 1}, actor="bob", expected_version=2)
    context.undo_stack.undo()
    assert prompts.confirms == []
    assert [record_values(context.register, "risk", i)["owner"] for i in ids] == [None] * 3
    assert record_values(context.register, "risk", ids[0])["impact"] == 1


def test_link_several_events_to_a_risk_and_undo(context: Any, seed: Seed) -> None:
    second, _ = r.create_record(
        context.register,
        "event",
        {"title": "Another event", "occurred_on": dt.date(2026, 3, 5)},
        actor="alice",
    )
    other_risk, _ = r.create_record(
        context.register,
        "risk",
        {"title": "Another risk", "likelihood": 1, "impact": 1},
        actor="alice",
    )
    chosen = bulk_edit.targets(context.register, "event", [seed.event, second])
    assert bulk_edit_records(
        context, "event", chosen, "risk_ids", bulk_edit.add_link(other_risk), "a risk link"
    )
    assert record_values(context.register, "event", seed.event)["risks"] == ["R-001", "R-002"]
    assert record_values(context.register, "event", second)["risks"] == ["R-002"]
    context.undo_stack.undo()
    assert record_values(context.register, "event", seed.event)["risks"] == ["R-001"]
    assert record_values(context.register, "event", second)["risks"] == []


def test_records_already_holding_the_value_are_left_alone(context: Any, seed: Seed) -> None:
    ids = _risks(context, seed)
    r.update_record(
        context.register, "risk", ids[0], {"owner": "Comms"}, actor="alice", expected_version=1
    )
    chosen = bulk_edit.targets(context.register, "risk", ids)
    command = bulk_edit_records(
        context, "risk", chosen, "owner", bulk_edit.set_to("Comms"), "owner"
    )
    assert command is not None and command.refs == ["R-002", "R-003"]
    assert versions(context.register)["R-001"] == 2


def test_the_dialog_offers_the_fields_of_each_kind(qtbot: Any, context: Any, seed: Seed) -> None:
    picks = r.choices(context.register)
    risk_dialog = BulkEditDialog("risk", 3, picks.for_kind("risk"))
    qtbot.addWidget(risk_dialog)
    offered = [risk_dialog.field_combo.itemText(i) for i in range(risk_dialog.field_combo.count())]
    assert offered == ["Owner", "Status", "Review due", "Classification"]
    risk_dialog.set_field("owner")
    risk_dialog.editors["owner"].setText("  Security  ")
    field, new_value, label = risk_dialog.choice()
    assert (field, new_value("R-001", None), label) == ("owner", "Security", "owner")

    event_dialog = BulkEditDialog("event", 2, picks.for_kind("risk"))
    qtbot.addWidget(event_dialog)
    event_dialog.set_field("risk_ids")
    chooser = event_dialog.editors["risk_ids"]
    chooser.filter.setText("R-001")
    assert chooser.list.count() == 1
    field, new_value, _label = event_dialog.choice()
    assert field == "risk_ids" and new_value("E-0001", [7]) == sorted({7, seed.risk})


def test_register_menu_sets_a_field_of_the_selection(
    qtbot: Any, context: Any, seed: Seed, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop.views.register_view import RegisterView

    ids = _risks(context, seed)
    view = RegisterView(context, "risk")
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.model.rowCount() == 3, timeout=10_000)
    view.table.selectAll()
    assert sorted(view.selected_ids()) == sorted(ids)

    def answer(dialog: BulkEditDialog) -> int:
        dialog.set_field("status")
        dialog.editors["status"].set_value("closed")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(BulkEditDialog, "exec", answer)
    view.bulk_edit_selected()
    assert {str(record_values(context.register, "risk", i)["status"]) for i in ids} == {"closed"}
    assert context.undo_stack.count() == 1
    assert bulk_edit_dialog.BULK_FIELDS["event"][-1].name == "risk_ids"
