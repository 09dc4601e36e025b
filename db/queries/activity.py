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

from sqlalchemy import ColumnElement, and_, not_, or_, select
from sqlmodel import Session

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


def _conditions(query: ActivityQuery) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if query.actor:
        conds.append(AuditEntry.actor == query.actor)
    if query.kind:
        conds.append(AuditEntry.entity_kind == query.kind)
    if query.start is not None:
        conds.append(AuditEntry.at >= query.start)
    if query.end is not None:
        conds.append(AuditEntry.at < query.end)
    if query.levels is not None:
        kinds = [query.kind] if query.kind else list(TABLES)
        conds.append(not_(or_(*[_hidden_now(k, query.levels) for k in kinds])))
    return conds


def activity_page(
    session: Session,
    *,
    query: ActivityQuery,
    after: tuple[dt.datetime, int] | None = None,
    limit: int = PAGE_SIZE,
) -> list[Any]:
    """(id, at, actor, entity_kind, entity_ref, action, changes) newest first; ``after``
    is the (at, id) of the last row of the page before."""
    stmt = select(
        AuditEntry.id,
        AuditEntry.at,
        AuditEntry.actor,
        AuditEntry.entity_kind,
        AuditEntry.entity_ref,
        AuditEntry.action,
        AuditEntry.changes,
    ).where(*_conditions(query))
    if after is not None:
        at, last_id = after
        stmt = stmt.where(
            or_(AuditEntry.at < at, and_(AuditEntry.at == at, AuditEntry.id < last_id))
        )
    stmt = stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    return list(session.execute(stmt).all())


def recent_actors(session: Session, *, window: int = 5000) -> list[str]:
    """The members who wrote the latest ``window`` entries (a cheap list for the filter)."""
    latest = (
        select(AuditEntry.actor).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(window)
    ).subquery()
    rows = session.execute(select(latest.c.actor).distinct())
    return sorted({str(a) for (a,) in rows if a})


def record_audit(session: Session, *, kind: str, ref: str) -> list[Any]:
    """(id, at, actor, action, changes) of one record, oldest first (by the ref index)."""
    stmt = (
        select(
            AuditEntry.id, AuditEntry.at, AuditEntry.actor, AuditEntry.action, AuditEntry.changes
        )
        .where(AuditEntry.entity_ref == ref, AuditEntry.entity_kind == kind)
        .order_by(AuditEntry.at, AuditEntry.id)
    )
    return list(session.execute(stmt).all())


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
