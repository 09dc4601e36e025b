"""What changed between two dates, from the audit trail.

``changes_between(start=..., end=...)`` covers the whole days ``start`` to ``end``
(UTC): the state "before" is the register at the end of the day before ``start``,
the state "after" is the register at the end of ``end`` (now, when ``end`` is today
or later).

The ceiling: records above it now are excluded in the queries; records above it at
either date are dropped after the replay; names and titles always come from a state
within the ceiling (never from the text of an excluded record's audit entries).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from db import scoring
from db.enums import STANCE_LABELS
from db.queries import analysis as q
from db.scoring import DEFAULT_BANDS, Bands
from desktop.services import history
from desktop.services.filters import NO_FILTER, RecordFilter, criteria_of
from desktop.services.matrix import Movement, RiskSnapshot, movements, snapshots_on
from desktop.services.timeline import EventItem, events_between


@dataclass(frozen=True)
class RiskItem:
    """A new or closed risk, with its values at the end of the period."""

    id: int | None
    ref: str
    title: str
    classification: str
    status: str
    likelihood: int
    impact: int
    score: int
    band: str
    residual_score: int
    residual_band: str
    on: dt.date | None  # the day it was created / closed


@dataclass(frozen=True)
class StanceChange:
    stakeholder_id: int
    ref: str
    name: str
    classification: str
    on: dt.date
    old: int | None
    new: int | None
    old_label: str
    new_label: str

    @property
    def direction(self) -> str:
        if self.old is None or self.new is None or self.old == self.new:
            return "same"
        return "warmer" if self.new > self.old else "cooler"


@dataclass(frozen=True)
class StatusChange:
    partnership_id: int
    ref: str
    name: str
    classification: str
    on: dt.date
    old: str | None
    new: str | None


@dataclass(frozen=True)
class Changes:
    start: dt.date
    end: dt.date
    new_risks: list[RiskItem] = field(default_factory=list)
    closed_risks: list[RiskItem] = field(default_factory=list)
    cell_changes: list[Movement] = field(default_factory=list)  # inherent cell, old -> new
    residual_cell_changes: list[Movement] = field(default_factory=list)
    new_events: list[EventItem] = field(default_factory=list)
    stance_changes: list[StanceChange] = field(default_factory=list)
    partnership_status_changes: list[StatusChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            self.new_risks
            or self.closed_risks
            or self.cell_changes
            or self.residual_cell_changes
            or self.new_events
            or self.stance_changes
            or self.partnership_status_changes
        )


def _risk_item(snap: RiskSnapshot, on: dt.date | None, bands: Bands) -> RiskItem:
    lk, im = snap.cell(False)
    inherent, residual = snap.score(False), snap.score(True)
    return RiskItem(
        id=snap.id,
        ref=snap.ref,
        title=snap.title,
        classification=snap.classification,
        status=snap.status,
        likelihood=lk,
        impact=im,
        score=inherent,
        band=scoring.band(inherent, bands),
        residual_score=residual,
        residual_band=scoring.band(residual, bands),
        on=on,
    )


def _parse(text: str) -> dict[str, list[object]]:
    data = json.loads(text or "{}")
    return data if isinstance(data, dict) else {}


FAR_FUTURE = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)


def _while_within(entries: list[Any], levels: tuple[str, ...], end: dt.datetime) -> list[Any]:
    """The entries before ``end`` made while the record was within the ceiling, both
    just before and just after the entry (history at a ceiling: a record's past
    counts only from the moments it was visible; before that it did not exist).

    ``entries`` run from the window's start to now and include every change of
    classification, so each record's level is known at each entry by walking back
    from its current level (records above the ceiling now are not in ``entries``)."""
    current: dict[str, object] = {}
    keep: list[bool] = [False] * len(entries)
    for i in range(len(entries) - 1, -1, -1):
        ref, _at, action, text = entries[i]
        after = current.get(ref, levels[-1])  # now: within the ceiling (the query's filter)
        change = _parse(text).get("classification")
        before = change[0] if change and action not in history.CREATING_ACTIONS else after
        current[ref] = before
        keep[i] = after in levels and before in levels

    def utc(at: dt.datetime) -> dt.datetime:
        return at if at.tzinfo else at.replace(tzinfo=dt.UTC)

    return [e for e, k in zip(entries, keep, strict=True) if k and utc(e[1]) < end]


def _dates_at_the_ceiling(
    session: Session,
    levels: tuple[str, ...],
    t0: dt.datetime,
    t1: dt.datetime,
    created_on: dict[str, dt.date],
    closed_on: dict[str, dt.date],
) -> None:
    """A risk brought down to the ceiling in the window appeared on that day: its
    creation or closure while above the ceiling is not dated from then."""
    entries = q.audit_entries(
        session,
        kind="risk",
        start=t0,
        end=FAR_FUTURE,
        levels=levels,
        existing_only=True,
        touching=["classification", "status"],
    )
    level: dict[str, object] = {}
    rows = []
    for ref, at, action, text in reversed(entries):
        after = level.get(ref, levels[-1])  # now: within the ceiling (the query's filter)
        change = _parse(text).get("classification")
        before = change[0] if change and action not in history.CREATING_ACTIONS else after
        if action in history.CREATING_ACTIONS:
            before = None
        level[ref] = before
        rows.append((ref, at, before in levels, after in levels))
    appeared: dict[str, dt.date] = {}
    for ref, at, was_in, is_in in reversed(rows):  # oldest first
        when = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
        if when < t1 and is_in and not was_in:
            appeared[ref] = when.date()
    for ref, day in appeared.items():
        created_on.setdefault(ref, day)  # brought down in the window: new to the pack
        if created_on[ref] < day:
            created_on[ref] = day
        if ref in closed_on and closed_on[ref] < day:
            closed_on[ref] = day


def _field_changes(
    session: Session,
    *,
    kind: str,
    name_field: str,
    value_field: str,
    start: dt.datetime,
    end: dt.datetime,
    levels: tuple[str, ...] | None,
    partnership_filter: set[int] | None,
) -> list[tuple[int, str, str, str, dt.date, object, object]]:
    """(id, ref, name, classification, day, old, new) of every update of ``value_field``
    of a record that exists now within the ceiling; name and classification are the
    record's current ones."""
    entries = q.audit_entries(
        session,
        kind=kind,
        start=start,
        end=end if levels is None else FAR_FUTURE,
        levels=levels,
        existing_only=True,
        touching=[value_field] if levels is None else [value_field, "classification"],
    )
    if levels is not None:
        entries = _while_within(entries, levels, end)
    if not entries:
        return []
    current = {
        row[0]: row
        for row in q.current_states(
            session, kind=kind, fields=["id", name_field, "classification"], levels=levels
        )
    }
    out = []
    for ref, at, action, text in entries:
        if action in history.CREATING_ACTIONS:
            continue
        pair = _parse(text).get(value_field)
        if not pair or pair[0] is None or pair[0] == pair[1]:
            continue  # creation (old null) is not a change of value
        row = current.get(ref)
        if row is None:
            continue
        if partnership_filter is not None and row[1] not in partnership_filter:
            continue
        out.append((row[1], ref, row[2], row[3], at.date(), pair[0], pair[1]))
    return out


def changes_between(
    session: Session,
    *,
    start: dt.date,
    end: dt.date,
    filters: RecordFilter | None = None,
    bands: Bands = DEFAULT_BANDS,
) -> Changes:
    if end < start:
        raise ValueError("the end date is before the start date")
    filters = filters or NO_FILTER
    levels = filters.levels
    t0, t1 = history.start_of_day(start), history.end_of_day(end)

    # Risks: replay both dates once, with closed ones kept so closures show.
    wide = filters.with_(include_closed=True, statuses=None)
    before, after = snapshots_on(session, days=[start - dt.timedelta(days=1), end], filters=wide)
    created_on: dict[str, dt.date] = {}
    closed_on: dict[str, dt.date] = {}
    for ref, at, action, text in q.audit_entries(
        session,
        kind="risk",
        start=t0,
        end=t1,
        levels=levels,
        existing_only=False,
        touching=["status"],
    ):
        changes = _parse(text)
        title = changes.get("title")
        if action in history.CREATING_ACTIONS or (title is not None and title[0] is None):
            if action != "restore":
                created_on.setdefault(ref, at.date())
        status = changes.get("status")
        if status and status[1] == q.CLOSED:
            closed_on[ref] = at.date()
    if levels is not None:
        _dates_at_the_ceiling(session, levels, t0, t1, created_on, closed_on)
    new_risks = [
        _risk_item(after[ref], day, bands)
        for ref, day in sorted(created_on.items())
        if ref in after and ref not in before
    ]
    closed_risks = [
        _risk_item(snap, closed_on.get(ref), bands)
        for ref, snap in sorted(after.items())
        if snap.status == q.CLOSED and (ref not in before or before[ref].status != q.CLOSED)
    ]
    moved = [
        [
            m
            for m in movements(before, after, residual=residual, filters=filters, bands=bands)
            if m.moved
        ]
        for residual in (False, True)
    ]

    # Stakeholders and partnerships: dated changes of one field each.
    criteria = criteria_of(filters)
    wanted_s: set[int] | None = None
    wanted_p: set[int] | None = None
    if criteria.partnership_ids:
        wanted_s = {r.id for r in q.stakeholder_rows(session, criteria=criteria)}
        wanted_p = {r.id for r in q.partnership_rows(session, criteria=criteria)}
    stances = [
        StanceChange(
            sid,
            ref,
            name,
            level,
            day,
            int(old),  # type: ignore[call-overload]
            int(new),  # type: ignore[call-overload]
            STANCE_LABELS.get(int(old), str(old)),  # type: ignore[call-overload]
            STANCE_LABELS.get(int(new), str(new)),  # type: ignore[call-overload]
        )
        for sid, ref, name, level, day, old, new in _field_changes(
            session,
            kind="stakeholder",
            name_field="name",
            value_field="stance",
            start=t0,
            end=t1,
            levels=levels,
            partnership_filter=wanted_s,
        )
        if old is not None and new is not None
    ]
    statuses = [
        StatusChange(pid, ref, name, level, day, str(old), str(new) if new is not None else None)
        for pid, ref, name, level, day, old, new in _field_changes(
            session,
            kind="partnership",
            name_field="name",
            value_field="status",
            start=t0,
            end=t1,
            levels=levels,
            partnership_filter=wanted_p,
        )
    ]
    return Changes(
        start=start,
        end=end,
        new_risks=new_risks,
        closed_risks=closed_risks,
        cell_changes=moved[0],
        residual_cell_changes=moved[1],
        new_events=events_between(session, start=start, end=end, filters=filters),
        stance_changes=stances,
        partnership_status_changes=statuses,
    )
