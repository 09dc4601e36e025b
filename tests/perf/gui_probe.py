"""A GUI probe run in its own process by the benchmark suite (P2 and P5).

    python -m tests.perf.gui_probe --db REGISTER --view events [--sort title] [--search protest]
    python -m tests.perf.gui_probe --db REGISTER --view dashboard
    python -m tests.perf.gui_probe --empty-window          # P5's baseline

It starts the app the way ``desktop.app.main`` does (the same application object,
theme, register opening and ``build_window``), with the page to show stored as the
last page viewed, shows the window and waits until the page has painted; for a
register view, only once its table has rows.  Then, for a register, it sorts by
another column through a click on the header and applies a quick search through the
search box, timing each until the changed rows have painted.  It prints one JSON
line and exits at once (``os._exit``: the measure ends at the last paint, not at
the interpreter's teardown).

Times are from the start of the process: the parent passes ``time.time()`` taken
just before it started the process in ``PERF_T0``; without it the process start
time from ``/proc/self/stat`` is used.  Nothing from the app is imported before the
clock matters, and the settings live in a throwaway folder (``XDG_CONFIG_HOME``) so
the probe never touches the user's own.
"""

from __future__ import annotations

import time

_IMPORTED = time.time()

import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402


def _process_start() -> float:
    """When this process started (wall clock), as precisely as the system tells."""
    env = os.environ.get("PERF_T0")
    if env:
        return float(env)
    try:
        with open("/proc/self/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        ticks = int(fields[19])  # starttime, field 22: clock ticks after boot
        with open("/proc/uptime") as fh:
            uptime = float(fh.read().split()[0])
        hz = os.sysconf("SC_CLK_TCK")
        return time.time() - uptime + ticks / hz
    except (OSError, ValueError, IndexError):
        return _IMPORTED


T0 = _process_start()


def since_start() -> float:
    return time.time() - T0


def _mark(phases: dict[str, float], name: str) -> None:
    phases[name] = _cpu()
    phases[f"{name}_wall"] = since_start()


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_rss_mb() -> float:
    """This program's peak resident memory.  ``VmHWM`` belongs to the process image,
    whereas ``ru_maxrss`` keeps the high-water mark of the parent across fork and
    exec (a benchmark parent that built a million rows would be counted)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except (OSError, ValueError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def _painted(app: object, widget: object) -> None:
    """Let queued events run, then paint ``widget`` now (``repaint`` paints synchronously:
    every visible cell asks the model for its data before it returns)."""
    from PySide6.QtCore import QEventLoop

    app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents)  # type: ignore[attr-defined]
    widget.repaint()  # type: ignore[attr-defined]


def _wait(app: object, done: object, timeout: float = 120.0) -> None:
    from PySide6.QtCore import QEventLoop

    deadline = time.monotonic() + timeout
    while not done():  # type: ignore[operator]
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)  # type: ignore[attr-defined]
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not paint in time")


def empty_window() -> dict[str, float]:
    """P5's baseline: ``import PySide6.QtWidgets`` and an empty main window, painted."""
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.show()
    _wait(app, lambda: window.windowHandle() is not None and window.windowHandle().isExposed())
    _painted(app, window)
    return {"shown": since_start()}


def app_window(db: str, view: str, sort_key: str | None, search: str | None) -> dict[str, object]:
    phases: dict[str, float] = {"interpreter_wall": _IMPORTED - T0}
    from desktop import app as desktop_app

    qt_app = desktop_app._application(db)  # as desktop.app.main(db) does
    _mark(phases, "qapplication")
    from desktop import settings as keys
    from desktop.pages import PAGES
    from desktop.settings import Settings
    from desktop.widgets.theme import apply_theme

    titles = {p.title.lower(): p.title for p in PAGES}
    wanted = titles.get(view.lower()) or titles.get(view.lower() + "s")
    if wanted is None:
        raise SystemExit(f"no page called {view}; pages: {', '.join(p.title for p in PAGES)}")
    settings = Settings()
    settings.set(keys.LAST_VIEW, wanted)
    settings.set(keys.POLL_SECONDS, 0)
    apply_theme(os.environ.get("RISK_TRACKER_THEME") or settings.get(keys.THEME))
    _mark(phases, "imports")
    register = desktop_app.open_register_interactively(db)
    if register is None:
        raise SystemExit(f"cannot open {db}")
    _mark(phases, "open_register")
    window = desktop_app.build_window(register, settings)
    _mark(phases, "build_window")
    page = window.page(wanted)  # type: ignore[attr-defined]
    if page is None:
        raise SystemExit(f"the window did not open on {wanted}")
    table = getattr(page, "table", None)
    target = table.viewport() if table is not None else page
    window.resize(1280, 800)  # type: ignore[attr-defined]
    window.show()  # type: ignore[attr-defined]
    handle = window.windowHandle  # type: ignore[attr-defined]
    _wait(qt_app, lambda: handle() is not None and handle().isExposed())
    _wait(qt_app, lambda: table is None or page.model.rowCount() > 0)  # type: ignore[attr-defined]
    _painted(qt_app, target)
    out: dict[str, object] = {"first_paint": since_start(), "cpu_first_paint": _cpu()}
    _mark(phases, "painted")
    out["phases"] = {k: round(v, 3) for k, v in phases.items()}
    if table is None:
        return out
    model = page.model  # type: ignore[attr-defined]
    out["rows_shown"] = model.rowCount()

    if sort_key:
        header = table.horizontalHeader()
        keys_ = [c.key for c in model.columns]
        section = keys_.index(sort_key)
        first_before = model.id_at(0)
        start, cpu = time.perf_counter(), _cpu()
        header.sectionClicked.emit(section)  # what a click on the header emits
        _painted(qt_app, target)
        out["sort"] = time.perf_counter() - start
        out["cpu_sort"] = _cpu() - cpu
        out["sort_changed_rows"] = model.id_at(0) != first_before
        current = model.current_sort()
        out["sort_by"] = [current.key, current.descending] if current else None

    if search:
        start, cpu = time.perf_counter(), _cpu()
        page.search.setText(search)  # type: ignore[attr-defined]
        page.search.flush()  # type: ignore[attr-defined] # Enter: search now, not after the typing pause
        _painted(qt_app, target)
        out["filter"] = time.perf_counter() - start
        out["cpu_filter"] = _cpu() - cpu
        out["filter_rows"] = model.rowCount()
        first = model.values_at(0)
        title_col = (
            [c.key for c in model.columns].index("title")
            if "title" in [c.key for c in model.columns]
            else None
        )
        out["filter_first_title"] = first[title_col] if first and title_col is not None else None
        out["sort_after_filter"] = (
            [model.current_sort().key, model.current_sort().descending]
            if model.current_sort()
            else None
        )
    return out


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m tests.perf.gui_probe")
    parser.add_argument("--db")
    parser.add_argument("--view", default="events")
    parser.add_argument("--sort", help="column key to sort by after the first paint")
    parser.add_argument("--search", help="quick-search text to apply after the sort")
    parser.add_argument("--empty-window", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if args.empty_window:
        result: dict[str, object] = dict(empty_window())
    else:
        if not args.db:
            parser.error("--db is required")
        result = app_window(args.db, args.view, args.sort, args.search)
    result["peak_rss_mb"] = _peak_rss_mb()
    result["cpu_total"] = _cpu()
    print(json.dumps(result), flush=True)
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
