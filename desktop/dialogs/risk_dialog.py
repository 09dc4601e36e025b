"""The risk form: what could go wrong, how likely and how bad, and what we do about it."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from db.classification import LEVELS
from db.enums import RiskCategory, RiskStatus, Treatment
from desktop.dialogs.common import RecordDialog
from desktop.services.records import FormData
from desktop.widgets.form_fields import (
    ChoiceCombo,
    DateField,
    LinkPicker,
    TextArea,
    TextLine,
    classification_combo,
    enum_combo,
)

COMMENTARY_PLACEHOLDER = "the risk owner's words"
# A member not cleared for a risk's commentary is told it exists, never what it says.
WITHHELD_PLACEHOLDER = "There is an owner's commentary above your clearance: not shown"


class RiskDialog(RecordDialog):
    kind = "risk"
    noun = "risk"
    first_field = "title"
    keep_on_new = ("category", "owner", "classification", "partnership_ids", "stakeholder_ids")

    def build(self, body: QWidget) -> None:
        left, right = self.columns(body)

        self.title_edit = TextLine(body, max_length=200, placeholder="at least 3 characters")
        self.add_row(left, "&Title", self.title_edit, "title")
        self.category_combo = enum_combo(RiskCategory, body)
        self.add_row(left, "Cate&gory", self.category_combo, "category")
        self.status_combo = enum_combo(RiskStatus, body)
        self.add_row(left, "St&atus", self.status_combo, "status")
        self.owner_edit = TextLine(body, max_length=200)
        self.add_row(left, "&Owner", self.owner_edit, "owner")

        self.inherent = self.add_score_row(
            left, body, "&Inherent", ("likelihood", "impact"), ("Likelihood", "Impact")
        )
        self.residual = self.add_score_row(
            left,
            body,
            "&Residual",
            ("residual_likelihood", "residual_impact"),
            ("Residual likelihood", "Residual impact"),
            optional=True,
        )
        self.treatment_combo = enum_combo(Treatment, body)
        self.add_row(left, "Tr&eatment", self.treatment_combo, "treatment")
        self.mitigation_edit = TextArea(body, lines=3, placeholder="what we do to reduce it")
        self.add_row(left, "&Mitigation", self.mitigation_edit, "mitigation")
        self.review_edit = DateField(body, optional=True)
        self.add_row(left, "Re&view due", self.review_edit, "review_due")

        self.partnerships_picker = LinkPicker(
            self.picks.partnerships, body, noun="partnerships", rows=4
        )
        self.add_row(
            right,
            "&Partnerships",
            self.partnerships_picker,
            "partnership_ids",
            focus=[self.partnerships_picker.filter, self.partnerships_picker.list],
        )
        self.stakeholders_picker = LinkPicker(
            self.picks.stakeholders, body, noun="stakeholders", rows=4
        )
        self.add_row(
            right,
            "&Stakeholders",
            self.stakeholders_picker,
            "stakeholder_ids",
            focus=[self.stakeholders_picker.filter, self.stakeholders_picker.list],
        )
        self.description_edit = TextArea(body, lines=3)
        self.add_row(right, "&Description", self.description_edit, "description")
        self.classification_combo = classification_combo(body)
        self.add_row(right, "C&lassification", self.classification_combo, "classification")
        self.notes_edit = TextArea(body, lines=2)
        self.add_row(right, "&Notes", self.notes_edit, "notes")
        # The owner's commentary: printed in briefing packs whose ceiling admits its level.
        self.commentary_edit = TextArea(body, lines=2, placeholder=COMMENTARY_PLACEHOLDER)
        self.add_row(right, "Owner's &commentary", self.commentary_edit, "commentary")
        self.commentary_on_edit = DateField(body, optional=True)
        self.add_row(right, "Commentar&y dated", self.commentary_on_edit, "commentary_on")
        self.commentary_level_combo = ChoiceCombo(
            [(level, level.value) for level in LEVELS], body, optional=True
        )
        self.commentary_level_combo.setToolTip("Its own classification (— : the risk's)")
        self.add_row(
            right,
            "Commentary classi&fication",
            self.commentary_level_combo,
            "commentary_classification",
        )
        self.setMinimumWidth(980)

    def load(self, form: FormData) -> None:
        super().load(form)
        withheld = "commentary" in form.withheld
        for editor in (
            self.commentary_edit,
            self.commentary_on_edit,
            self.commentary_level_combo,
        ):
            editor.setEnabled(not withheld)
        self.commentary_edit.setPlaceholderText(
            WITHHELD_PLACEHOLDER if withheld else COMMENTARY_PLACEHOLDER
        )
