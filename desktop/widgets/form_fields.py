"""Editors the record forms are built from.

Every editor has the same small interface so a form can treat them alike:

* ``value()``       the value for the pydantic model (raises ``FieldInputError`` when
                    the text cannot be read at all, e.g. a partner typed that is not
                    in the list);
* ``set_value(v)``  show a value (``None`` clears);
* ``edited``        a signal emitted on every user change.

Colours of the score chip come from ``desktop.briefing.palette`` (the one palette
shared with the PDF and the heat map).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Any

from PySide6.QtCore import QDate, QDateTime, QEvent, QObject, Qt, QTime, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QFont, QFontMetrics, QKeyEvent, QPalette, QValidator
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from db import scoring
from db.classification import LEVELS, Classification
from db.enums import label
from db.models import check_url
from db.scales import DEFAULT_BANDS, IMPACT_LABELS, LIKELIHOOD_LABELS, Bands
from desktop.briefing.palette import BAND_COLOURS, BAND_TEXT_COLOURS
from desktop.services.records import SEARCH_WINDOW, Choice, Lookup
from desktop.widgets.theme import is_dark


class FieldInputError(ValueError):
    """The editor's text cannot be turned into a value (shown next to the field)."""


def python_date(value: QDate) -> dt.date:
    """``value`` as a ``datetime.date`` (PySide types ``QDate.toPython`` as ``object``)."""
    result = value.toPython()
    if not isinstance(result, dt.date):
        raise TypeError(f"not a date: {value!r}")
    return result


def error_colour(widget: QWidget) -> str:
    """An error red readable on the widget's background (light or dark palette)."""
    window = widget.window() if widget.window() is not None else widget
    return "#ff8a80" if is_dark(window.palette()) else "#b3261e"


# --------------------------------------------------------------------------- text


class TextLine(QLineEdit):
    edited = Signal()

    def __init__(
        self, parent: QWidget | None = None, *, max_length: int | None = None, placeholder: str = ""
    ):
        super().__init__(parent)
        if max_length:
            self.setMaxLength(max_length)
        if placeholder:
            self.setPlaceholderText(placeholder)
        self.textEdited.connect(self.edited)

    def value(self) -> str:
        return self.text()

    def set_value(self, value: Any) -> None:
        self.setText("" if value is None else str(value))


class TextArea(QPlainTextEdit):
    """Multi-line text; Tab moves on to the next field (keyboard-only forms)."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None, *, lines: int = 3, placeholder: str = ""):
        super().__init__(parent)
        self.setTabChangesFocus(True)
        if placeholder:
            self.setPlaceholderText(placeholder)
        metrics = self.fontMetrics()
        self.setMinimumHeight(metrics.lineSpacing() * lines + 14)
        self.setMaximumHeight(metrics.lineSpacing() * (lines + 3) + 14)
        self._loading = False
        self.textChanged.connect(self._changed)

    def _changed(self) -> None:
        if not self._loading:
            self.edited.emit()

    def value(self) -> str:
        return self.toPlainText()

    def set_value(self, value: Any) -> None:
        self._loading = True
        try:
            self.setPlainText("" if value is None else str(value))
        finally:
            self._loading = False


class NumberLine(TextLine):
    """An optional number typed as text; pydantic decides whether it is valid."""

    def __init__(
        self, parent: QWidget | None = None, *, whole: bool = False, placeholder: str = ""
    ):
        super().__init__(parent, max_length=30, placeholder=placeholder)
        self.whole = whole
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def value(self) -> Any:
        text = self.text().strip().replace(",", "").replace("_", "")
        if not text:
            return None
        try:
            number = float(text)
        except ValueError:
            raise FieldInputError(
                "must be a whole number" if self.whole else "must be a number"
            ) from None
        if self.whole:
            if not number.is_integer():
                raise FieldInputError("must be a whole number")
            return int(number)
        return number

    def set_value(self, value: Any) -> None:
        if value is None:
            self.setText("")
        elif isinstance(value, float) and value.is_integer():
            self.setText(str(int(value)))
        else:
            self.setText(str(value))


# --------------------------------------------------------------------------- choices


class ChoiceCombo(QComboBox):
    """A fixed list of (value, text) items; typing the first letters selects (type-ahead)."""

    edited = Signal()

    def __init__(
        self,
        items: Sequence[tuple[Any, str]],
        parent: QWidget | None = None,
        *,
        optional: bool = False,
    ):
        super().__init__(parent)
        self.optional = optional
        if optional:
            self.addItem("\u2014", None)
        for value, text in items:
            self.addItem(text, value)
        self.activated.connect(lambda _i: self.edited.emit())
        self.currentIndexChanged.connect(self._index_changed)
        self._loading = False

    def _index_changed(self, _index: int) -> None:
        if not self._loading:
            self.edited.emit()

    def value(self) -> Any:
        return self.currentData()

    def set_value(self, value: Any) -> None:
        self._loading = True
        try:
            for i in range(self.count()):
                if self.itemData(i) == value or (
                    value is not None and str(self.itemData(i)) == str(value)
                ):
                    self.setCurrentIndex(i)
                    return
            self.setCurrentIndex(0)
        finally:
            self._loading = False


def enum_combo(enum: type[StrEnum], parent: QWidget | None = None) -> ChoiceCombo:
    return ChoiceCombo([(member, label(member)) for member in enum], parent)


def classification_combo(parent: QWidget | None = None) -> ChoiceCombo:
    combo = ChoiceCombo([(level, level.value) for level in LEVELS], parent)
    combo.set_value(Classification.UNCLASSIFIED)
    return combo


def scale_combo(
    labels: Sequence[str] | dict[int, str], parent: QWidget | None = None, *, optional: bool = False
) -> ChoiceCombo:
    """1..5 (or -2..+2) with words: ``3  Possible``; type-ahead on the digit."""
    pairs = labels.items() if isinstance(labels, dict) else enumerate(labels, start=1)
    items = [
        (n, f"{n:+d}  {text}" if isinstance(labels, dict) and n else f"{n}  {text}")
        for n, text in pairs
    ]
    return ChoiceCombo(items, parent, optional=optional)


# --------------------------------------------------------------------------- dates


_RELATIVE = re.compile(r"^([+-])\s*(\d{1,4})\s*([dw])$")
_DAY_MONTH = re.compile(r"^(\d{1,2})[/.](\d{1,2})(?:[/.](\d{4}))?$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def parse_typed_date(text: str, today: dt.date) -> dt.date | None:
    """A date typed in full: ``2026-12-04``, ``4/12`` (day/month, this year; or
    ``4/12/2026``), ``today``, ``-3d`` / ``+2w`` (days or weeks from today).  None when
    the text is none of these or names no real date."""
    text = text.strip().lower()
    if text == "today":
        return today
    try:
        if m := _RELATIVE.match(text):
            sign, n, unit = m.groups()
            days = int(n) * (7 if unit == "w" else 1)
            return today + dt.timedelta(days=-days if sign == "-" else days)
        if m := _DAY_MONTH.match(text):
            day, month, year = m.groups()
            return dt.date(int(year) if year else today.year, int(month), int(day))
        if m := _ISO.match(text):
            return dt.date(*(int(g) for g in m.groups()))
    except (ValueError, OverflowError):
        return None
    return None


class DateEdit(QDateEdit):
    """A date with a calendar popup, ISO display; optional dates may be left empty.

    Empty is shown as "not set" (the minimum date is the empty marker).  From the
    empty state, the arrow keys or a digit start at today's date; Delete or
    Backspace on a whole selection empties it again.
    """

    EMPTY = QDate(1900, 1, 1)
    edited = Signal()

    def __init__(self, parent: QWidget | None = None, *, optional: bool = False):
        super().__init__(parent)
        self.optional = optional
        self.setCalendarPopup(True)
        self.setDisplayFormat("yyyy-MM-dd")
        self.setToolTip(
            "Type the date or pick it from the calendar (Alt+Down); Left/Right move between year, month and day"
        )
        self.setMaximumDate(QDate(2200, 12, 31))
        if optional:
            self.setMinimumDate(self.EMPTY)
            self.setSpecialValueText("not set")
            self.setDate(self.EMPTY)
        else:
            self.setMinimumDate(QDate(1900, 1, 2))
            self.setDate(QDate.currentDate())
        self.calendarWidget().installEventFilter(self)
        self._loading = False
        self.dateChanged.connect(self._changed)

    def _changed(self, _date: QDate) -> None:
        if not self._loading:
            self.edited.emit()

    # Whole dates typed in other forms (parse_typed_date): the text is let through while
    # it is typed and read as a date when it is complete.
    def _typed(self, text: str) -> QDate | None:
        value = parse_typed_date(text, python_date(QDate.currentDate()))
        if value is None:
            return None
        date = QDate(value.year, value.month, value.day)
        return date if self.minimumDate() <= date <= self.maximumDate() else None

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        if self._typed(text) is not None:
            return QValidator.State.Acceptable, text, pos
        stripped = text.strip().lower()
        if stripped and (
            "today".startswith(stripped)
            or re.fullmatch(r"[+-]\s*\d{0,4}\s*[dw]?", stripped)
            or re.fullmatch(r"\d{1,2}(?:[/.]\d{0,2}(?:[/.]\d{0,4})?)?", stripped)
            or re.fullmatch(r"\d{3,4}(?:-\d{0,2}(?:-\d{0,2})?)?", stripped)
        ):
            return QValidator.State.Intermediate, text, pos
        return super().validate(text, pos)

    def dateTimeFromText(self, text: str) -> QDateTime:  # noqa: N802 - Qt API
        date = self._typed(text)
        if date is not None:
            return QDateTime(date, QTime(0, 0))
        return super().dateTimeFromText(text)

    def fixup(self, text: str) -> str:
        date = self._typed(text)
        return date.toString(self.displayFormat()) if date is not None else text

    def is_empty(self) -> bool:
        return self.optional and self.date() == self.EMPTY

    def value(self) -> dt.date | None:
        if self.is_empty():
            return None
        return python_date(self.date())

    def set_value(self, value: dt.date | None) -> None:
        self._loading = True
        try:
            if value is None:
                self.setDate(self.EMPTY if self.optional else QDate.currentDate())
            else:
                self.setDate(QDate(value.year, value.month, value.day))
        finally:
            self._loading = False

    def clear_date(self) -> None:
        if self.optional:
            self.setDate(self.EMPTY)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if self.is_empty():
            starts = (
                Qt.Key.Key_Up,
                Qt.Key.Key_Down,
                Qt.Key.Key_PageUp,
                Qt.Key.Key_PageDown,
                Qt.Key.Key_Space,
            )
            if key in starts:
                self.setDate(QDate.currentDate())
                event.accept()
                return
            if event.text() and event.text() in "+-tT":
                # The start of "-3d" or "today" (parse_typed_date) replaces "not set".
                self.lineEdit().setText(event.text())
                event.accept()
                return
            # (not while a typed form such as "-3d" is under way: see parse_typed_date)
            if event.text().isdigit() and self.lineEdit().text() == self.specialValueText():
                self.setDate(QDate.currentDate())
                self.setSelectedSection(QDateEdit.Section.YearSection)
        elif self.optional and key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            if self.lineEdit().selectedText() == self.text():
                self.clear_date()
                event.accept()
                return
        super().keyPressEvent(event)

    def focusNextPrevChild(self, next: bool) -> bool:  # noqa: A002 - Qt's name
        # Tab leaves the field (Qt's date edit would walk year, month, day first);
        # Left/Right move between the parts of the date.
        return QWidget.focusNextPrevChild(self, next)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Open the popup on this month rather than on January 1900 when empty.
        if (
            watched is self.calendarWidget()
            and event.type() == QEvent.Type.Show
            and self.is_empty()
        ):
            today = QDate.currentDate()
            self.calendarWidget().setCurrentPage(today.year(), today.month())
        return super().eventFilter(watched, event)


class DateField(QWidget):
    """``DateEdit`` plus, for an optional date, a Clear button."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None, *, optional: bool = False):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.edit = DateEdit(self, optional=optional)
        self.edit.setMinimumWidth(self.edit.fontMetrics().horizontalAdvance("0000-00-00") + 48)
        layout.addWidget(self.edit)
        self.clear_button: QToolButton | None = None
        if optional:
            self.clear_button = QToolButton(self)
            self.clear_button.setText("Clear")
            self.clear_button.setToolTip(
                "Leave this date empty (Delete in the date field does the same)"
            )
            self.clear_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            self.clear_button.clicked.connect(self.edit.clear_date)
            layout.addWidget(self.clear_button)
        layout.addStretch(1)
        self.setFocusProxy(self.edit)
        self.edit.edited.connect(self.edited)

    def value(self) -> dt.date | None:
        return self.edit.value()

    def set_value(self, value: dt.date | None) -> None:
        self.edit.set_value(value)


# --------------------------------------------------------------------------- URL


class UrlField(QWidget):
    """A source address (http/https only) and an Open button used only on an explicit click."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.line = TextLine(self, max_length=2000, placeholder="https://...")
        self.open_button = QPushButton("Open", self)
        self.open_button.setToolTip("Open this address in your web browser")
        self.open_button.setAutoDefault(False)
        self.open_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(self.open_in_browser)
        layout.addWidget(self.line, 1)
        layout.addWidget(self.open_button)
        self.setFocusProxy(self.line)
        self.line.textChanged.connect(self._update_button)
        self.line.edited.connect(self.edited)

    def _valid_url(self) -> str | None:
        try:
            return check_url(self.line.text())
        except ValueError:
            return None

    def _update_button(self) -> None:
        self.open_button.setEnabled(self._valid_url() is not None)

    def open_in_browser(self) -> bool:
        url = self._valid_url()
        if url is None:
            return False
        return bool(QDesktopServices.openUrl(QUrl(url)))

    def value(self) -> str:
        return self.line.text()

    def set_value(self, value: Any) -> None:
        self.line.set_value(value)
        self._update_button()


# --------------------------------------------------------------------------- likelihood x impact


def _chip_style(band: str | None, widget: QWidget) -> str:
    if band is None:
        border = widget.palette().color(QPalette.ColorRole.Mid).name()
        return f"QLabel {{ border: 1px dashed {border}; border-radius: 4px; padding: 2px 8px; }}"
    return (
        f"QLabel {{ background: {BAND_COLOURS[band]}; color: {BAND_TEXT_COLOURS[band]}; "
        "border-radius: 4px; padding: 2px 8px; font-weight: 600; }"
    )


class ScorePicker(QWidget):
    """Likelihood and impact pickers with the score and its band colour, live.

    ``optional`` (residual scores) adds an empty choice to both; half-filled pairs
    are left for the model to reject, so the message appears beside the picker.
    """

    edited = Signal()

    def __init__(
        self, parent: QWidget | None = None, *, optional: bool = False, bands: Bands = DEFAULT_BANDS
    ):
        super().__init__(parent)
        self.bands = bands
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.likelihood = scale_combo(LIKELIHOOD_LABELS, self, optional=optional)
        self.impact = scale_combo(IMPACT_LABELS, self, optional=optional)
        self.likelihood.setToolTip("Likelihood")
        self.impact.setToolTip("Impact")
        self.likelihood.setAccessibleName("Likelihood")
        self.impact.setAccessibleName("Impact")
        times = QLabel("\u00d7", self)
        self.chip = QLabel(self)
        self.chip.setAlignment(Qt.AlignmentFlag.AlignCenter)
        bold = QFont(self.chip.font())
        bold.setBold(True)
        self.chip.setMinimumWidth(QFontMetrics(bold).horizontalAdvance("Score 25  Critical") + 24)
        layout.addWidget(self.likelihood, 1)
        layout.addWidget(times)
        layout.addWidget(self.impact, 1)
        layout.addWidget(self.chip)
        self.setFocusProxy(self.likelihood)
        for combo in (self.likelihood, self.impact):
            combo.edited.connect(self._changed)
            combo.currentIndexChanged.connect(lambda _i: self._refresh())
        if not optional:
            self.likelihood.set_value(3)
            self.impact.set_value(3)
        self._refresh()

    def _changed(self) -> None:
        self.edited.emit()

    def _refresh(self) -> None:
        lk, im = self.likelihood.value(), self.impact.value()
        if lk is None or im is None:
            self.chip.setText("no score")
            self._set_chip_style(_chip_style(None, self))
            self.chip.setToolTip("")
            return
        score = scoring.score(lk, im)
        band = scoring.band(score, self.bands)
        self.chip.setText(f"Score {score}  {band.capitalize()}")
        self.chip.setToolTip(
            f"{LIKELIHOOD_LABELS[lk - 1]} x {IMPACT_LABELS[im - 1]} = {score} ({band})"
        )
        self._set_chip_style(_chip_style(band, self))

    def _set_chip_style(self, style: str) -> None:
        if style != self.chip.styleSheet():
            self.chip.setStyleSheet(style)

    def band(self) -> str | None:
        lk, im = self.likelihood.value(), self.impact.value()
        return None if lk is None or im is None else scoring.band_for(lk, im, self.bands)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._refresh()


# --------------------------------------------------------------------------- record pickers


class RecordCombo(QComboBox):
    """Pick one record (a partner, the event answered...): type part of the ref or name.

    Items come from a ``Lookup``; when the lookup is not complete (events), typing
    searches it (LIMIT) and adds what it finds, so a million events stay quick.
    """

    edited = Signal()

    def __init__(
        self,
        lookup: Lookup,
        parent: QWidget | None = None,
        *,
        optional: bool = True,
        exclude_id: int | None = None,
        noun: str = "record",
    ):
        super().__init__(parent)
        self.lookup = lookup
        self.optional = optional
        self.exclude_id = exclude_id
        self.noun = noun
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setMaxVisibleItems(15)
        what = "title" if noun in ("event", "risk") else "name"
        line = self.lineEdit()
        assert line is not None  # an editable combo box has its line edit
        line.setPlaceholderText(
            f"type a ref or part of the {what}" + (" (optional)" if optional else "")
        )
        if not lookup.complete:
            self.setToolTip(
                f"Type a ref (such as {noun[:1].upper()}-0123) to find any {noun}; "
                f"words search the {SEARCH_WINDOW:,} newest"
            )
        completer = QCompleter(self.model(), self)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.setCompleter(completer)
        self._ids: set[int] = set()
        self._loading = True
        if optional:
            self.addItem("", None)
        self._add(lookup.search("", limit=None if lookup.complete else 200))
        self._loading = False
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(150)
        self._search_timer.timeout.connect(self._search)
        line.textEdited.connect(self._text_edited)
        # editingFinished: the line edit lost focus (Tab) or Return was pressed
        line.editingFinished.connect(self.complete_unique)
        self.currentIndexChanged.connect(self._index_changed)

    def _add(self, found: Iterable[Choice]) -> None:
        for choice in found:
            if choice.id in self._ids or choice.id == self.exclude_id:
                continue
            self._ids.add(choice.id)
            self.addItem(choice.text, choice.id)

    def _text_edited(self, _text: str) -> None:
        if not self.lookup.complete:
            self._search_timer.start()
        self.edited.emit()

    def _search(self) -> None:
        text = self.currentText()
        self._loading = True
        try:
            self._add(self.lookup.search(text))
        finally:
            self._loading = False
        self.setEditText(text)

    def _index_changed(self, _index: int) -> None:
        if not self._loading:
            self.edited.emit()

    def complete_unique(self) -> bool:
        """Typed text that only one item contains becomes that item ("AI res" -> S-007).

        Run when editing finishes (focus leaves the field, or Return), so typing part of a name and pressing Tab
        picks the one record the completer showed, as a keyboard user expects.
        """
        text = self.currentText().strip()
        if not text or self.findText(text, Qt.MatchFlag.MatchFixedString) >= 0:
            return False
        index = self._unique_containing(text.casefold())
        if index < 0:
            return False
        self.setCurrentIndex(index)
        self.setEditText(self.itemText(index))
        self.edited.emit()
        return True

    def _unique_containing(self, folded: str) -> int:
        hits = [
            i
            for i in range(self.count())
            if self.itemData(i) is not None and folded in self.itemText(i).casefold()
        ]
        return hits[0] if len(hits) == 1 else -1

    def value(self) -> int | None:
        text = self.currentText().strip()
        if not text:
            if self.optional:
                return None
            raise FieldInputError(f"is required: choose a {self.noun}")
        index = self.findText(text, Qt.MatchFlag.MatchFixedString)
        if index < 0:
            # A bare ref, or a whole name that only one record has, is accepted too.
            folded = text.casefold()
            hits = [
                i
                for i in range(self.count())
                if self.itemData(i) is not None
                and folded in {part.strip().casefold() for part in self.itemText(i).split("  ", 1)}
            ]
            if len(hits) == 1:
                index = hits[0]
        if index < 0:
            # Part of a name that only one record contains: the one the completer offered.
            index = self._unique_containing(folded)
        if index < 0 or self.itemData(index) is None:
            raise FieldInputError(f"must be a {self.noun} from the list")
        return int(self.itemData(index))

    def set_value(self, value: int | None) -> None:
        self._loading = True
        try:
            if value is not None and value not in self._ids:
                self._add(self.lookup.by_ids([value]))
            index = self.findData(value) if value is not None else (0 if self.optional else -1)
            self.setCurrentIndex(index)
            if index < 0:
                self.setEditText("")
        finally:
            self._loading = False


class LinkPicker(QWidget):
    """Pick many records: a filter line over a checkable list, chosen ones pinned first.

    Keyboard: type to filter, Down to enter the list, Space to tick, Tab to leave.
    """

    edited = Signal()

    def __init__(
        self, lookup: Lookup, parent: QWidget | None = None, *, noun: str = "records", rows: int = 5
    ):
        super().__init__(parent)
        self.lookup = lookup
        self.noun = noun
        self._chosen: dict[int, Choice] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText(f"filter {noun} by ref or name")
        self.filter.setClearButtonEnabled(True)
        self.list = QListWidget(self)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setToolTip("Space or a click ticks a row; ticked rows are linked")
        row_h = self.list.fontMetrics().lineSpacing() + 6
        self.list.setFixedHeight(row_h * rows + 6)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        layout.addWidget(self.filter)
        layout.addWidget(self.list)
        layout.addWidget(self.summary)
        self.setFocusProxy(self.filter)
        self._loading = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0 if lookup.complete else 150)
        self._timer.timeout.connect(self._populate)
        self.filter.textChanged.connect(lambda _t: self._timer.start())
        self.filter.installEventFilter(self)
        self.list.installEventFilter(self)
        self.list.itemChanged.connect(self._item_changed)
        self._populate()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress:
            key = event.key()  # type: ignore[attr-defined]
            if watched is self.filter and key == Qt.Key.Key_Down and self.list.count():
                self.list.setFocus()
                if self.list.currentRow() < 0:
                    self.list.setCurrentRow(0)
                return True
            if watched is self.list and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                # Return ticks the row (like Space) rather than saving the form.
                item = self.list.currentItem()
                if item is not None and item.flags() & Qt.ItemFlag.ItemIsUserCheckable:
                    checked = item.checkState() == Qt.CheckState.Checked
                    item.setCheckState(
                        Qt.CheckState.Unchecked if checked else Qt.CheckState.Checked
                    )
                return True
        return super().eventFilter(watched, event)

    def _populate(self) -> None:
        text = self.filter.text()
        found = self.lookup.search(text, limit=None if self.lookup.complete else 50)
        pinned = [c for c in self._chosen.values() if not text or c in found]
        rest = [c for c in found if c.id not in self._chosen]
        self._loading = True
        try:
            self.list.clear()
            for choice in sorted(pinned, key=lambda c: c.ref) + rest:
                item = QListWidgetItem(choice.text, self.list)
                item.setData(Qt.ItemDataRole.UserRole, choice.id)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                checked = choice.id in self._chosen
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
                self._mark(item, checked)
            if not self.list.count():
                item = QListWidgetItem(
                    f"no {self.noun} match" if text else f"no {self.noun} yet", self.list
                )
                item.setFlags(Qt.ItemFlag.NoItemFlags)
        finally:
            self._loading = False
        self._update_summary()

    def _item_changed(self, item: QListWidgetItem) -> None:
        if self._loading:
            return
        record_id = item.data(Qt.ItemDataRole.UserRole)
        if record_id is None:
            return
        checked = item.checkState() == Qt.CheckState.Checked
        if checked:
            ref, _, rest = item.text().partition("  ")
            self._chosen[record_id] = Choice(record_id, ref, rest)
        else:
            self._chosen.pop(record_id, None)
        self._loading = True
        try:
            self._mark(item, checked)
        finally:
            self._loading = False
        self._update_summary()
        self.edited.emit()

    @staticmethod
    def _mark(item: QListWidgetItem, checked: bool) -> None:
        """Chosen rows are bold too, so they stand out whatever the style draws for the tick."""
        font = item.font()
        font.setBold(checked)
        item.setFont(font)

    def _update_summary(self) -> None:
        refs = sorted(c.ref for c in self._chosen.values())
        if not refs:
            self.summary.setText("none chosen")
        else:
            shown = ", ".join(refs[:8]) + (f" and {len(refs) - 8} more" if len(refs) > 8 else "")
            self.summary.setText(f"{len(refs)} chosen: {shown}")

    def value(self) -> list[int]:
        return sorted(self._chosen)

    def set_value(self, ids: Iterable[int] | None) -> None:
        wanted = list(ids or [])
        self._chosen = {c.id: c for c in self.lookup.by_ids(wanted)}
        self._populate()

    def set_checked(self, record_id: int, checked: bool = True) -> None:
        """Tick or untick one record as a user would (used by tests and shortcuts)."""
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == record_id:
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
                return
        raise KeyError(record_id)


class ErrorLabel(QLabel):
    """The message shown under a field; hidden when there is nothing to say."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setVisible(False)
        self._apply_colour()

    def _apply_colour(self) -> None:
        style = f"QLabel {{ color: {error_colour(self)}; }}"
        if style != self.styleSheet():
            self.setStyleSheet(style)

    def show_message(self, text: str) -> None:
        self.setText(text)
        self.setVisible(bool(text))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_colour()


__all__ = [
    "ChoiceCombo",
    "DateEdit",
    "DateField",
    "ErrorLabel",
    "FieldInputError",
    "LinkPicker",
    "NumberLine",
    "RecordCombo",
    "ScorePicker",
    "TextArea",
    "TextLine",
    "UrlField",
    "classification_combo",
    "enum_combo",
    "scale_combo",
]
