"""The event timeline: events per week by kind, sentiment trend, and event items.

Weeks start on Monday.  Every week from the one holding ``start`` to the one holding
``end`` is present, empty or not; only events that occurred within ``[start, end]``
are counted (the first and last weeks may therefore be partial).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlmodel import Session

from db.enums import EventKind
from db.queries import analysis as q
from desktop.services.filters import RecordFilter, criteria_of

EVENT_KINDS: tuple[str, ...] = tuple(k.value for k in EventKind)


def week_start(day: dt.date) -> dt.date:
    """The Monday of the week holding ``day``."""
    return day - dt.timedelta(days=day.weekday())


def weeks(start: dt.date, end: dt.date) -> list[dt.date]:
    if end < start:
        return []
    first, last = week_start(start), week_start(end)
    return [first + dt.timedelta(weeks=k) for k in range((last - first).days // 7 + 1)]


@dataclass(frozen=True)
class WeekBucket:
    week_start: dt.date
    counts: dict[str, int] = field(default_factory=dict)  # every event kind, zeros included

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class SentimentPoint(NamedTuple):
    week_start: dt.date
    mean_sentiment: float | None  # None for a week without events
    count: int  # type: ignore[assignment]  # (a field named like tuple.count, as the API says)


@dataclass(frozen=True)
class EventItem:
    """An event as the analysis hands it out.  Stakeholder, partnership and the event
    it responds to are named only when they are within the ceiling too."""

    id: int
    ref: str
    title: str
    kind: str
    occurred_on: dt.date
    severity: int
    sentiment: int
    reach: int | None
    classification: str
    channel: str
    adverse: bool
    stakeholder_id: int | None = None
    stakeholder_ref: str | None = None
    stakeholder_name: str | None = None
    partnership_id: int | None = None
    partnership_ref: str | None = None
    partnership_name: str | None = None
    responds_to_ref: str | None = None
    responds_to_title: str | None = None


def event_item(row: Any) -> EventItem:
    return EventItem(
        id=row.id,
        ref=row.ref,
        title=row.title,
        kind=row.kind,
        occurred_on=row.occurred_on,
        severity=row.severity,
        sentiment=row.sentiment,
        reach=row.reach,
        classification=row.classification,
        channel=row.channel,
        adverse=bool(row.adverse),
        stakeholder_id=row.stakeholder_id,
        stakeholder_ref=row.stakeholder_ref,
        stakeholder_name=row.stakeholder_name,
        partnership_id=row.partnership_id,
        partnership_ref=row.partnership_ref,
        partnership_name=row.partnership_name,
        responds_to_ref=row.responds_to_ref,
        responds_to_title=row.responds_to_title,
    )


def events_between(
    session: Session,
    *,
    start: dt.date,
    end: dt.date,
    filters: RecordFilter | None = None,
    min_severity: int | None = None,
    limit: int | None = None,
) -> list[EventItem]:
    """Events that occurred in ``[start, end]``, newest first (or, with
    ``min_severity``, most severe first)."""
    rows = q.event_rows(
        session,
        criteria=criteria_of(filters),
        start=start,
        end=end,
        min_severity=min_severity,
        limit=limit,
    )
    return [event_item(r) for r in rows]


def events_per_week(
    session: Session, *, start: dt.date, end: dt.date, filters: RecordFilter | None = None
) -> list[WeekBucket]:
    buckets: dict[dt.date, dict[str, int]] = {
        w: dict.fromkeys(EVENT_KINDS, 0) for w in weeks(start, end)
    }
    for day, kind, n in q.event_counts_by_day_and_kind(
        session, criteria=criteria_of(filters), start=start, end=end
    ):
        counts = buckets[week_start(day)]
        counts[kind] = counts.get(kind, 0) + n
    return [WeekBucket(w, counts) for w, counts in buckets.items()]


def sentiment_trend(
    session: Session,
    *,
    start: dt.date,
    end: dt.date,
    partnership_id: int | None = None,
    stakeholder_id: int | None = None,
    filters: RecordFilter | None = None,
) -> list[SentimentPoint]:
    """Mean sentiment of the events of each week (of one partnership and/or stakeholder
    when given; nothing at all when that record is above the ceiling)."""
    sums: dict[dt.date, list[int]] = {w: [0, 0] for w in weeks(start, end)}
    for day, total, n in q.sentiment_by_day(
        session,
        criteria=criteria_of(filters),
        start=start,
        end=end,
        partnership_id=partnership_id,
        stakeholder_id=stakeholder_id,
    ):
        acc = sums[week_start(day)]
        acc[0] += total
        acc[1] += n
    return [SentimentPoint(w, (s / n) if n else None, n) for w, (s, n) in sums.items()]
