"""Queries behind the History tab of a record form and the Activity page.

Both read the audit trail through its indexes: one record's entries by
``entity_ref`` (indexed), the register's changes newest first by ``at`` (indexed,
and ``(entity_kind, at)`` when a kind is chosen), a page at a time with a keyset
(``at``, ``id``) so that the millionth entry costs what the first does.

Entries of records above the classification ceiling *now* never leave the
database (as in the history replay); what was above it *at the time* is the
caller's to withhold, since only a replay knows it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, literal_column, not_, or_, select, type_coerce
from sqlmodel import Session

from db.identity import shown_actor
from db.queries.analysis import TABLES
from db.queries.tables import AuditEntry, Event, EventRiskLink

PAGE_SIZE = 200


@dataclass(frozen=True)
class ActivityQuery:
    """The Activity page's filters: ``start <= at < end``; None means "any"."""

    actor: str | None = None
    kind: str | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    levels: tuple[str, ...] | None = None


def _hidden_now(kind: str, levels: Sequence[str]) -> ColumnElement[bool]:
    """Entries of records of ``kind`` that are above the ceiling now."""
    table = TABLES[kind]
    above = select(table.ref).where(table.classification.not_in(list(levels)))
    return and_(AuditEntry.entity_kind == kind, AuditEntry.entity_ref.in_(above))


MEMBER_WINDOW = 5_000  # newest entries read through the time index for a member first


def _conditions(query: ActivityQuery, at: Any) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if query.actor:
        # A member is named by their login; the name they gave themselves finds them too.
        conds.append(or_(AuditEntry.actor == query.actor, AuditEntry.actor_name == query.actor))
    if query.kind:
        conds.append(AuditEntry.entity_kind == query.kind)
    if query.start is not None:
        conds.append(at >= query.start)
    if query.end is not None:
        conds.append(at < query.end)
    if query.levels is not None:
        kinds = [query.kind] if query.kind else list(TABLES)
        conds.append(not_(or_(*[_hidden_now(k, query.levels) for k in kinds])))
    return conds


def _before(at: Any, key: tuple[dt.datetime, int]) -> ColumnElement[bool]:
    """Entries after ``key`` in newest-first order."""
    return or_(at < key[0], and_(at == key[0], AuditEntry.id < key[1]))


def _page(
    session: Session,
    query: ActivityQuery,
    after: tuple[dt.datetime, int] | None,
    limit: int,
    *,
    at: Any = AuditEntry.at,
    floor: tuple[dt.datetime, int] | None = None,
) -> list[Any]:
    stmt = select(
        AuditEntry.id,
        AuditEntry.at,
        AuditEntry.actor,
        AuditEntry.entity_kind,
        AuditEntry.entity_ref,
        AuditEntry.action,
        AuditEntry.changes,
        AuditEntry.actor_name,
    ).where(*_conditions(query, at))
    if after is not None:
        stmt = stmt.where(_before(at, after))
    if floor is not None:
        stmt = stmt.where(not_(_before(at, floor)))
    stmt = stmt.order_by(at.desc(), AuditEntry.id.desc()).limit(limit)
    return [
        (*row[:2], shown_actor(row[2], row[7]), *row[3:7]) for row in session.execute(stmt).all()
    ]


def _window_floor(
    session: Session, query: ActivityQuery, after: tuple[dt.datetime, int] | None
) -> tuple[dt.datetime, int] | None:
    """The (at, id) of the ``MEMBER_WINDOW``-th newest entry under the other filters
    (None: there are fewer), read from the index alone."""
    others = ActivityQuery(kind=query.kind, start=query.start, end=query.end)
    stmt = select(AuditEntry.at, AuditEntry.id).where(*_conditions(others, AuditEntry.at))
    if after is not None:
        stmt = stmt.where(_before(AuditEntry.at, after))
    stmt = stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).offset(MEMBER_WINDOW - 1)
    row = session.execute(stmt.limit(1)).first()
    return None if row is None else (row[0], row[1])


def activity_page(
    session: Session,
    *,
    query: ActivityQuery,
    after: tuple[dt.datetime, int] | None = None,
    limit: int = PAGE_SIZE,
) -> list[Any]:
    """(id, at, actor, entity_kind, entity_ref, action, changes) newest first; ``after``
    is the (at, id) of the last row of the page before.

    No index leads from a member to their entries.  Walking the time index and
    reading each row to test its member costs a random read per entry (13 s to find
    that a member wrote nothing among a million), so with a member chosen the newest
    ``MEMBER_WINDOW`` entries are tried that way first (quick for anyone active), and
    only when they do not fill the page is the table read in order with the time
    index set aside (``+at`` on SQLite: same value, no index), well under a second
    whoever the member is."""
    if not query.actor:
        return _page(session, query, after, limit)
    floor = _window_floor(session, query, after)
    rows = _page(session, query, after, limit, floor=floor)
    if floor is None or len(rows) >= limit:
        return rows
    at: Any = AuditEntry.at
    if session.get_bind().dialect.name == "sqlite":
        at = type_coerce(literal_column("+audit_entry.at"), AuditEntry.at.type)
    more = _page(session, query, floor, limit - len(rows), at=at)
    return rows + more


def recent_actors(session: Session, *, window: int = 5000) -> list[str]:
    """The members who wrote the latest ``window`` entries (a cheap list for the filter)."""
    latest = (
        select(AuditEntry.actor).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(window)
    ).subquery()
    rows = session.execute(select(latest.c.actor).distinct())
    return sorted({str(a) for (a,) in rows if a})


def record_audit(session: Session, *, kind: str, ref: str) -> list[Any]:
    """(id, at, actor, action, changes) of one record, oldest first.

    Read by the ref index alone: with the kind in the query SQLite chose the
    ``(entity_kind, at)`` index and walked every entry of the kind (1.2 s at 900,000
    risk entries); the kind is checked on the record's few rows instead."""
    stmt = (
        select(
            AuditEntry.id,
            AuditEntry.at,
            AuditEntry.actor,
            AuditEntry.action,
            AuditEntry.changes,
            AuditEntry.entity_kind,
            AuditEntry.actor_name,
        )
        .where(AuditEntry.entity_ref == ref)
        .order_by(AuditEntry.at, AuditEntry.id)
    )
    return [
        (*row[:2], shown_actor(row[2], row[6]), *row[3:5])
        for row in session.execute(stmt).all()
        if row[5] == kind
    ]


def linked_events(
    session: Session, *, risk_id: int, levels: Sequence[str] | None, limit: int = PAGE_SIZE
) -> list[Any]:
    """(id, ref, occurred_on, title, kind, severity, sentiment, reach) of the events
    linked to a risk, newest first, within the ceiling."""
    stmt = (
        select(
            Event.id,
            Event.ref,
            Event.occurred_on,
            Event.title,
            Event.kind,
            Event.severity,
            Event.sentiment,
            Event.reach,
        )
        .join(EventRiskLink, EventRiskLink.event_id == Event.id)
        .where(EventRiskLink.risk_id == risk_id)
    )
    if levels is not None:
        stmt = stmt.where(Event.classification.in_(list(levels)))
    stmt = stmt.order_by(Event.occurred_on.desc(), Event.id.desc()).limit(limit)
    return list(session.execute(stmt).all())
