"""A risk owner's commentary: its own row, its own audit entry (migration 0016).

The commentary has a classification of its own, which may be above its risk's.  On a
PostgreSQL team, row-level security hides rows, not columns, so the commentary lives
in ``risk_commentary`` (one row per risk that has one), under a policy that shows it
only to members cleared for it and for its risk.  The forms, the files and the audit
trail still name its three fields as the risk's (``COMMENTARY_FIELDS``).

Every change of those fields is an audit entry of its own (kind ``risk``, action
``update``), never mixed with the risk's other fields: the database stamps it at the
commentary's level (old and new), so a member not cleared for the commentary does
not see the entry, while the risk's other changes stay in entries at the risk's
level.  Replaying the trail (``db check``, "as of") applies both kinds of entry as
before.

What a member may not see they cannot change either: writing a commentary over one
hidden from the writer is refused (``ValidationFailed`` on the ``commentary`` field),
so an import by a member never wipes a commentary they could not see.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import delete, insert, select, text, update
from sqlmodel import Session

from db.audit import PendingEntry
from db.errors import FieldError, ValidationFailed
from db.models import COMMENTARY_FIELDS, RiskCommentary

KIND = "risk"
CHUNK = 500
# field name -> column of risk_commentary
COLUMNS: dict[str, str] = {
    "commentary": "text",
    "commentary_on": "dated",
    "commentary_classification": "classification",
}
_TABLE: Any = RiskCommentary.__table__  # type: ignore[attr-defined]
HIDDEN_REASON = (
    "this risk has an owner's commentary above your clearance: "
    "only a member cleared for it may change it"
)


def has_commentary(kind: str) -> bool:
    return kind == KIND


def split(changes: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``changes`` (or values) as (the risk's own fields, the commentary's fields)."""
    own = {k: v for k, v in changes.items() if k not in COMMENTARY_FIELDS}
    said = {k: v for k, v in changes.items() if k in COMMENTARY_FIELDS}
    return own, said


def entries(kind: str, ref: str, action: str, changes: Mapping[str, Any]) -> list[PendingEntry]:
    """The audit entries of one write of ``changes`` ({field: [old, new]}): the record's
    own entry and, for a risk whose commentary changes, the commentary's ``update``
    entry: after the entry that makes the risk, before the one that removes it (so a
    replay, forward or backward, sees the commentary only while the risk exists)."""
    own, said = (dict(changes), {}) if not has_commentary(kind) else split(changes)
    main = [PendingEntry(kind, ref, action, own)] if own or action != "update" else []
    if not said:
        return main
    extra = [PendingEntry(kind, ref, "update", said)]
    return extra + main if action == "delete" else main + extra


def read(session: Session, risk_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """risk id -> its commentary's three fields, for each of ``risk_ids`` that has one
    this session may see."""
    out: dict[int, dict[str, Any]] = {}
    ids = sorted(set(risk_ids))
    columns = [_TABLE.c[COLUMNS[f]] for f in COMMENTARY_FIELDS]
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        for risk_id, *found in session.execute(
            select(_TABLE.c.risk_id, *columns).where(_TABLE.c.risk_id.in_(chunk))
        ):
            out[risk_id] = dict(zip(COMMENTARY_FIELDS, found, strict=True))
    return out


def hidden(session: Session, risk_id: int) -> bool:
    """Whether the risk has a commentary this session may not see (a PostgreSQL team
    member not cleared for it).  Only its existence is told, never its content."""
    if session.get_bind().dialect.name != "postgresql":
        return False
    return bool(
        session.execute(text("SELECT risk_commentary_hidden(:id)"), {"id": risk_id}).scalar()
    )


def refuse_hidden(session: Session, risk_ids: Sequence[int]) -> None:
    """Refuse to delete risks of which one has a commentary hidden from this session:
    it would go with its risk, unseen (``ValidationFailed`` naming the risk)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for start in range(0, len(risk_ids), CHUNK):
        found = session.execute(
            text(
                "SELECT r.ref FROM risk r WHERE r.id = ANY(:ids) "
                "AND risk_commentary_hidden(r.id) ORDER BY r.ref LIMIT 1"
            ),
            {"ids": list(risk_ids[start : start + CHUNK])},
        ).scalar()
        if found is not None:
            raise ValidationFailed([FieldError("commentary", f"{found}: {HIDDEN_REASON}")])


def write(session: Session, risk_id: int, values: Mapping[str, Any]) -> None:
    """Set the commentary fields in ``values`` (the others kept); a commentary left
    with no field set is removed.  Refused over a commentary hidden from this session."""
    if not values:
        return
    current = read(session, [risk_id]).get(risk_id)
    merged = {**(current or dict.fromkeys(COMMENTARY_FIELDS)), **values}
    row = {COLUMNS[f]: _stored(v) for f, v in merged.items()}
    if current is None:
        if all(v is None for v in row.values()):
            return
        if hidden(session, risk_id):
            raise ValidationFailed([FieldError("commentary", HIDDEN_REASON)])
        session.execute(insert(_TABLE).values(risk_id=risk_id, **row))
    elif all(v is None for v in row.values()):
        session.execute(delete(_TABLE).where(_TABLE.c.risk_id == risk_id))
    else:
        session.execute(update(_TABLE).where(_TABLE.c.risk_id == risk_id).values(**row))


def write_many(session: Session, rows: Sequence[tuple[int, Mapping[str, Any]]]) -> None:
    """New commentaries of new (or restored) risks: (risk id, fields); rows with no
    field set are skipped."""
    wanted = [
        {"risk_id": risk_id, **{COLUMNS[f]: _stored(values.get(f)) for f in COMMENTARY_FIELDS}}
        for risk_id, values in rows
        if any(values.get(f) is not None for f in COMMENTARY_FIELDS)
    ]
    for start in range(0, len(wanted), CHUNK):
        session.execute(insert(_TABLE), wanted[start : start + CHUNK])


def _stored(value: Any) -> Any:
    # a level (StrEnum) is stored as its text, as the other level columns are
    return value.value if hasattr(value, "value") and isinstance(value.value, str) else value
