"""The Activity page: filters by member, kind and days (both ends included), paging,
and a double-click that opens the record once (issue 15.5)."""

# Fixtures are imported from tests/gui/conftest_forms.py, so their names are parameters too:
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import update

from db.models import AuditEntry
from desktop.services import records as r
from desktop.services.activity import ActivitySource, activity_query
from desktop.views.activity_view import ActivityView
from tests.gui.conftest_forms import Seed, context, prompts, seed  # noqa: F401

DAY = dt.date(2026, 6, 10)


def _stamp(register: Any, ref: str, action: str, at: dt.datetime) -> None:
    """Move a record's entries of one action to ``at`` (history written on another day)."""
    with register.write() as session:
        session.execute(
            update(AuditEntry)
            .where(AuditEntry.entity_ref == ref, AuditEntry.action == action)
            .values(at=at)
        )


def _at(day: dt.date, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute, second), tzinfo=dt.UTC)


@pytest.fixture
def dated(context: Any, seed: Seed) -> Any:
    """Changes on the evening before DAY, the first and last second of DAY, and the day after."""
    reg = context.register
    _stamp(reg, "S-001", "create", _at(DAY - dt.timedelta(days=1), 23, 59, 59))
    _stamp(reg, "S-002", "create", _at(DAY, 0, 0, 0))
    _stamp(reg, "P-001", "create", _at(DAY, 23, 59, 59))
    _stamp(reg, "R-001", "create", _at(DAY + dt.timedelta(days=1), 0, 0, 0))
    _stamp(reg, "E-0001", "create", _at(DAY + dt.timedelta(days=30), 12))
    version = r.load_form_data(reg, "risk", seed.risk).version
    r.update_record(reg, "risk", seed.risk, {"impact": 5}, actor="bob", expected_version=version)
    _stamp(reg, "R-001", "update", _at(DAY, 12))
    return context


def _owner_edits(context: Any, seed: Seed, count: int) -> None:
    """``count`` edits of the seed risk's owner by bob."""
    for n in range(count):
        version = r.load_form_data(context.register, "risk", seed.risk).version
        r.update_record(
            context.register,
            "risk",
            seed.risk,
            {"owner": f"owner {n}"},
            actor="bob",
            expected_version=version,
        )


def _view(qtbot: Any, context: Any) -> ActivityView:
    view = ActivityView(context)
    qtbot.addWidget(view)
    view.resize(1200, 600)
    view.show()
    qtbot.waitExposed(view)
    return view


def _refs(view: ActivityView) -> list[tuple[str, str]]:
    return [(row.ref, row.action) for row in view.rows()]


def test_dates_include_both_ends_of_the_range(qtbot: Any, dated: Any) -> None:
    view = _view(qtbot, dated)
    view.set_filters(first=DAY, last=DAY)
    assert _refs(view) == [("P-001", "created"), ("R-001", "changed"), ("S-002", "created")]
    view.set_filters(first=DAY - dt.timedelta(days=1), last=DAY)
    assert ("S-001", "created") in _refs(view) and ("R-001", "created") not in _refs(view)
    view.set_filters(first=DAY + dt.timedelta(days=1))
    assert _refs(view) == [("E-0001", "created"), ("R-001", "created")]
    view.set_filters(last=DAY - dt.timedelta(days=1))
    assert _refs(view) == [("S-001", "created")]
    view.set_filters(first=DAY + dt.timedelta(days=1), last=DAY)
    assert _refs(view) == [] and "after the last" in view.status.text()


def test_member_and_kind_filters(qtbot: Any, dated: Any) -> None:
    view = _view(qtbot, dated)
    assert len(view.rows()) == 6  # five creations and bob's edit, newest first
    assert [row.at for row in view.rows()] == sorted((row.at for row in view.rows()), reverse=True)
    view.set_filters(member="bob")
    assert _refs(view) == [("R-001", "changed")]
    assert view.rows()[0].fields == "Impact"
    view.set_filters(member="alice", kind="risk")
    assert _refs(view) == [("R-001", "created")]
    view.set_filters(member="nobody")
    assert view.rows() == [] and view.status.text() == "No changes match the filters."
    view.set_filters(kind="stakeholder", first=DAY)
    assert _refs(view) == [("S-002", "created")]
    # typing a member in the box filters too
    view.clear_filters()
    view.member_combo.setEditText("bob")
    assert _refs(view) == [("R-001", "changed")]


def test_pages_follow_on_without_gaps_or_repeats(
    context: Any, seed: Seed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Equal time stamps across a page boundary: the (at, id) key keeps every entry once."""
    _owner_edits(context, seed, 7)
    _stamp(context.register, "R-001", "update", _at(DAY, 9))  # all seven at the same instant

    def every_page(member: str | None) -> list[int]:
        source = ActivitySource(context.register, activity_query(actor=member), page_size=3)
        seen: list[int] = []
        after = None
        while True:
            page = source.fetch(after)
            seen += [row.entry_id for row in page]
            if len(page) < 3:
                return seen
            after = (page[-1].at, page[-1].entry_id)

    everything = every_page(None)
    assert len(everything) == len(set(everything)) == 12  # 5 creations + 7 edits
    # A member's pages: from the newest entries by the time index, then from the table
    # read in order past that window; the window's edge falls inside bob's edits here.
    from db.queries import activity as q

    bobs = every_page("bob")
    assert bobs == [e for e in everything if e in set(bobs)] and len(set(bobs)) == 7
    for window in (1, 2, 4, 5, 9):
        monkeypatch.setattr(q, "MEMBER_WINDOW", window)
        assert every_page("bob") == bobs, window
        assert every_page("nobody") == []


def test_scrolling_fetches_the_next_page(
    qtbot: Any, context: Any, seed: Seed, monkeypatch: pytest.MonkeyPatch
) -> None:
    _owner_edits(context, seed, 8)
    monkeypatch.setattr(ActivityView, "page_size", 4)
    view = _view(qtbot, context)
    view.resize(1200, 2000)
    qtbot.waitUntil(lambda: view.model.rowCount() == 13, timeout=5000)  # 5 + 8, every page
    assert not view.model.has_more()


def test_double_click_opens_the_record_once(qtbot: Any, dated: Any, seed: Seed) -> None:
    view = _view(qtbot, dated)
    view.set_filters(member="bob")
    opened: list[tuple[str, int]] = []
    dated.edit_requested.connect(lambda kind, rid: opened.append((kind, rid)))
    rect = view.table.visualRect(view.model.index(0, 3))
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened == []
    qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened == [("risk", seed.risk)]


def test_double_click_on_a_deleted_record_says_so(qtbot: Any, dated: Any, seed: Seed) -> None:
    r.delete_records(dated.register, "event", [seed.event], actor="carol")
    view = _view(qtbot, dated)
    view.set_filters(member="carol")
    assert _refs(view) == [("E-0001", "deleted")]
    opened: list[Any] = []
    dated.edit_requested.connect(lambda *a: opened.append(a))
    view.open_change(view.rows()[0])
    assert opened == [] and "no longer exists" in view.status.text()


def test_records_above_the_level_now_leave_no_activity(
    qtbot: Any, dated: Any, seed: Seed, monkeypatch: pytest.MonkeyPatch
) -> None:
    from db.classification import levels_up_to
    from desktop.views import activity_view

    version = r.load_form_data(dated.register, "event", seed.event).version
    r.update_record(
        dated.register,
        "event",
        seed.event,
        {"classification": "SECRET"},
        actor="carol",
        expected_version=version,
    )
    monkeypatch.setattr(
        activity_view, "member_levels", lambda _c: tuple(levels_up_to("CONFIDENTIAL"))
    )
    view = _view(qtbot, dated)
    assert "E-0001" not in {row.ref for row in view.rows()}
    assert len(view.rows()) == 5  # every change of the other four records is there
