"""The stakeholder form: who they are, how much they matter and where they stand."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from db.enums import STANCE_LABELS, StakeholderKind
from desktop.dialogs.common import RecordDialog
from desktop.widgets.form_fields import (
    TextArea,
    TextLine,
    classification_combo,
    enum_combo,
    scale_combo,
)

LEVEL_WORDS = ("Very low", "Low", "Medium", "High", "Very high")


class StakeholderDialog(RecordDialog):
    kind = "stakeholder"
    noun = "stakeholder"
    first_field = "name"
    keep_on_new = ("kind", "classification", "relationship_owner")

    def build(self, body: QWidget) -> None:
        (form,) = self.columns(body, 1)
        self.name_edit = TextLine(
            body, max_length=200, placeholder="e.g. Defence research institute"
        )
        self.add_row(form, "&Name", self.name_edit, "name")
        self.kind_combo = enum_combo(StakeholderKind, body)
        self.add_row(form, "&Kind", self.kind_combo, "kind")
        self.stance_combo = scale_combo(STANCE_LABELS, body)
        self.add_row(form, "S&tance", self.stance_combo, "stance")
        self.influence_combo = scale_combo(LEVEL_WORDS, body)
        self.add_row(form, "&Influence", self.influence_combo, "influence")
        self.interest_combo = scale_combo(LEVEL_WORDS, body)
        self.add_row(form, "I&nterest", self.interest_combo, "interest")
        self.owner_edit = TextLine(
            body, max_length=200, placeholder="who in our team keeps in touch"
        )
        self.add_row(form, "Relationship &owner", self.owner_edit, "relationship_owner")
        self.description_edit = TextArea(body, lines=3)
        self.add_row(form, "&Description", self.description_edit, "description")
        self.classification_combo = classification_combo(body)
        self.add_row(form, "C&lassification", self.classification_combo, "classification")
        self.notes_edit = TextArea(body, lines=2)
        self.add_row(form, "Not&es", self.notes_edit, "notes")
        self.setMinimumWidth(520)
