"""The Activity page's table: the register's changes, newest first, a page at a time.

The model holds plain ``ActivityRow`` values; a Qt-free source
(``desktop.services.activity.ActivitySource``) gives the next page when the view
scrolls near the end (``canFetchMore`` / ``fetchMore``).
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex

from desktop.itemmodels.rows_model import RowsColumn, RowsTableModel
from desktop.services.activity import ActivityRow, page_key

_Index = QModelIndex | QPersistentModelIndex


class ActivityPages(Protocol):
    page_size: int

    def fetch(self, after: tuple[dt.datetime, int] | None) -> list[ActivityRow]: ...


def _when(at: dt.datetime) -> str:
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return f"{at.astimezone(dt.UTC):%Y-%m-%d %H:%M}"


ACTIVITY_COLUMNS = (
    RowsColumn("at", "When (UTC)", _when),
    RowsColumn("actor", "Who"),
    RowsColumn("kind", "Kind", lambda k: str(k).capitalize()),
    RowsColumn("ref", "Record"),
    RowsColumn("action", "What"),
    RowsColumn("fields", "Fields"),
)


class ActivityTableModel(RowsTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(ACTIVITY_COLUMNS, parent)
        self._source: ActivityPages | None = None
        self._more = False

    def set_source(self, source: ActivityPages) -> None:
        """Start again from the newest change of ``source``."""
        self._source = source
        first = source.fetch(None)
        self._more = len(first) >= source.page_size
        self.set_rows(first)

    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:  # noqa: B008, N802
        return not parent.isValid() and self._more and self._source is not None

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:  # noqa: B008, N802
        if parent.isValid() or self._source is None or not self._more:
            return
        rows = self._rows
        page = self._source.fetch(page_key(rows[-1]) if rows else None)
        self._more = len(page) >= self._source.page_size
        if not page:
            return
        self.beginInsertRows(QModelIndex(), len(rows), len(rows) + len(page) - 1)
        self._rows.extend(page)
        self.endInsertRows()

    def has_more(self) -> bool:
        return self._more
