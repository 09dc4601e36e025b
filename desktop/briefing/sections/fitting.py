"""Text that must fit a fixed space: the cover's title, audience and scope lines.

``fit_lines`` keeps as much of a text as wraps into ``max_lines`` lines of a style
and ends a shortened text with an ellipsis, so that no title, however long, can push
the cover onto a second page.  The full text is printed inside the pack.
"""

from __future__ import annotations

from typing import Any

from reportlab.platypus import Paragraph

from desktop.briefing.escape import esc


def _lines(text: str, style: Any, width: float) -> int:
    height = Paragraph(esc(text), style).wrap(width, 1e9)[1]
    return round(height / style.leading)


def fit_lines(text: str, style: Any, width: float, max_lines: int) -> str:
    """``text``, or its longest start that fits ``max_lines`` lines followed by "…"."""
    text = " ".join(text.split())
    if _lines(text, style, width) <= max_lines:
        return text
    lo, hi = 0, len(text)  # lo fits (with the ellipsis), hi does not
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _lines(text[:mid].rstrip() + "…", style, width) <= max_lines:
            lo = mid
        else:
            hi = mid
    return text[:lo].rstrip() + "…"
