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
        st = repository.create(
            s, "stakeholder", StakeholderCreate(name="Defence Ministry"), actor="ana"
        )
        p = repository.create(
            s, "partnership", PartnershipCreate(name="Frontier deal", partner_id=st.id), actor="ana"
        )
        r = repository.create(
            s,
            "risk",
            RiskCreate(
                title="Staff backlash",
                likelihood=3,
                impact=4,
                partnership_ids=[p.id],
                stakeholder_ids=[st.id],
            ),
            actor="ana",
        )
        e = repository.create(
            s,
            "event",
            EventCreate(
                title="Open letter",
                occurred_on=TODAY,
                stakeholder_id=st.id,
                partnership_id=p.id,
                risk_ids=[r.id],
                severity=4,
            ),
            actor="ana",
        )
    return st.id, p.id, r.id, e.id


def test_create_update_delete_restore(any_register):
    st_id, p_id, r_id, e_id = _seed(any_register)
    with any_register.session() as s:
        assert repository.counts(s) == {
            "stakeholder": 1,
            "partnership": 1,
            "risk": 1,
            "event": 1,
            "action": 0,
        }
        event = repository.get(s, "event", e_id)
        assert event.ref == "E-0001" and event.version == 1
        assert repository.values(s, "event", event)["risks"] == ["R-001"]
    with any_register.write() as s:
        risk = repository.update(
            s, "risk", r_id, {"impact": 5, "owner": "Bea"}, actor="bea", expected_version=1
        )
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
            ("S-001", "create"),
            ("P-001", "create"),
            ("R-001", "create"),
            ("E-0001", "create"),
            ("R-001", "update"),
            ("E-0001", "delete"),
            ("E-0001", "restore"),
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


# --------------------------------------------------------------------------- import, ceiling


def test_import_of_a_small_csv_on_both_backends(any_register, tmp_path):
    from db.importexport.importer import import_file

    _seed(any_register)
    good = tmp_path / "events.csv"
    good.write_text(
        "ref,occurred_on,title,kind,stakeholder,partnership,risks,severity,sentiment,summary\n"
        f'E-0100,{TODAY},Researchers\' open letter,criticism,Defence Ministry,P-001,R-001,5,-2,"Signed, widely"\n'
        f",{TODAY},Clarification issued,statement,,Frontier deal,,2,1,\n"
        ",2026-01-01,Subscription cancellations,customer_action,,,R-001,3,-1,≠ “quotes” ✓\n",
        encoding="utf-8",
    )
    dry = import_file(any_register, "events", good, actor="importer", dry_run=True)
    assert dry.dry_run and dry.created == 3
    with any_register.session() as s:
        assert repository.count(s, "event") == 1
    result = import_file(any_register, "events", good, actor="importer")
    assert (result.created, result.updated) == (3, 0)
    with any_register.session() as s:
        assert repository.count(s, "event") == 4
        letter = repository.get_by_ref(s, "event", "E-0100")
        v = repository.values(s, "event", letter)
        assert (
            v["stakeholder"] == "S-001" and v["partnership"] == "P-001" and v["risks"] == ["R-001"]
        )
        assert v["summary"] == "Signed, widely"
        third = [e for e in audit.history(s, kind="event") if e.actor_name == "importer"]
        assert len(third) == 3
        assert audit.verify_chain(s) == []
    # All or nothing: one bad row and nothing at all is written.
    bad = tmp_path / "bad.csv"
    bad.write_text(f"occurred_on,title,severity\n{TODAY},Fine row,3\n{TODAY},Bad severity,9\n")
    with pytest.raises(ValidationFailed) as info:
        import_file(any_register, "events", bad, actor="importer")
    assert [e.row for e in info.value.errors] == [3]
    with any_register.session() as s:
        assert repository.count(s, "event") == 4


def test_ceiling_filtered_queries_on_both_backends(any_register):
    from db.queries.analysis import Criteria, risk_cell_counts, risk_rows
    from desktop.services.filters import RecordFilter
    from desktop.services.matrix import risk_matrix

    with any_register.write() as s:
        for title, level, lk, im in [
            ("Public criticism", "PUBLIC", 2, 2),
            ("Contract leak", "RESTRICTED", 4, 4),
            ("Programme exposure", "SECRET", 5, 5),
            ("Staff walkout", "UNCLASSIFIED", 4, 4),
        ]:
            repository.create(
                s,
                "risk",
                RiskCreate(title=title, classification=level, likelihood=lk, impact=im),
                actor="x",
            )
    with any_register.session() as s:
        levels = tuple(RecordFilter(ceiling="RESTRICTED").levels or ())
        assert "SECRET" not in levels
        rows = risk_rows(s, criteria=Criteria(levels=levels))
        assert [r.title for r in rows] == ["Public criticism", "Contract leak", "Staff walkout"]
        cells = sorted(risk_cell_counts(s, criteria=Criteria(levels=("PUBLIC", "UNCLASSIFIED"))))
        assert cells == [(2, 2, 1), (4, 4, 1)]
        matrix = risk_matrix(s, filters=RecordFilter(ceiling="CONFIDENTIAL"))
        assert {p.ref for p in matrix.points()} == {"R-001", "R-002", "R-004"}
        assert "SECRET" not in matrix.classifications()
        assert matrix.count(4, 4) == 2 and matrix.count(5, 5) == 0
        assert risk_matrix(s).total == 4
