"""Building a briefing pack off the GUI thread: start, progress, cancel, and what follows.

``PackBuild`` runs ``build_pack`` on a worker and turns the task's signals into
the few outcomes a window shows: progress, built (the file is written and
recorded, and this machine remembers where), cancelled (nothing written), or
failed.  The briefing dialog owns one and only draws what it reports.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop.briefing.builder import BriefingResult, build_pack
from desktop.briefing.parameters import BriefingParameters
from desktop.context import AppContext
from desktop.pack_files import remember_pack
from desktop.tasks import TaskHandle, run_task, wait_for

PROGRESS_STEPS = 1000


class PackBuild(QObject):
    progressed = Signal(int, int, str)  # done, total, text
    built = Signal(object)  # BriefingResult: written, recorded, location remembered
    cancelled = Signal()  # nothing was written and nothing recorded
    failed = Signal(str)  # a readable message
    finished = Signal()  # after any of the three above

    def __init__(self, context: AppContext, parent: QObject | None = None):
        super().__init__(parent)
        self.context = context
        self.handle: TaskHandle | None = None
        self.started: float | None = None
        self.result: BriefingResult | None = None

    @property
    def running(self) -> bool:
        return self.handle is not None and not self.handle.done

    @property
    def seconds(self) -> float:
        return time.perf_counter() - (self.started or time.perf_counter())

    def start(self, params: BriefingParameters, path: Path) -> TaskHandle:
        """Build ``params`` into ``path`` in the background."""
        register = self.context.register
        actor = self.context.actor

        def job(progress: Any) -> BriefingResult:
            return build_pack(
                register,
                params,
                path,
                actor=actor,
                progress=lambda fraction, text: progress.update(
                    int(fraction * PROGRESS_STEPS), PROGRESS_STEPS, text
                ),
                cancel=progress.is_cancelled,
            )

        self.started = time.perf_counter()
        self.result = None
        handle = run_task(job, title="Briefing pack")
        self.handle = handle
        handle.progressed.connect(self.progressed)
        handle.succeeded.connect(self._built)
        handle.cancelled.connect(self._cancelled)
        handle.failed.connect(self.failed)
        handle.finished.connect(self.finished)
        return handle

    def cancel(self) -> None:
        if self.running and self.handle is not None:
            self.handle.cancel()

    def wait(self, timeout_ms: int) -> None:
        if self.handle is not None:
            wait_for(self.handle, timeout_ms)

    def _built(self, result: BriefingResult) -> None:
        self.result = result
        remember_pack(self.context.settings, result.sha256, result.path)
        self.context.notify_changed()  # the Briefings list shows the new record
        self.built.emit(result)

    def _cancelled(self) -> None:
        done = self.handle.result if self.handle is not None else None
        if isinstance(done, BriefingResult):
            # The pack was finished and recorded before the cancel was seen.
            self._built(done)
            return
        self.cancelled.emit()
