"""The register's tables and the validated input models around them.

One family per entity, in the shape of the FastAPI full-stack template:

* ``XBase``   - the user-editable fields and their constraints;
* ``XCreate`` - what a form or an import row hands to the repository (links as ids);
* ``XUpdate`` - the same with every field optional (a partial update);
* ``X``       - the ``table=True`` class (which does *not* validate on construction,
  SQLModel #52, so nothing reaches it without passing through Create/Update first);
* ``XRead``   - what leaves the data layer.

Links between records are ids in the Create/Update models; turning refs or names
into ids is the import layer's job.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, ClassVar
from urllib.parse import urlparse

from pydantic import ConfigDict, field_validator, model_validator
from sqlalchemy import Column, Index, Integer, SmallInteger, String, select
from sqlalchemy.orm import object_session
from sqlmodel import Field, SQLModel

from db import scoring
from db.classification import DEFAULT_LEVEL, Classification
from db.enums import (
    ActionStatus,
    Channel,
    EventKind,
    Network,
    PartnershipStatus,
    RiskCategory,
    RiskStatus,
    StakeholderKind,
    Treatment,
)
from db.limits import INT64_MAX

NOTES_MAX = 10_000
SUMMARY_MAX = 5_000
TEXT_MAX = 10_000
NUL_REASON = "must not contain NUL characters"


_CLOCK: ContextVar[dt.datetime | None] = ContextVar("register_clock", default=None)


def utcnow() -> dt.datetime:
    """The current UTC time, or the time set by ``clock_at`` (history replays, the demo)."""
    fixed = _CLOCK.get()
    return fixed if fixed is not None else dt.datetime.now(dt.UTC)


@contextmanager
def clock_at(moment: dt.datetime) -> Iterator[None]:
    """Stamp the writes made inside the block (created_at, updated_at, audit time) with
    ``moment`` (timezone-aware UTC).  Used to give a replayed history its own dates."""
    if moment.tzinfo is None:
        raise ValueError("clock_at needs a timezone-aware time")
    token = _CLOCK.set(moment.astimezone(dt.UTC))
    try:
        yield
    finally:
        _CLOCK.reset(token)


def _version_column() -> Column[int]:
    return Column("version", Integer, nullable=False, default=1)


def check_url(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    parsed = urlparse(value)
    if parsed.scheme.lower() not in ("http", "https") or not parsed.netloc:
        raise ValueError("must be an http:// or https:// address")
    if any(ch.isspace() for ch in value):
        raise ValueError("must not contain spaces")
    return value


class _Input(SQLModel):
    """Shared behaviour of every validated input model: text trimmed, blanks to None,
    NUL characters refused."""

    # defer_build: each model's validator is built when it first validates, not at import
    # (about 30 ms of the app's start-up, before any form or import needs one).
    model_config = ConfigDict(str_strip_whitespace=True, validate_assignment=True, defer_build=True)  # type: ignore[assignment]

    @field_validator("*", mode="before")
    @classmethod
    def _blank_optional_text(cls, value: Any, info: Any) -> Any:
        if isinstance(value, str):
            if "\x00" in value:  # PostgreSQL text cannot hold it: refused on every backend
                raise ValueError(NUL_REASON)
            value = value.strip()
            if value == "":  # look the field up only then: this runs for every field of every row
                field = cls.model_fields.get(info.field_name)
                if field is not None and not field.is_required():
                    return None
        return value


class RecordFields(_Input):
    """Fields every record shares and the user may edit."""

    classification: Classification = Field(default=DEFAULT_LEVEL, max_length=20, sa_type=String(20))
    notes: str | None = Field(default=None, max_length=NOTES_MAX)


class Bookkeeping(SQLModel):
    """Columns the data layer maintains: never taken from user input."""

    model_config = ConfigDict(defer_build=True)  # type: ignore[assignment]  # as _Input's

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=16, unique=True, index=True)
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)
    created_by: str = Field(default="", max_length=200)
    updated_by: str = Field(default="", max_length=200)


# --------------------------------------------------------------------------- links


class RiskPartnershipLink(SQLModel, table=True):
    __tablename__ = "risk_partnership"
    risk_id: int = Field(foreign_key="risk.id", primary_key=True, ondelete="CASCADE")
    partnership_id: int = Field(
        foreign_key="partnership.id", primary_key=True, ondelete="CASCADE", index=True
    )


class RiskStakeholderLink(SQLModel, table=True):
    __tablename__ = "risk_stakeholder"
    risk_id: int = Field(foreign_key="risk.id", primary_key=True, ondelete="CASCADE")
    stakeholder_id: int = Field(
        foreign_key="stakeholder.id", primary_key=True, ondelete="CASCADE", index=True
    )


class EventRiskLink(SQLModel, table=True):
    __tablename__ = "event_risk"
    event_id: int = Field(foreign_key="event.id", primary_key=True, ondelete="CASCADE")
    risk_id: int = Field(foreign_key="risk.id", primary_key=True, ondelete="CASCADE", index=True)


class ActionRiskLink(SQLModel, table=True):
    __tablename__ = "action_risk"
    action_id: int = Field(foreign_key="action.id", primary_key=True, ondelete="CASCADE")
    risk_id: int = Field(foreign_key="risk.id", primary_key=True, ondelete="CASCADE", index=True)


# --------------------------------------------------------------------------- stakeholder


class StakeholderBase(RecordFields):
    name: str = Field(min_length=1, max_length=200)
    kind: StakeholderKind = Field(default=StakeholderKind.other, max_length=40, sa_type=String(40))
    description: str | None = Field(default=None, max_length=TEXT_MAX)
    influence: int = Field(default=3, ge=1, le=5)
    interest: int = Field(default=3, ge=1, le=5)
    stance: int = Field(default=0, ge=-2, le=2)
    relationship_owner: str | None = Field(default=None, max_length=200)


class StakeholderCreate(StakeholderBase):
    pass


class StakeholderUpdate(_Input):
    classification: Classification | None = None
    notes: str | None = Field(default=None, max_length=NOTES_MAX)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    kind: StakeholderKind | None = None
    description: str | None = Field(default=None, max_length=TEXT_MAX)
    influence: int | None = Field(default=None, ge=1, le=5)
    interest: int | None = Field(default=None, ge=1, le=5)
    stance: int | None = Field(default=None, ge=-2, le=2)
    relationship_owner: str | None = Field(default=None, max_length=200)


# Defined outside the class body: a name bound inside it would become a pydantic
# private attribute whose default (the Column, with its whole Table) is deep-copied
# on every instance, which made constructing a record take ~90 ms.
_STAKEHOLDER_VERSION = _version_column()


class Stakeholder(Bookkeeping, StakeholderBase, table=True):
    __tablename__ = "stakeholder"
    # Case-insensitive uniqueness of the name is enforced through this key.
    name_key: str = Field(max_length=200, unique=True)
    version: int = Field(default=1, sa_column=_STAKEHOLDER_VERSION)
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _STAKEHOLDER_VERSION}


class StakeholderRead(Bookkeeping, StakeholderBase):
    version: int


# --------------------------------------------------------------------------- partnership


class PartnershipBase(RecordFields):
    name: str = Field(min_length=1, max_length=200)
    status: PartnershipStatus = Field(
        default=PartnershipStatus.exploring, max_length=20, sa_type=String(20)
    )
    network: Network = Field(default=Network.not_applicable, max_length=20, sa_type=String(20))
    scope: str | None = Field(default=None, max_length=TEXT_MAX)
    announced_on: dt.date | None = None
    ended_on: dt.date | None = None
    owner: str | None = Field(default=None, max_length=200)
    value: float | None = Field(default=None, ge=0)
    currency: str | None = Field(default=None, max_length=3, min_length=3)
    source_url: str | None = Field(default=None, max_length=2000)

    _check_url = field_validator("source_url")(lambda cls, v: check_url(v))

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.isalpha():
            raise ValueError("must be a three-letter currency code such as USD")
        return value.upper()


def _check_partnership_dates(announced: dt.date | None, ended: dt.date | None) -> None:
    if announced and ended and ended < announced:
        raise ValueError("ended_on: must not be before announced_on")


class PartnershipCreate(PartnershipBase):
    partner_id: int = Field(gt=0)

    @model_validator(mode="after")
    def _dates(self) -> PartnershipCreate:
        _check_partnership_dates(self.announced_on, self.ended_on)
        return self


class PartnershipUpdate(_Input):
    classification: Classification | None = None
    notes: str | None = Field(default=None, max_length=NOTES_MAX)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    partner_id: int | None = Field(default=None, gt=0)
    status: PartnershipStatus | None = None
    network: Network | None = None
    scope: str | None = Field(default=None, max_length=TEXT_MAX)
    announced_on: dt.date | None = None
    ended_on: dt.date | None = None
    owner: str | None = Field(default=None, max_length=200)
    value: float | None = Field(default=None, ge=0)
    currency: str | None = Field(default=None, max_length=3, min_length=3)
    source_url: str | None = Field(default=None, max_length=2000)

    _check_url = field_validator("source_url")(lambda cls, v: check_url(v))


_PARTNERSHIP_VERSION = _version_column()


class Partnership(Bookkeeping, PartnershipBase, table=True):
    __tablename__ = "partnership"
    name_key: str = Field(max_length=200, unique=True)
    partner_id: int = Field(foreign_key="stakeholder.id", index=True, ondelete="RESTRICT")
    version: int = Field(default=1, sa_column=_PARTNERSHIP_VERSION)
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _PARTNERSHIP_VERSION}


class PartnershipRead(Bookkeeping, PartnershipBase):
    partner_id: int
    version: int


# --------------------------------------------------------------------------- risk


class RiskBase(RecordFields):
    title: str = Field(min_length=3, max_length=200)
    category: RiskCategory = Field(
        default=RiskCategory.reputational, max_length=20, sa_type=String(20)
    )
    description: str | None = Field(default=None, max_length=TEXT_MAX)
    owner: str | None = Field(default=None, max_length=200)
    likelihood: int = Field(default=3, ge=1, le=5)
    impact: int = Field(default=3, ge=1, le=5)
    residual_likelihood: int | None = Field(default=None, ge=1, le=5)
    residual_impact: int | None = Field(default=None, ge=1, le=5)
    treatment: Treatment = Field(default=Treatment.mitigate, max_length=20, sa_type=String(20))
    mitigation: str | None = Field(default=None, max_length=TEXT_MAX)
    status: RiskStatus = Field(
        default=RiskStatus.open, max_length=20, sa_type=String(20), index=True
    )
    review_due: dt.date | None = None


class RiskCommentaryFields(_Input):
    """The owner's commentary: dated, with its own classification (printed in a pack
    only when that level is within the pack's ceiling; None: the risk's level).

    Kept in its own table (``RiskCommentary``, migration 0016) so that PostgreSQL's
    row-level security can hide it from a member not cleared for its level while
    the risk stays visible; the forms, files and audit still name the three fields
    as the risk's."""

    commentary: str | None = Field(default=None, max_length=TEXT_MAX)
    commentary_on: dt.date | None = None
    commentary_classification: Classification | None = Field(
        default=None, max_length=20, sa_type=String(20)
    )


COMMENTARY_FIELDS: tuple[str, ...] = ("commentary", "commentary_on", "commentary_classification")


def _check_residual_pair(rl: int | None, ri: int | None) -> None:
    if (rl is None) != (ri is None):
        raise ValueError("residual_impact: residual likelihood and impact go together")


class RiskCreate(RiskCommentaryFields, RiskBase):
    partnership_ids: list[int] = Field(default_factory=list)
    stakeholder_ids: list[int] = Field(default_factory=list)

    @model_validator(mode="after")
    def _residual(self) -> RiskCreate:
        _check_residual_pair(self.residual_likelihood, self.residual_impact)
        return self


class RiskUpdate(_Input):
    classification: Classification | None = None
    notes: str | None = Field(default=None, max_length=NOTES_MAX)
    title: str | None = Field(default=None, min_length=3, max_length=200)
    category: RiskCategory | None = None
    description: str | None = Field(default=None, max_length=TEXT_MAX)
    owner: str | None = Field(default=None, max_length=200)
    likelihood: int | None = Field(default=None, ge=1, le=5)
    impact: int | None = Field(default=None, ge=1, le=5)
    residual_likelihood: int | None = Field(default=None, ge=1, le=5)
    residual_impact: int | None = Field(default=None, ge=1, le=5)
    treatment: Treatment | None = None
    mitigation: str | None = Field(default=None, max_length=TEXT_MAX)
    status: RiskStatus | None = None
    review_due: dt.date | None = None
    commentary: str | None = Field(default=None, max_length=TEXT_MAX)
    commentary_on: dt.date | None = None
    commentary_classification: Classification | None = None
    partnership_ids: list[int] | None = None
    stakeholder_ids: list[int] | None = None


_RISK_VERSION = _version_column()


class Risk(Bookkeeping, RiskBase, table=True):
    __tablename__ = "risk"
    version: int = Field(default=1, sa_column=_RISK_VERSION)
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _RISK_VERSION}

    @property
    def score(self) -> int:
        return scoring.score(self.likelihood, self.impact)

    @property
    def residual_score(self) -> int:
        return scoring.residual_score(
            self.likelihood, self.impact, self.residual_likelihood, self.residual_impact
        )

    # The commentary's fields, read from ``risk_commentary`` in the session that loaded
    # the risk (None when there is none, or none this member may see).  Written only
    # through ``db.commentary``.
    @property
    def commentary(self) -> str | None:
        return self._commentary_value(0)

    @property
    def commentary_on(self) -> dt.date | None:
        return self._commentary_value(1)

    @property
    def commentary_classification(self) -> Classification | None:
        return self._commentary_value(2)  # type: ignore[no-any-return]

    def _commentary_value(self, position: int) -> Any:
        session = object_session(self)
        if session is None:
            raise RuntimeError("a risk's commentary is read in the session that loaded it")
        if self.id is None:
            return None
        table = RiskCommentary.__table__  # type: ignore[attr-defined]
        row = session.execute(
            select(table.c.text, table.c.dated, table.c.classification).where(
                table.c.risk_id == self.id
            )
        ).first()
        return None if row is None else row[position]


class RiskCommentary(SQLModel, table=True):
    """A risk owner's commentary (at most one per risk; no row: no commentary).

    On PostgreSQL a team member sees the row only when cleared for both its own
    classification (NULL: the risk's) and its risk (migration 0016)."""

    __tablename__ = "risk_commentary"
    risk_id: int = Field(foreign_key="risk.id", primary_key=True, ondelete="CASCADE")
    text: str | None = Field(default=None, max_length=TEXT_MAX)
    dated: dt.date | None = None
    classification: str | None = Field(default=None, max_length=20)


class RiskRead(RiskCommentaryFields, Bookkeeping, RiskBase):
    version: int
    partnership_ids: list[int] = Field(default_factory=list)
    stakeholder_ids: list[int] = Field(default_factory=list)


# --------------------------------------------------------------------------- event


class EventBase(RecordFields):
    occurred_on: dt.date = Field(index=True)
    title: str = Field(min_length=3, max_length=200)
    kind: EventKind = Field(default=EventKind.other, max_length=30, sa_type=String(30), index=True)
    severity: int = Field(default=3, ge=1, le=5)
    sentiment: int = Field(default=0, ge=-2, le=2)
    reach: int | None = Field(default=None, ge=0, le=INT64_MAX)
    reach_basis: str | None = Field(default=None, max_length=500)
    metric_value: float | None = None
    metric_unit: str | None = Field(default=None, max_length=100)
    channel: Channel = Field(default=Channel.other, max_length=30, sa_type=String(30))
    source_url: str | None = Field(default=None, max_length=2000)
    summary: str | None = Field(default=None, max_length=SUMMARY_MAX)

    _check_url = field_validator("source_url")(lambda cls, v: check_url(v))

    @field_validator("occurred_on")
    @classmethod
    def _not_future(cls, value: dt.date) -> dt.date:
        if value > dt.date.today() + dt.timedelta(days=1):
            raise ValueError("must not be later than tomorrow")
        return value


class EventCreate(EventBase):
    stakeholder_id: int | None = Field(default=None, gt=0)
    partnership_id: int | None = Field(default=None, gt=0)
    responds_to_id: int | None = Field(default=None, gt=0)
    risk_ids: list[int] = Field(default_factory=list)


class EventUpdate(_Input):
    classification: Classification | None = None
    notes: str | None = Field(default=None, max_length=NOTES_MAX)
    occurred_on: dt.date | None = None
    title: str | None = Field(default=None, min_length=3, max_length=200)
    kind: EventKind | None = None
    stakeholder_id: int | None = Field(default=None, gt=0)
    partnership_id: int | None = Field(default=None, gt=0)
    responds_to_id: int | None = Field(default=None, gt=0)
    risk_ids: list[int] | None = None
    severity: int | None = Field(default=None, ge=1, le=5)
    sentiment: int | None = Field(default=None, ge=-2, le=2)
    reach: int | None = Field(default=None, ge=0, le=INT64_MAX)
    reach_basis: str | None = Field(default=None, max_length=500)
    metric_value: float | None = None
    metric_unit: str | None = Field(default=None, max_length=100)
    channel: Channel | None = None
    source_url: str | None = Field(default=None, max_length=2000)
    summary: str | None = Field(default=None, max_length=SUMMARY_MAX)

    _check_url = field_validator("source_url")(lambda cls, v: check_url(v))

    @field_validator("occurred_on")
    @classmethod
    def _not_future(cls, value: dt.date | None) -> dt.date | None:
        if value is not None and value > dt.date.today() + dt.timedelta(days=1):
            raise ValueError("must not be later than tomorrow")
        return value


_EVENT_VERSION = _version_column()


class Event(Bookkeeping, EventBase, table=True):
    __tablename__ = "event"
    # Sort indexes of the event register (migration 0002); occurred_on, kind and ref
    # are indexed through their fields.
    __table_args__ = (Index("ix_event_title", "title"), Index("ix_event_severity", "severity"))
    stakeholder_id: int | None = Field(
        default=None, foreign_key="stakeholder.id", index=True, ondelete="SET NULL"
    )
    partnership_id: int | None = Field(
        default=None, foreign_key="partnership.id", index=True, ondelete="SET NULL"
    )
    responds_to_id: int | None = Field(
        default=None, foreign_key="event.id", index=True, ondelete="SET NULL"
    )
    version: int = Field(default=1, sa_column=_EVENT_VERSION)
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _EVENT_VERSION}


class EventRead(Bookkeeping, EventBase):
    stakeholder_id: int | None = None
    partnership_id: int | None = None
    responds_to_id: int | None = None
    risk_ids: list[int] = Field(default_factory=list)
    version: int


# --------------------------------------------------------------------------- action


class ActionBase(RecordFields):
    """A treatment action: what someone will do about one or more risks, by when."""

    title: str = Field(min_length=3, max_length=200)
    owner: str | None = Field(default=None, max_length=200)
    due_on: dt.date | None = Field(default=None, index=True)
    status: ActionStatus = Field(
        default=ActionStatus.planned, max_length=20, sa_type=String(20), index=True
    )
    # The residual cell the action aims for (optional; both, one or neither).
    expected_likelihood: int | None = Field(default=None, ge=1, le=5)
    expected_impact: int | None = Field(default=None, ge=1, le=5)


class ActionCreate(ActionBase):
    risk_ids: list[int] = Field(min_length=1)


class ActionUpdate(_Input):
    classification: Classification | None = None
    notes: str | None = Field(default=None, max_length=NOTES_MAX)
    title: str | None = Field(default=None, min_length=3, max_length=200)
    owner: str | None = Field(default=None, max_length=200)
    due_on: dt.date | None = None
    status: ActionStatus | None = None
    expected_likelihood: int | None = Field(default=None, ge=1, le=5)
    expected_impact: int | None = Field(default=None, ge=1, le=5)
    risk_ids: list[int] | None = Field(default=None, min_length=1)


_ACTION_VERSION = _version_column()


class Action(Bookkeeping, ActionBase, table=True):
    __tablename__ = "action"
    version: int = Field(default=1, sa_column=_ACTION_VERSION)
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _ACTION_VERSION}


class ActionRead(Bookkeeping, ActionBase):
    risk_ids: list[int] = Field(default_factory=list)
    version: int


# --------------------------------------------------------------------------- bookkeeping tables


class RefCounter(SQLModel, table=True):
    """Next number per ref prefix; refs are never reused, even after a delete."""

    __tablename__ = "ref_counter"
    prefix: str = Field(primary_key=True, max_length=4)
    next_number: int = Field(default=1)


# Kept outside the class body (see _STAKEHOLDER_VERSION) and given no Python default:
# the bulk path inserts only the columns it names, and the server fills these two.
_AUDIT_LEVEL = Column("level", SmallInteger, nullable=False, server_default="0")
_AUDIT_ACTOR_NAME = Column("actor_name", String(200), nullable=False, server_default="")


class AuditEntry(SQLModel, table=True):
    """One create, update, delete, import or restore.  Hash-chained (see db.audit)."""

    __tablename__ = "audit_entry"
    # History replays ("as of" matrix, what changed) read one kind over a time range
    # (migration 0003); SQLite index entries carry the rowid, so ORDER BY at, id is served too.
    __table_args__ = (Index("ix_audit_entry_kind_at", "entity_kind", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(default="", max_length=200)
    entity_kind: str = Field(max_length=20)
    entity_ref: str = Field(max_length=16, index=True)
    action: str = Field(max_length=10)
    changes: str = Field(default="{}")  # JSON {field: [old, new]}
    prev_hash: str = Field(default="", max_length=64)
    hash: str = Field(default="", max_length=64)
    # Migration 0009 (teams).  ``actor`` is who wrote the entry as the database knows
    # it (PostgreSQL: the login role, set by the server; SQLite: the operating-system
    # user); ``actor_name`` the display name the program gave, shown beside it.
    # ``level`` is the classification rank (0 PUBLIC .. 4 SECRET) a member must be
    # cleared for to see the entry; PostgreSQL maintains it (db/team_sql.py), SQLite
    # leaves it 0.  Neither is part of the hash: the chain covers what happened.
    actor_name: str = Field(default="", sa_column=_AUDIT_ACTOR_NAME)
    level: int = Field(default=0, sa_column=_AUDIT_LEVEL)


class RiskState(SQLModel, table=True):
    """A risk as it stood between two of its audit entries (``db.risk_states``).

    Derived from the audit trail and written in the same transaction as each entry,
    so the matrix "as of" a date is one indexed read instead of a replay.  A version
    holds from ``valid_from`` (the entry's time) until ``valid_to`` (the next entry's
    time, or ``FOREVER`` while it is the current state).  Values are in their audit
    (JSON) form; ``partnerships`` is the JSON list of partnership refs."""

    __tablename__ = "risk_state"
    # Stored by span class, then start (SQLite: a table without rowids, clustered on
    # its key), so the versions in force at an instant are one short range read per
    # class (``db.risk_states``).  On PostgreSQL revision 0011 adds a covering index
    # on (span, valid_from) for the same reads.
    __table_args__ = (
        Index("ix_risk_state_ref", "ref", "valid_to"),
        {"sqlite_with_rowid": False},
    )
    # The version's span class: the smallest k with valid_to - valid_from <= 2**k s.
    span: int = Field(primary_key=True)
    valid_from: dt.datetime = Field(primary_key=True)
    ref: str = Field(primary_key=True, max_length=16)
    valid_to: dt.datetime
    title: str | None = None
    classification: str | None = Field(default=None, max_length=20)
    status: str | None = Field(default=None, max_length=20)
    likelihood: int | None = None
    impact: int | None = None
    residual_likelihood: int | None = None
    residual_impact: int | None = None
    category: str | None = Field(default=None, max_length=40)
    owner: str | None = Field(default=None, max_length=200)
    partnerships: str | None = None


class AuditHead(SQLModel, table=True):
    """A one-row table holding the end of the audit hash chain.

    Writers lock this row (SELECT ... FOR UPDATE on PostgreSQL; SQLite serialises
    writers anyway) so that concurrent writers extend the chain one after another.
    """

    __tablename__ = "audit_head"
    id: int = Field(default=1, primary_key=True)
    last_id: int = Field(default=0)
    last_hash: str = Field(default="", max_length=64)
    change_counter: int = Field(default=0)


# A briefing record's edition: a draft is never a baseline for "what changed".
DRAFT = "draft"
ISSUED = "issued"


class BriefingRecord(SQLModel, table=True):
    __tablename__ = "briefing_record"
    id: int | None = Field(default=None, primary_key=True)
    created_at: dt.datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(default="", max_length=200)
    title: str = Field(max_length=300)
    audience: str | None = Field(default=None, max_length=300)
    parameters: str = Field(default="{}")  # JSON
    ceiling: str = Field(max_length=20)
    banner_level: str = Field(max_length=20)
    page_count: int = Field(default=0)
    sha256: str = Field(max_length=64)
    file_name: str = Field(max_length=500)
    # Editions (migration 0006): a draft is never a baseline; an issued pack records
    # who issued it, when and to whom.  ``scope`` is the pack's partnership refs,
    # sorted and comma-joined ("" for the whole register): baselines match on it.
    edition: str = Field(default=DRAFT, max_length=10, index=True)
    issued_by: str | None = Field(default=None, max_length=200)
    issued_at: dt.datetime | None = None
    distribution: str | None = Field(default=None, max_length=2000)
    scope: str = Field(default="", max_length=2000)
    note: str | None = Field(default=None, max_length=TEXT_MAX)
    note_classification: str | None = Field(default=None, max_length=20)
    decisions: str | None = Field(default=None, max_length=TEXT_MAX)
    decisions_classification: str | None = Field(default=None, max_length=20)


class AppMeta(SQLModel, table=True):
    """Key/value facts about the register itself (application marker, register settings)."""

    __tablename__ = "app_meta"
    key: str = Field(primary_key=True, max_length=100)
    value: str = Field(default="")
