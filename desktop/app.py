"""Composition root of the desktop app: settings, the register, the context, the window.

``main(db)`` is what ``risk-tracker [--db X]`` runs.  A register that cannot be
opened is explained in a message box (never a traceback), with the choice of
another file or quitting.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the start-up path imports these only when it needs them
    from PySide6.QtWidgets import QApplication, QWidget

    from db.engine import Register
    from desktop.main_window import MainWindow
    from desktop.settings import Settings

STARTED = time.perf_counter()


def _application(target: str | None = None) -> QApplication:
    """The application object, made once; ``target`` is the register to be opened when
    it is known already (``--db``), so its database driver can be imported early."""
    from desktop import startup_gc

    startup_gc.pause()  # resumed once the window has painted (build_window)
    _import_database_layer(target)
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    from desktop import PRODUCT_NAME, __version__
    from desktop.settings import APPLICATION, ORGANISATION

    app.setApplicationName(APPLICATION)
    app.setOrganizationName(ORGANISATION)
    app.setApplicationDisplayName(PRODUCT_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("risk-tracker")
    from PySide6.QtGui import QIcon

    from desktop.resources import RESOURCES_DIR

    app.setWindowIcon(QIcon(str(RESOURCES_DIR / "icons" / "risk-tracker.svg")))
    return app


def _import_database_layer(target: str | None = None) -> None:
    """Import SQLAlchemy, SQLModel and the models before Qt.  Once PySide6 is imported,
    its import hook looks at every later module (reading its source, to find uses of
    Qt): for the database layer that was about a tenth of a second of CPU at start-up,
    on the path to the first painted rows.  The queries the window's first page and its
    search read through come too, and so do the driver and SQLAlchemy dialect of a
    server register given by ``target`` or ``$RISK_TRACKER_DB`` (psycopg and the
    PostgreSQL dialect: about 35 ms more of that hook after Qt)."""
    import db.engine
    import db.models  # noqa: F401
    import db.queries.registers  # noqa: F401
    import db.queries.search  # noqa: F401
    import db.register_settings  # noqa: F401  (the bands)
    import desktop.services.records  # noqa: F401  (and db.repository through it)

    db.engine.load_driver(target if target is not None else os.environ.get(db.engine.ENV_VAR))


def ask_for_register(message: str, parent: QWidget | None = None) -> str | None:
    """Tell the user why the register could not be opened; return another target or None (quit)."""
    from PySide6.QtWidgets import QMessageBox

    from desktop.widgets import file_dialogs

    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Cannot open the register")
    box.setText(message)
    box.setInformativeText("Choose another register file, or quit.")
    choose = box.addButton("Choose another file...", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Quit", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(choose)
    box.exec()
    if box.clickedButton() is not choose:
        return None
    path, _ = file_dialogs.get_save_file_name(
        parent,  # type: ignore[arg-type]
        "Open or create a register",
        os.path.expanduser("~"),
        "Registers (*.db);;All files (*)",
        confirm_overwrite=False,
    )
    return path or None


def confirm_new_register(path: Path) -> bool:
    """Ask before a new register file is created (a mistyped name must not silently
    become an empty register)."""
    from PySide6.QtWidgets import QMessageBox

    answer = QMessageBox.question(
        None,
        "Create a new register?",
        f"There is no register at {path}.\n\nCreate a new, empty register there?",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


def open_register_interactively(target: str | None) -> Register | None:
    """Open ``target``; on failure ask for another until one opens or the user quits.
    A register file that does not exist yet is created only once the user agrees."""
    from db import register_file
    from db.engine import open_register, resolve_url, sqlite_path
    from db.errors import RegisterError

    while True:
        try:
            path = sqlite_path(resolve_url(target))
            is_new = path is not None and register_file.check_file_for_opening(path)
            if path is not None and is_new and not confirm_new_register(path):
                raise RegisterError(f"no register was created at {path}")
            return open_register(target)
        except RegisterError as exc:
            from desktop import startup_gc

            startup_gc.resume()  # no window to wait for: the message box comes first
            target = ask_for_register(str(exc))
            if target is None:
                return None


def build_window(register: Register, settings: Settings | None = None) -> MainWindow:
    """The context and main window for an open register (tests build it the same way)."""
    from db.engine import describe_target
    from desktop.context import AppContext
    from desktop.main_window import MainWindow
    from desktop.settings import Settings, adopt_old_bands

    settings = settings if settings is not None else Settings()
    context = AppContext(register, settings)
    adopt_old_bands(settings, register, context.actor)
    settings.last_database = describe_target(register.url)
    from desktop import paint_gate, startup_gc

    paint_gate.arm()  # whole-table counts wait until the window has painted once
    paint_gate.after_first_paint(startup_gc.resume)
    return MainWindow(context)


def main(db: str | None = None) -> int:
    from desktop.platform_check import platform_problem

    problem = platform_problem()  # Qt would abort with a list of plugins and no cause
    if problem is not None:
        print(problem, file=sys.stderr)
        return 1
    app = _application(db)
    from desktop.settings import Settings

    settings = Settings()
    from desktop.settings import THEME
    from desktop.widgets.theme import apply_theme

    apply_theme(os.environ.get("RISK_TRACKER_THEME") or settings.get(THEME))
    target = db
    if target is None and not os.environ.get("RISK_TRACKER_DB"):
        target = settings.last_database or None  # the register the user switched to last time
    register = open_register_interactively(target)
    if register is None:
        return 1
    window = build_window(register, settings)
    window.show()
    if os.environ.get("RISK_TRACKER_STARTUP_TIMING"):
        from PySide6.QtCore import QTimer

        def report() -> None:
            print(
                f"startup: main window shown after {time.perf_counter() - STARTED:.3f} s",
                file=sys.stderr,
            )

        QTimer.singleShot(0, report)
    if os.environ.get("RISK_TRACKER_EXIT_AFTER_PAINT"):
        from desktop.first_paint import paint_and_exit

        paint_and_exit(app, window)
    code = int(app.exec())
    register.dispose()
    return code
