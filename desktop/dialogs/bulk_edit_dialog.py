"""Set one field of the selected risks or events: the question, then the one undo step.

``BulkEditDialog`` is given the kind, how many records and the risk pick list, and
hands back the field and what to write (``choice()``); it never reads the register.
``bulk_edit_records`` takes the selection's versions *before* asking, pushes one
``BulkEditCommand``, and when a record was changed by someone else meanwhile (nothing
was written) asks whether to go over that change, as a form's save does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from db.enums import RiskStatus
from db.errors import ConflictError, RegisterError
from desktop import undo
from desktop.services import bulk_edit, records
from desktop.services.bulk_edit import BULK_FIELDS, LINK_FIELD
from desktop.services.records import Lookup
from desktop.widgets.form_fields import DateField, TextLine, classification_combo, enum_combo

if TYPE_CHECKING:
    from desktop.context import AppContext


class RiskChooser(QWidget):
    """A filter line over the risks found (by ref or words of the title)."""

    def __init__(self, lookup: Lookup, parent: QWidget | None = None):
        super().__init__(parent)
        self.lookup = lookup
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText("Find a risk: ref or words of its title")
        self.filter.setAccessibleName("Find a risk")
        self.list = QListWidget(self)
        self.list.setAccessibleName("Risks found")
        layout.addWidget(self.filter)
        layout.addWidget(self.list)
        self.filter.textChanged.connect(self._search)
        self._search("")

    def _search(self, text: str) -> None:
        self.list.clear()
        for choice in self.lookup.search(text):
            item = QListWidgetItem(choice.text)
            item.setData(Qt.ItemDataRole.UserRole, choice.id)
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)

    def value(self) -> int | None:
        item = self.list.currentItem()
        return None if item is None else int(item.data(Qt.ItemDataRole.UserRole))


class BulkEditDialog(QDialog):
    def __init__(self, kind: str, count: int, risks: Lookup, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.setObjectName("bulk_edit_dialog")
        noun = records.KIND_LABELS.get(kind, kind)
        self.setWindowTitle(f"Set a field of {count} {noun}{'s' if count != 1 else ''}")
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"The field you choose is set on all {count} selected {noun}s as one step "
            "(Edit > Undo takes it back)."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.field_combo = QComboBox(self)
        self.field_combo.setAccessibleName("Field to set")
        self.stack = QStackedWidget(self)
        self.editors: dict[str, QWidget] = {}
        for field in BULK_FIELDS[kind]:
            self.field_combo.addItem(field.label, field.name)
            editor = self._editor(field.name, risks)
            self.editors[field.name] = editor
            self.stack.addWidget(editor)
        form.addRow("&Field", self.field_combo)
        form.addRow("&Value", self.stack)
        layout.addLayout(form)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Set")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.field_combo.currentIndexChanged.connect(self.stack.setCurrentIndex)
        self.setMinimumWidth(520)

    def _editor(self, name: str, risks: Lookup) -> QWidget:
        if name == "owner":
            return TextLine(self, max_length=200, placeholder="leave empty for no owner")
        if name == "status":
            return enum_combo(RiskStatus, self)
        if name == "review_due":
            return DateField(self, optional=True)
        if name == "classification":
            return classification_combo(self)
        if name == LINK_FIELD:
            return RiskChooser(risks, self)
        raise ValueError(f"no editor for {name}")

    def set_field(self, name: str) -> None:
        self.field_combo.setCurrentIndex(self.field_combo.findData(name))

    def choice(self) -> tuple[str, bulk_edit.NewValue, str] | None:
        """(field, what to write, words for the undo step), or None with nothing chosen."""
        name = str(self.field_combo.currentData())
        label = self.field_combo.currentText()
        editor: Any = self.editors[name]
        value = editor.value()
        if name == LINK_FIELD:
            if value is None:
                return None
            return name, bulk_edit.add_link(int(value)), "a risk link"
        if name == "owner":
            value = (value or "").strip() or None
        return name, bulk_edit.set_to(value), label.lower()


def bulk_edit_records(
    context: AppContext,
    kind: str,
    chosen: list[bulk_edit.Target],
    field: str,
    new_value: bulk_edit.NewValue,
    label: str,
) -> undo.BulkEditCommand | None:
    """Push the step; on a conflict nothing was written and the user is asked."""
    command = undo.BulkEditCommand(context, kind, chosen, field, new_value, label=label)
    try:
        undo.push(context, command)
    except ConflictError as exc:
        text = (
            f"{exc}.\n\nNothing was changed. Set the field on all {len(chosen)} records "
            "anyway, over that change?"
        )
        if not undo.confirm_overwrite("Set over another user's change?", text, "Set anyway"):
            return None
        try:
            command.perform_overwrite()
        except RegisterError as error:
            undo.show_error("Could not set the field", str(error))
            return None
        context.undo_stack.push(command)
    except RegisterError as exc:
        undo.show_error("Could not set the field", str(exc))
        return None
    return command


def ask_and_bulk_edit(
    context: AppContext, kind: str, ids: list[int], parent: QWidget | None = None
) -> undo.BulkEditCommand | None:
    """The registers' "Set field of selected...": ask, then one undoable step."""
    if kind not in BULK_FIELDS or not ids:
        return None
    chosen = bulk_edit.targets(context.register, kind, ids)  # the versions seen now
    picks = records.choices(context.register)
    dialog = BulkEditDialog(kind, len(chosen), picks.risks, parent)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        picked = dialog.choice()
    finally:
        dialog.deleteLater()
    if picked is None:
        return None
    field, new_value, label = picked
    return bulk_edit_records(context, kind, chosen, field, new_value, label)
