"""How register values look in a table cell: text, alignment, band colours.

Band and stance colours come from the one palette shared with the PDF
(``desktop.briefing.palette``); text drawn on a coloured cell is black or white,
whichever reads better on that colour, so it stays readable in light and dark themes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from db.enums import SENTIMENT_LABELS, STANCE_LABELS, label, signed_words
from db.queries import registers as rq
from desktop.briefing.palette import band_colour, stance_colour


def band_qcolor(band: str) -> QColor:
    return QColor(band_colour(band))


def stance_qcolor(stance: int) -> QColor:
    return QColor(stance_colour(stance))


def display_text(value: Any, fmt: str) -> str:
    if value is None:
        return ""
    if fmt == rq.DATE:
        return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else str(value)
    if fmt == rq.ENUM:
        return label(value)
    if fmt in (rq.STANCE, rq.SENTIMENT):
        try:
            number = int(value)
        except (TypeError, ValueError):
            return str(value)
        return signed_words(number, STANCE_LABELS if fmt == rq.STANCE else SENTIMENT_LABELS)
    if fmt == rq.NUMBER:
        return f"{value:,.2f}" if isinstance(value, float) else str(value)
    return str(value)


def alignment(fmt: str) -> Qt.AlignmentFlag:
    if fmt == rq.SCORE:
        return Qt.AlignmentFlag.AlignCenter
    if fmt in (rq.INT, rq.NUMBER):
        return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    return Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


def about(estimate: int) -> str:
    """An estimated number as an estimate reads: three significant figures
    ("1,000,000", "612,000"), never more precise than it is."""
    if estimate < 1000:
        return f"{estimate:,}"
    digits = len(str(estimate)) - 3
    return f"{round(estimate, -digits):,}"
