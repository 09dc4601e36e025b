"""Undo/redo of every create, edit and delete: ``QUndoCommand`` subclasses.

Commands act on the register through ``desktop.services.records`` (one short write
transaction each), never on widgets, and call ``context.notify_changed()`` after
acting so every view refreshes.

The first action of a command can be run *before* it is pushed (``perform()``),
so that a form can show a validation error or a version conflict in place and
push only what succeeded; ``push()`` does exactly that.  A command pushed
directly simply performs on its first ``redo()``.

When an undo or redo cannot be done (the record was deleted or changed by someone
else, a name is now taken...), the user is told why, and the command is marked
obsolete: ``QUndoStack`` then drops it, so the stack never claims a state the
register is not in.  Undoing over another user's later change asks first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from sqlmodel import SQLModel

from db.errors import Cancelled, ConflictError, NotFound, RegisterError, ValidationFailed
from desktop.services import bulk_edit, imports, records

if TYPE_CHECKING:
    from desktop.context import AppContext


# --------------------------------------------------------------------------- user prompts
# Module-level functions so tests (and a future non-modal UI) can replace them.


def _parent() -> QWidget | None:
    return QApplication.activeWindow()


def show_error(title: str, text: str) -> None:
    """Tell the user an undo/redo step could not be done."""
    QMessageBox.warning(_parent(), title, text)


def confirm_overwrite(title: str, text: str, action: str = "Overwrite their change") -> bool:
    """Ask whether to go ahead over another user's later change."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=_parent())
    go = box.addButton(action, QMessageBox.ButtonRole.DestructiveRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is go


def _describe(error: RegisterError) -> str:
    if isinstance(error, ValidationFailed):
        return "\n".join(f"- {e.field}: {e.reason}" for e in error.errors) or str(error)
    return str(error)


_CANCEL_NOTE = "\n\nCancel leaves the record as it is and removes this step from the undo history."


def _noun(kind: str, count: int = 1) -> str:
    word = records.KIND_LABELS.get(kind, kind)
    return word if count == 1 else f"{word}s"


# --------------------------------------------------------------------------- base


class RecordCommand(QUndoCommand):
    """Shared behaviour: run once before or on push, report failures, keep the stack honest."""

    def __init__(self, context: AppContext, kind: str, text: str):
        super().__init__(text)
        self.context = context
        self.kind = kind
        self._performed = False  # the first action already ran
        self._skip_redo = False  # perform() ran just before push(): push's redo() does nothing
        self.error: RegisterError | None = None

    # -- to implement
    def _do(self) -> None:
        raise NotImplementedError

    def _undo(self) -> None:
        raise NotImplementedError

    def _redo_again(self) -> None:
        raise NotImplementedError

    # -- API
    def perform(self) -> None:
        """The first action, run before pushing; raises RegisterError (nothing is pushed then)."""
        self._do()
        self._mark_performed()

    def _mark_performed(self) -> None:
        self._performed = True
        self._skip_redo = True
        self.context.notify_changed()

    def redo(self) -> None:
        if self._skip_redo:
            self._skip_redo = False
            return
        if not self._performed:
            try:
                self.perform()
                self._skip_redo = False
            except RegisterError as exc:
                self.error = exc
                show_error(f"Could not {self.text().lower()}", _describe(exc))
                self.setObsolete(True)
            return
        self._guarded(self._redo_again, "redo")

    def undo(self) -> None:
        self._guarded(self._undo, "undo")

    def _guarded(self, action: Any, verb: str) -> None:
        try:
            action()
        except Cancelled as exc:
            self.error = exc
            self.setObsolete(True)
        except RegisterError as exc:
            self.error = exc
            show_error(
                f"Cannot {verb}: {self.text()}",
                f"{_describe(exc)}\n\nThis step was removed from the undo history; "
                "the register was left as it is.",
            )
            self.setObsolete(True)
        self.context.notify_changed()

    @property
    def _register(self) -> Any:
        return self.context.register

    @property
    def _actor(self) -> str:
        return self.context.actor


def push(context: AppContext, command: RecordCommand) -> None:
    """Perform ``command`` now (errors raise to the caller, nothing pushed) and push it."""
    command.perform()
    context.undo_stack.push(command)


# --------------------------------------------------------------------------- create


class CreateRecordCommand(RecordCommand):
    """Create a record; undo deletes it; redo restores the same id and ref."""

    def __init__(self, context: AppContext, kind: str, data: SQLModel | dict[str, Any]):
        super().__init__(context, kind, f"New {_noun(kind)}")
        self.data = data
        self.record_id: int | None = None
        self.ref: str | None = None
        self._snapshots: list[dict[str, Any]] = []
        self._values: dict[str, Any] = {}  # the record as we left it after create / restore

    def _do(self) -> None:
        self.record_id, self.ref = records.create_record(
            self._register, self.kind, self.data, actor=self._actor
        )
        self._values = records.load_form_data(self._register, self.kind, self.record_id).values
        self.setText(f"New {_noun(self.kind)} {self.ref}")

    def _undo(self) -> None:
        assert self.ref is not None
        self.record_id = records.id_for_ref(self._register, self.kind, self.ref)
        now = records.load_form_data(self._register, self.kind, self.record_id)
        if now.values != self._values:  # someone else's change would go with it
            who = now.updated_by or "another user"
            when = f" at {now.updated_at:%Y-%m-%d %H:%M} UTC" if now.updated_at else ""
            text = (
                f"{self.ref} was changed by {who}{when} after you created it.\n\n"
                f"Undoing the creation deletes it, with their change." + _CANCEL_NOTE
            )
            if not confirm_overwrite(f"Delete {self.ref}?", text, "Delete it anyway"):
                raise Cancelled(f"undo cancelled: {self.ref} was changed by {who}")
        self._snapshots = records.delete_records(
            self._register, self.kind, [self.record_id], actor=self._actor
        )

    def _redo_again(self) -> None:
        (self.record_id,) = records.restore_records(
            self._register, self.kind, self._snapshots, actor=self._actor
        )
        self._values = records.load_form_data(self._register, self.kind, self.record_id).values


# --------------------------------------------------------------------------- edit


def _dump(data: SQLModel | dict[str, Any]) -> dict[str, Any]:
    return dict(data) if isinstance(data, dict) else data.model_dump(exclude_unset=True)


class EditRecordCommand(RecordCommand):
    """Change fields of one record; undo puts the old values back.

    Only the fields that differ between ``before_data`` and ``after_data`` are
    written either way, so an undo never clobbers another user's change to a
    field this edit did not touch.
    """

    def __init__(
        self,
        context: AppContext,
        kind: str,
        record_id: int,
        before_data: SQLModel | dict[str, Any],
        after_data: SQLModel | dict[str, Any],
        expected_version: int | None,
        *,
        ref: str | None = None,
    ):
        super().__init__(context, kind, f"Edit {_noun(kind)} {ref or '#' + str(record_id)}")
        self.record_id = record_id
        before = _dump(before_data)
        after = _dump(after_data)
        self.fields = [f for f in after if before.get(f) != after[f]]
        self.before = {f: before.get(f) for f in self.fields}
        self.after = {f: after[f] for f in self.fields}
        self.version = expected_version  # the version the register is at after our last action
        self.ref = ref

    def _resolve(self) -> None:
        """Find the record by its ref (ids can change when a delete is undone)."""
        if self.ref is None:
            self.ref = records.record_ref(self._register, self.kind, self.record_id)
            self.setText(f"Edit {_noun(self.kind)} {self.ref}")
        else:
            self.record_id = records.id_for_ref(self._register, self.kind, self.ref)

    def _write(self, values: dict[str, Any], *, overwrite: bool = False) -> None:
        self._resolve()
        if overwrite:
            self.version = records.overwrite_record(
                self._register, self.kind, self.record_id, values, actor=self._actor
            )
        else:
            self.version = records.update_record(
                self._register,
                self.kind,
                self.record_id,
                values,
                actor=self._actor,
                expected_version=self.version,
            )

    def _do(self) -> None:
        self._write(self.after)

    def perform_overwrite(self) -> None:
        """First action after the user chose "overwrite" on a conflict at save."""
        # Undo must put back what was there just before the overwrite (the other
        # user's values), not what this user saw when the form opened.
        self._resolve()
        self.before = records.current_values(self._register, self.kind, self.record_id, self.fields)
        self._write(self.after, overwrite=True)
        self._mark_performed()

    def _apply(self, values: dict[str, Any], verb: str) -> None:
        try:
            self._write(values)
        except ConflictError as exc:
            question = (
                f"{exc}.\n\nTo {verb} your edit, their later change to the same record would be "
                "overwritten in the fields your edit touched: "
                f"{', '.join(self.fields)}."
            )
            if not confirm_overwrite(
                f"{verb.capitalize()} over another user's change?", question + _CANCEL_NOTE
            ):
                raise Cancelled(f"{verb} cancelled: {exc}") from None
            self._write(values, overwrite=True)

    def _undo(self) -> None:
        if self.fields:
            self._apply(self.before, "undo")

    def _redo_again(self) -> None:
        if self.fields:
            self._apply(self.after, "redo")


# --------------------------------------------------------------------------- delete


class DeleteRecordsCommand(RecordCommand):
    """Delete one or many records of a kind as ONE undo step; undo restores them exactly."""

    def __init__(
        self,
        context: AppContext,
        kind: str,
        ids: list[int] | tuple[int, ...],
        *,
        refs: list[str] | None = None,
    ):
        ids = list(dict.fromkeys(ids))
        what = f"{refs[0]}" if refs and len(ids) == 1 else f"{len(ids)} {_noun(kind, len(ids))}"
        super().__init__(context, kind, f"Delete {what}")
        self.ids = ids
        self.snapshots: list[dict[str, Any]] = []

    @property
    def refs(self) -> list[str]:
        return [s["row"]["ref"] for s in self.snapshots]

    def _do(self) -> None:
        self.snapshots = records.delete_records(
            self._register, self.kind, self.ids, actor=self._actor
        )
        if len(self.ids) == 1:
            self.setText(f"Delete {self.refs[0]}")

    def _undo(self) -> None:
        self.ids = records.restore_records(
            self._register, self.kind, self.snapshots, actor=self._actor
        )

    def _redo_again(self) -> None:
        self.ids = [records.id_for_ref(self._register, self.kind, ref) for ref in self.refs]
        self._do()


# --------------------------------------------------------------------------- bulk edit


class BulkEditCommand(RecordCommand):
    """Set one field of many records as ONE undo step; undo gives each its own value back.

    The records are those selected, at the versions they had then: if any was changed
    by someone else since, the first action is refused as a whole (``ConflictError``,
    nothing written) and the caller may ``perform_overwrite``.  Undo and redo check
    the versions this step left and ask before going over a later change, like an edit.
    """

    def __init__(
        self,
        context: AppContext,
        kind: str,
        chosen: list[bulk_edit.Target],
        field: str,
        new_value: bulk_edit.NewValue,
        *,
        label: str,
    ):
        count = len(chosen)
        super().__init__(context, kind, f"Set {label} of {count} {_noun(kind, count)}")
        self.chosen = chosen
        self.field = field
        self.new_value = new_value
        self.items: list[bulk_edit.BulkItem] = []

    @property
    def refs(self) -> list[str]:
        """The records this step changed (those already holding the value are left out)."""
        return [item.ref for item in self.items]

    def _do(self, *, overwrite: bool = False) -> None:
        chosen = [bulk_edit.Target(t.ref, None) for t in self.chosen] if overwrite else self.chosen
        self.items = bulk_edit.write_field(
            self._register, self.kind, self.field, chosen, self.new_value, actor=self._actor
        )

    def perform_overwrite(self) -> None:
        """First action after the user chose to go over the other user's change."""
        self._do(overwrite=True)
        self._mark_performed()

    def _write_back(self, which: str, verb: str) -> None:
        """Put each record's ``which`` value ("before" or "after") back, checking that the
        field still holds what this step left (the other of the two)."""
        values = {item.ref: getattr(item, which) for item in self.items}
        other = "after" if which == "before" else "before"
        left = {item.ref: getattr(item, other) for item in self.items}
        chosen = [bulk_edit.Target(ref, None) for ref in values]

        def write(expect: dict[str, Any] | None) -> list[bulk_edit.BulkItem]:
            return bulk_edit.write_field(
                self._register,
                self.kind,
                self.field,
                chosen,
                bulk_edit.put_back(values),
                actor=self._actor,
                expect=expect,
            )

        try:
            write(left)
        except ConflictError as exc:
            question = (
                f"{exc}.\n\nTo {verb} this step, their later change to the field "
                f"{self.field} would be overwritten on the {len(chosen)} "
                f"{_noun(self.kind, len(chosen))} of this step."
            )
            if not confirm_overwrite(
                f"{verb.capitalize()} over another user's change?", question + _CANCEL_NOTE
            ):
                raise Cancelled(f"{verb} cancelled: {exc}") from None
            write(None)

    def _undo(self) -> None:
        self._write_back("before", "undo")

    def _redo_again(self) -> None:
        self._write_back("after", "redo")


# --------------------------------------------------------------------------- import

BACKGROUND_AFTER = 2000  # records: a larger import is taken back off the GUI thread


class ImportCommand(RecordCommand):
    """A whole import as ONE step: undo takes it back, redo does it again.

    The import itself already ran (in the import dialog's worker), so the command
    is pushed as performed.  Undo and redo go through ``desktop.services.imports``
    (audited, one transaction each); a large one runs off the GUI thread behind a
    progress dialog.  Records someone changed or deleted after the import are
    named, and the user is asked before going over them.
    """

    def __init__(
        self,
        context: AppContext,
        step: imports.ImportStep,
        what: str,
        *,
        in_background: Callable[[Callable[[Any], Any], str], None] | None = None,
    ):
        super().__init__(context, step.kind, f"Import {what}")
        self.step = step
        # runs work(progress_callback) off the GUI thread behind a progress dialog,
        # raising what the work raised (given by the dialog layer, which owns widgets)
        self.in_background = in_background
        self._performed = True
        self._skip_redo = True  # push()'s redo(): the import is done already

    def _confirm(self, verb: str) -> None:
        changed = imports.changed_since(self._register, self.step)
        if not changed:
            return
        shown = ", ".join(changed[:10]) + (
            f" and {len(changed) - 10} more" if len(changed) > 10 else ""
        )
        text = (
            f"{len(changed)} of the records this import touched {'was' if len(changed) == 1 else 'were'} "
            f"changed or deleted by someone after it: {shown}.\n\n"
            f"To {verb} the import, their changes to those records would be overwritten or "
            "deleted." + _CANCEL_NOTE
        )
        if not confirm_overwrite(
            f"{verb.capitalize()} the import over later changes?",
            text,
            f"{verb.capitalize()} anyway",
        ):
            raise Cancelled(f"{verb} cancelled: {len(changed)} records changed since the import")

    def _run(self, work: Any, label: str) -> None:
        register, step, actor = self._register, self.step, self._actor
        if step.size < BACKGROUND_AFTER or self.in_background is None:
            work(register, step, actor=actor)
            return
        self.in_background(
            lambda progress: work(register, step, actor=actor, progress=progress),
            f"{label} ({step.size:,} records)...",
        )

    def _undo(self) -> None:
        self._confirm("undo")
        self._run(imports.take_back, "Undoing the import")

    def _redo_again(self) -> None:
        self._confirm("redo")
        self._run(imports.put_back, "Redoing the import")


# --------------------------------------------------------------------------- stakeholder map


class MoveStakeholderCommand(RecordCommand):
    """Move a stakeholder on the influence x interest map (a drag and drop)."""

    def __init__(self, context: AppContext, stakeholder_id: int, influence: int, interest: int):
        super().__init__(context, "stakeholder", "Move stakeholder")
        self.record_id = stakeholder_id
        self.after = {"influence": int(influence), "interest": int(interest)}
        self.before: dict[str, Any] = {}
        self.version: int | None = None
        self.ref: str | None = None

    def _do(self) -> None:
        data = records.load_form_data(self._register, "stakeholder", self.record_id)
        self.before = {"influence": data.values["influence"], "interest": data.values["interest"]}
        self.version = data.version
        self.ref = data.ref
        self.setText(
            f"Move {data.ref} to influence {self.after['influence']}, interest {self.after['interest']}"
        )
        self._write(self.after)

    def _write(self, values: dict[str, Any]) -> None:
        if self.ref is not None:
            self.record_id = records.id_for_ref(self._register, "stakeholder", self.ref)
        try:
            self.version = records.update_record(
                self._register,
                "stakeholder",
                self.record_id,
                values,
                actor=self._actor,
                expected_version=self.version,
            )
        except ConflictError as exc:
            if not confirm_overwrite("Move over another user's change?", f"{exc}." + _CANCEL_NOTE):
                raise Cancelled(f"cancelled: {exc}") from None
            self.version = records.overwrite_record(
                self._register, "stakeholder", self.record_id, values, actor=self._actor
            )

    def _undo(self) -> None:
        self._write(self.before)

    def _redo_again(self) -> None:
        self._write(self.after)


__all__ = [
    "BulkEditCommand",
    "CreateRecordCommand",
    "DeleteRecordsCommand",
    "EditRecordCommand",
    "ImportCommand",
    "MoveStakeholderCommand",
    "NotFound",
    "RecordCommand",
    "confirm_overwrite",
    "push",
    "show_error",
]
