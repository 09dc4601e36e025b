"""Colour arithmetic shared by every painted or coloured view: contrast and blending.

Band and stance colours come from ``desktop.briefing.palette`` (one palette for the
screen and the PDF); this module only decides which ink reads on them.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor


def relative_luminance(colour: QColor) -> float:
    """WCAG relative luminance of an sRGB colour (0 black .. 1 white)."""

    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(colour.redF())
        + 0.7152 * channel(colour.greenF())
        + 0.0722 * channel(colour.blueF())
    )


def contrast_ratio(a: QColor, b: QColor) -> float:
    la, lb = relative_luminance(a), relative_luminance(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def text_colour_on(fill: QColor) -> QColor:
    """Black or white: whichever has the higher contrast on ``fill``."""
    black, white = QColor(Qt.GlobalColor.black), QColor(Qt.GlobalColor.white)
    return black if contrast_ratio(fill, black) >= contrast_ratio(fill, white) else white
