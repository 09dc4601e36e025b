"""Import a CSV or XLSX file: choose the kind and the file, check, import.

The work runs off the GUI thread (``desktop.tasks``) with a progress bar and
Cancel.  Import is all or nothing (``db.importexport.import_file``): a file with a
bad row writes nothing, and every problem is listed as row / field / reason, rows
counted the way a spreadsheet counts them (the header is row 1).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from db.errors import FieldError, RegisterError, ValidationFailed, shown_errors
from db.importexport.columns import count_noun
from db.kinds import KINDS, SCREEN_ORDER
from desktop.context import AppContext
from desktop.itemmodels.rows_model import RowsColumn, RowsTableModel
from desktop.services import imports
from desktop.tasks import TaskHandle, run_task, wait_for
from desktop.undo import ImportCommand
from desktop.widgets import file_dialogs
from desktop.widgets.task_progress import run_with_progress

KIND_CHOICES = tuple((kind.value, KINDS[kind].plural_label) for kind in SCREEN_ORDER)


class ImportDialog(QDialog):
    def __init__(
        self, context: AppContext, parent: QWidget | None = None, *, kind: str | None = None
    ):
        super().__init__(parent)
        self.context = context
        self.imported = False
        self.result: Any = None
        self.errors: list[FieldError] = []
        self._handle: TaskHandle | None = None
        self.setWindowTitle("Import a file")
        self.setMinimumSize(640, 420)

        layout = QVBoxLayout(self)
        intro = QLabel(
            "A CSV (UTF-8, comma, header row) or XLSX file (first sheet, header row) with one "
            "column per field. Every row is checked first: if any row is wrong, nothing is written."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        form = QFormLayout()
        self.kind_combo = QComboBox()
        self.kind_combo.setAccessibleName("What the file holds")
        for value, text in KIND_CHOICES:
            self.kind_combo.addItem(text, value)
        if kind is not None:
            self.kind_combo.setCurrentIndex(max(0, self.kind_combo.findData(kind)))
        form.addRow("The file holds:", self.kind_combo)
        self.path_edit = QLineEdit()
        self.path_edit.setAccessibleName("File to import")
        self.path_edit.setPlaceholderText("choose a .csv or .xlsx file")
        browse = QPushButton("Choose file...")
        browse.clicked.connect(self.choose_file)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        form.addRow("File:", row)
        layout.addLayout(form)

        self.status_label = QLabel()
        self.status_label.setObjectName("import_status")
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.status_label)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Import progress")
        self.progress.setVisible(False)
        layout.addWidget(self.progress)

        self.error_model = RowsTableModel(
            [
                RowsColumn("row", "Row", align_right=True),
                RowsColumn("field", "Field"),
                RowsColumn("reason", "Problem"),
            ],
            self,
        )
        self.error_table = QTableView()
        self.error_table.setObjectName("import_errors")
        self.error_table.setAccessibleName("Problems found in the file")
        self.error_table.setModel(self.error_model)
        self.error_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.error_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.error_table.verticalHeader().setVisible(False)
        self.error_table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.error_table.setWordWrap(True)
        self.error_table.setVisible(False)
        layout.addWidget(self.error_table, 1)

        self.buttons = QDialogButtonBox()
        self.check_button = self.buttons.addButton(
            "Check only", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.check_button.setToolTip("Validate every row without writing anything")
        self.import_button = self.buttons.addButton(
            "Import", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.check_button.clicked.connect(lambda: self.start(dry_run=True))
        self.import_button.clicked.connect(lambda: self.start(dry_run=False))
        self.cancel_button.clicked.connect(self._cancel_or_close)
        layout.addWidget(self.buttons)
        self.path_edit.textChanged.connect(self._update_buttons)
        self._update_buttons()

    # ------------------------------------------------------------------ choosing

    def choose_file(self) -> None:
        folder = self.context.settings.last_import_folder or str(Path.home())
        path, _ = file_dialogs.get_open_file_name(
            self, "Import a file", folder, "Spreadsheets (*.csv *.xlsx);;All files (*)"
        )
        if path:
            self.path_edit.setText(path)

    def kind(self) -> str:
        return str(self.kind_combo.currentData())

    def _update_buttons(self) -> None:
        running = self._handle is not None and not self._handle.done
        has_file = bool(self.path_edit.text().strip())
        self.check_button.setEnabled(has_file and not running)
        self.import_button.setEnabled(has_file and not running)
        self.kind_combo.setEnabled(not running)
        self.path_edit.setEnabled(not running)
        self.cancel_button.setText("Cancel" if running else "Close")

    # ------------------------------------------------------------------ running

    def start(self, *, dry_run: bool) -> TaskHandle | None:
        """Check the file (``dry_run``), or look for duplicates, ask if any, then import."""
        path = Path(self.path_edit.text().strip()).expanduser()
        if not path.is_file():
            self._show_problem(f"{path} is not a file.")
            return None
        self.context.settings.last_import_folder = str(path.parent)
        if dry_run:
            return self._run_import(path, dry_run=True)
        register, kind = self.context.register, self.kind()

        def job(_progress: Any) -> imports.Duplicates | None:
            try:
                return imports.look_for_duplicates(register, kind, path)
            except RegisterError:
                return None  # the import itself words what is wrong with the file

        self._begin("Looking for rows already in the register...")
        handle = run_task(job, title="import", parent=self)
        handle.succeeded.connect(lambda found: self._duplicates_found(path, found))
        handle.failed.connect(lambda message: self._failed(handle, message))
        handle.finished.connect(lambda: self._finished(handle))
        self._handle = handle
        self._update_buttons()
        return handle

    def _begin(self, text: str) -> None:
        self.errors = []
        self.error_model.set_rows([])
        self.error_table.setVisible(False)
        self.status_label.setText(text)
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)

    def _duplicates_found(self, path: Path, found: imports.Duplicates | None) -> None:
        if found is not None and found.count and not self.ask_about_duplicates(found):
            self.status_label.setText("Nothing was imported.")
            return
        self._run_import(path, dry_run=False)

    def ask_about_duplicates(self, found: imports.Duplicates) -> bool:
        """Ask before creating records that look like ones already there; True: import."""
        what = {"title": "title", "occurred_on": "date", "kind": "kind", "category": "category"}
        same = " and ".join(what.get(f, f) for f in found.fields)
        rows = found.rows
        listed = "\n".join(f"row {number}: like {ref}" for number, ref in rows[:8])
        if len(rows) > 8:
            listed += f"\n... and {len(rows) - 8:,} more"
        noun = count_noun(found.kind, found.count)
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Import duplicates?",
            f"{noun} in this file "
            f"{'looks like a record' if found.count == 1 else 'look like records'} "
            "already in the register "
            f"(same {same}, and no ref in the file).\n\n"
            "Importing creates them again as new records.",
            parent=self,
        )
        box.setObjectName("duplicates_question")
        if len(rows) > 8:
            box.setDetailedText(listed)
        else:
            box.setInformativeText(listed)
        go = box.addButton("Import anyway", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setEscapeButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is go

    def _run_import(self, path: Path, *, dry_run: bool) -> TaskHandle:
        register = self.context.register
        kind = self.kind()
        actor = self.context.actor
        self._begin("Checking the file..." if dry_run else "Importing...")

        def job(progress: Any) -> Any:
            from db.importexport import import_file

            result = import_file(
                register,
                kind,
                path,
                actor=actor,
                dry_run=dry_run,
                progress=lambda done, total: progress.update(done, total),
                cancel=progress.is_cancelled,
            )
            return result, (None if dry_run else imports.step_of(register, result))

        handle = run_task(job, title="import", parent=self)
        handle.progressed.connect(self._progressed)
        handle.succeeded.connect(lambda answer: self._succeeded(answer[0], answer[1], dry_run))
        handle.failed.connect(lambda message: self._failed(handle, message))
        handle.cancelled.connect(self._cancelled)
        handle.finished.connect(lambda: self._finished(handle))
        self._handle = handle
        self._update_buttons()
        return handle

    def _progressed(self, done: int, total: int, _text: str) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(min(done, total))

    def _succeeded(self, result: Any, step: imports.ImportStep | None, dry_run: bool) -> None:
        self.result = result
        summary = result.summary() if hasattr(result, "summary") else str(result)
        self.status_label.setText(summary[:1].upper() + summary[1:] + ".")
        if not dry_run:
            self.imported = True
            if step is not None and step.size:
                what = f"{count_noun(step.kind, step.size)} from {Path(self.path_edit.text().strip()).name}"
                self.context.undo_stack.push(
                    ImportCommand(self.context, step, what, in_background=run_in_background)
                )
            self.context.notify_changed()

    def _failed(self, handle: TaskHandle, message: str) -> None:
        error = handle.error
        if isinstance(error, ValidationFailed):
            self.errors = list(error.errors)
            first, more = shown_errors(self.errors)  # a table of a million rows helps nobody
            self.error_model.set_rows(
                [
                    {
                        "row": e.row if e.row is not None else "",
                        "field": e.field,
                        "reason": e.reason,
                    }
                    for e in first
                ]
                + ([{"row": "", "field": "", "reason": more}] if more else [])
            )
            self.error_table.setVisible(True)
            self.error_table.resizeColumnToContents(0)
            self.error_table.resizeColumnToContents(1)
            rows = {e.row for e in self.errors if e.row is not None}
            what = f"{len(rows)} row{'s' if len(rows) != 1 else ''}" if rows else "the file"
            self._show_problem(
                f"Nothing was imported: {len(self.errors)} problem{'s' if len(self.errors) != 1 else ''} "
                f"in {what}. Correct the file and try again."
            )
        else:
            self._show_problem(f"Nothing was imported: {message}")

    def _show_problem(self, text: str) -> None:
        self.status_label.setText(text)

    def _cancelled(self) -> None:
        self.status_label.setText("Cancelled; nothing was written.")

    def _finished(self, handle: TaskHandle) -> None:
        if handle is not self._handle:
            return  # the duplicates check, followed by the import itself
        self.progress.setVisible(False)
        self._update_buttons()

    def _cancel_or_close(self) -> None:
        if self._handle is not None and not self._handle.done:
            self._handle.cancel()
            self.status_label.setText("Cancelling...")
            return
        if self.imported:
            self.accept()
        else:
            self.reject()

    def reject(self) -> None:
        if self._handle is not None and not self._handle.done:
            self._handle.cancel()
            from desktop.tasks import wait_for

            wait_for(self._handle, 30_000)
        super().reject()


def run_in_background(work: Callable[[Any], Any], label: str) -> None:
    """Run ``work(progress)`` off the GUI thread behind a progress dialog; raise its error."""
    handle = run_with_progress(
        QApplication.activeWindow(),
        "Import",
        lambda progress: work(progress.update),
        label=label,
        cancellable=False,
    )
    while not wait_for(handle, 600_000):
        pass
    if handle.error is not None:
        if isinstance(handle.error, RegisterError):
            raise handle.error
        raise RegisterError(str(handle.error))
