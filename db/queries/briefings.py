"""Reads for the Briefings screen: the packs made, the latest pack's date, partnerships to pick.

The briefing records themselves are written by the pack builder
(``db.queries.briefing.add_briefing_record``); this module only reads, and hands
back plain rows (no ORM objects outlive the session).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from db.models import ISSUED, BriefingRecord, Partnership


@dataclass(frozen=True)
class BriefingRow:
    """One pack made, as the Briefings list shows it."""

    id: int
    created_at: dt.datetime  # UTC
    actor: str
    title: str
    audience: str | None
    ceiling: str
    banner_level: str
    page_count: int
    sha256: str
    file_name: str
    parameters: str  # JSON, as stored by the builder
    edition: str = "draft"  # "draft" or "issued"
    issued_by: str | None = None
    issued_at: dt.datetime | None = None
    distribution: str | None = None
    scope: str = ""  # partnership refs, sorted, comma-joined ("" for the whole register)

    @property
    def issued(self) -> bool:
        return self.edition == ISSUED


@dataclass(frozen=True)
class PartnershipChoice:
    id: int
    ref: str
    name: str
    classification: str
    status: str


# Typed as Any: SQLModel declares the columns as their Python types.
_B: Any = BriefingRecord
_P: Any = Partnership

_COLUMNS: tuple[Any, ...] = (
    BriefingRecord.id,
    BriefingRecord.created_at,
    BriefingRecord.actor,
    BriefingRecord.title,
    BriefingRecord.audience,
    BriefingRecord.ceiling,
    BriefingRecord.banner_level,
    BriefingRecord.page_count,
    BriefingRecord.sha256,
    BriefingRecord.file_name,
    BriefingRecord.parameters,
    BriefingRecord.edition,
    BriefingRecord.issued_by,
    BriefingRecord.issued_at,
    BriefingRecord.distribution,
    BriefingRecord.scope,
)


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _row(r: tuple[object, ...]) -> BriefingRow:
    return BriefingRow(
        id=int(r[0]),  # type: ignore[call-overload]
        created_at=_utc(r[1]),  # type: ignore[arg-type]
        actor=str(r[2] or ""),
        title=str(r[3] or ""),
        audience=r[4] if r[4] else None,  # type: ignore[arg-type]
        ceiling=str(r[5]),
        banner_level=str(r[6]),
        page_count=int(r[7] or 0),  # type: ignore[call-overload]
        sha256=str(r[8]),
        file_name=str(r[9]),
        parameters=str(r[10] or "{}"),
        edition=str(r[11] or "draft"),
        issued_by=str(r[12]) if r[12] else None,
        issued_at=_utc(r[13]) if r[13] else None,  # type: ignore[arg-type]
        distribution=str(r[14]) if r[14] else None,
        scope=str(r[15] or ""),
    )


def list_briefings(session: Session, *, limit: int | None = None) -> list[BriefingRow]:
    """Packs made, newest first."""
    stmt = select(*_COLUMNS).order_by(_B.created_at.desc(), _B.id.desc())
    if limit is not None:
        stmt = stmt.limit(limit)
    return [_row(tuple(r)) for r in session.execute(stmt).all()]


def get_briefing(session: Session, *, briefing_id: int) -> BriefingRow | None:
    row = session.execute(select(*_COLUMNS).where(_B.id == briefing_id)).first()
    return _row(tuple(row)) if row is not None else None


def briefing_count(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(BriefingRecord)).scalar_one())


def latest_briefing_at(
    session: Session,
    *,
    before: dt.datetime | None = None,
    levels: Sequence[str] | None = None,
    issued_only: bool = False,
    scope: str | None = None,
) -> dt.datetime | None:
    """When the newest pack (made before ``before``, if given; with a ceiling among
    ``levels``, if given; issued, with ``issued_only``; of ``scope``, if given) was
    made, in UTC; None if none."""
    stmt = select(func.max(_B.created_at))
    if levels is not None:
        stmt = stmt.where(_B.ceiling.in_(list(levels)))
    if issued_only:
        stmt = stmt.where(_B.edition == ISSUED)
    if scope is not None:
        stmt = stmt.where(_B.scope == scope)
    if before is not None:
        stmt = stmt.where(_B.created_at < before)
    value = session.execute(stmt).scalar_one_or_none()
    if value is None:
        return None
    if isinstance(value, str):  # SQLite hands an aggregate back as text
        value = dt.datetime.fromisoformat(value)
    return _utc(value)


def latest_briefing_date(
    session: Session,
    *,
    levels: Sequence[str] | None = None,
    issued_only: bool = False,
    scope: str | None = None,
) -> dt.date | None:
    """The day the newest pack (with a ceiling among ``levels``, if given; issued and of
    ``scope`` when asked) was made (UTC), the default "what changed since"."""
    when = latest_briefing_at(session, levels=levels, issued_only=issued_only, scope=scope)
    return when.date() if when is not None else None


def partnership_choices(session: Session) -> list[PartnershipChoice]:
    """Every partnership (any classification) for the pack's scope picker, by ref."""
    stmt = select(_P.id, _P.ref, _P.name, _P.classification, _P.status).order_by(_P.ref)
    return [
        PartnershipChoice(int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]))
        for r in session.execute(stmt).all()
    ]
