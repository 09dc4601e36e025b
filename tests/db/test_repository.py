"""Refs, audit entries, optimistic locking, delete and restore (db.repository + db.audit)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from db import audit, repository
from db.engine import open_register
from db.errors import ConflictError, ValidationFailed
from tests.db import factories

RECORD_TABLES = (
    "stakeholder",
    "partnership",
    "risk",
    "event",
    "risk_partnership",
    "risk_stakeholder",
    "event_risk",
)


def dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the record and link tables, read straight from the file."""
    con = sqlite3.connect(path)
    try:
        return {
            t: sorted(con.execute(f"SELECT * FROM {t}").fetchall(), key=repr)  # noqa: S608
            for t in RECORD_TABLES
        }
    finally:
        con.close()


def entries(register: Any, ref: str | None = None) -> list[tuple[str, str, str, dict[str, Any]]]:
    with register.session() as s:
        return [
            (e.actor_name, e.entity_ref, e.action, audit.parse_changes(e))
            for e in audit.history(s, ref=ref)
        ]


@pytest.fixture
def story(register: Any) -> dict[str, int]:
    """A small linked register: two stakeholders, a partnership, two risks, two events."""
    with register.write() as s:
        nato = factories.stakeholder(s, "NATO")
        researchers = factories.stakeholder(s, "AI researchers", kind="research_community")
        talks = factories.partnership(s, nato.id, "NATO talks")
        backlash = factories.risk(
            s, "Backlash", partnership_ids=[talks.id], stakeholder_ids=[researchers.id, nato.id]
        )
        churn = factories.risk(s, "Churn", category="commercial", stakeholder_ids=[researchers.id])
        crit = factories.event(
            s,
            "Researchers criticise",
            stakeholder_id=researchers.id,
            partnership_id=talks.id,
            risk_ids=[backlash.id, churn.id],
        )
        answer = factories.event(
            s,
            "Clarification",
            kind="statement",
            responds_to_id=crit.id,
            partnership_id=talks.id,
            risk_ids=[backlash.id],
        )
    return {
        "nato": nato.id,
        "researchers": researchers.id,
        "talks": talks.id,
        "backlash": backlash.id,
        "churn": churn.id,
        "crit": crit.id,
        "answer": answer.id,
    }


# --------------------------------------------------------------------------- refs


def test_refs_follow_the_documented_formats(register, story):
    with register.session() as s:
        assert repository.get(s, "stakeholder", story["nato"]).ref == "S-001"
        assert repository.get(s, "partnership", story["talks"]).ref == "P-001"
        assert repository.get(s, "risk", story["churn"]).ref == "R-002"
        assert repository.get(s, "event", story["answer"]).ref == "E-0002"


def test_refs_are_never_reused_after_a_delete_even_after_reopening(register, db_path):
    with register.write() as s:
        factories.risk(s, "First")
        second = factories.risk(s, "Second")
    with register.write() as s:
        repository.delete(s, "risk", second.id, actor="tester")
    register.dispose()
    reopened = open_register(db_path)
    try:
        with reopened.write() as s:
            third = factories.risk(s, "Third")
            assert third.ref == "R-003"
    finally:
        reopened.dispose()


def test_a_rolled_back_create_does_not_burn_or_leave_anything(register):
    with pytest.raises(ValidationFailed):
        with register.write() as s:
            factories.risk(s, "Kept until the error")
            factories.risk(s, "no")  # too short: the whole transaction rolls back
    with register.session() as s:
        assert repository.count(s, "risk") == 0
        assert audit.history(s) == []


# --------------------------------------------------------------------------- audit


def test_create_writes_one_entry_with_null_to_new_values_and_links_by_ref(register, story):
    actor, ref, action, changes = entries(register, "R-001")[0]
    assert (actor, ref, action) == ("tester", "R-001", "create")
    assert changes["title"] == [None, "Backlash"]
    assert changes["likelihood"] == [None, 3]
    assert changes["partnerships"] == [None, ["P-001"]]
    assert changes["stakeholders"] == [None, ["S-001", "S-002"]]
    assert changes["classification"] == [None, "UNCLASSIFIED"]
    (_, _, _, event_changes) = entries(register, "E-0002")[0]
    assert event_changes["responds_to"] == [None, "E-0001"]
    assert event_changes["partnership"] == [None, "P-001"]
    assert event_changes["risks"] == [None, ["R-001"]]


def test_update_records_exactly_the_changed_fields_as_old_new(register, story):
    with register.write() as s:
        repository.update(
            s,
            "risk",
            story["backlash"],
            {"likelihood": 5, "residual_likelihood": 2, "residual_impact": 3, "title": "Backlash"},
            actor="Alice",
        )
    actor, _, action, changes = entries(register, "R-001")[-1]
    assert (actor, action) == ("Alice", "update")
    assert changes == {
        "likelihood": [3, 5],
        "residual_likelihood": [None, 2],
        "residual_impact": [None, 3],
    }


def test_update_of_links_and_dates_is_recorded_by_ref_and_iso_date(register, story):
    day = dt.date(2026, 1, 15)
    with register.write() as s:
        repository.update(
            s, "risk", story["backlash"], {"partnership_ids": [], "review_due": day}, actor="Bo"
        )
        repository.update(
            s,
            "event",
            story["answer"],
            {"responds_to_id": None, "risk_ids": [story["churn"]]},
            actor="Bo",
        )
    assert entries(register, "R-001")[-1][3] == {
        "partnerships": [["P-001"], []],
        "review_due": [None, "2026-01-15"],
    }
    assert entries(register, "E-0002")[-1][3] == {
        "responds_to": ["E-0001", None],
        "risks": [["R-001"], ["R-002"]],
    }


def test_an_update_that_changes_nothing_writes_no_entry_and_keeps_the_version(register, story):
    before = len(entries(register))
    with register.write() as s:
        record = repository.update(s, "risk", story["churn"], {"title": "  Churn "}, actor="Alice")
        assert record.version == 1
    assert len(entries(register)) == before


def test_delete_and_restore_write_entries(register, story):
    with register.write() as s:
        snap = repository.delete(s, "risk", story["churn"], actor="Del")
    actor, ref, action, changes = entries(register, "R-002")[-1]
    assert (actor, ref, action) == ("Del", "R-002", "delete")
    assert changes["title"] == ["Churn", None]
    assert changes["stakeholders"] == [["S-002"], None]
    with register.write() as s:
        repository.restore(s, "risk", snap, actor="Undo")
    actor, ref, action, changes = entries(register, "R-002")[-1]
    assert (actor, ref, action) == ("Undo", "R-002", "restore")
    assert changes["title"] == [None, "Churn"]


def test_the_chain_verifies_after_every_kind_of_write(register, story):
    with register.write() as s:
        repository.update(s, "stakeholder", story["nato"], {"stance": 1}, actor="a")
        snap = repository.delete(s, "event", story["answer"], actor="a")
        repository.restore(s, "event", snap, actor="a")
    with register.session() as s:
        assert audit.verify_chain(s) == []
        assert audit.change_counter(s) >= 4


# --------------------------------------------------------------------------- optimistic locking


def test_a_stale_update_is_refused_naming_who_changed_the_record(register, story):
    with register.session() as s:
        seen = repository.get(s, "risk", story["backlash"]).version
    with register.write() as s:
        repository.update(
            s, "risk", story["backlash"], {"impact": 5}, actor="Alice", expected_version=seen
        )
    with pytest.raises(ConflictError) as info:
        with register.write() as s:
            repository.update(
                s, "risk", story["backlash"], {"impact": 2}, actor="Bob", expected_version=seen
            )
    assert info.value.changed_by == "Alice"
    assert "R-001 was changed by Alice" in str(info.value)
    with register.session() as s:
        record = repository.get(s, "risk", story["backlash"])
        assert (record.impact, record.version) == (5, seen + 1)


def test_a_stale_delete_is_refused(register, story):
    with register.write() as s:
        repository.update(s, "stakeholder", story["researchers"], {"stance": -1}, actor="Alice")
    with pytest.raises(ConflictError, match="changed by Alice"):
        with register.write() as s:
            repository.delete(
                s, "stakeholder", story["researchers"], actor="Bob", expected_version=1
            )


def test_overwrite_saves_over_a_newer_version(register, story):
    with register.write() as s:
        repository.update(s, "risk", story["churn"], {"impact": 5}, actor="Alice")
    with register.write() as s:
        repository.overwrite(s, "risk", story["churn"], {"impact": 1}, actor="Bob")
    with register.session() as s:
        assert repository.get(s, "risk", story["churn"]).impact == 1


# --------------------------------------------------------------------------- delete and restore


@pytest.mark.parametrize(
    ("kind", "key"),
    [
        ("event", "crit"),
        ("event", "answer"),
        ("risk", "backlash"),
        ("partnership", "talks"),
        ("stakeholder", "researchers"),
    ],
)
def test_delete_then_restore_gives_back_identical_rows_and_links(
    register, db_path, story, kind, key
):
    before = dump(db_path)
    with register.write() as s:
        snap = repository.delete(s, kind, story[key], actor="tester")
    during = dump(db_path)
    assert during != before  # the delete really removed something
    with register.write() as s:
        repository.restore(s, kind, snap, actor="tester")
    assert dump(db_path) == before


def test_a_deleted_event_detaches_the_statement_that_answered_it(register, db_path, story):
    with register.write() as s:
        repository.delete(s, "event", story["crit"], actor="tester")
    with register.session() as s:
        assert repository.get(s, "event", story["answer"]).responds_to_id is None


def test_a_stakeholder_that_is_a_partner_cannot_be_deleted(register, db_path, story):
    before = dump(db_path)
    with pytest.raises(ValidationFailed, match="S-001 is the partner of P-001"):
        with register.write() as s:
            repository.delete(s, "stakeholder", story["nato"], actor="tester")
    assert dump(db_path) == before
    with register.write() as s:
        repository.delete(s, "partnership", story["talks"], actor="tester")
        repository.delete(s, "stakeholder", story["nato"], actor="tester")


def test_restore_refuses_a_record_that_is_back_already(register, story):
    with register.write() as s:
        snap = repository.delete(s, "risk", story["churn"], actor="t")
        repository.restore(s, "risk", snap, actor="t")
    with pytest.raises(ValidationFailed, match="already exists"):
        with register.write() as s:
            repository.restore(s, "risk", snap, actor="t")


def test_counts(register, story):
    with register.session() as s:
        assert repository.counts(s) == {
            "stakeholder": 2,
            "partnership": 1,
            "risk": 2,
            "event": 2,
            "action": 0,
        }
