"""A progress dialog bound to a background task: progress bar, text, Cancel."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressDialog, QWidget

from desktop.tasks import Progress, TaskHandle, run_task

SHOW_AFTER_MS = 300  # quick work finishes without a flash of a dialog


def run_with_progress(
    parent: QWidget | None,
    title: str,
    job: Callable[[Progress], Any],
    *,
    label: str = "",
    cancellable: bool = True,
) -> TaskHandle:
    """Start ``job`` off the GUI thread with a window-modal progress dialog.

    The dialog closes itself when the task ends; connect to the handle's
    ``succeeded``/``failed``/``cancelled`` signals for the outcome.
    """
    dialog = QProgressDialog(label or title, "Cancel" if cancellable else "", 0, 0, parent)
    dialog.setWindowTitle(title)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(SHOW_AFTER_MS)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    if not cancellable:
        dialog.setCancelButton(None)
    handle = run_task(job, title=title, parent=parent)
    handle.progress_dialog = dialog  # type: ignore[attr-defined]

    def progressed(done: int, total: int, text: str) -> None:
        if total > 0:
            dialog.setMaximum(total)
            dialog.setValue(min(done, total))
        if text:
            dialog.setLabelText(text)

    def cancel() -> None:
        dialog.setLabelText("Cancelling...")
        handle.cancel()

    def finished() -> None:
        dialog.canceled.disconnect(cancel)
        dialog.close()
        dialog.deleteLater()

    handle.progressed.connect(progressed)
    dialog.canceled.connect(cancel)
    handle.finished.connect(finished)
    return handle
