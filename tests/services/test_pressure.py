"""Pressure model: hand-computed figures, flags, reasons and their order."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from desktop.services import pressure as pm
from desktop.services.filters import RecordFilter
from desktop.services.pressure import review_suggested, risk_pressure
from tests.services.conftest import event, risk

TODAY = dt.date(2026, 10, 31)


def ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


def test_weights_and_decay():
    assert pm.reach_factor(None) == 1.0
    assert pm.reach_factor(9) == pytest.approx(2.0)
    assert pm.reach_factor(999) == pytest.approx(4.0)
    assert pm.event_weight(3, 999) == pytest.approx(12.0)
    assert (
        pm.decay(0) == 1.0
        and pm.decay(14) == pytest.approx(0.5)
        and pm.decay(28) == pytest.approx(0.25)
    )


@pytest.fixture
def reg(register):
    with register.write() as s:
        r1 = risk(s, "Research backlash", 4, 4, review_due=ago(59))
        r2 = risk(s, "Customer cancellations", 3, 4, review_due=ago(1))
        r3 = risk(s, "Always criticised", 3, 3, review_due=TODAY)
        r4 = risk(s, "Closed one", 2, 2, status="closed", review_due=ago(100))
        # R-001, recent: 4 x (1 + log10(1000)) = 16 today; 2 seven days ago -> 2 x 0.5**0.5;
        # a criticism logged neutral, severity 1, today -> 1.  Total 18.41421...
        event(
            s,
            "Open letter",
            ago(0),
            kind="criticism",
            severity=4,
            sentiment=-2,
            reach=999,
            risk_ids=[r1.id],
        )
        event(
            s, "Blog post", ago(7), kind="media_report", severity=2, sentiment=-1, risk_ids=[r1.id]
        )
        event(
            s,
            "Neutral criticism",
            ago(0),
            kind="criticism",
            severity=1,
            sentiment=0,
            risk_ids=[r1.id],
        )
        # not adverse: positive statement
        event(
            s, "Clarification", ago(0), kind="statement", severity=5, sentiment=1, risk_ids=[r1.id]
        )
        # R-001 baseline: 20 days ago = 6 days into the first earlier fortnight:
        # 3 x (1 + log10(10)) x 0.5**(6/14) = 6 x 0.742997 = 4.45798; / 6 windows = 0.742997
        event(
            s,
            "Old protest",
            ago(20),
            kind="employee_action",
            severity=3,
            sentiment=-1,
            reach=9,
            risk_ids=[r1.id],
        )
        # beyond the baseline (98+ days ago): ignored
        event(s, "Ancient", ago(98), kind="criticism", severity=5, sentiment=-2, risk_ids=[r1.id])
        # SECRET adverse event: counted only without a ceiling
        event(
            s,
            "Classified complaint",
            ago(0),
            kind="government_action",
            severity=5,
            sentiment=-2,
            classification="SECRET",
            risk_ids=[r1.id],
        )
        # one small event, 2 x 0.5**(3/14) = 1.7241 < 5
        event(
            s, "Tweet", ago(3), kind="customer_action", severity=2, sentiment=-1, risk_ids=[r2.id]
        )
        # 5 today and 5 at the end of each earlier fortnight: ratio 1, not flagged
        for k in range(0, 7):
            event(
                s,
                f"Routine criticism {k}",
                ago(14 * k),
                kind="criticism",
                severity=5,
                sentiment=-1,
                risk_ids=[r3.id],
            )
        event(
            s,
            "On closed risk",
            ago(0),
            kind="criticism",
            severity=5,
            sentiment=-2,
            risk_ids=[r4.id],
        )
    return register


def test_hand_computed_pressure(reg):
    with reg.session() as s:
        figures = {
            p.ref: p
            for p in risk_pressure(s, today=TODAY, filters=RecordFilter(ceiling="UNCLASSIFIED"))
        }
        no_ceiling = {p.ref: p for p in risk_pressure(s, today=TODAY)}
    assert set(figures) == {"R-001", "R-002", "R-003"}  # closed left out
    p1 = figures["R-001"]
    recent = 16 + 2 * math.sqrt(0.5) + 1
    baseline = 6 * 0.5 ** (6 / 14) / 6
    assert p1.recent_pressure == pytest.approx(recent)
    assert p1.baseline_pressure == pytest.approx(baseline)
    assert p1.ratio == pytest.approx(recent / baseline)
    assert (p1.recent_events, p1.baseline_events, p1.days_overdue) == (3, 1, 59)
    assert p1.pressure_flag and p1.overdue_flag and p1.review_suggested
    assert p1.urgency == pytest.approx(recent / 5 + 59 / 14)
    assert p1.reasons == [
        f"3 adverse events in the last 14 days (pressure 18.4, {recent / baseline:.1f}x its "
        "12-week baseline of 0.7)",
        f"review was due on {ago(59).isoformat()} (59 days overdue)",
    ]
    assert no_ceiling["R-001"].recent_pressure == pytest.approx(recent + 5)
    assert no_ceiling["R-001"].recent_events == 4
    p2 = figures["R-002"]
    assert p2.recent_pressure == pytest.approx(2 * 0.5 ** (3 / 14))
    assert not p2.pressure_flag and p2.overdue_flag
    assert p2.reasons == [f"review was due on {ago(1).isoformat()} (1 day overdue)"]
    p3 = figures["R-003"]
    assert p3.recent_pressure == pytest.approx(5.0) and p3.baseline_pressure == pytest.approx(5.0)
    assert p3.ratio == pytest.approx(1.0)
    assert not p3.review_suggested and p3.reasons == []  # due today is not overdue


def test_review_suggested_order_and_new_pressure(reg):
    with reg.write() as s:
        r5 = risk(s, "Brand new storm", 2, 2)
        event(
            s,
            "First strike",
            ago(1),
            kind="media_report",
            severity=3,
            sentiment=-2,
            reach=99,
            risk_ids=[r5.id],
        )
    with reg.session() as s:
        flagged = review_suggested(s, today=TODAY, filters=RecordFilter(ceiling="UNCLASSIFIED"))
    # 3 x 3 x 0.5**(1/14) = 8.5696, no baseline -> urgency 1.714
    # 18.41/5 + 59/14 = 7.897;  R-002: 1/14 = 0.071
    assert [p.ref for p in flagged] == ["R-001", "R-005", "R-002"]
    new = flagged[1]
    assert new.baseline_pressure == 0 and new.ratio is None
    assert new.reasons == [
        "1 adverse event in the last 14 days (pressure 8.6) after none in the 12 weeks before"
    ]


def test_include_closed_and_filters(reg):
    with reg.session() as s:
        with_closed = {
            p.ref for p in risk_pressure(s, today=TODAY, filters=RecordFilter(include_closed=True))
        }
        flagged_closed = {
            p.ref
            for p in review_suggested(s, today=TODAY, filters=RecordFilter(statuses=("closed",)))
        }
    assert "R-004" in with_closed
    assert flagged_closed == {"R-004"}


def test_below_minimum_is_not_flagged_even_without_baseline(register):
    with register.write() as s:
        r = risk(s, "Whisper", 2, 2)
        event(s, "Grumble", ago(2), kind="criticism", severity=4, sentiment=-1, risk_ids=[r.id])
    with register.session() as s:
        (p,) = risk_pressure(s, today=TODAY)
    assert p.recent_pressure == pytest.approx(4 * 0.5 ** (2 / 14))
    assert not p.review_suggested
