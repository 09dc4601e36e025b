"""The search box for everything (Ctrl+K): any record of any kind, as you type.

A small popup over the main window: a line edit and the records found, best first,
each with its kind.  Every pause in typing (``DEBOUNCE_MS``) or Enter asks
``db.queries.search.search`` on a pool thread through ``desktop.tasks.LatestQuery``,
so typing never waits on the register and a slow old answer never paints over a
newer one.  Enter (or a double-click) on a record hides the popup and emits
``record_chosen`` once; what opening a record means is the main window's business.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from db.kinds import counted, kind_info
from db.queries.search import SearchHit, search
from desktop.context import AppContext
from desktop.tasks import LatestQuery

DEBOUNCE_MS = 120  # a pause this long in typing starts a search
RESULTS = 25
POPUP_WIDTH = 560
HIT_ROLE = Qt.ItemDataRole.UserRole + 1


def _kind_label(kind: str) -> str:
    try:
        return kind_info(kind).label
    except ValueError:
        return kind.capitalize()


class GlobalSearchPopup(QDialog):
    record_chosen = Signal(str, int)  # kind, record id

    def __init__(
        self,
        context: AppContext,
        parent: QWidget | None = None,
        *,
        levels: Callable[[], Sequence[str] | None] = lambda: None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.context = context
        self.levels = levels  # the admitted classification levels (None: no ceiling)
        self.setObjectName("global_search")
        self.setAccessibleName("Search everything")
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText("Search every record: ref, title, name, summary, notes")
        self.edit.setAccessibleName("Search everything")
        self.edit.setClearButtonEnabled(True)
        self.results = QTreeWidget(self)
        self.results.setAccessibleName("Records found")
        self.results.setColumnCount(3)
        self.results.setHeaderLabels(["Ref", "Title", "Kind"])
        self.results.setRootIsDecorated(False)
        self.results.setUniformRowHeights(True)
        self.results.setAllColumnsShowFocus(True)
        header = self.results.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        # A popup over the page: a frame keeps it apart from what lies beneath.
        self.setStyleSheet("#global_search { border: 1px solid palette(dark); }")
        self.status = QLabel("", self)
        self.status.setObjectName("global_search_status")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.edit)
        layout.addWidget(self.results)
        layout.addWidget(self.status)
        self.resize(POPUP_WIDTH, 380)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.search_now)
        self._query = LatestQuery("Search", self)
        self._query.answered.connect(self._show_hits)
        self._query.failed.connect(self._show_failure)
        self._asked = ""  # the text of the latest search started
        self._shown = ""  # the text whose answer is listed
        self._enter_pending = False  # Enter pressed before the answer arrived
        self._chosen = False  # a record was opened: nothing more until shown again

        self.edit.textChanged.connect(lambda _t: self._timer.start())
        self.edit.installEventFilter(self)
        self.results.itemDoubleClicked.connect(self._choose_item)

    # ------------------------------------------------------------------ showing

    def open_over(self, window: QWidget) -> None:
        """Show centred near the top of ``window``, the text selected for retyping."""
        self._chosen = False
        self._enter_pending = False
        width = min(POPUP_WIDTH, max(320, window.width() - 40))
        self.resize(width, min(380, max(200, window.height() - 120)))
        top_left = window.mapToGlobal(window.rect().topLeft())
        self.move(top_left.x() + (window.width() - width) // 2, top_left.y() + 60)
        self.show()
        self.raise_()
        self.activateWindow()
        self.edit.setFocus()
        self.edit.selectAll()
        if self.edit.text().strip():
            self.search_now()  # the register may have changed since the last search

    # ------------------------------------------------------------------ searching

    def search_now(self) -> None:
        self._timer.stop()
        text = self.edit.text()
        self._asked = text
        if not text.strip():
            self._query.supersede()
            self._show_hits(("", []))
            return
        register = self.context.register
        levels = self.levels()

        def job() -> tuple[str, list[SearchHit]]:
            with register.session() as session:
                return text, search(session, text, limit=RESULTS, levels=levels)

        self._query.run(job)

    def _show_hits(self, answer: tuple[str, list[SearchHit]]) -> None:
        text, hits = answer
        self._shown = text
        self.results.clear()
        items = []
        for hit in hits:
            label = _kind_label(hit.kind)
            item = QTreeWidgetItem([hit.ref, hit.title, label])
            item.setData(0, HIT_ROLE, (hit.kind, hit.id))
            item.setToolTip(1, f"{label} {hit.ref}: {hit.title}")
            items.append(item)
        self.results.addTopLevelItems(items)
        if items:
            self.results.setCurrentItem(items[0])
        found = len(hits)
        self.status.setText(
            ""
            if not text.strip()
            else "No record matches"
            if not found
            else f"{counted(found, 'record')} found; Enter opens the one selected"
        )
        if self._enter_pending and text == self.edit.text():
            self._enter_pending = False
            self._choose_current()

    def _show_failure(self, message: str) -> None:
        self.status.setText(f"Search failed: {message}")

    # ------------------------------------------------------------------ choosing

    def _choose_current(self) -> None:
        item = self.results.currentItem()
        if item is not None:
            self._choose_item(item)

    def _choose_item(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        if self._chosen:
            return  # a second Enter or the second half of a double-click
        kind, record_id = item.data(0, HIT_ROLE)
        self._chosen = True
        self.hide()
        self.record_chosen.emit(str(kind), int(record_id))

    def _enter(self) -> None:
        if self._shown == self.edit.text() and not self._timer.isActive():
            self._choose_current()
        else:  # the list is for older text: search now, open the best when it is in
            self._enter_pending = True
            self.search_now()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.edit and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._enter()
                return True
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up, Qt.Key.Key_PageDown, Qt.Key.Key_PageUp):
                self.results.keyPressEvent(event)  # move in the list, keep typing in the box
                return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._enter()  # Enter with the list focused
            return
        super().keyPressEvent(event)
