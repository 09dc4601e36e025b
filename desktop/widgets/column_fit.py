"""Table columns that fit the table's width, so a register never scrolls sideways.

Each column has a natural width (what its longest usual value needs).  When the
table is wider than their sum, one flexible column (the title) takes the rest;
when it is narrower, every column gives up the same share of its natural width
(text is elided, the full value is in the cell's tooltip) down to a floor that
keeps the header's label readable.  The fit is made again whenever the table's
viewport changes size; a column the user drags keeps its width until then.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QTableView


def fitted_widths(
    natural: Sequence[int], floors: Sequence[int], available: int, flexible: int
) -> list[int]:
    """Widths for ``natural`` columns in ``available`` pixels (see the module text)."""
    widths = list(natural)
    total = sum(widths)
    if total <= available:
        if 0 <= flexible < len(widths):
            widths[flexible] += available - total
        return widths
    # Shrink in proportion to what each column can give up above its floor.
    spare = [max(0, w - f) for w, f in zip(widths, floors, strict=True)]
    give = sum(spare)
    excess = total - available
    if give <= 0:
        return [min(w, f) for w, f in zip(widths, floors, strict=True)]
    if excess >= give:
        return [w - s for w, s in zip(widths, spare, strict=True)]
    # Each gives up spare * excess / give, rounded up: the sum fits (by a pixel or two).
    return [w - -(-s * excess // give) for w, s in zip(widths, spare, strict=True)]


class ColumnFitter(QObject):
    def __init__(
        self, table: QTableView, natural: Sequence[int], floors: Sequence[int], flexible: int
    ) -> None:
        super().__init__(table)
        self.table = table
        self.natural = list(natural)
        self.floors = list(floors)
        self.flexible = flexible
        table.viewport().installEventFilter(self)
        self.fit()

    def fit(self) -> None:
        available = self.table.viewport().width()
        if available <= 0:
            return
        for column, width in enumerate(
            fitted_widths(self.natural, self.floors, available, self.flexible)
        ):
            self.table.setColumnWidth(column, width)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.Resize:
            self.fit()
        return False
