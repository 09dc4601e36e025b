"""Board-sized tables: the rule that caps a long list and the note that says what was left out.

A board reads a pack, it does not audit it: long tables show their first
``max_rows`` rows (the caller sorts them most important first) and one line that
says how many more there are and where to find them.  ``max_rows`` of 0 (or None)
shows every row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from desktop.briefing.typography import thousands

T = TypeVar("T")

# The defaults a board gets: Annex A and every long table show at most this many rows.
DEFAULT_MAX_ROWS = 50


@dataclass(frozen=True)
class Capped(Generic[T]):
    shown: list[T]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.shown)


def cap(rows: Sequence[T], max_rows: int | None) -> Capped[T]:
    """The first ``max_rows`` of ``rows`` (all of them when ``max_rows`` is 0 or None)."""
    items = list(rows)
    if not max_rows or len(items) <= max_rows:
        return Capped(items, len(items))
    return Capped(items[:max_rows], len(items))


def more_note(more: int, where: str) -> str:
    """ "and 3 more: see the attached CSV" (empty when nothing was left out)."""
    if more <= 0:
        return ""
    return f"and {thousands(more)} more: {where}" if where else f"and {thousands(more)} more"
