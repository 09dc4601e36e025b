"""The treatment action form: what will be done about which risks, by whom and when,
and the residual cell it aims for."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from db.enums import ActionStatus
from desktop.dialogs.common import RecordDialog
from desktop.widgets.form_fields import (
    DateField,
    LinkPicker,
    TextArea,
    TextLine,
    classification_combo,
    enum_combo,
)


class ActionDialog(RecordDialog):
    kind = "action"
    noun = "action"
    first_field = "title"
    # The next action of a series is usually for the same risks, owner and level.
    keep_on_new = ("risk_ids", "owner", "classification")

    def build(self, body: QWidget) -> None:
        left, right = self.columns(body)

        self.title_edit = TextLine(body, max_length=200, placeholder="at least 3 characters")
        self.add_row(left, "&Title", self.title_edit, "title")
        self.owner_edit = TextLine(body, max_length=200)
        self.add_row(left, "&Owner", self.owner_edit, "owner")
        self.due_edit = DateField(body, optional=True)
        self.add_row(left, "&Due on", self.due_edit, "due_on")
        self.status_combo = enum_combo(ActionStatus, body)
        self.add_row(left, "St&atus", self.status_combo, "status")
        self.expected = self.add_score_row(
            left,
            body,
            "E&xpected",
            ("expected_likelihood", "expected_impact"),
            ("Expected likelihood", "Expected impact"),
            optional=True,
        )
        self.expected.setToolTip(
            "The residual likelihood and impact the action aims for (either may be left empty)"
        )

        self.risks_picker = LinkPicker(self.picks.risks, body, noun="risks", rows=6)
        self.add_row(
            right,
            "&Risks",
            self.risks_picker,
            "risk_ids",
            focus=[self.risks_picker.filter, self.risks_picker.list],
        )
        self.classification_combo = classification_combo(body)
        self.add_row(right, "C&lassification", self.classification_combo, "classification")
        self.notes_edit = TextArea(body, lines=4)
        self.add_row(right, "&Notes", self.notes_edit, "notes")
        # As wide as the risk form: room for the score chip beside the two pickers.
        self.setMinimumWidth(980)
