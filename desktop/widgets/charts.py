"""Small painted charts for the dashboard: weekly stacked bars and sentiment lines.

Both widgets are fed plain data (no sessions, no models) and report clicks as
signals; series colours come from the shared palette module, everything else
(axes, grid, labels) from the widget's ``QPalette`` so they read in light and
dark themes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QHelpEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from db.enums import STANCE_LABELS, label


def _muted(colour: QColor, alpha: float) -> QColor:
    out = QColor(colour)
    out.setAlphaF(alpha)
    return out


def nice_ceiling(value: float) -> int:
    """A round axis maximum at or above ``value`` (1, 2, 5, 10, 20, 50, ...)."""
    if value <= 1:
        return 1
    step = 1
    while True:
        for mult in (1, 2, 5):
            if step * mult >= value:
                return step * mult
        step *= 10


def axis_steps(top: int) -> int:
    """How many grid intervals split ``0..top`` into whole numbers (top from ``nice_ceiling``)."""
    if top <= 5:
        return max(top, 1)
    # 10 -> 5 x 2, 20 -> 4 x 5, 50 -> 5 x 10, 100 -> 5 x 20, 200 -> 4 x 50 ...
    return 4 if str(top).startswith("2") else 5


# --------------------------------------------------------------------------- weekly bars


class WeeklyBarsChart(QWidget):
    """Events per week, stacked by kind.  Click a segment: ``segment_clicked(week, kind)``."""

    segment_clicked = Signal(object, str)  # week start (datetime.date), kind

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._weeks: list[dt.date] = []
        self._kinds: list[str] = []
        self._counts: dict[str, list[int]] = {}
        self._colours: dict[str, QColor] = {}
        self.setMouseTracking(True)
        self.setMinimumHeight(180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("Events per week by kind")

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(520, 220)

    def set_data(
        self,
        weeks: Sequence[dt.date],
        counts: Mapping[str, Sequence[int]],
        colours: Mapping[str, str],
    ) -> None:
        """``counts[kind][i]`` is the number of events of ``kind`` in ``weeks[i]``."""
        self._weeks = list(weeks)
        self._kinds = [k for k in counts if any(counts[k])]
        self._counts = {k: list(counts[k]) for k in self._kinds}
        self._colours = {k: QColor(colours.get(k, "#888888")) for k in counts}
        self.update()

    def totals(self) -> list[int]:
        return [sum(self._counts[k][i] for k in self._kinds) for i in range(len(self._weeks))]

    # geometry ----------------------------------------------------------

    def _legend_layout(self) -> list[tuple[float, float, str]]:
        """(x, y, kind) of each legend entry, wrapped onto as many rows as needed."""
        fm = QFontMetricsF(self.font())
        sw = fm.height() * 0.7
        left = fm.horizontalAdvance("0000") + 10
        x, y = left, 2.0
        out = []
        for kind in self._kinds:
            width = sw + 4 + fm.horizontalAdvance(label(kind)) + 12
            if x + width > self.width() - 4 and x > left:
                x, y = left, y + fm.height() + 2
            out.append((x, y, kind))
            x += width
        return out

    def _legend_height(self) -> float:
        layout = self._legend_layout()
        if not layout:
            return 0.0
        return layout[-1][1] + QFontMetricsF(self.font()).height() * 1.5

    def plot_rect(self) -> QRectF:
        fm = QFontMetricsF(self.font())
        left = fm.horizontalAdvance("0000") + 10
        bottom = fm.height() * 1.6
        top = self._legend_height() + 6
        return QRectF(
            left, top, max(10.0, self.width() - left - 8), max(10.0, self.height() - top - bottom)
        )

    def bar_rect(self, index: int) -> QRectF:
        plot = self.plot_rect()
        n = max(len(self._weeks), 1)
        slot = plot.width() / n
        width = max(2.0, slot * 0.72)
        return QRectF(
            plot.left() + slot * index + (slot - width) / 2, plot.top(), width, plot.height()
        )

    def segment_rects(self, index: int) -> list[tuple[str, QRectF]]:
        plot = self.plot_rect()
        top_value = nice_ceiling(max(self.totals(), default=0))
        bar = self.bar_rect(index)
        y = plot.bottom()
        out: list[tuple[str, QRectF]] = []
        for kind in self._kinds:
            value = self._counts[kind][index]
            if not value:
                continue
            h = plot.height() * value / top_value
            out.append((kind, QRectF(bar.left(), y - h, bar.width(), h)))
            y -= h
        return out

    def hit(self, pos: QPointF) -> tuple[int, str | None] | None:
        for index in range(len(self._weeks)):
            bar = self.bar_rect(index)
            if bar.left() <= pos.x() <= bar.right():
                for kind, rect in self.segment_rects(index):
                    if rect.contains(pos):
                        return index, kind
                return index, None
        return None

    # painting ----------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        ink = pal.color(QPalette.ColorRole.WindowText)
        fm = QFontMetricsF(self.font())
        plot = self.plot_rect()
        if not self._weeks:
            painter.setPen(_muted(ink, 0.7))
            painter.drawText(
                self.rect(), int(Qt.AlignmentFlag.AlignCenter), "No events in this period"
            )
            painter.end()
            return
        top_value = nice_ceiling(max(self.totals(), default=0))
        # Horizontal grid lines with values.
        steps = axis_steps(top_value)
        for s in range(steps + 1):
            value = top_value * s / steps
            y = plot.bottom() - plot.height() * s / steps
            painter.setPen(QPen(_muted(ink, 0.18 if s else 0.5), 1))
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(_muted(ink, 0.8))
            text = f"{value:g}"
            painter.drawText(
                QRectF(0, y - fm.height() / 2, plot.left() - 5, fm.height()),
                int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                text,
            )
        # Bars.
        edge = pal.color(QPalette.ColorRole.Window)
        for index in range(len(self._weeks)):
            for kind, rect in self.segment_rects(index):
                painter.setPen(QPen(edge, 0.8))
                painter.setBrush(self._colours.get(kind, QColor("#888888")))
                painter.drawRect(rect)
        # Week labels: as many as fit.
        label_w = fm.horizontalAdvance("00 Mmm") + 8
        slot = plot.width() / len(self._weeks)
        every = max(1, int(label_w // max(slot, 1)) + 1)
        painter.setPen(_muted(ink, 0.85))
        for index, week in enumerate(self._weeks):
            if index % every:
                continue
            centre = self.bar_rect(index).center().x()
            painter.drawText(
                QRectF(centre - label_w / 2, plot.bottom() + 2, label_w, fm.height()),
                int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop),
                f"{week.day} {week:%b}",
            )
        # Legend along the top, wrapped.
        sw = fm.height() * 0.7
        for x, y, kind in self._legend_layout():
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(self._colours.get(kind, QColor("#888888")))
            painter.drawRect(QRectF(x, y + (fm.height() - sw) / 2, sw, sw))
            painter.setPen(ink)
            painter.drawText(QPointF(x + sw + 4, y + fm.ascent()), label(kind))
        painter.end()

    # interaction -------------------------------------------------------

    def tooltip_text(self, index: int) -> str:
        week = self._weeks[index]
        end = week + dt.timedelta(days=6)
        parts = [f"<b>Week {week:%d %b} \u2013 {end:%d %b %Y}</b>"]
        total = 0
        for kind in self._kinds:
            value = self._counts[kind][index]
            if value:
                parts.append(f"{label(kind)}: {value}")
                total += value
        parts.append(f"Total: {total}")
        return "<br>".join(parts)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            found = self.hit(QPointF(event.pos()))
            if found is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), self.tooltip_text(found[0]), self)
            return True
        return super().event(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        found = self.hit(event.position())
        self.setCursor(
            Qt.CursorShape.PointingHandCursor if found and found[1] else Qt.CursorShape.ArrowCursor
        )
        super().mouseMoveEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        found = self.hit(event.position())
        if found is not None and event.button() == Qt.MouseButton.LeftButton:
            index, kind = found
            self.segment_clicked.emit(self._weeks[index], kind or "")
            event.accept()
            return
        super().mousePressEvent(event)


# --------------------------------------------------------------------------- sentiment lines


@dataclass
class SentimentSeries:
    """One small line: average sentiment (-2..+2) per week, ``None`` for a week without events."""

    key: int  # record id (partnership or stakeholder)
    name: str
    values: list[float | None]


class SentimentLinesChart(QWidget):
    """Small multiples: one sentiment line per partnership, sharing the week axis.

    Click a row: ``series_clicked(key)``.
    """

    series_clicked = Signal(int)

    ROW = 34.0

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._weeks: list[dt.date] = []
        self._series: list[SentimentSeries] = []
        self._stance_colours: dict[int, QColor] = {}
        self._hover: int | None = None
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setAccessibleName("Sentiment trend per partnership")

    def set_data(
        self,
        weeks: Sequence[dt.date],
        series: Sequence[SentimentSeries],
        stance_colours: Mapping[int, str],
    ) -> None:
        self._weeks = list(weeks)
        self._series = list(series)
        self._stance_colours = {k: QColor(v) for k, v in stance_colours.items()}
        self.setMinimumHeight(int(self.ROW * max(len(self._series), 1) + 24))
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(420, int(self.ROW * max(len(self._series), 1) + 24))

    def _name_width(self) -> float:
        return min(self.width() * 0.38, 220.0)

    def row_rect(self, index: int) -> QRectF:
        return QRectF(0, 4 + index * self.ROW, self.width(), self.ROW)

    def row_at(self, pos: QPointF) -> int | None:
        index = int((pos.y() - 4) // self.ROW)
        return index if 0 <= index < len(self._series) and pos.y() >= 4 else None

    def _colour_for(self, value: float) -> QColor:
        return self._stance_colours.get(int(round(value)), QColor("#9e9e9e"))

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        ink = pal.color(QPalette.ColorRole.WindowText)
        fm = QFontMetricsF(self.font())
        if not self._series:
            painter.setPen(_muted(ink, 0.7))
            painter.drawText(
                self.rect(), int(Qt.AlignmentFlag.AlignCenter), "No sentiment in this period"
            )
            painter.end()
            return
        name_w = self._name_width()
        value_w = fm.horizontalAdvance("+0.0") + 10
        n = max(len(self._weeks), 1)
        for index, series in enumerate(self._series):
            row = self.row_rect(index)
            if index == self._hover:
                painter.fillRect(row, _muted(pal.color(QPalette.ColorRole.Highlight), 0.15))
            painter.setPen(ink)
            painter.drawText(
                QRectF(4, row.top(), name_w - 8, row.height()),
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                fm.elidedText(series.name, Qt.TextElideMode.ElideRight, name_w - 8),
            )
            plot = QRectF(
                name_w,
                row.top() + 5,
                max(10.0, row.width() - name_w - value_w - 4),
                row.height() - 10,
            )
            # Zero line and a faint band for -2..+2.
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(_muted(ink, 0.05))
            painter.drawRect(plot)
            zero_y = plot.center().y()
            painter.setPen(QPen(_muted(ink, 0.35), 1, Qt.PenStyle.DashLine))
            painter.drawLine(QPointF(plot.left(), zero_y), QPointF(plot.right(), zero_y))

            def point(i: int, v: float, plot: QRectF = plot) -> QPointF:
                x = plot.left() + (plot.width() * (i + 0.5) / n)
                y = plot.center().y() - (v / 2.0) * (plot.height() / 2)
                return QPointF(x, y)

            path = QPainterPath()
            started = False
            dots: list[tuple[QPointF, float]] = []
            for i, value in enumerate(series.values):
                if value is None:
                    continue
                p = point(i, value)
                if started:
                    path.lineTo(p)
                else:
                    path.moveTo(p)
                    started = True
                dots.append((p, value))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(_muted(ink, 0.75), 1.6))
            painter.drawPath(path)
            painter.setPen(QPen(pal.color(QPalette.ColorRole.Window), 1))
            for p, value in dots:
                painter.setBrush(self._colour_for(value))
                painter.drawEllipse(p, 3.6, 3.6)
            last = next((v for v in reversed(series.values) if v is not None), None)
            if last is not None:
                painter.setPen(self._colour_for(last) if abs(last) >= 0.5 else ink)
                bold = QFont(self.font())
                bold.setBold(True)
                painter.setFont(bold)
                painter.drawText(
                    QRectF(plot.right() + 4, row.top(), value_w, row.height()),
                    int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                    f"{last:+.1f}",
                )
                painter.setFont(self.font())
        painter.end()

    def tooltip_text(self, index: int) -> str:
        series = self._series[index]
        values = [v for v in series.values if v is not None]
        if not values:
            return series.name
        last = values[-1]
        words = STANCE_LABELS.get(int(round(last)), "")
        return (
            f"<b>{_esc(series.name)}</b><br>Latest weekly average sentiment {last:+.1f} ({words})"
            f"<br>Weeks with events: {len(values)}<br>Click to open"
        )

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            index = self.row_at(QPointF(event.pos()))
            if index is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), self.tooltip_text(index), self)
            return True
        return super().event(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        index = self.row_at(event.position())
        if index != self._hover:
            self._hover = index
            self.setCursor(
                Qt.CursorShape.PointingHandCursor
                if index is not None
                else Qt.CursorShape.ArrowCursor
            )
            self.update()
        super().mouseMoveEvent(event)

    def leaveEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        self._hover = None
        self.update()
        super().leaveEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        index = self.row_at(event.position())
        if index is not None and event.button() == Qt.MouseButton.LeftButton:
            self.series_clicked.emit(self._series[index].key)
            event.accept()
            return
        super().mousePressEvent(event)


def _esc(text: object) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
