"""The analysis layer on both backends (QUALITY.md R7): the same small history gives
the same matrix, as-of replay (both directions), changes, pressure and timeline on a
SQLite file and on a real PostgreSQL server."""

from __future__ import annotations

import datetime as dt

from desktop.services import history
from desktop.services.changes import changes_between
from desktop.services.filters import RecordFilter
from desktop.services.matrix import risk_matrix, risk_movement
from desktop.services.pressure import review_suggested
from desktop.services.stakeholder_map import stakeholder_map
from desktop.services.summary import compare_periods
from desktop.services.timeline import events_per_week, sentiment_trend
from tests.services.conftest import delete, event, partnership, restore, risk, stakeholder, update

D = dt.date


def test_analysis_on_both_backends(any_register, clock):
    reg = any_register
    clock.set(D(2026, 9, 1))
    with reg.write() as s:
        s1 = stakeholder(s, "Ministry", stance=1)
        p1 = partnership(s, "Pilot", s1.id, status="exploring")
        p2 = partnership(s, "CANARY deal", s1.id, classification="SECRET")
        r1 = risk(s, "Backlash", 2, 2, partnership_ids=[p1.id, p2.id], review_due=D(2026, 9, 20))
        r2 = risk(s, "CANARY risk", 5, 5, classification="SECRET")
        event(
            s,
            "Letter",
            D(2026, 9, 2),
            kind="criticism",
            severity=5,
            sentiment=-2,
            reach=999,
            partnership_id=p1.id,
            risk_ids=[r1.id],
        )
        event(
            s,
            "CANARY leak",
            D(2026, 9, 2),
            kind="media_report",
            severity=5,
            sentiment=-2,
            classification="SECRET",
            risk_ids=[r1.id, r2.id],
        )
    clock.set(D(2026, 9, 5))
    with reg.write() as s:
        update(s, "risk", r1.id, likelihood=4, residual_likelihood=1, residual_impact=2)
        update(s, "stakeholder", s1.id, stance=-1)
        update(s, "partnership", p1.id, status="active")
        snap = delete(s, "risk", r2.id)
    clock.set(D(2026, 9, 7))
    with reg.write() as s:
        restore(s, "risk", snap)

    f = RecordFilter(ceiling="UNCLASSIFIED")
    with reg.session() as s:
        assert risk_matrix(s).total == 2
        assert risk_matrix(s, filters=f).cell(4, 2).refs == ("R-001",)
        assert risk_matrix(s, residual=True, filters=f, with_points=False).count(1, 2) == 1
        cutoffs = [
            history.end_of_day(d)
            for d in (D(2026, 8, 31), D(2026, 9, 1), D(2026, 9, 5), D(2026, 9, 7))
        ]
        fields = ["title", "status", "likelihood", "impact"]
        fwd = history.states_at(
            s, kind="risk", cutoffs=cutoffs, fields=fields, levels=None, method="forward"
        )
        rev = history.states_at(
            s, kind="risk", cutoffs=cutoffs, fields=fields, levels=None, method="reverse"
        )
        assert [dict(t.items()) for t in fwd] == [dict(t.items()) for t in rev]
        assert [sorted(t) for t in fwd] == [[], ["R-001", "R-002"], ["R-001"], ["R-001", "R-002"]]
        assert risk_matrix(s, as_of=D(2026, 9, 1), filters=f).cell(2, 2).refs == ("R-001",)
        (move,) = risk_movement(s, since=D(2026, 9, 1), filters=f)
        assert (move.from_cell, move.to_cell, move.direction) == ((2, 2), (4, 2), "up")
        c = changes_between(s, start=D(2026, 9, 2), end=D(2026, 9, 30), filters=f)
        assert [(x.old, x.new) for x in c.stance_changes] == [(1, -1)]
        assert [(x.old, x.new) for x in c.partnership_status_changes] == [("exploring", "active")]
        assert [m.ref for m in c.cell_changes] == ["R-001"] and c.new_risks == []
        (flag,) = review_suggested(s, today=D(2026, 9, 3), filters=f)
        assert flag.recent_pressure == 20.0 * 0.5 ** (1 / 14) and flag.pressure_flag
        weeks = events_per_week(s, start=D(2026, 9, 1), end=D(2026, 9, 13), filters=f)
        assert [b.total for b in weeks] == [1, 0]
        assert [
            p.count for p in sentiment_trend(s, start=D(2026, 9, 1), end=D(2026, 9, 13), filters=f)
        ] == [1, 0]
        current, previous = compare_periods(s, start=D(2026, 9, 1), end=D(2026, 9, 30), filters=f)
        assert (current.events, current.adverse_events, current.new_risks) == (1, 1, 1)
        assert current.partnerships_by_status == {"active": 1}
        (point,) = stakeholder_map(s, filters=f, since=D(2026, 9, 1))
        assert (point.stance, point.stance_before) == (-1, 1)
        assert "CANARY" not in repr([c, flag, weeks, current, previous, point])
