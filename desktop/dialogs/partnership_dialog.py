"""The partnership form: with whom, for what, on which network, and when."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QWidget

from db.enums import Network, PartnershipStatus
from desktop.dialogs.common import RecordDialog
from desktop.widgets.form_fields import (
    DateField,
    NumberLine,
    RecordCombo,
    TextArea,
    TextLine,
    UrlField,
    classification_combo,
    enum_combo,
)


class PartnershipDialog(RecordDialog):
    kind = "partnership"
    noun = "partnership"
    first_field = "name"
    keep_on_new = ("partner_id", "classification", "owner", "network")

    def build(self, body: QWidget) -> None:
        left, right = self.columns(body)

        self.name_edit = TextLine(body, max_length=200)
        self.add_row(left, "&Name", self.name_edit, "name")
        self.partner_combo = RecordCombo(
            self.picks.stakeholders, body, optional=False, noun="stakeholder"
        )
        self.add_row(left, "&Partner", self.partner_combo, "partner_id")
        self.status_combo = enum_combo(PartnershipStatus, body)
        self.add_row(left, "S&tatus", self.status_combo, "status")
        self.network_combo = enum_combo(Network, body)
        self.add_row(left, "Net&work", self.network_combo, "network")
        self.announced_edit = DateField(body, optional=True)
        self.add_row(left, "&Announced on", self.announced_edit, "announced_on")
        self.ended_edit = DateField(body, optional=True)
        self.add_row(left, "En&ded on", self.ended_edit, "ended_on")
        self.owner_edit = TextLine(body, max_length=200)
        self.add_row(left, "&Owner", self.owner_edit, "owner")

        money = QWidget(body)
        money_row = QHBoxLayout(money)
        money_row.setContentsMargins(0, 0, 0, 0)
        self.value_edit = NumberLine(money, placeholder="amount")
        self.currency_edit = TextLine(money, max_length=3, placeholder="USD")
        self.currency_edit.setMaximumWidth(
            self.currency_edit.fontMetrics().horizontalAdvance("WWWW") + 16
        )
        money_row.addWidget(self.value_edit, 1)
        money_row.addWidget(self.currency_edit)
        self.add_row(
            left,
            "&Value",
            money,
            ("value", "currency"),
            getters={"value": self.value_edit.value, "currency": self.currency_edit.value},
            setters={"value": self.value_edit.set_value, "currency": self.currency_edit.set_value},
            focus=[self.value_edit, self.currency_edit],
            signals=[self.value_edit.edited, self.currency_edit.edited],
            captions={"currency": "Currency"},
        )

        self.url_field = UrlField(body)
        self.add_row(
            right, "Source &URL", self.url_field, "source_url", focus=[self.url_field.line]
        )
        self.scope_edit = TextArea(body, lines=3, placeholder="what the work is for")
        self.add_row(right, "S&cope", self.scope_edit, "scope")
        self.classification_combo = classification_combo(body)
        self.add_row(right, "C&lassification", self.classification_combo, "classification")
        self.notes_edit = TextArea(body, lines=4)
        self.add_row(right, "Not&es", self.notes_edit, "notes")
        self.setMinimumWidth(900)
