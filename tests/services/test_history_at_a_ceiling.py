"""Issue 13, history at a ceiling: a record's past counts only from the moments it was at
or below the ceiling; a pack made under a higher ceiling is never a lower pack's baseline."""

from __future__ import annotations

import datetime as dt

from db.models import BriefingRecord
from db.queries import briefing as bq
from db.queries import briefings as bqs
from desktop.services.changes import changes_between
from desktop.services.filters import RecordFilter
from tests.services.conftest import partnership, risk, stakeholder, update

D = dt.date


def _window(s, start: dt.date, ceiling: str):
    return changes_between(
        s, start=start, end=D(2026, 9, 10), filters=RecordFilter(ceiling=ceiling)
    )


def test_changes_made_while_above_the_ceiling_do_not_count(any_register, clock):
    reg = any_register
    clock.set(D(2026, 9, 1))
    with reg.write() as s:
        who = stakeholder(s, "Later downgraded", classification="SECRET", stance=-2)
        always = stakeholder(s, "Always open", stance=0)
        p = partnership(s, "Later downgraded pilot", always.id, classification="SECRET")
    clock.set(D(2026, 9, 3))
    with reg.write() as s:
        update(s, "stakeholder", who.id, stance=-1)  # while SECRET: never shown below it
        update(s, "partnership", p.id, status="negotiating")
        update(s, "stakeholder", always.id, stance=1)
    clock.set(D(2026, 9, 5))
    with reg.write() as s:
        update(s, "stakeholder", who.id, classification="UNCLASSIFIED")
        update(s, "partnership", p.id, classification="RESTRICTED")
    clock.set(D(2026, 9, 7))
    with reg.write() as s:
        update(s, "stakeholder", who.id, stance=1)  # visible now: this one counts
        update(s, "partnership", p.id, status="active")
    with reg.session() as s:
        low = _window(s, D(2026, 9, 1), "RESTRICTED")
        high = _window(s, D(2026, 9, 1), "SECRET")
    stance = {(c.ref, c.old, c.new) for c in low.stance_changes}
    assert stance == {(always.ref, 0, 1), (who.ref, -1, 1)}
    status = {(c.ref, c.old, c.new) for c in low.partnership_status_changes}
    assert status == {(p.ref, "negotiating", "active")}
    # Under a ceiling that admits it all along, the whole history counts.
    assert {(c.ref, c.old, c.new) for c in high.stance_changes} == stance | {(who.ref, -2, -1)}
    assert len(high.partnership_status_changes) == 2


def test_a_risk_brought_down_to_the_ceiling_is_new_from_that_day(any_register, clock):
    reg = any_register
    clock.set(D(2026, 9, 1))
    with reg.write() as s:
        secret = risk(s, "Made secret", 3, 3, classification="SECRET")
        old_secret = risk(s, "Secret before the window", 2, 2, classification="SECRET")
    clock.set(D(2026, 9, 3))
    with reg.write() as s:
        update(s, "risk", secret.id, status="closed")  # closed while SECRET
    clock.set(D(2026, 9, 6))
    with reg.write() as s:
        update(s, "risk", secret.id, classification="RESTRICTED")
        update(s, "risk", old_secret.id, classification="UNCLASSIFIED")
    with reg.session() as s:
        low = _window(s, D(2026, 9, 2), "RESTRICTED")
        high = _window(s, D(2026, 9, 2), "SECRET")
        whole = _window(s, D(2026, 9, 1), "SECRET")
    # Below SECRET both appeared on the 6th (one of them already closed).
    assert {(r.ref, r.on) for r in low.new_risks} == {
        (old_secret.ref, D(2026, 9, 6)),
        (secret.ref, D(2026, 9, 6)),
    }
    assert {(r.ref, r.on) for r in low.closed_risks} == {(secret.ref, D(2026, 9, 6))}
    # Under SECRET both existed all along: nothing new in the window, closed on the 3rd.
    assert high.new_risks == []
    assert {(r.ref, r.on) for r in high.closed_risks} == {(secret.ref, D(2026, 9, 3))}
    assert {(r.ref, r.on) for r in whole.new_risks} == {
        (old_secret.ref, D(2026, 9, 1)),
        (secret.ref, D(2026, 9, 1)),
    }


def _record(s, ceiling: str, at: dt.datetime) -> None:
    bq.add_briefing_record(
        s,
        record=BriefingRecord(
            created_at=at,
            actor="t",
            title="x",
            parameters="{}",
            ceiling=ceiling,
            banner_level="PUBLIC",
            page_count=1,
            sha256="0" * 64,
            file_name="x.pdf",
        ),
    )


def test_previous_pack_is_one_at_or_below_this_ceiling(any_register):
    reg = any_register
    t = dt.datetime(2026, 9, 1, 9, tzinfo=dt.UTC)
    with reg.write() as s:
        _record(s, "RESTRICTED", t)
        _record(s, "SECRET", t + dt.timedelta(days=2))
    later = t + dt.timedelta(days=5)
    with reg.session() as s:
        restricted = ["PUBLIC", "UNCLASSIFIED", "RESTRICTED"]
        found = bq.last_briefing(s, before=later, levels=restricted)
        assert found is not None and found.ceiling == "RESTRICTED"  # equal ceiling: a baseline
        found = bq.last_briefing(s, before=later, levels=[*restricted, "CONFIDENTIAL", "SECRET"])
        assert found is not None and found.ceiling == "SECRET"
        assert bq.last_briefing(s, before=later, levels=["PUBLIC", "UNCLASSIFIED"]) is None
        # The dialog's and a rebuild's default "since" follow the same rule.
        assert bqs.latest_briefing_at(s, levels=restricted) == t
        assert bqs.latest_briefing_date(s, levels=["PUBLIC"]) is None
        assert bqs.latest_briefing_date(s) == (t + dt.timedelta(days=2)).date()
