"""The tabs a record form shows besides its fields: History, and for a risk its hub.

Both are *given* their data (``desktop.services.risk_hub.FormExtras``); they never
read the register.  Whatever can be opened (a linked event, an action) is asked for
through ``open_requested(kind, id)``; whoever made the form decides how to open it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from db.enums import SENTIMENT_LABELS, signed_words
from desktop.services.activity import HistoryLine, field_label
from desktop.services.risk_hub import RiskHub
from desktop.widgets.score_chart import ScoreHistoryChart

HISTORY_COLUMNS = ("When (UTC)", "Who", "What", "Field", "From", "To")
ID_ROLE = Qt.ItemDataRole.UserRole + 1


def _when(at: dt.datetime) -> str:
    return f"{at.astimezone(dt.UTC):%Y-%m-%d %H:%M}"


def _table(columns: Sequence[str], name: str, parent: QWidget) -> QTableWidget:
    table = QTableWidget(0, len(columns), parent)
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(list(columns))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().setVisible(False)
    table.setWordWrap(False)
    table.setAlternatingRowColors(True)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return table


def _item(text: str, tip: str | None = None) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setToolTip(tip if tip is not None else text)
    return item


class HistoryPanel(QWidget):
    """Who changed which field from what to what, and when: newest first."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.note)
        self.table = _table(HISTORY_COLUMNS, "history_table", self)
        self.table.setAccessibleName("History of this record")
        layout.addWidget(self.table, 1)
        self._entry_rows: dict[int, int] = {}

    def set_lines(self, lines: Sequence[HistoryLine]) -> None:
        self.table.setRowCount(len(lines))
        self._entry_rows = {}
        for row, line in enumerate(lines):
            self._entry_rows.setdefault(line.entry_id, row)
            cells = (
                _when(line.at),
                line.actor,
                line.action,
                field_label(line.field) if line.field else "",
                line.old,
                line.new,
            )
            for col, text in enumerate(cells):
                self.table.setItem(row, col, _item(text))
        changes = len({line.entry_id for line in lines})
        self.note.setText(
            f"{changes} change{'s' if changes != 1 else ''}, newest first."
            if lines
            else "No changes recorded."
        )

    def rows(self) -> list[tuple[str, ...]]:
        """The cells as shown (for tests and copying)."""
        return [
            tuple(self._text(r, c) for c in range(self.table.columnCount()))
            for r in range(self.table.rowCount())
        ]

    def _text(self, row: int, col: int) -> str:
        item = self.table.item(row, col)
        return item.text() if item is not None else ""

    def show_entry(self, entry_id: int) -> bool:
        row = self._entry_rows.get(entry_id)
        if row is None:
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self.table.model().index(row, 0))
        return True


class RiskHubPanel(QWidget):
    """A risk's linked events, treatment actions, review reason and score history."""

    open_requested = Signal(str, int)  # kind, record id
    history_requested = Signal(int)  # an audit entry: show it in the History tab

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.review = QLabel(self)
        self.review.setObjectName("review_reason")
        self.review.setWordWrap(True)
        self.review.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.review)

        self.scores_title = QLabel("<b>Score history</b> (click a dot to see that change)", self)
        layout.addWidget(self.scores_title)
        self.chart = ScoreHistoryChart(self)
        self.chart.point_clicked.connect(self.history_requested)
        layout.addWidget(self.chart)

        self.events_title = QLabel(self)
        layout.addWidget(self.events_title)
        self.event_table = self._record_table(
            "event",
            ("Ref", "Date", "Title", "Sentiment", "Pressure"),
            "Linked events, newest first",
        )
        layout.addWidget(self.event_table, 2)
        self.actions_title = QLabel(self)
        layout.addWidget(self.actions_title)
        self.action_table = self._record_table(
            "action", ("Ref", "Title", "Status", "Due"), "Treatment actions"
        )
        layout.addWidget(self.action_table, 1)

    def _record_table(self, kind: str, columns: Sequence[str], name: str) -> QTableWidget:
        """A table of records of ``kind`` (ref first, the title stretched) that opens one
        on a double-click or Return."""
        table = _table(columns, f"hub_{kind}s", self)
        table.setAccessibleName(name)
        table.setToolTip(f"Double-click an {kind} to open it")
        header = table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(list(columns).index("Title"), QHeaderView.ResizeMode.Stretch)
        table.itemActivated.connect(lambda item: self._open(table, item.row(), kind))
        return table

    def _open(self, table: QTableWidget, row: int, kind: str) -> None:
        item = table.item(row, 0)
        if item is not None:
            self.open_requested.emit(kind, int(item.data(ID_ROLE)))

    def set_hub(self, hub: RiskHub) -> None:
        if hub.review_reasons:
            self.review.setText("Review suggested: " + "; ".join(hub.review_reasons) + ".")
        else:
            due = f"; review due {hub.review_due.isoformat()}" if hub.review_due else ""
            self.review.setText(
                f"No review suggested (pressure {hub.recent_pressure:.1f} over the last 14 days, "
                f"baseline {hub.baseline_pressure:.1f}{due})."
            )
        self.chart.set_points(hub.scores)

        more = " (the newest shown)" if len(hub.events) >= hub.events_shown_max else ""
        self.events_title.setText(f"<b>Linked events</b>: {len(hub.events)}{more}, newest first")
        self.event_table.setRowCount(len(hub.events))
        for row, e in enumerate(hub.events):
            ref = _item(e.ref)
            ref.setData(ID_ROLE, e.id)
            cells = [
                ref,
                _item(e.occurred_on.isoformat()),
                _item(e.title),
                _item(signed_words(e.sentiment, SENTIMENT_LABELS)),
                _item(
                    f"{e.pressure:.1f}" if e.adverse else "-",
                    "Its weight today: severity x reach factor, halved every 14 days "
                    "(the events of the last 14 days add up to the risk's recent pressure)"
                    if e.adverse
                    else "Not adverse: adds no pressure",
                ),
            ]
            for col, item in enumerate(cells):
                self.event_table.setItem(row, col, item)

        self.actions_title.setText(f"<b>Treatment actions</b>: {len(hub.actions)}")
        self.action_table.setRowCount(len(hub.actions))
        for row, a in enumerate(hub.actions):
            ref = _item(a.ref)
            ref.setData(ID_ROLE, a.id)
            cells = [
                ref,
                _item(a.title),
                _item(a.status),
                _item(a.due.isoformat() if a.due else ""),
            ]
            for col, item in enumerate(cells):
                self.action_table.setItem(row, col, item)
