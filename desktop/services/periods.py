"""Reporting periods: the presets, the previous period to compare with, the default "since".

The dashboard, the briefing dialog, ``risk-tracker brief`` and the pack all count
periods with these functions.  A period is two dates with both ends included, so
"the last 7 days" ending on a Friday starts on the Saturday before.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# (key, label) of the preset periods, each ending today, in the order menus show them.
PRESETS: tuple[tuple[str, str], ...] = (
    ("7d", "Last 7 days"),
    ("30d", "Last 30 days"),
    ("90d", "Last 90 days"),
    ("qtd", "Quarter to date"),
)
DEFAULT_PRESET = "30d"
_DAYS = {"7d": 7, "30d": 30, "90d": 90}

SINCE_PREVIOUS_PACK = "the previous briefing pack"
SINCE_PERIOD_START = "the start of the period"


def quarter_start(day: dt.date) -> dt.date:
    """The first day of the calendar quarter ``day`` falls in."""
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def preset_dates(key: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day (both included) of the preset period ``key`` ending ``today``."""
    if key == "qtd":
        return quarter_start(today), today
    try:
        days = _DAYS[key]
    except KeyError:
        raise ValueError(
            f"unknown period {key!r}; choose from {', '.join(k for k, _ in PRESETS)}"
        ) from None
    return today - dt.timedelta(days=days - 1), today


def default_period(end: dt.date) -> tuple[dt.date, dt.date]:
    """The period a pack covers when none is given: the default preset ending ``end``."""
    return preset_dates(DEFAULT_PRESET, end)


def previous_period(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The period of equal length that ends the day before ``start`` (both ends included)."""
    length = (end - start).days + 1
    prev_end = start - dt.timedelta(days=1)
    return prev_end - dt.timedelta(days=length - 1), prev_end


@dataclass(frozen=True)
class Since:
    """Where "what changed" counts from, and why (in the pack's words)."""

    day: dt.date
    basis: str  # SINCE_PREVIOUS_PACK or SINCE_PERIOD_START

    @property
    def from_previous_pack(self) -> bool:
        return self.basis == SINCE_PREVIOUS_PACK


def default_since(start: dt.date, end: dt.date, previous_pack: dt.date | None) -> Since:
    """The default "since": the previous pack's date if it is on or before the period's
    end, else the period's start.  ``previous_pack`` is the day (UTC) it was made."""
    if previous_pack is not None and previous_pack <= end:
        return Since(previous_pack, SINCE_PREVIOUS_PACK)
    return Since(start, SINCE_PERIOD_START)
