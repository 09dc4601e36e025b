"""The shared shape of the record forms: fields, inline validation, keyboard, results.

A form is *given* its data (``FormData`` for an edit, ``PickLists`` for the link
pickers) and *returns* a validated ``*Create`` (new record) or ``*Update`` (only
the fields the user changed).  It never touches the database: whoever opened it
(``desktop.dialogs.forms``) handles ``submitted`` by pushing an undo command.

Validation runs through the pydantic models on every edit; each message appears
under the field it concerns, and Save / Save and new stay disabled until the
form is valid.  Messages appear for fields the user has touched (all of them
after a save attempt, and always when editing an existing record).

Keyboard: Ctrl+Return saves, Ctrl+Shift+Return saves and starts the next record,
Esc cancels (asking first when a field was changed, "Keep editing" being the
default answer); Tab walks the fields in reading order; Alt+underlined letter jumps
to a field.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

from pydantic import ValidationError
from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtGui import QCloseEvent, QFont, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlmodel import SQLModel

from db import repository
from db.errors import FieldError, field_errors
from db.scales import DEFAULT_BANDS, Bands
from desktop.dialogs.record_panels import HistoryPanel, RiskHubPanel
from desktop.services import records
from desktop.services.records import FormData, ListLookup, PickLists
from desktop.widgets.form_fields import ErrorLabel, FieldInputError, ScorePicker

# Names the data layer uses in its messages (file column names) -> form fields.
ALIASES: dict[str, str] = {
    "partner": "partner_id",
    "stakeholder": "stakeholder_id",
    "partnership": "partnership_id",
    "responds_to": "responds_to_id",
    "risks": "risk_ids",
    "partnerships": "partnership_ids",
    "stakeholders": "stakeholder_ids",
}

SubmitHandler = Callable[[SQLModel, bool], None]


COLUMN_MIN_WIDTH = 380  # px: each side-by-side column of a record form


class FieldEditor(Protocol):
    """What ``add_row`` uses of an editor when no getter, setter or signal is given
    (the editors of ``desktop.widgets.form_fields``)."""

    @property
    def edited(self) -> SignalInstance: ...

    def value(self) -> Any: ...

    def set_value(self, value: Any) -> None: ...


@dataclass
class Row:
    """One labelled row of a form: its editor(s) and the message under them."""

    key: str
    label: str
    container: QWidget
    error: ErrorLabel
    fields: list[str] = field(default_factory=list)


def _fmt_when(when: dt.datetime | None) -> str:
    if when is None:
        return ""
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return f"{when.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"


class RecordDialog(QDialog):
    """Base class of the four record forms; subclasses lay out their fields in ``build``."""

    kind: str = ""
    noun: str = "record"
    first_field: str = "name"
    keep_on_new: tuple[str, ...] = ("classification",)

    submitted = Signal(object, bool)  # validated model, "and new"

    def __init__(
        self,
        form: FormData | None,
        picks: PickLists | None = None,
        parent: QWidget | None = None,
        *,
        bands: Bands = DEFAULT_BANDS,
        defaults: dict[str, Any] | None = None,
    ):
        super().__init__(parent)
        self.setObjectName(f"{self.kind}_dialog")
        self.spec = repository.spec(self.kind)
        self.defaults = dict(defaults or {})
        self.form = form if form is not None else records.new_form_data(self.kind, **self.defaults)
        self.picks = picks if picks is not None else records.empty_choices()
        self.bands = bands
        self.result_data: SQLModel | None = None
        self._submit_handler: SubmitHandler | None = None
        self._rows: dict[str, Row] = {}
        self._row_of: dict[str, Row] = {}
        self._getters: dict[str, Callable[[], Any]] = {}
        self._setters: dict[str, Callable[[Any], None]] = {}
        self._editors: dict[str, QWidget] = {}
        self._labels: dict[str, str] = {}
        self._touched: set[str] = set()
        self._show_all = False
        self._loading = False
        self._errors: dict[str, list[str]] = {}
        self._focus_chain: list[QWidget] = []
        self._closing_quietly = False
        self._line_height = QComboBox().sizeHint().height()

        outer = QVBoxLayout(self)
        outer.setSpacing(8)
        self.header = QLabel(self)
        self.header.setTextFormat(Qt.TextFormat.PlainText)
        font = QFont(self.header.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.header.setFont(font)
        self.subheader = QLabel(self)
        self.subheader.setTextFormat(Qt.TextFormat.PlainText)
        self.subheader.setWordWrap(True)
        outer.addWidget(self.header)
        outer.addWidget(self.subheader)
        line = QFrame(self)
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        outer.addWidget(line)

        body = QWidget(self)
        self.build(body)
        # The fields are the first tab; a saved record's form adds History (and a risk
        # its hub) through add_tab.  The tab bar shows only when there is a second tab.
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("record_tabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(body, "Details")
        self.tabs.tabBar().setVisible(False)
        outer.addWidget(self.tabs, 1)
        self.history_panel: HistoryPanel | None = None
        self.hub_panel: RiskHubPanel | None = None

        self.general_error = ErrorLabel(self)
        outer.addWidget(self.general_error)

        buttons = QHBoxLayout()
        self.status = QLabel(self)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        buttons.addWidget(self.status, 1)
        self.save_new_button = QPushButton("Save and &new", self)
        self.save_new_button.setToolTip("Save, then start the next one (Ctrl+Shift+Return)")
        self.save_new_button.setAutoDefault(False)
        self.save_button = QPushButton("&Save", self)
        self.save_button.setToolTip("Save (Ctrl+Return)")
        self.save_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setToolTip("Close without saving (Esc)")
        self.cancel_button.setAutoDefault(False)
        for button in (self.save_new_button, self.save_button, self.cancel_button):
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            buttons.addWidget(button)
        outer.addLayout(buttons)
        self.save_button.clicked.connect(lambda: self.submit(False))
        self.save_new_button.clicked.connect(lambda: self.submit(True))
        self.cancel_button.clicked.connect(self.reject)

        for keys, and_new in (
            (("Ctrl+Return", "Ctrl+Enter"), False),
            (("Ctrl+Shift+Return", "Ctrl+Shift+Enter"), True),
        ):
            for key in keys:
                shortcut = QShortcut(QKeySequence(key), self)
                shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
                shortcut.activated.connect(lambda and_new=and_new: self.submit(and_new))

        self._set_tab_order()
        self.load(self.form)

    # ------------------------------------------------------------------ building

    def build(self, body: QWidget) -> None:  # pragma: no cover - subclasses lay out
        raise NotImplementedError

    def columns(self, body: QWidget, count: int = 2) -> list[QFormLayout]:
        """``count`` side-by-side form columns on ``body``, packed at the top."""
        outer = QHBoxLayout(body)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(24)
        forms = []
        for _ in range(count):
            # Each column gets room of its own: without it, the column with the widest
            # fields (URL, combos) squeezed the other one to a few characters.
            holder = QWidget(body)
            holder.setMinimumWidth(COLUMN_MIN_WIDTH)
            column = QVBoxLayout(holder)
            column.setContentsMargins(0, 0, 0, 0)
            form = self.form_layout()
            column.addLayout(form)
            column.addStretch(1)
            outer.addWidget(holder, 1)
            forms.append(form)
        return forms

    @staticmethod
    def form_layout(parent: QLayout | None = None) -> QFormLayout:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        form.setVerticalSpacing(6)
        return form

    def add_row(
        self,
        form: QFormLayout,
        label: str,
        editor: QWidget,
        fields: str | Iterable[str],
        *,
        getters: dict[str, Callable[[], Any]] | None = None,
        setters: dict[str, Callable[[Any], None]] | None = None,
        focus: Iterable[QWidget] | None = None,
        signals: Iterable[Any] | None = None,
        captions: dict[str, str] | None = None,
    ) -> Row:
        """A labelled editor with its error line; ``label`` may carry an & mnemonic."""
        names = [fields] if isinstance(fields, str) else list(fields)
        container = QWidget(editor.parentWidget())
        box = QVBoxLayout(container)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        editor.setParent(container)
        box.addWidget(editor)
        error = ErrorLabel(container)
        box.addWidget(error)
        caption = QLabel(label, container.parentWidget())
        caption.setBuddy(editor)
        # As tall as a one-line editor, so the caption lines up with the first line.
        caption.setFixedHeight(max(self._line_height, caption.sizeHint().height()))
        caption.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.addRow(caption, container)
        row = Row(names[0], label.replace("&", ""), container, error, names)
        self._rows[row.key] = row
        focus_list = list(focus) if focus is not None else [editor.focusProxy() or editor]
        for index, name in enumerate(names):
            self._row_of[name] = row
            # The widget a message about this field sends the cursor to.
            self._editors[name] = (
                focus_list[index] if len(focus_list) == len(names) else focus_list[0]
            )
            if not self._editors[name].accessibleName():
                self._editors[name].setAccessibleName(self._labels_for(name, row.label, captions))
            self._labels[name] = self._labels_for(name, row.label, captions)
            getter = (getters or {}).get(name) or cast(FieldEditor, editor).value
            setter = (setters or {}).get(name) or cast(FieldEditor, editor).set_value
            self._getters[name] = getter
            self._setters[name] = setter
        for signal in signals if signals is not None else [cast(FieldEditor, editor).edited]:
            signal.connect(lambda row=row: self._edited(row))
        self._focus_chain.extend(focus_list)
        return row

    def add_score_row(
        self,
        form: QFormLayout,
        body: QWidget,
        label: str,
        fields: tuple[str, str],
        captions: tuple[str, str],
        *,
        optional: bool = False,
    ) -> ScorePicker:
        """A likelihood x impact row with its live score chip, bound to two fields
        (``fields`` and ``captions`` in that order): the risk's inherent and residual
        scores and an action's expected one are all this one row."""
        picker = ScorePicker(body, optional=optional, bands=self.bands)
        likelihood, impact = fields
        self.add_row(
            form,
            label,
            picker,
            fields,
            getters={likelihood: picker.likelihood.value, impact: picker.impact.value},
            setters={likelihood: picker.likelihood.set_value, impact: picker.impact.set_value},
            focus=[picker.likelihood, picker.impact],
            captions=dict(zip(fields, captions, strict=True)),
        )
        return picker

    @staticmethod
    def _labels_for(name: str, label: str, captions: dict[str, str] | None) -> str:
        return (captions or {}).get(name, label)

    def _set_tab_order(self) -> None:
        chain = [w for w in self._focus_chain if w.focusPolicy() != Qt.FocusPolicy.NoFocus]
        chain += [self.save_button, self.save_new_button, self.cancel_button]
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)

    def add_tab(self, widget: QWidget, title: str) -> int:
        """Another tab beside the fields (History, a risk's hub); returns its index."""
        index = self.tabs.addTab(widget, title)
        self.tabs.tabBar().setVisible(True)
        return index

    # ------------------------------------------------------------------ data in

    def load(self, form: FormData) -> None:
        """Show ``form`` (a fresh record, or a reloaded one after a conflict)."""
        self.form = form
        self._loading = True
        try:
            for name, setter in self._setters.items():
                setter(form.values.get(name))
        finally:
            self._loading = False
        self._touched.clear()
        self._as_loaded = self.collect()  # what "no changes" looks like in the fields
        self._show_all = not form.is_new
        self.general_error.show_message("")
        self._update_header()
        self.save_new_button.setVisible(form.is_new)
        self.revalidate()

    def _update_header(self) -> None:
        noun = self.noun
        if self.form.is_new:
            self.setWindowTitle(f"New {noun}")
            self.header.setText(f"New {noun}")
            self.subheader.setText("A ref is assigned when it is saved.")
        else:
            title = self.form.values.get("name") or self.form.values.get("title") or ""
            self.setWindowTitle(f"{self.form.ref} {title}".strip())
            self.header.setText(f"{self.form.ref}  {title}".strip())
            who = self.form.updated_by or "unknown"
            self.subheader.setText(
                f"Version {self.form.version}; last changed by {who} on {_fmt_when(self.form.updated_at)}"
            )

    # ------------------------------------------------------------------ validation

    def _edited(self, row: Row) -> None:
        if self._loading:
            return
        self._touched.add(row.key)
        self.status.setText("")
        self.revalidate()

    def collect(self) -> tuple[dict[str, Any], dict[str, list[str]]]:
        """Every field's value, and the fields whose text cannot be read at all."""
        values: dict[str, Any] = {}
        errors: dict[str, list[str]] = {}
        for name, getter in self._getters.items():
            try:
                values[name] = getter()
            except FieldInputError as exc:
                errors.setdefault(name, []).append(str(exc))
        return values, errors

    def _field_for(self, error_field: str) -> str | None:
        name = ALIASES.get(error_field, error_field)
        return name if name in self._row_of else None

    def _reason(self, name: str, reason: str) -> str:
        """``Title must have at least 3 characters``: the field's caption, then the reason."""
        for other, text in self._labels.items():
            if "_" in other:
                reason = re.sub(rf"\b{re.escape(other)}\b", text.lower(), reason)
        caption = self._labels.get(name, name.replace("_", " ").capitalize())
        if reason.split(" ", 1)[0].lower() == caption.split(" ", 1)[0].lower():
            return reason[:1].upper() + reason[1:]  # the reason already names the field
        return f"{caption} {reason}"

    def validate(self) -> tuple[SQLModel | None, dict[str, list[str]]]:
        """The validated result (Create or Update) or the messages per field."""
        values, errors = self.collect()
        readable = {k: v for k, v in values.items() if k not in errors}
        model: SQLModel | None = None
        try:
            model = self.spec.create.model_validate(readable)
        except ValidationError as exc:
            for err in field_errors(exc):
                name = self._field_for(err.field) or "record"
                if name in errors:  # the editor already said what is wrong
                    continue
                reason = err.reason
                info = self.spec.create.model_fields.get(name)
                if (
                    info is not None
                    and info.is_required()
                    and str(readable.get(name) or "").strip() == ""
                ):
                    reason = "is required"
                errors.setdefault(name, []).append(reason)
        if errors:
            self._probe_cross_checks(readable, errors)
        self._check_unique_name(values, errors)
        if errors:
            return None, errors
        assert model is not None
        if self.form.is_new:
            return model, {}
        return self.spec.update.model_validate(self.changes(model)), {}

    def _probe_cross_checks(self, readable: dict[str, Any], errors: dict[str, list[str]]) -> None:
        """Whole-record rules (dates in order, residual pairs) run only once every field
        is valid; run them again with the faulty fields replaced by harmless stand-ins so
        all the messages show at once."""
        stand_ins: dict[str, Any] = {
            "name": "stand-in",
            "title": "stand-in",
            "occurred_on": dt.date.today(),
            "partner_id": 1,
        }
        defaults = records.new_form_data(self.kind).values
        probe = dict(readable)
        for name in list(errors):
            if name in probe or name in stand_ins:
                probe[name] = stand_ins.get(name, defaults.get(name))
        for name, value in stand_ins.items():
            if name in defaults and probe.get(name) is None:
                probe[name] = value
        try:
            self.spec.create.model_validate(probe)
        except ValidationError as exc:
            for err in field_errors(exc):
                name = self._field_for(err.field) or "record"
                if name not in errors:
                    errors.setdefault(name, []).append(err.reason)

    def _check_unique_name(self, values: dict[str, Any], errors: dict[str, list[str]]) -> None:
        if not self.spec.unique_name or "name" in errors:
            return
        name = str(values.get("name") or "").strip().casefold()
        lookup = self.picks.for_kind(self.kind)
        if not name or not isinstance(lookup, ListLookup):
            return
        for choice in lookup.items:
            if choice.label.strip().casefold() == name and choice.id != self.form.record_id:
                errors.setdefault("name", []).append(f"is already used by {choice.ref}")
                return

    def _original(self) -> dict[str, Any]:
        try:
            return self.spec.create.model_validate(self.form.values).model_dump()
        except ValidationError:
            return dict(self.form.values)

    def changes(self, model: SQLModel) -> dict[str, Any]:
        """Fields whose value differs from the record as loaded."""
        before = self._original()
        after = model.model_dump()
        return {k: v for k, v in after.items() if before.get(k) != v}

    def before_values(self, update: SQLModel) -> dict[str, Any]:
        """The loaded values of the fields ``update`` changes (what undo puts back)."""
        before = self._original()
        return {k: before.get(k) for k in update.model_dump(exclude_unset=True)}

    def revalidate(self) -> bool:
        data, errors = self.validate()
        self._errors = errors
        self._show_errors()
        valid = data is not None
        self.save_button.setEnabled(valid)
        self.save_new_button.setEnabled(valid)
        return valid

    def _show_errors(self) -> None:
        shown_rows: dict[str, list[str]] = {}
        general: list[str] = []
        for name, reasons in self._errors.items():
            row = self._row_of.get(name)
            if row is None:
                general.extend(reasons)
                continue
            if self._show_all or row.key in self._touched:
                shown_rows.setdefault(row.key, []).extend(self._reason(name, r) for r in reasons)
        for key, row in self._rows.items():
            row.error.show_message("\n".join(dict.fromkeys(shown_rows.get(key, []))))
        self.general_error.show_message("\n".join(general) if (general and self._show_all) else "")

    def error_text(self, name: str) -> str:
        """The message shown under the field ``name`` ("" when none is shown)."""
        row = self._row_of[name]
        return "" if row.error.isHidden() else row.error.text()

    def error_label(self, name: str) -> ErrorLabel:
        """The message line under the field ``name``."""
        return self._row_of[name].error

    def editor(self, name: str) -> QWidget:
        return self._editors[name]

    # ------------------------------------------------------------------ results

    def set_submit_handler(self, handler: SubmitHandler | None) -> None:
        """Who saves: called with (model, and_new); without one, Save just accepts."""
        self._submit_handler = handler

    def submit(self, and_new: bool = False) -> None:
        if and_new and not self.form.is_new:
            and_new = False
        data, _errors = self.validate()
        if data is None:
            self._show_all = True
            self.revalidate()
            self._focus_first_error()
            return
        self.result_data = data
        self.submitted.emit(data, and_new)
        if self._submit_handler is not None:
            self._submit_handler(data, and_new)
        elif not and_new:
            self.accept()

    def _focus_first_error(self) -> None:
        for name in self._getters:
            if name in self._errors:
                self._editors[name].setFocus(Qt.FocusReason.OtherFocusReason)
                return

    def show_server_errors(self, errors: list[FieldError]) -> None:
        """Messages the register gave at save time (a name already taken...)."""
        self._show_all = True
        for err in errors:
            name = self._field_for(err.field) or "record"
            self._errors.setdefault(name, []).append(err.reason)
        self._show_errors()
        self._focus_first_error()

    def start_next(self, saved_ref: str) -> None:
        """After "Save and new": a fresh form keeping the fields worth keeping."""
        kept = {name: self.form.values.get(name) for name in self.keep_on_new}
        values, _ = self.collect()
        kept.update({name: values.get(name) for name in self.keep_on_new if name in values})
        self.load(records.new_form_data(self.kind, **{**self.defaults, **kept}))
        self.status.setText(f"Saved {saved_ref}.")
        self.focus_first_field()

    def focus_first_field(self) -> None:
        self._editors[self.first_field].setFocus(Qt.FocusReason.TabFocusReason)

    def has_changes(self) -> bool:
        """True when any field differs from what the form showed when it was loaded."""
        return self.collect() != self._as_loaded

    def reject(self) -> None:
        """Cancel, Esc or the window's close button: ask first if there are changes."""
        if not self._closing_quietly and self.has_changes() and not self.confirm_discard():
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        # The user closing the window is asked like Cancel; a close() by the program
        # itself (shutting down, tests tidying up) is not a user's choice to ask about.
        self._closing_quietly = not event.spontaneous()
        try:
            super().closeEvent(event)
        finally:
            self._closing_quietly = False

    def confirm_discard(self) -> bool:
        """Ask whether to throw the changes away; the default answer keeps editing."""
        what = f"this new {self.noun}" if self.form.is_new else str(self.form.ref)
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Discard changes?",
            f"You have changes to {what} that are not saved.",
            parent=self,
        )
        box.setObjectName("discard_question")
        box.setInformativeText("Discard them and close the form, or keep editing?")
        discard = box.addButton("&Discard changes", QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton("&Keep editing", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        box.exec()
        return box.clickedButton() is discard

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Return saves like the default button would, and on an invalid form it shows
        # every message instead of doing nothing.
        plain = event.modifiers() in (
            Qt.KeyboardModifier.NoModifier,
            Qt.KeyboardModifier.KeypadModifier,
        )
        if plain and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            self.submit(False)
            return
        super().keyPressEvent(event)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.focus_first_field()
