"""Do the records equal what their audit trail says?  (``risk-tracker db check``, restore)

Every write goes through ``db.repository`` and leaves a hash-chained audit entry, so
replaying the trail (``desktop.services.history``, the one replay) from nothing gives
the state the records must be in.  A row edited with SQL behind the application's back
(a SECRET risk set to PUBLIC, a renamed stakeholder, a moved event date) differs from
that replay; each difference is reported with its ref and field.

Two effects of a delete are not audit entries of their own: references set to nothing
and links dropped when the record they pointed at is deleted (and put back by an
undo).  So a replayed reference to a record that does not exist now is not expected
to be in the row.  Entries of kind ``register`` (the register's settings) are not
records and are not replayed here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from db import audit, migrations, repository, risk_states
from db.engine import read_only_engine
from db.kinds import KINDS
from db.queries import integrity as q
from desktop.services import history

# Later than any entry: the replay then applies the whole trail.
END_OF_TIME = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class RecordDifference:
    kind: str
    ref: str
    field: str  # "(record)" when the record itself is missing or unexpected
    in_rows: Any
    in_trail: Any

    def __str__(self) -> str:
        if self.field == "(record)":
            if self.in_trail is None:
                return f"{self.ref}: this {self.kind} is in the table but not in the audit trail"
            return f"{self.ref}: this {self.kind} is in the audit trail but not in the table"
        return (
            f"{self.ref} {self.field}: the table says {_show(self.in_rows)}, "
            f"the audit trail says {_show(self.in_trail)}"
        )


def _show(value: Any) -> str:
    if value is None or value == []:
        return "nothing"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return repr(value)


def audited_fields(kind: str) -> tuple[list[str], dict[str, tuple[str, str]], list[Any]]:
    """A kind's fields as its audit entries name them: plain columns, references
    (``{name: (column, other kind)}``) and many-to-many links (``LinkSpec``)."""
    s = repository.spec(kind)
    plain = [f for f in repository.user_fields(kind) if not f.endswith("_id")]
    refs = {r.export_name: (r.field, r.other_kind) for r in s.refs}
    return plain, refs, list(s.links)


def _norm(value: Any) -> Any:
    value = audit.to_jsonable(value)
    if value == "" or value == []:
        return None
    if isinstance(value, list):
        return sorted(value)
    return value


def current_rows(session: Session, kind: str) -> history.StateTable:
    """The records of ``kind`` as their rows hold them now, in the replay's shape."""
    plain, refs, links = audited_fields(kind)
    table = history.current_state(session, kind=kind, fields=plain, levels=None)
    fields = [*table.fields, *refs, *(link.export_name for link in links)]
    values = dict(table.values)
    for name, (column, other_kind) in refs.items():
        values[name] = q.reference_refs(session, kind, column, other_kind)
    for link in links:
        values[link.export_name] = q.link_refs(
            session, kind, link.table, link.own_col, link.other_col, link.other_kind
        )
    return history.StateTable(kind, fields, values)


def replayed_rows(session: Session, kind: str, fields: Iterable[str]) -> history.StateTable:
    """The records of ``kind`` as the whole audit trail replays them."""
    (state,) = history.states_at(
        session,
        kind=kind,
        cutoffs=[END_OF_TIME],
        fields=list(fields),
        levels=None,
        method="forward",
    )
    return state


def record_differences(session: Session) -> list[RecordDifference]:
    """Every field of every record where the rows and the audit trail's replay disagree."""
    rows = {kind.value: current_rows(session, kind.value) for kind in KINDS}
    found: list[RecordDifference] = []
    for kind, now in rows.items():
        trail = replayed_rows(session, kind, now.fields)
        _, refs, links = audited_fields(kind)
        targets = {name: rows[other] for name, (_col, other) in refs.items()}
        targets.update({link.export_name: rows[link.other_kind] for link in links})
        for ref in sorted(set(now) | set(trail)):
            if ref not in trail or ref not in now:
                found.append(
                    RecordDifference(
                        kind,
                        ref,
                        "(record)",
                        ref if ref in now else None,
                        ref if ref in trail else None,
                    )
                )
                continue
            for field in now.fields:
                had = _norm(now.get(ref, field))
                said = _norm(trail.get(ref, field))
                if field in targets:
                    said = _existing(said, targets[field])
                if had != said:
                    found.append(RecordDifference(kind, ref, field, had, said))
    return found + history_differences(session)


def history_differences(session: Session) -> list[RecordDifference]:
    """Where the risk-state history (what the "as of" matrix reads) has drifted from
    the replay of the trail: only an edit of that table behind the application's back
    can do it.  Reported with the field named "FIELD (state history)"."""
    fields = list(risk_states.FIELDS)
    (kept,) = history.states_at(
        session, kind="risk", cutoffs=[END_OF_TIME], fields=fields, levels=None, method="history"
    )
    trail = replayed_rows(session, "risk", fields)
    found: list[RecordDifference] = []
    for ref in sorted(set(kept) | set(trail)):
        if ref not in kept or ref not in trail:
            had = ref if ref in kept else None
            said = ref if ref in trail else None
            found.append(RecordDifference("risk", ref, "(record) (state history)", had, said))
            continue
        for field in fields:
            had, said = _norm(kept.get(ref, field)), _norm(trail.get(ref, field))
            if had != said:
                found.append(RecordDifference("risk", ref, f"{field} (state history)", had, said))
    return found


def _existing(value: Any, records: history.StateTable) -> Any:
    """A replayed reference without the records that no longer exist (their delete
    cleared it without an entry of the record that pointed at them)."""
    if value is None:
        return None
    if isinstance(value, list):
        kept = [ref for ref in value if ref in records]
        return kept or None
    return value if value in records else None


def backup_problems(path: Path, *, revision: str) -> str | None:
    """Why the backup at ``path`` must not be restored (its audit chain is broken, or
    its records differ from the chain's replay), in one line; None when it is whole.

    Read through a read-only connection: the backup's bytes are never changed.  A
    backup at an older schema has its chain checked; its records are compared once
    it has been upgraded (the comparison reads the current schema's columns)."""
    engine = read_only_engine(path)
    try:
        with Session(engine) as session:
            chain = audit.verify_chain(session)
            if chain:
                return _first_of(f"{path} cannot be used: its audit trail is broken", chain)
            if revision != migrations.head_revision():
                return None
            differences = record_differences(session)
            if differences:
                return _first_of(
                    f"{path} cannot be used: its records differ from its audit trail",
                    differences,
                )
    except SQLAlchemyError as exc:
        detail = " ".join(str(getattr(exc, "orig", None) or exc).split())
        return f"{path} cannot be used as a backup ({detail})"
    finally:
        engine.dispose()
    return None


def _first_of(what: str, problems: list[Any]) -> str:
    more = f" and {len(problems) - 1} more" if len(problems) > 1 else ""
    return f"{what} ({problems[0]}{more})"
