"""First run: an empty register offers the demo, an import, or a clean start."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCommandLinkButton,
    QFrame,
    QLabel,
    QMessageBox,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop import PRODUCT_NAME
from desktop.context import AppContext


class WelcomeView(QWidget):
    """Shown instead of the main pages while the register holds no record."""

    import_requested = Signal()
    done = Signal()  # the user is past the welcome (demo loaded, or starting empty)

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.setObjectName("welcome")
        self.setAccessibleName("Welcome")
        outer = QVBoxLayout(self)
        outer.addStretch(1)

        panel = QFrame()
        panel.setFrameShape(QFrame.Shape.StyledPanel)
        panel.setFixedWidth(640)  # a fixed width lets the wrapped text take the height it needs
        panel.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Minimum)
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(28, 24, 28, 24)
        layout.setSpacing(10)

        title = QLabel(f"<h1>{html.escape(PRODUCT_NAME)}</h1>")
        title.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(title)
        self.where = QLabel()
        self.where.setWordWrap(True)
        self.where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.where)
        intro = QLabel(
            "Track sensitive partnerships, the reputational risks they create and the "
            "criticism they draw, and print briefing packs marked with the right "
            "classification. How would you like to start?"
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        self.demo_button = QCommandLinkButton(
            "Load the demo register",
            "A worked example: defence partnerships, criticism, customer cancellations "
            "and the company's statements, with risks and their history.",
        )
        self.demo_button.setObjectName("load_demo")
        self.demo_button.clicked.connect(self.load_demo)
        self.import_button = QCommandLinkButton(
            "Import a CSV or XLSX file",
            "Bring in stakeholders, partnerships, risks or events from a spreadsheet. "
            "Every row is checked first; a file with errors writes nothing.",
        )
        self.import_button.setObjectName("import_file")
        self.import_button.clicked.connect(self.import_requested)
        self.empty_button = QCommandLinkButton(
            "Start with an empty register",
            "Log your first stakeholder, partnership, risk or event by hand.",
        )
        self.empty_button.setObjectName("start_empty")
        self.empty_button.clicked.connect(self.done)
        inner_width = 640 - 2 * 28
        for button in (self.demo_button, self.import_button, self.empty_button):
            # Command links wrap their description; give them the height that needs.
            button.setMinimumHeight(button.heightForWidth(inner_width))
            layout.addWidget(button)
        note = QLabel(
            "Classification labels are handling marks for this tracker's own content; "
            "it is not an accredited system for classified information."
        )
        note.setWordWrap(True)
        note.setEnabled(False)  # drawn in the palette's disabled text colour: secondary text
        layout.addWidget(note)

        outer.addWidget(panel, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)
        self.update_location()
        context.register_changed.connect(self.update_location)

    def update_location(self) -> None:
        name = self.context.register.display_name()
        self.where.setText(f"Register: {name}\nIt holds no records yet.")

    def load_demo(self) -> None:
        """Load the demo register in the background, then leave the welcome panel."""
        from db.demo import load_demo
        from desktop.widgets.task_progress import run_with_progress

        register = self.context.register
        actor = self.context.actor
        self.demo_button.setEnabled(False)
        handle = run_with_progress(
            self,
            "Loading the demo register",
            lambda _progress: load_demo(register, actor=actor),
            cancellable=False,
        )
        handle.succeeded.connect(self._demo_loaded)
        handle.failed.connect(self._demo_failed)
        self._demo_handle = handle

    def _demo_loaded(self, _counts: object) -> None:
        self.demo_button.setEnabled(True)
        self.context.notify_changed()
        self.done.emit()

    def _demo_failed(self, message: str) -> None:
        self.demo_button.setEnabled(True)
        QMessageBox.warning(self, "Could not load the demo", message)
