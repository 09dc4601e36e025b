"""A small table model fed with ``set_rows``: lists that fit in memory.

Used for import errors, a cell's risks, latest events and the like.  It holds plain
values (dicts or tuples), never a session; tests exercise it without a widget.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

_Index = QModelIndex | QPersistentModelIndex

ROW_ROLE = Qt.ItemDataRole.UserRole + 1  # the whole row as given to set_rows


@dataclass(frozen=True)
class RowsColumn:
    key: str  # dict key, or the position in a tuple row as a string ("0", "1"...)
    label: str
    format: Callable[[Any], str] | None = None
    align_right: bool = False


class RowsTableModel(QAbstractTableModel):
    def __init__(self, columns: Sequence[RowsColumn], parent: QObject | None = None):
        super().__init__(parent)
        self._columns = list(columns)
        self._rows: list[Any] = []

    @property
    def columns(self) -> list[RowsColumn]:
        return self._columns

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[Any]:
        return list(self._rows)

    def row_at(self, row: int) -> Any:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self._columns[section].label if 0 <= section < len(self._columns) else None
        return section + 1

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def _value(self, row: Any, col: RowsColumn) -> Any:
        if isinstance(row, dict):
            return row.get(col.key)
        if isinstance(row, (tuple, list)):
            i = int(col.key)
            return row[i] if i < len(row) else None
        return getattr(row, col.key, None)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        if not 0 <= index.column() < len(self._columns):
            return None
        row = self._rows[index.row()]
        col = self._columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            value = self._value(row, col)
            if value is None:
                return "" if role == Qt.ItemDataRole.DisplayRole else None
            return col.format(value) if col.format else str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if col.align_right:
                return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            return Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        if role == ROW_ROLE:
            return row
        return None
