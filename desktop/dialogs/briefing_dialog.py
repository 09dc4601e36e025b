"""The "New briefing pack" dialog: what goes in, and what it will be marked.

The dialog collects the request (``BriefingParameters`` and where to save the
PDF) and shows, *before* anything is built, the banner the pack will carry and
how many records the ceiling leaves out (``preview_classification`` on a worker,
re-run shortly after the ceiling, the partnerships or the period change).  The
build itself runs in the background through ``PackBuild``
(``briefing_build.py``) with a progress bar and Cancel; periods come from
``desktop.services.periods`` and pack-file locations from ``desktop.pack_files``.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from db.classification import (
    LEVELS,
    Classification,
    banner_text,
    parse_level,
    portion_mark,
    rank,
)
from db.errors import RegisterError
from db.kinds import KINDS
from db.queries import briefings as bq
from desktop import settings as keys
from desktop.briefing import data as pack_data
from desktop.briefing.builder import BriefingResult, generation_time, preview_classification
from desktop.briefing.palette import BANNER_TEXT_COLOURS, banner_colour
from desktop.briefing.parameters import (
    DEFAULT_TITLE,
    SECTION_TITLES,
    SECTIONS,
    BriefingParameters,
)
from desktop.context import AppContext
from desktop.dialogs.board_options import BoardOptions, PreparerField
from desktop.dialogs.briefing_build import PROGRESS_STEPS, PackBuild
from desktop.dialogs.briefing_edition import EditionBox
from desktop.pack_files import output_problem, packs_folder, slug, unique_path
from desktop.services import periods
from desktop.tasks import TaskHandle, run_task
from desktop.widgets import file_dialogs

PREVIEW_DELAY_MS = 250  # classification preview: wait for the user to stop clicking
CUSTOM_PERIOD = "custom"
PERIODS: tuple[tuple[str, str], ...] = (*periods.PRESETS, (CUSTOM_PERIOD, "Custom dates"))
BODY_SECTIONS = tuple(s for s in SECTIONS if s not in ("cover", "contents"))
KIND_WORDS = {kind.value: (info.noun, info.plural) for kind, info in KINDS.items()}


def qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def pydate(day: QDate) -> dt.date:
    return dt.date(day.year(), day.month(), day.day())


def describe_exclusions(counts: dict[str, int]) -> str:
    """ "4 stakeholders, 3 partnerships and 9 events" (kinds with none left out are not named)."""
    parts = []
    for kind, (one, many) in KIND_WORDS.items():
        n = int(counts.get(kind, 0))
        if n:
            parts.append(f"{n} {one if n == 1 else many}")
    if not parts:
        return ""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


# --------------------------------------------------------------------------- the preview


@dataclass
class Classified:
    """The live classification preview: what the pack will be marked, what it leaves out."""

    banner_level: str
    excluded_counts: dict[str, int] = field(default_factory=dict)

    @property
    def excluded_total(self) -> int:
        return sum(self.excluded_counts.values())


# --------------------------------------------------------------------------- the dialog


class BriefingDialog(QDialog):
    built = Signal(object)  # BriefingResult, after the file is written and recorded
    classification_ready = Signal(object)  # Classified (or None after an error)

    def __init__(
        self,
        context: AppContext,
        parent: QWidget | None = None,
        *,
        initial: BriefingParameters | None = None,
        output: str | os.PathLike[str] | None = None,
        today: dt.date | None = None,
    ):
        super().__init__(parent)
        self.setObjectName("briefing_dialog")
        self.context = context
        # An invariant pack is rebuilt as of its own day (see regeneration_parameters).
        same_day = initial.today if initial is not None and initial.invariant else None
        self.today = today or same_day or dt.date.today()
        self.regenerating = initial is not None
        self.setWindowTitle("Regenerate briefing pack" if initial else "New briefing pack")
        self._marking_prefix = (
            initial.marking_prefix if initial else context.settings.marking_prefix
        )
        self._invariant = bool(initial.invariant) if initial else False
        # A rebuild keeps the bands its pack was made with; a new pack takes the register's.
        self._bands = initial.bands if initial else None
        self._since_touched = False
        self._default_since: periods.Since | None = None  # as last worked out
        self._output_touched = False
        self._loading = True
        self._preview_seq = 0
        self._preview_handle: TaskHandle | None = None
        self.classification: Classified | None = None
        self.classification_pending = False
        self.pack_build = PackBuild(context, self)
        self._missing_refs: list[str] = []
        self._build_error = ""

        with context.register.session() as session:
            self._partnerships = bq.partnership_choices(session)

        self._build_ui()
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self.refresh_classification)
        self._connect()
        self._load(initial, output)
        self._loading = False
        self.validate()
        self.refresh_classification()

    # ------------------------------------------------------------------ layout

    def _build_ui(self) -> None:
        outer = QVBoxLayout(self)
        outer.setSpacing(10)

        heading = QLabel(
            "Regenerate a briefing pack" if self.regenerating else "New briefing pack", self
        )
        font = QFont(heading.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        heading.setFont(font)
        outer.addWidget(heading)
        intro = QLabel(
            "The same parameters as the pack it replaces; change anything before building."
            if self.regenerating
            else "Choose what the pack covers and the highest classification it may carry. "
            "Records above the ceiling are left out before anything is laid out.",
            self,
        )
        intro.setWordWrap(True)
        outer.addWidget(intro)

        self.form_area = QWidget(self)
        columns = QHBoxLayout(self.form_area)
        columns.setContentsMargins(0, 0, 0, 0)
        columns.setSpacing(18)
        outer.addWidget(self.form_area, 1)

        # left: the request ------------------------------------------------
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setVerticalSpacing(7)
        left = QWidget(self.form_area)
        left_box = QVBoxLayout(left)
        left_box.setContentsMargins(0, 0, 0, 0)
        left_box.addLayout(form)
        left_box.addStretch(1)
        columns.addWidget(left, 3)

        self.title_edit = QLineEdit(self)
        self.title_edit.setObjectName("title_edit")
        self.title_edit.setMaxLength(300)
        self.title_edit.setAccessibleName("Title")
        form.addRow(self._caption("&Title:", self.title_edit), self.title_edit)

        self.audience_edit = QLineEdit(self)
        self.audience_edit.setObjectName("audience_edit")
        self.audience_edit.setMaxLength(300)
        self.audience_edit.setPlaceholderText("e.g. Board of directors")
        self.audience_edit.setAccessibleName("Audience")
        form.addRow(self._caption("A&udience:", self.audience_edit), self.audience_edit)

        self.period_combo = QComboBox(self)
        self.period_combo.setObjectName("period_combo")
        self.period_combo.setAccessibleName("Period")
        for key, text in PERIODS:
            self.period_combo.addItem(text, key)
        form.addRow(self._caption("&Period:", self.period_combo), self.period_combo)

        self.from_edit = self._date_edit("from_edit", "Period from")
        self.to_edit = self._date_edit("to_edit", "Period to")
        dates = QHBoxLayout()
        dates.setContentsMargins(0, 0, 0, 0)
        dates.setSpacing(8)
        dates.addWidget(self.from_edit, 1)
        to_label = QLabel("&to", self)
        to_label.setBuddy(self.to_edit)
        dates.addWidget(to_label)
        dates.addWidget(self.to_edit, 1)
        form.addRow(self._caption("&From:", self.from_edit), dates)

        self.since_edit = self._date_edit("since_edit", "What changed since")
        self.since_default_button = QToolButton(self)
        self.since_default_button.setText("Default")
        self.since_default_button.setToolTip(
            "Count from the previous pack's date, else the period start"
        )
        since_row = QHBoxLayout()
        since_row.setContentsMargins(0, 0, 0, 0)
        since_row.addWidget(self.since_edit, 1)
        since_row.addWidget(self.since_default_button)
        form.addRow(self._caption("Changes &since:", self.since_edit), since_row)
        self.since_note = self._note()
        form.addRow("", self.since_note)

        self.ceiling_combo = QComboBox(self)
        self.ceiling_combo.setObjectName("ceiling_combo")
        self.ceiling_combo.setAccessibleName("Ceiling")
        for level in LEVELS:
            self.ceiling_combo.addItem(f"{level.value} {portion_mark(level)}", level.value)
        self.ceiling_combo.setToolTip("The highest classification the pack may contain")
        form.addRow(self._caption("&Ceiling:", self.ceiling_combo), self.ceiling_combo)

        self.paper_combo = QComboBox(self)
        self.paper_combo.setObjectName("paper_combo")
        self.paper_combo.setAccessibleName("Paper size")
        self.paper_combo.addItem("A4", "a4")
        self.paper_combo.addItem("Letter", "letter")
        form.addRow(self._caption("Pap&er:", self.paper_combo), self.paper_combo)

        self.output_edit = QLineEdit(self)
        self.output_edit.setObjectName("output_edit")
        self.output_edit.setAccessibleName("Save the pack as")
        self.browse_button = QPushButton("C&hoose...", self)
        self.browse_button.setAutoDefault(False)
        output_row = QHBoxLayout()
        output_row.setContentsMargins(0, 0, 0, 0)
        output_row.addWidget(self.output_edit, 1)
        output_row.addWidget(self.browse_button)
        form.addRow(self._caption("Save &as:", self.output_edit), output_row)
        self.output_note = self._note()
        form.addRow("", self.output_note)

        # right: scope and sections -------------------------------------
        right = QVBoxLayout()
        right.setSpacing(8)
        columns.addLayout(right, 2)
        scope_box = QGroupBox("Partnerships", self)
        scope_layout = QVBoxLayout(scope_box)
        self.partnership_list = QListWidget(self)
        self.partnership_list.setObjectName("partnership_list")
        self.partnership_list.setAccessibleName("Partnerships the pack covers")
        for choice in self._partnerships:
            item = QListWidgetItem(
                f"{choice.ref}  {choice.name}  {portion_mark(choice.classification)}"
            )
            item.setData(Qt.ItemDataRole.UserRole, choice.ref)
            item.setData(Qt.ItemDataRole.UserRole + 1, choice.classification)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.partnership_list.addItem(item)
        self.partnership_list.setMinimumHeight(110)
        scope_layout.addWidget(self.partnership_list, 1)
        self.scope_note = self._note()
        scope_layout.addWidget(self.scope_note)
        right.addWidget(scope_box, 1)

        sections_box = QGroupBox("Sections", self)
        grid = QGridLayout(sections_box)
        grid.setVerticalSpacing(3)
        self.section_checks: dict[str, QCheckBox] = {}
        half = (len(SECTIONS) + 1) // 2
        for i, name in enumerate(SECTIONS):
            box = QCheckBox(SECTION_TITLES[name], self)
            box.setObjectName(f"section_{name}")
            box.setChecked(True)
            self.section_checks[name] = box
            grid.addWidget(box, i % half, i // half)
        right.addWidget(sections_box)
        self.edition_box = EditionBox(self)
        form.addRow(self.edition_box)  # under the request, where the left column has room
        self.board_options = BoardOptions(self)
        right.addWidget(self.board_options)
        self.preparer = PreparerField(self.context.settings, self)
        right.addWidget(self.preparer)

        # classification preview -------------------------------------------
        marking = QFrame(self)
        marking.setObjectName("marking_frame")
        marking.setFrameShape(QFrame.Shape.StyledPanel)
        mark_layout = QHBoxLayout(marking)
        mark_layout.setContentsMargins(10, 8, 10, 8)
        mark_layout.setSpacing(14)
        caption = QLabel("The pack will be marked", self)
        mark_layout.addWidget(caption)
        self.banner_label = QLabel(self)
        self.banner_label.setObjectName("banner_label")
        self.banner_label.setAccessibleName("Banner the pack will carry")
        self.banner_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.banner_label.setMinimumWidth(200)
        self.banner_label.setTextFormat(Qt.TextFormat.PlainText)
        bold = QFont(self.banner_label.font())
        bold.setBold(True)
        self.banner_label.setFont(bold)
        mark_layout.addWidget(self.banner_label)
        self.exclusion_label = QLabel(self)
        self.exclusion_label.setObjectName("exclusion_label")
        self.exclusion_label.setWordWrap(True)
        self.exclusion_label.setTextFormat(Qt.TextFormat.PlainText)
        self.exclusion_label.setSizePolicy(
            QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred
        )
        mark_layout.addWidget(self.exclusion_label, 1)
        outer.addWidget(marking)

        self.error_label = QLabel(self)
        self.error_label.setObjectName("error_label")
        self.error_label.setWordWrap(True)
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setStyleSheet("color: #b3261e;")
        outer.addWidget(self.error_label)

        bottom = QHBoxLayout()
        self.progress_bar = QProgressBar(self)
        self.progress_bar.setObjectName("build_progress")
        self.progress_bar.setRange(0, PROGRESS_STEPS)
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setVisible(False)
        self.status_label = QLabel(self)
        self.status_label.setObjectName("status_label")
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        bottom.addWidget(self.status_label, 1)
        bottom.addWidget(self.progress_bar, 1)
        self.build_button = QPushButton("&Build", self)
        self.build_button.setObjectName("build_button")
        self.build_button.setDefault(True)
        self.build_button.setToolTip("Build the pack (Ctrl+Return)")
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("cancel_button")
        self.cancel_button.setAutoDefault(False)
        bottom.addWidget(self.build_button)
        bottom.addWidget(self.cancel_button)
        outer.addLayout(bottom)
        self.resize(max(900, self.sizeHint().width()), max(640, self.sizeHint().height()))

    def _caption(self, text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text, self)
        label.setBuddy(buddy)
        return label

    def _note(self) -> QLabel:
        label = QLabel(self)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setStyleSheet("color: palette(placeholder-text);")
        return label

    def _date_edit(self, name: str, accessible: str) -> QDateEdit:
        edit = QDateEdit(self)
        edit.setObjectName(name)
        edit.setAccessibleName(accessible)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setDateRange(QDate(1900, 1, 1), QDate(2999, 12, 31))
        return edit

    def _connect(self) -> None:
        self.title_edit.textChanged.connect(self._title_changed)
        self.audience_edit.textChanged.connect(self._changed)
        self.period_combo.currentIndexChanged.connect(self._period_chosen)
        self.from_edit.dateChanged.connect(self._dates_edited)
        self.to_edit.dateChanged.connect(self._dates_edited)
        self.since_edit.dateChanged.connect(self._since_edited)
        self.since_default_button.clicked.connect(self.reset_since)
        self.ceiling_combo.currentIndexChanged.connect(self._scope_changed)
        self.partnership_list.itemChanged.connect(self._scope_changed)
        self.edition_box.changed.connect(self._edition_changed)
        for box in self.section_checks.values():
            box.toggled.connect(self._changed)
        self.paper_combo.currentIndexChanged.connect(self._changed)
        self.output_edit.textEdited.connect(self._output_edited)
        self.browse_button.clicked.connect(self.choose_output)
        self.build_button.clicked.connect(self.start_build)
        self.cancel_button.clicked.connect(self.reject)
        self.pack_build.progressed.connect(self._progressed)
        self.pack_build.built.connect(self._built)
        self.pack_build.cancelled.connect(self._build_cancelled)
        self.pack_build.failed.connect(self._build_failed)
        self.pack_build.finished.connect(self._build_ended)
        for key in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.activated.connect(self.start_build)

    # ------------------------------------------------------------------ loading

    def _load(
        self, initial: BriefingParameters | None, output: str | os.PathLike[str] | None
    ) -> None:
        settings = self.context.settings
        if initial is None:
            self.title_edit.setText(DEFAULT_TITLE)
            self.period_combo.setCurrentIndex(self.period_combo.findData(periods.DEFAULT_PRESET))
            start, end = periods.default_period(self.today)
            self.from_edit.setDate(qdate(start))
            self.to_edit.setDate(qdate(end))
            self._select_ceiling(settings.default_ceiling)
            self.reset_since()
        else:
            self.title_edit.setText(initial.title or DEFAULT_TITLE)
            self.audience_edit.setText(initial.audience or "")
            self.period_combo.setCurrentIndex(self.period_combo.findData(CUSTOM_PERIOD))
            start = initial.date_from or periods.default_period(self.today)[0]
            end = initial.date_to or self.today
            self.from_edit.setDate(qdate(start))
            self.to_edit.setDate(qdate(end))
            self._select_ceiling(parse_level(initial.ceiling))
            wanted = {r.strip().upper() for r in initial.partnership_refs}
            for i in range(self.partnership_list.count()):
                item = self.partnership_list.item(i)
                if str(item.data(Qt.ItemDataRole.UserRole)).upper() in wanted:
                    item.setCheckState(Qt.CheckState.Checked)
            known = {c.ref.upper() for c in self._partnerships}
            self._missing_refs = sorted(wanted - known)
            for name, box in self.section_checks.items():
                box.setChecked(name in set(initial.sections))
            self.paper_combo.setCurrentIndex(
                max(0, self.paper_combo.findData((initial.paper or "a4").lower()))
            )
            self.board_options.load(initial)
            if initial.since is not None:
                self.since_edit.setDate(qdate(initial.since))
                self._since_touched = True
            else:
                self.reset_since()
        self.edition_box.load(initial)
        self.build_button.setText("&Issue" if self.edition_box.issue else "&Build")
        if output:
            self.output_edit.setText(str(output))
            self._output_touched = True
        else:
            self.output_edit.setText(str(self.default_output()))
        self._update_since_note()
        self._update_scope_note()

    def _select_ceiling(self, level: Classification) -> None:
        self.ceiling_combo.setCurrentIndex(max(0, self.ceiling_combo.findData(level.value)))

    def default_output(self) -> Path:
        name = f"{slug(self.title_edit.text() or DEFAULT_TITLE)}-{pydate(self.to_edit.date()):%Y-%m-%d}.pdf"
        return unique_path(packs_folder(self.context.settings) / name)

    # ------------------------------------------------------------------ reacting

    def _changed(self, *_args: object) -> None:
        if not self._loading:
            self._build_error = ""
            self.validate()

    def _title_changed(self, _text: str) -> None:
        if not self._loading and not self._output_touched:
            self.output_edit.setText(str(self.default_output()))
        self._changed()

    def _output_edited(self, _text: str) -> None:
        self._output_touched = True
        self._changed()

    def _period_chosen(self, _index: int) -> None:
        key = self.period_combo.currentData()
        if key != CUSTOM_PERIOD and not self._loading:
            start, end = periods.preset_dates(str(key), self.today)
            for edit, day in ((self.from_edit, start), (self.to_edit, end)):
                edit.blockSignals(True)
                edit.setDate(qdate(day))
                edit.blockSignals(False)
            self._period_moved()

    def _dates_edited(self, _date: QDate) -> None:
        if self._loading:
            return
        custom = self.period_combo.findData(CUSTOM_PERIOD)
        if self.period_combo.currentIndex() != custom:
            self.period_combo.blockSignals(True)
            self.period_combo.setCurrentIndex(custom)
            self.period_combo.blockSignals(False)
        self._period_moved()

    def _period_moved(self) -> None:
        if not self._since_touched:
            self.reset_since()
        if not self._output_touched:
            self.output_edit.setText(str(self.default_output()))
        self._scope_changed()

    def _since_edited(self, _date: QDate) -> None:
        if not self._loading:
            self._since_touched = True
        self._update_since_note()
        self._changed()

    def default_since(self) -> periods.Since:
        """The previous pack's date, else the start of the period: asked of the pack's
        own rule (``desktop.briefing.data.default_since``), so the date shown is the
        one the pack will count from."""
        params = self._parameters()
        try:
            with self.context.register.session() as session:
                return pack_data.default_since(
                    session, params, generated_at=generation_time(params)
                )
        except RegisterError:  # a partnership gone meanwhile: the build will say so
            return periods.default_since(
                pydate(self.from_edit.date()), pydate(self.to_edit.date()), None
            )

    def reset_since(self) -> None:
        """Back to the default "since"."""
        self._default_since = self.default_since()
        self.since_edit.blockSignals(True)
        self.since_edit.setDate(qdate(self._default_since.day))
        self.since_edit.blockSignals(False)
        self._since_touched = False
        self._update_since_note()
        self._changed()

    def _update_since_note(self) -> None:
        if self._since_touched:
            text = "As chosen."
        elif (default := self._default_since or self.default_since()).from_previous_pack:
            text = f"The previous pack's date ({default.day.isoformat()}), the last one issued."
        else:
            text = "The start of the period (no issued pack of this scope to compare with)."
        self.since_note.setText(f"What changed is counted from here. {text}")
        self.since_default_button.setEnabled(self._since_touched)

    def _scope_changed(self, *_args: object) -> None:
        self._update_scope_note()  # first: it unticks partnerships above the ceiling
        if not self._loading and not self._since_touched:
            self.reset_since()  # the previous pack depends on the ceiling and the scope
        self._changed()
        if not self._loading:
            self.classification_pending = True
            self._show_checking()
            self._preview_timer.start()

    def _edition_changed(self) -> None:
        """Issued or draft names the button; the note's level may change the banner."""
        self.build_button.setText("&Issue" if self.edition_box.issue else "&Build")
        self._changed()
        if not self._loading:
            self.classification_pending = True
            self._show_checking()
            self._preview_timer.start()

    def _update_scope_note(self) -> None:
        ceiling = self.ceiling()
        for i in range(self.partnership_list.count()):
            item = self.partnership_list.item(i)
            level = str(item.data(Qt.ItemDataRole.UserRole + 1))
            # A partnership above the ceiling is unknown to the pack: not listed, not
            # kept ticked (the builder refuses it like a ref that does not exist).
            is_above = rank(level) > rank(ceiling)
            if is_above and item.checkState() == Qt.CheckState.Checked:
                item.setCheckState(Qt.CheckState.Unchecked)
            item.setHidden(is_above)
            item.setToolTip(level)
        refs = self.partnership_refs()
        if not refs:
            text = "None ticked: the pack covers the whole register."
        else:
            text = f"The pack covers {len(refs)} partnership{'s' if len(refs) != 1 else ''} and what links to them."
        if self._missing_refs:
            text += f" No longer in the register: {', '.join(self._missing_refs)}."
        self.scope_note.setText(text)

    # ------------------------------------------------------------------ the request

    def ceiling(self) -> Classification:
        return parse_level(self.ceiling_combo.currentData() or Classification.UNCLASSIFIED)

    def partnership_refs(self) -> list[str]:
        refs = []
        for i in range(self.partnership_list.count()):
            item = self.partnership_list.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                refs.append(str(item.data(Qt.ItemDataRole.UserRole)))
        return refs

    def sections(self) -> tuple[str, ...]:
        return tuple(name for name in SECTIONS if self.section_checks[name].isChecked())

    def output_path(self) -> Path | None:
        text = self.output_edit.text().strip()
        if not text:
            return None
        path = Path(os.path.expanduser(text))
        if path.suffix.lower() != ".pdf" and not path.is_dir():
            path = path.with_name(path.name + ".pdf")
        return path

    def parameters(self) -> BriefingParameters:
        """The request as the builder takes it (dates explicit; "since" only if chosen)."""
        return self.edition_box.apply(self._parameters())

    def _parameters(self) -> BriefingParameters:
        return BriefingParameters(
            title=self.title_edit.text().strip(),
            audience=self.audience_edit.text().strip() or None,
            date_from=pydate(self.from_edit.date()),
            date_to=pydate(self.to_edit.date()),
            since=pydate(self.since_edit.date()) if self._since_touched else None,
            ceiling=self.ceiling(),
            partnership_refs=self.partnership_refs(),
            sections=self.sections(),
            paper=str(self.paper_combo.currentData() or "a4"),
            marking_prefix=self._marking_prefix,
            invariant=self._invariant,
            today=self.today,
            bands=self._bands,
            max_rows=self.board_options.max_rows,
            attach_event_log=self.board_options.attach_event_log,
        )

    def problems(self) -> list[str]:
        """What stops the pack being built, in the user's words (empty: ready)."""
        out = []
        if not self.title_edit.text().strip():
            out.append("Give the pack a title.")
        start, end = pydate(self.from_edit.date()), pydate(self.to_edit.date())
        if start > end:
            out.append(
                f"The period starts ({start.isoformat()}) after it ends ({end.isoformat()})."
            )
        if pydate(self.since_edit.date()) > end:
            out.append('"Changes since" must be on or before the end of the period.')
        if not any(self.section_checks[s].isChecked() for s in BODY_SECTIONS):
            out.append("Choose at least one section besides the cover and contents.")
        if self._missing_refs:
            out.append(
                f"Untick or replace the partnerships no longer in the register: {', '.join(self._missing_refs)}."
            )
        problem = output_problem(self.output_path())
        if problem:
            out.append(problem)
        return out

    def validate(self) -> bool:
        problems = self.problems()
        shown = problems or ([self._build_error] if self._build_error else [])
        self.error_label.setText("\n".join(shown))
        self.error_label.setVisible(bool(shown))
        path = self.output_path()
        if path is not None and path.is_file() and not problems:
            self.output_note.setText(f"{path.name} exists and will be replaced.")
        elif path is not None and not path.parent.exists():
            self.output_note.setText(f"The folder {path.parent} will be created.")
        else:
            self.output_note.setText("")
        ok = not problems and not self.building
        self.build_button.setEnabled(ok)
        return not problems

    # ------------------------------------------------------------------ classification preview

    def _show_checking(self) -> None:
        self.exclusion_label.setText("Checking what the ceiling leaves out...")

    def refresh_classification(self) -> None:
        """Ask, off the GUI thread, what the pack would be marked and leave out."""
        self._preview_timer.stop()
        self._preview_seq += 1
        seq = self._preview_seq
        try:
            params = self.parameters()
            params.resolved()
        except ValueError as exc:
            self.classification_pending = False
            self.exclusion_label.setText(f"Cannot tell yet: {exc}")
            return
        params.since = None  # not needed for the marking; keeps the preview cheap and valid
        register = self.context.register
        self.classification_pending = True
        self._show_checking()
        handle = run_task(
            lambda _p: preview_classification(register, params), title="classification"
        )
        handle.setProperty("preview_seq", seq)
        # Bound methods: the connection goes with the dialog if it closes before the answer.
        handle.succeeded.connect(self._classified)
        handle.failed.connect(self._classify_failed)
        self._preview_handle = handle

    def _is_latest_answer(self) -> bool:
        sender = self.sender()
        return sender is not None and sender.property("preview_seq") == self._preview_seq

    def _classified(self, value: tuple[str, dict[str, int]]) -> None:
        if not self._is_latest_answer():
            return  # an older answer; a newer question is on its way
        level, counts = value
        self.classification = Classified(level, dict(counts))
        self.classification_pending = False
        self._show_classification()
        self.classification_ready.emit(self.classification)

    def _classify_failed(self, message: str) -> None:
        if not self._is_latest_answer():
            return
        self.classification = None
        self.classification_pending = False
        self.exclusion_label.setText(f"Cannot tell what the pack will be marked: {message}")
        self.classification_ready.emit(None)

    def banner(self) -> str:
        """The banner text the pack will carry (blank until known)."""
        if self.classification is None:
            return ""
        return banner_text(self.classification.banner_level, self._marking_prefix)

    def _show_classification(self) -> None:
        c = self.classification
        if c is None:
            return
        fill = banner_colour(c.banner_level)
        ink = BANNER_TEXT_COLOURS.get(c.banner_level, "#ffffff")
        self.banner_label.setText(self.banner())
        self.banner_label.setStyleSheet(
            f"background: {fill}; color: {ink}; padding: 5px 14px; border-radius: 3px;"
        )
        ceiling = self.ceiling().value
        left_out = describe_exclusions(c.excluded_counts)
        if left_out:
            n = c.excluded_total
            self.exclusion_label.setText(
                f"The {ceiling} ceiling leaves out {n} record{'s' if n != 1 else ''}: {left_out}."
            )
        else:
            self.exclusion_label.setText(f"Nothing in scope is above the {ceiling} ceiling.")
        self.banner_label.setToolTip(
            "The highest classification actually included (never the ceiling itself), "
            "printed at the top and bottom of every page."
        )

    # ------------------------------------------------------------------ output file

    def choose_output(self) -> None:
        current = self.output_path() or self.default_output()
        folder = current.parent if current.parent.is_dir() else Path.home()
        path, _ = file_dialogs.get_save_file_name(
            self, "Save the briefing pack as", str(folder / current.name), "PDF files (*.pdf)"
        )
        if path:
            if not path.lower().endswith(".pdf"):
                path += ".pdf"
            self.output_edit.setText(path)
            self._output_touched = True
            self.validate()

    # ------------------------------------------------------------------ building

    @property
    def building(self) -> bool:
        return self.pack_build.running

    @property
    def build_handle(self) -> TaskHandle | None:
        return self.pack_build.handle

    @property
    def built_result(self) -> BriefingResult | None:
        return self.pack_build.result

    def start_build(self) -> TaskHandle | None:
        """Build the pack in the background (does nothing unless the request is valid)."""
        if self.building or not self.validate():
            return None
        path = self.output_path()
        assert path is not None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self.error_label.setText(
                f"The folder {path.parent} cannot be created: {exc.strerror or exc}"
            )
            self.error_label.setVisible(True)
            return None
        self._build_error = ""
        params = self.parameters()
        params.prepared_by = self.preparer.remember()
        handle = self.pack_build.start(params, path)
        self.form_area.setEnabled(False)
        self.build_button.setEnabled(False)
        self.progress_bar.setValue(0)
        self.progress_bar.setVisible(True)
        self.status_label.setText("Starting...")
        self.cancel_button.setToolTip("Stop building; nothing is written")
        self.error_label.setVisible(False)
        return handle

    def cancel_build(self) -> None:
        if self.building:
            self.pack_build.cancel()
            self.status_label.setText("Cancelling...")
            self.cancel_button.setEnabled(False)

    def _progressed(self, done: int, total: int, text: str) -> None:
        if total > 0:
            self.progress_bar.setValue(min(done, total) * PROGRESS_STEPS // total)
        if text:
            self.status_label.setText(text)

    def _built(self, result: BriefingResult) -> None:
        self.status_label.setText(
            f"Built {result.path.name}: {result.page_count} pages in "
            f"{self.pack_build.seconds:.1f} s."
        )
        self.built.emit(result)
        self.accept()

    def _build_cancelled(self) -> None:
        self.status_label.setText("Cancelled: no file was written and no pack was recorded.")

    def _build_failed(self, message: str) -> None:
        self.status_label.setText("")
        self._build_error = f"The pack could not be built: {message}"
        self.validate()

    def _build_ended(self) -> None:
        self.form_area.setEnabled(True)
        self.progress_bar.setVisible(False)
        self.cancel_button.setEnabled(True)
        self.cancel_button.setToolTip("")
        self.validate()

    # ------------------------------------------------------------------ closing

    def reject(self) -> None:
        """Cancel (Esc, the Cancel button): stops a running build first, closes when idle."""
        if self.building:
            self.cancel_build()
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.building:
            self.cancel_build()
            self.pack_build.wait(30_000)
        self._preview_timer.stop()
        super().closeEvent(event)


# --------------------------------------------------------------------------- entry points

_OPEN: dict[int, BriefingDialog] = {}


def after_build(context: AppContext, parent: QWidget | None, result: BriefingResult) -> QWidget:
    """A pack was made: show the Briefings list (in the main window) and preview the pack."""
    from desktop.widgets.pdf_preview import open_pdf_preview

    show_page = getattr(parent, "show_page", None)
    if callable(show_page):
        try:
            show_page("Briefings")
        except (ValueError, KeyError):
            pass
    folder = context.settings.get(keys.LAST_BRIEFING_FOLDER)
    return open_pdf_preview(result.path, parent, title="Briefing pack", save_folder=folder)


def open_briefing_dialog(
    context: AppContext,
    parent: QWidget | None = None,
    *,
    initial: BriefingParameters | None = None,
    output: str | os.PathLike[str] | None = None,
) -> BriefingDialog:
    """Show the dialog (one at a time; a second request raises the open one).

    The dialog is not modal: the window stays usable while a pack is built.  When
    the pack is made, the Briefings list is shown and the pack opens in a preview.
    """
    key = id(context)
    existing = _OPEN.get(key)
    if existing is not None:
        try:
            if existing.building or initial is None:
                existing.show()
                existing.raise_()
                existing.activateWindow()
                return existing
            existing.close()
        except RuntimeError:  # already deleted by Qt
            pass
        _OPEN.pop(key, None)
    dialog = BriefingDialog(context, parent, initial=initial, output=output)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    _OPEN[key] = dialog
    dialog.finished.connect(
        lambda _code: _OPEN.pop(key, None) if _OPEN.get(key) is dialog else None
    )
    dialog.built.connect(lambda result: after_build(context, parent, result))
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog
