"""The pack dialog's "Edition" box: draft or issued, to whom, and the analyst's words.

A pack is a draft unless "Issue" is ticked; an issued pack records who issued it (the
app's user) and its distribution list.  The analyst's note and the decisions
requested are written here and stored with the pack, each with the classification
chosen for it: a pack prints them only when its ceiling admits that level.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from db.classification import DEFAULT_LEVEL, LEVELS, parse_level
from desktop.briefing.parameters import BriefingParameters
from desktop.widgets.form_fields import ChoiceCombo


def _level_combo(parent: QWidget, name: str) -> ChoiceCombo:
    combo = ChoiceCombo([(level.value, level.value) for level in LEVELS], parent)
    combo.setObjectName(name)
    combo.set_value(DEFAULT_LEVEL.value)
    return combo


def _text_box(parent: QWidget, name: str, placeholder: str) -> QPlainTextEdit:
    box = QPlainTextEdit(parent)
    box.setObjectName(name)
    box.setPlaceholderText(placeholder)
    box.setTabChangesFocus(True)
    box.setFixedHeight(box.fontMetrics().lineSpacing() * 3 + 12)
    return box


class EditionBox(QGroupBox):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Edition", parent)
        self.setObjectName("edition_box")
        form = QFormLayout(self)
        form.setVerticalSpacing(4)
        self.issue_check = QCheckBox("Issue this pac&k (otherwise a draft, marked DRAFT)", self)
        self.issue_check.setObjectName("issue_check")
        self.issue_check.setToolTip(
            "An issued pack is the baseline for the next pack's \u201cwhat changed\u201d; "
            "a draft never is"
        )
        form.addRow(self.issue_check)
        self.distribution_edit = QLineEdit(self)
        self.distribution_edit.setObjectName("distribution_edit")
        self.distribution_edit.setMaxLength(2000)
        self.distribution_edit.setPlaceholderText("who it goes to (default: the audience)")
        form.addRow("Dist&ribution:", self.distribution_edit)
        self.note_edit = _text_box(self, "note_edit", "the analyst's note (optional)")
        self.note_level = _level_combo(self, "note_level")
        form.addRow("Analyst's &note:", self.note_edit)
        form.addRow("Note classification:", self.note_level)
        self.decisions_edit = _text_box(
            self, "decisions_edit", "decisions requested, one per line (optional)"
        )
        self.decisions_level = _level_combo(self, "decisions_level")
        form.addRow("&Decisions:", self.decisions_edit)
        form.addRow("Decisions classification:", self.decisions_level)
        for signal in (
            self.issue_check.toggled,
            self.distribution_edit.textChanged,
            self.note_edit.textChanged,
            self.decisions_edit.textChanged,
            self.note_level.edited,
            self.decisions_level.edited,
        ):
            signal.connect(self._edited)
        self._edited()

    @property
    def issue(self) -> bool:
        return self.issue_check.isChecked()

    def _edited(self, *_args: object) -> None:
        self.distribution_edit.setEnabled(self.issue)
        self.changed.emit()

    def load(self, params: BriefingParameters | None) -> None:
        if params is None:
            return
        self.issue_check.setChecked(bool(params.issue))
        self.distribution_edit.setText(params.distribution or "")
        self.note_edit.setPlainText(params.note or "")
        self.decisions_edit.setPlainText(params.decisions or "")
        for combo, level in (
            (self.note_level, params.note_level),
            (self.decisions_level, params.decisions_level),
        ):
            if level:
                combo.set_value(parse_level(level).value)

    def apply(self, params: BriefingParameters) -> BriefingParameters:
        """``params`` with the edition, distribution, note and decisions of the box."""
        params.issue = self.issue
        params.distribution = self.distribution_edit.text().strip() or None if self.issue else None
        params.note = self.note_edit.toPlainText().strip() or None
        params.note_level = str(self.note_level.value()) if params.note else None
        params.decisions = self.decisions_edit.toPlainText().strip() or None
        params.decisions_level = str(self.decisions_level.value()) if params.decisions else None
        return params
