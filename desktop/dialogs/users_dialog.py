"""Users: the team of a PostgreSQL register, for officers (Settings > Users...).

A table of members (login, role, clearance) and one row of fields to add a member or
change the selected one.  Every change goes through ``TeamAdmin`` and is checked by
the database; its refusal is shown under the table, and the table is read again.
The password field is sent as a SCRAM verifier, never stored.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from db.classification import LEVELS
from db.errors import RegisterError
from db.team import MEMBER_ROLES, Member
from desktop.services.team_admin import TeamAdmin


class UsersDialog(QDialog):
    def __init__(self, admin: TeamAdmin, parent: QWidget | None = None):
        super().__init__(parent)
        self.admin = admin
        self.members: list[Member] = []
        self.setWindowTitle("Users")
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                "Each member is a PostgreSQL login. The database enforces the role "
                "(reader, editor, officer) and shows each member only the records at or "
                "below their clearance."
            )
        )
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Login", "Role", "Clearance"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._selected)
        layout.addWidget(self.table, 1)

        fields = QHBoxLayout()
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("login, e.g. jsmith")
        self.name_edit.setAccessibleName("Login")
        self.role_combo = QComboBox()
        self.role_combo.setAccessibleName("Role")
        for role in MEMBER_ROLES:
            self.role_combo.addItem(role.value, role.value)
        self.clearance_combo = QComboBox()
        self.clearance_combo.setAccessibleName("Clearance")
        for level in LEVELS:
            self.clearance_combo.addItem(level.value, level.value)
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText("password (new members)")
        self.password_edit.setAccessibleName("Password")
        for widget in (self.name_edit, self.role_combo, self.clearance_combo, self.password_edit):
            fields.addWidget(widget)
        layout.addLayout(fields)

        buttons = QHBoxLayout()
        self.add_button = QPushButton("Add")
        self.change_button = QPushButton("Change selected")
        self.remove_button = QPushButton("Remove selected")
        self.add_button.clicked.connect(self.add_member)
        self.change_button.clicked.connect(self.change_member)
        self.remove_button.clicked.connect(self.remove_member)
        for button in (self.add_button, self.change_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.message = QLabel()
        self.message.setObjectName("field_error")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout.addWidget(close)
        self.refresh()

    # ------------------------------------------------------------------ table

    def refresh(self) -> None:
        try:
            self.members = self.admin.members()
        except RegisterError as exc:
            self.members = []
            self.message.setText(str(exc))
        self.table.setRowCount(len(self.members))
        for row, member in enumerate(self.members):
            role = member.role.value if member.role else "(none)"
            for col, value in enumerate((member.name, role, member.clearance.value)):
                self.table.setItem(row, col, QTableWidgetItem(value))
        self._selected()

    def selected_member(self) -> Member | None:
        rows = {index.row() for index in self.table.selectedIndexes()}
        return self.members[rows.pop()] if len(rows) == 1 else None

    def _selected(self) -> None:
        member = self.selected_member()
        self.change_button.setEnabled(member is not None)
        self.remove_button.setEnabled(member is not None)
        if member is not None:
            self.name_edit.setText(member.name)
            if member.role is not None:
                self.role_combo.setCurrentIndex(self.role_combo.findData(member.role.value))
            self.clearance_combo.setCurrentIndex(
                self.clearance_combo.findData(member.clearance.value)
            )

    # ------------------------------------------------------------------ actions

    def _run(self, done: str, action: object) -> None:
        try:
            action()  # type: ignore[operator]
        except RegisterError as exc:
            self.message.setText(str(exc))
            return
        self.message.setText(done)
        self.password_edit.clear()
        self.refresh()

    def add_member(self) -> None:
        name = self.name_edit.text().strip()
        self._run(
            f"Added {name}.",
            lambda: self.admin.add(
                name,
                str(self.role_combo.currentData()),
                str(self.clearance_combo.currentData()),
                self.password_edit.text() or None,
            ),
        )

    def change_member(self) -> None:
        member = self.selected_member()
        if member is None:
            return
        role = str(self.role_combo.currentData())
        level = str(self.clearance_combo.currentData())
        self._run(
            f"Changed {member.name}.",
            lambda: self.admin.change(
                member.name,
                role=None if member.role and member.role.value == role else role,
                clearance=None if member.clearance.value == level else level,
            ),
        )

    def remove_member(self) -> None:
        member = self.selected_member()
        if member is None:
            return
        self._run(f"Removed {member.name}.", lambda: self.admin.remove(member.name))
