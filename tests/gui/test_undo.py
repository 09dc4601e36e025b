"""Undo and redo put the register back exactly; refs are never reused; failures are honest."""

# Fixtures are imported from tests/gui/conftest_forms.py (kept apart from the main-window
# conftest), so their names are parameters too:
# ruff: noqa: F811

from __future__ import annotations

from typing import Any

from db import repository
from desktop import undo
from desktop.services import records
from tests.gui.conftest_forms import (  # noqa: F401  (fixtures)
    context,
    other_user,
    prompts,
    record_values,
    register_state,
    seed,
    show,
    versions,
)


def _snapshot(register: Any, kind: str, record_id: int) -> dict[str, Any]:
    with register.session() as session:
        return repository.snapshot(session, kind, record_id)


def _changes(context: Any) -> list[int]:
    seen: list[int] = []
    context.data_changed.connect(lambda: seen.append(1))
    return seen


def test_create_undo_redo_restores_the_same_record_and_ref(context, seed) -> None:
    reg = context.register
    changed = _changes(context)
    start = register_state(reg)
    command = undo.CreateRecordCommand(
        context,
        "event",
        {
            "title": "Competitor dropped by agencies",
            "occurred_on": "2026-02-27",
            "risk_ids": [seed.risk],
            "responds_to_id": seed.event,
        },
    )
    context.undo_stack.push(command)  # pushed directly: performs on the first redo
    assert command.ref == "E-0002"
    created = _snapshot(reg, "event", command.record_id)
    after_create = register_state(reg)
    assert len(changed) == 1

    context.undo_stack.undo()
    assert register_state(reg) == start
    context.undo_stack.redo()
    assert _snapshot(reg, "event", command.record_id) == created  # same id, ref, times, version
    assert register_state(reg) == after_create
    assert len(changed) == 3

    # Undo again, then make something new: the deleted ref is not handed out again.
    context.undo_stack.undo()
    other = undo.CreateRecordCommand(
        context, "event", {"title": "Another event", "occurred_on": "2026-02-28"}
    )
    undo.push(context, other)
    assert other.ref == "E-0003"
    assert context.undo_stack.count() == 1  # the undone create left the history


def test_edit_undo_redo_is_exact(context, seed) -> None:
    reg = context.register
    before = record_values(reg, "risk", seed.risk)
    form = records.load_form_data(reg, "risk", seed.risk)
    command = undo.EditRecordCommand(
        context,
        "risk",
        seed.risk,
        {"likelihood": 4, "residual_likelihood": None, "residual_impact": None},
        {"likelihood": 2, "residual_likelihood": 1, "residual_impact": 2},
        form.version,
    )
    undo.push(context, command)
    after = record_values(reg, "risk", seed.risk)
    assert (after["likelihood"], after["residual_likelihood"], after["residual_impact"]) == (
        2,
        1,
        2,
    )
    context.undo_stack.undo()
    assert record_values(reg, "risk", seed.risk) == before
    context.undo_stack.redo()
    assert record_values(reg, "risk", seed.risk) == after


def test_multi_row_delete_is_one_step_and_undo_restores_exactly(context, seed) -> None:
    reg = context.register
    answer, _ = records.create_record(
        reg,
        "event",
        {
            "title": "Company clarifies",
            "occurred_on": "2026-03-04",
            "responds_to_id": seed.event,
            "risk_ids": [seed.risk],
        },
        actor="alice",
    )
    reply, _ = records.create_record(
        reg,
        "event",
        {"title": "Researchers reply", "occurred_on": "2026-03-05", "responds_to_id": answer},
        actor="alice",
    )
    ids = [seed.event, answer, reply]
    start = register_state(reg)
    snaps = {i: _snapshot(reg, "event", i) for i in ids}
    start_versions = versions(reg)

    command = undo.DeleteRecordsCommand(context, "event", ids)
    undo.push(context, command)
    assert context.undo_stack.count() == 1
    assert context.undo_stack.undoText() == "Delete 3 events"
    assert not any(ref.startswith("E-") for ref in register_state(reg))

    context.undo_stack.undo()
    assert register_state(reg) == start
    assert versions(reg) == start_versions
    for i in ids:  # responds-to chains, risk links, times and versions all back
        assert _snapshot(reg, "event", i)["row"] == snaps[i]["row"]

    context.undo_stack.redo()
    assert not any(ref.startswith("E-") for ref in register_state(reg))
    context.undo_stack.undo()
    assert register_state(reg) == start


def test_undo_of_an_edit_over_someone_elses_later_change_asks_first(
    context, seed, other_user, prompts
) -> None:
    reg = context.register
    undo.push(
        context,
        undo.EditRecordCommand(
            context, "stakeholder", seed.critic, {"stance": -1}, {"stance": 1}, 1
        ),
    )
    current = records.load_form_data(reg, "stakeholder", seed.critic)
    records.update_record(
        other_user,
        "stakeholder",
        seed.critic,
        {"stance": 2, "interest": 5},
        actor="bob",
        expected_version=current.version,
    )
    theirs = record_values(reg, "stakeholder", seed.critic)

    prompts.confirm_answer = False
    context.undo_stack.undo()
    assert len(prompts.confirms) == 1
    assert "changed by bob" in prompts.confirms[0][1]
    assert record_values(reg, "stakeholder", seed.critic) == theirs  # left as it is
    assert context.undo_stack.count() == 0  # the step left the history: no false state
    assert prompts.errors == []  # cancelling is not an error


def test_undo_of_an_edit_can_overwrite_when_the_user_says_so(
    context, seed, other_user, prompts
) -> None:
    reg = context.register
    undo.push(
        context,
        undo.EditRecordCommand(
            context, "stakeholder", seed.critic, {"stance": -1}, {"stance": 1}, 1
        ),
    )
    current = records.load_form_data(reg, "stakeholder", seed.critic)
    records.update_record(
        other_user,
        "stakeholder",
        seed.critic,
        {"stance": 2, "interest": 5},
        actor="bob",
        expected_version=current.version,
    )
    prompts.confirm_answer = True
    context.undo_stack.undo()
    values = record_values(reg, "stakeholder", seed.critic)
    assert values["stance"] == -1  # my edit undone
    assert values["interest"] == 5  # bob's change to another field kept
    assert context.undo_stack.canRedo()


def test_undo_of_a_create_after_someone_edited_it_asks_first(
    context, seed, other_user, prompts
) -> None:
    reg = context.register
    command = undo.CreateRecordCommand(context, "stakeholder", {"name": "Journalists"})
    undo.push(context, command)
    records.update_record(
        other_user,
        "stakeholder",
        command.record_id,
        {"stance": -2},
        actor="bob",
        expected_version=1,
    )
    prompts.confirm_answer = False
    context.undo_stack.undo()
    assert len(prompts.confirms) == 1
    assert record_values(reg, "stakeholder", command.record_id)["stance"] == -2
    assert context.undo_stack.count() == 0


def test_redo_that_cannot_be_done_is_reported_and_dropped(
    context, seed, other_user, prompts
) -> None:
    reg = context.register
    command = undo.CreateRecordCommand(context, "stakeholder", {"name": "Investors"})
    undo.push(context, command)
    context.undo_stack.undo()
    records.create_record(
        other_user, "stakeholder", {"name": "INVESTORS"}, actor="bob"
    )  # name taken meanwhile
    before = register_state(reg)
    context.undo_stack.redo()
    assert len(prompts.errors) == 1
    assert "already has this name" in prompts.errors[0][1]
    assert register_state(reg) == before
    assert context.undo_stack.count() == 0
    assert not context.undo_stack.canRedo()


def test_undo_of_an_edit_to_a_deleted_record_is_reported(
    context, seed, other_user, prompts
) -> None:
    undo.push(
        context,
        undo.EditRecordCommand(context, "risk", seed.risk, {"owner": None}, {"owner": "Ann"}, 1),
    )
    records.delete_records(other_user, "risk", [seed.risk], actor="bob")
    context.undo_stack.undo()
    assert len(prompts.errors) == 1
    assert "no longer exists" in prompts.errors[0][1]
    assert context.undo_stack.count() == 0


def test_move_stakeholder_on_the_map(context, seed) -> None:
    reg = context.register
    before = record_values(reg, "stakeholder", seed.critic)
    changed = _changes(context)
    context.undo_stack.push(undo.MoveStakeholderCommand(context, seed.critic, 5, 2))
    moved = record_values(reg, "stakeholder", seed.critic)
    assert (moved["influence"], moved["interest"]) == (5, 2)
    assert context.undo_stack.undoText() == "Move S-002 to influence 5, interest 2"
    context.undo_stack.undo()
    assert record_values(reg, "stakeholder", seed.critic) == before
    context.undo_stack.redo()
    assert record_values(reg, "stakeholder", seed.critic) == moved
    assert len(changed) == 3


def test_forms_push_commands_and_every_step_notifies_views(qtbot, context, seed) -> None:
    from PySide6.QtCore import Qt

    from desktop.dialogs.forms import make_form

    changed = _changes(context)
    dialog = show(qtbot, make_form(context, "stakeholder"))
    qtbot.keyClicks(dialog.name_edit, "Employees")
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert context.undo_stack.count() == 1
    assert isinstance(context.undo_stack.command(0), undo.CreateRecordCommand)
    context.undo_stack.undo()
    context.undo_stack.redo()
    assert len(changed) == 3


def test_redo_after_sqlite_reused_the_id_restores_the_ref_and_later_edits_follow_it(
    context, seed, other_user, prompts
) -> None:
    reg = context.register
    create = undo.CreateRecordCommand(
        context, "stakeholder", {"name": "Regulators", "kind": "regulator"}
    )
    undo.push(context, create)
    old_id = create.record_id
    edit = undo.EditRecordCommand(context, "stakeholder", old_id, {"stance": 0}, {"stance": -1}, 1)
    undo.push(context, edit)
    context.undo_stack.undo()
    context.undo_stack.undo()
    # Another user's new stakeholder is given the freed id by SQLite.
    newcomer, newcomer_ref = records.create_record(
        other_user, "stakeholder", {"name": "Unions"}, actor="bob"
    )
    assert newcomer == old_id and newcomer_ref == "S-004"
    untouched = record_values(reg, "stakeholder", newcomer)

    context.undo_stack.redo()
    context.undo_stack.redo()
    assert prompts.errors == []
    assert create.ref == "S-003" and create.record_id != old_id
    restored = record_values(reg, "stakeholder", create.record_id)
    assert (restored["name"], restored["stance"]) == ("Regulators", -1)  # the edit followed the ref
    assert record_values(reg, "stakeholder", newcomer) == untouched  # bob's record untouched
