"""R7: the data layer behaves the same on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from db import audit, repository
from db.errors import ValidationFailed
from db.models import EventCreate, PartnershipCreate, RiskCreate, StakeholderCreate

TODAY = dt.date.today()


def _seed(reg):  # type: ignore[no-untyped-def]
    with reg.write() as s:
        st = repository.create(s, "stakeholder", StakeholderCreate(name="Defence Ministry"), actor="ana")
        p = repository.create(
            s, "partnership", PartnershipCreate(name="Frontier deal", partner_id=st.id), actor="ana"
        )
        r = repository.create(
            s, "risk",
            RiskCreate(title="Staff backlash", likelihood=3, impact=4, partnership_ids=[p.id],
                       stakeholder_ids=[st.id]),
            actor="ana",
        )
        e = repository.create(
            s, "event",
            EventCreate(title="Open letter", occurred_on=TODAY, stakeholder_id=st.id,
                        partnership_id=p.id, risk_ids=[r.id], severity=4),
            actor="ana",
        )
    return st.id, p.id, r.id, e.id


def test_create_update_delete_restore(any_register):
    st_id, p_id, r_id, e_id = _seed(any_register)
    with any_register.session() as s:
        assert repository.counts(s) == {"stakeholder": 1, "partnership": 1, "risk": 1, "event": 1}
        event = repository.get(s, "event", e_id)
        assert event.ref == "E-0001" and event.version == 1
        assert repository.values(s, "event", event)["risks"] == ["R-001"]
    with any_register.write() as s:
        risk = repository.update(s, "risk", r_id, {"impact": 5, "owner": "Bea"}, actor="bea",
                                 expected_version=1)
        assert risk.version == 2
    with any_register.write() as s:
        snap = repository.delete(s, "event", e_id, actor="bea", expected_version=1)
    with any_register.session() as s:
        assert repository.count(s, "event") == 0
    with any_register.write() as s:
        back = repository.restore(s, "event", snap, actor="bea")
    with any_register.session() as s:
        back = repository.get(s, "event", e_id)
        assert back.ref == "E-0001"
        assert repository.values(s, "event", back)["risks"] == ["R-001"]
        assert repository.values(s, "event", back)["partnership"] == "P-001"
        actions = [(e.entity_ref, e.action) for e in audit.history(s)]
        assert actions == [
            ("S-001", "create"), ("P-001", "create"), ("R-001", "create"), ("E-0001", "create"),
            ("R-001", "update"), ("E-0001", "delete"), ("E-0001", "restore"),
        ]
        changes = audit.parse_changes(audit.history(s, ref="R-001")[-1])
        assert changes == {"impact": [4, 5], "owner": [None, "Bea"]}
        assert audit.verify_chain(s) == []


def test_refs_never_reused_and_claimed_refs_move_counter(any_register):
    with any_register.write() as s:
        a = repository.create(s, "stakeholder", StakeholderCreate(name="A"), actor="x")
        b = repository.create(s, "stakeholder", StakeholderCreate(name="B"), actor="x")
    with any_register.write() as s:
        repository.delete(s, "stakeholder", b.id, actor="x")
    with any_register.write() as s:
        c = repository.create(s, "stakeholder", StakeholderCreate(name="C"), actor="x")
        d = repository.create(s, "stakeholder", StakeholderCreate(name="D"), actor="x", ref="S-040")
        e = repository.create(s, "stakeholder", StakeholderCreate(name="E"), actor="x")
    assert [a.ref, b.ref, c.ref, d.ref, e.ref] == ["S-001", "S-002", "S-003", "S-040", "S-041"]


def test_unique_name_ignores_case_on_both_backends(any_register):
    with any_register.write() as s:
        repository.create(s, "stakeholder", StakeholderCreate(name="Reuters"), actor="x")
    with pytest.raises(ValidationFailed, match="already has this name"):
        with any_register.write() as s:
            repository.create(s, "stakeholder", StakeholderCreate(name="REUTERS"), actor="x")
    with any_register.session() as s:
        assert repository.count(s, "stakeholder") == 1


def test_failed_write_rolls_back_everything(any_register):
    with pytest.raises(ValidationFailed):
        with any_register.write() as s:
            repository.create(s, "stakeholder", StakeholderCreate(name="Kept?"), actor="x")
            repository.create(s, "event", {"title": "x", "occurred_on": TODAY}, actor="x")
    with any_register.session() as s:
        assert repository.counts(s)["stakeholder"] == 0
        assert audit.history(s) == []
        assert audit.change_counter(s) == 0


def test_audit_chain_detects_edit_on_both_backends(any_register):
    _seed(any_register)
    with any_register.session() as s:
        assert audit.verify_chain(s) == []
    with any_register.engine.begin() as conn:
        conn.execute(text("UPDATE audit_entry SET actor = 'mallory' WHERE id = 2"))
    with any_register.session() as s:
        problems = audit.verify_chain(s)
    assert [p.position for p in problems] == [2]
    assert "changed" in problems[0].message


def test_change_counter_grows_with_every_write(any_register):
    with any_register.session() as s:
        start = audit.change_counter(s)
    _seed(any_register)
    with any_register.session() as s:
        assert audit.change_counter(s) == start + 4
