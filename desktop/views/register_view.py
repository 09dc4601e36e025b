"""A register: one table per kind, sorted, filtered and searched in the database.

``RegisterView(context, kind)`` shows the columns of ``db.queries.registers`` for the
kind through the windowed ``RegisterTableModel``: quick search, filters (kind or
category, status, band, a date range, classification), band-coloured score cells,
double-click (or Enter) to edit, multi-select delete with a confirmation that names
what will go, export of the rows shown, and a context menu.

The view never writes: editing goes through ``context.edit_requested`` (the main
window opens the form), deleting through an undo command, and every change comes
back as ``context.data_changed``, which refreshes the table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QItemSelectionModel, QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from db.classification import LEVELS
from db.enums import label
from db.errors import RegisterError
from db.kinds import KINDS, count_noun, counted, kind_info
from db.queries import registers as rq
from db.queries.registers import RegisterFilter, RegisterRowSource, RegisterSort
from db.scales import BAND_NAMES
from desktop.context import AppContext
from desktop.itemmodels.display import about
from desktop.itemmodels.register_model import RegisterTableModel
from desktop.widgets import file_dialogs
from desktop.widgets.column_fit import ColumnFitter
from desktop.widgets.form_fields import python_date
from desktop.widgets.search_box import SearchBox

ANY = "__any__"
PLURAL = {kind.value: info.plural for kind, info in KINDS.items()}
CONFIRM_LIST_MAX = 12


def _combo(accessible: str, any_text: str, values: list[tuple[str, str]]) -> QComboBox:
    combo = QComboBox()
    combo.setAccessibleName(accessible)
    combo.setToolTip(accessible)
    combo.addItem(any_text, ANY)
    for value, text in values:
        combo.addItem(text, value)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    return combo


class OptionalDateEdit(QWidget):
    """A check box and a date: the date counts only while the box is ticked."""

    changed = Signal()

    def __init__(self, text: str, default: QDate, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.check = QCheckBox(text)
        self.edit = QDateEdit(default)
        self.edit.setCalendarPopup(True)
        self.edit.setDisplayFormat("yyyy-MM-dd")
        self.edit.setEnabled(False)
        self.edit.setAccessibleName(f"{text} date")
        layout.addWidget(self.check)
        layout.addWidget(self.edit)
        self.check.toggled.connect(self.edit.setEnabled)
        self.check.toggled.connect(lambda _on: self.changed.emit())
        self.edit.dateChanged.connect(
            lambda _d: self.changed.emit() if self.check.isChecked() else None
        )

    def value(self) -> dt.date | None:
        if not self.check.isChecked():
            return None
        return python_date(self.edit.date())

    def set_value(self, value: dt.date | None) -> None:
        blocked = self.blockSignals(True)
        if value is None:
            self.check.setChecked(False)
        else:
            self.edit.setDate(QDate(value.year, value.month, value.day))
            self.check.setChecked(True)
        self.blockSignals(blocked)


class RegisterView(QWidget):
    """The register of one kind of record."""

    selection_changed = Signal()

    def __init__(self, context: AppContext, kind: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.kind = kind
        self.spec = rq.spec_for(kind)
        self.setObjectName(f"register_{kind}")
        self.setAccessibleName(self.spec.title)
        self._figure = RegisterFilter()  # the part of a dashboard figure no widget shows

        self.model = RegisterTableModel(
            self._make_source(), bands=lambda: self.context.bands, parent=self
        )
        self._build()
        self.model.count_changed.connect(self._show_count)
        self.model.estimate_changed.connect(self._show_count)
        self.model.query_changed.connect(self._query_changed)
        self.model.fetch_failed.connect(self._fetch_failed)
        self.model.modelReset.connect(self._show_count)
        context.data_changed.connect(self.refresh)
        context.register_changed.connect(self._register_changed)
        key, descending = self.spec.default_sort
        self.table.horizontalHeader().setSortIndicator(
            self.spec.column_index(key),
            Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder,
        )
        self._show_count()

    # ------------------------------------------------------------------ building

    def _make_source(self) -> RegisterRowSource:
        return RegisterRowSource(
            self.context.register, self.kind, bands_provider=lambda: self.context.bands
        )

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)

        top = QHBoxLayout()
        self.search = SearchBox(
            f"Search {self.spec.title.lower()}: words of the title, or a ref such as {self._sample_ref()}"
        )
        self.search.setObjectName("quick_search")
        self.search.setMinimumWidth(280)
        self.search.search_changed.connect(lambda _t: self._apply_filter())
        top.addWidget(self.search, 1)
        bar = QHBoxLayout()
        filter_label = QLabel("Filters:")
        bar.addWidget(filter_label)

        self.choice_combo: QComboBox | None = None
        if self.spec.choice is not None:
            noun = self.spec.choice.label.lower()
            self.choice_combo = _combo(
                f"Filter by {noun}",
                f"Any {noun}",
                [(v, label(v)) for v in self.spec.choice.values],
            )
            bar.addWidget(self.choice_combo)
        self.status_combo: QComboBox | None = None
        if self.spec.status is not None:
            self.status_combo = _combo(
                "Filter by status", "Any status", [(v, label(v)) for v in self.spec.status.values]
            )
            bar.addWidget(self.status_combo)
        self.band_combo: QComboBox | None = None
        if self.spec.score is not None:
            self.band_combo = _combo(
                "Filter by band", "Any band", [(b, f"{label(b)} band") for b in BAND_NAMES]
            )
            bar.addWidget(self.band_combo)
        self.level_combo = _combo(
            "Filter by classification",
            "Any classification",
            [(lv.value, lv.value) for lv in LEVELS],
        )
        bar.addWidget(self.level_combo)
        for combo in (self.choice_combo, self.status_combo, self.band_combo, self.level_combo):
            if combo is not None:
                combo.currentIndexChanged.connect(lambda _i: self._apply_filter())

        self.date_from: OptionalDateEdit | None = None
        self.date_to: OptionalDateEdit | None = None
        if self.spec.date is not None:
            today = QDate.currentDate()
            self.date_from = OptionalDateEdit(f"{self.spec.date_label} from", today.addMonths(-3))
            self.date_to = OptionalDateEdit("to", today)
            self.date_to.edit.setAccessibleName(f"{self.spec.date_label} to date")
            for edit in (self.date_from, self.date_to):
                edit.changed.connect(self._apply_filter)
                top.addWidget(edit)  # beside the search: the filter row fits 1,024 px

        self.figure_label = QLabel()
        self.figure_label.setObjectName("figure_filter")
        self.figure_label.setToolTip("A dashboard figure's records; Clear filters shows them all")
        self.figure_label.setVisible(False)
        bar.addWidget(self.figure_label)
        bar.addStretch(1)
        self.clear_button = QPushButton("Clear filters")
        self.clear_button.setToolTip("Clear the search and every filter: show every record again")
        self.clear_button.clicked.connect(self.clear_filters)
        top.addWidget(self.clear_button)
        layout.addLayout(top)
        layout.addLayout(bar)

        self.table = QTableView()
        self.table.setObjectName(f"table_{self.kind}")
        self.table.setAccessibleName(f"{self.spec.title} table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setSortingEnabled(False)  # clicks handled below: the SQL sorts
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.doubleClicked.connect(self._double_clicked)
        self.table.verticalHeader().setVisible(False)
        vheader = self.table.verticalHeader()
        vheader.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vheader.setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setSortIndicatorShown(True)
        header.setSectionsClickable(True)
        header.sectionClicked.connect(self._header_clicked)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self._set_column_widths()
        self.table.selectionModel().selectionChanged.connect(
            lambda *_: self.selection_changed.emit()
        )
        layout.addWidget(self.table, 1)

        footer = QHBoxLayout()
        self.count_label = QLabel()
        self.count_label.setObjectName("count_label")
        footer.addWidget(self.count_label, 1)
        self.export_button = QPushButton("Export shown rows...")
        self.export_button.setToolTip(
            "Write the rows shown (with these filters and this order) to CSV or XLSX"
        )
        # clicked(bool) would hand its checked flag to export_shown as the path.
        self.export_button.clicked.connect(lambda _checked=False: self.export_shown())
        footer.addWidget(self.export_button)
        layout.addLayout(footer)

        edit_action = QAction("Edit", self)
        edit_action.setShortcuts([QKeySequence(Qt.Key.Key_Return), QKeySequence(Qt.Key.Key_Enter)])
        edit_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        edit_action.triggered.connect(self.edit_current)
        self.table.addAction(edit_action)

    def _sample_ref(self) -> str:
        return kind_info(self.kind).format_ref(42)

    def _set_column_widths(self) -> None:
        metrics = self.table.fontMetrics()
        samples = {
            rq.REF: "E-00000",
            rq.DATE: "2026-12-31",
            rq.INT: "00",
            rq.SCORE: "25",
            rq.STANCE: "+2 Supportive",  # the longest stance label
            rq.SENTIMENT: "-2 Very negative",
            rq.LEVEL: "CONFIDENTIAL",
            rq.ENUM: "Partnership milestone",
            rq.TEXT: "A name of some thirty letters",
        }
        header = self.table.horizontalHeader().fontMetrics()
        natural: list[int] = []
        floors: list[int] = []
        flexible = -1
        for i, col in enumerate(self.spec.columns):
            sample = samples.get(col.format, samples[rq.TEXT])
            if col.key in ("title", "name"):
                sample = "A title of a record that runs to some fifty letters"
            width = max(metrics.horizontalAdvance(sample), header.horizontalAdvance(col.label) + 18)
            if col.format in (rq.STANCE, rq.SENTIMENT):
                width += metrics.height() + 6  # the colour swatch beside the text
            natural.append(width + 24)
            # What a column keeps when the table is narrow: refs, dates and levels whole
            # (cut short they mean nothing), numbers their heading, text its heading.
            heading = header.horizontalAdvance(col.label) + 12
            if col.format in (rq.REF, rq.DATE, rq.LEVEL):
                floors.append(metrics.horizontalAdvance(sample) + 12)
            elif col.key in ("title", "name"):
                floors.append(width // 3 + 12)
            else:
                floors.append(min(width + 24, heading))
            if col.key in ("title", "name"):
                flexible = i
        # Fitted to the table's width whenever it changes: no sideways scrolling.
        self.column_fitter = ColumnFitter(self.table, natural, floors, flexible)

    # ------------------------------------------------------------------ filters and sort

    def current_filter(self) -> RegisterFilter:
        def picked(combo: QComboBox | None) -> tuple[str, ...]:
            if combo is None or combo.currentData() in (None, ANY):
                return ()
            return (str(combo.currentData()),)

        figure = self._figure
        return RegisterFilter(
            text=self.search.text().strip(),
            choices=picked(self.choice_combo),
            statuses=picked(self.status_combo) or figure.statuses,
            bands=picked(self.band_combo),
            date_from=self.date_from.value() if self.date_from else None,
            date_to=self.date_to.value() if self.date_to else None,
            classifications=picked(self.level_combo),
            adverse=figure.adverse,
            residual_bands=figure.residual_bands,
            created_from=figure.created_from,
            created_to=figure.created_to,
        )

    def show_figure(self, flt: RegisterFilter, description: str) -> None:
        """Show what a dashboard figure counts: its dates in the date filter, the rest
        (adverse, residual band, created in, several statuses) named above the table
        until Clear filters."""
        self._figure = RegisterFilter()
        self.clear_filters()
        for edit, value in ((self.date_from, flt.date_from), (self.date_to, flt.date_to)):
            if edit is not None and value is not None:
                edit.blockSignals(True)
                edit.set_value(value)
                edit.blockSignals(False)
        self._figure = replace(flt, date_from=None, date_to=None)
        self.figure_label.setText(f"Showing: {description}")
        self.figure_label.setVisible(True)
        self._apply_filter()

    def _apply_filter(self) -> None:
        self.model.set_filter(self.current_filter())

    def clear_filters(self) -> None:
        self._figure = RegisterFilter()
        if hasattr(self, "figure_label"):
            self.figure_label.clear()
            self.figure_label.setVisible(False)
        widgets: list[Any] = [
            self.search,
            self.choice_combo,
            self.status_combo,
            self.band_combo,
            self.level_combo,
        ]
        for w in widgets:
            if w is not None:
                w.blockSignals(True)
        self.search.clear()
        self.search.flush()
        for combo in (self.choice_combo, self.status_combo, self.band_combo, self.level_combo):
            if combo is not None:
                combo.setCurrentIndex(0)
        for edit in (self.date_from, self.date_to):
            if edit is not None:
                edit.set_value(None)
        for w in widgets:
            if w is not None:
                w.blockSignals(False)
        self._apply_filter()

    def _header_clicked(self, section: int) -> None:
        header = self.table.horizontalHeader()
        col = self.spec.columns[section]
        current = self.model.current_sort() or RegisterSort(*self.spec.default_sort)
        if not col.sortable:
            # Put the indicator back where the sort really is.
            header.setSortIndicator(
                self.spec.column_index(current.key),
                Qt.SortOrder.DescendingOrder if current.descending else Qt.SortOrder.AscendingOrder,
            )
            return
        if current.key == col.key:
            descending = not current.descending
        else:
            descending = col.format in (rq.DATE, rq.SCORE)  # newest / worst first
        header.setSortIndicator(
            section, Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
        )
        self.model.set_sort(RegisterSort(col.key, descending))

    def sort_by(self, key: str, descending: bool = False) -> None:
        section = self.spec.column_index(key)
        self.table.horizontalHeader().setSortIndicator(
            section, Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
        )
        self.model.set_sort(RegisterSort(key, descending))

    def _query_changed(self) -> None:
        self.table.clearSelection()  # rows now hold other records
        self.table.scrollToTop()
        self._show_count()

    # ------------------------------------------------------------------ data

    def refresh(self) -> None:
        selected = set(self.selected_ids())
        self.model.refresh()
        if selected:
            self._reselect(selected)
        self._show_count()

    def _register_changed(self) -> None:
        self.model.set_source(self._make_source())

    def _reselect(self, ids: set[int]) -> None:
        selection = self.table.selectionModel()
        selection.clearSelection()
        for record_id in ids:
            row = self.model.row_of_id(record_id)
            if row is not None:
                selection.select(
                    self.model.index(row, 0),
                    QItemSelectionModel.SelectionFlag.Select
                    | QItemSelectionModel.SelectionFlag.Rows,
                )

    def _show_count(self) -> None:
        total = self.model.total()
        noun = PLURAL.get(self.kind, self.kind)
        filtered = not self.model.current_filter().is_empty()
        estimate = self.model.estimate()
        if total is None and estimate is not None and estimate > self.model.rowCount():
            text = f"about {about(estimate)} {noun} (counting...)"
        elif total is None:
            text = f"{self.model.rowCount():,}+ {noun} (counting...)"
        elif filtered:
            verb = "matches" if total == 1 else "match"
            text = f"{count_noun(self.kind, total)} {verb} the filters"
        else:
            text = count_noun(self.kind, total)
        self.count_label.setText(text)

    def _fetch_failed(self, message: str) -> None:
        self.count_label.setText(f"Could not read the register: {message}")

    # ------------------------------------------------------------------ selection

    def selected_ids(self) -> list[int]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        ids = [self.model.id_at(row) for row in rows]
        return [i for i in ids if i is not None]

    def current_id(self) -> int | None:
        index = self.table.currentIndex()
        if index.isValid() and self.table.selectionModel().isRowSelected(index.row()):
            return self.model.id_at(index.row())
        ids = self.selected_ids()
        return ids[0] if ids else None

    def select_record(self, record_id: int) -> bool:
        """Select a record if it is among the rows loaded (show_requested)."""
        row = self.model.row_of_id(record_id)
        if row is None:
            # Look for it without filters, sorted by id, near the top of its page.
            return False
        index = self.model.index(row, 0)
        self.table.selectionModel().select(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index)
        return True

    def reveal(self, record_id: int, ref: str) -> bool:
        """Show one record: no filters, its ref in the search box, its row selected."""
        self.clear_filters()
        self.search.setText(ref)
        self.search.flush()
        return self.select_record(record_id)

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    # ------------------------------------------------------------------ actions

    def _double_clicked(self, index: QModelIndex) -> None:
        record_id = self.model.id_at(index.row())
        if record_id is not None:
            self.context.edit_requested.emit(self.kind, record_id)

    def edit_current(self) -> None:
        record_id = self.current_id()
        if record_id is not None:
            self.context.edit_requested.emit(self.kind, record_id)

    def confirm_delete_text(self, ids: list[int]) -> str:
        with self.context.register.session() as session:
            described = rq.describe_rows(session, kind=self.kind, ids=ids)
            answers = rq.answering_events(session, ids=ids) if self.kind == "event" else []
        lines = [f"{ref}  {title}" for _id, ref, title in described[:CONFIRM_LIST_MAX]]
        if len(described) > CONFIRM_LIST_MAX:
            lines.append(f"... and {len(described) - CONFIRM_LIST_MAX:,} more")
        if answers:
            lines.append(
                f"\n{counted(len(answers), 'event')} {'answers' if len(answers) == 1 else 'answer'}"
                " what you delete and will respond to nothing:"
            )
            lines += [
                f"{ref}  {title} (answers {to})" for ref, title, to in answers[:CONFIRM_LIST_MAX]
            ]
            if len(answers) > CONFIRM_LIST_MAX:
                lines.append(f"... and {len(answers) - CONFIRM_LIST_MAX:,} more")
        return (
            f"Delete {count_noun(self.kind, len(ids))}?\n\n"
            + "\n".join(lines)
            + "\n\nYou can undo this (Edit > Undo)."
        )

    def delete_selected(self) -> bool:
        """Ask, then delete the selected records as one undo step.  True when deleted."""
        ids = self.selected_ids()
        if not ids:
            return False
        text = self.confirm_delete_text(ids)
        answer = QMessageBox.question(
            self,
            "Delete records",
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return False
        try:
            from desktop import undo

            undo.push(self.context, undo.DeleteRecordsCommand(self.context, self.kind, ids))
        except RegisterError as exc:
            QMessageBox.warning(self, "Could not delete", str(exc))
            return False
        return True

    def copy_refs(self) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        with self.context.register.session() as session:
            described = rq.describe_rows(session, kind=self.kind, ids=ids)
        QGuiApplication.clipboard().setText("\n".join(ref for _id, ref, _t in described))

    def _context_menu(self, pos: QPoint) -> None:
        index = self.table.indexAt(pos)
        if index.isValid() and not self.table.selectionModel().isRowSelected(index.row()):
            self.table.selectRow(index.row())
        menu = QMenu(self)
        has = bool(self.selected_ids())
        menu.addAction(f"New {self.kind}...", self._new_record)
        edit = menu.addAction("Edit...", self.edit_current)
        edit.setEnabled(has)
        copy = menu.addAction("Copy ref", self.copy_refs)
        copy.setEnabled(has)
        menu.addSeparator()
        delete = menu.addAction("Delete...", self.delete_selected)
        delete.setEnabled(has)
        from desktop.services.bulk_edit import BULK_FIELDS

        if self.kind in BULK_FIELDS:
            bulk = menu.addAction("Set a field of the selected...", self.bulk_edit_selected)
            bulk.setEnabled(has)
        menu.addSeparator()
        menu.addAction("Export shown rows...", self.export_shown)
        menu.addAction("Clear filters", self.clear_filters)
        menu.popup(self.table.viewport().mapToGlobal(pos))
        self._menu = menu

    def bulk_edit_selected(self) -> None:
        """Set one field of every selected record, as one undoable step."""
        # Imported when first used: the dialog brings the undo commands and, through
        # them, the import pipeline, none of which the first painted page needs.
        from desktop.dialogs.bulk_edit_dialog import ask_and_bulk_edit

        ask_and_bulk_edit(self.context, self.kind, self.selected_ids(), self)

    def _new_record(self) -> None:
        self.context.new_requested.emit(self.kind)

    # ------------------------------------------------------------------ export

    def export_shown(self, path: str | None = None) -> Any:
        """Write the rows shown (same filter, same order, every page) to CSV or XLSX."""
        if path is None:
            folder = self.context.settings.last_export_folder or str(Path.home())
            suggested = str(Path(folder) / f"{PLURAL[self.kind]}.csv")
            path, _ = file_dialogs.get_save_file_name(
                self, "Export shown rows", suggested, "CSV (*.csv);;Excel workbook (*.xlsx)"
            )
            if not path:
                return None
        target = Path(path)
        if target.suffix.lower() not in (".csv", ".xlsx"):
            target = target.with_suffix(".csv")
        self.context.settings.last_export_folder = str(target.parent)
        from desktop.views.register_export import export_rows_job
        from desktop.widgets.task_progress import run_with_progress

        source = self.model.source
        assert isinstance(source, RegisterRowSource)  # the only source this view makes
        job = export_rows_job(
            source, self.model.current_sort(), self.model.current_filter(), target
        )
        handle = run_with_progress(self, "Export", job, label=f"Writing {target.name}...")
        handle.succeeded.connect(
            lambda n: self.count_label.setText(
                f"Exported {n:,} {PLURAL[self.kind]} to {target.name}"
            )
        )
        handle.failed.connect(lambda msg: QMessageBox.warning(self, "Export failed", msg))
        return handle
