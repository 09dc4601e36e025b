"""History lines, the Activity pages and a risk's hub on both backends (QUALITY.md R7)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from db.classification import levels_up_to
from db.queries import activity as q
from desktop.services import activity
from desktop.services.risk_hub import form_extras
from tests.services.conftest import event, risk, update

D = dt.date


def _all_pages(session: Any, query: Any, size: int) -> list[int]:
    out: list[int] = []
    after = None
    while True:
        page = activity.activity_rows(session, query=query, after=after, limit=size)
        out += [row.entry_id for row in page]
        if len(page) < size:
            return out
        after = activity.page_key(page[-1])


def test_history_activity_and_hub_agree_on_both_backends(
    any_register: Any, clock: Any, monkeypatch: Any
) -> None:
    reg = any_register
    clock.set(D(2026, 9, 1))
    with reg.write() as s:
        r1 = risk(s, "Backlash", 3, 3)
        event(
            s, "Letter", D(2026, 9, 1), kind="criticism", severity=4, sentiment=-2, risk_ids=[r1.id]
        )
    clock.set(D(2026, 9, 2))
    with reg.write() as s:
        update(s, "risk", r1.id, impact=5)
        update(s, "risk", r1.id, classification="SECRET", owner="Ops", likelihood=4)  # same instant
    clock.set(D(2026, 9, 3))
    with reg.write() as s:
        update(
            s, "risk", r1.id, classification="RESTRICTED", residual_likelihood=1, residual_impact=2
        )

    restricted = levels_up_to("RESTRICTED")
    with reg.session() as s:
        lines = activity.record_history(s, kind="risk", ref=r1.ref, levels=restricted)
        assert [(x.field, x.old, x.new) for x in lines[:3]] == [
            ("classification", activity.WITHHELD, "RESTRICTED"),
            ("residual_impact", activity.WITHHELD, "2"),
            ("residual_likelihood", activity.WITHHELD, "1"),
        ]
        assert ("owner", activity.EMPTY, activity.WITHHELD) in [
            (x.field, x.old, x.new) for x in lines
        ]

        everything = _all_pages(s, activity.activity_query(), 2)
        assert len(everything) == len(set(everything)) == 5
        second = activity.activity_query(first=D(2026, 9, 2), last=D(2026, 9, 2))
        assert len(_all_pages(s, second, 1)) == 2
        monkeypatch.setattr(q, "MEMBER_WINDOW", 2)  # both phases of a member's query
        assert _all_pages(s, activity.activity_query(actor="tester"), 2) == everything
        assert _all_pages(s, activity.activity_query(actor="nobody"), 2) == []

        extras = form_extras(
            s, kind="risk", record_id=r1.id, ref=r1.ref, today=D(2026, 9, 3), levels=None
        )
        assert extras.hub is not None
        assert [(p.score, p.residual) for p in extras.hub.scores] == [
            (9, None),
            (15, None),
            (20, None),
            (20, 2),
        ]
        assert [e.title for e in extras.hub.events] == ["Letter"]
        assert extras.hub.events[0].adverse and extras.hub.events[0].pressure > 0
        assert [x.entry_id for x in extras.history] == [
            x.entry_id for x in activity.record_history(s, kind="risk", ref=r1.ref, levels=None)
        ]
        hidden = form_extras(
            s, kind="risk", record_id=r1.id, ref=r1.ref, today=D(2026, 9, 3), levels=restricted
        )
        assert hidden.hub is not None
        # the moment it was SECRET is left out of the chart
        assert [(p.score, p.residual) for p in hidden.hub.scores] == [
            (9, None),
            (15, None),
            (20, 2),
        ]
