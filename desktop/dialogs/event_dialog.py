"""The event form: log what happened, fast (type the title, Ctrl+Return)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QWidget
from sqlmodel import SQLModel

from db import repository
from db.enums import SENTIMENT_LABELS, Channel, EventKind
from db.responses import loop_reason
from desktop.dialogs.common import RecordDialog
from desktop.widgets.form_fields import (
    DateField,
    FieldInputError,
    LinkPicker,
    NumberLine,
    RecordCombo,
    TextArea,
    TextLine,
    UrlField,
    classification_combo,
    enum_combo,
    scale_combo,
)

SEVERITY_WORDS = ("Negligible", "Low", "Moderate", "High", "Very high")
SENTIMENT_WORDS = SENTIMENT_LABELS


class EventDialog(RecordDialog):
    kind = "event"
    noun = "event"
    first_field = "title"
    keep_on_new = (
        "occurred_on",
        "kind",
        "channel",
        "stakeholder_id",
        "partnership_id",
        "classification",
    )  # not risk_ids: the next event's links are its own (a risk the form was opened for stays)

    # the last loop question asked of the register: ((event, target), answer)
    _loop_answer: tuple[tuple[int, int] | None, str] = (None, "")

    def build(self, body: QWidget) -> None:
        left, right = self.columns(body)

        self.title_edit = TextLine(
            body, max_length=200, placeholder="what happened, at least 3 characters"
        )
        self.add_row(left, "&Title", self.title_edit, "title")
        self.date_edit = DateField(body)
        self.add_row(left, "&Date", self.date_edit, "occurred_on")
        self.kind_combo = enum_combo(EventKind, body)
        self.add_row(left, "&Kind", self.kind_combo, "kind")
        self.channel_combo = enum_combo(Channel, body)
        self.add_row(left, "C&hannel", self.channel_combo, "channel")
        self.severity_combo = scale_combo(SEVERITY_WORDS, body)
        self.add_row(left, "Se&verity", self.severity_combo, "severity")
        self.sentiment_combo = scale_combo(SENTIMENT_WORDS, body)
        self.add_row(left, "Sentim&ent", self.sentiment_combo, "sentiment")
        self.stakeholder_combo = RecordCombo(self.picks.stakeholders, body, noun="stakeholder")
        self.add_row(left, "&Stakeholder", self.stakeholder_combo, "stakeholder_id")
        self.partnership_combo = RecordCombo(self.picks.partnerships, body, noun="partnership")
        self.add_row(left, "&Partnership", self.partnership_combo, "partnership_id")
        self.responds_combo = RecordCombo(
            self.picks.events, body, noun="event", exclude_id=self.form.record_id
        )
        self.add_row(left, "Respo&nds to", self.responds_combo, "responds_to_id")
        self.url_field = UrlField(body)
        self.add_row(left, "Source &URL", self.url_field, "source_url", focus=[self.url_field.line])

        self.risks_picker = LinkPicker(self.picks.risks, body, noun="risks", rows=4)
        self.add_row(
            right,
            "&Risks",
            self.risks_picker,
            "risk_ids",
            focus=[self.risks_picker.filter, self.risks_picker.list],
        )
        self.summary_edit = TextArea(body, lines=3)
        self.add_row(right, "Su&mmary", self.summary_edit, "summary")

        reach = QWidget(body)
        reach_row = QHBoxLayout(reach)
        reach_row.setContentsMargins(0, 0, 0, 0)
        self.reach_edit = NumberLine(reach, whole=True, placeholder="people")
        self.reach_basis_edit = TextLine(reach, max_length=500, placeholder="how it was estimated")
        reach_row.addWidget(self.reach_edit, 1)
        reach_row.addWidget(self.reach_basis_edit, 2)
        self.add_row(
            right,
            "Re&ach",
            reach,
            ("reach", "reach_basis"),
            getters={"reach": self.reach_edit.value, "reach_basis": self.reach_basis_edit.value},
            setters={
                "reach": self.reach_edit.set_value,
                "reach_basis": self.reach_basis_edit.set_value,
            },
            focus=[self.reach_edit, self.reach_basis_edit],
            signals=[self.reach_edit.edited, self.reach_basis_edit.edited],
            captions={"reach_basis": "Reach basis"},
        )
        metric = QWidget(body)
        metric_row = QHBoxLayout(metric)
        metric_row.setContentsMargins(0, 0, 0, 0)
        self.metric_edit = NumberLine(metric, placeholder="number")
        self.metric_unit_edit = TextLine(
            metric, max_length=100, placeholder="e.g. subscriptions cancelled"
        )
        metric_row.addWidget(self.metric_edit, 1)
        metric_row.addWidget(self.metric_unit_edit, 2)
        self.add_row(
            right,
            "Metri&c",
            metric,
            ("metric_value", "metric_unit"),
            getters={
                "metric_value": self.metric_edit.value,
                "metric_unit": self.metric_unit_edit.value,
            },
            setters={
                "metric_value": self.metric_edit.set_value,
                "metric_unit": self.metric_unit_edit.set_value,
            },
            focus=[self.metric_edit, self.metric_unit_edit],
            signals=[self.metric_edit.edited, self.metric_unit_edit.edited],
            captions={"metric_value": "Metric value", "metric_unit": "Metric unit"},
        )
        self.classification_combo = classification_combo(body)
        self.add_row(right, "C&lassification", self.classification_combo, "classification")
        self.notes_edit = TextArea(body, lines=2)
        self.add_row(right, "N&otes", self.notes_edit, "notes")
        self.setMinimumWidth(980)

    def validate(self) -> tuple[SQLModel | None, dict[str, list[str]]]:
        """The shared checks, and no loop of responses (``db.responses``, the rule the
        repository applies when saving and the import applies to files)."""
        model, errors = super().validate()
        reason = self._response_loop()
        if not reason:
            return model, errors
        errors = {**errors, "responds_to_id": [*errors.get("responds_to_id", []), reason]}
        return None, errors

    def _response_loop(self) -> str:
        record_id = self.form.record_id
        try:
            target: Any = self.responds_combo.value()
        except FieldInputError:
            return ""  # not an event yet: the field says so already
        if record_id is None or target is None:
            return ""  # a new event: nothing can answer it yet
        register = getattr(self.picks.for_kind("event"), "register", None)
        if register is None:
            return ""  # no register to look in (saving still checks)
        key = (record_id, target)
        if self._loop_answer[0] != key:  # asked again only when the choice changes
            with register.session() as session:
                refs = repository.response_loop_refs(session, record_id, target)
            self._loop_answer = (key, loop_reason(refs) if refs else "")
        return self._loop_answer[1]
