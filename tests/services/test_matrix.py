"""Risk matrix: counts inherent/residual, closed risks, filters, ceiling, as-of, movement."""

from __future__ import annotations

import datetime as dt

import pytest

from db.scales import Bands
from desktop.services import history
from desktop.services.filters import RecordFilter
from desktop.services.matrix import risk_matrices, risk_matrix, risk_movement
from tests.services.conftest import delete, partnership, restore, risk, stakeholder, update

D = dt.date


@pytest.fixture
def reg(register):
    """Five risks, hand-placed (see each line); P-002 and R-004 are SECRET."""
    with register.write() as s:
        s1 = stakeholder(s, "Defence ministry")
        p1 = partnership(s, "Defence pilot", s1.id)
        p2 = partnership(s, "Hidden programme", s1.id, classification="SECRET")
        # inherent (4,4)=16 critical; residual (3,3)=9 medium
        risk(
            s,
            "Research backlash",
            4,
            4,
            residual_likelihood=3,
            residual_impact=3,
            category="reputational",
            owner="Ana",
            partnership_ids=[p1.id],
        )
        # inherent (3,4)=12 high; no residual: sits at (3,4) in the residual matrix too
        risk(
            s,
            "Customer cancellations",
            3,
            4,
            category="commercial",
            owner="Ben",
            partnership_ids=[p1.id, p2.id],
        )
        # closed: (2,2) / (1,2)
        risk(
            s,
            "Contract dispute",
            2,
            2,
            residual_likelihood=1,
            residual_impact=2,
            category="legal_regulatory",
            owner="Ana",
            status="closed",
        )
        # SECRET: (5,5)
        risk(s, "Hidden exposure", 5, 5, classification="SECRET", partnership_ids=[p2.id])
        # monitoring: (3,3) / (2,3)
        risk(
            s,
            "Staff protest",
            3,
            3,
            residual_likelihood=2,
            residual_impact=3,
            category="people",
            owner="ben",
            status="monitoring",
        )
    register.p1, register.p2 = p1.id, p2.id
    return register


def cells(m):
    return {(c.likelihood, c.impact): c.count for c in m.cells if c.count}


def refs(m):
    return {(c.likelihood, c.impact): c.refs for c in m.cells if c.count}


def test_inherent_and_residual_counts(reg):
    with reg.session() as s:
        inherent = risk_matrix(s)
        residual = risk_matrix(s, residual=True)
    assert cells(inherent) == {(4, 4): 1, (3, 4): 1, (5, 5): 1, (3, 3): 1}
    assert cells(residual) == {(3, 3): 1, (3, 4): 1, (5, 5): 1, (2, 3): 1}
    assert refs(inherent)[(4, 4)] == ("R-001",)
    assert inherent.totals_by_band == {"low": 0, "medium": 1, "high": 1, "critical": 2}
    assert residual.totals_by_band == {"low": 0, "medium": 2, "high": 1, "critical": 1}
    assert inherent.total == residual.total == 4
    assert inherent.counts()[3][3] == 1 and inherent.count(1, 1) == 0
    point = inherent.cell(4, 4).points[0]
    assert (point.ref, point.title, point.score, point.band) == (
        "R-001",
        "Research backlash",
        16,
        "critical",
    )


def test_counts_only_matches_points(reg):
    with reg.session() as s:
        for residual in (False, True):
            a = risk_matrix(s, residual=residual, with_points=False)
            b = risk_matrix(s, residual=residual)
            assert a.counts() == b.counts()
            assert a.points() == [] and len(b.points()) == 4


def test_closed_left_out_unless_asked(reg):
    with reg.session() as s:
        m = risk_matrix(s, filters=RecordFilter(include_closed=True))
        r = risk_matrix(s, residual=True, filters=RecordFilter(include_closed=True))
        only_closed = risk_matrix(s, filters=RecordFilter(statuses=("closed",)))
    assert cells(m)[(2, 2)] == 1 and m.total == 5
    assert cells(r)[(1, 2)] == 1
    assert refs(only_closed) == {(2, 2): ("R-003",)}


def test_filters(reg):
    with reg.session() as s:
        by_p1 = risk_matrix(s, filters=RecordFilter(partnership_ids=(reg.p1,)))
        by_cat = risk_matrix(s, filters=RecordFilter(categories=("commercial",)))
        by_owner = risk_matrix(s, filters=RecordFilter(owners=("BEN",)))
        by_status = risk_matrix(s, filters=RecordFilter(statuses=("monitoring",)))
        ceiling = risk_matrix(s, filters=RecordFilter(ceiling="UNCLASSIFIED"))
        hidden_p = risk_matrix(
            s, filters=RecordFilter(ceiling="UNCLASSIFIED", partnership_ids=(reg.p2,))
        )
        secret_p = risk_matrix(s, filters=RecordFilter(partnership_ids=(reg.p2,)))
    assert {p.ref for p in by_p1.points()} == {"R-001", "R-002"}
    assert {p.ref for p in by_cat.points()} == {"R-002"}
    assert {p.ref for p in by_owner.points()} == {"R-002", "R-005"}
    assert {p.ref for p in by_status.points()} == {"R-005"}
    assert {p.ref for p in ceiling.points()} == {"R-001", "R-002", "R-005"}
    assert ceiling.count(5, 5) == 0
    # a partnership above the ceiling matches nothing (its links are not followed)
    assert hidden_p.total == 0
    assert {p.ref for p in secret_p.points()} == {"R-002", "R-004"}


def test_custom_bands(reg):
    with reg.session() as s:
        m = risk_matrix(s, bands=Bands(low_max=5, medium_max=12, high_max=13))
    assert m.cell(3, 4).band == "medium" and m.cell(4, 4).band == "critical"
    assert m.totals_by_band == {"low": 0, "medium": 2, "high": 0, "critical": 2}


# --------------------------------------------------------------------------- as of


@pytest.fixture
def story(register, clock):
    """R-001 over September 2026:
    01 created (2,2)            05 likelihood 3 -> (3,2)
    10 impact 4, residual (2,2) 12 deleted
    15 restored (as at 12: (3,4) / (2,2))     20 closed
    R-002 created on 03 at (1,1), classification raised to SECRET on 08.
    R-003 created on 04 as SECRET, lowered to UNCLASSIFIED on 18."""
    clock.set(D(2026, 9, 1))
    with register.write() as s:
        r1 = risk(s, "Moving risk", 2, 2)
    clock.set(D(2026, 9, 3))
    with register.write() as s:
        r2 = risk(s, "Soon secret", 1, 1)
    clock.set(D(2026, 9, 4))
    with register.write() as s:
        r3 = risk(s, "Secret at first", 5, 1, classification="SECRET")
    clock.set(D(2026, 9, 5))
    with register.write() as s:
        update(s, "risk", r1.id, likelihood=3)
    clock.set(D(2026, 9, 8))
    with register.write() as s:
        update(s, "risk", r2.id, classification="SECRET")
    clock.set(D(2026, 9, 10))
    with register.write() as s:
        update(s, "risk", r1.id, impact=4, residual_likelihood=2, residual_impact=2)
    clock.set(D(2026, 9, 12))
    with register.write() as s:
        snap = delete(s, "risk", r1.id)
    clock.set(D(2026, 9, 15))
    with register.write() as s:
        restore(s, "risk", snap)
    clock.set(D(2026, 9, 18))
    with register.write() as s:
        update(s, "risk", r3.id, classification="UNCLASSIFIED")
    clock.set(D(2026, 9, 20), hour=23, minute=59)
    with register.write() as s:
        update(s, "risk", r1.id, status="closed")
    return register


AS_OF = {
    D(2026, 8, 31): {},
    D(2026, 9, 1): {"R-001": (2, 2)},
    D(2026, 9, 3): {"R-001": (2, 2), "R-002": (1, 1)},
    D(2026, 9, 4): {"R-001": (2, 2), "R-002": (1, 1), "R-003": (5, 1)},
    D(2026, 9, 5): {"R-001": (3, 2), "R-002": (1, 1), "R-003": (5, 1)},
    D(2026, 9, 9): {"R-001": (3, 2), "R-002": (1, 1), "R-003": (5, 1)},
    D(2026, 9, 10): {"R-001": (3, 4), "R-002": (1, 1), "R-003": (5, 1)},
    D(2026, 9, 13): {"R-002": (1, 1), "R-003": (5, 1)},
    D(2026, 9, 16): {"R-001": (3, 4), "R-002": (1, 1), "R-003": (5, 1)},
    D(2026, 9, 20): {"R-002": (1, 1), "R-003": (5, 1)},
}


def test_as_of_rebuilds_each_day(story):
    with story.session() as s:
        for day, expected in AS_OF.items():
            m = risk_matrix(s, as_of=day)
            assert {p.ref: (p.likelihood, p.impact) for p in m.points()} == expected, day


def test_as_of_ceiling_uses_then_and_now(story):
    """R-002 was UNCLASSIFIED until the 8th but is SECRET now: never shown under an
    UNCLASSIFIED ceiling.  R-003 was SECRET until the 18th: shown only after."""
    f = RecordFilter(ceiling="UNCLASSIFIED")
    with story.session() as s:
        early = risk_matrix(s, as_of=D(2026, 9, 5), filters=f)
        late = risk_matrix(s, as_of=D(2026, 9, 19), filters=f)
    assert {p.ref for p in early.points()} == {"R-001"}
    assert {p.ref for p in late.points()} == {"R-001", "R-003"}
    assert "Soon secret" not in repr((early, late))


def test_as_of_residual_and_closed(story):
    with story.session() as s:
        residual = risk_matrix(s, residual=True, as_of=D(2026, 9, 10))
        before = risk_matrix(s, residual=True, as_of=D(2026, 9, 9))
        closed = risk_matrix(s, as_of=D(2026, 9, 20), filters=RecordFilter(include_closed=True))
    assert {p.ref: (p.likelihood, p.impact) for p in residual.points()}["R-001"] == (2, 2)
    # no residual yet on the 9th: the inherent cell
    assert {p.ref: (p.likelihood, p.impact) for p in before.points()}["R-001"] == (3, 2)
    assert {p.ref: p.status for p in closed.points()} == {
        "R-001": "closed",
        "R-002": "open",
        "R-003": "open",
    }


def test_forward_and_reverse_replay_agree(story):
    fields = ["title", "status", "likelihood", "impact", "residual_likelihood", "residual_impact"]
    cutoffs = [history.end_of_day(d) for d in sorted(AS_OF)]
    with story.session() as s:
        for levels in (None, ("PUBLIC", "UNCLASSIFIED")):
            fwd = history.states_at(
                s, kind="risk", cutoffs=cutoffs, fields=fields, levels=levels, method="forward"
            )
            rev = history.states_at(
                s, kind="risk", cutoffs=cutoffs, fields=fields, levels=levels, method="reverse"
            )
            assert [dict(t.items()) for t in fwd] == [dict(t.items()) for t in rev]


def test_today_or_later_is_the_current_register(story):
    with story.session() as s:
        now = risk_matrix(s, filters=RecordFilter(include_closed=True))
        today = risk_matrix(s, as_of=history.today_utc(), filters=RecordFilter(include_closed=True))
    assert now.points() == today.points()


def test_both_matrices_at_once(story):
    with story.session() as s:
        inherent, residual = risk_matrices(s, as_of=D(2026, 9, 10))
    assert inherent.cell(3, 4).refs == ("R-001",) and residual.cell(2, 2).refs == ("R-001",)
    assert inherent.as_of == D(2026, 9, 10) and residual.residual


# --------------------------------------------------------------------------- movement


def test_movement_between_dates(story):
    with story.session() as s:
        moves = {m.ref: m for m in risk_movement(s, since=D(2026, 9, 4), until=D(2026, 9, 10))}
        hidden = {
            m.ref: m
            for m in risk_movement(
                s,
                since=D(2026, 9, 4),
                until=D(2026, 9, 10),
                filters=RecordFilter(ceiling="RESTRICTED"),
            )
        }
        gone = {m.ref: m for m in risk_movement(s, since=D(2026, 9, 16), until=D(2026, 9, 20))}
        appeared = {m.ref: m for m in risk_movement(s, since=D(2026, 8, 31), until=D(2026, 9, 1))}
    m = moves["R-001"]
    assert (m.from_cell, m.to_cell, m.from_score, m.to_score, m.direction) == (
        (2, 2),
        (3, 4),
        4,
        12,
        "up",
    )
    assert (m.from_band, m.to_band) == ("low", "high") and m.moved
    assert moves["R-003"].direction == "same" and not moves["R-003"].moved
    assert moves["R-002"].direction == "same"
    # R-002 is SECRET now, so under a lower ceiling it never shows, at either date;
    # R-003 was SECRET on the 4th and still is on the 10th
    assert set(hidden) == {"R-001"}
    assert gone["R-001"].closed and gone["R-001"].to_cell is None
    assert appeared["R-001"].appeared and appeared["R-001"].from_cell is None


def test_movement_down_and_to_now(register, clock):
    clock.set(D(2026, 9, 1))
    with register.write() as s:
        r = risk(s, "Falling", 5, 5)
    clock.set(D(2026, 9, 2))
    with register.write() as s:
        update(s, "risk", r.id, likelihood=1)
    with register.session() as s:
        (m,) = risk_movement(s, since=D(2026, 9, 1))
        (mr,) = risk_movement(s, since=D(2026, 9, 1), residual=True)
    assert (m.from_score, m.to_score, m.direction) == (25, 5, "down")
    assert mr.to_cell == (1, 5)


def test_as_of_with_filters(register, clock):
    """Category, owner and partnerships are taken as they were on that date."""
    clock.set(D(2026, 9, 1))
    with register.write() as s:
        s1 = stakeholder(s, "Ministry")
        p1 = partnership(s, "Pilot", s1.id)
        r = risk(s, "Drifting", 2, 3, category="commercial", owner="Ana", partnership_ids=[p1.id])
    clock.set(D(2026, 9, 5))
    with register.write() as s:
        update(s, "risk", r.id, category="political", owner="Ben", partnership_ids=[])
    with register.session() as s:
        then = [
            risk_matrix(s, as_of=D(2026, 9, 2), filters=RecordFilter(**kw)).total
            for kw in (
                {"categories": ("commercial",)},
                {"owners": ("ana",)},
                {"partnership_ids": (p1.id,)},
            )
        ]
        now = [
            risk_matrix(s, filters=RecordFilter(**kw)).total
            for kw in (
                {"categories": ("commercial",)},
                {"owners": ("ana",)},
                {"partnership_ids": (p1.id,)},
            )
        ]
    assert then == [1, 1, 1]
    assert now == [0, 0, 0]


def test_risk_owners_pick_list(reg):
    from desktop.services.filters import risk_owners

    with reg.write() as s:
        risk(s, "Secret owner", 2, 2, owner="Zed", classification="SECRET")
    with reg.session() as s:
        assert risk_owners(s) == ["Ana", "Ben", "ben", "Zed"]
        assert risk_owners(s, ceiling="UNCLASSIFIED") == ["Ana", "Ben", "ben"]


def test_as_of_counts_only_agree_with_points(story):
    """The counts-only replay reads fewer entries (no title changes, only the scores
    asked for): it must give the same counts as the full one."""
    filters = (
        RecordFilter(),
        RecordFilter(include_closed=True),
        RecordFilter(ceiling="UNCLASSIFIED"),
    )
    with story.session() as s:
        for day, f in ((d, f) for d in sorted(AS_OF) for f in filters):
            for residual in (False, True):
                full = risk_matrix(s, as_of=day, residual=residual, filters=f)
                counts = risk_matrix(s, as_of=day, residual=residual, filters=f, with_points=False)
                assert (
                    counts.counts() == full.counts()
                    and counts.totals_by_band == full.totals_by_band
                )
            both = risk_matrices(s, as_of=day, filters=f, with_points=False)
            assert [m.counts() for m in both] == [
                risk_matrix(s, as_of=day, residual=r, filters=f).counts() for r in (False, True)
            ]
