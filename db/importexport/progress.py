"""Progress and cancel hooks shared by import and export (Qt-free).

The GUI runs import and export in a worker thread and passes two plain callables:
``progress(done, total)`` and ``cancel() -> bool``.  Cancelling raises ``Cancelled``;
an import is then rolled back whole and an export leaves no file behind.
"""

from __future__ import annotations

from collections.abc import Callable

from db.errors import Cancelled

Progress = Callable[[int, int], None]
Cancel = Callable[[], bool]


class Ticker:
    """Reports progress over a known total and checks for cancel at each step."""

    def __init__(self, total: int, progress: Progress | None, cancel: Cancel | None, what: str):
        self.total = max(total, 1)
        self.done = 0
        self._progress = progress
        self._cancel = cancel
        self._what = what

    def check(self) -> None:
        if self._cancel is not None and self._cancel():
            raise Cancelled(f"{self._what} cancelled; nothing was written")

    def advance(self, n: int) -> None:
        self.done = min(self.total, self.done + n)
        if self._progress is not None:
            self._progress(self.done, self.total)
        self.check()

    def finish(self) -> None:
        self.done = self.total
        if self._progress is not None:
            self._progress(self.total, self.total)
