"""Counted nouns and days, written one way for the summary, the interpretation and the
pack (``desktop.services.wording``)."""

from __future__ import annotations

import datetime as dt

from desktop.briefing import typography
from desktop.services import interpret, summary, wording
from desktop.services.wording import count_of, long_date


def test_counted_nouns_read_right_for_none_one_and_many() -> None:
    assert count_of(0, "new risk was", "new risks were") == "no new risks were"
    assert count_of(0, "of them was", "of them were") == "none of them were"
    assert count_of(1, "new risk was", "new risks were") == "1 new risk was"
    assert count_of(2, "risk") == "2 risks"
    assert count_of(1204, "adverse event") == "1,204 adverse events"


def test_days_are_written_in_full_without_a_leading_zero() -> None:
    assert long_date(dt.date(2026, 12, 4)) == "4 December 2026"
    assert long_date(dt.date(2027, 1, 31)) == "31 January 2027"


def test_the_summary_the_interpretation_and_the_pack_share_the_one_formatter() -> None:
    for module in (summary, interpret):
        assert module.count_of is wording.count_of
        assert not hasattr(module, "_n") and not hasattr(module, "_day")
    assert summary.long_date is interpret.long_date is wording.long_date
    assert typography.count_of is wording.count_of
