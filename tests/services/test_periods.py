"""Reporting periods at their boundaries: inclusive ends, quarter edges, leap days."""

from __future__ import annotations

import datetime as dt

import pytest

from desktop.services.periods import (
    DEFAULT_PRESET,
    PRESETS,
    SINCE_PERIOD_START,
    SINCE_PREVIOUS_PACK,
    default_period,
    default_since,
    preset_dates,
    previous_period,
    quarter_start,
)

D = dt.date


@pytest.mark.parametrize(("key", "days"), [("7d", 7), ("30d", 30), ("90d", 90)])
def test_day_presets_include_both_ends(key: str, days: int) -> None:
    today = D(2026, 11, 29)
    start, end = preset_dates(key, today)
    assert end == today
    assert (end - start).days + 1 == days  # today counts as one of the days
    assert start == today - dt.timedelta(days=days - 1)


def test_day_presets_known_dates() -> None:
    day = D(2026, 11, 29)
    assert preset_dates("7d", day) == (D(2026, 11, 23), day)
    assert preset_dates("30d", day) == (D(2026, 10, 31), day)
    assert preset_dates("90d", day) == (D(2026, 9, 1), day)


def test_day_presets_across_a_leap_day() -> None:
    assert preset_dates("7d", D(2028, 3, 2)) == (D(2028, 2, 25), D(2028, 3, 2))  # 29 Feb inside
    assert preset_dates("7d", D(2027, 3, 2)) == (D(2027, 2, 24), D(2027, 3, 2))  # no 29 Feb
    assert preset_dates("30d", D(2028, 3, 29)) == (D(2028, 2, 29), D(2028, 3, 29))
    assert preset_dates("7d", D(2028, 2, 29)) == (D(2028, 2, 23), D(2028, 2, 29))


@pytest.mark.parametrize(
    ("today", "first"),
    [
        (D(2026, 1, 1), D(2026, 1, 1)),  # the first day of a quarter is a one-day period
        (D(2026, 3, 31), D(2026, 1, 1)),
        (D(2026, 4, 1), D(2026, 4, 1)),
        (D(2026, 6, 30), D(2026, 4, 1)),
        (D(2026, 7, 1), D(2026, 7, 1)),
        (D(2026, 9, 30), D(2026, 7, 1)),
        (D(2026, 10, 1), D(2026, 10, 1)),
        (D(2026, 12, 31), D(2026, 10, 1)),
        (D(2028, 2, 29), D(2028, 1, 1)),
    ],
)
def test_quarter_to_date_at_every_quarter_edge(today: dt.date, first: dt.date) -> None:
    assert quarter_start(today) == first
    assert preset_dates("qtd", today) == (first, today)


def test_every_preset_is_known_and_unknown_keys_are_refused() -> None:
    for key, label in PRESETS:
        start, end = preset_dates(key, D(2026, 5, 17))
        assert start <= end == D(2026, 5, 17) and label
    assert DEFAULT_PRESET in dict(PRESETS)
    with pytest.raises(ValueError, match="unknown period 'custom'"):
        preset_dates("custom", D(2026, 5, 17))


def test_the_default_period_is_the_default_preset() -> None:
    assert default_period(D(2026, 3, 1)) == (D(2026, 1, 31), D(2026, 3, 1))
    assert default_period(D(2026, 3, 1)) == preset_dates(DEFAULT_PRESET, D(2026, 3, 1))


def test_previous_period_has_equal_length_and_ends_the_day_before() -> None:
    assert previous_period(D(2026, 9, 1), D(2026, 9, 30)) == (D(2026, 8, 2), D(2026, 8, 31))
    assert previous_period(D(2026, 9, 10), D(2026, 9, 10)) == (D(2026, 9, 9), D(2026, 9, 9))
    # a quarter to date of 31 days (Jan) compares with the 31 days before it (Dec)
    assert previous_period(D(2027, 1, 1), D(2027, 1, 31)) == (D(2026, 12, 1), D(2026, 12, 31))
    # leap years: March 2028 (31 days) goes back over 29 February
    assert previous_period(D(2028, 3, 1), D(2028, 3, 31)) == (D(2028, 1, 30), D(2028, 2, 29))
    assert previous_period(D(2027, 3, 1), D(2027, 3, 31)) == (D(2027, 1, 29), D(2027, 2, 28))
    for start, end in [(D(2028, 2, 1), D(2028, 3, 15)), (D(2026, 1, 1), D(2026, 12, 31))]:
        p_start, p_end = previous_period(start, end)
        assert (p_end - p_start) == (end - start) and p_end == start - dt.timedelta(days=1)


def test_default_since_is_the_previous_pack_up_to_and_including_the_period_end() -> None:
    start, end = D(2026, 9, 1), D(2026, 9, 30)
    since = default_since(start, end, None)
    assert (since.day, since.basis) == (start, SINCE_PERIOD_START)
    assert not since.from_previous_pack
    on_end = default_since(start, end, end)  # a pack made on the last day still counts
    assert (on_end.day, on_end.basis) == (end, SINCE_PREVIOUS_PACK) and on_end.from_previous_pack
    after = default_since(start, end, end + dt.timedelta(days=1))  # a later pack does not
    assert (after.day, after.basis) == (start, SINCE_PERIOD_START)
    before = default_since(start, end, D(2026, 6, 2))  # an older pack, before the period
    assert (before.day, before.basis) == (D(2026, 6, 2), SINCE_PREVIOUS_PACK)
    leap = default_since(D(2028, 2, 1), D(2028, 2, 29), D(2028, 2, 29))
    assert leap.day == D(2028, 2, 29) and leap.from_previous_pack
