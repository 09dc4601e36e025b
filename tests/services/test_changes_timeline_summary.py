"""Changes between dates, the event timeline, period figures and the stakeholder map."""

from __future__ import annotations

import datetime as dt

import pytest

from desktop.services.changes import changes_between
from desktop.services.filters import RecordFilter
from desktop.services.stakeholder_map import stakeholder_map
from desktop.services.summary import (
    compare_periods,
    notable_events,
    period_figures,
    risk_register,
    summary_sentences,
    top_residual_risks,
)
from desktop.services.timeline import events_per_week, sentiment_trend, week_start, weeks
from tests.services.conftest import event, partnership, risk, stakeholder, update

D = dt.date


@pytest.fixture
def story(register, clock):
    """September 2026.
    01: S-001 Ministry (neutral), P-001 Pilot (exploring), R-001 (2,2), R-002 (3,3),
        S-002 Researchers (critical), R-004 (1,1) in P-002? no: P-002 Other (active).
    10: S-001 stance -1, P-001 negotiating, R-001 likelihood 4 (2,2)->(4,2),
        R-002 closed, R-003 created (5,5) residual (2,2).
    20: S-001 stance -2, R-001 residual (1,1).
    Events on 02, 05, 16 and 29 (none in the week of the 21st)."""
    clock.set(D(2026, 9, 1))
    with register.write() as s:
        s1 = stakeholder(s, "Ministry", influence=5, interest=4, stance=0)
        s2 = stakeholder(
            s, "Researchers", kind="research_community", influence=3, interest=5, stance=-1
        )
        p1 = partnership(s, "Pilot", s1.id, status="exploring")
        p2 = partnership(s, "Other deal", s2.id, status="active")
        r1 = risk(s, "Backlash", 2, 2, partnership_ids=[p1.id], stakeholder_ids=[s2.id])
        r2 = risk(s, "Cancellations", 3, 3, partnership_ids=[p2.id])
        event(
            s,
            "Deal reported",
            D(2026, 9, 2),
            kind="media_report",
            severity=3,
            sentiment=-1,
            partnership_id=p1.id,
            stakeholder_id=s1.id,
            risk_ids=[r1.id],
        )
        event(
            s,
            "Letter",
            D(2026, 9, 5),
            kind="criticism",
            severity=4,
            sentiment=-2,
            stakeholder_id=s2.id,
            risk_ids=[r1.id],
        )
    clock.set(D(2026, 9, 10))
    with register.write() as s:
        update(s, "stakeholder", s1.id, stance=-1)
        update(s, "partnership", p1.id, status="negotiating")
        update(s, "risk", r1.id, likelihood=4)
        update(s, "risk", r2.id, status="closed")
        risk(s, "New exposure", 5, 5, residual_likelihood=2, residual_impact=2)
        event(
            s,
            "Clarification",
            D(2026, 9, 16),
            kind="statement",
            severity=2,
            sentiment=1,
            partnership_id=p1.id,
        )
    clock.set(D(2026, 9, 20))
    with register.write() as s:
        update(s, "stakeholder", s1.id, stance=-2)
        update(s, "risk", r1.id, residual_likelihood=1, residual_impact=1)
        event(
            s,
            "Cancellations wave",
            D(2026, 9, 29),
            kind="customer_action",
            severity=5,
            sentiment=-2,
            partnership_id=p2.id,
            metric_value=120,
            metric_unit="subscriptions cancelled",
        )
    register.ids = {"s1": s1.id, "s2": s2.id, "p1": p1.id, "p2": p2.id}
    return register


def test_changes_between_dates(story):
    with story.session() as s:
        c = changes_between(s, start=D(2026, 9, 6), end=D(2026, 9, 15))
    assert [(r.ref, r.title, r.on) for r in c.new_risks] == [
        ("R-003", "New exposure", D(2026, 9, 10))
    ]
    assert [(r.ref, r.on) for r in c.closed_risks] == [("R-002", D(2026, 9, 10))]
    assert [(m.ref, m.from_cell, m.to_cell) for m in c.cell_changes] == [("R-001", (2, 2), (4, 2))]
    # residual: no residual yet, so it follows the inherent cell
    assert [(m.ref, m.from_cell, m.to_cell) for m in c.residual_cell_changes] == [
        ("R-001", (2, 2), (4, 2))
    ]
    assert [
        (x.ref, x.name, x.on, x.old, x.new, x.old_label, x.new_label) for x in c.stance_changes
    ] == [("S-001", "Ministry", D(2026, 9, 10), 0, -1, "Neutral", "Critical")]
    assert c.stance_changes[0].direction == "cooler"
    assert [(x.ref, x.on, x.old, x.new) for x in c.partnership_status_changes] == [
        ("P-001", D(2026, 9, 10), "exploring", "negotiating")
    ]
    assert [e.title for e in c.new_events] == []  # nothing occurred between the 6th and the 15th
    assert not c.empty


def test_changes_over_the_month(story):
    with story.session() as s:
        c = changes_between(s, start=D(2026, 9, 1), end=D(2026, 9, 30))
        later = changes_between(s, start=D(2026, 9, 16), end=D(2026, 9, 30))
        by_p2 = changes_between(
            s,
            start=D(2026, 9, 1),
            end=D(2026, 9, 30),
            filters=RecordFilter(partnership_ids=(story.ids["p2"],)),
        )
    assert {r.ref for r in c.new_risks} == {"R-001", "R-002", "R-003"}
    assert [e.title for e in c.new_events] == [
        "Cancellations wave",
        "Clarification",
        "Letter",
        "Deal reported",
    ]
    assert [(x.old, x.new) for x in c.stance_changes] == [(0, -1), (-1, -2)]
    assert [(m.ref, m.from_cell, m.to_cell) for m in later.residual_cell_changes] == [
        ("R-001", (4, 2), (1, 1))
    ]
    assert later.cell_changes == []
    assert [e.title for e in by_p2.new_events] == ["Cancellations wave"]
    assert by_p2.partnership_status_changes == [] and by_p2.stance_changes == []


def test_week_helpers():
    assert week_start(D(2026, 9, 1)) == D(2026, 8, 31)  # a Tuesday -> Monday
    assert week_start(D(2026, 8, 31)) == D(2026, 8, 31)
    assert weeks(D(2026, 9, 1), D(2026, 9, 30)) == [
        D(2026, 8, 31),
        D(2026, 9, 7),
        D(2026, 9, 14),
        D(2026, 9, 21),
        D(2026, 9, 28),
    ]
    assert weeks(D(2026, 9, 2), D(2026, 9, 1)) == []


def test_events_per_week_with_empty_weeks(story):
    with story.session() as s:
        buckets = events_per_week(s, start=D(2026, 9, 1), end=D(2026, 9, 30))
        by_p1 = events_per_week(
            s,
            start=D(2026, 9, 1),
            end=D(2026, 9, 30),
            filters=RecordFilter(partnership_ids=(story.ids["p1"],)),
        )
    assert [b.week_start for b in buckets] == [
        D(2026, 8, 31),
        D(2026, 9, 7),
        D(2026, 9, 14),
        D(2026, 9, 21),
        D(2026, 9, 28),
    ]
    assert [b.total for b in buckets] == [2, 0, 1, 0, 1]
    assert buckets[0].counts["media_report"] == 1 and buckets[0].counts["criticism"] == 1
    assert buckets[1].counts == dict.fromkeys(buckets[1].counts, 0) and "other" in buckets[1].counts
    assert buckets[4].counts["customer_action"] == 1
    # P-001: its own events, plus the letter linked to its risk R-001
    assert [b.total for b in by_p1] == [2, 0, 1, 0, 0]


def test_sentiment_trend(story):
    with story.session() as s:
        overall = sentiment_trend(s, start=D(2026, 9, 1), end=D(2026, 9, 30))
        pilot = sentiment_trend(
            s, start=D(2026, 9, 1), end=D(2026, 9, 30), partnership_id=story.ids["p1"]
        )
        researchers = sentiment_trend(
            s, start=D(2026, 9, 1), end=D(2026, 9, 30), stakeholder_id=story.ids["s2"]
        )
    assert [(p.mean_sentiment, p.count) for p in overall] == [
        (-1.5, 2),
        (None, 0),
        (1.0, 1),
        (None, 0),
        (-2.0, 1),
    ]
    week, mean, count = pilot[0]
    assert (week, mean, count) == (D(2026, 8, 31), -1.0, 1)
    assert [p.count for p in pilot] == [1, 0, 1, 0, 0]
    assert [p.mean_sentiment for p in researchers] == [-2.0, None, None, None, None]


def test_period_figures_and_comparison(story):
    with story.session() as s:
        current, previous = compare_periods(s, start=D(2026, 9, 11), end=D(2026, 9, 30))
        early = period_figures(s, start=D(2026, 9, 1), end=D(2026, 9, 5))
    assert (current.events, current.adverse_events) == (2, 1)
    assert (previous.start, previous.end) == (D(2026, 8, 22), D(2026, 9, 10))
    assert (previous.events, previous.adverse_events, previous.new_risks) == (2, 2, 3)
    assert current.new_risks == 0
    # at the end of each period: R-001 (4,2)=8 medium, R-003 (5,5) critical; R-002 closed
    assert current.risks_by_band == {"low": 0, "medium": 1, "high": 0, "critical": 1}
    assert current.inherent_high_or_critical == 1 and current.residual_high_or_critical == 0
    assert previous.inherent_high_or_critical == 1 and previous.residual_high_or_critical == 0
    # on the 5th: R-001 (2,2) low, R-002 (3,3) medium; P-001 still exploring then
    assert early.risks_by_band == {"low": 1, "medium": 1, "high": 0, "critical": 0}
    assert early.partnerships_by_status == {"exploring": 1, "active": 1}
    assert current.partnerships_by_status == {"negotiating": 1, "active": 1}


def test_summary_sentences(story):
    with story.session() as s:
        current, previous = compare_periods(s, start=D(2026, 9, 11), end=D(2026, 9, 30))
    sentences = summary_sentences(current, previous, [])
    assert (
        sentences[0]
        == "2 events were logged between 11 September 2026 and 30 September 2026, the same as in the previous period (2)."
    )
    assert sentences[1] == "1 of them was adverse (previous period: 2)."
    assert sentences[2] == "No new risks were opened (previous period: 3)."
    # counted after mitigation, as the dashboard and the pack's key figures count them
    assert sentences[3] == (
        "No open risks are in the high or critical band after mitigation at the end of the "
        "period, against 0 at the end of the previous one."
    )
    assert sentences[4] == "2 partnerships are tracked: 1 negotiating, 1 active."
    assert sentences[5] == "No risk is flagged for review."


def test_top_risks_register_and_notable_events(story):
    with story.session() as s:
        top = top_residual_risks(s, n=2, today=D(2026, 10, 1))
        register = risk_register(s, filters=RecordFilter(include_closed=True))
        notable = notable_events(s, start=D(2026, 9, 1), end=D(2026, 9, 30))
    # residual: R-003 (2,2)=4, R-001 (1,1)=1; ties would go to inherent score
    assert [(r.ref, r.residual_score, r.score) for r in top] == [("R-003", 4, 25), ("R-001", 1, 8)]
    assert [r.ref for r in register] == ["R-002", "R-003", "R-001"]
    assert [(e.title, e.severity) for e in notable] == [("Cancellations wave", 5), ("Letter", 4)]
    assert notable[1].stakeholder_name == "Researchers" and notable[1].adverse


def test_stakeholder_map_and_stance_before(story):
    with story.session() as s:
        now = {p.ref: p for p in stakeholder_map(s)}
        since = {p.ref: p for p in stakeholder_map(s, since=D(2026, 9, 5))}
        mid = {p.ref: p for p in stakeholder_map(s, since=D(2026, 9, 15))}
        before_any = {p.ref: p for p in stakeholder_map(s, since=D(2026, 8, 1))}
    assert (now["S-001"].influence, now["S-001"].interest, now["S-001"].stance) == (5, 4, -2)
    assert now["S-001"].stance_before is None and now["S-001"].stance_label == "Hostile"
    assert since["S-001"].stance_before == 0 and since["S-001"].stance_changed
    assert mid["S-001"].stance_before == -1
    assert since["S-002"].stance_before == -1 and not since["S-002"].stance_changed
    assert before_any["S-001"].stance_before is None  # did not exist yet
