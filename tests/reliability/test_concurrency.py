"""R2 and "Teams": concurrent edits are detected, concurrent writers lose nothing."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from sqlmodel import Session

from db import audit, repository
from db.engine import open_register
from db.errors import ConflictError, RegisterError
from db.models import RiskCreate
from tests.reliability.conftest import ROOT, cli_env


def _make_risk(reg):  # type: ignore[no-untyped-def]
    with reg.write() as s:
        risk = repository.create(
            s, "risk", RiskCreate(title="Customer churn", likelihood=2, impact=3), actor="Ana"
        )
    return risk.id


def _spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.workers", *args],
        cwd=ROOT,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


# --------------------------------------------------------------------------- stale version


def test_stale_version_is_refused_naming_who_and_when(any_register):
    risk_id = _make_risk(any_register)
    other = open_register(any_register.url)  # a second user on the same database
    try:
        with any_register.session() as s:
            mine = repository.get(s, "risk", risk_id)
        with other.session() as s:
            theirs = repository.get(s, "risk", risk_id)
        assert mine.version == theirs.version == 1
        with other.write() as s:
            repository.update(
                s,
                "risk",
                risk_id,
                {"impact": 5},
                actor="Bea Ortiz",
                expected_version=theirs.version,
            )
        with pytest.raises(ConflictError) as info:
            with any_register.write() as s:
                repository.update(
                    s,
                    "risk",
                    risk_id,
                    {"likelihood": 4},
                    actor="Ana",
                    expected_version=mine.version,
                )
        err = info.value
        assert err.changed_by == "Bea Ortiz" and err.changed_at is not None
        assert "R-001 was changed by Bea Ortiz at" in str(err)
        with pytest.raises(ConflictError, match="Bea Ortiz"):
            with any_register.write() as s:
                repository.delete(s, "risk", risk_id, actor="Ana", expected_version=mine.version)
        with any_register.session() as s:
            risk = repository.get(s, "risk", risk_id)
            # Bea's edit stands, Ana's was not applied, and the audit says so.
            assert (risk.likelihood, risk.impact, risk.version) == (2, 5, 2)
            assert [e.action for e in audit.history(s, ref="R-001")] == ["create", "update"]
            assert audit.verify_chain(s) == []
    finally:
        other.dispose()


def test_version_guard_catches_a_race_past_the_precheck(any_register):
    """Both writers pass the version pre-check; the UPDATE ... WHERE version = n catches it."""
    risk_id = _make_risk(any_register)
    other = open_register(any_register.url)
    try:
        if any_register.is_sqlite:
            # SQLite lets only one write transaction run at a time, so the race is a
            # long-lived session whose copy of the record went stale between transactions.
            ana = Session(any_register.engine, expire_on_commit=False)
            held = repository.get(ana, "risk", risk_id)  # the form keeps its copy
            ana.commit()
            with other.write() as s:
                repository.update(
                    s, "risk", risk_id, {"impact": 5}, actor="Bea", expected_version=1
                )
            with pytest.raises(ConflictError, match="changed by Bea"):
                repository.update(ana, "risk", risk_id, {"likelihood": 4}, actor="Ana")
            ana.rollback()
            ana.close()
            del held
        else:
            # PostgreSQL: two transactions truly interleaved.  Ana's reads the record
            # (version 1); Bea's update commits; Ana's update then matches no row.
            with Session(any_register.engine, expire_on_commit=False) as ana:
                held = repository.get(ana, "risk", risk_id)  # Ana's transaction has read it
                assert held.version == 1
                with other.write() as s:
                    repository.update(s, "risk", risk_id, {"impact": 5}, actor="Bea")
                with pytest.raises(ConflictError, match="changed by Bea"):
                    repository.update(ana, "risk", risk_id, {"likelihood": 4}, actor="Ana")
                ana.rollback()
        with any_register.session() as s:
            risk = repository.get(s, "risk", risk_id)
            assert (risk.likelihood, risk.impact, risk.version) == (2, 5, 2)
            assert [e.actor_name for e in audit.history(s, ref="R-001")] == ["Ana", "Bea"]
    finally:
        other.dispose()


def test_another_process_edit_is_seen_and_detected(any_register):
    """Two processes edit the same record: the second, holding version 1, is told; and the
    change counter the GUI polls to refresh its views has moved."""
    risk_id = _make_risk(any_register)
    with any_register.session() as s:
        loaded = repository.get(s, "risk", risk_id)
        counter_before = audit.change_counter(s)
    child = _spawn("touch", any_register.url, "R-001", "Bea (other process)")
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    assert out.strip() == "2"
    with any_register.session() as s:
        assert audit.change_counter(s) == counter_before + 1
    with pytest.raises(ConflictError, match=r"changed by Bea \(other process\)"):
        with any_register.write() as s:
            repository.update(
                s, "risk", risk_id, {"owner": "Ana"}, actor="Ana", expected_version=loaded.version
            )


# --------------------------------------------------------------------------- contention


def _contend(target: str, processes: int, per_process: int) -> tuple[float, list[str]]:
    start = time.perf_counter()
    children = [_spawn("events", target, str(per_process), f"writer-{n}") for n in range(processes)]
    errors: list[str] = []
    for child in children:
        out, err = child.communicate(timeout=300)
        if child.returncode != 0 or out.strip() != f"ok {per_process}":
            errors.append(err.strip() or out.strip() or f"exit {child.returncode}")
    return time.perf_counter() - start, errors


def _check_contention_result(target: str, processes: int, per_process: int) -> None:
    reg = open_register(target)
    try:
        with reg.session() as s:
            assert repository.count(s, "event") == processes * per_process
            entries = audit.history(s, kind="event")
            assert len(entries) == processes * per_process
            by_actor: dict[str, int] = {}
            for entry in entries:
                by_actor[entry.actor_name] = by_actor.get(entry.actor_name, 0) + 1
            assert by_actor == {f"writer-{n}": per_process for n in range(processes)}
            refs = [e.entity_ref for e in entries]
            assert len(set(refs)) == len(refs)  # no ref handed out twice
            assert audit.verify_chain(s) == []
            assert audit.change_counter(s) == processes * per_process
    finally:
        reg.dispose()


def test_four_processes_write_500_events_each_into_one_sqlite_file(tmp_path):
    target = str(tmp_path / "shared.db")
    open_register(target).dispose()
    elapsed, errors = _contend(target, 4, 500)
    assert errors == [], errors
    assert not any("locked" in e for e in errors)
    _check_contention_result(target, 4, 500)
    print(f"R2 SQLite: 4 x 500 events in {elapsed:.1f} s")


@pytest.mark.postgres
def test_two_processes_write_events_into_postgresql(pg_register):
    target = pg_register.url
    elapsed, errors = _contend(target, 2, 150)
    assert errors == [], errors
    _check_contention_result(target, 2, 150)
    print(f"R2 PostgreSQL: 2 x 150 events in {elapsed:.1f} s")


@pytest.mark.postgres
def test_a_postgresql_writer_waits_then_is_told_the_register_is_busy(pg_register, monkeypatch):
    import db.engine

    _make_risk(pg_register)
    monkeypatch.setattr(db.engine, "BUSY_TIMEOUT_MS", 800)
    other = open_register(pg_register.url)
    try:
        with pg_register.write() as s:  # a long import holding the register
            repository.create(
                s, "risk", RiskCreate(title="Held", likelihood=1, impact=1), actor="Ana"
            )
            with pytest.raises(RegisterError, match="busy"):
                with other.write() as s2:
                    repository.create(
                        s2, "risk", RiskCreate(title="Waiting", likelihood=1, impact=1), actor="Bea"
                    )
        with other.write() as s2:  # once the first writer is done, the second goes ahead
            repository.create(
                s2, "risk", RiskCreate(title="Later", likelihood=1, impact=1), actor="Bea"
            )
        with pg_register.session() as s:
            assert repository.count(s, "risk") == 3
            assert audit.verify_chain(s) == []
    finally:
        other.dispose()
