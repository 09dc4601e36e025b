"""Overdue treatment actions on the dashboard: listed longest overdue first (due today
is not overdue), each a click away, and a reason in "Review suggested"."""

# The context fixture comes from tests/gui/test_dashboard.py, so its name is a parameter too:
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from PySide6.QtCore import Qt

from db import repository
from db.models import ActionCreate, RiskCreate
from desktop.context import AppContext
from tests.gui.test_dashboard import context, shown  # noqa: F401  (a fixture, a helper)

TODAY = dt.date.today()
DAY = dt.timedelta(days=1)


@pytest.fixture
def built(register: Any) -> dict[str, int]:
    ids: dict[str, int] = {}
    with register.write() as s:
        for ref, title in (("R-001", "Backlash from researchers"), ("R-002", "Churn")):
            ids[ref] = repository.create(s, "risk", RiskCreate(title=title), actor="t").id
        for title, risks, status, due in (
            ("Due yesterday", ["R-001"], "in_progress", TODAY - DAY),  # 1 day
            ("Due today", ["R-001"], "planned", TODAY),  # not overdue
            ("Long overdue", ["R-001", "R-002"], "planned", TODAY - 9 * DAY),
            ("Done late", ["R-002"], "done", TODAY - 9 * DAY),  # done
            ("Dropped late", ["R-002"], "dropped", TODAY - 9 * DAY),  # dropped
        ):
            action = repository.create(
                s,
                "action",
                ActionCreate(
                    title=title,
                    risk_ids=[ids[r] for r in risks],
                    status=status,
                    due_on=due,
                ),
                actor="t",
            )
            ids[action.ref] = action.id
    return ids


def test_overdue_actions_are_listed_and_open_on_click(
    qtbot: Any, context: AppContext, built: dict[str, int]
) -> None:
    view = shown(qtbot, context)
    lines = view.overdue_actions.lines()
    assert [(kind, rid, cols) for kind, rid, cols in lines] == [
        (
            "action",
            built["A-003"],
            ["A-003", "Long overdue", "R-001, R-002", (TODAY - 9 * DAY).isoformat(), "9 days"],
        ),
        (
            "action",
            built["A-001"],
            ["A-001", "Due yesterday", "R-001", (TODAY - DAY).isoformat(), "1 day"],
        ),
    ]
    requests: list[tuple[str, int]] = []
    context.edit_requested.connect(lambda kind, rid: requests.append((kind, rid)))
    item = view.overdue_actions.topLevelItem(1)
    rect = view.overdue_actions.visualItemRect(item)
    qtbot.mouseClick(view.overdue_actions.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert requests == [("action", built["A-001"])]

    why = {cols[0]: cols[2] for _k, _i, cols in view.suggested.lines()}
    long_ago = (TODAY - 9 * DAY).isoformat()
    assert why == {
        "R-001": f"action A-003 was due on {long_ago} (9 days overdue); "
        f"action A-001 was due on {(TODAY - DAY).isoformat()} (1 day overdue)",
        "R-002": f"action A-003 was due on {long_ago} (9 days overdue)",
    }


def test_no_overdue_action_says_so(qtbot: Any, context: AppContext, register: Any) -> None:
    with register.write() as s:
        risk = repository.create(s, "risk", RiskCreate(title="Quiet risk"), actor="t")
        repository.create(
            s,
            "action",
            ActionCreate(title="Due today", risk_ids=[risk.id], due_on=TODAY),
            actor="t",
        )
    view = shown(qtbot, context)
    assert view.overdue_actions.lines() == []
    assert view.overdue_actions.topLevelItem(0).text(0) == "No action is overdue"
    assert view.suggested.lines() == []
