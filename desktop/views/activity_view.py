"""The Activity page: the register's changes, newest first, filtered by member, kind
and an inclusive range of days; double-click a change to open its record.

Rows come a page at a time through the audit trail's indexes, so the page opens as
quickly on a register of a million events as on the demo.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from db.errors import NotFound, RegisterError
from db.queries.activity import PAGE_SIZE
from desktop.context import AppContext
from desktop.dialogs.forms import DIALOGS, member_levels
from desktop.itemmodels.activity_model import ActivityTableModel
from desktop.services import records
from desktop.services.activity import ActivityRow, ActivitySource, activity_query, recent_actors
from desktop.views.register_view import OptionalDateEdit

ANY = ""


class ActivityView(QWidget):
    page_size = PAGE_SIZE  # changes read per query; more as the table scrolls

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setObjectName("activity_page")
        self.setAccessibleName("Activity")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)

        bar = QHBoxLayout()
        bar.addWidget(QLabel("Filters:"))
        self.member_combo = QComboBox()
        self.member_combo.setEditable(True)
        self.member_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.member_combo.setAccessibleName("Filter by member")
        self.member_combo.setToolTip("Only the changes this member made (type any name)")
        member_line = self.member_combo.lineEdit()
        assert member_line is not None  # an editable combo box has one
        member_line.setPlaceholderText("Any member")
        self.member_combo.setMinimumContentsLength(14)
        bar.addWidget(self.member_combo)
        self.kind_combo = QComboBox()
        self.kind_combo.setAccessibleName("Filter by kind")
        self.kind_combo.addItem("Any kind", ANY)
        for kind in DIALOGS:
            self.kind_combo.addItem(records.KIND_LABELS.get(kind, kind).capitalize(), kind)
        bar.addWidget(self.kind_combo)
        today = QDate.currentDate()
        self.date_from = OptionalDateEdit("From", today.addDays(-30))
        self.date_to = OptionalDateEdit("to", today)
        self.date_to.edit.setAccessibleName("Changes up to date")
        for edit in (self.date_from, self.date_to):
            edit.setToolTip("Both days included")
            bar.addWidget(edit)
        bar.addStretch(1)
        self.clear_button = QPushButton("Clear filters")
        self.clear_button.setToolTip("Show every change again")
        self.clear_button.clicked.connect(self.clear_filters)
        bar.addWidget(self.clear_button)
        layout.addLayout(bar)

        self.model = ActivityTableModel(self)
        self.table = QTableView()
        self.table.setObjectName("table_activity")
        self.table.setAccessibleName("Changes to the register, newest first")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.setToolTip("Double-click a change to open its record")
        # One connection only: doubleClicked (activated would fire on the same click).
        self.table.doubleClicked.connect(self._double_clicked)
        layout.addWidget(self.table, 1)

        self.status = QLabel()
        self.status.setObjectName("activity_status")
        layout.addWidget(self.status)

        self.member_combo.currentTextChanged.connect(lambda _t: self.refresh())
        self.kind_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        for edit in (self.date_from, self.date_to):
            edit.changed.connect(self.refresh)
        self.model.rowsInserted.connect(lambda *_: self._show_count())
        context.data_changed.connect(self.refresh)
        context.register_changed.connect(self._load_members)
        self._load_members()
        self.refresh()
        self._set_widths()

    def _set_widths(self) -> None:
        fm = self.fontMetrics()
        for col, sample in enumerate(
            ("2026-12-04 16:30", "some.member.name", "Partnership", "E-000000", "restored")
        ):
            self.table.setColumnWidth(col, fm.horizontalAdvance(sample) + 24)

    def _load_members(self) -> None:
        with self.context.register.session() as session:
            names = recent_actors(session)
        text = self.member_combo.currentText()
        blocked = self.member_combo.blockSignals(True)
        self.member_combo.clear()
        self.member_combo.addItems(names)
        self.member_combo.setEditText(text)
        self.member_combo.blockSignals(blocked)

    # ------------------------------------------------------------------ filters

    def set_filters(
        self,
        *,
        member: str | None = None,
        kind: str | None = None,
        first: dt.date | None = None,
        last: dt.date | None = None,
    ) -> None:
        """Set every filter at once (one query)."""
        widgets = (self.member_combo, self.kind_combo, self.date_from, self.date_to)
        blocked = [w.blockSignals(True) for w in widgets]
        self.member_combo.setEditText(member or "")
        self.kind_combo.setCurrentIndex(max(0, self.kind_combo.findData(kind or ANY)))
        self.date_from.set_value(first)
        self.date_to.set_value(last)
        for w, b in zip(widgets, blocked, strict=True):
            w.blockSignals(b)
        self.refresh()

    def clear_filters(self) -> None:
        self.set_filters()

    def refresh(self) -> None:
        query = activity_query(
            actor=self.member_combo.currentText().strip(),
            kind=self.kind_combo.currentData() or None,
            first=self.date_from.value(),
            last=self.date_to.value(),
            levels=member_levels(self.context),
        )
        first, last = self.date_from.value(), self.date_to.value()
        if first is not None and last is not None and first > last:
            self.model.set_rows([])
            self.status.setText("The first day is after the last: no changes to show.")
            return
        try:
            self.model.set_source(ActivitySource(self.context.register, query, self.page_size))
        except RegisterError as exc:
            self.status.setText(f"Could not read the activity: {exc}")
            return
        self._show_count()

    def _show_count(self) -> None:
        n = self.model.rowCount()
        if n == 0:
            self.status.setText("No changes match the filters.")
            return
        more = "; scroll down for older ones" if self.model.has_more() else ""
        word = "change" if n == 1 else "changes"
        self.status.setText(f"{n:,} {word} shown, newest first{more}.")

    def rows(self) -> list[ActivityRow]:
        return self.model.rows()

    # ------------------------------------------------------------------ opening

    def _double_clicked(self, index: QModelIndex) -> None:
        row = self.model.row_at(index.row())
        if isinstance(row, ActivityRow):
            self.open_change(row)

    def open_change(self, row: ActivityRow) -> None:
        """Open the record a change was made to (it may have been deleted since)."""
        if row.kind not in DIALOGS:
            self.status.setText(f"{row.ref} is not a record that opens in a form.")
            return
        try:
            record_id = records.id_for_ref(self.context.register, row.kind, row.ref)
        except NotFound:
            self.status.setText(f"{row.ref} no longer exists (it was deleted).")
            return
        self.context.edit_requested.emit(row.kind, record_id)

    def focus_table(self) -> None:
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
