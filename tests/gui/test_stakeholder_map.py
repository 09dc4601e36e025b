"""The stakeholder map on a real register: layout, stance changes, drag to move, undo."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDate, QEvent, QPointF, QSettings, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from db import repository
from db.models import StakeholderCreate, StakeholderUpdate, clock_at
from desktop.context import AppContext
from desktop.settings import Settings
from desktop.views.stakeholder_map_view import StakeholderMapView

TODAY = dt.date.today()
TWENTY_DAYS_AGO = dt.datetime.combine(TODAY - dt.timedelta(days=20), dt.time(9), tzinfo=dt.UTC)


@pytest.fixture
def context(register: Any, tmp_path: Path) -> Iterator[AppContext]:
    settings = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    yield AppContext(register, settings)


def add(
    register: Any, name: str, influence: int, interest: int, stance: int = 0, **extra: Any
) -> int:
    with register.write() as session:
        record = repository.create(
            session,
            "stakeholder",
            StakeholderCreate(
                name=name, influence=influence, interest=interest, stance=stance, **extra
            ),
            actor="t",
        )
        return int(record.id)


def stakeholder(register: Any, record_id: int) -> Any:
    with register.session() as session:
        return repository.get(session, "stakeholder", record_id)


def shown(qtbot: Any, context: AppContext) -> StakeholderMapView:
    view = StakeholderMapView(context)
    qtbot.addWidget(view)
    view.resize(1100, 760)
    with qtbot.waitSignal(view.refreshed, timeout=10_000):
        view.show()
    return view


def send_mouse(widget: Any, kind: QEvent.Type, pos: QPointF, buttons: Qt.MouseButton) -> None:
    button = Qt.MouseButton.LeftButton if kind != QEvent.Type.MouseMove else Qt.MouseButton.NoButton
    event = QMouseEvent(
        kind, pos, widget.mapToGlobal(pos), button, buttons, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(widget, event)


def drag(widget: Any, start: QPointF, end: QPointF) -> None:
    held = Qt.MouseButton.LeftButton
    send_mouse(widget, QEvent.Type.MouseButtonPress, start, held)
    for step in range(1, 6):
        t = step / 5
        point = QPointF(
            start.x() + (end.x() - start.x()) * t, start.y() + (end.y() - start.y()) * t
        )
        send_mouse(widget, QEvent.Type.MouseMove, point, held)
    send_mouse(widget, QEvent.Type.MouseButtonRelease, end, Qt.MouseButton.NoButton)


def test_each_stakeholder_sits_in_its_cell_without_overlap(
    qtbot: Any, context: AppContext, register: Any
) -> None:
    ids = [add(register, f"Crowd {n}", 4, 4) for n in range(4)]
    alone = add(register, "Alone", 1, 5, stance=-2)
    view = shown(qtbot, context)
    canvas = view.canvas
    rects = {marker.id: rect for rect, marker in canvas.layout_markers()}
    assert set(rects) == {*ids, alone}
    cell = canvas.cell_rect(4, 4)
    for record_id in ids:
        assert cell.contains(rects[record_id])
    for a in ids:
        for b in ids:
            if a < b:
                assert not rects[a].intersects(rects[b])
    assert canvas.cell_rect(1, 5).contains(rects[alone])
    assert canvas.cell_at(canvas.cell_rect(5, 1).center()) == (5, 1)  # influence grows upwards
    assert canvas.cell_rect(5, 1).top() < canvas.cell_rect(1, 1).top()
    assert view.status.text() == "5 stakeholders"


def test_a_full_cell_says_how_many_more(qtbot: Any, context: AppContext, register: Any) -> None:
    for n in range(30):
        add(register, f"Member of a big crowd {n:02d}", 3, 3)
    view = shown(qtbot, context)
    placed = view.canvas.layout_markers()
    extra = view.canvas._overflow.get((3, 3), [])
    assert len(placed) + len(extra) == 30 and extra  # shown or counted, none lost


def test_stance_changes_since_a_date_are_marked_and_listed(
    qtbot: Any, context: AppContext, register: Any
) -> None:
    with clock_at(TWENTY_DAYS_AGO):
        researchers = add(register, "AI researchers", 3, 5, stance=0)
        add(register, "Steady partner", 5, 5, stance=1)
    with register.write() as session:
        repository.update(
            session, "stakeholder", researchers, StakeholderUpdate(stance=-1), actor="t"
        )
    view = shown(qtbot, context)

    def since_thirty_days() -> None:
        view.since_check.setChecked(True)
        view.since_date.setDate(QDate(TODAY - dt.timedelta(days=10)))

    with qtbot.waitSignal(view.refreshed, timeout=10_000):
        since_thirty_days()
    moved = [m for m in view.canvas.markers() if m.moved]
    assert [(m.id, m.stance_before, m.stance) for m in moved] == [(researchers, 0, -1)]
    assert view.changes.count() == 1
    assert (
        view.changes.item(0).text() == "S-001 AI researchers: stance moved from neutral to critical"
    )
    requests: list[tuple[str, int]] = []
    context.edit_requested.connect(lambda kind, rid: requests.append((kind, rid)))
    view.changes.itemActivated.emit(view.changes.item(0))
    assert requests == [("stakeholder", researchers)]


def test_dragging_a_stakeholder_moves_it_and_undo_puts_it_back(
    qtbot: Any, context: AppContext, register: Any
) -> None:
    sid = add(register, "Tech press", 2, 2, stance=-1)
    other = add(register, "Investors", 4, 3, stance=1)
    view = shown(qtbot, context)
    canvas = view.canvas
    start = canvas.marker_rect(sid).center()
    target = canvas.cell_rect(5, 4).center()
    with qtbot.waitSignal(view.refreshed, timeout=10_000):
        drag(canvas, start, target)
    record = stakeholder(register, sid)
    assert (record.influence, record.interest) == (5, 4)
    assert (stakeholder(register, other).influence, stakeholder(register, other).interest) == (4, 3)
    assert context.undo_stack.count() == 1
    assert canvas.cell_rect(5, 4).contains(canvas.marker_rect(sid))

    with qtbot.waitSignal(view.refreshed, timeout=10_000):
        context.undo_stack.undo()
    record = stakeholder(register, sid)
    assert (record.influence, record.interest) == (2, 2)
    assert canvas.cell_rect(2, 2).contains(canvas.marker_rect(sid))

    with qtbot.waitSignal(view.refreshed, timeout=10_000):
        context.undo_stack.redo()
    assert (stakeholder(register, sid).influence, stakeholder(register, sid).interest) == (5, 4)


def test_a_short_wobble_or_a_drop_in_the_same_cell_writes_nothing(
    qtbot: Any, context: AppContext, register: Any
) -> None:
    sid = add(register, "Regulator", 5, 2)
    view = shown(qtbot, context)
    canvas = view.canvas
    rect = canvas.marker_rect(sid)
    drag(canvas, rect.center(), rect.center() + QPointF(1, 1))  # below the drag distance
    inside = canvas.cell_rect(5, 2)
    drag(canvas, rect.center(), QPointF(inside.right() - 3, inside.bottom() - 3))  # same cell
    assert context.undo_stack.count() == 0
    assert (stakeholder(register, sid).influence, stakeholder(register, sid).interest) == (5, 2)
    assert canvas.selected() == sid


def test_double_click_asks_to_edit(qtbot: Any, context: AppContext, register: Any) -> None:
    sid = add(register, "Employees", 2, 5)
    view = shown(qtbot, context)
    requests: list[tuple[str, int]] = []
    context.edit_requested.connect(lambda kind, rid: requests.append((kind, rid)))
    pos = view.canvas.marker_rect(sid).center().toPoint()
    qtbot.mouseDClick(view.canvas, Qt.MouseButton.LeftButton, pos=pos)
    assert requests == [("stakeholder", sid)]


def test_the_ceiling_hides_stakeholders_above_it(
    qtbot: Any, context: AppContext, register: Any
) -> None:
    add(register, "Open source", 3, 3)
    add(register, "Secret contact", 3, 3, classification="SECRET")
    view = shown(qtbot, context)
    assert len(view.canvas.markers()) == 2
    with qtbot.waitSignal(view.refreshed, timeout=10_000):
        view.ceiling.setCurrentIndex(view.ceiling.findData("RESTRICTED"))
    assert [m.name for m in view.canvas.markers()] == ["Open source"]
