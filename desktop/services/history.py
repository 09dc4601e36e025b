"""Past states of records, rebuilt from the audit trail ("as of" a date).

Every write leaves an audit entry whose ``changes`` are ``{field: [old, new]}``
(create and restore: ``[null, new]``; delete: ``[old, null]``).  A record's state at
the end of a day is therefore either

* **forward**: every entry up to that moment applied in write order, starting from
  nothing; or
* **reverse**: the current table rows, with every entry *after* that moment undone
  (its ``old`` values put back) from the newest to the oldest.

Both give the same answer on a consistent register; ``states_at`` picks the one that
reads fewer entries (counted first through the ``(entity_kind, at)`` index), so a
date near today and a date near the start of the history are both quick.

Reading and parsing entries is the cost that matters: rows come straight off the
database cursor, states are kept by column, only the fields asked for are kept, and
short change texts (score nudges such as ``{"impact":[3,4]}``, which repeat
constantly) are parsed once per call and reused.

The ceiling: entries of records that are above it *now* are excluded in the query,
and after the replay any record whose classification *at that moment* was above it
is dropped, so neither a current nor a past classified record can surface.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from db import risk_states
from db.kinds import KINDS
from db.queries import activity as activity_q
from db.queries import analysis as q

# The fields of a risk the replays follow: the ones the risk-state history keeps.
RISK_FIELDS: tuple[str, ...] = risk_states.FIELDS
STAKEHOLDER_FIELDS: tuple[str, ...] = (
    "name",
    "classification",
    "kind",
    "influence",
    "interest",
    "stance",
)
PARTNERSHIP_FIELDS: tuple[str, ...] = ("name", "classification", "status")

# The required text field of each kind: an entry whose old value of it is null made
# the record (a create, a restore, or an import that created rather than updated).
NAME_FIELD = {kind.value: info.title_field for kind, info in KINDS.items()}
LIST_FIELDS = frozenset({"partnerships", "stakeholders", "risks"})
EXISTS_FIELD = "classification"
CREATING_ACTIONS = frozenset({"create", "restore"})
PARSE_CACHE_MAX_LEN = 120
REQUIRED_SCORES = frozenset({"likelihood", "impact"})


def today_utc() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def end_of_day(day: dt.date) -> dt.datetime:
    """The first instant after ``day`` (UTC): "as of" a date includes all of that date."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)


def start_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def is_current(day: dt.date | None) -> bool:
    """True when "as of ``day``" is simply the register as it is now."""
    return day is None or day >= today_utc()


class StateTable:
    """Records of one kind at one moment, stored by column: ``values[field][ref]``.

    A record exists when its ref is in the classification column (every record has
    one, so every create, restore and delete entry names it).  Reading a column
    directly (``column("likelihood")``) is how the matrix stays quick at 100,000
    risks; ``record(ref)`` gives one record as a dict."""

    def __init__(
        self, kind: str, fields: Sequence[str], values: dict[str, dict[str, Any]] | None = None
    ):
        self.kind = kind
        self.fields = tuple(fields)
        self.name = EXISTS_FIELD
        self.values: dict[str, dict[str, Any]] = (
            values if values is not None else {f: {} for f in fields}
        )

    def __len__(self) -> int:
        return len(self.values[self.name])

    def __contains__(self, ref: object) -> bool:
        return ref in self.values[self.name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.values[self.name])

    def refs(self) -> list[str]:
        return list(self.values[self.name])

    def column(self, field: str) -> dict[str, Any]:
        return self.values[field]

    def get(self, ref: str, field: str) -> Any:
        default: list[str] | None = [] if field in LIST_FIELDS else None
        return self.values[field].get(ref, default)

    def record(self, ref: str) -> dict[str, Any] | None:
        if ref not in self:
            return None
        return {f: self.get(ref, f) for f in self.fields}

    def items(self) -> Iterator[tuple[str, dict[str, Any]]]:
        for ref in self.refs():
            yield ref, self.record(ref)  # type: ignore[misc]

    def copy(self) -> StateTable:
        return StateTable(self.kind, self.fields, {f: dict(col) for f, col in self.values.items()})

    def drop_above(self, levels: Sequence[str] | None) -> StateTable:
        """Leave out records whose classification at that moment is above the ceiling."""
        if levels is None:
            return self
        allowed = set(levels)
        gone = [ref for ref, level in self.values[EXISTS_FIELD].items() if level not in allowed]
        for ref in gone:
            for col in self.values.values():
                col.pop(ref, None)
        return self


# A digested change text: (made, gone, new items, old items) where made/gone say the
# entry created/removed the record, and the items pair the *column dict* of each
# wanted field with its value, so applying an entry is one store per field.
Digest = tuple[
    bool, bool, tuple[tuple[dict[str, Any], Any], ...], tuple[tuple[dict[str, Any], Any], ...]
]


class _Digester:
    """json.loads + field selection, memoised per call for the short texts that repeat."""

    def __init__(self, name: str, columns: dict[str, dict[str, Any]]) -> None:
        self.name = name
        self.columns = columns
        self.memo: dict[str, Digest] = {}

    def __call__(self, text: str) -> Digest:
        data = json.loads(text or "{}")
        if not isinstance(data, dict):
            data = {}
        pair = data.get(self.name)
        made = pair is not None and pair[0] is None
        gone = pair is not None and pair[1] is None
        cols = self.columns
        news = tuple((cols[f], v[1]) for f, v in data.items() if f in cols)
        olds = tuple((cols[f], v[0]) for f, v in data.items() if f in cols)
        digest = (made, gone, news, olds)
        if len(text) <= PARSE_CACHE_MAX_LEN:
            self.memo[text] = digest
        return digest


def _with_required(kind: str, fields: Sequence[str]) -> tuple[str, ...]:
    out = list(fields)
    if EXISTS_FIELD not in out:
        out.append(EXISTS_FIELD)
    return tuple(out)


def _blank(table: StateTable) -> tuple[tuple[dict[str, Any], Any], ...]:
    return tuple((table.values[f], [] if f in LIST_FIELDS else None) for f in table.fields)


def _apply_forward(
    table: StateTable, rows: Iterable[tuple[str, str, str]], digest: _Digester
) -> None:
    all_cols = tuple(table.values.values())
    blank = _blank(table)
    memo_get = digest.memo.get
    creating = CREATING_ACTIONS
    for ref, action, text in rows:
        entry = memo_get(text) or digest(text)
        if entry[1] or action == "delete":
            for col in all_cols:
                col.pop(ref, None)
            continue
        if entry[0] or action in creating:
            for col, value in blank:
                col[ref] = value
        for col, value in entry[2]:
            col[ref] = value


def _apply_reverse(
    table: StateTable, rows: Iterable[tuple[str, str, str]], digest: _Digester
) -> None:
    all_cols = tuple(table.values.values())
    blank = _blank(table)
    memo_get = digest.memo.get
    creating = CREATING_ACTIONS
    for ref, action, text in rows:
        entry = memo_get(text) or digest(text)
        if entry[0] or action in creating:
            for col in all_cols:
                col.pop(ref, None)
            continue
        if entry[1] or action == "delete":
            for col, value in blank:
                col[ref] = value
        for col, value in entry[3]:
            col[ref] = value


def current_state(
    session: Session, *, kind: str, fields: Sequence[str], levels: Sequence[str] | None
) -> StateTable:
    """The records as they are now, in the same shape the replay produces."""
    fields = _with_required(kind, fields)
    columns = [f for f in fields if f not in LIST_FIELDS]
    rows = q.current_states(session, kind=kind, fields=columns, levels=levels)
    table = StateTable(kind, fields)
    if rows:
        transposed = list(zip(*rows, strict=True))
        refs = transposed[0]
        for k, f in enumerate(columns, start=1):
            table.values[f] = dict(zip(refs, transposed[k], strict=True))
    for f in fields:
        if f in LIST_FIELDS:
            table.values[f] = {}
    if "partnerships" in fields and kind == "risk":
        links: dict[str, list[str]] = {}
        for risk_ref, p_ref in q.risk_partnership_ref_pairs(session, levels=levels):
            links.setdefault(risk_ref, []).append(p_ref)
        table.values["partnerships"] = {ref: sorted(ps) for ref, ps in links.items()}
    return table


def choose_method(session: Session, *, kind: str, cutoffs: Sequence[dt.datetime]) -> str:
    """ "forward" or "reverse": whichever reads fewer audit entries (current rows count
    half an entry each, as they are cheaper to read than a change to parse)."""
    latest, earliest = max(cutoffs), min(cutoffs)
    before = q.count_audit(session, kind=kind, end=latest)
    after = q.count_audit(session, kind=kind, start=earliest)
    if after >= before:
        return "forward"
    current = q.count_records(session, kind=kind)
    return "reverse" if after + current // 2 < before else "forward"


def states_at(
    session: Session,
    *,
    kind: str,
    cutoffs: Sequence[dt.datetime],
    fields: Sequence[str],
    levels: Sequence[str] | None,
    method: str = "auto",
    read: Sequence[str] | None = None,
) -> list[StateTable]:
    """The state of every record of ``kind`` just before each cutoff instant (the
    entries with ``at < cutoff`` applied), in the order the cutoffs were given.

    Values are in their audit (JSON) form; links are lists of refs.  Records above the
    ceiling then or now are left out.

    ``read`` narrows the entries read to those that make or remove a record or change
    one of these fields (default: all of ``fields``); the other fields may then hold
    stale values."""
    if not cutoffs:
        return []
    fields = _with_required(kind, fields)
    touching = tuple(fields if read is None else _with_required(kind, read))
    if method == "auto":
        if kind == risk_states.KIND:
            return [_from_history(session, kind, fields, c, levels) for c in cutoffs]
        method = choose_method(session, kind=kind, cutoffs=cutoffs)
    elif method == "history":
        return [_from_history(session, kind, fields, c, levels) for c in cutoffs]
    order = sorted(range(len(cutoffs)), key=lambda k: cutoffs[k])
    results: dict[int, StateTable] = {}
    if method == "forward":
        table = StateTable(kind, fields)
        digest = _Digester(NAME_FIELD[kind], table.values)
        previous: dt.datetime | None = None
        for pos, k in enumerate(order):
            with q.stream_audit(
                session, kind=kind, start=previous, end=cutoffs[k], levels=levels, touching=touching
            ) as rows:
                _apply_forward(table, rows, digest)
            last = pos == len(order) - 1
            results[k] = (table if last else table.copy()).drop_above(levels)
            previous = cutoffs[k]
    elif method == "reverse":
        table = current_state(session, kind=kind, fields=fields, levels=levels)
        digest = _Digester(NAME_FIELD[kind], table.values)
        upper: dt.datetime | None = None
        for pos, k in enumerate(reversed(order)):
            with q.stream_audit(
                session,
                kind=kind,
                start=cutoffs[k],
                end=upper,
                levels=levels,
                descending=True,
                touching=touching,
            ) as rows:
                _apply_reverse(table, rows, digest)
            last = pos == len(order) - 1
            results[k] = (table if last else table.copy()).drop_above(levels)
            upper = cutoffs[k]
    else:
        raise ValueError(f"unknown replay method {method!r}")
    return [results[k] for k in range(len(cutoffs))]


def _from_history(
    session: Session,
    kind: str,
    fields: Sequence[str],
    cutoff: dt.datetime,
    levels: Sequence[str] | None,
) -> StateTable:
    """A risk state read from the risk-state history (``db.risk_states``): the same
    answer as the replay, in one indexed read."""
    if kind != risk_states.KIND:
        raise ValueError(f"no state history is kept for {kind!r}")
    table = StateTable(kind, fields)
    rows = risk_states.states_at(session, cutoff=cutoff, levels=levels, fields=table.fields)
    if not rows:
        return table
    names = ("ref", *table.fields)
    columns = dict(zip(names, zip(*rows, strict=True), strict=True))
    refs = columns["ref"]
    for name in table.fields:
        values = columns[name]
        if name in LIST_FIELDS:
            texts: dict[str, list[str]] = {}
            col: dict[str, Any] = {}
            for ref, text in zip(refs, values, strict=True):
                if text is not None:
                    if text not in texts:
                        texts[text] = json.loads(text)
                    col[ref] = list(texts[text])
        elif name in REQUIRED_SCORES:
            # Like the replay: a risk whose history never set a score is incomplete.
            col = {ref: v for ref, v in zip(refs, values, strict=True) if v is not None}
        elif name == EXISTS_FIELD:
            col = {ref: v for ref, v in zip(refs, values, strict=True) if v}
        else:
            col = dict(zip(refs, values, strict=True))
        table.values[name] = col
    return table.drop_above(levels)


def states_on(
    session: Session,
    *,
    kind: str,
    days: Sequence[dt.date | None],
    fields: Sequence[str],
    levels: Sequence[str] | None,
    method: str = "auto",
) -> list[StateTable]:
    """As ``states_at`` for the end of each day; None or a day from today on is "now"
    and is read from the tables directly."""
    out: list[StateTable | None] = [None] * len(days)
    past = [(k, d) for k, d in enumerate(days) if not is_current(d)]
    if len(past) < len(days):
        now = current_state(session, kind=kind, fields=fields, levels=levels)
        for k, d in enumerate(days):
            if is_current(d):
                out[k] = now
    if past:
        cutoffs = [end_of_day(d) for _, d in past if d is not None]
        states = states_at(
            session, kind=kind, cutoffs=cutoffs, fields=fields, levels=levels, method=method
        )
        for (k, _d), st in zip(past, states, strict=True):
            out[k] = st
    return [s if s is not None else StateTable(kind, _with_required(kind, fields)) for s in out]


# --------------------------------------------------------------------------- one record


@dataclass(frozen=True)
class RecordStep:
    """One audit entry of a record with the record's state (``fields``) just before and
    just after it; a state is None while the record does not exist."""

    entry_id: int
    at: dt.datetime
    actor: str
    action: str
    changes: dict[str, list[Any]]
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def record_steps(
    session: Session, *, kind: str, ref: str, fields: Sequence[str] = ()
) -> list[RecordStep]:
    """The replay above run over one record's entries (read by its ref), oldest first.

    Every entry is applied exactly as ``states_at`` applies it (forward), so the
    classification a record had at any moment, and its scores for the score history,
    come from the same rules as the "as of" views."""
    table = StateTable(kind, _with_required(kind, fields))
    digest = _Digester(NAME_FIELD[kind], table.values)
    out: list[RecordStep] = []
    for entry_id, at, actor, action, text in activity_q.record_audit(session, kind=kind, ref=ref):
        before = table.record(ref)
        _apply_forward(table, [(ref, action, text)], digest)
        data = json.loads(text or "{}")
        out.append(
            RecordStep(
                entry_id=int(entry_id),
                at=at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC),
                actor=str(actor or ""),
                action=str(action),
                changes=data if isinstance(data, dict) else {},
                before=before,
                after=table.record(ref),
            )
        )
    return out
