"""Deleting and restoring many records of one kind at once (taking back a whole import).

The results are those of ``repository.delete`` / ``repository.restore`` called
record by record (the same snapshots, the same audit entries ``delete`` /
``restore`` with the same changes), but the work is done a chunk of records per
query: taking back a 100,000-row import takes seconds, not the quarter of an hour
that one-by-one deleting would.

Both run inside the caller's transaction (all or nothing) and call
``step(count)`` after each chunk, which may raise to stop (the transaction then
rolls back).
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import delete as sa_delete
from sqlalchemy import insert, select
from sqlalchemy import update as sa_update
from sqlmodel import Session

from db import audit, commentary
from db.errors import FieldError, ValidationFailed
from db.models import COMMENTARY_FIELDS
from db.repository import (
    _LINK_OWNER,
    INCOMING,
    INCOMING_LINKS,
    refuse_if_no_links_left,
    refuse_if_required,
    refuse_orphaning_actions,
    spec,
    user_fields,
)

CHUNK = 500  # ids per IN (...): far below every backend's parameter limit

Step = Callable[[int], None]


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _refs_by_id(session: Session, kind: str, ids: set[int]) -> dict[int, str]:
    table: Any = spec(kind).table
    out: dict[int, str] = {}
    for chunk in _chunks(sorted(ids)):
        out.update(session.execute(select(table.id, table.ref).where(table.id.in_(chunk))).all())  # type: ignore[arg-type]
    return out


def _existing_ids(session: Session, kind: str, ids: set[int]) -> set[int]:
    table: Any = spec(kind).table
    found: set[int] = set()
    for chunk in _chunks(sorted(ids)):
        found.update(session.execute(select(table.id).where(table.id.in_(chunk))).scalars())
    return found


def versions(session: Session, kind: str, refs: Sequence[str]) -> dict[str, int]:
    """ref -> version of each record in ``refs`` that exists."""
    table: Any = spec(kind).table
    out: dict[str, int] = {}
    for chunk in _chunks(list(refs)):
        out.update(
            session.execute(select(table.ref, table.version).where(table.ref.in_(chunk))).all()  # type: ignore[arg-type]
        )
    return out


def _snapshots(session: Session, kind: str, records: list[Any]) -> list[dict[str, Any]]:
    """``repository.snapshot`` of each record, a few queries for the whole chunk."""
    s = spec(kind)
    ids = [r.id for r in records]
    table_cols = [c.name for c in s.table.__table__.columns]  # type: ignore[attr-defined]
    links: dict[str, dict[int, list[int]]] = {}
    for link in s.links:
        lt: Any = link.table
        own, other = getattr(lt, link.own_col), getattr(lt, link.other_col)
        grouped: dict[int, list[int]] = defaultdict(list)
        for a, b in session.execute(select(own, other).where(own.in_(ids))).all():
            grouped[a].append(b)
        links[link.field] = grouped
    incoming: dict[int, dict[str, list[int]]] = defaultdict(dict)
    for other_kind, column in INCOMING[kind]:
        ot: Any = spec(other_kind).table
        pointer = getattr(ot, column)
        for other_id, target in session.execute(
            select(ot.id, pointer).where(pointer.in_(ids))
        ).all():
            incoming[target].setdefault(f"{other_kind}.{column}", []).append(other_id)
    incoming_links: dict[int, dict[str, list[int]]] = defaultdict(dict)
    for link_table, own_col, other_col in INCOMING_LINKS[kind]:
        lt = link_table
        mine, theirs = getattr(lt, own_col), getattr(lt, other_col)
        for target, other_id in session.execute(select(mine, theirs).where(mine.in_(ids))).all():
            incoming_links[target].setdefault(lt.__tablename__, []).append(other_id)
    # Refs for the values the audit shows (links by ref), fetched once per kind.
    wanted: dict[str, set[int]] = defaultdict(set)
    for ref_spec in s.refs:
        wanted[ref_spec.other_kind].update(
            t for r in records if (t := getattr(r, ref_spec.field)) is not None
        )
    for link in s.links:
        for others in links[link.field].values():
            wanted[link.other_kind].update(others)
    refs = {k: _refs_by_id(session, k, v) for k, v in wanted.items()}
    plain = [f for f in user_fields(kind) if not f.endswith("_id")]
    said_fields = [f for f in plain if f in COMMENTARY_FIELDS]
    plain = [f for f in plain if f not in COMMENTARY_FIELDS]
    said = commentary.read(session, ids) if said_fields else {}
    out: list[dict[str, Any]] = []
    for record in records:
        own_links = {link.field: sorted(links[link.field].get(record.id, [])) for link in s.links}
        own_said = said.get(record.id, {})
        values: dict[str, Any] = {f: getattr(record, f) for f in plain}
        values.update({f: own_said.get(f) for f in said_fields})
        for ref_spec in s.refs:
            target = getattr(record, ref_spec.field)
            values[ref_spec.export_name] = refs[ref_spec.other_kind][target] if target else None
        for link in s.links:
            values[link.export_name] = sorted(
                refs[link.other_kind][i] for i in own_links[link.field]
            )
        out.append(
            {
                "kind": kind,
                "row": {c: getattr(record, c) for c in table_cols},
                "commentary": own_said,
                "links": own_links,
                "incoming": incoming.get(record.id, {}),
                "incoming_links": incoming_links.get(record.id, {}),
                "values": {k: audit.to_jsonable(v) for k, v in values.items()},
            }
        )
    return out


def delete_by_refs(
    session: Session, kind: str, refs: Sequence[str], *, actor: str, step: Step | None = None
) -> list[dict[str, Any]]:
    """Delete the records ``refs`` name (those still there); their snapshots, in ``refs`` order."""
    s = spec(kind)
    table: Any = s.table
    snapshots: list[dict[str, Any]] = []
    for chunk in _chunks(list(refs)):
        records = list(session.execute(select(table).where(table.ref.in_(chunk))).scalars())
        if not records:
            if step is not None:
                step(len(chunk))
            continue
        ids = [r.id for r in records]
        if kind == "stakeholder":
            partner = spec("partnership").table
            blocked = session.execute(
                select(partner.ref, table.ref)  # type: ignore[attr-defined]
                .join(table, table.id == partner.partner_id)  # type: ignore[attr-defined]
                .where(partner.partner_id.in_(ids))  # type: ignore[attr-defined]
            ).first()
            if blocked is not None:
                raise ValidationFailed(
                    [
                        FieldError(
                            "partner",
                            f"{blocked[1]} is the partner of {blocked[0]}; "
                            "delete that partnership or choose another partner first",
                        )
                    ]
                )
        if kind == "risk":
            # the whole batch at once: two risks deleted together may be an action's only two
            refuse_orphaning_actions(session, [r.id for r in records])
            commentary.refuse_hidden(session, [r.id for r in records])
        snaps = _snapshots(session, kind, records)
        for record in records:
            session.expunge(record)
        session.execute(sa_delete(table).where(table.id.in_(ids)))
        _audit_snapshots(session, kind, snaps, "delete", actor=actor)
        snapshots.extend(snaps)
        if step is not None:
            step(len(chunk))
    order = {ref: n for n, ref in enumerate(refs)}
    snapshots.sort(key=lambda snap: order[snap["row"]["ref"]])
    return snapshots


def restore_many(
    session: Session,
    kind: str,
    snapshots: Sequence[dict[str, Any]],
    *,
    actor: str,
    step: Step | None = None,
) -> dict[str, int]:
    """Put deleted records back as ``repository.restore`` would; ref -> id of each.

    Pointers between records of the same batch (an event answering another one
    restored with it) are set once both exist.
    """
    s = spec(kind)
    table: Any = s.table
    refs = [snap["row"]["ref"] for snap in snapshots]
    for chunk in _chunks(refs):
        taken = session.execute(select(table.ref).where(table.ref.in_(chunk))).scalar()
        if taken is not None:
            raise ValidationFailed([FieldError("ref", f"{taken} already exists")])
    if s.unique_name:
        keys = [snap["row"]["name_key"] for snap in snapshots]
        for chunk in _chunks(keys):
            clash = session.execute(
                select(table.ref, table.name).where(table.name_key.in_(chunk))
            ).first()
            if clash is not None:
                raise ValidationFailed(
                    [FieldError("name", f"{kind} {clash[0]} already has the name {clash[1]!r}")]
                )
    old_ids = {snap["row"]["id"] for snap in snapshots}
    taken_ids = _existing_ids(session, kind, old_ids)
    # Targets outside the batch that are gone: optional pointers are dropped, a required
    # one refuses the restore (as repository.restore does).
    exists: dict[str, set[int]] = {}
    for ref_spec in s.refs:
        targets = {t for snap in snapshots if (t := snap["row"].get(ref_spec.field)) is not None}
        exists[ref_spec.field] = _existing_ids(session, ref_spec.other_kind, targets)
    later: list[tuple[str, str, int]] = []  # (ref, field, old target id) inside the batch
    rows: list[dict[str, Any]] = []
    for snap in snapshots:
        row = dict(snap["row"])
        for ref_spec in s.refs:
            target = row.get(ref_spec.field)
            if target is None or target in exists[ref_spec.field]:
                continue
            if ref_spec.other_kind == kind and target in old_ids:
                later.append((row["ref"], ref_spec.field, target))
                row[ref_spec.field] = None
                continue
            refuse_if_required(kind, ref_spec, ref=row["ref"])
            row[ref_spec.field] = None
        rows.append(row)
    with_id = [r for r in rows if r["id"] not in taken_ids]
    without_id = [{k: v for k, v in r.items() if k != "id"} for r in rows if r["id"] in taken_ids]
    for group in (with_id, without_id):
        for chunk in _chunks(group):
            session.execute(insert(table.__table__), list(chunk))
            if step is not None:
                step(len(chunk))
    new_id: dict[str, int] = {}
    for chunk in _chunks(refs):
        new_id.update(
            session.execute(select(table.ref, table.id).where(table.ref.in_(chunk))).all()  # type: ignore[arg-type]
        )
    id_map = {snap["row"]["id"]: new_id[snap["row"]["ref"]] for snap in snapshots}
    commentary.write_many(
        session, [(new_id[snap["row"]["ref"]], snap.get("commentary") or {}) for snap in snapshots]
    )
    for ref, field, old_target in later:
        session.execute(
            sa_update(table).where(table.id == new_id[ref]).values({field: id_map[old_target]})
        )
    for link in s.links:
        wanted = {
            (new_id[snap["row"]["ref"]], other)
            for snap in snapshots
            for other in snap["links"].get(link.field) or []
        }
        present = _existing_ids(session, link.other_kind, {other for _, other in wanted})
        for snap in snapshots:
            left = [o for o in snap["links"].get(link.field) or [] if o in present]
            refuse_if_no_links_left(kind, {link.field: left}, ref=snap["row"]["ref"])
        pairs = [
            {link.own_col: own, link.other_col: other}
            for own, other in sorted(wanted)
            if other in present
        ]
        for chunk in _chunks(pairs):
            session.execute(insert(link.table), list(chunk))
    for snap in snapshots:
        record_id = new_id[snap["row"]["ref"]]
        for key, ids in snap.get("incoming", {}).items():
            other_kind, column = key.split(".")
            other: Any = spec(other_kind).table
            if other_kind == kind:  # an answer restored in the same batch has a new id
                ids = [id_map.get(i, i) for i in ids]
            # Only where the pointer is still empty: a later re-pointing by someone else stands.
            session.execute(
                sa_update(other)
                .where(other.id.in_(ids), getattr(other, column).is_(None))
                .values({column: record_id})
            )
        for tablename, ids in snap.get("incoming_links", {}).items():
            for link_table, own_col, other_col in INCOMING_LINKS[kind]:
                lt: Any = link_table
                if lt.__tablename__ != tablename:
                    continue
                owner = _LINK_OWNER[tablename]
                present_ids = _existing_ids(session, owner, set(ids))
                already = set(
                    session.execute(
                        select(getattr(lt, other_col)).where(getattr(lt, own_col) == record_id)
                    ).scalars()
                )
                new = sorted(present_ids - already)
                if new:
                    session.execute(insert(lt), [{own_col: record_id, other_col: i} for i in new])
    _audit_snapshots(session, kind, snapshots, "restore", actor=actor)
    session.expire_all()
    return new_id


def _audit_snapshots(
    session: Session, kind: str, snaps: Sequence[dict[str, Any]], action: str, *, actor: str
) -> None:
    """One audit entry per record a bulk step deleted or restored: its given values going
    away (``delete``) or coming back (``restore``), as the one-record path writes them."""

    def change(value: Any) -> list[Any]:
        return [value, None] if action == "delete" else [None, value]

    audit.record_many(
        session,
        actor=actor,
        entries=[
            entry
            for snap in snaps
            for entry in commentary.entries(
                kind,
                snap["row"]["ref"],
                action,
                {k: change(v) for k, v in snap["values"].items() if v not in (None, [], "")},
            )
        ],
    )


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while bulk work (an import, undoing one) runs.

    Bulk work holds hundreds of thousands of small containers, none of them cyclic;
    left running, the collector re-scans them all again and again (a third of the
    time of a 100,000-row import, half of a large undo).  It is switched back on
    however the work ends.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
