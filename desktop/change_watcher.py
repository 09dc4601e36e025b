"""Notices changes other users make to the open register, so that the views refresh.

Every write moves the register's change counter (``db.audit.change_counter``).  The
watcher remembers the value after each change this process knows about
(``context.data_changed``) and reads it again every ``settings.poll_seconds``; when
it moved, someone else (another process, another machine) wrote, and the watcher
emits ``context.data_changed`` for them.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer

from desktop.context import AppContext


class ChangeWatcher(QObject):
    def __init__(self, context: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self._seen: int | None = None
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.poll)
        context.data_changed.connect(self.remember)
        seconds = context.settings.poll_seconds
        if seconds > 0:
            self.timer.start(seconds * 1000)
        QTimer.singleShot(0, self.remember)

    def stop(self) -> None:
        self.timer.stop()

    def _read_counter(self) -> int | None:
        from db.audit import change_counter

        try:
            with self.context.register.session() as session:
                return change_counter(session)
        except Exception:  # noqa: BLE001 - the server may be away for a moment; try again later
            return None

    def remember(self) -> None:
        """Take the counter as it is now as seen (after a change this process made)."""
        self._seen = self._read_counter()

    def poll(self) -> bool:
        """Refresh the views if someone else changed the register.  True when a refresh ran."""
        value = self._read_counter()
        if value is None or self._seen is None:
            self._seen = value
            return False
        if value != self._seen:
            self._seen = value
            self.context.notify_changed()
            return True
        return False
