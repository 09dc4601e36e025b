"""The classification ceiling never leaks: canary records above it (now, or at the
date asked about) never appear in any result, by title, name, ref or count."""

from __future__ import annotations

import datetime as dt

import pytest

from desktop.services.changes import changes_between
from desktop.services.filters import RecordFilter
from desktop.services.matrix import risk_matrices, risk_matrix, risk_movement
from desktop.services.pressure import review_suggested, risk_pressure
from desktop.services.stakeholder_map import stakeholder_map
from desktop.services.summary import (
    compare_periods,
    notable_events,
    risk_register,
    summary_sentences,
    top_residual_risks,
)
from desktop.services.timeline import events_between, events_per_week, sentiment_trend
from tests.services.conftest import delete, event, partnership, risk, stakeholder, update

D = dt.date
CANARY = "CANARY"


@pytest.fixture
def reg(register, clock):
    clock.set(D(2026, 9, 1))
    with register.write() as s:
        visible_s = stakeholder(s, "Open ministry", stance=1)
        secret_s = stakeholder(s, "CANARY agency", classification="SECRET", stance=-2)
        visible_p = partnership(s, "Open pilot", visible_s.id, status="active")
        secret_p = partnership(
            s, "CANARY programme", secret_s.id, status="negotiating", classification="SECRET"
        )
        # visible risk linked to the secret partnership and stakeholder
        r_open = risk(
            s,
            "Open risk",
            4,
            4,
            partnership_ids=[visible_p.id, secret_p.id],
            stakeholder_ids=[secret_s.id],
            review_due=D(2026, 9, 2),
        )
        r_secret = risk(
            s,
            "CANARY risk",
            5,
            5,
            classification="SECRET",
            partnership_ids=[secret_p.id],
            review_due=D(2026, 9, 2),
        )
        # secret at first with a canary title, later retitled and lowered
        r_lowered = risk(s, "CANARY first title", 3, 3, classification="SECRET")
        # open at first, later raised and retitled
        r_raised = risk(s, "Harmless at first", 2, 2)
        # secret, then deleted
        r_gone = risk(s, "CANARY deleted", 4, 1, classification="CONFIDENTIAL")
        secret_e = event(
            s,
            "CANARY letter",
            D(2026, 9, 2),
            kind="criticism",
            severity=5,
            sentiment=-2,
            classification="SECRET",
            stakeholder_id=secret_s.id,
            partnership_id=secret_p.id,
            risk_ids=[r_open.id, r_secret.id],
        )
        event(
            s,
            "Open reply",
            D(2026, 9, 3),
            kind="statement",
            severity=4,
            sentiment=1,
            stakeholder_id=secret_s.id,
            partnership_id=secret_p.id,
            responds_to_id=secret_e.id,
            risk_ids=[r_open.id],
        )
        event(
            s,
            "Open criticism",
            D(2026, 9, 4),
            kind="criticism",
            severity=4,
            sentiment=-2,
            partnership_id=visible_p.id,
            risk_ids=[r_open.id],
        )
    clock.set(D(2026, 9, 10))
    with register.write() as s:
        update(s, "risk", r_lowered.id, title="Now open title", classification="UNCLASSIFIED")
        update(s, "risk", r_raised.id, title="CANARY raised", classification="SECRET", likelihood=5)
        update(s, "risk", r_secret.id, likelihood=4)
        update(s, "stakeholder", secret_s.id, stance=-1)
        update(s, "partnership", secret_p.id, status="active")
        delete(s, "risk", r_gone.id)
    register.secret_p, register.secret_s = secret_p.id, secret_s.id
    register.visible_p = visible_p.id
    return register


def everything(s, f, secret_p, secret_s):
    today = D(2026, 9, 30)
    out = []
    for as_of in (None, D(2026, 9, 1), D(2026, 9, 5), D(2026, 9, 10)):
        out.append(risk_matrix(s, filters=f, as_of=as_of))
        out.append(risk_matrix(s, filters=f.with_(include_closed=True), as_of=as_of, residual=True))
        out.append(risk_matrices(s, filters=f, as_of=as_of))
    out.append(risk_matrix(s, filters=f.with_(partnership_ids=(secret_p,))))
    out.append(risk_movement(s, since=D(2026, 9, 1), filters=f))
    out.append(
        risk_movement(s, since=D(2026, 9, 1), until=D(2026, 9, 10), residual=True, filters=f)
    )
    out.append(risk_pressure(s, today=D(2026, 9, 5), filters=f))
    flagged = review_suggested(s, today=D(2026, 9, 5), filters=f)
    out.append(flagged)
    out.append(changes_between(s, start=D(2026, 9, 1), end=today, filters=f))
    out.append(changes_between(s, start=D(2026, 9, 5), end=D(2026, 9, 12), filters=f))
    out.append(events_per_week(s, start=D(2026, 9, 1), end=today, filters=f))
    out.append(sentiment_trend(s, start=D(2026, 9, 1), end=today, filters=f))
    out.append(
        sentiment_trend(s, start=D(2026, 9, 1), end=today, partnership_id=secret_p, filters=f)
    )
    out.append(
        sentiment_trend(s, start=D(2026, 9, 1), end=today, stakeholder_id=secret_s, filters=f)
    )
    current, previous = compare_periods(s, start=D(2026, 9, 1), end=today, filters=f)
    out.extend([current, previous, summary_sentences(current, previous, flagged)])
    out.append(top_residual_risks(s, filters=f))
    out.append(risk_register(s, filters=f.with_(include_closed=True)))
    out.append(notable_events(s, start=D(2026, 9, 1), end=today, min_severity=1, filters=f))
    out.append(events_between(s, start=D(2026, 9, 1), end=today, filters=f))
    out.append(stakeholder_map(s, filters=f, since=D(2026, 9, 5)))
    out.append(stakeholder_map(s, filters=f.with_(partnership_ids=(secret_p,))))
    return out


@pytest.mark.parametrize("ceiling", ["PUBLIC", "UNCLASSIFIED", "RESTRICTED"])
def test_no_canary_in_any_result(reg, ceiling):
    f = RecordFilter(ceiling=ceiling)
    with reg.session() as s:
        results = everything(s, f, reg.secret_p, reg.secret_s)
    text = repr(results)
    assert CANARY not in text
    for secret_ref in ("S-002", "P-002", "R-002", "R-004", "R-005", "E-0001"):
        assert f"'{secret_ref}'" not in text


def test_counts_do_not_include_excluded_records(reg):
    f = RecordFilter(ceiling="UNCLASSIFIED")
    today = D(2026, 9, 30)
    with reg.session() as s:
        weeks = events_per_week(s, start=D(2026, 9, 1), end=today, filters=f)
        secret_trend = sentiment_trend(
            s, start=D(2026, 9, 1), end=today, partnership_id=reg.secret_p, filters=f
        )
        current, _previous = compare_periods(s, start=D(2026, 9, 1), end=today, filters=f)
        (open_risk,) = [
            p for p in risk_pressure(s, today=D(2026, 9, 5), filters=f) if p.ref == "R-001"
        ]
        reply = [
            e
            for e in events_between(s, start=D(2026, 9, 1), end=today, filters=f)
            if e.title == "Open reply"
        ]
        early = risk_matrix(s, as_of=D(2026, 9, 5), filters=f)
    assert sum(b.total for b in weeks) == 2
    assert sum(p.count for p in secret_trend) == 0
    assert (current.events, current.adverse_events) == (2, 1)
    assert current.partnerships_by_status == {"active": 1}
    assert current.new_risks == 2  # R-001 and R-003 (now open); not the secret ones
    # the secret letter does not add to the open risk's pressure: only the open criticism (4, 1 day old)
    assert open_risk.recent_events == 1
    assert reply[0].stakeholder_name is None and reply[0].partnership_name is None
    assert reply[0].responds_to_ref is None and reply[0].responds_to_title is None
    # on the 5th, R-003 was still SECRET and R-004 is SECRET now: only R-001
    assert [p.ref for p in early.points()] == ["R-001"]


def test_without_ceiling_the_canaries_are_there(reg):
    """The same calls with no ceiling do show them (so the test above can fail)."""
    with reg.session() as s:
        text = repr(everything(s, RecordFilter(), reg.secret_p, reg.secret_s))
    for name in (
        "CANARY risk",
        "CANARY letter",
        "CANARY agency",
        "CANARY programme",
        "CANARY first title",
    ):
        assert name in text
