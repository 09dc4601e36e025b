"""The dashboard on a hand-built register: the figures it shows and where clicks lead."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPointF, QSettings, Qt

from db import repository
from db.models import (
    EventCreate,
    PartnershipCreate,
    RiskCreate,
    StakeholderCreate,
    clock_at,
)
from desktop.context import AppContext
from desktop.services.periods import preset_dates
from desktop.settings import Settings
from desktop.views.dashboard_view import DashboardView

TODAY = dt.date.today()


def ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


def moment(days_ago: int) -> dt.datetime:
    return dt.datetime.combine(ago(days_ago), dt.time(10), tzinfo=dt.UTC)


@pytest.fixture
def context(register: Any, tmp_path: Path) -> Iterator[AppContext]:
    settings = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    yield AppContext(register, settings)


@pytest.fixture
def built(register: Any) -> dict[str, int]:
    """Forty-five days ago: a stakeholder, an exploring partnership, two risks.
    Since then: one more risk (overdue review), and events in both 30-day periods."""
    ids: dict[str, int] = {}
    with clock_at(moment(45)), register.write() as s:
        partner = repository.create(s, "stakeholder", StakeholderCreate(name="Alliance"), actor="t")
        ids["P-001"] = repository.create(
            s,
            "partnership",
            PartnershipCreate(name="Alliance pilot", partner_id=partner.id, status="exploring"),
            actor="t",
        ).id
        ids["R-001"] = repository.create(
            s,
            "risk",
            RiskCreate(title="Backlash from researchers", likelihood=5, impact=5),
            actor="t",
        ).id
        ids["R-002"] = repository.create(
            s, "risk", RiskCreate(title="Minor press noise", likelihood=1, impact=2), actor="t"
        ).id
    with clock_at(moment(40)), register.write() as s:
        ids["E-0001"] = repository.create(
            s,
            "event",
            EventCreate(
                occurred_on=ago(40),
                title="Earlier criticism",
                kind="criticism",
                sentiment=-1,
                partnership_id=ids["P-001"],
            ),
            actor="t",
        ).id
    with register.write() as s:
        ids["R-003"] = repository.create(
            s,
            "risk",
            RiskCreate(title="Review slipped", likelihood=3, impact=4, review_due=ago(5)),
            actor="t",
        ).id
        for n, (days, kind, sentiment) in enumerate(
            [(2, "criticism", -2), (9, "statement", 1), (20, "customer_action", -1)], start=2
        ):
            ids[f"E-000{n}"] = repository.create(
                s,
                "event",
                EventCreate(
                    occurred_on=ago(days),
                    title=f"Event {n}",
                    kind=kind,
                    sentiment=sentiment,
                    partnership_id=ids["P-001"],
                ),
                actor="t",
            ).id
    return ids


def shown(qtbot: Any, context: AppContext) -> DashboardView:
    view = DashboardView(context)
    qtbot.addWidget(view)
    view.resize(1300, 900)
    with qtbot.waitSignal(view.refreshed, timeout=15_000):
        view.show()
    return view


def figures(cards: list[Any]) -> dict[str, tuple[int, int | None]]:
    return {
        c.figure.name: (c.figure.value, c.figure.previous) for c in cards if c.figure is not None
    }


def test_key_figures_against_the_previous_period(
    qtbot: Any, context: AppContext, built: dict[str, int]
) -> None:
    view = shown(qtbot, context)
    assert view.period_key() == "30d"
    events = figures(view.event_cards)
    assert events["Events"] == (3, 1)
    assert events["Adverse events"] == (2, 1)
    assert events["New risks"] == (1, 2)  # were new 45 days ago
    bands = figures(view.band_cards)
    assert bands["Critical"] == (1, 1)
    assert bands["High"] == (1, 0)  # R-003 (12) is new
    assert bands["Low"] == (1, 1)
    assert "\u25b2 +1" in view.band_cards[1].delta_label.text()
    start, end = preset_dates("30d", TODAY)
    assert (start, end) == (ago(29), TODAY)
    assert f"{start:%d %b %Y}" in view.period_label.text()

    with qtbot.waitSignal(view.refreshed, timeout=15_000):
        view.period.setCurrentIndex(view.period.findData("7d"))
    events = figures(view.event_cards)
    assert events["Events"] == (1, 1)  # 2 days ago; 9 days ago falls in the previous week


def test_lists_show_latest_events_and_overdue_reviews(
    qtbot: Any, context: AppContext, built: dict[str, int]
) -> None:
    view = shown(qtbot, context)
    latest = view.latest.lines()
    assert [cols[1] for _k, _i, cols in latest] == ["E-0002", "E-0003", "E-0004"]  # newest first
    assert all(kind == "event" for kind, _i, _c in latest)
    overdue = view.overdue.lines()
    assert [(kind, rid, cols[0], cols[3]) for kind, rid, cols in overdue] == [
        ("risk", built["R-003"], "R-003", "5 days")
    ]
    assert view.partnership_labels and view.partnership_labels[0].text() == "Exploring"


def test_clicking_an_item_asks_to_open_that_record(
    qtbot: Any, context: AppContext, built: dict[str, int]
) -> None:
    view = shown(qtbot, context)
    requests: list[tuple[str, int]] = []
    context.edit_requested.connect(lambda kind, rid: requests.append((kind, rid)))

    item = view.latest.topLevelItem(1)
    rect = view.latest.visualItemRect(item)
    qtbot.mouseClick(view.latest.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert requests[-1] == ("event", built["E-0003"])

    item = view.overdue.topLevelItem(0)
    rect = view.overdue.visualItemRect(item)
    qtbot.mouseClick(view.overdue.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert requests[-1] == ("risk", built["R-003"])

    row = view.sentiment.row_rect(0)
    qtbot.mouseClick(view.sentiment, Qt.MouseButton.LeftButton, pos=row.center().toPoint())
    assert requests[-1] == ("partnership", built["P-001"])
    assert len(requests) == 3


def test_a_week_bar_lists_its_events(
    qtbot: Any, context: AppContext, built: dict[str, int]
) -> None:
    view = shown(qtbot, context)
    chart = view.timeline
    totals = chart.totals()
    assert sum(totals) == 3
    index = next(
        i for i, week in enumerate(chart._weeks) if week <= ago(20) < week + dt.timedelta(days=7)
    )
    kind, rect = chart.segment_rects(index)[0]
    assert kind == "customer_action"
    with qtbot.waitSignal(view.week_listed, timeout=10_000):
        qtbot.mouseClick(chart, Qt.MouseButton.LeftButton, pos=rect.center().toPoint())
    assert [cols[1] for _k, _i, cols in view.latest.lines()] == ["E-0004"]
    assert "week of" in view.latest_box.title()
    assert chart.hit(QPointF(1, 1)) is None


def test_the_dashboard_follows_data_changed(
    qtbot: Any, context: AppContext, built: dict[str, int], register: Any
) -> None:
    view = shown(qtbot, context)
    with register.write() as s:
        repository.create(
            s,
            "event",
            EventCreate(occurred_on=ago(1), title="Fresh statement", kind="statement"),
            actor="t",
        )
    with qtbot.waitSignal(view.refreshed, timeout=15_000):
        context.notify_changed()
    assert figures(view.event_cards)["Events"] == (4, 1)
    assert view.latest.lines()[0][2][2] == "Fresh statement"


def test_an_empty_register_shows_an_empty_dashboard(qtbot: Any, context: AppContext) -> None:
    view = shown(qtbot, context)
    assert figures(view.event_cards)["Events"] == (0, 0)
    assert view.latest.lines() == []
    assert view.latest.topLevelItem(0).text(0) == "No events in this period"


def test_review_suggested_lists_the_reason_in_words(
    qtbot: Any, context: AppContext, register: Any
) -> None:
    with register.write() as s:
        risk = repository.create(
            s, "risk", RiskCreate(title="Open letter campaign", likelihood=3, impact=3), actor="t"
        )
        quiet = repository.create(
            s, "risk", RiskCreate(title="Nobody talks about it", likelihood=2, impact=2), actor="t"
        )
        for days in (1, 3, 4):
            repository.create(
                s,
                "event",
                EventCreate(
                    occurred_on=ago(days),
                    title=f"Letter signed, day {days}",
                    kind="criticism",
                    sentiment=-2,
                    severity=5,
                    reach=500_000,
                    risk_ids=[risk.id],
                ),
                actor="t",
            )
    view = shown(qtbot, context)
    suggested = view.suggested.lines()
    assert [(kind, rid, cols[0]) for kind, rid, cols in suggested] == [("risk", risk.id, "R-001")]
    why = suggested[0][2][2]
    assert "3 adverse events in the last 14 days" in why
    assert all(rid != quiet.id for _k, rid, _c in suggested)


def test_an_overdue_review_is_also_a_suggested_review(
    qtbot: Any, context: AppContext, register: Any
) -> None:
    with register.write() as s:
        late = repository.create(
            s, "risk", RiskCreate(title="Review slipped", review_due=ago(10)), actor="t"
        )
    view = shown(qtbot, context)
    overdue = view.overdue.lines()
    suggested = view.suggested.lines()
    assert [rid for _k, rid, _c in overdue] == [late.id]
    assert [rid for _k, rid, _c in suggested] == [late.id]
    assert "review was due on" in suggested[0][2][2]
