"""The demo register built from the seed story (db.demo)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from db import audit, repository
from db.demo import load_demo
from db.errors import RegisterError
from db.identity import os_user
from db.models import Action, Event, Partnership, Risk, Stakeholder

TODAY = dt.date.today()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """One demo register shared by the tests that only read it."""
    from db.engine import open_register

    register = open_register(tmp_path_factory.mktemp("demo") / "demo.db")
    counts = load_demo(register, today=TODAY)
    yield register, counts
    register.dispose()


@pytest.fixture
def own_demo(register):
    """A demo register a test may change."""
    return register, load_demo(register, today=TODAY)


def all_rows(register, table):
    from sqlalchemy import select

    with register.session() as s:
        return list(s.execute(select(table).order_by(table.id)).scalars())


def by_title(register, title):
    return next(e for e in all_rows(register, Event) if e.title == title)


def test_counts_meet_the_brief(demo):
    register, counts = demo
    assert counts == {"stakeholder": 14, "partnership": 5, "risk": 11, "event": 34, "action": 6}
    with register.session() as s:
        assert repository.counts(s) == counts


def test_the_story_facts_are_there(demo):
    register, _ = demo
    names = {s.name: s for s in all_rows(register, Stakeholder)}
    assert names["US Department of Defence (Pentagon)"].kind == "defence_body"
    assert names["NATO"].kind == "defence_body"
    assert names["Anthropic"].kind == "company"
    assert names["AI researchers"].kind == "research_community"
    assert names["Subscribers and paying customers"].kind == "customers"
    assert names["The Wall Street Journal"].kind == "media"
    assert "OpenAI" not in names  # the register is kept from the company's side
    parts = {p.name: p for p in all_rows(register, Partnership)}
    assert parts["Pentagon AI deployment agreement"].network == "classified"
    assert parts["NATO unclassified-network exploration"].network == "unclassified"
    assert parts["NATO unclassified-network exploration"].status == "negotiating"
    assert parts["Anthropic's work with US federal agencies"].status == "halted"
    assert parts["Anthropic's work with US federal agencies"].ended_on is not None


def test_cancellations_carry_counts_and_reach(demo):
    register, _ = demo
    cancellations = [
        e for e in all_rows(register, Event) if e.metric_unit == "subscriptions cancelled"
    ]
    assert len(cancellations) >= 3
    assert all(e.kind == "customer_action" and e.metric_value > 0 for e in cancellations)
    assert any(e.reach and e.reach_basis for e in cancellations)
    assert all("illustrative" in (e.notes or "") for e in cancellations)


def test_clarifications_answer_the_specific_criticism(demo):
    register, _ = demo
    events = {e.id: e for e in all_rows(register, Event)}

    def answered(title_part):
        statement = next(
            e for e in events.values() if title_part in e.title and e.kind == "statement"
        )
        assert statement.responds_to_id is not None
        return events[statement.responds_to_id]

    assert "surveillance" in answered("spy on US citizens").title
    assert "intelligence agencies" in answered("NSA will not").title
    assert "classified-network" in answered("was a slip").title
    ceo = by_title(register, "Chief executive calls the deal 'complicated but correct'")
    assert ceo.channel == "internal" and "reputational risk" in ceo.summary


def test_the_competitor_halt_is_a_government_action(demo):
    register, _ = demo
    halt = by_title(register, "Federal agencies directed to halt work with Anthropic")
    assert halt.kind == "government_action"


def test_events_span_several_weeks_ending_before_today_with_many_in_the_last_30_days(demo):
    register, _ = demo
    days = [e.occurred_on for e in all_rows(register, Event)]
    assert max(days) < TODAY
    assert (max(days) - min(days)).days >= 42
    assert sum(1 for d in days if (TODAY - d).days <= 30) >= 10
    kinds = Counter(e.kind for e in all_rows(register, Event))
    for kind in (
        "criticism",
        "statement",
        "customer_action",
        "government_action",
        "partnership_milestone",
        "media_report",
        "employee_action",
    ):
        assert kinds[kind] >= 1, kind


def test_classification_levels_are_mixed(demo):
    register, _ = demo
    levels = Counter()
    for table in (Stakeholder, Partnership, Risk, Event):
        levels.update(r.classification for r in all_rows(register, table))
    assert set(levels) == {"PUBLIC", "UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL", "SECRET"}
    assert levels["SECRET"] >= 2


def test_risks_have_owners_scores_treatments_and_some_overdue_reviews(demo):
    register, _ = demo
    risks = all_rows(register, Risk)
    assert all(r.owner and r.treatment and r.mitigation for r in risks)
    assert sum(1 for r in risks if r.residual_likelihood is not None) >= 6
    assert (
        sum(1 for r in risks if r.review_due and r.review_due < TODAY and r.status != "closed") >= 3
    )
    assert sum(1 for r in risks if r.status == "closed") == 1
    with register.session() as s:
        linked = [repository.link_ids(s, "risk", r.id) for r in risks]
    assert all(x["partnership_ids"] for x in linked)
    assert all(x["stakeholder_ids"] for x in linked)


def test_every_record_says_its_dates_are_illustrative(demo):
    register, _ = demo
    for table in (Stakeholder, Partnership, Risk, Event):
        for record in all_rows(register, table):
            assert "illustrative" in (record.notes or ""), record.ref


def test_the_audit_history_moves_with_the_story(demo):
    register, _ = demo
    with register.session() as s:
        assert audit.verify_chain(s) == []
        entries = audit.history(s)
    updates = [(e.entity_ref, audit.parse_changes(e)) for e in entries if e.action == "update"]
    assert any(
        "likelihood" in ch and ch["likelihood"][1] > ch["likelihood"][0] for _, ch in updates
    )
    assert any(ch.get("stance") == [0, -1] for _, ch in updates)
    assert any(ch.get("status") == ["exploring", "negotiating"] for _, ch in updates)
    # The entries carry the story's dates, in order, all before today.
    times = [e.at for e in entries]
    assert times == sorted(times)
    assert times[0].date() <= TODAY - dt.timedelta(days=50)
    assert all(t.date() < TODAY for t in times)
    assert all((e.actor, e.actor_name) == (os_user(), "demo") for e in entries)


def test_the_same_today_gives_the_same_records(tmp_path):
    from db.engine import open_register

    def content(path: Path):
        reg = open_register(path)
        load_demo(reg, today=dt.date(2026, 3, 1))
        reg.dispose()
        con = sqlite3.connect(path)
        try:
            return {
                t: con.execute(f"SELECT * FROM {t} ORDER BY id").fetchall()  # noqa: S608
                for t in ("stakeholder", "partnership", "risk", "event", "audit_entry")
            }
        finally:
            con.close()

    first = content(tmp_path / "a.db")
    assert first == content(tmp_path / "b.db")
    assert len(first["event"]) == 34


def test_a_non_empty_register_is_refused_and_left_alone(own_demo):
    register, counts = own_demo
    with register.session() as s:
        before = len(audit.history(s))
    with pytest.raises(RegisterError, match="not empty.*--force"):
        load_demo(register)
    with register.session() as s:
        assert repository.counts(s) == counts
        assert len(audit.history(s)) == before


def test_force_replaces_the_records_through_audited_deletes(own_demo):
    register, counts = own_demo
    assert load_demo(register, force=True, today=TODAY) == counts
    with register.session() as s:
        entries = audit.history(s)
        assert audit.verify_chain(s) == []
        refs = {r.ref for r in all_rows(register, Stakeholder)}
    deletes = [e for e in entries if e.action == "delete"]
    assert len(deletes) == sum(counts.values())
    assert "S-001" not in refs and "S-015" in refs  # refs are not reused


def test_a_failed_load_leaves_the_register_empty(register, monkeypatch):
    import db.demo as demo_module

    steps = demo_module._timeline()
    broken = [*steps[:20], demo_module.Step(1, 9, "create", "risk", "no such risk")]
    monkeypatch.setattr(demo_module, "_timeline", lambda: broken)
    with pytest.raises(KeyError):
        load_demo(register)
    with register.session() as s:
        assert not any(repository.counts(s).values())
        assert audit.history(s) == []


def test_the_demo_loads_and_reloads_on_both_backends(any_register):
    counts = load_demo(any_register, today=TODAY)
    assert counts == {"stakeholder": 14, "partnership": 5, "risk": 11, "event": 34, "action": 6}
    with pytest.raises(RegisterError, match="not empty"):
        load_demo(any_register, today=TODAY)
    assert load_demo(any_register, today=TODAY, force=True) == counts
    with any_register.session() as s:
        assert audit.verify_chain(s) == []
        assert sum(1 for e in audit.history(s) if e.action == "delete") == sum(counts.values())


# The shape of the register the story file builds, taken from the demo as it was when the
# story moved from Python into db/demo_story.toml: refs, and how many records have each
# field filled in (a value lost or renamed on the way from the file shows up here).
EXPECTED_FILLED = {
    "stakeholder": {"S-001..S-014": 14, "description": 14, "relationship_owner": 14},
    "partnership": {
        "P-001..P-005": 5,
        "scope": 5,
        "partner_id": 5,
        "announced_on": 2,
        "ended_on": 1,
    },
    "risk": {
        "R-001..R-011": 11,
        "mitigation": 11,
        "residual_likelihood": 8,
        "residual_impact": 8,
        "review_due": 10,
    },
    "event": {
        "E-0001..E-0034": 34,
        "stakeholder_id": 29,
        "partnership_id": 29,
        "responds_to_id": 5,
        "reach": 12,
        "reach_basis": 12,
        "metric_value": 5,
        "metric_unit": 5,
    },
    "action": {
        "A-001..A-006": 6,
        "owner": 6,
        "due_on": 6,
        "expected_likelihood": 4,
        "expected_impact": 3,
        "notes": 6,
    },
}
EXPECTED_AUDIT = {
    ("stakeholder", "create"): 14,
    ("stakeholder", "update"): 3,
    ("partnership", "create"): 5,
    ("partnership", "update"): 5,
    ("risk", "create"): 11,
    ("risk", "update"): 9,
    ("event", "create"): 34,
    ("event", "update"): 2,
    ("action", "create"): 6,
    ("action", "update"): 2,
}


def test_the_register_built_from_the_story_file_has_the_expected_shape(demo):
    from sqlalchemy import func, select

    from db.models import (
        ActionRiskLink,
        AuditEntry,
        EventRiskLink,
        RiskPartnershipLink,
        RiskStakeholderLink,
    )

    register, _ = demo
    for kind, table in (
        ("stakeholder", Stakeholder),
        ("partnership", Partnership),
        ("risk", Risk),
        ("event", Event),
        ("action", Action),
    ):
        rows = all_rows(register, table)
        expected = EXPECTED_FILLED[kind]
        span = next(k for k in expected if ".." in k)
        assert f"{rows[0].ref}..{rows[-1].ref}" == span
        assert len({r.ref for r in rows}) == expected[span]
        for name, n in expected.items():
            if name != span:
                assert sum(getattr(r, name) not in (None, "") for r in rows) == n, (kind, name)
    with register.session() as s:
        links = {
            t.__tablename__: s.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (EventRiskLink, RiskPartnershipLink, RiskStakeholderLink, ActionRiskLink)
        }
        actions = Counter(
            (e.entity_kind, e.action) for e in s.execute(select(AuditEntry)).scalars()
        )
    assert links == {
        "event_risk": 46,
        "risk_partnership": 18,
        "risk_stakeholder": 23,
        "action_risk": 8,
    }
    assert dict(actions) == EXPECTED_AUDIT


def test_the_story_file_creates_each_record_once_before_anything_points_at_it():
    from db.demo import story

    tale = story()
    created: list[tuple[str, str]] = []
    for step in tale.steps:
        if step.op == "create":
            assert step.key in tale.records[step.kind], step
            assert (step.kind, step.key) not in created, step
            created.append((step.kind, step.key))
            values = tale.records[step.kind][step.key]
        else:
            assert (step.kind, step.key) in created, step
            values = step.data
        known = {key for _kind, key in created}
        for name in ("partner", "stakeholder", "partnership", "responds_to"):
            if isinstance(values.get(name), str):
                assert values[name] in known, (step, name)
        for name in ("risks", "partnerships", "stakeholders"):
            assert set(values.get(name, [])) <= known, (step, name)
    for kind, records in tale.records.items():
        assert {key for k, key in created if k == kind} == set(records), kind
