"""A list column whose text is read whole: on one line where there is room, else wrapped.

``fit`` gives the column the width of its longest text when the view has room for
it beside the other columns (a flexible column keeping at least ``flexible_min``);
otherwise what room there is, and the text wraps onto more lines.  QTreeView's own
word wrap does not grow a row to the wrapped text's height: this delegate asks for
the height the text needs at the column's current width, and the view lays its
rows out again whenever a column's width changes.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtWidgets import QHeaderView, QStyledItemDelegate, QStyleOptionViewItem, QTreeView

PADDING = 10  # the style's text margins on both sides, and a little room


class WrapDelegate(QStyledItemDelegate):
    def __init__(self, view: QTreeView, column: int, flexible: int, flexible_min: int) -> None:
        super().__init__(view)
        self.view = view
        self.column = column
        self.flexible = flexible
        self.flexible_min = flexible_min
        view.setItemDelegateForColumn(column, self)
        view.setWordWrap(True)
        view.setUniformRowHeights(False)
        view.header().sectionResized.connect(lambda *_: view.scheduleDelayedItemsLayout())
        view.viewport().installEventFilter(self)

    def fit(self) -> None:
        """Size the column for the texts shown now and the view's width."""
        view, header = self.view, self.view.header()
        model = view.model()
        metrics = view.fontMetrics()
        longest = max(
            (
                metrics.horizontalAdvance(str(model.index(row, self.column).data() or ""))
                for row in range(model.rowCount())
            ),
            default=0,
        )
        others = sum(
            header.sectionSize(c)
            for c in range(header.count())
            if c not in (self.column, self.flexible)
        )
        room = view.viewport().width() - others - self.flexible_min
        width = max(self.flexible_min, min(longest + PADDING + 2, room))
        header.setSectionResizeMode(self.column, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(self.flexible, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(self.column, width)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.Resize:
            self.fit()
        return False

    def initStyleOption(  # noqa: N802 - Qt API
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        option.features |= QStyleOptionViewItem.ViewItemFeature.WrapText  # type: ignore[attr-defined]

    def sizeHint(  # noqa: N802 - Qt API
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        hint = super().sizeHint(option, index)
        width = self.view.header().sectionSize(index.column()) - PADDING
        text = str(index.data() or "")
        if width <= 0 or not text:
            return hint
        needed = option.fontMetrics.boundingRect(  # type: ignore[attr-defined]
            QRect(0, 0, width, 100_000), int(Qt.TextFlag.TextWordWrap), text
        )
        return QSize(hint.width(), max(hint.height(), needed.height() + 4))
