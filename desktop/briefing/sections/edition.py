"""Draft and issued editions of a pack: the watermark, the cover's edition line and the
sentence that names the baseline "what changed" and the trends compare with.

A draft carries DRAFT across every page and is never a baseline; an issued pack
records who issued it, when and to which distribution.  The baseline is the last
issued pack of the same scope at the same or a lower ceiling
(``db.queries.briefing.last_briefing``), unless "since" was asked for.
"""

from __future__ import annotations

from typing import Any

from desktop.briefing.data import PackData
from desktop.briefing.escape import esc
from desktop.briefing.fonts import BOLD
from desktop.briefing.parameters import BriefingParameters
from desktop.briefing.sections.common import fmt_date, shorten
from desktop.briefing.styles import PageGeometry, hex_colour

WATERMARK = "DRAFT"
WATERMARK_COLOUR = "#d5dbe2"  # light enough to read the page through it


def draw_watermark(canvas: Any, geometry: PageGeometry, text: str = WATERMARK) -> None:
    """The draft mark across the middle of a page, under the content drawn after it."""
    canvas.saveState()
    canvas.setFillColor(hex_colour(WATERMARK_COLOUR))
    size = min(geometry.width, geometry.height) / 4.2
    canvas.setFont(BOLD, size)
    canvas.translate(geometry.width / 2, geometry.height / 2)
    canvas.rotate(52)
    canvas.drawCentredString(0, -size / 3, text)
    canvas.restoreState()


def edition_line(params: BriefingParameters, *, issued_by: str, issued_on: str) -> str:
    """The cover's line (markup): a draft says so; an issued pack says by whom, when, to whom."""
    if not params.issue:
        return "<b>Draft</b>: not issued, and not a baseline for later packs."
    to = params.distribution or params.audience
    whom = f" to {esc(shorten(to, 300))}" if to else ""
    # The issuer as the preparer is printed (a display name, never a login); with no
    # name set the line says when and to whom only.
    by = f" by {esc(shorten(issued_by, 200))}" if issued_by.strip() else ""
    return f"<b>Issued</b>{by} on {esc(issued_on)}{whom}."


def baseline_text(d: PackData) -> str:
    """What "what changed" compares with, as the page says it (markup)."""
    if d.since_basis == "as asked":
        return f"Changes since {fmt_date(d.since)}, the date asked for, up to {fmt_date(d.period_end)}."
    b = d.baseline
    if b is not None:
        to = f" to {esc(shorten(b.distribution, 200))}" if b.distribution else ""
        return (
            f"Changes since the pack issued on {fmt_date(b.issued_at.date())}{to} "
            f"(“{esc(shorten(b.title, 120))}”), up to {fmt_date(d.period_end)}."
        )
    return (
        "No pack of this scope has been issued at this ceiling or a lower one: changes since "
        f"the start of the period, {fmt_date(d.since)}, up to {fmt_date(d.period_end)}."
    )


def trend_text(d: PackData) -> str:
    """The register's note on its trend column (markup)."""
    if d.since_basis == "as asked" and d.trend_since is not None:
        return f"Trend compares the residual score with {fmt_date(d.trend_since.date())}, the date asked for."
    if d.baseline is not None:
        return (
            "Trend compares the residual score with the pack issued on "
            f"{fmt_date(d.baseline.issued_at.date())}."
        )
    return "Trend: no issued pack to compare with."
