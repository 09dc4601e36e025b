"""The record use cases behind forms and undo, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db import repository
from db.errors import ConflictError, NotFound, ValidationFailed
from desktop.services import records


def _state(register):
    out = {}
    with register.session() as session:
        for kind in repository.KINDS:
            table = repository.spec(kind).table
            for record in session.execute(select(table)).scalars():
                out[record.ref] = (
                    record.id,
                    record.version,
                    repository.values(session, kind, record),
                )
    return out


def test_create_update_conflict_overwrite(any_register) -> None:
    reg = any_register
    sid, ref = records.create_record(reg, "stakeholder", {"name": "Alliance"}, actor="ann")
    assert ref == "S-001"
    form = records.load_form_data(reg, "stakeholder", sid)
    assert (form.version, form.updated_by, form.values["name"]) == (1, "ann", "Alliance")
    v2 = records.update_record(
        reg, "stakeholder", sid, {"stance": 1}, actor="bob", expected_version=1
    )
    assert v2 > 1
    with pytest.raises(ConflictError) as caught:
        records.update_record(
            reg, "stakeholder", sid, {"stance": -1}, actor="ann", expected_version=1
        )
    assert caught.value.changed_by == "bob"
    v3 = records.overwrite_record(reg, "stakeholder", sid, {"stance": -1}, actor="ann")
    assert v3 > v2
    assert records.load_form_data(reg, "stakeholder", sid).values["stance"] == -1
    with pytest.raises(ValidationFailed):
        records.create_record(reg, "stakeholder", {"name": "ALLIANCE"}, actor="ann")
    with pytest.raises(NotFound):
        records.id_for_ref(reg, "stakeholder", "S-999")


def test_delete_and_restore_a_batch_exactly(any_register) -> None:
    reg = any_register
    sid, _ = records.create_record(reg, "stakeholder", {"name": "Researchers"}, actor="ann")
    rid, _ = records.create_record(
        reg, "risk", {"title": "Trust", "stakeholder_ids": [sid]}, actor="ann"
    )
    e1, _ = records.create_record(
        reg,
        "event",
        {"title": "Letter", "occurred_on": "2026-03-01", "stakeholder_id": sid, "risk_ids": [rid]},
        actor="ann",
    )
    e2, _ = records.create_record(
        reg,
        "event",
        {"title": "Reply", "occurred_on": "2026-03-02", "responds_to_id": e1},
        actor="ann",
    )
    e3, _ = records.create_record(
        reg,
        "event",
        {"title": "Reply to reply", "occurred_on": "2026-03-03", "responds_to_id": e2},
        actor="ann",
    )
    before = _state(reg)
    snaps = records.delete_records(reg, "event", [e1, e2, e3], actor="ann")
    assert [s["row"]["ref"] for s in snaps] == ["E-0001", "E-0002", "E-0003"]
    assert records.restore_records(reg, "event", snaps, actor="ann") == [e1, e2, e3]
    assert _state(reg) == before

    # Deleting a stakeholder detaches events and risks; restoring re-attaches them.
    snaps = records.delete_records(reg, "stakeholder", [sid], actor="ann")
    assert records.load_form_data(reg, "event", e1).values["stakeholder_id"] is None
    records.restore_records(reg, "stakeholder", snaps, actor="ann")
    assert _state(reg) == before


def test_restore_skips_links_to_records_deleted_since(any_register) -> None:
    reg = any_register
    rid, _ = records.create_record(reg, "risk", {"title": "Churn"}, actor="ann")
    eid, _ = records.create_record(
        reg,
        "event",
        {"title": "Cancellations", "occurred_on": "2026-03-01", "risk_ids": [rid]},
        actor="ann",
    )
    snaps = records.delete_records(reg, "event", [eid], actor="ann")
    records.delete_records(reg, "risk", [rid], actor="bob")
    (restored,) = records.restore_records(reg, "event", snaps, actor="ann")
    values = records.load_form_data(reg, "event", restored).values
    assert (values["title"], values["risk_ids"]) == ("Cancellations", [])
