"""Overdue treatment actions: the rule at its boundaries (due today is not overdue,
yesterday is; only planned and in-progress actions), the same answer in Python and in
SQL on both backends, and as a "review suggested" reason of every risk it names,
within the classification ceiling."""

from __future__ import annotations

import datetime as dt

import pytest

from db import repository as repo
from db import scoring
from db.enums import ActionStatus
from db.models import ActionCreate, RiskCreate
from desktop.services import actions, pressure
from desktop.services.filters import RecordFilter

TODAY = dt.date(2026, 12, 4)
DAY = dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("status", "due_on", "expected"),
    [
        ("planned", TODAY - DAY, 1),
        ("in_progress", TODAY - DAY, 1),
        ("done", TODAY - DAY, None),
        ("dropped", TODAY - DAY, None),
        ("planned", TODAY, None),  # due today: not overdue yet
        ("in_progress", TODAY, None),
        ("planned", TODAY + DAY, None),
        ("planned", TODAY - 30 * DAY, 30),
        ("in_progress", None, None),  # no due date: never overdue
    ],
)
def test_the_overdue_rule_at_its_boundaries(status, due_on, expected):
    assert scoring.action_days_overdue(status, due_on, TODAY) == expected
    assert scoring.action_is_open(status) == (status in ("planned", "in_progress"))


def _build(reg):
    """A risk per case, each with one action; returns ref -> (status, due_on)."""
    cases = {}
    with reg.write() as s:
        n = 0
        for status in ActionStatus:
            for due in (TODAY - 2 * DAY, TODAY - DAY, TODAY, TODAY + DAY, None):
                n += 1
                risk = repo.create(s, "risk", RiskCreate(title=f"Risk {n:02d}"), actor="t")
                action = repo.create(
                    s,
                    "action",
                    ActionCreate(
                        title=f"Action {n:02d}", risk_ids=[risk.id], status=status, due_on=due
                    ),
                    actor="t",
                )
                cases[action.ref] = (risk.ref, status, due)
    return cases


def test_sql_and_python_agree_on_every_status_and_day(any_register):
    cases = _build(any_register)
    with any_register.session() as s:
        overdue = {a.ref for a in actions.overdue_actions(s, today=TODAY)}
        opened = {a.ref for a in actions.open_actions(s, today=TODAY)}
        flagged = {p.ref: p for p in pressure.review_suggested(s, today=TODAY)}
    want_overdue = {
        ref for ref, (_, st, due) in cases.items() if scoring.action_days_overdue(st, due, TODAY)
    }
    assert overdue == want_overdue
    assert len(overdue) == 4  # planned and in progress, due yesterday and the day before
    assert opened == {ref for ref, (_, st, _d) in cases.items() if st in ("planned", "in_progress")}
    # each overdue action flags its risk, with the reason in words; nothing else is flagged
    assert set(flagged) == {cases[ref][0] for ref in want_overdue}
    for ref in want_overdue:
        risk_ref, _status, due = cases[ref]
        p = flagged[risk_ref]
        days = (TODAY - due).days
        plural = "day" if days == 1 else "days"
        assert p.reasons == [f"action {ref} was due on {due.isoformat()} ({days} {plural} overdue)"]
        assert p.overdue_actions == (ref,) and p.action_flag and not p.overdue_flag


def test_an_action_names_several_risks_and_respects_the_ceiling(register):
    with register.write() as s:
        low = repo.create(s, "risk", RiskCreate(title="Open risk"), actor="t")
        other = repo.create(s, "risk", RiskCreate(title="Another risk"), actor="t")
        secret_risk = repo.create(
            s, "risk", RiskCreate(title="Secret risk", classification="SECRET"), actor="t"
        )
        shared = repo.create(
            s,
            "action",
            ActionCreate(
                title="Shared action",
                risk_ids=[low.id, other.id, secret_risk.id],
                due_on=TODAY - DAY,
            ),
            actor="t",
        )
        repo.create(
            s,
            "action",
            ActionCreate(
                title="Secret action",
                risk_ids=[low.id],
                due_on=TODAY - 5 * DAY,
                classification="SECRET",
            ),
            actor="t",
        )
    with register.session() as s:
        everything = actions.overdue_actions(s, today=TODAY)
        below = actions.overdue_actions(s, today=TODAY, levels=["PUBLIC", "UNCLASSIFIED"])
        by_risk = actions.open_actions_by_risk(s, today=TODAY, levels=["UNCLASSIFIED"])
        flagged = pressure.review_suggested(
            s, today=TODAY, filters=RecordFilter(ceiling="UNCLASSIFIED")
        )
    assert [a.ref for a in everything] == ["A-002", "A-001"]  # longest overdue first
    assert everything[1].risk_refs == ("R-001", "R-002", "R-003")
    # under the ceiling: the secret action is gone, and so is the secret risk it names
    assert [(a.ref, a.risk_refs) for a in below] == [(shared.ref, ("R-001", "R-002"))]
    assert {k: [a.ref for a in v] for k, v in by_risk.items()} == {
        low.id: ["A-001"],
        other.id: ["A-001"],
    }
    assert {p.ref: p.overdue_actions for p in flagged} == {"R-001": ("A-001",), "R-002": ("A-001",)}


def test_actions_edited_behind_the_application_are_found_by_db_check(any_register):
    from sqlalchemy import text

    from desktop.services.integrity import record_differences

    with any_register.write() as s:
        r1 = repo.create(s, "risk", RiskCreate(title="First risk"), actor="t")
        r2 = repo.create(s, "risk", RiskCreate(title="Second risk"), actor="t")
        a = repo.create(
            s, "action", ActionCreate(title="Shared", risk_ids=[r1.id, r2.id]), actor="t"
        )
        repo.update(s, "action", a.id, {"status": "done"}, actor="t")
        # a delete that takes a link off the action (no entry of the action's own), undone
        snap = repo.delete(s, "risk", r2.id, actor="t")
        repo.restore(s, "risk", snap, actor="t")
        first = r1.id

    def found():
        with any_register.session() as s:
            return [(d.kind, d.ref, d.field) for d in record_differences(s)]

    assert found() == []
    with any_register.engine.begin() as conn:
        conn.execute(text("UPDATE action SET status = 'planned' WHERE ref = 'A-001'"))
        conn.execute(text("DELETE FROM action_risk WHERE risk_id = :r"), {"r": first})
    assert sorted(found()) == [("action", "A-001", "risks"), ("action", "A-001", "status")]


def test_the_actions_register_lists_each_action_with_its_risks(any_register):
    from db.queries.registers import RegisterFilter, RegisterSort, count_rows, fetch_page, spec_for

    cases = _build(any_register)
    keys = [c.key for c in spec_for("action").columns]
    with any_register.session() as s:
        rows = fetch_page(s, kind="action", offset=0, limit=100)
        late = RegisterFilter(statuses=("planned", "in_progress"), date_to=TODAY - DAY)
        overdue = fetch_page(
            s, kind="action", offset=0, limit=100, flt=late, sort=RegisterSort("due_on")
        )
        assert count_rows(s, kind="action", flt=late) == 4
    shown = {row[1 + keys.index("ref")]: row for row in rows}
    assert set(shown) == set(cases)
    for ref, (risk_ref, status, due) in cases.items():
        row = shown[ref]
        assert row[1 + keys.index("risks")] == risk_ref
        assert (row[1 + keys.index("status")], row[1 + keys.index("due_on")]) == (status, due)
    # the register's own filters find the overdue ones (due up to yesterday, still open)
    assert {row[1 + keys.index("ref")] for row in overdue} == {
        ref for ref, (_r, st, due) in cases.items() if scoring.action_days_overdue(st, due, TODAY)
    }


def test_the_risk_form_lists_its_actions_open_first_within_the_ceiling(register):
    """The risk hub (issue 16.2): the risk's own actions, open ones first by due date,
    then done and dropped ones; an action above the ceiling is not listed."""
    from desktop.services import risk_hub

    with register.write() as s:
        risk = repo.create(s, "risk", RiskCreate(title="Risk hub"), actor="t")
        other = repo.create(s, "risk", RiskCreate(title="Other risk"), actor="t")

        def act(title, status, due, level="UNCLASSIFIED", risks=(risk.id,)):
            made = ActionCreate(
                title=title, risk_ids=list(risks), status=status, due_on=due, classification=level
            )
            return repo.create(s, "action", made, actor="t").ref

        done = act("Finished one", "done", TODAY - 5 * DAY)
        later = act("Later one", "planned", TODAY + 9 * DAY)
        late = act("Overdue one", "in_progress", TODAY - DAY)
        act("Hidden one", "planned", TODAY, level="SECRET")
        act("Not this risk", "planned", TODAY, risks=(other.id,))
    with register.session() as s:
        shown = risk_hub.treatment_actions(
            s, risk_id=risk.id, today=TODAY, levels=("PUBLIC", "UNCLASSIFIED")
        )
        everything = risk_hub.treatment_actions(s, risk_id=risk.id, today=TODAY, levels=None)
    assert [a.ref for a in shown] == [late, later, done]
    assert [a.status for a in shown] == ["in_progress", "planned", "done"]
    assert len(everything) == 4
