"""A windowed table model: a million rows on screen without loading them.

The model is fed by a Qt-free *row source* (``db.queries.registers.RegisterRowSource``
or anything with the same ``columns``, ``count`` and ``fetch``).  It keeps a small
cache of pages and asks the source for a page only when the view paints a row of it,
so one SQL query (``ORDER BY ... LIMIT``) serves each page.

The first page is fetched at once; the number of matching rows is counted later on a
worker thread, so the first rows paint before the count is known (the source's quick
estimate, where it has one, is offered meanwhile: ``estimate``).  A page next to one
in the cache is found by seeking past that page's edge row (keyset paging), and with
the count known a page in the second half is read from the end: no query skips a
million rows with OFFSET as the user scrolls.  Until then the
model grows page by page (``canFetchMore``/``fetchMore``); when the count arrives it
exposes every row and the scroll bar shows the whole register.

Sorting (``sort``) and filtering (``set_filter``) only change what is asked of the
source: the database does the work.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush

from db.queries import registers as rq
from db.queries.registers import RegisterColumn, RegisterFilter, RegisterSort
from db.scales import BAND_NAMES, DEFAULT_BANDS, Bands
from desktop.itemmodels import display
from desktop.widgets.colours import text_colour_on

PAGE_SIZE = 200
MAX_CACHED_PAGES = 60  # 12,000 rows at most in memory

ID_ROLE = Qt.ItemDataRole.UserRole + 1  # the record id of the row
SORT_VALUE_ROLE = Qt.ItemDataRole.UserRole + 2  # the raw value

_DISPLAY = Qt.ItemDataRole.DisplayRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_ALIGN = Qt.ItemDataRole.TextAlignmentRole
_BACKGROUND = Qt.ItemDataRole.BackgroundRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
_DECORATION = Qt.ItemDataRole.DecorationRole
_COLOUR_ROLES = frozenset({_BACKGROUND, _FOREGROUND})
_ROLES = frozenset(
    {_DISPLAY, _TOOLTIP, _ALIGN, _BACKGROUND, _FOREGROUND, _DECORATION, ID_ROLE, SORT_VALUE_ROLE}
)
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_ALIGNMENTS = {
    fmt: display.alignment(fmt)
    for fmt in (
        rq.TEXT,
        rq.REF,
        rq.DATE,
        rq.ENUM,
        rq.INT,
        rq.NUMBER,
        rq.STANCE,
        rq.SENTIMENT,
        rq.SCORE,
        rq.LEVEL,
    )
}

_Index = QModelIndex | QPersistentModelIndex


class RowSource(Protocol):
    @property
    def columns(self) -> tuple[RegisterColumn, ...]: ...

    def count(self, flt: RegisterFilter | None = None) -> int: ...

    def fetch(
        self,
        offset: int,
        limit: int,
        sort: RegisterSort | None = None,
        flt: RegisterFilter | None = None,
        *,
        after: Sequence[Any] | None = None,
        total: int | None = None,
        before: Sequence[Any] | None = None,
    ) -> list[tuple[Any, ...]]: ...


class RegisterTableModel(QAbstractTableModel):
    """Rows ``(id, value...)`` from a row source, a page at a time."""

    count_changed = Signal(int)  # the exact number of matching rows is known
    estimate_changed = Signal(int)  # an estimate of it, while it is being counted
    query_changed = Signal()  # the sort or the filter changed (rows were reset)
    fetch_failed = Signal(str)

    def __init__(
        self,
        source: RowSource,
        *,
        bands: Callable[[], Bands] | None = None,
        page_size: int = PAGE_SIZE,
        count_in_background: bool = True,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self._source = source
        self._columns: tuple[RegisterColumn, ...] = tuple(source.columns)
        self._bands = bands or (lambda: DEFAULT_BANDS)
        self._page_size = max(1, page_size)
        self._background = count_in_background
        self._sort: RegisterSort | None = None
        self._filter = RegisterFilter()
        self._pages: OrderedDict[int, list[tuple[Any, ...]]] = OrderedDict()
        self._rows = 0  # rows exposed to the view
        self._total: int | None = None  # exact count once known
        self._estimate: int | None = None  # the source's quick estimate, until then
        self._generation = 0  # bumps on every reset/refresh: late counts are ignored
        self._counting = False  # a count of the current rows is on its way
        self.fetch_count = 0  # pages fetched (tests and diagnostics)
        self._brushes: dict[str, tuple[QBrush, QBrush]] | None = None
        self._reload()

    # ------------------------------------------------------------------ public API

    @property
    def source(self) -> RowSource:
        return self._source

    @property
    def columns(self) -> tuple[RegisterColumn, ...]:
        return self._columns

    def set_source(self, source: RowSource) -> None:
        """Another register was opened: same columns, new rows."""
        self.beginResetModel()
        self._source = source
        self._columns = tuple(source.columns)
        self._clear()
        self.endResetModel()
        self._after_reset()

    def current_sort(self) -> RegisterSort | None:
        return self._sort

    def current_filter(self) -> RegisterFilter:
        return self._filter

    def set_filter(self, flt: RegisterFilter) -> None:
        if flt == self._filter:
            return
        self._filter = flt
        self._requery(same_rows=False)
        self.query_changed.emit()

    def set_sort(self, sort: RegisterSort | None) -> None:
        if sort == self._sort:
            return
        self._sort = sort
        self._requery(same_rows=True)  # the same rows in another order: the count stands
        self.query_changed.emit()

    def total(self) -> int | None:
        """The exact number of matching rows, or None while it is being counted."""
        return self._total

    def estimate(self) -> int | None:
        """While the rows are being counted: the source's estimate of their number
        (PostgreSQL's statistics; None where the source has none).  None once the
        exact count is known."""
        return None if self._total is not None else self._estimate

    def id_at(self, row: int) -> int | None:
        record = self._row(row)
        return int(record[0]) if record is not None else None

    def values_at(self, row: int) -> tuple[Any, ...] | None:
        record = self._row(row)
        return tuple(record[1:]) if record is not None else None

    def row_of_id(self, record_id: int) -> int | None:
        """The row of a record among the pages already loaded (None if not loaded)."""
        for page, rows in self._pages.items():
            for i, record in enumerate(rows):
                if record[0] == record_id:
                    return page * self._page_size + i
        return None

    def refresh(self) -> None:
        """The data changed: forget the cached pages and recount, keeping the rows' places."""
        self._requery(same_rows=False, keep_rows=True)

    def _requery(self, *, same_rows: bool, keep_rows: bool = False) -> None:
        """Ask the source again without resetting the model.

        A reset makes the view rebuild its per-row bookkeeping (for a million rows,
        a noticeable pause), so rows are only told to change, or removed and
        inserted at the end as the new count requires.
        """
        if self._background:  # the rows asked for first: a count in flight waits
            from desktop.background_reads import yield_to_user

            yield_to_user()
        if not same_rows:
            self._generation += 1  # a count in flight counts other rows now
            self._counting = False
        self._pages.clear()
        first = self._load_page(0)
        if first is None:
            return
        if same_rows and (self._total is not None or self._counting):
            pass  # the same rows in another order: the count stands, or is on its way
        elif len(first) < self._page_size:
            self._set_total(len(first))
        else:
            if not keep_rows:
                self._grow_to(len(first))  # drop the old filter's rows until the count arrives
            elif self._rows < len(first):
                self._grow_to(len(first))
            self._total = None
            self._estimate = None
            self._start_count()
        if self._rows:
            self.dataChanged.emit(
                self.index(0, 0), self.index(self._rows - 1, self.columnCount() - 1)
            )

    # ------------------------------------------------------------------ Qt model API

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._rows

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._columns):
            col = self._columns[section]
            if role == Qt.ItemDataRole.DisplayRole:
                return col.label
            if role == Qt.ItemDataRole.ToolTipRole:
                return col.label if col.sortable else f"{col.label} (not sortable)"
        elif orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return section + 1
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Called for every visible cell and role on each paint: cheap refusals first.
        if role not in _ROLES or not index.isValid():
            return None
        column = index.column()
        if not 0 <= column < len(self._columns):
            return None
        col = self._columns[column]
        fmt = col.format
        if role == _ALIGN:
            return _ALIGNMENTS.get(fmt, _LEFT)
        if role in _COLOUR_ROLES and fmt != rq.SCORE:
            return None
        if role == _DECORATION and fmt not in (rq.STANCE, rq.SENTIMENT):
            return None
        record = self._row(index.row())
        if record is None:
            return None
        value = record[column + 1]
        if role == _DISPLAY:
            return display.display_text(value, fmt)
        if value is None:
            return int(record[0]) if role == ID_ROLE else None
        if role == _BACKGROUND:
            return self._band_brushes()[self._bands().band(int(value))][0]
        if role == _FOREGROUND:
            return self._band_brushes()[self._bands().band(int(value))][1]
        if role == _DECORATION:
            return display.stance_qcolor(int(value))
        if role == _TOOLTIP:
            text = display.display_text(value, fmt)
            if fmt == rq.SCORE:
                return f"{text}: {self._bands().band(int(value))} band"
            return text if len(text) > 40 else None
        if role == ID_ROLE:
            return int(record[0])
        if role == SORT_VALUE_ROLE:
            return value
        return None

    def _band_brushes(self) -> dict[str, tuple[QBrush, QBrush]]:
        if self._brushes is None:
            self._brushes = {}
            for band in BAND_NAMES:
                background = display.band_qcolor(band)
                self._brushes[band] = (
                    QBrush(background),
                    QBrush(text_colour_on(background)),
                )
        return self._brushes

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self._columns) or not self._columns[column].sortable:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        self.set_sort(RegisterSort(self._columns[column].key, descending))

    def canFetchMore(self, parent: _Index) -> bool:
        if parent.isValid() or self._total is not None:
            return False
        return self._rows > 0 and self._rows % self._page_size == 0

    def fetchMore(self, parent: _Index) -> None:
        if not self.canFetchMore(parent):
            return
        page = self._rows // self._page_size
        rows = self._load_page(page)
        if rows is None:
            return
        if rows:
            self._grow_to(self._rows + len(rows))
        if len(rows) < self._page_size and self._total is None:
            self._total = self._rows
            self.count_changed.emit(self._rows)

    # ------------------------------------------------------------------ internals

    def _clear(self) -> None:
        self._generation += 1
        self._counting = False
        self._pages.clear()
        self._rows = 0
        self._total = None
        self._estimate = None

    def _reload(self) -> None:
        self.beginResetModel()
        self._clear()
        first = self._load_page(0)
        first = first or []
        self._rows = len(first)
        self.endResetModel()
        self._after_reset(first_len=len(first))

    def _after_reset(self, first_len: int | None = None) -> None:
        if first_len is None:
            first = self._load_page(0) or []
            if first:
                self._grow_to(len(first))
            first_len = len(first)
        if first_len < self._page_size:
            self._total = first_len
            self.count_changed.emit(first_len)
        else:
            self._start_count()

    def _grow_to(self, rows: int) -> None:
        if rows > self._rows:
            self.beginInsertRows(QModelIndex(), self._rows, rows - 1)
            self._rows = rows
            self.endInsertRows()
        elif rows < self._rows:
            self.beginRemoveRows(QModelIndex(), rows, self._rows - 1)
            self._rows = rows
            for page in [p for p in self._pages if p * self._page_size >= rows]:
                del self._pages[page]
            self.endRemoveRows()

    def _set_total(self, total: int) -> None:
        self._counting = False
        self._total = total
        self._grow_to(total)
        self.count_changed.emit(total)

    def _start_count(self) -> None:
        generation = self._generation
        flt = self._filter
        source = self._source
        if not self._background:
            self._estimate_rows(generation, source, flt)
            self._count_done(generation, source.count(flt))
            return
        from desktop.background_reads import run_background_read
        from desktop.paint_gate import after_first_paint

        self._counting = True

        def start() -> None:  # a full count waits for the window's first paint
            if generation != self._generation:
                return  # already superseded
            self._estimate_rows(generation, source, flt)
            # In the background, giving way to the rows of the next sort or filter
            # (desktop.background_reads); run again after them while still wanted.
            run_background_read(
                lambda _token: source.count(flt),
                title="count",
                done=lambda total: self._count_done(generation, total),
                failed=lambda message: self._count_failed(generation, message),
                wanted=lambda: generation == self._generation,
            )

        after_first_paint(start)

    def _count_failed(self, generation: int, message: str) -> None:
        if generation == self._generation:
            self._counting = False
        self.fetch_failed.emit(message)

    def _estimate_rows(self, generation: int, source: RowSource, flt: RegisterFilter) -> None:
        """Ask the source for its quick estimate (a catalogue read, not a count)."""
        estimate = getattr(source, "estimate", None)
        if estimate is None:
            return
        try:
            value = estimate(flt)
        except Exception:  # noqa: BLE001 - an estimate is a nicety: the count follows
            return
        if value is None or generation != self._generation or self._total is not None:
            return
        self._estimate = int(value)
        self.estimate_changed.emit(self._estimate)

    def _count_done(self, generation: int, total: int) -> None:
        if generation != self._generation:
            return  # the filter or the data changed meanwhile
        try:
            self._set_total(int(total))
        except RuntimeError:  # the model was deleted (its view closed) while counting
            pass

    def _load_page(self, page: int, emit_errors: bool = True) -> list[tuple[Any, ...]] | None:
        cached = self._pages.get(page)
        if cached is not None:
            self._pages.move_to_end(page)
            return cached
        try:
            rows = self._source.fetch(
                page * self._page_size,
                self._page_size,
                self._sort,
                self._filter,
                **self._seek(page),
            )
        except Exception as exc:  # noqa: BLE001 - shown to the user, the view stays usable
            from desktop.tasks import describe_error

            if emit_errors:
                self.fetch_failed.emit(describe_error(exc))
            return None
        self.fetch_count += 1
        self._pages[page] = rows
        while len(self._pages) > MAX_CACHED_PAGES:
            self._pages.popitem(last=False)
        return rows

    def _seek(self, page: int) -> dict[str, Any]:
        """How the source can find ``page`` without skipping the rows before it: after
        the last row of the page before, before the first row of the page after (both
        full pages in the cache), or from the end once the exact count is known."""
        size = self._page_size
        previous = self._pages.get(page - 1) if page > 0 else None
        if previous is not None and len(previous) == size:
            return {"after": previous[-1]}
        following = self._pages.get(page + 1)
        if following:
            return {"before": following[0]}
        if page > 0 and self._total is not None:
            return {"total": self._total}
        return {}

    def _row(self, row: int) -> Sequence[Any] | None:
        if not 0 <= row < self._rows:
            return None
        page, offset = divmod(row, self._page_size)
        rows = self._load_page(page)
        if rows is None or offset >= len(rows):
            return None
        return rows[offset]
