"""``RISK_TRACKER_EXIT_AFTER_PAINT=1 risk-tracker``: open the main window, paint it, exit.

A hidden switch for checks that start the real program (the bundle test, the
start-up benchmark): the app starts exactly as a user starts it, and once the window
is on screen and painted it prints one JSON line on stdout and exits 0:

    {"painted_s": 0.81, "cpu_s": 0.74, "title": "...", "platform": "xcb"}

``painted_s`` is the wall time since ``PERF_T0`` (``time.time()`` taken by the parent
just before it started the process), or null when the parent gave none.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time


def paint_and_exit(app: object, window: object, timeout: float = 60.0) -> None:
    from PySide6.QtCore import QEventLoop

    flags = QEventLoop.ProcessEventsFlag.AllEvents
    deadline = time.monotonic() + timeout
    handle = window.windowHandle  # type: ignore[attr-defined]
    while handle() is None or not handle().isExposed():
        app.processEvents(flags, 5)  # type: ignore[attr-defined]
        if time.monotonic() > deadline:
            print("risk-tracker: the main window was not shown in time", file=sys.stderr)
            os._exit(1)
    app.processEvents(flags)  # type: ignore[attr-defined]
    window.repaint()  # type: ignore[attr-defined]  # paints now, every visible child included
    t0 = os.environ.get("PERF_T0")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result = {
        "painted_s": round(time.time() - float(t0), 4) if t0 else None,
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 4),
        "title": window.windowTitle(),  # type: ignore[attr-defined]
        "platform": app.platformName(),  # type: ignore[attr-defined]
    }
    print(json.dumps(result), flush=True)
    sys.stderr.flush()
    os._exit(0)  # the measure ends at the paint, not at the interpreter's teardown
