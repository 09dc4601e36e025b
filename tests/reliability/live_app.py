"""The real desktop app in a child process, driven line by line over stdin/stdout.

    python -m tests.reliability.live_app REGISTER

Started by ``test_live_register.py``.  The app is built exactly as ``risk-tracker``
builds it (``desktop.app``), on the offscreen platform.  Commands, one per line:

``tour``  goes through every file dialog of the app and every in-app action that
          touches files, each dialog shown at the register's folder with the folder
          listed (every row and column read, as a view painting it would), then
          cancelled or answered; replies ``tour {json}`` with the dialogs seen and
          the messages shown.
``save``  logs a new event, as the event form's OK does; replies ``saved REF``.

Every reply is one line starting with its command's name; anything else on stdout
is noise from Qt.
"""

from __future__ import annotations

import datetime as dt
import faulthandler
import json
import os
import queue
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QApplication,
    QFileDialog,
    QFileSystemModel,
    QLineEdit,
    QMessageBox,
)
from shiboken6 import isValid  # noqa: E402

from desktop import app as desktop_app  # noqa: E402
from desktop.tasks import active_tasks  # noqa: E402

ANSWER_CANCEL = None


class Driver:
    """Answers the dialogs the app shows, from a plan the tour sets before each action."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.answers: list[str | None] = []
        self.dialogs: list[dict[str, Any]] = []
        self.messages: list[str] = []
        self._state: dict[int, str] = {}
        self._stable: dict[int, tuple[int, int]] = {}  # rows listed, ticks unchanged
        self.timer = QTimer()
        self.timer.setInterval(20)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def _tick(self) -> None:
        for widget in QApplication.topLevelWidgets():
            if not widget.isVisible():
                continue
            if isinstance(widget, QFileDialog):
                self._file_dialog(widget)
            elif isinstance(widget, QMessageBox) and widget.property("tour_key") is None:
                widget.setProperty("tour_key", 0)
                self._message(widget)

    def _message(self, box: QMessageBox) -> None:
        self.messages.append(box.text())
        for button in box.buttons():
            if box.buttonRole(button) in (
                QMessageBox.ButtonRole.AcceptRole,
                QMessageBox.ButtonRole.YesRole,
            ):
                QTimer.singleShot(0, button.click)
                return
        QTimer.singleShot(0, box.reject)

    def _file_dialog(self, dialog: QFileDialog) -> None:
        # Qt's own static dialogs get a new Python wrapper each time they are looked up,
        # so each dialog is known by a number stored on the C++ object itself.
        key = dialog.property("tour_key")
        if key is None:
            key = len(self._state) + 1
            dialog.setProperty("tour_key", key)
        state = self._state.get(key)
        if state is not None and state.startswith("answered"):
            waited = int(state.split()[1]) + 1
            self._state[key] = f"answered {waited}"
            if waited > 100:  # refused the answer: say so rather than hang
                self.dialogs[-1]["stuck"] = True
                dialog.reject()
            return
        model = dialog.findChild(QFileSystemModel)
        if model is None:
            raise RuntimeError("the file dialog has no folder model: is it a native dialog?")
        root = model.index(str(self.folder))
        names = [model.index(r, 0, root).data() for r in range(model.rowCount(root))]
        if state is None:
            self._state[key] = "listing"
            self._stable[key] = (len(names), 0)
            self.dialogs.append(
                {
                    "title": dialog.windowTitle(),
                    "folder": dialog.directory().absolutePath(),
                    "native": not dialog.testOption(QFileDialog.Option.DontUseNativeDialog),
                }
            )
            return
        count, ticks = self._stable[key]
        self._stable[key] = (len(names), ticks + 1 if count == len(names) else 0)
        if model.canFetchMore(root) or self._stable[key][1] < 10:
            return  # still listing the folder
        # What a view does when it paints the folder: every row, every column,
        # the text and the icon (the icon provider is asked for both).
        for row in range(model.rowCount(root)):
            for column in range(model.columnCount(root)):
                index = model.index(row, column, root)
                index.data(Qt.ItemDataRole.DisplayRole)
                index.data(Qt.ItemDataRole.DecorationRole)
        if state == "listing":
            # Then every file, as when the user types "*" in the file name field.
            model.setNameFilters(["*"])
            self._state[key] = "listing everything"
            self._stable[key] = (-1, 0)
            return
        self.dialogs[-1]["listed"] = sorted(n for n in names if n.startswith("register"))
        self._state[key] = "answered 0"
        answer = self.answers.pop(0) if self.answers else ANSWER_CANCEL
        self.dialogs[-1]["answer"] = answer
        if answer is ANSWER_CANCEL:
            dialog.reject()
            return
        everything = [f for f in dialog.nameFilters() if "(*)" in f]
        if everything:
            dialog.selectNameFilter(everything[0])
        name_edit = dialog.findChild(QLineEdit, "fileNameEdit")
        if name_edit is None:
            raise RuntimeError("the file dialog has no file name field")
        name_edit.setText(answer)
        # accept() may ask "replace it?" in a nested event loop: run it outside this
        # timer's slot (Qt does not fire a timer again while its slot is running).
        QTimer.singleShot(0, dialog.accept)

    def expect(self, *answers: str | None) -> None:
        self.answers.extend(answers)


def spin(until: Callable[[], bool], timeout_s: float = 60.0) -> None:
    loop = QEventLoop()
    waited = 0.0
    while not until():
        QTimer.singleShot(20, loop.quit)
        loop.exec()
        waited += 0.02
        if waited > timeout_s:
            raise TimeoutError("the app did not get there in time")


def settle() -> None:
    spin(lambda: active_tasks() == 0)
    deadline = [0]

    def later() -> bool:
        deadline[0] += 1
        return deadline[0] > 5

    spin(later)


def tour(window: Any, driver: Driver) -> dict[str, Any]:
    from desktop.dialogs.briefing_dialog import open_briefing_dialog
    from desktop.dialogs.import_dialog import ImportDialog
    from desktop.dialogs.settings_dialog import SettingsDialog
    from desktop.widgets.pdf_preview import PdfPreviewWindow

    context = window.context
    folder = driver.folder
    context.settings.last_export_folder = str(folder)
    context.settings.last_import_folder = str(folder)

    def step(action: Callable[[], Any], *answers: str | None) -> None:
        seen = len(driver.dialogs)
        driver.expect(*answers)
        action()
        settle()
        if len(driver.dialogs) != seen + len(answers) or driver.answers:
            raise RuntimeError(f"expected {len(answers)} file dialog(s) from {action}")

    step(window.new_register, ANSWER_CANCEL)
    step(window.open_register, ANSWER_CANCEL)
    step(window.open_register, "register.db-shm")  # refused with a message
    step(window.open_register, "register.db")  # the register already open: opens again
    step(window.backup, "backup.db")
    step(window.backup, "register.db-wal")  # refused with a message
    events = window.show_page("Events")
    step(events.export_shown, "events.csv")

    importer = ImportDialog(context, window, kind="stakeholder")
    importer.show()
    step(importer.choose_file, "new-stakeholder.csv")
    importer.start(dry_run=False)
    settle()
    if not importer.imported:
        raise RuntimeError(f"the import failed: {importer.errors}")
    importer.close()

    settings = SettingsDialog(context, window)
    settings.show()
    step(settings._browse, ANSWER_CANCEL)
    settings.reject()

    briefing = open_briefing_dialog(context, window, output=folder / "pack.pdf")
    step(briefing.choose_output, ANSWER_CANCEL)
    briefing.start_build()
    settle()
    spin(lambda: any(isinstance(w, PdfPreviewWindow) for w in QApplication.topLevelWidgets()))
    preview = next(w for w in QApplication.topLevelWidgets() if isinstance(w, PdfPreviewWindow))
    step(preview.preview.save_as, "pack-copy.pdf")
    preview.close()
    if isValid(briefing):  # the dialog closes itself once the pack is made
        briefing.close()

    step(lambda: desktop_app.ask_for_register("(the tour)", window), ANSWER_CANCEL)
    return {"dialogs": driver.dialogs, "messages": driver.messages}


def save_event(window: Any) -> str:
    from sqlalchemy import text

    from db.models import EventCreate
    from desktop.undo import CreateRecordCommand

    context = window.context
    with context.register.session() as session:
        stakeholder = session.execute(text("SELECT min(id) FROM stakeholder")).scalar_one()
    data = EventCreate(
        occurred_on=dt.date.today(),
        title="Logged just before the app was killed",
        stakeholder_id=stakeholder,
    )
    command = CreateRecordCommand(context, "event", data)
    context.undo_stack.push(command)
    assert command.ref is not None
    return command.ref


def main() -> int:
    faulthandler.register(signal.SIGUSR1)  # a hung tour can be asked where it is
    register_path = Path(sys.argv[1])
    qt_app: Any = desktop_app._application()
    register = desktop_app.open_register_interactively(str(register_path))
    window: Any = desktop_app.build_window(register)
    window.show()
    driver = Driver(register_path.parent)
    lines: queue.Queue[str] = queue.Queue()

    def read_stdin() -> None:
        for line in sys.stdin:
            lines.put(line.strip())
        lines.put("quit")

    threading.Thread(target=read_stdin, daemon=True).start()
    busy = [False]

    def reply(text: str) -> None:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()

    def poll() -> None:
        if busy[0] or lines.empty():
            return
        busy[0] = True
        command = lines.get()
        try:
            if command == "tour":
                reply("tour " + json.dumps(tour(window, driver)))
            elif command == "save":
                reply(f"saved {save_event(window)}")
            elif command == "quit":
                qt_app.quit()
        except Exception as exc:  # reported to the parent, which fails the test
            where = " > ".join(d["title"] for d in driver.dialogs)
            reply(f"{command} failed: {type(exc).__name__}: {exc} (dialogs so far: {where})")
        finally:
            busy[0] = False

    stdin_timer = QTimer()
    stdin_timer.setInterval(20)
    stdin_timer.timeout.connect(poll)
    stdin_timer.start()
    reply("ready")
    return int(qt_app.exec())


if __name__ == "__main__":
    sys.exit(main())
