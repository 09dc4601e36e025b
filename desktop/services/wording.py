"""How counted nouns and days are written in sentences: the dashboard's summary and
interpretation, and the pack that prints the same sentences, all write them here."""

from __future__ import annotations

import datetime as dt


def count_of(n: int, one: str, many: str | None = None) -> str:
    """``1 new risk was``, ``12 new risks were``, ``1,204 ...``; none is ``no new risks
    were`` (``none of them were``), never ``0 ...``."""
    words = one if n == 1 else (many or one + "s")
    if n == 0:
        return f"none {words}" if words.startswith("of ") else f"no {words}"
    return f"{n:,} {words}"


def long_date(day: dt.date) -> str:
    """``4 December 2026`` (no leading zero)."""
    return f"{day.day} {day.strftime('%B %Y')}"
