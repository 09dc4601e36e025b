"""The risk-state history: every state each risk has had, with the span it held.

The audit trail is the record of truth, and a risk's state at any moment is the
replay of its entries up to then (``desktop.services.history``).  Replaying is linear
in the entries read, which at 100,000 risks and a million entries is about a second
for one "as of" matrix.  This table keeps the result of that replay: one row per
version of a risk, valid from the time of the entry that made it up to the time of
the next entry (``FOREVER`` while current).  The state at instant ``c`` - the entries
with ``at < c`` applied - is then the versions with ``valid_from < c <= valid_to``.

It is written by ``follow``, which ``db.audit`` calls in the same transaction as every
batch of entries it appends, so the table can never fall behind the trail.  Entries
are normally appended in time order per risk; an entry dated before the risk's last
known change (a replayed history) makes that risk's versions be rebuilt from its
entries, so the result is the replay's whatever the order of writing.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    bindparam,
    delete,
    func,
    literal,
    literal_column,
    select,
    union_all,
    update,
)
from sqlmodel import Session

from db import scoring
from db.models import AuditEntry, Risk, RiskState

KIND = "risk"
FIELDS: tuple[str, ...] = (
    "title",
    "classification",
    "status",
    "likelihood",
    "impact",
    "residual_likelihood",
    "residual_impact",
    "category",
    "owner",
    "partnerships",
)
LIST_FIELD = "partnerships"
EXISTS_FIELD = "classification"
CREATING_ACTIONS = frozenset({"create", "restore"})
FOREVER = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)
CHUNK = 500
# Span classes (see ``span_class``): 0 .. SPAN_CLASSES - 1; the last one is open-ended
# (it holds the current versions, which run until ``FOREVER``).
SPAN_CLASSES = 40

_STATE: Any = RiskState
_ENTRY: Any = AuditEntry
_RISK: Any = Risk
_TABLE: Any = RiskState.__table__  # type: ignore[attr-defined]


def _is_open(session: Session) -> Any:
    """ "The version is open", with FOREVER written into the SQL rather than bound.

    psycopg prepares a statement it runs often, and PostgreSQL's generic plan for
    ``valid_to = $n`` guesses one row (closed versions' valid_to values are nearly
    all distinct), so it walked every open version through the primary key instead
    of looking up the refs: 1 s per batch of 500 risks at 20,000 risks, quadratic
    beyond.  With the constant the planner sees that open versions are common.  The
    constant is rendered by the column type for the session's dialect, as stored.
    """
    forever = literal(FOREVER, _STATE.valid_to.type).compile(
        dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}
    )
    return _STATE.valid_to == literal_column(str(forever))


def utc(moment: dt.datetime) -> dt.datetime:
    """The form times are compared in: aware UTC (a time without a zone is UTC, as
    the register stores it)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def span_class(valid_from: dt.datetime, valid_to: dt.datetime) -> int:
    """The span class of a version: the smallest ``k`` with its length at most ``2**k``
    seconds (the last class takes every longer one, current versions included).

    The versions in force at ``c`` of class ``k`` all began in ``[c - 2**k s, c)``, so
    reading "as of" ``c`` is one narrow index range per class (``_in_force``) instead
    of every version that ended after ``c``."""
    length = valid_to - valid_from  # counted exactly: floats lose microseconds here
    micros = (length.days * 86_400 + length.seconds) * 1_000_000 + length.microseconds
    seconds = -(-micros // 1_000_000)
    return min(max(seconds - 1, 0).bit_length(), SPAN_CLASSES - 1)


@dataclass
class _Version:
    stored: bool  # a row already in the table (then it is the risk's open version)
    ref: str
    valid_from: dt.datetime
    values: dict[str, Any]
    valid_to: dt.datetime = FOREVER
    changed: bool = False  # an existing row whose values were replaced in place


@dataclass
class _Plan:
    inserts: list[_Version] = field(default_factory=list)
    closes: list[tuple[str, dt.datetime, int]] = field(default_factory=list)  # ref, end, span
    rewrites: list[_Version] = field(default_factory=list)
    drops: list[str] = field(default_factory=list)


def _fold(
    plan: _Plan,
    ref: str,
    current: _Version | None,
    entries: Iterable[tuple[dt.datetime, str, str]],
) -> None:
    """Fold one risk's entries (time, action, changes text), oldest first, into versions,
    the way the forward replay folds them into a state."""

    def close(version: _Version, at: dt.datetime) -> None:
        # A version that ends at the instant it began never holds for any "as of"
        # (valid_from < c <= valid_to): it is not kept.
        version.valid_to = at
        if version.valid_from == at:
            if version.stored:
                plan.drops.append(version.ref)
        elif not version.stored:
            plan.inserts.append(version)
        else:
            if version.changed:
                plan.rewrites.append(version)
            plan.closes.append((version.ref, at, span_class(version.valid_from, at)))

    for at, action, text in entries:
        data = json.loads(text or "{}")
        if not isinstance(data, dict):
            data = {}
        pair = data.get(EXISTS_FIELD)
        made = pair is not None and pair[0] is None
        gone = pair is not None and pair[1] is None
        if gone or action == "delete":
            if current is not None:
                close(current, at)
            current = None
            continue
        if made or action in CREATING_ACTIONS:
            values: dict[str, Any] = dict.fromkeys(FIELDS)
        else:
            values = dict(current.values) if current is not None else {}
        for name, change in data.items():
            if name in FIELDS:
                values[name] = change[1]
        if current is not None and current.valid_from == at:
            current.values = values
            current.changed = current.stored
            continue
        if current is not None:
            close(current, at)
        current = _Version(False, ref, at, values)
    if current is not None:
        if not current.stored:
            plan.inserts.append(current)
        elif current.changed:
            plan.rewrites.append(current)


def _row_values(version: _Version) -> dict[str, Any]:
    values = {name: version.values.get(name) for name in FIELDS}
    links = values[LIST_FIELD]
    values[LIST_FIELD] = None if links is None else json.dumps(links, separators=(",", ":"))
    return values


def _write(session: Session, plan: _Plan) -> None:
    """Apply a plan.  Stored versions are addressed as the risk's open one (``ref``,
    ``valid_to = FOREVER``), so values are rewritten before versions are closed."""
    connection = session.connection()
    is_open = (_STATE.ref == bindparam("risk"), _is_open(session))
    for version in plan.rewrites:
        connection.execute(
            update(_TABLE).where(*is_open).values(**_row_values(version)), {"risk": version.ref}
        )
    if plan.drops:
        connection.execute(delete(_TABLE).where(*is_open), [{"risk": r} for r in plan.drops])
    if plan.closes:
        connection.execute(
            update(_TABLE)
            .where(*is_open)
            .values(valid_to=bindparam("until"), span=bindparam("class")),
            [{"risk": ref, "until": at, "class": span} for ref, at, span in plan.closes],
        )
    if plan.inserts:
        connection.execute(
            _TABLE.insert(),
            [
                {
                    "ref": version.ref,
                    "valid_from": version.valid_from,
                    "valid_to": version.valid_to,
                    "span": span_class(version.valid_from, version.valid_to),
                    **_row_values(version),
                }
                for version in plan.inserts
            ],
        )


def _open_versions(session: Session, refs: Sequence[str]) -> dict[str, _Version]:
    out: dict[str, _Version] = {}
    columns = [_STATE.ref, _STATE.valid_from] + [getattr(_STATE, f) for f in FIELDS]
    is_open = _is_open(session)
    for start in range(0, len(refs), CHUNK):
        chunk = list(refs[start : start + CHUNK])
        stmt = select(*columns).where(_STATE.ref.in_(chunk), is_open)
        for row in session.execute(stmt):
            values = dict(zip(FIELDS, row[2:], strict=True))
            if values[LIST_FIELD] is not None:
                values[LIST_FIELD] = json.loads(values[LIST_FIELD])
            out[row[0]] = _Version(True, row[0], utc(row[1]), values)
    return out


def _last_moments(session: Session, refs: Sequence[str], floor: int) -> dict[str, dt.datetime]:
    """The time of each risk's latest entry among those with ``id <= floor`` (the
    entries written before the batch being followed)."""
    out: dict[str, dt.datetime] = {}
    for start in range(0, len(refs), CHUNK):
        chunk = list(refs[start : start + CHUNK])
        stmt = (
            select(_ENTRY.entity_ref, func.max(_ENTRY.at))
            .where(_ENTRY.entity_ref.in_(chunk), _ENTRY.entity_kind == KIND, _ENTRY.id <= floor)
            .group_by(_ENTRY.entity_ref)
        )
        for ref, at in session.execute(stmt):
            if at is not None:
                out[ref] = utc(at)
    return out


def follow(
    session: Session, rows: Sequence[tuple[dt.datetime, str, str, str, str]], *, floor: int
) -> None:
    """Bring the history up to date with appended audit rows ``(at, kind, ref, action,
    changes text)``, in the order they were appended (and so in id order); ``floor``
    is the highest audit id before them."""
    per_ref: dict[str, list[tuple[dt.datetime, str, str]]] = {}
    for at, kind, ref, action, text in rows:
        if kind == KIND:
            per_ref.setdefault(ref, []).append((utc(at), action, text))
    if not per_ref:
        return
    refs = list(per_ref)
    last = _last_moments(session, refs, floor)
    current = _open_versions(session, refs)
    plan = _Plan()
    again: list[str] = []
    for ref, entries in per_ref.items():
        times = [at for at, _action, _text in entries]
        earlier = last.get(ref)
        if (earlier is not None and times[0] < earlier) or times != sorted(times):
            again.append(ref)
            continue
        _fold(plan, ref, current.get(ref), entries)
    _write(session, plan)
    if again:
        rebuild(session, again)


def rebuild(session: Session, refs: Sequence[str] | None = None) -> int:
    """Rebuild the versions of these risks (None: all) from the audit trail; the
    number of versions written.  Used for entries written out of time order and by
    the migration that introduced the table."""
    table = _TABLE
    if refs is None:
        session.connection().execute(delete(table))
    else:
        for start in range(0, len(refs), CHUNK):
            session.connection().execute(
                delete(table).where(table.c.ref.in_(list(refs[start : start + CHUNK])))
            )
    stmt = (
        select(_ENTRY.entity_ref, _ENTRY.at, _ENTRY.action, _ENTRY.changes)
        .where(_ENTRY.entity_kind == KIND)
        .order_by(_ENTRY.entity_ref, _ENTRY.at, _ENTRY.id)
    )
    written = 0
    plan = _Plan()
    ref_now: str | None = None
    batch: list[tuple[dt.datetime, str, str]] = []

    def flush_ref() -> None:
        if ref_now is not None and batch:
            _fold(plan, ref_now, None, batch)

    chunks = (
        [stmt]
        if refs is None
        else [
            stmt.where(_ENTRY.entity_ref.in_(list(refs[i : i + CHUNK])))
            for i in range(0, len(refs), CHUNK)
        ]
    )
    for query in chunks:
        for ref, at, action, text in session.execute(query):
            if ref != ref_now:
                flush_ref()
                ref_now, batch = ref, []
            batch.append((utc(at), action, text))
            if len(plan.inserts) >= 20_000:
                written += len(plan.inserts)
                _write(session, plan)
                plan = _Plan()
        flush_ref()
        ref_now, batch = None, []
    written += len(plan.inserts)
    _write(session, plan)
    return written


# --------------------------------------------------------------------------- reading


# Before the start of any version (the lower bound of a class whose span reaches
# further back than the calendar).
EARLIEST = dt.datetime(1, 1, 2, tzinfo=dt.UTC)


def _in_force_params(moment: dt.datetime) -> dict[str, dt.datetime]:
    """The parameters of ``_in_force`` for the instant ``moment``: the instant and
    the earliest start of a version of each class ``k`` in force at it (a second
    earlier still: the upgrade that classed the existing versions measured their
    lengths in floating point)."""
    out = {"moment": moment}
    for k in range(SPAN_CLASSES - 1):
        try:
            out[f"from_{k}"] = max(moment - dt.timedelta(seconds=2**k + 1), EARLIEST)
        except OverflowError:
            out[f"from_{k}"] = EARLIEST
    return out


@functools.lru_cache(maxsize=16)
def _in_force(columns: tuple[str, ...]) -> Any:
    """The versions in force just before the instant ``:moment`` (``valid_from <
    moment <= valid_to``) with these columns, as a subquery: one range of the key
    ``(span, valid_from, ...)`` per span class, each holding little more than what it
    returns.  Built once per set of columns (the parameters: ``_in_force_params``)."""
    wanted = [getattr(_STATE, name) for name in columns]
    moment: Any = bindparam("moment")
    branches = []
    for k in range(SPAN_CLASSES):
        conditions = [_STATE.span == k, _STATE.valid_from < moment, _STATE.valid_to >= moment]
        if k < SPAN_CLASSES - 1:
            conditions.append(_STATE.valid_from >= bindparam(f"from_{k}"))
        branches.append(select(*wanted).where(*conditions))
    return union_all(*branches).subquery("in_force")


def _not_above_now(columns: Any, levels: Sequence[str] | None) -> list[Any]:
    """Leave out the risks above the ceiling now (whatever they were then)."""
    if levels is None:
        return []
    above = select(_RISK.ref).where(_RISK.classification.not_in(list(levels)))
    return [columns.ref.not_in(above)]


def states_at(
    session: Session,
    *,
    cutoff: dt.datetime,
    levels: Sequence[str] | None,
    fields: Sequence[str] = FIELDS,
) -> list[tuple[Any, ...]]:
    """``(ref, *fields)`` of every risk version in force just before ``cutoff`` (its
    entries with ``at < cutoff`` applied), leaving out risks that are above the
    ceiling now; ``partnerships`` still as JSON text."""
    versions = _in_force(("ref", *fields))
    stmt = select(*versions.c).where(*_not_above_now(versions.c, levels))
    # Text and integer columns only: read straight off the driver's cursor, without
    # a result row object per version (100,000 of them for a full matrix).
    result = session.connection().execute(stmt, _in_force_params(utc(cutoff)))
    try:
        return list(result.cursor.fetchall())
    finally:
        result.close()


# The fields the counting query can filter on in SQL; a filter on any other field
# (owners, partnerships) is applied to the states read by ``states_at`` instead.
COUNTED_FILTERS = ("levels", "statuses", "include_closed", "categories")
OPEN_STATUS = "open"
CLOSED_STATUS = "closed"


def cell_counts_at(
    session: Session,
    *,
    cutoff: dt.datetime,
    levels: Sequence[str] | None,
    statuses: Sequence[str] | None = None,
    closed_wanted: bool = False,
    categories: Sequence[str] | None = None,
    residual: bool | None = False,
) -> list[tuple[Any, ...]]:
    """The risk matrix "as of" ``cutoff`` counted by the database: ``(likelihood,
    impact, count)`` per occupied cell of the inherent (``residual=False``) or the
    residual matrix, or with ``residual=None`` ``(likelihood, impact, residual
    likelihood, residual impact, count)`` for both at once.

    The risks counted are those ``desktop.services.matrix`` keeps from ``states_at``:
    in existence (a classification), within the ceiling then and now, both scores
    set, of one of ``statuses`` (no status counts as open), not closed unless
    ``closed_wanted``, of one of ``categories``; the agreement of the two is tested."""
    names = ["classification", "status", "likelihood", "impact"]
    if residual is not False:
        names += ["residual_likelihood", "residual_impact"]
    if categories:
        names.append("category")
    if levels is not None:
        names.append("ref")
    v = _in_force(tuple(names)).c
    conditions: list[Any] = [
        v.classification.is_not(None),
        v.classification != "",
        v.likelihood.is_not(None),
        v.impact.is_not(None),
        *_not_above_now(v, levels),
    ]
    if levels is not None:
        conditions.append(v.classification.in_(list(levels)))
    if statuses:
        shown = func.coalesce(func.nullif(v.status, ""), OPEN_STATUS)
        conditions.append(shown.in_(list(statuses)))
    if not closed_wanted:
        conditions.append((v.status.is_(None)) | (v.status != CLOSED_STATUS))
    if categories:
        conditions.append(v.category.in_(list(categories)))
    if residual is None:
        keys: list[Any] = [v.likelihood, v.impact, v.residual_likelihood, v.residual_impact]
    else:
        keys = list(scoring.risk_cell_sql(v, residual=residual))
    stmt = select(*keys, func.count()).where(*conditions).group_by(*keys)
    rows = session.connection().execute(stmt, _in_force_params(utc(cutoff)))
    return [tuple(row) for row in rows]
