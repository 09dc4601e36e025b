"""The dashboard: the period at a glance, and a way into every record it mentions.

A period selector (last 7/30/90 days, quarter to date) drives key figures
against the previous period of the same length (events, adverse events, risks by
band, partnerships by status), the latest events, overdue reviews, overdue
treatment actions, risks flagged
"review suggested" with the reason in words, events per week by kind (stacked
bars) and a small sentiment line per partnership.  Click a row, a bar or a line to
open what it stands for.

Everything is computed by ``desktop.services`` on a worker thread, one short
session per refresh; the widgets get plain data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QKeyEvent, QMouseEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from db.enums import (
    SENTIMENT_LABELS,
    EventKind,
    PartnershipStatus,
    RiskStatus,
    label,
    signed_words,
)
from db.kinds import counted
from db.queries.registers import RegisterFilter
from db.scales import DEFAULT_BANDS, Bands
from desktop.briefing.palette import BAND_COLOURS, EVENT_KIND_COLOURS, STANCE_COLOURS
from desktop.context import AppContext
from desktop.services import periods
from desktop.tasks import LatestQuery
from desktop.widgets.charts import SentimentLinesChart, SentimentSeries, WeeklyBarsChart
from desktop.widgets.colours import contrast_ratio
from desktop.widgets.heatmap import blend
from desktop.widgets.wrap_delegate import WrapDelegate

LATEST_EVENTS = 12
WORSE = BAND_COLOURS["critical"]
BETTER = BAND_COLOURS["low"]
KIND_ROLE = Qt.ItemDataRole.UserRole
ID_ROLE = Qt.ItemDataRole.UserRole + 1

# --------------------------------------------------------------------------- plain data


@dataclass
class Figure:
    """One key figure and its value in the previous period."""

    name: str
    value: int
    previous: int | None = None
    colour: str | None = None  # a palette colour to tag the figure with (bands)
    up_is_worse: bool | None = True  # None: neither direction is good or bad
    # Where a click goes: (kind, RegisterFilter of what the figure counts, its words).
    target: tuple[str, RegisterFilter, str] | None = None

    @property
    def delta(self) -> int | None:
        return None if self.previous is None else self.value - self.previous


@dataclass
class RecordLine:
    """A row in one of the lists: which record it opens and what it says."""

    kind: str
    id: int | None
    columns: tuple[str, ...]
    tooltip: str = ""
    colour: str | None = None  # colour of the first column's marker (band, sentiment)


@dataclass
class DashboardData:
    start: dt.date
    end: dt.date
    previous: tuple[dt.date, dt.date]
    event_figures: list[Figure] = field(default_factory=list)
    band_figures: list[Figure] = field(default_factory=list)
    partnership_figures: list[Figure] = field(default_factory=list)
    latest: list[RecordLine] = field(default_factory=list)
    overdue: list[RecordLine] = field(default_factory=list)
    overdue_actions: list[RecordLine] = field(default_factory=list)
    suggested: list[RecordLine] = field(default_factory=list)
    weeks: list[dt.date] = field(default_factory=list)
    week_counts: dict[str, list[int]] = field(default_factory=dict)
    sentiment: list[SentimentSeries] = field(default_factory=list)
    # What drives the adverse events and the outlook (desktop.services.interpret): the
    # sentences the pack's executive summary prints.
    interpretation: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- worker side

SENTIMENT_PARTNERSHIPS = 12  # small lines drawn at most


def _event_line(event: Any) -> RecordLine:
    where = " \u00b7 ".join(x for x in (event.stakeholder_name, event.partnership_name) if x)
    tooltip = f"{event.ref} {event.title}\n{label(event.kind)}, severity {event.severity}, sentiment {event.sentiment:+d}"
    if where:
        tooltip += f"\n{where}"
    return RecordLine(
        kind="event",
        id=int(event.id),
        columns=(
            event.occurred_on.isoformat(),
            event.ref,
            event.title,
            label(event.kind),
            sentiment_words(int(event.sentiment)),
        ),
        tooltip=tooltip + "\nClick to open",
        colour=STANCE_COLOURS.get(int(event.sentiment)),
    )


def load_dashboard(
    register: Any, start: dt.date, end: dt.date, today: dt.date, bands: Bands = DEFAULT_BANDS
) -> DashboardData:
    """Runs on a worker thread: one short read session, plain data out."""
    from db.queries.pick_lists import choice_rows
    from desktop.services import actions, interpret, pressure, summary, timeline

    with register.session() as session:
        late_actions = actions.overdue_actions(session, today=today)
        current, previous = summary.compare_periods(session, start=start, end=end, bands=bands)
        latest = timeline.events_between(session, start=start, end=end, limit=LATEST_EVENTS)
        flagged = pressure.review_suggested(session, today=today, bands=bands)
        buckets = timeline.events_per_week(session, start=start, end=end)
        reading = interpret.interpret(session, start=start, end=end, bands=bands)
        series = []
        for pid, ref, name in choice_rows(session, kind="partnership"):
            trend = timeline.sentiment_trend(session, start=start, end=end, partnership_id=pid)
            values = [p.mean_sentiment for p in trend]
            if any(v is not None for v in values):
                series.append(SentimentSeries(pid, f"{ref} {name}", values))
    data = DashboardData(start=start, end=end, previous=(previous.start, previous.end))
    data.interpretation = interpret.interpretation_sentences(reading)
    period = RegisterFilter(date_from=start, date_to=end)
    when = f"{start:%d %b %Y} \u2013 {end:%d %b %Y}"
    not_closed = tuple(s.value for s in RiskStatus if s != RiskStatus.closed)
    data.event_figures = [
        Figure(
            "Events",
            current.events,
            previous.events,
            up_is_worse=None,
            target=("event", period, f"events of {when}"),
        ),
        Figure(
            "Adverse events",
            current.adverse_events,
            previous.adverse_events,
            up_is_worse=True,
            target=("event", replace(period, adverse=True), f"adverse events of {when}"),
        ),
        Figure(
            "New risks",
            current.new_risks,
            previous.new_risks,
            up_is_worse=True,
            target=(
                "risk",
                RegisterFilter(created_from=start, created_to=end),
                f"risks created {when}",
            ),
        ),
    ]
    data.band_figures = [
        Figure(
            label(band),
            current.residual_by_band.get(band, 0),
            previous.residual_by_band.get(band, 0),
            colour=BAND_COLOURS[band],
            up_is_worse=True if band in ("high", "critical") else None,
            target=(
                "risk",
                RegisterFilter(statuses=not_closed, residual_bands=(band,)),
                f"open risks in the {band} residual band",
            ),
        )
        for band in ("critical", "high", "medium", "low")
    ]
    statuses = [
        s
        for s in PartnershipStatus
        if current.partnerships_by_status.get(s.value)
        or previous.partnerships_by_status.get(s.value)
    ]
    data.partnership_figures = [
        Figure(
            label(s),
            current.partnerships_by_status.get(s.value, 0),
            previous.partnerships_by_status.get(s.value, 0),
            up_is_worse=None,
        )
        for s in statuses
    ]
    data.latest = [_event_line(e) for e in latest]
    overdue = sorted(
        (p for p in flagged if p.overdue_flag), key=lambda p: (-(p.days_overdue or 0), p.ref)
    )
    data.overdue = [
        RecordLine(
            kind="risk",
            id=int(p.risk_id),
            columns=(
                p.ref,
                p.title,
                p.review_due.isoformat() if p.review_due else "",
                counted(p.days_overdue or 0, "day"),
            ),
            tooltip=f"{p.ref} {p.title}\nResidual {p.residual_score} ({p.residual_band})\nClick to open",
            colour=BAND_COLOURS.get(p.residual_band),
        )
        for p in overdue
    ]
    data.overdue_actions = [
        RecordLine(
            kind="action",
            id=a.id,
            columns=(
                a.ref,
                a.title,
                ", ".join(a.risk_refs),
                a.due_on.isoformat() if a.due_on else "",
                counted(a.days_overdue or 0, "day"),
            ),
            tooltip=f"{a.ref} {a.title}\n{a.status_label}"
            + (f", owner {a.owner}" if a.owner else "")
            + "\nClick to open",
        )
        for a in late_actions
    ]
    data.suggested = [
        RecordLine(
            kind="risk",
            id=int(p.risk_id),
            columns=(p.ref, p.title, "; ".join(p.reasons)),
            tooltip=f"{p.ref} {p.title}\nReview suggested: "
            + "; ".join(p.reasons)
            + "\nClick to open",
            colour=BAND_COLOURS.get(p.residual_band),
        )
        # every flagged risk, whatever the reason: an overdue review is a reason too
        # (PRODUCT.md "Pressure"), so it appears here as well as under "Overdue reviews"
        for p in flagged
    ]
    data.weeks = [b.week_start for b in buckets]
    kinds = [k.value for k in EventKind]
    data.week_counts = {k: [b.counts.get(k, 0) for b in buckets] for k in kinds}
    series.sort(key=lambda x: x.name.casefold())
    data.sentiment = series[:SENTIMENT_PARTNERSHIPS]
    return data


def load_week_events(register: Any, week: dt.date, kind: str) -> list[RecordLine]:
    """The events of one week (one kind, or all when ``kind`` is empty), newest first."""
    from desktop.services import timeline

    with register.session() as session:
        items = timeline.events_between(session, start=week, end=week + dt.timedelta(days=6))
    return [_event_line(e) for e in items if not kind or e.kind == kind]


# --------------------------------------------------------------------------- small widgets


class FigureCard(QFrame):
    """A key figure: the number, its name, and the change against the previous period.
    A click (or Enter / Space when focused) asks for the records it counts."""

    clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.value_label = QLabel(self)
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.9)
        font.setBold(True)
        self.value_label.setFont(font)
        self.name_label = QLabel(self)
        self.delta_label = QLabel(self)
        self.delta_label.setTextFormat(Qt.TextFormat.RichText)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(1)
        top = QHBoxLayout()
        self.swatch = QLabel(self)
        self.swatch.setFixedSize(12, 12)
        top.addWidget(self.swatch)
        top.addWidget(self.name_label, 1)
        layout.addLayout(top)
        layout.addWidget(self.value_label)
        layout.addWidget(self.delta_label)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.figure: Figure | None = None
        self.scope = "this period"

    def set_figure(self, figure: Figure, previous_text: str) -> None:
        self.figure = figure
        self.name_label.setText(figure.name)
        self.value_label.setText(f"{figure.value:,}")
        if figure.colour:
            self.swatch.setStyleSheet(f"background:{figure.colour}; border-radius:2px;")
            self.swatch.show()
        else:
            self.swatch.hide()
        delta = figure.delta
        if delta is None:
            self.delta_label.setText("")
        elif delta == 0:
            self.delta_label.setText("= unchanged")
        else:
            arrow = "\u25b2" if delta > 0 else "\u25bc"
            colour = ""
            if figure.up_is_worse is not None:
                worse = (delta > 0) == figure.up_is_worse
                colour = readable_on(QColor(WORSE if worse else BETTER), self.palette()).name()
            text = f"<b>{arrow} {delta:+,}</b>"
            styled = f"<span style='color:{colour}'>{text}</span>" if colour else text
            self.delta_label.setText(f"{styled} (was {figure.previous:,})")
        self.setToolTip(
            f"{figure.name}: {figure.value:,} ({self.scope})"
            + ("" if figure.previous is None else f"; {figure.previous:,} {previous_text}")
        )
        self.setAccessibleName(f"{figure.name} {figure.value}")
        if figure.target is not None:
            self.setToolTip(self.toolTip() + f"\nClick to list the {figure.target[2]}")

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(
            event.position().toPoint()
        ):
            event.accept()
            self.clicked.emit()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            event.accept()
            self.clicked.emit()
            return
        super().keyPressEvent(event)


class RecordList(QTreeWidget):
    """A short list of records; click or Enter opens the record."""

    record_chosen = Signal(str, int)  # kind, id

    def __init__(self, headers: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderLabels(list(headers))
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setMouseTracking(True)
        self.header().setStretchLastSection(False)
        self.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.itemClicked.connect(self._chosen)
        self.itemActivated.connect(self._chosen)
        self.viewport().setCursor(Qt.CursorShape.PointingHandCursor)
        self._empty_text = ""

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        # The first click of the pair opened the record; the pair must not open it again.
        blocked = self.blockSignals(True)
        try:
            super().mouseDoubleClickEvent(event)
        finally:
            self.blockSignals(blocked)

    def set_lines(self, lines: Sequence[RecordLine], empty_text: str, stretch: int = 1) -> None:
        self.clear()
        self._empty_text = empty_text
        for line in lines:
            item = QTreeWidgetItem(list(line.columns))
            item.setData(0, KIND_ROLE, line.kind)
            item.setData(0, ID_ROLE, line.id)
            if line.tooltip:
                for col in range(len(line.columns)):
                    item.setToolTip(col, line.tooltip)
            if line.colour:
                item.setData(0, Qt.ItemDataRole.DecorationRole, QColor(line.colour))
            self.addTopLevelItem(item)
        if not lines:
            item = QTreeWidgetItem([empty_text])
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.addTopLevelItem(item)
        header = self.header()
        for column in range(header.count()):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)

    def _chosen(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        kind = item.data(0, KIND_ROLE)
        record_id = item.data(0, ID_ROLE)
        if kind and record_id is not None:
            self.record_chosen.emit(str(kind), int(record_id))

    def lines(self) -> list[tuple[str, int, list[str]]]:
        out = []
        for i in range(self.topLevelItemCount()):
            item = self.topLevelItem(i)
            if item is None:
                continue
            kind = item.data(0, KIND_ROLE)
            if kind:
                out.append(
                    (
                        kind,
                        int(item.data(0, ID_ROLE)),
                        [item.text(c) for c in range(self.columnCount())],
                    )
                )
        return out


# --------------------------------------------------------------------------- the view


class DashboardView(QWidget):
    """Key figures, latest events, overdue and review-suggested risks, timeline, sentiment."""

    refreshed = Signal()
    week_listed = Signal()  # the events of a clicked week are listed

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self._dirty = True
        self._query = LatestQuery("Dashboard", self)
        self._query.answered.connect(self._apply)
        self._query.failed.connect(self._failed)
        self._weeks = LatestQuery("Events of a week", self)
        self._weeks.answered.connect(self._week_loaded)
        self._data: DashboardData | None = None
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(80)
        self._debounce.timeout.connect(self.refresh)

        self.period = QComboBox(self)
        for key, text in periods.PRESETS:
            self.period.addItem(text, key)
        self.period.setCurrentIndex(self.period.findData(periods.DEFAULT_PRESET))
        self.period.currentIndexChanged.connect(self.refresh)
        self.period_label = QLabel(self)
        self.status_label = QLabel(self)

        head = QHBoxLayout()
        title = QLabel("<h2 style='margin:0'>Dashboard</h2>", self)
        head.addWidget(title)
        head.addSpacing(16)
        head.addWidget(QLabel("Period:", self))
        head.addWidget(self.period)
        head.addWidget(self.period_label)
        head.addStretch(1)
        head.addWidget(self.status_label)

        self.event_cards = [FigureCard(self) for _ in range(3)]
        self.band_cards = [FigureCard(self) for _ in range(4)]
        self.partnership_box = QGroupBox("Partnerships by status", self)
        self.partnership_grid = QGridLayout(self.partnership_box)
        self.partnership_grid.setContentsMargins(8, 4, 8, 4)
        self.partnership_labels: list[QLabel] = []

        figures = QGridLayout()
        events_box = QGroupBox("Events", self)
        eb = QHBoxLayout(events_box)
        eb.setContentsMargins(6, 4, 6, 4)
        for card in self.event_cards:
            eb.addWidget(card)
        bands_box = QGroupBox("Open risks by residual band", self)
        bb = QHBoxLayout(bands_box)
        bb.setContentsMargins(6, 4, 6, 4)
        for card in self.band_cards:
            bb.addWidget(card)
        figures.addWidget(events_box, 0, 0)
        figures.addWidget(bands_box, 0, 1)
        figures.setColumnStretch(0, 3)
        figures.setColumnStretch(1, 4)

        self.latest = RecordList(("Date", "Ref", "Title", "Kind", "Sentiment"), self)
        self.overdue = RecordList(("Ref", "Title", "Review due", "Overdue"), self)
        self.suggested = RecordList(("Ref", "Title", "Why"), self)
        # The reason is the point of this list: read whole, on one line where there is
        # room, else wrapped; the title gives way (its tooltip has it in full).
        self.suggested_why = WrapDelegate(self.suggested, column=2, flexible=1, flexible_min=120)
        self.overdue_actions = RecordList(("Ref", "Title", "Risks", "Due", "Overdue"), self)
        self.latest_box = QGroupBox("Latest events", self)
        for box, widget in ((self.latest_box, self.latest),):
            QVBoxLayout(box).addWidget(widget)
        overdue_box = QGroupBox("Overdue reviews", self)
        QVBoxLayout(overdue_box).addWidget(self.overdue)
        actions_box = QGroupBox("Overdue actions", self)
        QVBoxLayout(actions_box).addWidget(self.overdue_actions)
        suggested_box = QGroupBox("Review suggested", self)
        QVBoxLayout(suggested_box).addWidget(self.suggested)
        lists = QHBoxLayout()
        lists.addWidget(self.latest_box, 5)
        right = QVBoxLayout()
        right.addWidget(overdue_box)
        right.addWidget(actions_box)
        right.addWidget(suggested_box)
        lists.addLayout(right, 4)

        self.timeline = WeeklyBarsChart(self)
        self.timeline.segment_clicked.connect(self._week_clicked)
        self.sentiment = SentimentLinesChart(self)
        self.sentiment.series_clicked.connect(lambda pid: self._open("partnership", pid))
        timeline_box = QGroupBox("Events per week by kind (click a bar to list its events)", self)
        QVBoxLayout(timeline_box).addWidget(self.timeline)
        sentiment_box = QGroupBox(
            "Sentiment per partnership (weekly average, \u22122 hostile .. +2 champion)", self
        )
        QVBoxLayout(sentiment_box).addWidget(self.sentiment)
        charts = QHBoxLayout()
        charts.addWidget(timeline_box, 5)
        charts.addWidget(sentiment_box, 4)

        for lst in (self.latest, self.overdue, self.overdue_actions, self.suggested):
            lst.record_chosen.connect(self._open)
        for card in self.event_cards + self.band_cards:
            card.clicked.connect(lambda c=card: self._figure_clicked(c))

        body = QWidget(self)
        body_layout = QVBoxLayout(body)
        body_layout.addLayout(head)
        body_layout.addLayout(figures)
        reading_box = QGroupBox("What is driving it, and the outlook", self)
        self.reading_label = QLabel(self)
        self.reading_label.setObjectName("reading_label")
        self.reading_label.setWordWrap(True)
        self.reading_label.setTextFormat(Qt.TextFormat.PlainText)
        QVBoxLayout(reading_box).addWidget(self.reading_label)
        # The partnership counts sit beside the reading, not in the figures row: that row
        # with them would not fit a 1,024 px window.
        reading_row = QHBoxLayout()
        reading_row.addWidget(reading_box, 1)
        reading_row.addWidget(self.partnership_box)
        body_layout.addLayout(reading_row)
        body_layout.addLayout(lists, 3)
        body_layout.addLayout(charts, 3)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

        context.data_changed.connect(self._on_data_changed)
        context.register_changed.connect(self._on_data_changed)

    # ------------------------------------------------------------------ loading

    def today(self) -> dt.date:
        return dt.date.today()

    def bands(self) -> Bands:
        return self.context.bands

    def period_key(self) -> str:
        return str(self.period.currentData())

    def _on_data_changed(self) -> None:
        if self.isVisible():
            self._debounce.start()
        else:
            self._dirty = True

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        if self._dirty:
            self.refresh()

    def refresh(self) -> None:
        self._debounce.stop()
        self._dirty = False
        self._weeks.supersede()  # a week's list would belong to the figures replaced
        register = self.context.register
        start, end = periods.preset_dates(self.period_key(), self.today())
        today = self.today()
        self.status_label.setText("Loading\u2026")
        bands = self.bands()
        self._query.run(lambda: load_dashboard(register, start, end, today, bands))

    def _failed(self, message: str) -> None:
        self.status_label.setText(f"Could not load the dashboard: {message}")

    def _apply(self, data: DashboardData) -> None:
        self._data = data
        p_start, p_end = data.previous
        self.period_label.setText(
            f"{data.start:%d %b %Y} \u2013 {data.end:%d %b %Y}, against {p_start:%d %b} \u2013 {p_end:%d %b %Y}"
        )
        for card, figure in zip(self.event_cards, data.event_figures, strict=False):
            card.scope = "in this period"
            card.set_figure(figure, "in the previous period")
        for card, figure in zip(self.band_cards, data.band_figures, strict=False):
            card.scope = "open risks now"
            card.set_figure(figure, "at the end of the previous period")
        self._fill_partnerships(data.partnership_figures)
        self.reading_label.setText("\n".join(f"\u2022 {line}" for line in data.interpretation))
        self.latest_box.setTitle("Latest events")
        self.latest.set_lines(data.latest, "No events in this period", stretch=2)
        self.overdue.set_lines(data.overdue, "No review is overdue", stretch=1)
        self.overdue_actions.set_lines(data.overdue_actions, "No action is overdue", stretch=1)
        self.suggested.set_lines(data.suggested, "No risk is flagged", stretch=1)
        self.suggested_why.fit()
        self.timeline.set_data(data.weeks, data.week_counts, EVENT_KIND_COLOURS)
        self.sentiment.set_data(data.weeks, data.sentiment, STANCE_COLOURS)
        self.status_label.setText("")
        self.refreshed.emit()

    def _fill_partnerships(self, figures: Sequence[Figure]) -> None:
        for widget in self.partnership_labels:
            self.partnership_grid.removeWidget(widget)
            widget.deleteLater()
        self.partnership_labels = []
        for row, figure in enumerate(figures):
            name = QLabel(figure.name, self.partnership_box)
            value = QLabel(f"<b>{figure.value}</b>", self.partnership_box)
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            delta = figure.delta
            change = QLabel("" if not delta else f"{delta:+d}", self.partnership_box)
            change.setToolTip("change since the start of the period")
            for col, widget in enumerate((name, value, change)):
                self.partnership_grid.addWidget(widget, row, col)
                self.partnership_labels.append(widget)
        if not figures:
            none = QLabel("No partnerships", self.partnership_box)
            self.partnership_grid.addWidget(none, 0, 0)
            self.partnership_labels.append(none)

    # ------------------------------------------------------------------ clicks

    def _figure_clicked(self, card: FigureCard) -> None:
        if card.figure is not None and card.figure.target is not None:
            self.context.figure_requested.emit(*card.figure.target)

    def _open(self, kind: str, record_id: int) -> None:
        self.context.edit_requested.emit(kind, int(record_id))

    def _week_clicked(self, week: dt.date, kind: str) -> None:
        """List the events of the clicked bar (segment) in place of the latest events."""
        register = self.context.register
        self._weeks.run(lambda: (week, kind, load_week_events(register, week, kind)))

    def _week_loaded(self, result: tuple[dt.date, str, list[RecordLine]]) -> None:
        week, kind, lines = result
        what = label(kind).lower() if kind else "all kinds"
        self.latest_box.setTitle(f"Events in the week of {week:%d %b %Y} ({what})")
        self.latest.set_lines(lines, "No events", stretch=2)
        self.week_listed.emit()


def readable_on(colour: QColor, palette: QPalette) -> QColor:
    """``colour`` moved towards the text colour until it reads on the window (contrast >= 3)."""
    background = palette.color(QPalette.ColorRole.Window)
    ink = palette.color(QPalette.ColorRole.WindowText)
    step = 0.0
    candidate = QColor(colour)
    while contrast_ratio(candidate, background) < 3.0 and step < 1.0:
        step += 0.1
        candidate = blend(colour, ink, step)
    return candidate


def sentiment_words(value: int) -> str:
    return signed_words(value, SENTIMENT_LABELS)
