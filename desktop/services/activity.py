"""What happened to a record (its History tab) and to the register (the Activity page).

A record's history is the one replay (``desktop.services.history.record_steps``)
turned into lines: who changed which field from what to what, and when, newest
first.  The classification rule: a value is shown only if the record was within
the member's levels at that moment, so an old value shows when the record was
within them just *before* the change, a new value when it was just *after* it;
otherwise the value reads ``WITHHELD``.  Records above the levels now show no
history at all (their form cannot be opened either).

The Activity page reads the audit trail newest first, a page at a time
(``db.queries.activity``), with filters by member, kind and an inclusive range of
days.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from db.engine import Register
from db.queries import activity as q
from db.queries.activity import ActivityQuery
from desktop.services.history import (
    EXISTS_FIELD,
    RecordStep,
    end_of_day,
    record_steps,
    start_of_day,
)

WITHHELD = "(withheld: above your level)"
EMPTY = "-"
VALUE_MAX = 300  # characters of a value shown in a history line

ACTION_WORDS = {
    "create": "created",
    "update": "changed",
    "delete": "deleted",
    "restore": "restored",
    "import": "imported",
}


@dataclass(frozen=True)
class HistoryLine:
    """One field of one change: ``field`` is "" for an entry that names no field."""

    entry_id: int
    at: dt.datetime
    actor: str
    action: str
    field: str
    old: str
    new: str


def field_label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def show_value(value: Any) -> str:
    """A value as the History tab shows it (links as refs, long texts cut)."""
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, list):
        text = ", ".join(str(v) for v in value)
    else:
        text = str(value)
    text = " ".join(text.split())
    return text if len(text) <= VALUE_MAX else text[: VALUE_MAX - 1] + "…"


def _within(state: dict[str, Any] | None, levels: Sequence[str] | None) -> bool:
    """Whether a value of this state may be shown (no state: there was no value)."""
    if levels is None or state is None:
        return True
    return state.get(EXISTS_FIELD) in levels


def lines_of(steps: Sequence[RecordStep], levels: Sequence[str] | None) -> list[HistoryLine]:
    """The lines of these steps, newest first, values withheld where the rule says."""
    out: list[HistoryLine] = []
    for step in reversed(steps):
        old_ok = _within(step.before, levels)
        new_ok = _within(step.after, levels)
        action = ACTION_WORDS.get(step.action, step.action)
        if not step.changes:
            out.append(HistoryLine(step.entry_id, step.at, step.actor, action, "", EMPTY, EMPTY))
            continue
        for name in sorted(step.changes):
            pair = step.changes[name]
            old, new = (
                (pair[0], pair[1]) if isinstance(pair, list) and len(pair) == 2 else (None, pair)
            )
            out.append(
                HistoryLine(
                    step.entry_id,
                    step.at,
                    step.actor,
                    action,
                    name,
                    show_value(old) if old_ok else WITHHELD,
                    show_value(new) if new_ok else WITHHELD,
                )
            )
    return out


def record_history(
    session: Session, *, kind: str, ref: str, levels: Sequence[str] | None
) -> list[HistoryLine]:
    """The History tab of one record (nothing when the record is above ``levels`` now)."""
    steps = record_steps(session, kind=kind, ref=ref)
    return lines_of(steps, levels) if visible_now(steps, levels) else []


def visible_now(steps: Sequence[RecordStep], levels: Sequence[str] | None) -> bool:
    """False when the record is above ``levels`` now: its history stays hidden."""
    return not steps or steps[-1].after is None or _within(steps[-1].after, levels)


# --------------------------------------------------------------------------- activity


@dataclass(frozen=True)
class ActivityRow:
    entry_id: int
    at: dt.datetime
    actor: str
    kind: str
    ref: str
    action: str
    fields: str  # the fields the entry changed, in words


def day_bounds(
    first: dt.date | None, last: dt.date | None
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """``[start, end)`` instants of the days ``first`` to ``last``, both included."""
    return (
        start_of_day(first) if first is not None else None,
        end_of_day(last) if last is not None else None,
    )


def activity_query(
    *,
    actor: str | None = None,
    kind: str | None = None,
    first: dt.date | None = None,
    last: dt.date | None = None,
    levels: Sequence[str] | None = None,
) -> ActivityQuery:
    start, end = day_bounds(first, last)
    return ActivityQuery(
        actor=actor or None,
        kind=kind or None,
        start=start,
        end=end,
        levels=tuple(levels) if levels is not None else None,
    )


def _fields_text(changes: str) -> str:
    try:
        data = json.loads(changes or "{}")
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    return ", ".join(field_label(name) for name in sorted(data))


def activity_rows(
    session: Session,
    *,
    query: ActivityQuery,
    after: tuple[dt.datetime, int] | None = None,
    limit: int = q.PAGE_SIZE,
) -> list[ActivityRow]:
    """One page of the register's changes, newest first (``after``: the last row's key)."""
    out = []
    for entry_id, at, actor, kind, ref, action, changes in q.activity_page(
        session, query=query, after=after, limit=limit
    ):
        out.append(
            ActivityRow(
                int(entry_id),
                at,
                str(actor or ""),
                str(kind),
                str(ref),
                ACTION_WORDS.get(action, action),
                _fields_text(changes),
            )
        )
    return out


def page_key(row: ActivityRow) -> tuple[dt.datetime, int]:
    """What ``activity_rows(after=...)`` continues from."""
    return row.at, row.entry_id


def recent_actors(session: Session) -> list[str]:
    return q.recent_actors(session)


class ActivitySource:
    """The Activity page's rows, a page per call, one short read session each."""

    def __init__(self, register: Register, query: ActivityQuery, page_size: int = q.PAGE_SIZE):
        self.register = register
        self.query = query
        self.page_size = page_size

    def fetch(self, after: tuple[dt.datetime, int] | None) -> list[ActivityRow]:
        with self.register.session() as session:
            return activity_rows(session, query=self.query, after=after, limit=self.page_size)
