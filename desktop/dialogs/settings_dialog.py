"""Settings: the register (SQLite file or PostgreSQL URL), names, ceiling, theme, matrix bands.

The dialog validates as the user types (OK is disabled until every field is valid,
with the reason next to the field).  On OK it saves the user's settings and, when
the register location changed, opens the new register through
``context.set_register`` (a register that cannot be opened is reported and the
current one stays open).  The matrix bands belong to the register, not to the
user: changed bands are stored in it (``context.set_bands``) for everyone.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.exc import SQLAlchemyError

from db.classification import LEVELS, banner_text
from db.errors import RegisterError
from db.scales import Bands
from desktop.context import AppContext
from desktop.dialogs.users_dialog import UsersDialog
from desktop.services.team_admin import TeamAdmin
from desktop.settings import THEME
from desktop.widgets import file_dialogs
from desktop.widgets.theme import THEMES, apply_theme


def _error_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setObjectName("field_error")
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    label.setVisible(False)
    return label


class SettingsDialog(QDialog):
    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.setWindowTitle("Settings")
        self.setMinimumWidth(560)
        settings = context.settings
        layout = QVBoxLayout(self)

        # -- register
        db_box = QGroupBox("Register")
        db_form = QFormLayout(db_box)
        self.database_edit = QLineEdit(self._current_target())
        self.database_edit.setAccessibleName("Register file or PostgreSQL URL")
        self.database_edit.setPlaceholderText(
            "/path/to/register.db  or  postgresql+psycopg://user@host/db"
        )
        browse = QPushButton("Browse...")
        browse.setToolTip("Choose a register file")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.database_edit, 1)
        row.addWidget(browse)
        db_form.addRow("Location:", row)
        hint = QLabel(
            "A SQLite file for one user; a shared PostgreSQL server for a team. "
            "Passwords are not stored: use a .pgpass file or PGPASSWORD."
        )
        hint.setWordWrap(True)
        db_form.addRow("", hint)
        self.database_error = _error_label()
        db_form.addRow("", self.database_error)
        layout.addWidget(db_box)

        # -- user and briefing
        user_box = QGroupBox("You and your briefing packs")
        user_form = QFormLayout(user_box)
        self.display_name_edit = QLineEdit(settings.display_name)
        self.display_name_edit.setPlaceholderText(context.actor)
        self.display_name_edit.setMaxLength(200)
        self.display_name_edit.setAccessibleName("Display name")
        user_form.addRow("Display name:", self.display_name_edit)
        self.prefix_edit = QLineEdit(settings.marking_prefix)
        self.prefix_edit.setMaxLength(30)
        self.prefix_edit.setPlaceholderText("e.g. NATO")
        self.prefix_edit.setAccessibleName("Marking prefix")
        user_form.addRow("Marking prefix:", self.prefix_edit)
        self.ceiling_combo = QComboBox()
        self.ceiling_combo.setAccessibleName("Default ceiling")
        for level in LEVELS:
            self.ceiling_combo.addItem(level.value, level.value)
        self.ceiling_combo.setCurrentIndex(
            self.ceiling_combo.findData(settings.default_ceiling.value)
        )
        user_form.addRow("Default ceiling:", self.ceiling_combo)
        self.banner_preview = QLabel()
        self.banner_preview.setObjectName("banner_preview")
        user_form.addRow("Banner:", self.banner_preview)
        # The theme is tried as soon as it is picked; OK keeps it, Cancel goes back.
        self.saved_theme = settings.get(THEME)
        self.theme_combo = QComboBox()
        self.theme_combo.setAccessibleName("Theme")
        self.theme_combo.setToolTip("Light or dark colours, or whatever the desktop uses")
        for value, text in THEMES:
            self.theme_combo.addItem(text, value)
        self.theme_combo.setCurrentIndex(max(0, self.theme_combo.findData(self.saved_theme)))
        self.theme_combo.currentIndexChanged.connect(
            lambda _i: apply_theme(str(self.theme_combo.currentData()))
        )
        user_form.addRow("Theme:", self.theme_combo)
        layout.addWidget(user_box)

        # -- team (what the register knows this user as; officers manage the team)
        me = context.standing
        team_box = QGroupBox("Team")
        team_form = QFormLayout(team_box)
        self.standing_label = QLabel(context.describe_user())
        self.standing_label.setObjectName("standing_label")
        self.standing_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        team_form.addRow("You:", self.standing_label)
        self.users_button = QPushButton("Users...")
        self.users_button.setEnabled(me.team and me.is_officer)
        self.users_button.setToolTip(
            "Add members, change their role or clearance, remove them"
            if me.team and me.is_officer
            else "Needs a PostgreSQL register and the officer role"
        )
        self.users_button.clicked.connect(self.open_users)
        team_form.addRow("", self.users_button)
        layout.addWidget(team_box)

        # -- bands
        band_box = QGroupBox("Risk matrix bands (score = likelihood x impact, 1-25)")
        band_form = QFormLayout(band_box)
        band_hint = QLabel("Stored in the register: everyone who opens it sees these bands.")
        band_hint.setWordWrap(True)
        band_form.addRow(band_hint)
        bands = self.initial_bands = context.bands
        self.low_spin = self._band_spin(bands.low_max, "Low band ends at")
        self.medium_spin = self._band_spin(bands.medium_max, "Medium band ends at")
        self.high_spin = self._band_spin(bands.high_max, "High band ends at")
        band_form.addRow("Low: 1 to", self.low_spin)
        band_form.addRow("Medium: up to", self.medium_spin)
        band_form.addRow("High: up to", self.high_spin)
        self.critical_label = QLabel()
        band_form.addRow("Critical:", self.critical_label)
        self.bands_error = _error_label()
        band_form.addRow("", self.bands_error)
        if not me.is_officer:  # the database refuses it anyway: say so before
            for spin in (self.low_spin, self.medium_spin, self.high_spin):
                spin.setEnabled(False)
            band_form.addRow(QLabel(f"Only an officer may change them (you: {me.role.value})."))
        layout.addWidget(band_box)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        for edit in (self.database_edit, self.prefix_edit, self.display_name_edit):
            edit.textChanged.connect(self._validate)
        for spin in (self.low_spin, self.medium_spin, self.high_spin):
            spin.valueChanged.connect(self._validate)
        self.ceiling_combo.currentIndexChanged.connect(self._validate)
        self._validate()

    def _band_spin(self, value: int, name: str) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(1, 24)
        spin.setValue(value)
        spin.setAccessibleName(name)
        return spin

    def _current_target(self) -> str:
        from db.engine import describe_target

        return describe_target(self.context.register.url)

    def _browse(self) -> None:
        start = self.database_edit.text().strip()
        folder = str(Path(start).parent) if start and "://" not in start else str(Path.home())
        path, _ = file_dialogs.get_save_file_name(
            self,
            "Register file",
            folder,
            "Registers (*.db);;All files (*)",
            confirm_overwrite=False,
        )
        if path:
            self.database_edit.setText(path)

    # ------------------------------------------------------------------ validation

    def bands_value(self) -> Bands | None:
        try:
            return Bands(self.low_spin.value(), self.medium_spin.value(), self.high_spin.value())
        except ValueError:
            return None

    def _database_problem(self) -> str:
        target = self.database_edit.text().strip()
        if not target:
            return "Give a register file or a PostgreSQL URL."
        if "://" in target:
            from sqlalchemy.engine import make_url
            from sqlalchemy.exc import ArgumentError

            try:
                url = make_url(target)
            except ArgumentError:
                return "This is not a valid database URL."
            if url.get_backend_name() not in ("postgresql", "sqlite"):
                return "Use a SQLite file or a postgresql+psycopg:// URL."
        return ""

    def _validate(self) -> bool:
        problem = self._database_problem()
        self.database_error.setText(problem)
        self.database_error.setVisible(bool(problem))
        bands = self.bands_value()
        if bands is None:
            self.bands_error.setText("The bands must rise: low < medium < high < 25.")
            self.critical_label.setText("")
        else:
            self.critical_label.setText(f"{bands.high_max + 1} to 25")
        self.bands_error.setVisible(bands is None)
        prefix = self.prefix_edit.text()
        self.banner_preview.setText(
            banner_text(self.ceiling_combo.currentData() or "UNCLASSIFIED", prefix)
        )
        ok = not problem and bands is not None
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)
        return ok

    # ------------------------------------------------------------------ saving

    def accept(self) -> None:
        if not self._validate():
            return
        target = self.database_edit.text().strip()
        if target != self._current_target() and not self._switch_register(target):
            return
        settings = self.context.settings
        settings.display_name = self.display_name_edit.text()
        settings.marking_prefix = self.prefix_edit.text()
        settings.default_ceiling = str(self.ceiling_combo.currentData())
        settings.set(THEME, str(self.theme_combo.currentData()))
        bands = self.bands_value()
        assert bands is not None
        settings.sync()
        if bands != self.initial_bands and not self._save_bands(bands):
            return
        super().accept()

    def reject(self) -> None:
        if self.theme_combo.currentData() != self.saved_theme:
            apply_theme(self.saved_theme)  # the theme only tried: back to the one kept
        super().reject()

    def _save_bands(self, bands: Bands) -> bool:
        try:
            self.context.set_bands(bands)
        except (RegisterError, SQLAlchemyError) as exc:
            QMessageBox.warning(self, "Cannot change the bands", str(exc))
            self.bands_error.setText(str(exc))
            self.bands_error.setVisible(True)
            return False
        return True

    def open_users(self) -> UsersDialog:
        dialog = UsersDialog(TeamAdmin(self.context.register), self)
        dialog.finished.connect(self._team_changed)
        dialog.open()
        return dialog

    def _team_changed(self) -> None:
        self.context.forget_standing()  # an officer may have changed their own standing
        self.standing_label.setText(self.context.describe_user())

    def _switch_register(self, target: str) -> bool:
        from db.engine import open_register

        try:
            register = open_register(target)
        except RegisterError as exc:
            QMessageBox.warning(self, "Cannot open the register", str(exc))
            self.database_error.setText(str(exc))
            self.database_error.setVisible(True)
            return False
        self.context.set_register(register)
        return True
