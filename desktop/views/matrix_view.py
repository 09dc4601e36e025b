"""The risk matrix screen: inherent and residual heat maps side by side.

Filters (partnership, category, owner, status, classification ceiling), an
"as of" date that rebuilds both maps from the audit history, and "movement
since" a date drawn as arrows from each risk's old cell to its new one.  Click
a cell (or walk to it with the arrow keys and press Enter) to list its risks in
the table below; double-click a risk to edit it.

The figures are computed by ``desktop.services.matrix`` on a worker thread with
one short session per refresh; the widgets only ever see plain data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from db.classification import LEVELS
from db.enums import RiskCategory, RiskStatus, label
from db.kinds import counted
from db.scales import IMPACT_LABELS, LIKELIHOOD_LABELS, Bands
from desktop.briefing.palette import BAND_COLOURS
from desktop.context import AppContext
from desktop.tasks import LatestQuery
from desktop.widgets.colours import text_colour_on
from desktop.widgets.form_fields import python_date
from desktop.widgets.heatmap import INHERENT_MARK, HeatCell, HeatMapWidget, MovementArrow

Cell = tuple[int, int]
CELL_REFS = 40  # refs handed to a heat-map cell (it shows a few and "+N")
SMALL_REGISTER = 3000  # up to this many risks, counts and refs are fetched in one step
LAZY_DETAILS = 20_000  # above this many, refs and cell lists are fetched on the first click


@dataclass
class MatrixSide:
    """One heat map's worth of plain data: cells for the painter, points for the table."""

    cells: dict[Cell, HeatCell] = field(default_factory=dict)
    rows: dict[Cell, Sequence[Any]] = field(default_factory=dict)  # RiskPoint per cell
    arrows: list[MovementArrow] = field(default_factory=list)
    total: int = 0
    inherent_used: int = 0  # risks without residual scores (placed by their inherent ones)


@dataclass
class MatrixData:
    inherent: MatrixSide
    residual: MatrixSide
    partnerships: list[tuple[int, str, str]]
    owners: list[str]
    as_of: dt.date | None
    since: dt.date | None
    detailed: bool = True  # refs, titles, arrows and cell lists included (else counts only)


# --------------------------------------------------------------------------- worker side


def side_from(matrix: Any) -> MatrixSide:
    """Plain data for one heat map from a ``desktop.services.matrix.RiskMatrix``."""
    side = MatrixSide(total=int(matrix.total))
    for cell in matrix.cells:
        key = (int(cell.likelihood), int(cell.impact))
        points = cell.points
        side.cells[key] = HeatCell(
            count=int(cell.count),
            refs=[p.ref for p in points[:CELL_REFS]],
            titles=[p.title for p in points[:CELL_REFS]],
            band=str(cell.band),
            inherent_refs=[p.ref for p in points if p.inherent_used],
        )
        side.rows[key] = points
        side.inherent_used += sum(1 for p in points if p.inherent_used)
    return side


def arrows_from(movements: Sequence[Any]) -> list[MovementArrow]:
    """One arrow per (old cell, new cell) pair, carrying the refs that made that move."""
    grouped: dict[tuple[Cell, Cell], list[str]] = {}
    for move in movements:
        if not move.moved:
            continue
        grouped.setdefault((tuple(move.from_cell), tuple(move.to_cell)), []).append(str(move.ref))
    return [MovementArrow(a, b, sorted(refs)) for (a, b), refs in grouped.items()]


def load_matrix(
    register: Any,
    filters: Any,
    as_of: dt.date | None,
    since: dt.date | None,
    bands: Bands,
    *,
    with_points: bool = True,
) -> MatrixData:
    """Runs on a worker thread: one short read session, plain data out.

    ``with_points=False`` gives the counts only (one ``GROUP BY`` per map, fast on
    any register): the view paints those first and fetches refs and titles after.
    """
    from db.queries.pick_lists import choice_rows
    from desktop.services import matrix as analysis
    from desktop.services.filters import risk_owners

    with register.session() as session:
        inherent, residual = analysis.risk_matrices(
            session, filters=filters, as_of=as_of, bands=bands, with_points=with_points
        )
        sides = [side_from(inherent), side_from(residual)]
        if since is not None and with_points:
            for side, is_residual in zip(sides, (False, True), strict=True):
                moves = analysis.risk_movement(
                    session,
                    since=since,
                    until=as_of,
                    residual=is_residual,
                    filters=filters,
                    bands=bands,
                )
                side.arrows = arrows_from(moves)
        partnerships = choice_rows(session, kind="partnership")
        owners = risk_owners(session)
    return MatrixData(sides[0], sides[1], partnerships, owners, as_of, since, detailed=with_points)


# --------------------------------------------------------------------------- the cell table


class RiskRowsModel(QAbstractTableModel):
    """The risks of one cell (``RiskPoint`` rows), fed with ``set_rows``; never opens a session."""

    HEADERS = ("Ref", "Title", "Likelihood", "Impact", "Score", "Band", "Status", "Classification")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: Sequence[Any] = ()

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def row(self, index: int) -> Any:
        return self._rows[index]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                row.ref,
                row.title,
                row.likelihood,
                row.impact,
                f"{row.score} {INHERENT_MARK} inherent used" if row.inherent_used else row.score,
                label(row.band),
                label(row.status) if row.status else "",
                row.classification,
            )[column]
        if role == Qt.ItemDataRole.BackgroundRole and column == 5:
            return QColor(BAND_COLOURS.get(row.band, "#cccccc"))
        if role == Qt.ItemDataRole.ForegroundRole and column == 5:
            return text_colour_on(QColor(BAND_COLOURS.get(row.band, "#cccccc")))
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (2, 3, 4):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            if row.id is None:
                return f"{row.ref} {row.title}\n(deleted since)"
            fallback = (
                "\nNo residual scores recorded: placed by its inherent score"
                if row.inherent_used
                else ""
            )
            return f"{row.ref} {row.title}{fallback}\nDouble-click or Enter to edit"
        return None


# --------------------------------------------------------------------------- the view


class RiskMatrixView(QWidget):
    """Inherent and residual heat maps with filters, as-of, movement and a cell list."""

    refreshed = Signal()  # the maps, refs, cell list and arrows are all up to date
    figures_shown = Signal()  # new counts are on screen (refs may still be on their way)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self._dirty = True
        self._data: MatrixData | None = None
        self._listed: tuple[str, Cell] | None = None  # ("inherent"|"residual", cell)
        self._query = LatestQuery("Risk matrix", self)
        self._query.answered.connect(self._loaded)
        self._query.failed.connect(self._failed)
        self._request: tuple[Any, ...] = ()
        self._details_started = False
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(60)
        self._debounce.timeout.connect(self.refresh)

        self._build_filters()
        self.inherent = HeatMapWidget("Inherent", self)
        self.residual = HeatMapWidget("Residual", self)
        for name, heat in (("inherent", self.inherent), ("residual", self.residual)):
            heat.set_scales(LIKELIHOOD_LABELS, IMPACT_LABELS)
            heat.cell_clicked.connect(lambda li, im, n=name: self.list_cell(n, (li, im)))
            heat.cell_activated.connect(lambda li, im, n=name: self._activate_cell(n, (li, im)))
        self.legend = QLabel(self)
        self.legend.setTextFormat(Qt.TextFormat.RichText)

        maps = QWidget(self)
        maps_layout = QHBoxLayout(maps)
        maps_layout.setContentsMargins(0, 0, 0, 0)
        maps_layout.addWidget(self.inherent)
        maps_layout.addWidget(self.residual)

        self.cell_title = QLabel("Click a cell to list its risks", self)
        self.cell_title.setTextFormat(Qt.TextFormat.RichText)
        self.rows_model = RiskRowsModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.rows_model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        # activated covers Enter and the double-click (doubleClicked too would edit twice).
        self.table.activated.connect(self._edit_row)
        self.table.setAccessibleName("Risks in the chosen cell")

        lower = QWidget(self)
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.cell_title)
        lower_layout.addWidget(self.table)

        upper = QWidget(self)
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addWidget(maps, 1)
        upper_layout.addWidget(self.legend)

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(upper)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([620, 260])
        self.splitter = splitter

        layout = QVBoxLayout(self)
        layout.addWidget(self.filter_bar)
        layout.addWidget(splitter, 1)

        self._apply_bands()
        context.data_changed.connect(self._on_data_changed)
        context.register_changed.connect(self._on_register_changed)

    # ------------------------------------------------------------------ filters

    def _build_filters(self) -> None:
        bar = QFrame(self)
        grid = QGridLayout(bar)
        grid.setContentsMargins(0, 0, 0, 0)
        self.partnership = QComboBox(bar)
        self.partnership.addItem("All partnerships", None)
        self.partnership.setMinimumContentsLength(16)
        self.partnership.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.category = QComboBox(bar)
        self.category.addItem("All categories", None)
        for category in RiskCategory:
            self.category.addItem(label(category), category.value)
        self.owner = QComboBox(bar)
        self.owner.addItem("All owners", None)
        self.owner.setMinimumContentsLength(12)
        self.owner.setEditable(True)
        self.owner.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.owner.setToolTip("Pick or type an owner (case does not matter)")
        self.status = QComboBox(bar)
        self.status.addItem("Open and monitoring", None)
        for status in RiskStatus:
            self.status.addItem(label(status), status.value)
        self.status.addItem("All, closed included", "*")
        self.ceiling = QComboBox(bar)
        self.ceiling.addItem("All levels", None)
        for level in LEVELS:
            self.ceiling.addItem(f"Up to {level.value}", level.value)
        self.ceiling.setToolTip("Leave out risks classified above this level")

        self.as_of_check = QCheckBox("As of", bar)
        self.as_of_check.setToolTip(
            "Rebuild both maps as they stood on this date (from the audit history)"
        )
        self.as_of_date = QDateEdit(bar)
        self.as_of_date.setCalendarPopup(True)
        self.as_of_date.setDisplayFormat("yyyy-MM-dd")
        self.as_of_date.setDate(QDate.currentDate().addMonths(-1))
        self.as_of_date.setMaximumDate(QDate.currentDate())
        self.as_of_date.setEnabled(False)
        self.since_check = QCheckBox("Movement since", bar)
        self.since_check.setToolTip(
            "Draw an arrow from each risk's cell on this date to its cell now (or on the as-of date)"
        )
        self.since_date = QDateEdit(bar)
        self.since_date.setCalendarPopup(True)
        self.since_date.setDisplayFormat("yyyy-MM-dd")
        self.since_date.setDate(QDate.currentDate().addDays(-30))
        self.since_date.setMaximumDate(QDate.currentDate())
        self.since_date.setEnabled(False)
        self.status_label = QLabel(bar)
        self.status_label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

        # Three filters a row: all five in one row would force the window past 1,024 px.
        for n, (text, widget) in enumerate(
            (
                ("Partnership", self.partnership),
                ("Category", self.category),
                ("Owner", self.owner),
                ("Status", self.status),
                ("Classification", self.ceiling),
            )
        ):
            row, col = divmod(n, 3)
            caption = QLabel(text + ":", bar)
            caption.setBuddy(widget)
            grid.addWidget(caption, row, col * 2)
            grid.addWidget(widget, row, col * 2 + 1)
        dates = QHBoxLayout()
        dates.addWidget(self.as_of_check)
        dates.addWidget(self.as_of_date)
        dates.addSpacing(16)
        dates.addWidget(self.since_check)
        dates.addWidget(self.since_date)
        dates.addSpacing(16)
        dates.addWidget(self.status_label, 1)
        grid.addLayout(dates, 2, 0, 1, 10)
        grid.setColumnStretch(10, 1)
        self.filter_bar = bar

        for combo in (self.partnership, self.category, self.owner, self.status, self.ceiling):
            combo.currentIndexChanged.connect(self.schedule_refresh)
        owner_edit = self.owner.lineEdit()
        if owner_edit is not None:
            owner_edit.editingFinished.connect(self.schedule_refresh)
        self.as_of_check.toggled.connect(self.as_of_date.setEnabled)
        self.as_of_check.toggled.connect(self.schedule_refresh)
        self.as_of_date.dateChanged.connect(self.schedule_refresh)
        self.since_check.toggled.connect(self.since_date.setEnabled)
        self.since_check.toggled.connect(self.schedule_refresh)
        self.since_date.dateChanged.connect(self.schedule_refresh)

    def record_filter(self) -> Any:
        from desktop.services.filters import RecordFilter

        partnership = self.partnership.currentData()
        category = self.category.currentData()
        owner_text = self.owner.currentText().strip()
        owner = None if not owner_text or owner_text == self.owner.itemText(0) else owner_text
        status = self.status.currentData()
        statuses = None
        include_closed = False
        if status == "*":
            include_closed = True
        elif status is not None:
            statuses = (status,)
            include_closed = status == RiskStatus.closed.value
        return RecordFilter(
            ceiling=self.ceiling.currentData(),
            partnership_ids=(partnership,) if partnership is not None else None,
            categories=(category,) if category is not None else None,
            owners=(owner,) if owner is not None else None,
            statuses=statuses,
            include_closed=include_closed,
        )

    def as_of(self) -> dt.date | None:
        return python_date(self.as_of_date.date()) if self.as_of_check.isChecked() else None

    def since(self) -> dt.date | None:
        return python_date(self.since_date.date()) if self.since_check.isChecked() else None

    def bands(self) -> Bands:
        return self.context.bands

    def _apply_bands(self) -> None:
        bands = self.bands()
        ranges = {name: (low, high) for name, low, high in bands.ranges()}
        for heat in (self.inherent, self.residual):
            heat.set_bands(BAND_COLOURS, ranges)
        swatches = []
        for name, low, high in bands.ranges():
            fill = QColor(BAND_COLOURS[name])
            ink = text_colour_on(fill).name()
            swatches.append(
                f"<span style='background:{BAND_COLOURS[name]}; color:{ink}'>&nbsp;{label(name)} "
                f"{low}\u2013{high}&nbsp;</span>"
            )
        self.legend.setText("Score = likelihood \u00d7 impact &nbsp; " + " &nbsp;".join(swatches))

    # ------------------------------------------------------------------ loading

    def _on_data_changed(self) -> None:
        if self.isVisible():
            self.schedule_refresh()
        else:
            self._dirty = True

    def _on_register_changed(self) -> None:
        self._listed = None
        self.rows_model.set_rows([])
        self.cell_title.setText("Click a cell to list its risks")
        self._on_data_changed()

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        if self._dirty:
            self.refresh()

    def schedule_refresh(self) -> None:
        """Coalesce a burst of changes (typing a date, several writes) into one refresh."""
        self._debounce.start()

    def refresh(self) -> None:
        """Recompute both maps off the GUI thread.

        Counts come first (one GROUP BY per map) and are painted at once; refs,
        titles, cell lists and movement arrows follow in a second task (on a huge
        register only when a cell is clicked).  A small register takes one step.
        """
        self._debounce.stop()
        self._dirty = False
        filters, as_of, since, bands = (
            self.record_filter(),
            self.as_of(),
            self.since(),
            self.bands(),
        )
        self._apply_bands()
        self.inherent.set_busy(True)
        self.residual.set_busy(True)
        self.status_label.setText("Computing\u2026")
        small = self._data is not None and self._data.inherent.total <= SMALL_REGISTER
        self._start(filters, as_of, since, bands, with_points=small)

    def _start(
        self,
        filters: Any,
        as_of: dt.date | None,
        since: dt.date | None,
        bands: Bands,
        *,
        with_points: bool,
    ) -> None:
        register = self.context.register
        request = (filters, as_of, since, bands)
        self._query.run(
            lambda: (
                request,
                load_matrix(register, filters, as_of, since, bands, with_points=with_points),
            )
        )

    def _loaded(self, result: tuple[tuple[Any, ...], MatrixData]) -> None:
        request, data = result
        self._apply(data, request)

    def _load_details(self) -> None:
        """Second step: refs, titles, cell lists and arrows for the figures on screen."""
        if self._details_started or not self._request:
            return
        self._details_started = True
        total = self._data.inherent.total if self._data is not None else 0
        self.status_label.setText(f"{total:,} risks shown; loading refs and titles\u2026")
        filters, as_of, since, bands = self._request
        self._start(filters, as_of, since, bands, with_points=True)

    def _failed(self, message: str) -> None:
        self.inherent.set_busy(False)
        self.residual.set_busy(False)
        self.status_label.setText(f"Could not compute the matrix: {message}")

    def _apply(self, data: MatrixData, request: tuple[Any, ...] = ()) -> None:
        self._data = data
        if not data.detailed:
            self._request = request
            self._details_started = False
        when = f"as of {data.as_of:%d %b %Y}" if data.as_of else "now"
        moved = f"; arrows: movement since {data.since:%d %b %Y}" if data.since else ""
        for heat, side, title in (
            (self.inherent, data.inherent, "Inherent"),
            (self.residual, data.residual, "Residual"),
        ):
            heat.set_cells(side.cells)
            heat.set_arrows(side.arrows)
            fallback = (
                f"; {INHERENT_MARK} {side.inherent_used:,} without residual scores (inherent used)"
                if side.inherent_used
                else ""
            )
            heat.set_title(title, f"{counted(side.total, 'risk')}, {when}{fallback}")
        self._fill_choices(data)
        if self._listed is not None:
            self.list_cell(*self._listed)
        self.figures_shown.emit()
        if not data.detailed:
            if data.inherent.total <= LAZY_DETAILS or request[2] is not None:
                self._load_details()
            elif not self._details_started:
                self.status_label.setText(
                    f"{counted(data.inherent.total, 'risk')} shown; click a cell to list its risks"
                )
                self.refreshed.emit()  # complete for now: details come on the first click
            return
        n_moves = sum(len(a.refs) for a in data.residual.arrows)
        self.status_label.setText(
            f"{counted(data.inherent.total, 'risk')} shown ({self.status.currentText().lower()}){moved}"
            + (f" ({counted(n_moves, 'changed cell')} in the residual map)" if data.since else "")
        )
        self.refreshed.emit()

    def _fill_choices(self, data: MatrixData) -> None:
        """Keep the pick lists in step with the register, without losing the choice."""
        for combo, entries in (
            (self.partnership, [(f"{ref} {name}", pid) for pid, ref, name in data.partnerships]),
            (self.owner, [(owner, owner) for owner in data.owners]),
        ):
            current = combo.currentData()
            existing = [(combo.itemText(i), combo.itemData(i)) for i in range(1, combo.count())]
            if existing == entries:
                continue
            combo.blockSignals(True)
            while combo.count() > 1:
                combo.removeItem(1)
            for text, value in entries:
                combo.addItem(text, value)
            index = combo.findData(current) if current is not None else 0
            combo.setCurrentIndex(max(index, 0))
            combo.blockSignals(False)

    # ------------------------------------------------------------------ cells and rows

    def heat_map(self, which: str) -> HeatMapWidget:
        return self.inherent if which == "inherent" else self.residual

    def list_cell(self, which: str, cell: Cell) -> None:
        """Show the risks of ``cell`` of the inherent or residual map in the table."""
        self._listed = (which, cell)
        heat = self.heat_map(which)
        other = self.residual if which == "inherent" else self.inherent
        other.clear_selection()
        if heat.selected_cell() != cell:
            heat.set_current_cell(*cell, select=True)
        side = (
            None
            if self._data is None
            else (self._data.inherent if which == "inherent" else self._data.residual)
        )
        rows = [] if side is None else side.rows.get(cell, [])
        count = heat.cell(*cell).count
        self.rows_model.set_rows(rows)
        likelihood, impact = cell
        band = heat.cell(*cell).band
        pending = self._data is not None and not self._data.detailed
        if pending:
            self._load_details()
        more = (
            " (listing\u2026)"
            if pending and count
            else (f" (first {len(rows)} listed)" if len(rows) < count else "")
        )
        self.cell_title.setText(
            f"<b>{which.capitalize()}</b>: likelihood {likelihood} {LIKELIHOOD_LABELS[likelihood - 1]} "
            f"\u00d7 impact {impact} {IMPACT_LABELS[impact - 1]}, score {likelihood * impact} ({label(band)}): "
            f"<b>{counted(count, 'risk')}</b>{more}"
        )

    def _activate_cell(self, which: str, cell: Cell) -> None:
        self.list_cell(which, cell)
        if self.rows_model.rowCount():
            self.table.setFocus()
            self.table.selectRow(0)

    def listed_refs(self) -> list[str]:
        return [self.rows_model.row(i).ref for i in range(self.rows_model.rowCount())]

    def _edit_row(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        row = self.rows_model.row(index.row())
        if row.id is not None:
            self.context.edit_requested.emit("risk", int(row.id))
