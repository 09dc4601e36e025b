"""Queries of the briefing pack: every read is filtered by classification in SQL.

The ceiling is applied here, in the ``WHERE`` clause, before anything is laid out:
callers pass ``levels`` (the classification values at or below the ceiling, see
``db.classification.levels_up_to``) and never see a row above it.  The only reads
that look past the ceiling are the ``excluded_*`` counts, which return numbers and
nothing else.

The pack's *scope* is either the whole register or the records around a set of
partnerships (``Scope``); each query applies it with sub-selects, so no query
runs once per row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, true
from sqlmodel import Session

from db import models
from db.models import ISSUED, BriefingRecord
from db.queries.event_scope import event_concerns
from db.queries.tables import (
    Action,
    ActionRiskLink,
    AuditEntry,
    Briefing,
    Event,
    EventRiskLink,
    Partnership,
    Risk,
    RiskPartnershipLink,
    RiskStakeholderLink,
    Stakeholder,
)

EVENT_COLUMNS = (
    Event.id,
    Event.ref,
    Event.classification,
    Event.occurred_on,
    Event.title,
    Event.kind,
    Event.severity,
    Event.sentiment,
    Event.reach,
    Event.metric_value,
    Event.metric_unit,
    Event.channel,
    Event.summary,
    Event.stakeholder_id,
    Event.partnership_id,
    Event.responds_to_id,
)


@dataclass(frozen=True)
class Scope:
    """Which partnerships a pack is about; ``None`` means the whole register."""

    partnership_ids: tuple[int, ...] | None = None
    # The ceiling's levels once applied (``scope_within``): membership then follows
    # only links whose records are within them.
    levels: tuple[str, ...] | None = None

    @property
    def whole(self) -> bool:
        return self.partnership_ids is None


def scope_within(session: Session, *, scope: Scope, levels: Sequence[str]) -> Scope:
    """``scope`` without the partnerships above the ceiling, which a pack treats as not
    listed (as the analysis filters do): no risk is included for its link to one."""
    if scope.whole or not scope.partnership_ids:
        return Scope(scope.partnership_ids, tuple(levels))
    stmt = select(Partnership.id).where(
        Partnership.id.in_(list(scope.partnership_ids)), Partnership.classification.in_(levels)
    )
    return Scope(tuple(sorted(session.execute(stmt).scalars())), tuple(levels))


# --------------------------------------------------------------------------- scope conditions


def _scoped_risk_ids(scope: Scope) -> Any:
    """Risks linked to the scope's partnerships, and (the visible graph) only those
    within the ceiling: membership never runs through a record above it."""
    stmt = select(RiskPartnershipLink.risk_id).where(
        RiskPartnershipLink.partnership_id.in_(scope.partnership_ids or ())
    )
    if scope.levels is not None:
        stmt = stmt.join(Risk, Risk.id == RiskPartnershipLink.risk_id).where(
            Risk.classification.in_(list(scope.levels))
        )
    return stmt


def _risk_scope(scope: Scope) -> ColumnElement[bool]:
    if scope.whole:
        return true()
    return Risk.id.in_(_scoped_risk_ids(scope))


def _partnership_scope(scope: Scope) -> ColumnElement[bool]:
    if scope.whole:
        return true()
    return Partnership.id.in_(scope.partnership_ids or ())


def _event_scope(scope: Scope) -> ColumnElement[bool]:
    if scope.whole:
        return true()
    linked = select(EventRiskLink.event_id).where(
        EventRiskLink.risk_id.in_(_scoped_risk_ids(scope))
    )
    return event_concerns(list(scope.partnership_ids or ()), linked, scope.levels)


def _event_window(start: dt.date, end: dt.date) -> ColumnElement[bool]:
    return and_(Event.occurred_on >= start, Event.occurred_on <= end)


def _stakeholder_scope(scope: Scope, start: dt.date, end: dt.date) -> ColumnElement[bool]:
    if scope.whole:
        return true()
    pids = scope.partnership_ids or ()
    partners = select(Partnership.partner_id).where(Partnership.id.in_(pids))
    via_risks = select(RiskStakeholderLink.stakeholder_id).where(
        RiskStakeholderLink.risk_id.in_(_scoped_risk_ids(scope))
    )
    via_events = select(Event.stakeholder_id).where(
        _event_scope(scope), _event_window(start, end), Event.stakeholder_id.is_not(None)
    )
    if scope.levels is not None:
        via_events = via_events.where(Event.classification.in_(list(scope.levels)))
    return or_(
        Stakeholder.id.in_(partners), Stakeholder.id.in_(via_risks), Stakeholder.id.in_(via_events)
    )


# --------------------------------------------------------------------------- records at or below the ceiling


def risks(session: Session, *, levels: Sequence[str], scope: Scope) -> list[models.Risk]:
    stmt = select(Risk).where(Risk.classification.in_(levels), _risk_scope(scope)).order_by(Risk.id)
    return list(session.execute(stmt).scalars())


def risk_links(
    session: Session, *, levels: Sequence[str], scope: Scope
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(risk_id, partnership_id) and (risk_id, stakeholder_id) pairs of the included risks.

    Only the ids: the caller keeps the pairs whose other end is itself included.
    """
    included = select(Risk.id).where(Risk.classification.in_(levels), _risk_scope(scope))
    rp = session.execute(
        select(RiskPartnershipLink.risk_id, RiskPartnershipLink.partnership_id).where(
            RiskPartnershipLink.risk_id.in_(included)
        )
    ).all()
    rs = session.execute(
        select(RiskStakeholderLink.risk_id, RiskStakeholderLink.stakeholder_id).where(
            RiskStakeholderLink.risk_id.in_(included)
        )
    ).all()
    return [(a, b) for a, b in rp], [(a, b) for a, b in rs]


def partnerships(
    session: Session, *, levels: Sequence[str], scope: Scope
) -> list[models.Partnership]:
    stmt = (
        select(Partnership)
        .where(Partnership.classification.in_(levels), _partnership_scope(scope))
        .order_by(Partnership.id)
    )
    return list(session.execute(stmt).scalars())


def stakeholders(
    session: Session, *, levels: Sequence[str], scope: Scope, start: dt.date, end: dt.date
) -> list[models.Stakeholder]:
    stmt = (
        select(Stakeholder)
        .where(Stakeholder.classification.in_(levels), _stakeholder_scope(scope, start, end))
        .order_by(Stakeholder.id)
    )
    return list(session.execute(stmt).scalars())


def stakeholders_by_id(
    session: Session, *, levels: Sequence[str], ids: Sequence[int]
) -> list[models.Stakeholder]:
    """Stakeholders named by included records (partners, actors), still under the ceiling."""
    if not ids:
        return []
    stmt = select(Stakeholder).where(
        Stakeholder.classification.in_(levels), Stakeholder.id.in_(list(ids))
    )
    return list(session.execute(stmt).scalars())


def events(
    session: Session, *, levels: Sequence[str], scope: Scope, start: dt.date, end: dt.date
) -> list[Any]:
    """Events in ``[start, end]`` as light rows (named tuples of ``EVENT_COLUMNS``)."""
    stmt = (
        select(*EVENT_COLUMNS)
        .where(Event.classification.in_(levels), _event_scope(scope), _event_window(start, end))
        .order_by(Event.occurred_on, Event.id)
    )
    return list(session.execute(stmt).all())


def event_risk_links(
    session: Session, *, levels: Sequence[str], scope: Scope, start: dt.date, end: dt.date
) -> list[tuple[int, int]]:
    """(event_id, risk_id) pairs for the events ``events`` returns (one query)."""
    included = select(Event.id).where(
        Event.classification.in_(levels), _event_scope(scope), _event_window(start, end)
    )
    rows = session.execute(
        select(EventRiskLink.event_id, EventRiskLink.risk_id).where(
            EventRiskLink.event_id.in_(included)
        )
    ).all()
    return [(a, b) for a, b in rows]


def event_titles(
    session: Session, *, levels: Sequence[str], ids: Sequence[int]
) -> dict[int, tuple[str, str, str]]:
    """Ref, title and classification of events answered by statements (under the ceiling)."""
    if not ids:
        return {}
    rows = session.execute(
        select(Event.id, Event.ref, Event.title, Event.classification).where(
            Event.classification.in_(levels), Event.id.in_(list(ids))
        )
    ).all()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


# --------------------------------------------------------------------------- what was left out (numbers only)


def excluded_counts(
    session: Session, *, levels: Sequence[str], scope: Scope, start: dt.date, end: dt.date
) -> dict[str, int]:
    """How many records of each kind the ceiling removed from the pack's scope."""

    def count(model: Any, *conds: ColumnElement[bool]) -> int:
        stmt = (
            select(func.count())
            .select_from(model)
            .where(model.classification.not_in(levels), *conds)
        )
        return int(session.execute(stmt).scalar() or 0)

    return {
        "stakeholder": count(Stakeholder, _stakeholder_scope(scope, start, end)),
        "partnership": count(Partnership, _partnership_scope(scope)),
        "risk": count(Risk, _risk_scope(scope)),
        "event": count(Event, _event_scope(scope), _event_window(start, end)),
        "action": count(Action, _action_scope(scope)),
    }


def _action_scope(scope: Scope) -> ColumnElement[bool]:
    """Actions of the risks in scope (every action when the pack covers the register)."""
    if scope.whole:
        return true()
    return Action.id.in_(
        select(ActionRiskLink.action_id).where(ActionRiskLink.risk_id.in_(_scoped_risk_ids(scope)))
    )


# --------------------------------------------------------------------------- history


def audit_since(
    session: Session, *, kinds: Sequence[str], since: dt.datetime
) -> list[models.AuditEntry]:
    """Audit entries of ``kinds`` after ``since``, newest first (callers keep included refs)."""
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.entity_kind.in_(list(kinds)), AuditEntry.at > since)
        .order_by(AuditEntry.id.desc())
    )
    return list(session.execute(stmt).scalars())


def last_briefing(
    session: Session,
    *,
    before: dt.datetime | None = None,
    levels: Sequence[str] | None = None,
    issued_only: bool = False,
    scope: str | None = None,
) -> BriefingRecord | None:
    """The newest pack made before ``before``; with ``levels``, only one whose ceiling
    is among them (a pack made under a higher ceiling is never a lower pack's baseline);
    with ``issued_only``, only an issued pack (a draft is never a baseline); with
    ``scope`` (``BriefingRecord.scope``), only a pack of that same scope."""
    stmt = select(Briefing)
    if levels is not None:
        stmt = stmt.where(Briefing.ceiling.in_(list(levels)))
    if before is not None:
        stmt = stmt.where(Briefing.created_at < before)
    if issued_only:
        stmt = stmt.where(Briefing.edition == ISSUED)
    if scope is not None:
        stmt = stmt.where(Briefing.scope == scope)
    stmt = stmt.order_by(Briefing.created_at.desc(), Briefing.id.desc()).limit(1)
    return session.execute(stmt).scalars().first()


def baseline_pack(
    session: Session, *, levels: Sequence[str], scope: str, before: dt.datetime | None = None
) -> BriefingRecord | None:
    """The pack a new pack compares with ("what changed", trends): the last *issued*
    pack of the same scope (``BriefingRecord.scope``) at the same or a lower ceiling
    (``levels``: those up to the new pack's ceiling), made before ``before``.  A draft,
    a pack of another scope or one that saw more is never a baseline."""
    return last_briefing(session, before=before, levels=levels, issued_only=True, scope=scope)


def add_briefing_record(session: Session, *, record: BriefingRecord) -> BriefingRecord:
    session.add(record)
    session.flush()
    return record


def briefing_records(session: Session) -> list[BriefingRecord]:
    stmt = select(Briefing).order_by(Briefing.created_at.desc(), Briefing.id.desc())
    return list(session.execute(stmt).scalars())


def partnership_ids_for_refs(
    session: Session, *, refs: Sequence[str], levels: Sequence[str] | None = None
) -> dict[str, int]:
    """Ref (any case) -> id for the partnerships that exist (within ``levels`` when
    given: one above the ceiling is as unknown as a ref that does not exist); the
    caller reports the rest."""
    wanted = [r.strip().upper() for r in refs]
    stmt = select(Partnership.ref, Partnership.id).where(Partnership.ref.in_(wanted))
    if levels is not None:
        stmt = stmt.where(Partnership.classification.in_(list(levels)))
    rows = session.execute(stmt).all()
    return {r[0]: r[1] for r in rows}


def partnership_refs_for_ids(
    session: Session, *, ids: Sequence[int], levels: Sequence[str]
) -> dict[int, str]:
    """Id -> ref of the given partnerships that exist within ``levels``."""
    rows = session.execute(
        select(Partnership.id, Partnership.ref).where(
            Partnership.id.in_(list(ids)), Partnership.classification.in_(list(levels))
        )
    ).all()
    return {int(r[0]): str(r[1]) for r in rows}
