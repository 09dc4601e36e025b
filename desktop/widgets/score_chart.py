"""A small chart of a risk's inherent and residual scores over time (the risk form).

Scores are steps: a score holds until the change that moves it.  Each change is a
dot; clicking a dot emits ``point_clicked(entry_id)`` (the form shows that change in
its History tab).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetricsF, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from db.scoring import MAX_SCORE
from desktop.services.risk_hub import ScorePoint

INHERENT_COLOUR = "#c0392b"
RESIDUAL_COLOUR = "#2471a3"
DOT_RADIUS = 4.0
HIT_RADIUS = 9.0


class ScoreHistoryChart(QWidget):
    point_clicked = Signal(int)  # the audit entry of the change

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._points: list[ScorePoint] = []
        self._today = dt.datetime.now(dt.UTC)
        self.setMinimumHeight(120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Score history: inherent and residual scores over time")
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(360, 130)

    def set_points(self, points: Sequence[ScorePoint], now: dt.datetime | None = None) -> None:
        self._points = list(points)
        self._today = now or dt.datetime.now(dt.UTC)
        self.setToolTip(
            "\n".join(
                f"{p.at:%Y-%m-%d}: inherent {p.score}, residual "
                f"{p.residual if p.residual is not None else 'not set'}"
                for p in self._points
            )
        )
        self.update()

    def points(self) -> list[ScorePoint]:
        return list(self._points)

    # geometry ----------------------------------------------------------

    def plot_rect(self) -> QRectF:
        fm = QFontMetricsF(self.font())
        left = fm.horizontalAdvance("25") + 8
        top = fm.height() + 6  # the legend
        bottom = fm.height() + 4  # the dates
        return QRectF(
            left, top, max(10.0, self.width() - left - 8), max(10.0, self.height() - top - bottom)
        )

    def _span(self) -> tuple[dt.datetime, dt.datetime]:
        first = self._points[0].at
        last = max(self._today, self._points[-1].at)
        if last <= first:
            last = first + dt.timedelta(days=1)
        return first, last

    def _x(self, at: dt.datetime, rect: QRectF) -> float:
        first, last = self._span()
        return rect.left() + rect.width() * (at - first) / (last - first)

    @staticmethod
    def _y(score: int, rect: QRectF) -> float:
        return rect.bottom() - rect.height() * score / MAX_SCORE

    def dot_positions(self) -> list[tuple[QPointF, int]]:
        """Where each change's dots are drawn, with its audit entry (for clicks and tests)."""
        if not self._points:
            return []
        rect = self.plot_rect()
        out = []
        for p in self._points:
            x = self._x(p.at, rect)
            out.append((QPointF(x, self._y(p.score, rect)), p.entry_id))
            if p.residual is not None:
                out.append((QPointF(x, self._y(p.residual, rect)), p.entry_id))
        return out

    # painting ----------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        text = palette.text().color()
        fm = QFontMetricsF(self.font())
        rect = self.plot_rect()
        grid = QColor(text)
        grid.setAlphaF(0.2)
        painter.setPen(QPen(grid, 1))
        for score in (0, 5, 10, 15, 20, 25):
            y = self._y(score, rect)
            painter.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
            painter.setPen(text)
            painter.drawText(QPointF(0, y + fm.ascent() / 2 - 1), str(score))
            painter.setPen(QPen(grid, 1))
        x = rect.left()
        for name, colour in (("Inherent", INHERENT_COLOUR), ("Residual", RESIDUAL_COLOUR)):
            painter.fillRect(QRectF(x, 3, 10, fm.height() - 6), QColor(colour))
            painter.setPen(text)
            painter.drawText(QPointF(x + 14, fm.ascent() + 1), name)
            x += 14 + fm.horizontalAdvance(name) + 16
        if not self._points:
            painter.setPen(text)
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, "No scores recorded")
            return
        first, last = self._span()
        painter.setPen(text)
        painter.drawText(QPointF(rect.left(), self.height() - 3), f"{first:%Y-%m-%d}")
        end_text = f"{last:%Y-%m-%d}"
        painter.drawText(
            QPointF(rect.right() - fm.horizontalAdvance(end_text), self.height() - 3), end_text
        )
        for colour, value_of in (
            (INHERENT_COLOUR, lambda p: p.score),
            (RESIDUAL_COLOUR, lambda p: p.residual),
        ):
            pen = QPen(QColor(colour), 2)
            painter.setPen(pen)
            painter.setBrush(QColor(colour))
            previous: QPointF | None = None
            for k, p in enumerate(self._points):
                value = value_of(p)
                if value is None:
                    previous = None
                    continue
                here = QPointF(self._x(p.at, rect), self._y(value, rect))
                if previous is not None:
                    painter.drawLine(previous, QPointF(here.x(), previous.y()))
                    painter.drawLine(QPointF(here.x(), previous.y()), here)
                painter.drawEllipse(here, DOT_RADIUS, DOT_RADIUS)
                previous = here
                if k == len(self._points) - 1:  # the score holds until today
                    painter.drawLine(here, QPointF(rect.right(), here.y()))

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        pos = event.position()
        best: tuple[float, int] | None = None
        for point, entry_id in self.dot_positions():
            distance = (point - pos).manhattanLength()
            if distance <= HIT_RADIUS * 2 and (best is None or distance < best[0]):
                best = (distance, entry_id)
        if best is not None:
            self.point_clicked.emit(best[1])
            event.accept()
            return
        super().mousePressEvent(event)
