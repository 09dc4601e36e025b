"""Undoing and redoing an import in bulk (db/bulk.py) on both backends.

The GUI test (tests/gui/test_import_undo.py) drives the real undo stack on SQLite; this one
checks the bulk delete and restore themselves on SQLite and on a real PostgreSQL server:
every created record goes and comes back under its ref with its links, updated records get
their previous values and then the imported ones again, and the audit chain stays whole.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlmodel import func, select

from db import audit
from db.importexport.importer import import_file
from db.models import Event, Stakeholder
from desktop.services import imports, records


def _state(register: Any) -> dict[str, Any]:
    with register.session() as session:
        stakeholders = {s.ref: (s.name, s.stance) for s in session.exec(select(Stakeholder)).all()}
        events = {
            e.ref: (e.title, e.stakeholder_id, e.responds_to_id)
            for e in session.exec(select(Event)).all()
        }
        audited = session.exec(select(func.count()).select_from(audit.AuditEntry)).one()
        problems = audit.verify_chain(session)
    return {"stakeholders": stakeholders, "events": events, "audit": audited, "chain": problems}


def test_import_taken_back_and_put_back_on_both_backends(any_register: Any, tmp_path: Path) -> None:
    register = any_register
    records.create_record(
        register, "stakeholder", {"name": "AI researchers", "kind": "other"}, actor="alice"
    )
    before = _state(register)
    people = tmp_path / "stakeholders.csv"
    people.write_text(
        "ref,name,kind,stance\n"
        "S-001,AI researchers,other,-2\n"  # an update: stance 0 -> -2
        ",Civil-liberties groups,civil_society,-1\n"
        ",Allied ministry,government,1\n",
        encoding="utf-8",
    )
    result = import_file(register, "stakeholders", people, actor="bob")
    step = imports.step_of(register, result)
    assert step.size == 3
    after_import = _state(register)
    assert after_import["stakeholders"]["S-001"][1] == -2

    imports.take_back(register, step, actor="bob")
    undone = _state(register)
    assert undone["stakeholders"] == before["stakeholders"]
    assert undone["chain"] == []

    imports.put_back(register, step, actor="bob")
    redone = _state(register)
    assert redone["stakeholders"] == after_import["stakeholders"]
    assert redone["chain"] == []


def test_events_answering_each_other_come_back_linked(any_register: Any, tmp_path: Path) -> None:
    register = any_register
    records.create_record(
        register, "stakeholder", {"name": "AI researchers", "kind": "other"}, actor="alice"
    )
    events = tmp_path / "events.csv"
    events.write_text(
        "ref,occurred_on,kind,title,stakeholder,responds_to\n"
        "E-001,2026-11-01,criticism,Open letter,S-001,\n"
        "E-002,2026-11-02,statement,Clarification,,E-001\n",
        encoding="utf-8",
    )
    result = import_file(register, "events", events, actor="bob")
    imported = _state(register)
    step = imports.step_of(register, result)
    imports.take_back(register, step, actor="bob")
    assert _state(register)["events"] == {}
    imports.put_back(register, step, actor="bob")
    back = _state(register)
    assert back["events"] == imported["events"]
    assert back["chain"] == []
