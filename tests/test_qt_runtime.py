"""Guards on the Qt binding the app is installed with.

PySide6 6.12.0 dropped a reference to ``None`` on every argument-less
``QCoreApplication.processEvents()``; on Python 3.11 (where ``None`` is not
immortal) a few thousand calls end the process with "deallocating None".  The
pin in pyproject.toml keeps that release out; this test catches a binding with
the same fault before a user's session does.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication


def test_process_events_keeps_reference_counts_balanced() -> None:
    app = QApplication.instance() or QApplication([])
    assert app is not None
    before = sys.getrefcount(None)
    for _ in range(500):
        QCoreApplication.processEvents()
    drift = sys.getrefcount(None) - before
    # Other threads may hold or drop a few references meanwhile; a leak is one per call.
    assert abs(drift) < 100, (
        f"None's reference count moved by {drift} over 500 processEvents() calls"
    )
