"""Briefings: the packs made, and what to do with one (preview, find the file, make it again).

The list comes from the register's briefing records (``db.queries.briefings``),
which keep the pack's file *name* and checksum but no path; where each pack was
saved is remembered on this machine by the dialog that built it
(``desktop.pack_files.find_pack_file``).  A pack whose file cannot be
found says so and offers Regenerate, which opens the dialog with the record's
own parameters.

The list is refreshed on ``context.data_changed`` (a build notifies it), lazily
when the page is hidden.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from db.classification import portion_mark
from db.kinds import counted
from db.queries import briefings as bq
from desktop.briefing.palette import BANNER_TEXT_COLOURS, banner_colour
from desktop.briefing.parameters import BriefingParameters, regeneration_parameters
from desktop.context import AppContext
from desktop.dialogs import briefing_dialog as bd
from desktop.itemmodels.rows_model import ROW_ROLE, RowsColumn, RowsTableModel
from desktop.pack_files import PackFile, find_pack_file
from desktop.widgets import pdf_preview

MISSING_COLOUR = "#b3261e"


@dataclass(frozen=True)
class PackEntry:
    """One row of the list: the record and where its file is (if anywhere)."""

    record: bq.BriefingRow
    file: PackFile

    @property
    def made(self) -> str:
        return f"{self.record.created_at.astimezone():%Y-%m-%d %H:%M}"

    @property
    def file_text(self) -> str:
        return self.record.file_name if self.file.found else f"{self.record.file_name} (not found)"


COLUMNS = (
    RowsColumn("made", "Made"),
    RowsColumn("title", "Title"),
    RowsColumn("audience", "Audience"),
    RowsColumn("ceiling", "Ceiling"),
    RowsColumn("banner", "Banner"),
    RowsColumn("pages", "Pages", align_right=True),
    RowsColumn("by", "By"),
    RowsColumn("file", "File"),
)
BANNER_COLUMN = 4
FILE_COLUMN = 7


def entry_row(entry: PackEntry) -> dict[str, Any]:
    r = entry.record
    return {
        "made": entry.made,
        "title": r.title,
        "audience": r.audience or "",
        "ceiling": f"{r.ceiling} {portion_mark(r.ceiling)}" if r.ceiling else "",
        "banner": r.banner_level,
        "pages": r.page_count,
        "by": r.actor,
        "file": entry.file_text,
        "entry": entry,
    }


class BriefingsTableModel(RowsTableModel):
    """The rows model with the banner in its colour and missing files marked."""

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        row = self.row_at(index.row()) if index.isValid() else None
        if row is not None:
            entry: PackEntry = row["entry"]
            if index.column() == BANNER_COLUMN:
                if role == Qt.ItemDataRole.BackgroundRole:
                    return QColor(banner_colour(entry.record.banner_level))
                if role == Qt.ItemDataRole.ForegroundRole:
                    return QColor(BANNER_TEXT_COLOURS.get(entry.record.banner_level, "#ffffff"))
                if role == Qt.ItemDataRole.TextAlignmentRole:
                    return Qt.AlignmentFlag.AlignCenter
            if index.column() == FILE_COLUMN and not entry.file.found:
                if role == Qt.ItemDataRole.ForegroundRole:
                    return QColor(MISSING_COLOUR)
                if role == Qt.ItemDataRole.ToolTipRole:
                    return "The file cannot be found; Regenerate makes it again with the same parameters."
            if (
                role == Qt.ItemDataRole.ToolTipRole
                and index.column() == FILE_COLUMN
                and entry.file.path
            ):
                return str(entry.file.path)
        return super().data(index, role)


class BannerDelegate(QStyledItemDelegate):
    """The banner cell in its level's colour, also when the row is selected."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        fill = index.data(Qt.ItemDataRole.BackgroundRole)
        if not isinstance(fill, QColor):
            super().paint(painter, option, index)
            return
        painter.save()
        rect = option.rect.adjusted(2, 2, -2, -2)
        painter.fillRect(rect, fill)
        if option.state & QStyle.StateFlag.State_Selected:
            painter.setPen(QPen(option.palette.highlight().color(), 2))
            painter.drawRect(option.rect.adjusted(1, 1, -1, -1))
        ink = index.data(Qt.ItemDataRole.ForegroundRole)
        painter.setPen(ink if isinstance(ink, QColor) else QColor("#ffffff"))
        font = QFont(option.font)
        font.setBold(True)
        painter.setFont(font)
        painter.drawText(
            rect, Qt.AlignmentFlag.AlignCenter, str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        )
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        size = super().sizeHint(option, index)
        font = QFont(option.font)
        font.setBold(True)
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        return QSize(
            max(size.width(), QFontMetrics(font).horizontalAdvance(text) + 20), size.height()
        )


class BriefingsView(QWidget):
    selection_changed = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("briefings_view")
        self.context = context
        self._stale = True
        self.previews: list[QWidget] = []

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(8)

        top = QHBoxLayout()
        heading = QLabel("Briefing packs", self)
        font = QFont(heading.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.25)
        heading.setFont(font)
        top.addWidget(heading)
        top.addStretch(1)
        self.new_button = QPushButton("&New briefing pack...", self)
        self.new_button.setObjectName("new_pack_button")
        self.new_button.setToolTip("Choose what goes in, see the marking, build the PDF")
        top.addWidget(self.new_button)
        layout.addLayout(top)

        self.model = BriefingsTableModel(COLUMNS, self)
        self.table = QTableView(self)
        self.table.setObjectName("briefings_table")
        self.table.setAccessibleName("Briefing packs made")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.setItemDelegateForColumn(BANNER_COLUMN, BannerDelegate(self.table))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)

        self.empty_label = QLabel(
            "No briefing packs yet.\n\nNew briefing pack... (Ctrl+P) chooses what goes in, "
            "shows what the pack will be marked, and builds the PDF.",
            self,
        )
        self.empty_label.setObjectName("empty_label")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty_label)
        layout.addWidget(self.stack, 1)

        self.detail_label = QLabel(self)
        self.detail_label.setObjectName("detail_label")
        self.detail_label.setWordWrap(True)
        self.detail_label.setTextFormat(Qt.TextFormat.PlainText)
        self.detail_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.detail_label)

        actions = QHBoxLayout()
        self.open_button = QPushButton("&Open", self)
        self.open_button.setObjectName("open_button")
        self.open_button.setToolTip("Preview the pack here, with Print and Save as")
        self.external_button = QPushButton("Open in system &viewer", self)
        self.external_button.setObjectName("external_button")
        self.reveal_button = QPushButton("Show in &folder", self)
        self.reveal_button.setObjectName("reveal_button")
        self.reveal_button.setToolTip("Open the folder that holds the file")
        self.regenerate_button = QPushButton("&Regenerate...", self)
        self.regenerate_button.setObjectName("regenerate_button")
        self.regenerate_button.setToolTip("Build the pack again with the same parameters")
        self.issue_button = QPushButton("&Issue...", self)
        self.issue_button.setObjectName("issue_button")
        self.issue_button.setToolTip(
            "Issue this draft: build it again as an issued pack, recording who issued it and to whom"
        )
        for button in (
            self.open_button,
            self.external_button,
            self.reveal_button,
            self.regenerate_button,
            self.issue_button,
        ):
            actions.addWidget(button)
        actions.addStretch(1)
        layout.addLayout(actions)

        self.new_button.clicked.connect(self.new_pack)
        self.open_button.clicked.connect(self.open_selected)
        self.external_button.clicked.connect(self.open_selected_externally)
        self.reveal_button.clicked.connect(self.reveal_selected)
        self.regenerate_button.clicked.connect(self.regenerate_selected)
        self.issue_button.clicked.connect(self.issue_selected)
        # activated covers Enter and the double-click (doubleClicked too opened two previews).
        self.table.activated.connect(lambda _index: self.activate_selected())
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._selection_changed())
        context.data_changed.connect(self._data_changed)

        self.refresh()

    # ------------------------------------------------------------------ data

    def _data_changed(self) -> None:
        self._stale = True
        if self.isVisible():
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def refresh(self) -> None:
        """Read the packs made (one short session) and look for their files."""
        selected = self.selected_entry()
        keep_id = selected.record.id if selected else None
        try:
            with self.context.register.session() as session:
                records = bq.list_briefings(session)
        except Exception as exc:  # noqa: BLE001 - shown in the view, the app goes on
            self.detail_label.setText(f"The packs made cannot be read: {exc}")
            return
        settings = self.context.settings
        entries = [PackEntry(r, find_pack_file(settings, r.sha256, r.file_name)) for r in records]
        self.model.set_rows([entry_row(e) for e in entries])
        self.stack.setCurrentWidget(self.table if entries else self.empty_label)
        self._stale = False
        row = next(
            (i for i, e in enumerate(entries) if e.record.id == keep_id), 0 if entries else -1
        )
        if row >= 0:
            self.table.selectRow(row)
        self._selection_changed()

    def entries(self) -> list[PackEntry]:
        return [row["entry"] for row in self.model.rows()]

    def selected_entry(self) -> PackEntry | None:
        if not hasattr(self, "table"):
            return None
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        row = self.model.data(rows[0], ROW_ROLE)
        return row["entry"] if row else None

    def select_record(self, record_id: int) -> bool:
        for i, entry in enumerate(self.entries()):
            if entry.record.id == record_id:
                self.table.selectRow(i)
                return True
        return False

    def _selection_changed(self) -> None:
        entry = self.selected_entry()
        found = entry is not None and entry.file.found
        self.open_button.setEnabled(found)
        self.external_button.setEnabled(found)
        self.reveal_button.setEnabled(found)
        self.regenerate_button.setEnabled(entry is not None)
        self.issue_button.setEnabled(entry is not None and not entry.record.issued)
        self.detail_label.setText(self.describe(entry) if entry else "")
        self.detail_label.setStyleSheet(
            "" if entry is None or found else f"color: {MISSING_COLOUR};"
        )
        self.selection_changed.emit()

    @staticmethod
    def describe(entry: PackEntry) -> str:
        r = entry.record
        pages = counted(r.page_count, "page")
        head = (
            f"{r.title}: {pages}, marked {r.banner_level} (ceiling {r.ceiling}), made by {r.actor}."
        )
        head += f"\n{edition_text(r)}"
        if entry.file.found:
            return f"{head}\nFile: {entry.file.path}"
        if entry.file.remembered is not None:
            where = f"It was saved as {entry.file.remembered}, which is no longer there."
        else:
            looked = ", ".join(str(p.parent) for p in entry.file.searched) or "the packs folder"
            where = f"This computer has no note of where it was saved; {r.file_name} is not in {looked}."
        return f"{head}\nThe file cannot be found. {where} Regenerate makes it again with the same parameters."

    # ------------------------------------------------------------------ actions

    def new_pack(self) -> Any:
        return bd.open_briefing_dialog(self.context, self.window())

    def activate_selected(self) -> Any:
        entry = self.selected_entry()
        if entry is None:
            return None
        if entry.file.found:
            return self.open_selected()
        answer = QMessageBox.question(
            self,
            "Pack file not found",
            f"{self.describe(entry)}\n\nRegenerate it now?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        )
        if answer == QMessageBox.StandardButton.Yes:
            return self.regenerate_selected()
        return None

    def open_selected(self) -> QWidget | None:
        """Preview the selected pack inside the app."""
        entry = self.selected_entry()
        if entry is None or entry.file.path is None:
            return None
        window = pdf_preview.open_pdf_preview(
            entry.file.path,
            self.window(),
            title=entry.record.title,
            save_folder=self.context.settings.last_export_folder or str(entry.file.path.parent),
        )
        self.previews = [w for w in self.previews if _alive(w)] + [window]
        return window

    def open_selected_externally(self) -> bool:
        entry = self.selected_entry()
        if entry is None or entry.file.path is None:
            return False
        return pdf_preview.open_in_system_viewer(entry.file.path)

    def reveal_selected(self) -> bool:
        entry = self.selected_entry()
        if entry is None or entry.file.path is None:
            return False
        return pdf_preview.reveal_in_folder(entry.file.path)

    def regenerate_selected(self) -> Any:
        """Open the pack dialog with the selected record's parameters."""
        entry = self.selected_entry()
        if entry is None:
            return None
        try:
            params = regeneration_parameters(self.context.register, entry.record)
        except (ValueError, TypeError) as exc:
            QMessageBox.warning(
                self, "Regenerate", f"The pack's stored parameters cannot be read: {exc}"
            )
            return None
        output = None
        remembered = entry.file.remembered
        if not entry.file.found and remembered is not None and remembered.parent.is_dir():
            output = remembered  # put the lost file back where it was
        return bd.open_briefing_dialog(self.context, self.window(), initial=params, output=output)

    def issue_selected(self) -> Any:
        """Issue the selected draft: the pack dialog with its parameters, "Issue" ticked.

        "What changed" is counted again at issue time from the last issued pack (the
        draft's own baseline may have been issued since)."""
        entry = self.selected_entry()
        if entry is None or entry.record.issued:
            return None
        try:
            params = BriefingParameters.from_json(entry.record.parameters)
        except (ValueError, TypeError) as exc:
            QMessageBox.warning(
                self, "Issue", f"The pack's stored parameters cannot be read: {exc}"
            )
            return None
        params.issue = True
        dialog = bd.open_briefing_dialog(self.context, self.window(), initial=params)
        dialog.setWindowTitle("Issue briefing pack")
        return dialog

    def _context_menu(self, pos: QPoint) -> None:
        index = self.table.indexAt(pos)
        if not index.isValid():
            return
        self.table.selectRow(index.row())
        menu = QMenu(self)
        for button in (
            self.open_button,
            self.external_button,
            self.reveal_button,
            self.regenerate_button,
            self.issue_button,
        ):
            action = menu.addAction(button.text().replace("&", ""))
            action.setEnabled(button.isEnabled())
            action.triggered.connect(button.click)
        menu.exec(self.table.viewport().mapToGlobal(pos))


def edition_text(r: Any) -> str:
    """A record's edition in words: a draft, or issued by whom, when and to whom."""
    if not r.issued:
        return "Draft: not issued, and not a baseline for later packs."
    when = f" on {r.issued_at:%d %b %Y %H:%M} UTC" if r.issued_at else ""
    to = f" to {r.distribution}" if r.distribution else ""
    return f"Issued by {r.issued_by or r.actor}{when}{to}."


def _alive(widget: QWidget) -> bool:
    try:
        widget.objectName()
    except RuntimeError:
        return False
    return True


__all__ = ["BriefingsView", "PackEntry"]
