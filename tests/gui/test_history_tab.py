"""The History tab of a record form and the risk form's hub (issues 15.5 and 16.2)."""

# Fixtures are imported from tests/gui/conftest_forms.py, so their names are parameters too:
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from PySide6.QtCore import Qt

from db.classification import levels_up_to
from db.identity import os_user, shown_actor
from desktop.dialogs import forms
from desktop.services import pressure
from desktop.services import records as r
from desktop.services.activity import EMPTY, WITHHELD, record_history
from tests.gui.conftest_forms import Seed, context, prompts, seed, show  # noqa: F401


def _who(name: str) -> str:
    """How the History tab names a writer on SQLite: the system login, with the name
    the program gave beside it (issue 15: never instead of it)."""
    return shown_actor(os_user(), name)


def _edit(register: Any, kind: str, record_id: int, values: dict[str, Any], actor: str) -> None:
    version = r.load_form_data(register, kind, record_id).version
    r.update_record(register, kind, record_id, values, actor=actor, expected_version=version)


def _edited_three_times(register: Any, risk_id: int) -> None:
    _edit(register, "risk", risk_id, {"impact": 5}, "bob")
    _edit(register, "risk", risk_id, {"classification": "SECRET", "owner": "Ops"}, "carol")
    _edit(register, "risk", risk_id, {"classification": "RESTRICTED", "owner": "Security"}, "dave")


def _open(qtbot: Any, context: Any, kind: str, record_id: int) -> Any:
    dialog = forms.make_form(context, kind, record_id)
    assert dialog is not None
    return show(qtbot, dialog)


def _changes(rows: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """(who, what, field, from, to) of each row: the time aside."""
    return [row[1:] for row in rows]


def test_history_tab_lists_three_edits_newest_first(qtbot: Any, context: Any, seed: Seed) -> None:
    _edited_three_times(context.register, seed.risk)
    dialog = _open(qtbot, context, "risk", seed.risk)
    panel = dialog.history_panel
    assert panel is not None
    assert dialog.tabs.tabText(dialog.tabs.indexOf(panel)) == "Histor&y"
    assert dialog.tabs.tabBar().isVisible()
    rows = _changes(panel.rows())
    assert rows[:5] == [
        (_who("dave"), "changed", "Classification", "SECRET", "RESTRICTED"),
        (_who("dave"), "changed", "Owner", "Ops", "Security"),
        (_who("carol"), "changed", "Classification", "UNCLASSIFIED", "SECRET"),
        (_who("carol"), "changed", "Owner", EMPTY, "Ops"),
        (_who("bob"), "changed", "Impact", "4", "5"),
    ]
    # then the creation, by alice, every given field from nothing
    assert {row[0:2] for row in rows[5:]} == {(_who("alice"), "created")}
    assert (_who("alice"), "created", "Title", EMPTY, "Loss of researcher trust") in rows
    times = [row[0] for row in panel.rows()]
    assert times == sorted(times, reverse=True)
    assert panel.note.text() == "4 changes, newest first."


def test_history_withholds_values_from_when_the_record_was_above_the_level(
    qtbot: Any, context: Any, seed: Seed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A member cleared to RESTRICTED sees the risk (RESTRICTED now) but not what it held
    while it was SECRET: the raise shows its old values only, the lowering its new ones."""
    _edited_three_times(context.register, seed.risk)
    restricted = tuple(levels_up_to("RESTRICTED"))
    monkeypatch.setattr(forms, "member_levels", lambda _context: restricted)
    dialog = _open(qtbot, context, "risk", seed.risk)
    rows = _changes(dialog.history_panel.rows())
    assert rows[:5] == [
        (_who("dave"), "changed", "Classification", WITHHELD, "RESTRICTED"),
        (_who("dave"), "changed", "Owner", WITHHELD, "Security"),
        (_who("carol"), "changed", "Classification", "UNCLASSIFIED", WITHHELD),
        (_who("carol"), "changed", "Owner", EMPTY, WITHHELD),
        (_who("bob"), "changed", "Impact", "4", "5"),
    ]
    # CONFIDENTIAL is the level just below SECRET: it withholds the same values,
    # and SECRET itself shows everything.
    with context.register.session() as session:
        confidential = record_history(
            session, kind="risk", ref="R-001", levels=levels_up_to("CONFIDENTIAL")
        )
        secret = record_history(session, kind="risk", ref="R-001", levels=levels_up_to("SECRET"))
    assert [(x.old, x.new) for x in confidential[:4]] == [
        (WITHHELD, "RESTRICTED"),
        (WITHHELD, "Security"),
        ("UNCLASSIFIED", WITHHELD),
        (EMPTY, WITHHELD),
    ]
    assert WITHHELD not in {v for x in secret for v in (x.old, x.new)}


def test_history_of_a_record_above_the_level_now_is_empty(context: Any, seed: Seed) -> None:
    _edit(context.register, "risk", seed.risk, {"classification": "SECRET"}, "carol")
    with context.register.session() as session:
        assert (
            record_history(session, kind="risk", ref="R-001", levels=levels_up_to("CONFIDENTIAL"))
            == []
        )
        assert record_history(session, kind="risk", ref="R-001", levels=None) != []


def test_every_kind_of_form_has_a_history_tab_and_a_new_one_has_none(
    qtbot: Any, context: Any, seed: Seed
) -> None:
    _edit(context.register, "stakeholder", seed.critic, {"stance": -2}, "bob")
    for kind, record_id in (
        ("stakeholder", seed.critic),
        ("partnership", seed.partnership),
        ("event", seed.event),
        ("risk", seed.risk),
    ):
        dialog = _open(qtbot, context, kind, record_id)
        assert dialog.history_panel is not None and dialog.history_panel.rows(), kind
        assert (dialog.hub_panel is not None) == (kind == "risk")
        dialog.close()
    top = _changes(_open(qtbot, context, "stakeholder", seed.critic).history_panel.rows())[0]
    assert top == (_who("bob"), "changed", "Stance", "-1", "-2")
    new = forms.make_form(context, "risk")
    assert new is not None and new.history_panel is None and new.tabs.count() == 1
    assert not new.tabs.tabBar().isVisible()


def _add_event(context: Any, seed: Seed, days_ago: int, sentiment: int, title: str) -> int:
    event_id, _ = r.create_record(
        context.register,
        "event",
        {
            "title": title,
            "occurred_on": dt.date.today() - dt.timedelta(days=days_ago),
            "kind": "statement",
            "severity": 4,
            "sentiment": sentiment,
            "reach": 999,
            "risk_ids": [seed.risk],
        },
        actor="alice",
    )
    return event_id


def test_risk_hub_lists_linked_events_newest_first_with_pressure(
    qtbot: Any, context: Any, seed: Seed, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = _add_event(context, seed, 10, -2, "Hostile op-ed")
    new = _add_event(context, seed, 1, 1, "Supportive statement")
    dialog = _open(qtbot, context, "risk", seed.risk)
    hub = dialog.hub_panel
    table = hub.event_table
    refs = [table.item(row, 0).text() for row in range(table.rowCount())]
    assert refs == ["E-0003", "E-0002", "E-0001"]  # by date: 1 day ago, 10 days ago, March
    # the adverse one adds severity x (1 + log10(1000)) halved every 14 days; the other none
    expected = pressure.event_weight(4, 999) * pressure.decay(10)
    assert table.item(1, 4).text() == f"{expected:.1f}"
    assert table.item(0, 4).text() == "-"
    assert "Review suggested" in hub.review.text()  # 16 pressure, none before
    assert hub.action_table.rowCount() == 0 and "Treatment actions" in hub.actions_title.text()

    opened: list[tuple[str, int]] = []
    monkeypatch.setattr(
        forms, "open_form", lambda _c, kind, rid, parent=None: opened.append((kind, rid))
    )
    dialog.tabs.setCurrentWidget(hub)
    rect = table.visualItemRect(table.item(1, 2))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened == []  # a single click only selects
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened == [("event", old)]  # exactly once
    assert new != old


def test_score_history_chart_follows_the_edits_and_a_dot_opens_the_change(
    qtbot: Any, context: Any, seed: Seed
) -> None:
    _edit(context.register, "risk", seed.risk, {"impact": 5}, "bob")
    _edit(
        context.register, "risk", seed.risk, {"residual_likelihood": 2, "residual_impact": 3}, "bob"
    )
    _edit(context.register, "risk", seed.risk, {"owner": "Ops"}, "bob")  # no score change
    dialog = _open(qtbot, context, "risk", seed.risk)
    chart = dialog.hub_panel.chart
    assert [(p.score, p.residual) for p in chart.points()] == [(16, None), (20, None), (20, 6)]
    dialog.tabs.setCurrentWidget(dialog.hub_panel)
    qtbot.waitUntil(chart.isVisible)
    where, entry_id = chart.dot_positions()[-1]  # the residual dot of the last change
    qtbot.mouseClick(chart, Qt.MouseButton.LeftButton, pos=where.toPoint())
    assert dialog.tabs.currentWidget() is dialog.history_panel
    row = dialog.history_panel.table.currentRow()
    assert dialog.history_panel.rows()[row][3] == "Residual impact"
    assert entry_id == chart.points()[-1].entry_id
