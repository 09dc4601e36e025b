"""Treatment actions in the data layer: A-001 refs, one or more risks always (a risk
that is an action's only one cannot be deleted, an action whose risks are gone cannot
come back), the expected cell at its edges, and the audit entries."""

from __future__ import annotations

import datetime as dt

import pytest

from db import audit, bulk, repository
from db.errors import ValidationFailed
from db.models import ActionCreate, ActionUpdate, RiskCreate


def _risks(register, n=2):
    with register.write() as s:
        return [
            repository.create(s, "risk", RiskCreate(title=f"Risk {k}"), actor="t").id
            for k in range(n)
        ]


def _errors(exc):
    return [str(e) for e in exc.value.errors]


def test_refs_and_audit_entries(register):
    r1, r2 = _risks(register)
    with register.write() as s:
        a = repository.create(
            s,
            "action",
            ActionCreate(title="First action", risk_ids=[r2, r1], due_on=dt.date(2026, 5, 1)),
            actor="t",
        )
        b = repository.create(s, "action", {"title": "Second", "risk_ids": [r1]}, actor="t")
        repository.update(s, "action", a.id, ActionUpdate(risk_ids=[r1]), actor="u")
        assert (a.ref, b.ref) == ("A-001", "A-002")
    with register.session() as s:
        entries = [
            (e.entity_ref, e.action, audit.parse_changes(e))
            for e in audit.history(s, kind="action")
        ]
    assert ("A-001", "update", {"risks": [["R-001", "R-002"], ["R-001"]]}) in entries
    created = next(c for ref, act, c in entries if (ref, act) == ("A-001", "create"))
    assert created["due_on"] == [None, "2026-05-01"] and created["status"] == [None, "planned"]


@pytest.mark.parametrize(
    ("field", "value", "ok"),
    [
        ("expected_likelihood", 0, False),
        ("expected_likelihood", 1, True),
        ("expected_likelihood", 5, True),
        ("expected_likelihood", 6, False),
        ("expected_impact", 0, False),
        ("expected_impact", 1, True),
        ("expected_impact", 5, True),
        ("expected_impact", 6, False),
        ("risk_ids", [], False),
        ("status", "in_progress", True),
        ("status", "cancelled", False),
        ("title", "ab", False),
        ("title", "abc", True),
    ],
)
def test_create_and_update_check_every_edge(register, field, value, ok):
    (risk,) = _risks(register, 1)
    base = {"title": "An action", "risk_ids": [risk]}
    with register.write() as s:
        if ok:
            repository.create(s, "action", {**base, field: value}, actor="t")
        else:
            with pytest.raises(ValidationFailed):
                repository.create(s, "action", {**base, field: value}, actor="t")
        a = repository.create(s, "action", base, actor="t")
        if ok:
            repository.update(s, "action", a.id, {field: value}, actor="t")
        else:
            with pytest.raises(ValidationFailed):
                repository.update(s, "action", a.id, {field: value}, actor="t")


def test_the_only_risk_of_an_action_cannot_be_deleted(register):
    r1, r2 = _risks(register)
    with register.write() as s:
        repository.create(s, "action", {"title": "Only one", "risk_ids": [r1]}, actor="t")
        repository.create(s, "action", {"title": "Both", "risk_ids": [r1, r2]}, actor="t")
    with register.write() as s, pytest.raises(ValidationFailed) as exc:
        repository.delete(s, "risk", r1, actor="t")
    assert _errors(exc) == [
        "actions: R-001 is the only risk of action A-001; "
        "delete that action or give it another risk first"
    ]
    # R-002 is not the only risk of A-002: it goes, and A-002 keeps R-001
    with register.write() as s:
        repository.delete(s, "risk", r2, actor="t")
    with register.session() as s:
        assert repository.link_ids(s, "action", 2) == {"risk_ids": [r1]}


def test_deleting_both_risks_of_an_action_at_once_is_refused(register):
    r1, r2, r3 = _risks(register, 3)
    with register.write() as s:
        repository.create(s, "action", {"title": "Both", "risk_ids": [r1, r2]}, actor="t")
    with register.write() as s, pytest.raises(ValidationFailed) as exc:
        bulk.delete_by_refs(s, "risk", ["R-001", "R-002"], actor="t")
    assert "is the only risk of action A-001" in _errors(exc)[0]
    with register.write() as s:  # one of them, or an unlinked one, is fine
        bulk.delete_by_refs(s, "risk", ["R-001", "R-003"], actor="t")


@pytest.mark.parametrize("path", ["one", "bulk"])
def test_an_action_whose_risks_are_gone_does_not_come_back(register, path):
    r1, r2 = _risks(register)
    with register.write() as s:
        a = repository.create(s, "action", {"title": "Gone", "risk_ids": [r1]}, actor="t")
        snap = repository.delete(s, "action", a.id, actor="t")
        repository.delete(s, "risk", r1, actor="t")  # no action needs it now
    with register.write() as s, pytest.raises(ValidationFailed) as exc:
        if path == "one":
            repository.restore(s, "action", snap, actor="t")
        else:
            bulk.restore_many(s, "action", [snap], actor="t")
    assert _errors(exc) == ["risks: A-001: the risks it treats no longer exist"]


def test_the_generator_adds_actions_without_changing_the_rest(tmp_path):
    from sqlalchemy import select

    from db.engine import open_register
    from db.models import Risk
    from db.synthetic import generate
    from desktop.services.integrity import record_differences

    day = dt.date(2026, 12, 4)
    rows = {}
    for n in (0, 20):
        reg = open_register(tmp_path / f"g{n}.db")
        try:
            result = generate(
                reg, stakeholders=5, partnerships=2, risks=10, events=30, actions=n, today=day
            )
            assert result.actions == n
            with reg.session() as s:
                assert repository.count(s, "action") == n
                assert record_differences(s) == []  # the audit trail says the same
                for a in range(1, n + 1):
                    assert 1 <= len(repository.link_ids(s, "action", a)["risk_ids"]) <= 2
                rows[n] = [
                    (r.ref, r.title, r.likelihood, r.classification)
                    for r in s.execute(select(Risk).order_by(Risk.id)).scalars()
                ]
        finally:
            reg.dispose()
    assert rows[0] == rows[20]
