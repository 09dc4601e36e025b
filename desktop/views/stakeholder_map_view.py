"""The stakeholder map screen: the map, its filters and the list of stance changes.

The painted map itself is ``desktop.widgets.stakeholder_map.StakeholderMapCanvas``;
this screen loads its markers off the GUI thread, lists who warmed or cooled since
the chosen date, and turns a dragged stakeholder into an undoable command
(double-click opens it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from db.classification import LEVELS
from db.engine import Register
from desktop.context import AppContext
from desktop.services.filters import RecordFilter
from desktop.tasks import LatestQuery
from desktop.widgets.form_fields import python_date
from desktop.widgets.stakeholder_map import (
    StakeholderMapCanvas,
    StakeholderMarker,
    StanceLegend,
    change_sentence,
    stance_change_icon,
)


@dataclass
class _MapData:
    markers: list[StakeholderMarker]


def _load_map(register: Register, filters: RecordFilter, since: dt.date | None) -> _MapData:
    """Runs on a worker thread: one short session, plain data out."""
    from desktop.services.stakeholder_map import stakeholder_map

    with register.session() as session:
        points = stakeholder_map(session, filters=filters, since=since)
    markers = [
        StakeholderMarker(
            id=p.id,
            ref=p.ref,
            name=p.name,
            influence=p.influence,
            interest=p.interest,
            stance=p.stance,
            stance_before=p.stance_before,
            kind=p.kind,
        )
        for p in points
    ]
    return _MapData(markers)


class StakeholderMapView(QWidget):
    """Influence x interest map of the stakeholders, with stance changes since a date."""

    refreshed = Signal()  # new figures are on screen (tests and status bar listen)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self._dirty = True
        self._query = LatestQuery("Stakeholder map", self)
        self._query.answered.connect(self._apply)
        self._query.failed.connect(self._failed)

        self.canvas = StakeholderMapCanvas(self)
        self.canvas.marker_activated.connect(self._edit)
        self.canvas.marker_dropped.connect(self._move)

        self.ceiling = QComboBox(self)
        self.ceiling.addItem("All levels", None)
        for level in LEVELS:
            self.ceiling.addItem(f"Up to {level.value}", level.value)
        self.ceiling.setToolTip("Leave out stakeholders classified above this level")
        self.since_check = QCheckBox("Stance changes since", self)
        self.since_date = QDateEdit(self)
        self.since_date.setCalendarPopup(True)
        self.since_date.setDisplayFormat("yyyy-MM-dd")
        self.since_date.setDate(QDate.currentDate().addDays(-30))
        self.since_date.setEnabled(False)
        self.since_check.setChecked(True)
        self.since_date.setEnabled(True)
        self.status = QLabel(self)
        self.status.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

        bar = QHBoxLayout()
        bar.addWidget(QLabel("Classification:", self))
        bar.addWidget(self.ceiling)
        bar.addSpacing(12)
        bar.addWidget(self.since_check)
        bar.addWidget(self.since_date)
        bar.addSpacing(12)
        bar.addWidget(self.status, 1)

        self.legend = StanceLegend(self)
        self.changes = QListWidget(self)
        self.changes.setAccessibleName("Stance changes")
        self.changes.setWordWrap(True)
        self.changes.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # itemActivated covers Enter and the double-click; itemDoubleClicked would act twice.
        self.changes.itemActivated.connect(self._change_activated)
        side = QWidget(self)
        side.setMinimumWidth(260)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self.legend)
        self.changes_title = QLabel("<b>Stance changes</b>", side)
        side_layout.addWidget(self.changes_title)
        side_layout.addWidget(self.changes, 1)
        hint = QLabel(
            "Drag a stakeholder to another cell to change its influence and interest "
            "(Undo puts it back). Double-click to edit.",
            side,
        )
        hint.setWordWrap(True)
        side_layout.addWidget(hint)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.canvas)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([860, 300])

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)

        self.ceiling.currentIndexChanged.connect(self.refresh)
        self.since_check.toggled.connect(self.since_date.setEnabled)
        self.since_check.toggled.connect(self.refresh)
        self.since_date.dateChanged.connect(self.refresh)
        context.data_changed.connect(self._on_data_changed)
        context.register_changed.connect(self._on_data_changed)

    # loading -------------------------------------------------------------

    def since(self) -> dt.date | None:
        return python_date(self.since_date.date()) if self.since_check.isChecked() else None

    def _filters(self) -> RecordFilter:
        return RecordFilter(ceiling=self.ceiling.currentData())

    def _on_data_changed(self) -> None:
        if self.isVisible():
            self.refresh()
        else:
            self._dirty = True

    def showEvent(self, event) -> None:  # noqa: N802, ANN001 - Qt API
        super().showEvent(event)
        if self._dirty:
            self.refresh()

    def refresh(self) -> None:
        self._dirty = False
        register = self.context.register
        filters, since = self._filters(), self.since()
        self.status.setText("Loading\u2026")
        self._query.run(lambda: _load_map(register, filters, since))

    def _failed(self, message: str) -> None:
        self.status.setText(f"Could not load the map: {message}")

    def _apply(self, data: _MapData) -> None:
        self.canvas.set_markers(data.markers)
        self.changes.clear()
        moved = [m for m in data.markers if m.moved]
        for marker in sorted(moved, key=lambda m: m.name.casefold()):
            item = QListWidgetItem(change_sentence(marker))
            item.setData(Qt.ItemDataRole.UserRole, marker.id)
            item.setIcon(stance_change_icon(marker, 16))
            item.setToolTip(f"{change_sentence(marker)}\nDouble-click to open {marker.ref}")
            self.changes.addItem(item)
        since = self.since()
        if since is None:
            self.changes_title.setText("<b>Stance changes</b> (choose a date)")
        elif not moved:
            self.changes_title.setText(f"<b>Stance changes since {since:%d %b %Y}</b>: none")
        else:
            self.changes_title.setText(
                f"<b>Stance changes since {since:%d %b %Y}</b>: {len(moved)}"
            )
        self.status.setText(f"{len(data.markers)} stakeholders")
        self.refreshed.emit()

    # actions ---------------------------------------------------------------

    def _edit(self, stakeholder_id: int) -> None:
        self.context.edit_requested.emit("stakeholder", int(stakeholder_id))

    def _change_activated(self, item: QListWidgetItem) -> None:
        self._edit(int(item.data(Qt.ItemDataRole.UserRole)))

    def _move(self, stakeholder_id: int, influence: int, interest: int) -> None:
        from desktop.undo import MoveStakeholderCommand

        command = MoveStakeholderCommand(self.context, stakeholder_id, influence, interest)
        self.context.undo_stack.push(command)
