"""The stakeholder map's canvas: influence (up) x interest (across), stance as colour.

Each stakeholder is a dot in its stance colour with its name beside it; several
stakeholders in one cell are listed one under another inside the cell.  A
stakeholder whose stance moved since the chosen date wears a ring in its old
stance colour and an arrow (up: warmer, down: colder).  The canvas is fed plain
``StakeholderMarker`` rows (``set_markers``) and emits signals; the screen
(``desktop.views.stakeholder_map_view``) loads them and turns a drop into an
undoable command.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QHelpEvent,
    QIcon,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
    QPolygonF,
)
from PySide6.QtWidgets import QApplication, QSizePolicy, QToolTip, QWidget

from db.enums import STANCE_LABELS, label
from desktop.briefing.palette import STANCE_COLOURS
from desktop.widgets.colours import text_colour_on
from desktop.widgets.heatmap import blend

SIZE = 5
INFLUENCE_LABELS = ("Very low", "Low", "Medium", "High", "Very high")
INTEREST_LABELS = ("Very low", "Low", "Medium", "High", "Very high")


@dataclass
class StakeholderMarker:
    """One stakeholder as the map shows it (plain data, no session)."""

    id: int
    ref: str
    name: str
    influence: int
    interest: int
    stance: int
    stance_before: int | None = None  # stance on the "since" date, when it differs
    kind: str = ""

    @property
    def cell(self) -> tuple[int, int]:
        return (self.influence, self.interest)

    @property
    def moved(self) -> bool:
        return self.stance_before is not None and self.stance_before != self.stance


def stance_words(stance: int) -> str:
    return STANCE_LABELS.get(int(stance), str(stance)).lower()


def change_sentence(marker: StakeholderMarker) -> str:
    before = stance_words(
        marker.stance_before if marker.stance_before is not None else marker.stance
    )
    return (
        f"{marker.ref} {marker.name}: stance moved from {before} to {stance_words(marker.stance)}"
    )


# --------------------------------------------------------------------------- the painted map


class StakeholderMapCanvas(QWidget):
    marker_clicked = Signal(int)
    marker_activated = Signal(int)  # double-click: open for editing
    marker_dropped = Signal(int, int, int)  # stakeholder id, influence, interest

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._markers: list[StakeholderMarker] = []
        self._stance_colours = {k: QColor(v) for k, v in STANCE_COLOURS.items()}
        self._hit: list[tuple[QRectF, StakeholderMarker]] = []
        self._overflow: dict[tuple[int, int], list[StakeholderMarker]] = {}
        self._selected: int | None = None
        self._press: tuple[QPointF, StakeholderMarker] | None = None
        self._drag_pos: QPointF | None = None
        self._drag_cell: tuple[int, int] | None = None
        self.setMouseTracking(True)
        self.setMinimumSize(380, 340)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("Stakeholder map")

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(640, 560)

    def set_markers(self, markers: Sequence[StakeholderMarker]) -> None:
        self._markers = sorted(markers, key=lambda m: (-abs(m.stance), m.name.casefold()))
        self.update()

    def markers(self) -> list[StakeholderMarker]:
        return list(self._markers)

    def selected(self) -> int | None:
        return self._selected

    # geometry ----------------------------------------------------------

    def grid_rect(self) -> QRectF:
        fm = QFontMetricsF(self.font())
        left = (
            fm.height() * 1.6
            + max(fm.horizontalAdvance(f"{n} {t}") for n, t in enumerate(INFLUENCE_LABELS, 1))
            + 12
        )
        top = 6.0
        bottom = fm.height() * 3.2
        right = 8.0
        avail_w = max(self.width() - left - right, 50.0)
        avail_h = max(self.height() - top - bottom, 50.0)
        return QRectF(left, top, avail_w, avail_h)

    def cell_rect(self, influence: int, interest: int) -> QRectF:
        grid = self.grid_rect()
        w, h = grid.width() / SIZE, grid.height() / SIZE
        return QRectF(grid.left() + (interest - 1) * w, grid.top() + (SIZE - influence) * h, w, h)

    def cell_at(self, pos: QPointF) -> tuple[int, int] | None:
        grid = self.grid_rect()
        if not grid.contains(pos):
            return None
        w, h = grid.width() / SIZE, grid.height() / SIZE
        interest = int((pos.x() - grid.left()) // w) + 1
        influence = SIZE - int((pos.y() - grid.top()) // h)
        if 1 <= interest <= SIZE and 1 <= influence <= SIZE:
            return (influence, interest)
        return None

    def _row_height(self) -> float:
        return QFontMetricsF(self.font()).height() + 4

    def layout_markers(self) -> list[tuple[QRectF, StakeholderMarker]]:
        """Where each marker's row sits: a list inside its cell, "+N more" when full."""
        row_h = self._row_height()
        by_cell: dict[tuple[int, int], list[StakeholderMarker]] = {}
        for marker in self._markers:
            by_cell.setdefault(marker.cell, []).append(marker)
        placed: list[tuple[QRectF, StakeholderMarker]] = []
        self._overflow = {}
        for cell, members in by_cell.items():
            rect = self.cell_rect(*cell).adjusted(4, 4, -4, -4)
            capacity = max(1, int(rect.height() // row_h))
            # Two columns when the cell is wide enough and one column would overflow.
            columns = 2 if len(members) > capacity and rect.width() > 200 else 1
            slots = capacity * columns
            shown = members if len(members) <= slots else members[: slots - 1]
            if len(shown) < len(members):
                self._overflow[cell] = members[len(shown) :]
            col_w = rect.width() / columns
            # Room to spare: give each name two lines so long names are not cut.
            lines = 2 if columns == 1 and len(members) * 2 <= capacity else 1
            per_column = capacity // lines
            for index, marker in enumerate(shown):
                col, row = divmod(index, per_column)
                placed.append(
                    (
                        QRectF(
                            rect.left() + col * col_w,
                            rect.top() + row * row_h * lines,
                            col_w,
                            row_h * lines,
                        ),
                        marker,
                    )
                )
        self._hit = placed
        return placed

    def marker_rect(self, stakeholder_id: int) -> QRectF | None:
        for rect, marker in self.layout_markers():
            if marker.id == stakeholder_id:
                return rect
        return None

    def marker_at(self, pos: QPointF) -> StakeholderMarker | None:
        for rect, marker in self._hit or self.layout_markers():
            if rect.contains(pos):
                return marker
        return None

    # painting ----------------------------------------------------------

    def _stance_colour(self, stance: int) -> QColor:
        return QColor(self._stance_colours.get(int(stance), QColor("#9e9e9e")))

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        ink = pal.color(QPalette.ColorRole.WindowText)
        base = pal.color(QPalette.ColorRole.Base)
        window = pal.color(QPalette.ColorRole.Window)
        grid = self.grid_rect()
        fm = QFontMetricsF(self.font())

        # Quadrants: the classic engagement strategy, faintly tinted.
        quadrants = {
            "Manage closely": (True, True),
            "Keep satisfied": (True, False),
            "Keep informed": (False, True),
            "Monitor": (False, False),
        }
        tint_hi = blend(base, pal.color(QPalette.ColorRole.Highlight), 0.10)
        for influence in range(1, SIZE + 1):
            for interest in range(1, SIZE + 1):
                rect = self.cell_rect(influence, interest)
                strong = influence >= 3 and interest >= 3
                fill = tint_hi if strong else base
                if self._drag_cell == (influence, interest) and self._drag_pos is not None:
                    fill = blend(base, pal.color(QPalette.ColorRole.Highlight), 0.35)
                painter.setPen(QPen(blend(ink, window, 0.75), 1))
                painter.setBrush(fill)
                painter.drawRect(rect)
        # Quadrant names sit at the bottom of the outer corner cells, unless that cell
        # is full of stakeholders (names matter more than the reminder).
        placed = self.layout_markers()
        row_h = self._row_height()
        quad_font = QFont(self.font())
        quad_font.setItalic(True)
        painter.setFont(quad_font)
        painter.setPen(blend(ink, base, 0.5))
        for text, (hi_inf, hi_int) in quadrants.items():
            anchor = self.cell_rect(5 if hi_inf else 1, 5 if hi_int else 1)
            lowest = max(
                (
                    rect.bottom()
                    for rect, m in placed
                    if m.cell == ((5 if hi_inf else 1), (5 if hi_int else 1))
                ),
                default=anchor.top(),
            )
            if lowest > anchor.bottom() - row_h:
                continue
            align = Qt.AlignmentFlag.AlignRight if hi_int else Qt.AlignmentFlag.AlignLeft
            box = anchor.adjusted(4, 1, -4, -2)
            painter.drawText(box, int(align | Qt.AlignmentFlag.AlignBottom), text)
        painter.setFont(self.font())

        # Axes.
        painter.setPen(ink)
        for influence in range(1, SIZE + 1):
            rect = self.cell_rect(influence, 1)
            painter.drawText(
                QRectF(
                    fm.height() * 1.6,
                    rect.top(),
                    grid.left() - fm.height() * 1.6 - 6,
                    rect.height(),
                ),
                int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                f"{influence} {INFLUENCE_LABELS[influence - 1]}",
            )
        for interest in range(1, SIZE + 1):
            rect = self.cell_rect(1, interest)
            painter.drawText(
                QRectF(rect.left(), grid.bottom() + 2, rect.width(), fm.height() * 1.1),
                int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop),
                f"{interest} {INTEREST_LABELS[interest - 1]}",
            )
        bold = QFont(self.font())
        bold.setBold(True)
        painter.setFont(bold)
        painter.drawText(
            QRectF(grid.left(), grid.bottom() + fm.height() * 1.3, grid.width(), fm.height() * 1.2),
            int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter),
            "Interest \u2192",
        )
        painter.save()
        painter.translate(fm.height() * 0.2, grid.center().y())
        painter.rotate(-90)
        painter.drawText(
            QRectF(-grid.height() / 2, 0, grid.height(), fm.height() * 1.2),
            int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter),
            "Influence \u2192",
        )
        painter.restore()
        painter.setFont(self.font())

        # Markers.
        dragged = self._press[1].id if (self._press and self._drag_pos is not None) else None
        for rect, marker in self.layout_markers():
            self._paint_marker(painter, rect, marker, faded=marker.id == dragged)
        for cell, extra in self._overflow.items():
            rect = self.cell_rect(*cell).adjusted(4, 4, -4, -4)
            painter.setPen(blend(ink, base, 0.25))
            painter.drawText(
                rect,
                int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom),
                f"+{len(extra)} more",
            )
        if dragged is not None and self._drag_pos is not None and self._press is not None:
            marker = self._press[1]
            row = QRectF(
                self._drag_pos.x() - 8,
                self._drag_pos.y() - self._row_height() / 2,
                min(220.0, self.grid_rect().width() / SIZE),
                self._row_height(),
            )
            self._paint_marker(painter, row, marker, faded=False, ghost=True)
        painter.end()

    def _paint_marker(
        self,
        painter: QPainter,
        rect: QRectF,
        marker: StakeholderMarker,
        *,
        faded: bool,
        ghost: bool = False,
    ) -> None:
        pal = self.palette()
        ink = pal.color(QPalette.ColorRole.WindowText)
        base = pal.color(QPalette.ColorRole.Base)
        fm = QFontMetricsF(self.font())
        row_h = self._row_height()
        radius = min(row_h * 0.3, 6.5)
        centre = QPointF(rect.left() + radius + 4, rect.top() + row_h / 2)
        if marker.id == self._selected or ghost:
            sel = QColor(pal.color(QPalette.ColorRole.Highlight))
            sel.setAlphaF(0.35 if not ghost else 0.55)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(sel)
            painter.drawRoundedRect(rect.adjusted(0, 1, 0, -1), 4, 4)
        colour = self._stance_colour(marker.stance)
        if faded:
            colour = blend(colour, base, 0.6)
        if marker.moved:
            before = self._stance_colour(
                marker.stance_before if marker.stance_before is not None else 0
            )
            painter.setPen(QPen(before, 2.6))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(centre, radius + 3.2, radius + 3.2)
        painter.setPen(QPen(blend(ink, base, 0.3), 0.8))
        painter.setBrush(colour)
        painter.drawEllipse(centre, radius, radius)
        text_left = centre.x() + radius + 6
        if marker.moved and marker.stance_before is not None:
            up = marker.stance > marker.stance_before
            ax = text_left + 4
            ay = centre.y()
            size = radius * 0.95
            tri = (
                QPolygonF(
                    [
                        QPointF(ax - size, ay + size * 0.6),
                        QPointF(ax + size, ay + size * 0.6),
                        QPointF(ax, ay - size * 0.9),
                    ]
                )
                if up
                else QPolygonF(
                    [
                        QPointF(ax - size, ay - size * 0.6),
                        QPointF(ax + size, ay - size * 0.6),
                        QPointF(ax, ay + size * 0.9),
                    ]
                )
            )
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(self._stance_colour(marker.stance))
            painter.drawPolygon(tri)
            text_left += size * 2 + 6
        fill = (
            base
            if not (marker.id == self._selected or ghost)
            else blend(base, pal.color(QPalette.ColorRole.Highlight), 0.35)
        )
        painter.setPen(blend(ink, base, 0.5) if faded else text_colour_for_base(ink, fill))
        width = max(rect.right() - text_left - 2, 4.0)
        max_lines = max(1, round(rect.height() / row_h))
        for number, text in enumerate(name_lines(fm, marker.name, width, max_lines)):
            painter.drawText(
                QRectF(text_left, rect.top() + number * (fm.height() + 0.5), width, row_h),
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                text,
            )

    # interaction -------------------------------------------------------

    def tooltip_text(self, marker: StakeholderMarker) -> str:
        lines = [
            f"<b>{_esc(marker.ref)} {_esc(marker.name)}</b>",
            f"{_esc(label(marker.kind)) if marker.kind else ''}",
            f"Influence {marker.influence} ({INFLUENCE_LABELS[marker.influence - 1].lower()}), "
            f"interest {marker.interest} ({INTEREST_LABELS[marker.interest - 1].lower()})",
            f"Stance: {stance_words(marker.stance)} ({marker.stance:+d})",
        ]
        if marker.moved:
            lines.append(
                f"Moved from {stance_words(marker.stance_before or 0)} since the chosen date"
            )
        lines.append(
            "<i>Drag to another cell to change influence and interest; double-click to edit</i>"
        )
        return "<br>".join(x for x in lines if x)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            pos = QPointF(event.pos())
            marker = self.marker_at(pos)
            cell = self.cell_at(pos)
            if marker is not None:
                QToolTip.showText(event.globalPos(), self.tooltip_text(marker), self)
            elif (
                cell is not None and cell in self._overflow and self.cell_rect(*cell).contains(pos)
            ):
                names = "<br>".join(f"{_esc(m.ref)} {_esc(m.name)}" for m in self._overflow[cell])
                QToolTip.showText(event.globalPos(), f"Also here:<br>{names}", self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        if event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        marker = self.marker_at(event.position())
        if marker is None:
            self._selected = None
            self.update()
            super().mousePressEvent(event)
            return
        self._press = (event.position(), marker)
        self._selected = marker.id
        self.update()
        self.marker_clicked.emit(marker.id)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        pos = event.position()
        if self._press is not None and event.buttons() & Qt.MouseButton.LeftButton:
            start = self._press[0]
            distance = math.hypot(pos.x() - start.x(), pos.y() - start.y())
            if self._drag_pos is not None or distance >= QApplication.startDragDistance():
                self._drag_pos = pos
                self._drag_cell = self.cell_at(pos)
                self.setCursor(Qt.CursorShape.ClosedHandCursor)
                self.update()
            event.accept()
            return
        over = self.marker_at(pos)
        self.setCursor(
            Qt.CursorShape.OpenHandCursor if over is not None else Qt.CursorShape.ArrowCursor
        )
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        press, self._press = self._press, None
        dragging = self._drag_pos is not None
        self._drag_pos = None
        self._drag_cell = None
        self.unsetCursor()
        if press is not None and dragging:
            cell = self.cell_at(event.position())
            marker = press[1]
            if cell is not None and cell != marker.cell:
                # Show the new place at once; the refresh after the write confirms it.
                marker.influence, marker.interest = cell
                self.marker_dropped.emit(marker.id, cell[0], cell[1])
        self.update()
        event.accept()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        marker = self.marker_at(event.position())
        if marker is not None:
            self.marker_activated.emit(marker.id)
            event.accept()
            return
        super().mouseDoubleClickEvent(event)


def name_lines(fm: QFontMetricsF, text: str, width: float, max_lines: int) -> list[str]:
    """``text`` broken at spaces into at most ``max_lines`` lines of ``width``; the last one elided."""
    words = text.split()
    lines: list[str] = []
    current = ""
    for index, word in enumerate(words):
        candidate = f"{current} {word}".strip()
        if not current or fm.horizontalAdvance(candidate) <= width:
            current = candidate
            continue
        lines.append(current)
        if len(lines) == max_lines - 1:
            current = " ".join(words[index:])
            break
        current = word
    lines.append(current)
    return [fm.elidedText(line, Qt.TextElideMode.ElideRight, width) for line in lines[:max_lines]]


def stance_change_icon(marker: StakeholderMarker, size: int) -> QIcon:
    """A dot in the new stance colour inside a ring in the old one (as on the map)."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    before = marker.stance_before if marker.stance_before is not None else marker.stance
    painter.setPen(QPen(QColor(STANCE_COLOURS.get(before, "#9e9e9e")), 2.2))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawEllipse(QRectF(1.5, 1.5, size - 3, size - 3))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(STANCE_COLOURS.get(marker.stance, "#9e9e9e")))
    inset = size * 0.28
    painter.drawEllipse(QRectF(inset, inset, size - 2 * inset, size - 2 * inset))
    painter.end()
    return QIcon(pixmap)


def text_colour_for_base(ink: QColor, fill: QColor) -> QColor:
    """The palette's text colour unless it would vanish on ``fill``."""
    from desktop.widgets.colours import contrast_ratio

    return ink if contrast_ratio(ink, fill) >= 3.0 else text_colour_on(fill)


def _esc(text: object) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class StanceLegend(QWidget):
    """Five stance swatches and what the ring and arrow mean."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        line = QFontMetricsF(self.font()).height() + 2
        self.setMinimumHeight(int(line * 7 + 12))

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        ink = pal.color(QPalette.ColorRole.WindowText)
        fm = QFontMetricsF(self.font())
        line = fm.height() + 2
        y = 2.0
        bold = QFont(self.font())
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(ink)
        painter.drawText(QPointF(2, y + fm.ascent()), "Stance")
        painter.setFont(self.font())
        y += line
        for stance in (2, 1, 0, -1, -2):
            painter.setPen(QPen(blend(ink, pal.color(QPalette.ColorRole.Window), 0.3), 0.8))
            painter.setBrush(QColor(STANCE_COLOURS[stance]))
            painter.drawEllipse(QPointF(10, y + line / 2), 5.5, 5.5)
            painter.setPen(ink)
            painter.drawText(
                QPointF(22, y + fm.ascent() + 1), f"{STANCE_LABELS[stance]} ({stance:+d})"
            )
            y += line
        painter.setPen(QPen(QColor(STANCE_COLOURS[0]), 2.4))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(QPointF(10, y + line / 2), 8, 8)
        painter.setPen(ink)
        painter.drawText(
            QPointF(22, y + fm.ascent() + 1), "Ring: stance before, \u25b2\u25bc direction"
        )
        painter.end()
