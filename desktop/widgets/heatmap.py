"""The painted 5x5 risk heat map: likelihood up the side, impact across.

The widget knows nothing about the database: the view hands it one
:class:`HeatCell` per cell (count, a few refs and titles, the band), the band
colours (from the one palette shared with the PDF) and, optionally, movement
arrows.  It reports clicks, double-clicks and Enter as (likelihood, impact)
pairs, and lets the keyboard walk the cells with the arrow keys.

Colours that are not band colours (grid, labels, selection, arrows) come from
the widget's ``QPalette`` so the map reads in light and dark themes; text on a
band colour is black or white, whichever contrasts more.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPalette,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from db.kinds import counted
from desktop.widgets.colours import text_colour_on

Cell = tuple[int, int]  # (likelihood, impact), both 1..5
SIZE = 5
TOOLTIP_REFS = 12  # refs listed in a tooltip before "and N more"
INHERENT_MARK = "\u25cb"  # the hollow ring of a cell holding risks without residual scores


@dataclass
class HeatCell:
    """What one cell shows.  ``refs``/``titles`` may be the first few only;
    ``count`` is always the full number of risks in the cell."""

    count: int = 0
    refs: Sequence[str] = ()
    titles: Sequence[str] = ()
    band: str = "low"
    # Risks here without residual scores (the residual map places them at their inherent
    # cell): marked with a hollow ring and named in the tooltip.
    inherent_refs: Sequence[str] = ()


@dataclass
class MovementArrow:
    """Risks that moved from one cell to another (drawn as one arrow)."""

    from_cell: Cell
    to_cell: Cell
    refs: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- colour helpers


def blend(a: QColor, b: QColor, t: float) -> QColor:
    """``a`` moved a fraction ``t`` of the way towards ``b``."""
    return QColor.fromRgbF(
        a.redF() + (b.redF() - a.redF()) * t,
        a.greenF() + (b.greenF() - a.greenF()) * t,
        a.blueF() + (b.blueF() - a.blueF()) * t,
    )


# --------------------------------------------------------------------------- ref elision


def elide_refs(
    refs: Sequence[str], total: int, fits: Callable[[str], bool], max_lines: int
) -> list[str]:
    """Lay ``refs`` out on at most ``max_lines`` lines that each ``fits``.

    When not every ref fits, the last line ends with ``+N`` (the number of
    risks not shown, counted against ``total``): ``["R-001, R-004 +3"]``.
    """
    if max_lines <= 0 or total <= 0:
        return []
    lines: list[list[str]] = [[]]
    shown = 0
    for ref in refs:
        candidate = ", ".join([*lines[-1], ref])
        if fits(candidate):
            lines[-1].append(ref)
            shown += 1
            continue
        if len(lines) < max_lines and lines[-1]:
            if fits(ref):
                lines.append([ref])
                shown += 1
                continue
        break
    if shown < total:
        # Make room for the "+N" marker on the last line, dropping refs as needed.
        while True:
            rest = total - shown
            last = lines[-1]
            text = (", ".join(last) + f" +{rest}") if last else f"+{rest}"
            if fits(text) or not last:
                lines[-1] = [text] if last else [f"+{rest}"]
                break
            last.pop()
            shown -= 1
        return [", ".join(line) for line in lines if line]
    return [", ".join(line) for line in lines if line]


# --------------------------------------------------------------------------- the widget


class HeatMapWidget(QWidget):
    """A 5x5 likelihood x impact heat map that can be clicked and walked with keys."""

    cell_clicked = Signal(int, int)  # likelihood, impact
    cell_activated = Signal(int, int)  # double-click or Enter: "list this cell"
    current_cell_changed = Signal(int, int)

    def __init__(self, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._title = title
        self._cells: dict[Cell, HeatCell] = {}
        self._band_colours: dict[str, QColor] = {}
        self._band_ranges: dict[str, tuple[int, int]] = {}
        self._likelihood_labels: Sequence[str] = ("1", "2", "3", "4", "5")
        self._impact_labels: Sequence[str] = ("1", "2", "3", "4", "5")
        self._arrows: list[MovementArrow] = []
        self._current: Cell = (3, 3)
        self._selected: Cell | None = None
        self._hover: Cell | None = None
        self._busy = False
        self._subtitle = ""
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(300, 280)
        self.setAccessibleName(f"{title} risk matrix" if title else "Risk matrix")

    # ------------------------------------------------------------------ data in

    def set_scales(self, likelihood_labels: Sequence[str], impact_labels: Sequence[str]) -> None:
        self._likelihood_labels = tuple(likelihood_labels)
        self._impact_labels = tuple(impact_labels)
        self.update()

    def set_bands(
        self, colours: Mapping[str, str | QColor], ranges: Mapping[str, tuple[int, int]]
    ) -> None:
        """Band colours (hex strings from the shared palette) and score ranges."""
        self._band_colours = {name: QColor(value) for name, value in colours.items()}
        self._band_ranges = dict(ranges)
        self.update()

    def set_cells(self, cells: Mapping[Cell, HeatCell]) -> None:
        self._cells = dict(cells)
        self._busy = False
        self.update()

    def set_arrows(self, arrows: Sequence[MovementArrow]) -> None:
        self._arrows = [a for a in arrows if a.from_cell != a.to_cell]
        self.update()

    def set_title(self, title: str, subtitle: str = "") -> None:
        self._title = title
        self._subtitle = subtitle
        self.update()

    def set_busy(self, busy: bool) -> None:
        """Show that newer figures are on their way (the old ones stay visible)."""
        self._busy = busy
        self.update()

    # ------------------------------------------------------------------ state out

    def cell(self, likelihood: int, impact: int) -> HeatCell:
        return self._cells.get((likelihood, impact), HeatCell())

    def current_cell(self) -> Cell:
        return self._current

    def selected_cell(self) -> Cell | None:
        return self._selected

    def arrows(self) -> list[MovementArrow]:
        return list(self._arrows)

    def set_current_cell(self, likelihood: int, impact: int, *, select: bool = False) -> None:
        likelihood = min(max(likelihood, 1), SIZE)
        impact = min(max(impact, 1), SIZE)
        changed = (likelihood, impact) != self._current
        self._current = (likelihood, impact)
        if select:
            self._selected = self._current
        self.update()
        if changed:
            self.current_cell_changed.emit(likelihood, impact)

    def clear_selection(self) -> None:
        self._selected = None
        self.update()

    # ------------------------------------------------------------------ geometry

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(460, 420)

    def _label_font(self) -> QFont:
        font = QFont(self.font())
        return font

    def _margins(self) -> tuple[float, float, float, float]:
        """left, top, right, bottom space around the grid."""
        fm = QFontMetricsF(self._label_font())
        line = fm.height()
        widest = max(
            (fm.horizontalAdvance(f"{n} {t}") for n, t in enumerate(self._likelihood_labels, 1)),
            default=0,
        )
        left = line * 1.6 + min(widest, max(60.0, self.width() * 0.22)) + 8
        top = line * (2.4 if self._subtitle else 1.6)
        bottom = line * 3.4
        right = 8.0
        return left, top, right, bottom

    def grid_rect(self) -> QRectF:
        left, top, right, bottom = self._margins()
        avail_w = max(self.width() - left - right, 50.0)
        avail_h = max(self.height() - top - bottom, 50.0)
        side = min(avail_w / SIZE, avail_h / SIZE)
        return QRectF(left + (avail_w - side * SIZE) / 2, top, side * SIZE, side * SIZE)

    def cell_rect(self, likelihood: int, impact: int) -> QRectF:
        grid = self.grid_rect()
        side = grid.width() / SIZE
        x = grid.left() + (impact - 1) * side
        y = grid.top() + (SIZE - likelihood) * side
        return QRectF(x, y, side, side)

    def cell_at(self, pos: QPointF) -> Cell | None:
        grid = self.grid_rect()
        if not grid.contains(pos):
            return None
        side = grid.width() / SIZE
        impact = int((pos.x() - grid.left()) // side) + 1
        likelihood = SIZE - int((pos.y() - grid.top()) // side)
        if 1 <= impact <= SIZE and 1 <= likelihood <= SIZE:
            return (likelihood, impact)
        return None

    # ------------------------------------------------------------------ colours

    def band_colour(self, band: str) -> QColor:
        colour = self._band_colours.get(band)
        return (
            QColor(colour) if colour is not None else self.palette().color(QPalette.ColorRole.Mid)
        )

    def fill_colour(self, cell: Cell) -> QColor:
        data = self.cell(*cell)
        colour = self.band_colour(data.band or self._band_of(cell))
        if data.count == 0:
            # Empty cells keep their band hue but recede towards the background.
            return blend(colour, self.palette().color(QPalette.ColorRole.Window), 0.55)
        return colour

    def _band_of(self, cell: Cell) -> str:
        score = cell[0] * cell[1]
        for name, (low, high) in self._band_ranges.items():
            if low <= score <= high:
                return name
        return "low"

    # ------------------------------------------------------------------ painting

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        text_colour = pal.color(QPalette.ColorRole.WindowText)
        grid = self.grid_rect()
        side = grid.width() / SIZE

        self._paint_titles(painter, grid, text_colour)
        self._paint_axes(painter, grid, side, text_colour)

        gap_pen = QPen(pal.color(QPalette.ColorRole.Window), max(1.5, side * 0.025))
        for likelihood in range(1, SIZE + 1):
            for impact in range(1, SIZE + 1):
                rect = self.cell_rect(likelihood, impact)
                fill = self.fill_colour((likelihood, impact))
                painter.setPen(gap_pen)
                painter.setBrush(fill)
                painter.drawRect(rect)
                self._paint_cell_text(painter, rect, (likelihood, impact), fill)

        self._paint_arrows(painter, side)
        self._paint_selection(painter)
        if self._busy:
            painter.setPen(Qt.PenStyle.NoPen)
            veil = QColor(pal.color(QPalette.ColorRole.Window))
            veil.setAlphaF(0.35)
            painter.setBrush(veil)
            painter.drawRect(grid)
        painter.end()

    def _paint_titles(self, painter: QPainter, grid: QRectF, colour: QColor) -> None:
        fm = QFontMetricsF(self.font())
        font = QFont(self.font())
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(colour)
        line = fm.height()
        painter.drawText(
            QRectF(grid.left(), 0, grid.width(), line * 1.3),
            int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter),
            self._title,
        )
        if self._subtitle:
            painter.setFont(self.font())
            muted = QColor(colour)
            muted.setAlphaF(0.75)
            painter.setPen(muted)
            # Centred over the grid, never past the widget's edges (shortened when narrow).
            half = min(grid.center().x(), self.width() - grid.center().x())
            box = QRectF(grid.center().x() - half, line * 1.2, 2 * half, line * 1.1)
            painter.drawText(
                box,
                int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter),
                fm.elidedText(self._subtitle, Qt.TextElideMode.ElideRight, box.width()),
            )

    def _paint_axes(self, painter: QPainter, grid: QRectF, side: float, colour: QColor) -> None:
        font = self._label_font()
        fm = QFontMetricsF(font)
        line = fm.height()
        painter.setFont(font)
        painter.setPen(colour)
        title_w = line * 1.6
        label_left = title_w
        label_w = grid.left() - label_left - 6
        for likelihood in range(1, SIZE + 1):
            rect = self.cell_rect(likelihood, 1)
            text = (
                self._likelihood_labels[likelihood - 1]
                if likelihood <= len(self._likelihood_labels)
                else ""
            )
            painter.drawText(
                QRectF(label_left, rect.top(), label_w, rect.height()),
                int(
                    Qt.AlignmentFlag.AlignRight
                    | Qt.AlignmentFlag.AlignVCenter
                    | Qt.TextFlag.TextWordWrap
                ),
                f"{likelihood} {text}".strip(),
            )
        for impact in range(1, SIZE + 1):
            rect = self.cell_rect(1, impact)
            text = self._impact_labels[impact - 1] if impact <= len(self._impact_labels) else ""
            # One line per label, elided to the column so neighbours never collide.
            text = fm.elidedText(text, Qt.TextElideMode.ElideRight, rect.width() - 2)
            painter.drawText(
                QRectF(rect.left(), grid.bottom() + 3, rect.width(), line * 2.2),
                int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop),
                f"{impact}\n{text}".strip(),
            )
        bold = QFont(font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.drawText(
            QRectF(grid.left(), grid.bottom() + line * 2.3, grid.width(), line * 1.1),
            int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter),
            "Impact \u2192",
        )
        painter.save()
        painter.translate(line * 0.2, grid.center().y())
        painter.rotate(-90)
        painter.drawText(
            QRectF(-grid.height() / 2, 0, grid.height(), line * 1.2),
            int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter),
            "Likelihood \u2192",
        )
        painter.restore()

    def _paint_cell_text(self, painter: QPainter, rect: QRectF, cell: Cell, fill: QColor) -> None:
        data = self.cell(*cell)
        ink = text_colour_on(fill)
        pad = max(3.0, rect.width() * 0.06)
        inner = rect.adjusted(pad, pad, -pad, -pad)
        if data.count == 0:
            score_font = QFont(self.font())
            score_font.setPointSizeF(max(6.0, score_font.pointSizeF() * 0.85))
            painter.setFont(score_font)
            faint = QColor(ink)
            faint.setAlphaF(0.45)
            painter.setPen(faint)
            painter.drawText(
                inner,
                int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom),
                str(cell[0] * cell[1]),
            )
            return
        count_font = QFont(self.font())
        count_font.setBold(True)
        count_font.setPointSizeF(min(max(9.0, rect.height() * 0.16), 26.0) * 0.75)
        cfm = QFontMetricsF(count_font)
        painter.setFont(count_font)
        painter.setPen(ink)
        count_h = cfm.height()
        painter.drawText(
            QRectF(inner.left(), inner.top(), inner.width(), count_h),
            int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter),
            str(data.count),
        )
        ref_font = QFont(self.font())
        ref_font.setPointSizeF(max(6.5, min(ref_font.pointSizeF(), rect.height() * 0.085)))
        rfm = QFontMetricsF(ref_font)
        available = inner.height() - count_h - 2
        max_lines = int(available // rfm.height())
        width = inner.width()
        lines = elide_refs(
            list(data.refs[:40]), data.count, lambda s: rfm.horizontalAdvance(s) <= width, max_lines
        )
        painter.setFont(ref_font)
        y = inner.top() + count_h + 2
        for text in lines:
            painter.drawText(
                QRectF(inner.left(), y, inner.width(), rfm.height()),
                int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter),
                text,
            )
            y += rfm.height()
        if data.inherent_refs:
            self._paint_inherent_ring(painter, inner, ink)

    def _paint_inherent_ring(self, painter: QPainter, inner: QRectF, ink: QColor) -> None:
        """A hollow ring in the top-left corner: some risks here use their inherent score."""
        radius = max(3.0, min(inner.width(), inner.height()) * 0.07)
        pen = QPen(ink)
        pen.setWidthF(max(1.2, radius * 0.45))
        painter.save()
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(QPointF(inner.left() + radius, inner.top() + radius), radius, radius)
        painter.restore()

    def _paint_selection(self, painter: QPainter) -> None:
        pal = self.palette()
        if self._hover is not None and self._hover != self._selected:
            rect = self.cell_rect(*self._hover)
            pen = QPen(pal.color(QPalette.ColorRole.WindowText), 1.5, Qt.PenStyle.DotLine)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect.adjusted(2, 2, -2, -2))
        if self._selected is not None:
            rect = self.cell_rect(*self._selected)
            halo = QPen(pal.color(QPalette.ColorRole.Window), 6)
            painter.setPen(halo)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect.adjusted(2, 2, -2, -2))
            painter.setPen(QPen(pal.color(QPalette.ColorRole.Highlight), 3.5))
            painter.drawRect(rect.adjusted(2, 2, -2, -2))
        if self.hasFocus():
            rect = self.cell_rect(*self._current)
            pen = QPen(pal.color(QPalette.ColorRole.WindowText), 1.5, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect.adjusted(6, 6, -6, -6))

    def _paint_arrows(self, painter: QPainter, side: float) -> None:
        if not self._arrows:
            return
        pal = self.palette()
        ink = pal.color(QPalette.ColorRole.WindowText)
        halo = pal.color(QPalette.ColorRole.Window)
        biggest = max(len(a.refs) or 1 for a in self._arrows)
        for arrow in self._arrows:
            # Anchor in the lower half of each cell, clear of the count and refs at the top.
            start = self.cell_rect(*arrow.from_cell).center() + QPointF(0, side * 0.2)
            end = self.cell_rect(*arrow.to_cell).center() + QPointF(0, side * 0.2)
            dx, dy = end.x() - start.x(), end.y() - start.y()
            length = math.hypot(dx, dy)
            if length < 1:
                continue
            ux, uy = dx / length, dy / length
            # Bend to the left of travel so A->B and B->A do not overlap.
            bend = min(side * 0.35, length * 0.18)
            ctrl = QPointF(
                (start.x() + end.x()) / 2 - uy * bend, (start.y() + end.y()) / 2 + ux * bend
            )
            shrink = min(side * 0.18, length * 0.2)
            start = QPointF(start.x() + ux * shrink, start.y() + uy * shrink)
            tip = QPointF(end.x() - ux * shrink, end.y() - uy * shrink)
            path = QPainterPath(start)
            path.quadTo(ctrl, tip)
            scale = min(max(side / 110.0, 0.55), 1.3)
            weight = (1.4 + 2.2 * (len(arrow.refs) or 1) / biggest) * scale
            # Direction of the curve at its end, for the head.
            tx, ty = tip.x() - ctrl.x(), tip.y() - ctrl.y()
            tl = math.hypot(tx, ty) or 1.0
            tx, ty = tx / tl, ty / tl
            head_len = (5 + weight * 2.0) * max(scale, 0.8)
            base = QPointF(tip.x() - tx * head_len, tip.y() - ty * head_len)
            left = QPointF(base.x() - ty * head_len * 0.55, base.y() + tx * head_len * 0.55)
            right = QPointF(base.x() + ty * head_len * 0.55, base.y() - tx * head_len * 0.55)
            head = QPolygonF([tip, left, right])
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(halo, weight + 3, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
            painter.drawPath(path)
            painter.setPen(QPen(ink, weight, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
            painter.drawPath(path)
            painter.setPen(QPen(halo, 2))
            painter.setBrush(ink)
            painter.drawPolygon(head)

    # ------------------------------------------------------------------ interaction

    def tooltip_text(self, cell: Cell) -> str:
        likelihood, impact = cell
        data = self.cell(*cell)
        band = data.band or self._band_of(cell)
        low, high = self._band_ranges.get(band, (0, 0))
        l_label = (
            self._likelihood_labels[likelihood - 1]
            if likelihood <= len(self._likelihood_labels)
            else ""
        )
        i_label = self._impact_labels[impact - 1] if impact <= len(self._impact_labels) else ""
        lines = [
            f"<b>{_esc(l_label)} \u00d7 {_esc(i_label)}</b> (likelihood {likelihood}, impact {impact})",
            f"Score {likelihood * impact}: {_esc(band)} band ({low}\u2013{high})",
        ]
        if data.count == 0:
            lines.append("No risks")
        else:
            lines.append(f"{counted(data.count, 'risk')}:")
            for ref, title in list(zip(data.refs, data.titles, strict=False))[:TOOLTIP_REFS]:
                lines.append(f"&nbsp;&nbsp;{_esc(ref)} \u2013 {_esc(title)}")
            more = data.count - min(len(data.refs), TOOLTIP_REFS)
            if more > 0:
                lines.append(f"&nbsp;&nbsp;\u2026 and {more} more")
        if data.inherent_refs:
            lines.append(
                f"{INHERENT_MARK} No residual scores, inherent used: "
                f"{_esc(', '.join(data.inherent_refs[:TOOLTIP_REFS]))}"
                + ("\u2026" if len(data.inherent_refs) > TOOLTIP_REFS else "")
            )
        moved_in = [a for a in self._arrows if a.to_cell == cell]
        moved_out = [a for a in self._arrows if a.from_cell == cell]
        for arrow in moved_in:
            lines.append(
                f"Moved in from score {arrow.from_cell[0] * arrow.from_cell[1]}: {_esc(', '.join(arrow.refs))}"
            )
        for arrow in moved_out:
            lines.append(
                f"Moved out to score {arrow.to_cell[0] * arrow.to_cell[1]}: {_esc(', '.join(arrow.refs))}"
            )
        return "<br>".join(lines)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            help_event = event if isinstance(event, QHelpEvent) else None
            if help_event is not None:
                cell = self.cell_at(QPointF(help_event.pos()))
                if cell is None:
                    QToolTip.hideText()
                    event.ignore()
                else:
                    QToolTip.showText(help_event.globalPos(), self.tooltip_text(cell), self)
                return True
        return super().event(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        cell = self.cell_at(event.position())
        if cell is not None and event.button() == Qt.MouseButton.LeftButton:
            self.set_current_cell(*cell, select=True)
            self.cell_clicked.emit(*cell)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        cell = self.cell_at(event.position())
        if cell is not None:
            self.cell_activated.emit(*cell)
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        cell = self.cell_at(event.position())
        if cell != self._hover:
            self._hover = cell
            self.update()
        super().mouseMoveEvent(event)

    def leaveEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        self._hover = None
        self.update()
        super().leaveEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        likelihood, impact = self._current
        key = Qt.Key(event.key())
        moves = {
            Qt.Key.Key_Up: (1, 0),
            Qt.Key.Key_Down: (-1, 0),
            Qt.Key.Key_Left: (0, -1),
            Qt.Key.Key_Right: (0, 1),
        }
        if key in moves:
            dl, di = moves[key]
            self.set_current_cell(likelihood + dl, impact + di)
            event.accept()
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self._selected = self._current
            self.update()
            self.cell_clicked.emit(*self._current)
            self.cell_activated.emit(*self._current)
            event.accept()
            return
        super().keyPressEvent(event)

    def focusInEvent(self, event) -> None:  # noqa: N802, ANN001 - Qt API
        self.update()
        super().focusInEvent(event)

    def focusOutEvent(self, event) -> None:  # noqa: N802, ANN001 - Qt API
        self.update()
        super().focusOutEvent(event)


def _esc(text: object) -> str:
    return (
        str(text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
    )
