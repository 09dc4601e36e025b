"""Opening a record form and saving what it returns through the undo stack.

``open_form`` is the one entry point the main window, registers and maps use:
it gives the dialog its data (the record as it is now, the pick lists), and when
the dialog hands back a validated model it pushes a ``CreateRecordCommand`` or an
``EditRecordCommand`` onto ``context.undo_stack``.  Problems at save time come
back into the open form: a taken name under the field, a version conflict as a
Reload / Overwrite / Cancel choice; nothing is lost silently.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QWidget
from sqlmodel import SQLModel

from db.errors import ConflictError, FieldError, NotFound, RegisterError, ValidationFailed
from desktop import undo
from desktop.dialogs import conflict
from desktop.dialogs.action_dialog import ActionDialog
from desktop.dialogs.common import RecordDialog
from desktop.dialogs.event_dialog import EventDialog
from desktop.dialogs.partnership_dialog import PartnershipDialog
from desktop.dialogs.record_panels import HistoryPanel, RiskHubPanel
from desktop.dialogs.risk_dialog import RiskDialog
from desktop.dialogs.stakeholder_dialog import StakeholderDialog
from desktop.services import records, risk_hub
from desktop.services.records import Choice, ListLookup

if TYPE_CHECKING:
    from desktop.context import AppContext

DIALOGS: dict[str, type[RecordDialog]] = {
    "stakeholder": StakeholderDialog,
    "partnership": PartnershipDialog,
    "risk": RiskDialog,
    "event": EventDialog,
    "action": ActionDialog,
}


class FormSaver:
    """Handles a form's ``submitted`` results: push the command, or bring problems back."""

    def __init__(self, context: AppContext, dialog: RecordDialog):
        self.context = context
        self.dialog = dialog
        self.kind = dialog.kind
        self.saved_ids: list[int] = []

    @property
    def last_id(self) -> int | None:
        return self.saved_ids[-1] if self.saved_ids else None

    def __call__(self, data: SQLModel, and_new: bool) -> None:
        if self.dialog.form.is_new:
            self._create(data, and_new)
        else:
            self._edit(data)

    def _problem(self, exc: RegisterError) -> None:
        if isinstance(exc, ValidationFailed):
            self.dialog.show_server_errors(exc.errors)
        else:
            self.dialog.show_server_errors([FieldError("record", str(exc))])

    def _create(self, data: SQLModel, and_new: bool) -> None:
        command = undo.CreateRecordCommand(self.context, self.kind, data)
        try:
            undo.push(self.context, command)
        except RegisterError as exc:
            self._problem(exc)
            return
        assert command.record_id is not None and command.ref is not None
        self.saved_ids.append(command.record_id)
        lookup = self.dialog.picks.for_kind(self.kind)
        if isinstance(lookup, ListLookup):
            label = getattr(data, "name", None) or getattr(data, "title", "")
            lookup.add(Choice(command.record_id, command.ref, str(label)))
        if and_new:
            self.dialog.start_next(command.ref)
        else:
            self.dialog.accept()

    def _edit(self, data: SQLModel) -> None:
        form = self.dialog.form
        assert form.record_id is not None
        if not data.model_dump(exclude_unset=True):
            self.dialog.accept()  # nothing changed
            return
        before = self.dialog.before_values(data)
        command = undo.EditRecordCommand(
            self.context, self.kind, form.record_id, before, data, form.version, ref=form.ref
        )
        try:
            undo.push(self.context, command)
        except ConflictError as exc:
            self._conflict(command, exc)
            return
        except RegisterError as exc:
            self._problem(exc)
            return
        self.saved_ids.append(form.record_id)
        self.dialog.accept()

    def _conflict(self, command: undo.EditRecordCommand, exc: ConflictError) -> None:
        choice = conflict.ask_conflict_choice(self.dialog, exc)
        if choice == "reload":
            self.reload()
        elif choice == "overwrite":
            try:
                command.perform_overwrite()
            except RegisterError as error:
                self._problem(error)
                return
            self.context.undo_stack.push(command)
            assert self.dialog.form.record_id is not None
            self.saved_ids.append(self.dialog.form.record_id)
            self.dialog.accept()
        # cancel: back to the form, the user's edits untouched

    def reload(self) -> None:
        form = self.dialog.form
        assert form.record_id is not None
        try:
            fresh = records.load_form_data(self.context.register, self.kind, form.record_id)
        except NotFound as exc:
            self._problem(exc)
            return
        self.dialog.load(fresh)
        who = fresh.updated_by or "another user"
        self.dialog.status.setText(f"Reloaded: now showing the version saved by {who}.")


def make_form(
    context: AppContext,
    kind: str,
    record_id: int | None = None,
    parent: QWidget | None = None,
    *,
    defaults: dict[str, Any] | None = None,
) -> RecordDialog | None:
    """The form for a new record (``record_id`` None) or an existing one, wired to save."""
    register = context.register
    try:
        picks = records.choices(register)
        form = records.load_form_data(register, kind, record_id) if record_id is not None else None
    except RegisterError as exc:
        undo.show_error(f"Cannot open the {kind}", str(exc))
        return None
    dialog = DIALOGS[kind](form, picks, parent, bands=context.bands, defaults=defaults)
    saver = FormSaver(context, dialog)
    dialog.saver = saver  # type: ignore[attr-defined]
    dialog.set_submit_handler(saver)
    if form is not None and record_id is not None:
        _add_extras(context, dialog, kind, record_id, str(form.ref))
    return dialog


def member_levels(context: AppContext) -> tuple[str, ...] | None:
    """The classification levels the member using the app may read (None: all).

    A SQLite register has no per-member clearance, so every level; the team
    clearances of PostgreSQL registers plug in here."""
    return None


def _add_extras(
    context: AppContext, dialog: RecordDialog, kind: str, record_id: int, ref: str
) -> None:
    """The History tab of a saved record, and a risk's hub, given their data up front."""
    try:
        with context.register.session() as session:
            extras = risk_hub.form_extras(
                session,
                kind=kind,
                record_id=record_id,
                ref=ref,
                today=dt.date.today(),
                levels=member_levels(context),
                bands=context.bands,
            )
    except RegisterError as exc:
        dialog.status.setText(f"History could not be read: {exc}")
        return
    history = HistoryPanel(dialog)
    history.set_lines(extras.history)
    if extras.hub is not None:
        hub = RiskHubPanel(dialog)
        hub.set_hub(extras.hub)
        dialog.add_tab(hub, "Lin&ked, actions, scores")

        def open_linked(other_kind: str, other_id: int) -> None:
            if other_kind in DIALOGS:
                open_form(context, other_kind, other_id, parent=dialog)

        def show_change(entry_id: int) -> None:
            dialog.tabs.setCurrentWidget(history)
            history.show_entry(entry_id)

        hub.open_requested.connect(open_linked)
        hub.history_requested.connect(show_change)
        dialog.hub_panel = hub
    dialog.add_tab(history, "Histor&y")
    dialog.history_panel = history


def open_form(
    context: AppContext,
    kind: str,
    record_id: int | None = None,
    parent: QWidget | None = None,
    *,
    defaults: dict[str, Any] | None = None,
) -> int | None:
    """Show the form modally; returns the id saved last (None when nothing was saved)."""
    dialog = make_form(context, kind, record_id, parent, defaults=defaults)
    if dialog is None:
        return None
    try:
        dialog.exec()
        return dialog.saver.last_id  # type: ignore[attr-defined, no-any-return]
    finally:
        dialog.deleteLater()
