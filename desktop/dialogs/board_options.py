"""The briefing dialog's board-size options and the one-time question for the preparer's name.

``BoardOptions`` mirrors ``brief --max-rows`` and ``--no-event-log``: how many rows
Annex A and the long tables show, and whether the full event log is attached to
the PDF as a CSV file.  ``PreparerField`` asks for the display name printed as the
pack's preparer once, when none is set, and keeps the answer in the settings.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from desktop.briefing.board import DEFAULT_MAX_ROWS
from desktop.briefing.parameters import BriefingParameters
from desktop.settings import Settings

MAX_ROWS_LIMIT = 100_000


class BoardOptions(QGroupBox):
    """Rows per long table (0: all) and the attached event log."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Board size", parent)
        self.setObjectName("board_options")
        layout = QHBoxLayout(self)
        caption = QLabel("Rows per long table:", self)
        self.rows_spin = QSpinBox(self)
        self.rows_spin.setObjectName("max_rows_spin")
        self.rows_spin.setRange(0, MAX_ROWS_LIMIT)
        self.rows_spin.setValue(DEFAULT_MAX_ROWS)
        self.rows_spin.setSpecialValueText("all")
        self.rows_spin.setAccessibleName("Rows shown in Annex A and other long tables")
        self.rows_spin.setToolTip(
            "Annex A and other long tables show this many rows, most important first, "
            "and say how many more there are (0 shows every row)"
        )
        caption.setBuddy(self.rows_spin)
        self.attach_check = QCheckBox("Attach the full event log (CSV)", self)
        self.attach_check.setObjectName("attach_event_log_check")
        self.attach_check.setChecked(True)
        self.attach_check.setToolTip(
            "The period's whole event log, filtered by the ceiling like the pages, "
            "travels inside the PDF as a CSV file"
        )
        layout.addWidget(caption)
        layout.addWidget(self.rows_spin)
        layout.addSpacing(12)
        layout.addWidget(self.attach_check, 1)

    def load(self, params: BriefingParameters) -> None:
        self.rows_spin.setValue(params.max_rows)
        self.attach_check.setChecked(params.attach_event_log)

    @property
    def max_rows(self) -> int:
        return int(self.rows_spin.value())

    @property
    def attach_event_log(self) -> bool:
        return self.attach_check.isChecked()


class PreparerField(QWidget):
    """ "Prepared by": the display name printed on the cover, asked for once.

    Filled with the display name when one is set.  When none is, the field is empty
    and says what it is for; the name typed there is kept as the display name when
    the pack is built (``remember``), so the app never asks again.  Left blank, the
    cover names no preparer (never the login name).
    """

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        caption = QLabel("Prepared by:", self)
        self.edit = QLineEdit(settings.display_name, self)
        self.edit.setObjectName("prepared_by_edit")
        self.edit.setMaxLength(200)
        self.edit.setPlaceholderText("your name as the cover should print it")
        self.edit.setAccessibleName("Prepared by")
        self.edit.setToolTip("Kept as your display name (Settings); blank: no preparer printed")
        caption.setBuddy(self.edit)
        layout.addWidget(caption)
        layout.addWidget(self.edit, 1)

    @property
    def name(self) -> str:
        return " ".join(self.edit.text().split())

    def remember(self) -> str:
        """The name to print; a first name given is kept as the display name."""
        name = self.name
        if name and not self.settings.display_name.strip():
            self.settings.display_name = name
        return name
