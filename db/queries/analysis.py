"""Queries behind the analysis layer (matrix, history replay, pressure, timeline, summaries).

Every function is keyword-only and takes the session explicitly.  Filters arrive as a
:class:`Criteria` (built by ``desktop.services.filters.RecordFilter``), so that the
classification ceiling is always applied *in the query*: records above it never
leave the database, and links to them are dropped in the same statement.

Queries on hot paths (matrix counts, audit replay) run through the session's Core
connection rather than the ORM, which keeps the per-row cost close to raw SQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, case, func, or_, select
from sqlalchemy.sql import Select
from sqlmodel import Session

from db import kinds, scoring
from db.models import COMMENTARY_FIELDS, RiskCommentary
from db.queries.event_scope import event_concerns
from db.queries.tables import (
    AuditEntry,
    Event,
    EventRiskLink,
    Partnership,
    Risk,
    RiskPartnershipLink,
    RiskStakeholderLink,
    Stakeholder,
)

CLOSED = "closed"

TABLES: dict[str, Any] = dict(kinds.TABLES)


@dataclass(frozen=True)
class Criteria:
    """What the query layer needs to know of a filter (no desktop types in db/).

    ``levels`` is the list of admitted classification levels (None: no ceiling).
    Empty tuples mean "no filter", like None.  The risk-only fields (categories,
    owners, statuses, include_closed) are ignored by event and stakeholder queries.
    """

    levels: tuple[str, ...] | None = None
    partnership_ids: tuple[int, ...] | None = None
    categories: tuple[str, ...] | None = None
    owners: tuple[str, ...] | None = None
    statuses: tuple[str, ...] | None = None
    include_closed: bool = False

    def closed_wanted(self) -> bool:
        return self.include_closed or (bool(self.statuses) and CLOSED in (self.statuses or ()))


NO_CRITERIA = Criteria()


# --------------------------------------------------------------------------- building blocks


def within(column: Any, levels: Sequence[str] | None) -> ColumnElement[bool] | None:
    """``column IN levels`` or None when there is no ceiling."""
    if levels is None:
        return None
    return column.in_(list(levels))


def _visible_partnership_ids(c: Criteria) -> Select[Any]:
    stmt = select(Partnership.id).where(Partnership.id.in_(list(c.partnership_ids or ())))
    cond = within(Partnership.classification, c.levels)
    return stmt.where(cond) if cond is not None else stmt


def _visible_risk_ids(c: Criteria) -> Select[Any]:
    stmt = select(Risk.id)
    cond = within(Risk.classification, c.levels)
    return stmt.where(cond) if cond is not None else stmt


def _visible_event_ids(c: Criteria) -> Select[Any]:
    stmt = select(Event.id)
    cond = within(Event.classification, c.levels)
    return stmt.where(cond) if cond is not None else stmt


def risk_conditions(c: Criteria) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    level = within(Risk.classification, c.levels)
    if level is not None:
        conds.append(level)
    if c.statuses:
        conds.append(Risk.status.in_(list(c.statuses)))
    if not c.closed_wanted():
        conds.append(Risk.status != CLOSED)
    if c.categories:
        conds.append(Risk.category.in_(list(c.categories)))
    if c.owners:
        conds.append(func.lower(Risk.owner).in_([o.strip().lower() for o in c.owners]))
    if c.partnership_ids:
        linked = select(RiskPartnershipLink.risk_id).where(
            RiskPartnershipLink.partnership_id.in_(_visible_partnership_ids(c))
        )
        conds.append(Risk.id.in_(linked))
    return conds


def event_conditions(c: Criteria) -> list[ColumnElement[bool]]:
    """Ceiling, and "concerns these partnerships" (``db.queries.event_scope``): the event's
    own partnership, or, naming none, a linked risk that is linked to one of them."""
    conds: list[ColumnElement[bool]] = []
    level = within(Event.classification, c.levels)
    if level is not None:
        conds.append(level)
    if c.partnership_ids:
        visible = _visible_partnership_ids(c)
        via_risk = (
            select(EventRiskLink.event_id)
            .join(RiskPartnershipLink, RiskPartnershipLink.risk_id == EventRiskLink.risk_id)
            .where(
                RiskPartnershipLink.partnership_id.in_(visible),
                # The visible graph: no membership through a risk above the ceiling.
                EventRiskLink.risk_id.in_(_visible_risk_ids(c)),
            )
        )
        conds.append(event_concerns(visible, via_risk, c.levels))
    return conds


def adverse_condition() -> ColumnElement[bool]:
    """An adverse event (the rule: ``db.scoring.is_adverse``)."""
    return scoring.adverse_sql(Event.sentiment, Event.kind)


def _cell_columns(residual: bool) -> tuple[Any, Any]:
    """The inherent or residual cell (the rule: ``db.scoring.residual_cell``)."""
    return scoring.risk_cell_sql(Risk, residual=residual)


def _core(session: Session, stmt: Any) -> Any:
    """Run a Core statement on the session's connection (no ORM row processing)."""
    return session.connection().execute(stmt)


class RawRows:
    """Rows of a Core statement as the driver returns them, iterated by the driver's own
    cursor (no per-row work in Python).  Only for statements whose columns are text
    and integers, which need no result processing; the statement is still built and
    bound by SQLAlchemy.  Close it (or use ``with``) when done."""

    def __init__(self, session: Session, stmt: Any) -> None:
        self._result = session.connection().execute(stmt)
        self._cursor: Any = self._result.cursor

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self._cursor)

    def fetchall(self) -> list[tuple[Any, ...]]:
        try:
            return list(self._cursor.fetchall())
        finally:
            self.close()

    def close(self) -> None:
        self._result.close()

    def __enter__(self) -> RawRows:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _raw_rows(session: Session, stmt: Any) -> list[tuple[Any, ...]]:
    return RawRows(session, stmt).fetchall()


# --------------------------------------------------------------------------- risk matrix


def risk_cell_counts(
    session: Session, *, criteria: Criteria, residual: bool = False
) -> list[tuple[int, int, int]]:
    """(likelihood, impact, count) for every occupied cell: one GROUP BY."""
    lk, im = _cell_columns(residual)
    stmt = select(lk, im, func.count()).where(*risk_conditions(criteria)).group_by(lk, im)
    return [(int(a), int(b), int(n)) for a, b, n in _core(session, stmt)]


def risk_point_rows(
    session: Session, *, criteria: Criteria, residual: bool = False
) -> list[tuple[Any, ...]]:
    """(id, ref, title, classification, status, likelihood, impact, residual likelihood,
    residual impact) of every matching risk, by ref: plain tuples straight off the cursor
    (text and integer columns).  The recorded residual pair says whether the residual
    cell fell back to the inherent one."""
    lk, im = _cell_columns(residual)
    rl, ri = Risk.residual_likelihood, Risk.residual_impact
    stmt = (
        select(Risk.id, Risk.ref, Risk.title, Risk.classification, Risk.status, lk, im, rl, ri)
        .where(*risk_conditions(criteria))
        .order_by(Risk.ref)
    )
    return _raw_rows(session, stmt)


RISK_COLUMNS = (
    Risk.id,
    Risk.ref,
    Risk.title,
    Risk.classification,
    Risk.category,
    Risk.owner,
    Risk.status,
    Risk.likelihood,
    Risk.impact,
    Risk.residual_likelihood,
    Risk.residual_impact,
    Risk.treatment,
    Risk.mitigation,
    Risk.review_due,
)


def risk_rows(
    session: Session,
    *,
    criteria: Criteria,
    by_residual_score: bool = False,
    limit: int | None = None,
    created_from: dt.datetime | None = None,
    created_before: dt.datetime | None = None,
    ids: Sequence[int] | None = None,
) -> list[Row[Any]]:
    """Full rows of matching risks (register, pressure, top risks), optionally by residual
    score; ``ids`` narrows them to those risks (one risk's form)."""
    stmt = select(*RISK_COLUMNS).where(*risk_conditions(criteria))
    if ids is not None:
        stmt = stmt.where(Risk.id.in_(list(ids)))
    if created_from is not None:
        stmt = stmt.where(Risk.created_at >= created_from)
    if created_before is not None:
        stmt = stmt.where(Risk.created_at < created_before)
    if by_residual_score:
        residual = scoring.score_sql(*_cell_columns(True))
        inherent = scoring.score_sql(*_cell_columns(False))
        stmt = stmt.order_by(residual.desc(), inherent.desc(), Risk.ref)
    else:
        stmt = stmt.order_by(Risk.ref)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(_core(session, stmt))


def count_new_risks(
    session: Session, *, criteria: Criteria, start: dt.datetime, end: dt.datetime
) -> int:
    """Risks created in [start, end), whatever their status now (closed ones count)."""
    c = Criteria(
        levels=criteria.levels,
        partnership_ids=criteria.partnership_ids,
        categories=criteria.categories,
        owners=criteria.owners,
        statuses=criteria.statuses,
        include_closed=True,
    )
    stmt = (
        select(func.count())
        .select_from(Risk)
        .where(*risk_conditions(c), Risk.created_at >= start, Risk.created_at < end)
    )
    return int(_core(session, stmt).scalar() or 0)


def ids_by_ref(session: Session, *, kind: str, levels: Sequence[str] | None) -> dict[str, int]:
    table = TABLES[kind]
    stmt = select(table.ref, table.id)
    cond = within(table.classification, levels)
    if cond is not None:
        stmt = stmt.where(cond)
    return dict(_raw_rows(session, stmt))


def risk_owner_names(session: Session, *, levels: Sequence[str] | None) -> list[str]:
    """Distinct risk owners (of risks within the ceiling), sorted case-insensitively."""
    stmt = select(Risk.owner).where(Risk.owner.is_not(None)).distinct()
    cond = within(Risk.classification, levels)
    if cond is not None:
        stmt = stmt.where(cond)
    names = {str(o).strip() for (o,) in _raw_rows(session, stmt) if o and str(o).strip()}
    return sorted(names, key=lambda n: (n.casefold(), n))


def partnership_refs_for(
    session: Session, *, ids: Sequence[int], levels: Sequence[str] | None
) -> list[str]:
    """Refs of the given partnerships that are within the ceiling."""
    if not ids:
        return []
    stmt = select(Partnership.ref).where(Partnership.id.in_(list(ids)))
    cond = within(Partnership.classification, levels)
    if cond is not None:
        stmt = stmt.where(cond)
    return sorted(_core(session, stmt).scalars())


# --------------------------------------------------------------------------- audit replay


def current_states(
    session: Session, *, kind: str, fields: Sequence[str], levels: Sequence[str] | None
) -> list[tuple[Any, ...]]:
    """ref plus the named (text or integer) columns of every current record within the ceiling."""
    table = TABLES[kind]
    said: Any = RiskCommentary.__table__  # type: ignore[attr-defined]
    # A risk's commentary fields come from its own table (none above the ceiling).
    named = dict(
        zip(COMMENTARY_FIELDS, (said.c.text, said.c.dated, said.c.classification), strict=True)
    )
    columns = [named[f] if kind == "risk" and f in named else getattr(table, f) for f in fields]
    stmt = select(table.ref, *columns)
    if kind == "risk" and named.keys() & set(fields):
        on = said.c.risk_id == table.id
        shown = within(func.coalesce(said.c.classification, table.classification), levels)
        stmt = stmt.outerjoin(said, on if shown is None else and_(on, shown))
    cond = within(table.classification, levels)
    if cond is not None:
        stmt = stmt.where(cond)
    return _raw_rows(session, stmt)


def count_records(session: Session, *, kind: str) -> int:
    table = TABLES[kind]
    return int(_core(session, select(func.count()).select_from(table)).scalar() or 0)


def risk_partnership_ref_pairs(
    session: Session, *, levels: Sequence[str] | None
) -> list[tuple[str, str]]:
    """(risk ref, partnership ref) for every link; the audit names links by ref too."""
    stmt = (
        select(Risk.ref, Partnership.ref)
        .join(RiskPartnershipLink, RiskPartnershipLink.risk_id == Risk.id)
        .join(Partnership, Partnership.id == RiskPartnershipLink.partnership_id)
    )
    cond = within(Risk.classification, levels)
    if cond is not None:
        # Both ends within the ceiling: a link to a hidden partnership does not exist.
        stmt = stmt.where(cond, Partnership.classification.in_(list(levels or ())))
    return [(a, b) for a, b in _raw_rows(session, stmt)]


def _above_ceiling_refs(kind: str, levels: Sequence[str]) -> Select[Any]:
    table = TABLES[kind]
    return select(table.ref).where(table.classification.not_in(list(levels)))


# Entries with these actions always matter to a replay: they make or remove a record.
EXISTENCE_ACTIONS = ("create", "import", "restore", "delete")


def key_marker(field: str) -> str:
    """How a field's key appears in a ``changes`` text written by ``db.audit.dumps``
    (compact separators).  Inside a JSON string every quote is escaped, so this text
    can only match a real key: a safe pre-filter for the entries touching a field."""
    return f'"{field}":['


def touching_condition(fields: Sequence[str]) -> ColumnElement[bool]:
    return or_(
        AuditEntry.action.in_(EXISTENCE_ACTIONS),
        *[AuditEntry.changes.contains(key_marker(f), autoescape=True) for f in fields],
    )


def _audit_where(
    kind: str, start: dt.datetime | None, end: dt.datetime | None, levels: Sequence[str] | None
) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [AuditEntry.entity_kind == kind]
    if start is not None:
        conds.append(AuditEntry.at >= start)
    if end is not None:
        conds.append(AuditEntry.at < end)
    if levels is not None:
        # Records above the ceiling now never contribute, whatever their history says.
        conds.append(AuditEntry.entity_ref.not_in(_above_ceiling_refs(kind, levels)))
    return conds


def count_audit(
    session: Session,
    *,
    kind: str,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> int:
    """Entries of one kind with ``start <= at < end`` (used to choose a replay direction)."""
    stmt = select(func.count()).select_from(AuditEntry).where(*_audit_where(kind, start, end, None))
    return int(_core(session, stmt).scalar() or 0)


def stream_audit(
    session: Session,
    *,
    kind: str,
    start: dt.datetime | None,
    end: dt.datetime | None,
    levels: Sequence[str] | None,
    descending: bool = False,
    touching: Sequence[str] | None = None,
) -> RawRows:
    """(ref, action, changes JSON) of one kind with ``start <= at < end``, in write order
    (or the reverse), streamed off the cursor.  With ``touching``, only the entries
    that make or remove a record or change one of those fields."""
    stmt = select(AuditEntry.entity_ref, AuditEntry.action, AuditEntry.changes).where(
        *_audit_where(kind, start, end, levels)
    )
    if touching is not None:
        stmt = stmt.where(touching_condition(touching))
    if descending:
        stmt = stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    else:
        stmt = stmt.order_by(AuditEntry.at, AuditEntry.id)
    return RawRows(session, stmt)


def audit_entries(
    session: Session,
    *,
    kind: str,
    start: dt.datetime,
    end: dt.datetime,
    levels: Sequence[str] | None,
    existing_only: bool = True,
    touching: Sequence[str] | None = None,
) -> list[Any]:
    """ref, at, action, changes of one kind in ``[start, end)``, oldest first.

    With ``existing_only`` only records that exist now (within the ceiling) are kept,
    so a deleted or excluded record's history never surfaces.  ``touching`` keeps
    creating entries and those whose text names one of these fields (a coarse
    pre-filter: the caller parses the JSON and decides)."""
    stmt = select(
        AuditEntry.entity_ref, AuditEntry.at, AuditEntry.action, AuditEntry.changes
    ).where(*_audit_where(kind, start, end, levels))
    if touching:
        stmt = stmt.where(touching_condition(touching))
    if existing_only:
        table = TABLES[kind]
        current = select(table.ref)
        cond = within(table.classification, levels)
        if cond is not None:
            current = current.where(cond)
        stmt = stmt.where(AuditEntry.entity_ref.in_(current))
    stmt = stmt.order_by(AuditEntry.at, AuditEntry.id)
    return list(session.execute(stmt))


# --------------------------------------------------------------------------- events


def adverse_event_links(
    session: Session,
    *,
    risk_ids: Sequence[int] | None,
    start: dt.date,
    end: dt.date,
    levels: Sequence[str] | None,
) -> list[Any]:
    """(risk_id, event id, occurred_on, severity, reach) of adverse events linked to risks."""
    stmt = (
        select(EventRiskLink.risk_id, Event.id, Event.occurred_on, Event.severity, Event.reach)
        .join(Event, Event.id == EventRiskLink.event_id)
        .where(adverse_condition(), Event.occurred_on >= start, Event.occurred_on <= end)
    )
    cond = within(Event.classification, levels)
    if cond is not None:
        stmt = stmt.where(cond)
    if risk_ids is not None:
        if not risk_ids:
            return []
        stmt = stmt.where(EventRiskLink.risk_id.in_(list(risk_ids)))
    return list(_core(session, stmt))


def event_rows(
    session: Session,
    *,
    criteria: Criteria,
    start: dt.date,
    end: dt.date,
    min_severity: int | None = None,
    limit: int | None = None,
) -> list[Row[Any]]:
    """Events in ``[start, end]`` with the names of their stakeholder and partnership
    (only when those are within the ceiling too), newest first."""
    ps = Partnership.__table__.alias("ps")  # type: ignore[attr-defined]
    sh = Stakeholder.__table__.alias("sh")  # type: ignore[attr-defined]
    ev = Event.__table__.alias("re")  # type: ignore[attr-defined]
    p_on = ps.c.id == Event.partnership_id
    s_on = sh.c.id == Event.stakeholder_id
    r_on = ev.c.id == Event.responds_to_id
    if criteria.levels is not None:
        p_on = and_(p_on, ps.c.classification.in_(list(criteria.levels)))
        s_on = and_(s_on, sh.c.classification.in_(list(criteria.levels)))
        r_on = and_(r_on, ev.c.classification.in_(list(criteria.levels)))
    stmt = (
        select(
            Event.id,
            Event.ref,
            Event.title,
            Event.kind,
            Event.occurred_on,
            Event.severity,
            Event.sentiment,
            Event.reach,
            Event.classification,
            Event.channel,
            ps.c.id.label("partnership_id"),
            ps.c.ref.label("partnership_ref"),
            ps.c.name.label("partnership_name"),
            sh.c.id.label("stakeholder_id"),
            sh.c.ref.label("stakeholder_ref"),
            sh.c.name.label("stakeholder_name"),
            ev.c.ref.label("responds_to_ref"),
            ev.c.title.label("responds_to_title"),
            adverse_condition().label("adverse"),
        )
        .outerjoin(ps, p_on)
        .outerjoin(sh, s_on)
        .outerjoin(ev, r_on)
        .where(*event_conditions(criteria), Event.occurred_on >= start, Event.occurred_on <= end)
    )
    if min_severity is not None:
        stmt = stmt.where(Event.severity >= min_severity)
        stmt = stmt.order_by(Event.severity.desc(), Event.occurred_on.desc(), Event.ref)
    else:
        stmt = stmt.order_by(Event.occurred_on.desc(), Event.ref.desc())
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(_core(session, stmt))


def event_counts(
    session: Session, *, criteria: Criteria, start: dt.date, end: dt.date
) -> tuple[int, int]:
    """(events, adverse events) that occurred in ``[start, end]``."""
    adverse = func.sum(case((adverse_condition(), 1), else_=0))
    stmt = select(func.count(), adverse).where(
        *event_conditions(criteria), Event.occurred_on >= start, Event.occurred_on <= end
    )
    total, bad = _core(session, stmt).one()
    return int(total or 0), int(bad or 0)


def event_counts_by_day_and_kind(
    session: Session, *, criteria: Criteria, start: dt.date, end: dt.date
) -> list[tuple[dt.date, str, int]]:
    stmt = (
        select(Event.occurred_on, Event.kind, func.count())
        .where(*event_conditions(criteria), Event.occurred_on >= start, Event.occurred_on <= end)
        .group_by(Event.occurred_on, Event.kind)
    )
    return [(d, str(k), int(n)) for d, k, n in _core(session, stmt)]


def sentiment_by_day(
    session: Session,
    *,
    criteria: Criteria,
    start: dt.date,
    end: dt.date,
    partnership_id: int | None = None,
    stakeholder_id: int | None = None,
) -> list[tuple[dt.date, int, int]]:
    """(day, sum of sentiment, count) of events in range.  A partnership or stakeholder
    above the ceiling gives nothing at all."""
    stmt = select(Event.occurred_on, func.sum(Event.sentiment), func.count()).where(
        *event_conditions(criteria), Event.occurred_on >= start, Event.occurred_on <= end
    )
    if partnership_id is not None:
        visible = select(Partnership.id).where(Partnership.id == partnership_id)
        cond = within(Partnership.classification, criteria.levels)
        if cond is not None:
            visible = visible.where(cond)
        stmt = stmt.where(Event.partnership_id.in_(visible))
    if stakeholder_id is not None:
        visible_s = select(Stakeholder.id).where(Stakeholder.id == stakeholder_id)
        cond = within(Stakeholder.classification, criteria.levels)
        if cond is not None:
            visible_s = visible_s.where(cond)
        stmt = stmt.where(Event.stakeholder_id.in_(visible_s))
    stmt = stmt.group_by(Event.occurred_on)
    return [(d, int(s or 0), int(n)) for d, s, n in _core(session, stmt)]


# --------------------------------------------------------------------------- partnerships, stakeholders


def partnership_conditions(c: Criteria) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    level = within(Partnership.classification, c.levels)
    if level is not None:
        conds.append(level)
    if c.partnership_ids:
        conds.append(Partnership.id.in_(list(c.partnership_ids)))
    return conds


def partnership_status_counts(session: Session, *, criteria: Criteria) -> dict[str, int]:
    stmt = (
        select(Partnership.status, func.count())
        .where(*partnership_conditions(criteria))
        .group_by(Partnership.status)
    )
    return {str(s): int(n) for s, n in _core(session, stmt)}


def partnership_rows(session: Session, *, criteria: Criteria) -> list[Row[Any]]:
    stmt = (
        select(
            Partnership.id,
            Partnership.ref,
            Partnership.name,
            Partnership.status,
            Partnership.classification,
        )
        .where(*partnership_conditions(criteria))
        .order_by(Partnership.ref)
    )
    return list(_core(session, stmt))


def stakeholder_conditions(c: Criteria) -> list[ColumnElement[bool]]:
    """Ceiling, and "concerned by these partnerships": their partner, a stakeholder linked
    to one of their risks, or one who acted in one of their events."""
    conds: list[ColumnElement[bool]] = []
    level = within(Stakeholder.classification, c.levels)
    if level is not None:
        conds.append(level)
    if c.partnership_ids:
        visible = _visible_partnership_ids(c)
        partners = select(Partnership.partner_id).where(Partnership.id.in_(visible))
        via_risk = (
            select(RiskStakeholderLink.stakeholder_id)
            .join(RiskPartnershipLink, RiskPartnershipLink.risk_id == RiskStakeholderLink.risk_id)
            .where(
                RiskPartnershipLink.partnership_id.in_(visible),
                RiskStakeholderLink.risk_id.in_(_visible_risk_ids(c)),
            )
        )
        via_event = select(Event.stakeholder_id).where(
            Event.partnership_id.in_(visible),
            Event.stakeholder_id.is_not(None),
            Event.id.in_(_visible_event_ids(c)),
        )
        conds.append(
            or_(
                Stakeholder.id.in_(partners),
                Stakeholder.id.in_(via_risk),
                Stakeholder.id.in_(via_event),
            )
        )
    return conds


def stakeholder_rows(session: Session, *, criteria: Criteria) -> list[Row[Any]]:
    stmt = (
        select(
            Stakeholder.id,
            Stakeholder.ref,
            Stakeholder.name,
            Stakeholder.kind,
            Stakeholder.influence,
            Stakeholder.interest,
            Stakeholder.stance,
            Stakeholder.classification,
        )
        .where(*stakeholder_conditions(criteria))
        .order_by(Stakeholder.ref)
    )
    return list(_core(session, stmt))
