"""Records edited outside the application are found: the rows must equal the state the
hash-chained audit trail replays to (desktop/services/integrity.py), on SQLite and
PostgreSQL; an untouched register, and one changed only through the application
(including deletes that clear other records' links, and their undo), is clean."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from db import repository
from db.demo import load_demo
from db.engine import open_register
from desktop.cli import main
from desktop.services.integrity import record_differences
from tests.db import factories


def _differences(register: Any) -> list[tuple[str, str, str]]:
    with register.session() as session:
        return [(d.kind, d.ref, d.field) for d in record_differences(session)]


def _raw(register: Any, sql: str, **params: Any) -> None:
    with register.engine.begin() as conn:
        assert conn.execute(text(sql), params).rowcount == 1


@pytest.fixture
def small(any_register: Any) -> Any:
    """A few records of every kind, linked, written through the repository."""
    with any_register.write() as s:
        nato = factories.stakeholder(s)
        other = factories.stakeholder(s, "Ministry of Defence")
        talks = factories.partnership(s, nato.id)
        secret = factories.risk(s, classification="SECRET", partnership_ids=[talks.id])
        factories.risk(s, "Staff walk out", stakeholder_ids=[other.id])
        factories.event(
            s,
            occurred_on=dt.date(2026, 3, 2),
            stakeholder_id=other.id,
            risk_ids=[secret.id],
        )
    return any_register


def test_an_untouched_demo_register_is_clean(any_register: Any) -> None:
    load_demo(any_register)
    assert _differences(any_register) == []


def test_rows_edited_with_sql_are_reported_by_ref_and_field(small: Any) -> None:
    assert _differences(small) == []
    _raw(small, "UPDATE risk SET classification = 'PUBLIC' WHERE ref = 'R-001'")
    _raw(small, "UPDATE stakeholder SET name = 'Someone else' WHERE ref = 'S-001'")
    _raw(small, "UPDATE event SET occurred_on = :d WHERE ref = 'E-0001'", d=dt.date(2020, 1, 1))
    assert _differences(small) == [
        ("stakeholder", "S-001", "name"),
        ("risk", "R-001", "classification"),
        ("event", "E-0001", "occurred_on"),
    ]
    with small.session() as session:
        text_of = {d.ref: str(d) for d in record_differences(session)}
    assert "'PUBLIC'" in text_of["R-001"] and "'SECRET'" in text_of["R-001"]
    assert "2020-01-01" in text_of["E-0001"] and "2026-03-02" in text_of["E-0001"]


def test_links_references_and_whole_records_added_with_sql_are_reported(small: Any) -> None:
    _raw(
        small,
        "DELETE FROM risk_partnership WHERE risk_id = (SELECT id FROM risk WHERE ref = 'R-001')",
    )
    _raw(
        small,
        "UPDATE event SET stakeholder_id = (SELECT id FROM stakeholder WHERE ref = 'S-001') "
        "WHERE ref = 'E-0001'",
    )
    _raw(
        small,
        "INSERT INTO stakeholder (ref, name, name_key, kind, influence, interest, stance, "
        "classification, version, created_at, updated_at, created_by, updated_by) VALUES "
        "('S-099', 'Ghost', 'ghost', 'other', 3, 3, 0, 'PUBLIC', 1, :t, :t, 'x', 'x')",
        t=dt.datetime(2026, 1, 1),
    )
    assert _differences(small) == [
        ("stakeholder", "S-099", "(record)"),
        ("risk", "R-001", "partnerships"),
        ("event", "E-0001", "stakeholder"),
    ]


def test_changes_through_the_application_leave_the_register_clean(small: Any) -> None:
    with small.write() as s:
        risk = repository.get_by_ref(s, "risk", "R-002")
        repository.update(
            s,
            "risk",
            risk.id,
            repository.spec("risk").update(impact=5, title="Staff leave"),
            actor="t",
        )
        # Deleting a stakeholder clears the event's reference without an entry of the event.
        other = repository.get_by_ref(s, "stakeholder", "S-002")
        event = repository.get_by_ref(s, "event", "E-0001")
        repository.update(
            s, "event", event.id, repository.spec("event").update(risk_ids=[]), actor="t"
        )
        repository.delete(s, "risk", risk.id, actor="t")
        snap = repository.delete(s, "stakeholder", other.id, actor="t")
    assert _differences(small) == []
    with small.write() as s:
        repository.restore(s, "stakeholder", snap, actor="t")  # undo puts the reference back
    assert _differences(small) == []


def test_register_settings_entries_are_not_records(small: Any) -> None:
    from db.register_settings import set_register_bands
    from db.scales import Bands

    with small.write() as s:
        assert set_register_bands(s, Bands(3, 8, 13), actor="t")
        kinds = {e.entity_kind for e in repository.audit.history(s)}
    assert "register" in kinds
    assert _differences(small) == []


def test_db_check_reports_an_edited_risk_with_its_ref_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "r.db"
    register = open_register(path)
    load_demo(register)
    with register.engine.begin() as conn:
        ref = conn.execute(text("SELECT ref FROM risk WHERE classification = 'SECRET'")).scalar()
        conn.execute(text("UPDATE risk SET classification = 'PUBLIC' WHERE ref = :r"), {"r": ref})
    register.dispose()
    assert main(["db", "check", "--db", str(path)]) == 1
    captured = capsys.readouterr()
    assert "audit chain: ok" in captured.out  # the trail itself is untouched
    assert "records match the audit trail: FAIL" in captured.out
    assert f"{ref} classification: the table says 'PUBLIC'" in captured.out
    assert captured.err.strip() == "1 check failed"


def test_the_risk_state_history_edited_with_sql_is_reported(small: Any) -> None:
    """The "as of" matrix reads the risk-state history: a version changed or removed
    behind the application's back is a difference, named as the history's."""
    assert _differences(small) == []
    _raw(
        small,
        "UPDATE risk_state SET impact = impact + 1 WHERE ref = 'R-002' AND valid_from = "
        "(SELECT max(valid_from) FROM risk_state WHERE ref = 'R-002')",
    )
    assert _differences(small) == [("risk", "R-002", "impact (state history)")]
    _raw(small, "DELETE FROM risk_state WHERE ref = 'R-001'")
    assert _differences(small) == [
        ("risk", "R-001", "(record) (state history)"),
        ("risk", "R-002", "impact (state history)"),
    ]
