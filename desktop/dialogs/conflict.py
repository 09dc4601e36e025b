"""What to do when someone else saved the record since the form was opened."""

from __future__ import annotations

from typing import Literal

from PySide6.QtWidgets import QMessageBox, QWidget

from db.errors import ConflictError

Choice = Literal["reload", "overwrite", "cancel"]


def conflict_text(error: ConflictError) -> str:
    who = error.changed_by or "another user"
    when = f" on {error.changed_at:%Y-%m-%d at %H:%M} UTC" if error.changed_at else ""
    return f"{error.ref} was changed by {who}{when}, after you opened this form."


def conflict_box(
    parent: QWidget | None, error: ConflictError
) -> tuple[QMessageBox, dict[Choice, object]]:
    """The question, built but not shown, with its buttons by choice."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(f"{error.ref} was changed by someone else")
    box.setText(conflict_text(error))
    box.setInformativeText(
        "Reload: show their version in the form; your unsaved edits are discarded.\n\n"
        "Overwrite: save the fields you changed over theirs; fields you did not change keep "
        "their new values.\n\n"
        "Cancel: go back to your edits without saving."
    )
    reload_button = box.addButton("Reload", QMessageBox.ButtonRole.ResetRole)
    overwrite_button = box.addButton("Overwrite", QMessageBox.ButtonRole.DestructiveRole)
    cancel_button = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel_button)
    box.setEscapeButton(cancel_button)
    return box, {"reload": reload_button, "overwrite": overwrite_button, "cancel": cancel_button}


def ask_conflict_choice(parent: QWidget | None, error: ConflictError) -> Choice:
    """Reload (discard my edits, show theirs), Overwrite (save mine over theirs) or Cancel."""
    box, buttons = conflict_box(parent, error)
    box.exec()
    clicked = box.clickedButton()
    for choice, button in buttons.items():
        if clicked is button:
            return choice
    return "cancel"
