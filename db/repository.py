"""Writing records: create, update, delete and restore, each with its audit entry.

Every function takes the session explicitly, works inside the caller's transaction
(``Register.write()``) and accepts only validated ``*Create`` / ``*Update`` models,
so nothing reaches a table without passing the rules of the domain model.

Deletes return a *snapshot* (the record, its links and the records that pointed at
it); ``restore`` puts exactly that back, which is what undo needs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete as sa_delete
from sqlalchemy import func, insert, select
from sqlalchemy import update as sa_update
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, SQLModel, col

from db import audit, commentary, limits
from db.errors import ConflictError, FieldError, NotFound, ValidationFailed
from db.kinds import REF_PREFIX, REF_WIDTH
from db.models import (
    Action,
    ActionCreate,
    ActionRiskLink,
    ActionUpdate,
    Event,
    EventCreate,
    EventRiskLink,
    EventUpdate,
    Partnership,
    PartnershipCreate,
    PartnershipUpdate,
    RefCounter,
    Risk,
    RiskCreate,
    RiskPartnershipLink,
    RiskStakeholderLink,
    RiskUpdate,
    Stakeholder,
    StakeholderCreate,
    StakeholderUpdate,
    utcnow,
)
from db.responses import loop_reason, response_loop, whole_checked

Record = Stakeholder | Partnership | Risk | Event | Action


@dataclass(frozen=True)
class LinkSpec:
    """A many-to-many link as seen from one side: ``risk.partnership_ids``."""

    field: str  # name in Create/Update models, e.g. "partnership_ids"
    table: type[SQLModel]
    own_col: str  # column holding this record's id
    other_col: str  # column holding the linked record's id
    other_kind: str
    export_name: str  # column name in files, e.g. "partnerships"


@dataclass(frozen=True)
class RefSpec:
    """A single reference from this record to another: ``partnership.partner_id``."""

    field: str
    other_kind: str
    export_name: str


@dataclass(frozen=True)
class KindSpec:
    kind: str
    table: type[SQLModel]
    create: type[SQLModel]
    update: type[SQLModel]
    unique_name: str | None
    refs: tuple[RefSpec, ...]
    links: tuple[LinkSpec, ...]


KINDS: dict[str, KindSpec] = {
    "stakeholder": KindSpec(
        "stakeholder", Stakeholder, StakeholderCreate, StakeholderUpdate, "name", (), ()
    ),
    "partnership": KindSpec(
        "partnership",
        Partnership,
        PartnershipCreate,
        PartnershipUpdate,
        "name",
        (RefSpec("partner_id", "stakeholder", "partner"),),
        (),
    ),
    "risk": KindSpec(
        "risk",
        Risk,
        RiskCreate,
        RiskUpdate,
        None,
        (),
        (
            LinkSpec(
                "partnership_ids",
                RiskPartnershipLink,
                "risk_id",
                "partnership_id",
                "partnership",
                "partnerships",
            ),
            LinkSpec(
                "stakeholder_ids",
                RiskStakeholderLink,
                "risk_id",
                "stakeholder_id",
                "stakeholder",
                "stakeholders",
            ),
        ),
    ),
    "event": KindSpec(
        "event",
        Event,
        EventCreate,
        EventUpdate,
        None,
        (
            RefSpec("stakeholder_id", "stakeholder", "stakeholder"),
            RefSpec("partnership_id", "partnership", "partnership"),
            RefSpec("responds_to_id", "event", "responds_to"),
        ),
        (LinkSpec("risk_ids", EventRiskLink, "event_id", "risk_id", "risk", "risks"),),
    ),
    "action": KindSpec(
        "action",
        Action,
        ActionCreate,
        ActionUpdate,
        None,
        (),
        (LinkSpec("risk_ids", ActionRiskLink, "action_id", "risk_id", "risk", "risks"),),
    ),
}

# Which (kind, column) point at a record of a given kind: needed to snapshot and
# restore what a delete detaches (SET NULL) or refuses (RESTRICT).
INCOMING: dict[str, list[tuple[str, str]]] = {
    "stakeholder": [("event", "stakeholder_id"), ("partnership", "partner_id")],
    "partnership": [("event", "partnership_id")],
    "risk": [],
    "event": [("event", "responds_to_id")],
    "action": [],
}
# The reverse side of many-to-many links: (link table, column of this kind, other column).
INCOMING_LINKS: dict[str, list[tuple[type[SQLModel], str, str]]] = {
    "stakeholder": [(RiskStakeholderLink, "stakeholder_id", "risk_id")],
    "partnership": [(RiskPartnershipLink, "partnership_id", "risk_id")],
    "risk": [(EventRiskLink, "risk_id", "event_id"), (ActionRiskLink, "risk_id", "action_id")],
    "event": [],
    "action": [],
}

BOOKKEEPING = ("id", "ref", "version", "created_at", "created_by", "updated_at", "updated_by")


def spec(kind: str) -> KindSpec:
    try:
        return KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown kind {kind!r}") from None


def user_fields(kind: str) -> list[str]:
    """Editable scalar fields of a kind, in form/file order (links excluded)."""
    s = spec(kind)
    link_fields = {link.field for link in s.links}
    return [f for f in s.create.model_fields if f not in link_fields]


# --------------------------------------------------------------------------- refs


def format_ref(prefix: str, number: int) -> str:
    return f"{prefix}-{number:0{REF_WIDTH[prefix]}d}"


def parse_ref(ref: str) -> tuple[str, int] | None:
    text = ref.strip().upper()
    prefix, sep, digits = text.partition("-")
    if not sep or prefix not in REF_WIDTH or not digits.isdigit():
        return None
    return prefix, int(digits)


def reserve_refs(session: Session, kind: str, count: int = 1) -> list[str]:
    """Hand out the next ``count`` refs of a kind; numbers are never reused."""
    first = reserve_numbers(session, kind, count)
    prefix = REF_PREFIX[kind]
    return [format_ref(prefix, n) for n in range(first, first + count)]


def reserve_numbers(session: Session, kind: str, count: int) -> int:
    """``reserve_refs`` without the refs written out: the first of the ``count``
    numbers handed out (a bulk import formats them where it builds its rows)."""
    prefix = REF_PREFIX[kind]
    counter = session.execute(
        select(RefCounter).where(col(RefCounter.prefix) == prefix).with_for_update()
    ).scalar_one_or_none()
    if counter is None:
        counter = RefCounter(prefix=prefix, next_number=1)
        session.add(counter)
        session.flush()
    first = counter.next_number
    counter.next_number = first + count
    session.add(counter)
    session.flush()
    return int(first)


def claim_ref(session: Session, kind: str, ref: str) -> str:
    """Use an explicit ref (import, restore) and move the counter past it."""
    parsed = parse_ref(ref)
    prefix = REF_PREFIX[kind]
    if parsed is None or parsed[0] != prefix:
        raise ValidationFailed([FieldError("ref", f"must look like {format_ref(prefix, 1)}")])
    number = parsed[1]
    counter = session.execute(
        select(RefCounter).where(col(RefCounter.prefix) == prefix).with_for_update()
    ).scalar_one_or_none()
    if counter is None:
        session.add(RefCounter(prefix=prefix, next_number=number + 1))
    elif counter.next_number <= number:
        counter.next_number = number + 1
        session.add(counter)
    session.flush()
    return format_ref(prefix, number)


# --------------------------------------------------------------------------- reading


def get(session: Session, kind: str, record_id: int) -> Any:
    record = session.get(spec(kind).table, record_id)
    if record is None:
        raise NotFound(f"{kind} #{record_id} no longer exists")
    return record


def get_by_ref(session: Session, kind: str, ref: str) -> Any:
    table: Any = spec(kind).table
    record = session.execute(
        select(table).where(table.ref == ref.strip().upper())
    ).scalar_one_or_none()
    if record is None:
        raise NotFound(f"no {kind} with ref {ref}")
    return record


def link_ids(session: Session, kind: str, record_id: int) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for link in spec(kind).links:
        table: Any = link.table
        own = getattr(table, link.own_col)
        other = getattr(table, link.other_col)
        out[link.field] = sorted(session.execute(select(other).where(own == record_id)).scalars())
    return out


def field_values(
    session: Session, kind: str, record_id: int, fields: Iterable[str]
) -> dict[str, Any]:
    """The record's values of ``fields`` as an ``*Update`` takes them (links as id lists)."""
    record = get(session, kind, record_id)
    links = {link.field for link in spec(kind).links}
    linked = link_ids(session, kind, record_id) if links & set(fields) else {}
    return {f: linked[f] if f in links else getattr(record, f) for f in fields}


def refs_of(session: Session, kind: str, ids: list[int]) -> list[str]:
    if not ids:
        return []
    table: Any = spec(kind).table
    return sorted(session.execute(select(table.ref).where(table.id.in_(ids))).scalars())


def values(session: Session, kind: str, record: Any) -> dict[str, Any]:
    """The record's user-visible values, links by ref: what the audit compares."""
    s = spec(kind)
    out: dict[str, Any] = {
        f: getattr(record, f) for f in user_fields(kind) if not f.endswith("_id")
    }
    for ref_spec in s.refs:
        target = getattr(record, ref_spec.field)
        # No ref when the target is hidden from this member (row-level security): the
        # trail of a record they may see never names one they may not.
        found = refs_of(session, ref_spec.other_kind, [target]) if target else []
        out[ref_spec.export_name] = found[0] if found else None
    for link, ids in link_ids(session, kind, record.id).items():
        link_spec = next(x for x in s.links if x.field == link)
        out[link_spec.export_name] = refs_of(session, link_spec.other_kind, ids)
    return {k: audit.to_jsonable(v) for k, v in out.items()}


# --------------------------------------------------------------------------- checks


def _check_unique_name(session: Session, kind: str, name: str, exclude_id: int | None) -> None:
    table: Any = spec(kind).table
    stmt = select(table.ref).where(table.name_key == name.casefold())
    if exclude_id is not None:
        stmt = stmt.where(table.id != exclude_id)
    clash = session.execute(stmt).scalar()
    if clash:
        raise ValidationFailed([FieldError("name", f"{kind} {clash} already has this name")])


def _responds_to(session: Session, event_id: int) -> int | None:
    return session.execute(
        select(col(Event.responds_to_id)).where(col(Event.id) == event_id)
    ).scalar_one_or_none()


def _event_ref(session: Session, event_id: int) -> str:
    return str(
        session.execute(select(col(Event.ref)).where(col(Event.id) == event_id)).scalar_one()
    )


def response_loop_refs(session: Session, event_id: int, target_id: int | None) -> list[str]:
    """The refs of the loop that making event ``event_id`` respond to ``target_id``
    would close (``db.responses``); empty when there is none.  The event form asks
    this before saving, and every create/update is checked with it."""
    loop = response_loop(event_id, target_id, lambda i: _responds_to(session, i))
    return [_event_ref(session, i) for i in loop]


def _check_storable(session: Session, kind: str, data: dict[str, Any]) -> None:
    limit = limits.int_max(session)
    if limit < limits.INT64_MAX:
        fields = limits.too_large(data, limits.wide_int_fields(spec(kind).create), limit)
        if fields:
            raise ValidationFailed([FieldError(f, limits.reason(limit)) for f in fields])


def _check_targets(session: Session, kind: str, data: dict[str, Any], own_id: int | None) -> None:
    s = spec(kind)
    errors: list[FieldError] = []
    for ref_spec in s.refs:
        target = data.get(ref_spec.field)
        if target is None:
            continue
        if ref_spec.field == "responds_to_id" and own_id is not None:
            if whole_checked():
                refs = ["", ""] if target == own_id else []
            else:
                refs = response_loop_refs(session, own_id, target)
            if refs:
                errors.append(FieldError(ref_spec.export_name, loop_reason(refs)))
                continue
        if session.get(spec(ref_spec.other_kind).table, target) is None:
            errors.append(FieldError(ref_spec.export_name, f"no such {ref_spec.other_kind}"))
    for link in s.links:
        ids = data.get(link.field)
        if not ids:
            continue
        table: Any = spec(link.other_kind).table
        found = set(session.execute(select(table.id).where(table.id.in_(set(ids)))).scalars())
        missing = set(ids) - found
        if missing:
            errors.append(
                FieldError(link.export_name, f"no such {link.other_kind} ({len(missing)} missing)")
            )
    if errors:
        raise ValidationFailed(errors)


def _write_links(
    session: Session, kind: str, record_id: int, data: dict[str, Any], replace: bool
) -> None:
    for link in spec(kind).links:
        ids = data.get(link.field)
        if ids is None:
            continue
        table: Any = link.table
        if replace:
            session.execute(sa_delete(table).where(getattr(table, link.own_col) == record_id))
        unique = sorted(set(ids))
        if unique:
            session.execute(
                insert(table),
                [{link.own_col: record_id, link.other_col: other} for other in unique],
            )


def _revalidate(kind: str, merged: dict[str, Any]) -> None:
    """Re-check whole-record rules after a partial update (dates, residual pairs)."""
    try:
        spec(kind).create.model_validate(merged)
    except ValidationError as exc:
        raise ValidationFailed.from_pydantic(exc) from None


# --------------------------------------------------------------------------- writing


def validated(model: type[SQLModel], data: Any) -> Any:
    """``data`` as an instance of ``model``; pydantic errors become ValidationFailed."""
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(
            data if isinstance(data, dict) else data.model_dump(exclude_unset=True)
        )
    except ValidationError as exc:
        raise ValidationFailed.from_pydantic(exc) from None


def create(
    session: Session,
    kind: str,
    data: SQLModel,
    *,
    actor: str,
    ref: str | None = None,
    action: str = "create",
) -> Any:
    s = spec(kind)
    data = validated(s.create, data)
    payload = data.model_dump()
    if s.unique_name:
        _check_unique_name(session, kind, payload["name"], None)
    _check_storable(session, kind, payload)
    _check_targets(session, kind, payload, None)
    link_fields = {link.field for link in s.links}
    row = {k: v for k, v in payload.items() if k not in link_fields}
    row, said = commentary.split(row)
    if s.unique_name:
        row["name_key"] = row["name"].casefold()
    now = utcnow()
    row.update(
        ref=claim_ref(session, kind, ref) if ref else reserve_refs(session, kind)[0],
        created_at=now,
        updated_at=now,
        created_by=actor,
        updated_by=actor,
    )
    record: Any = s.table(**row)
    session.add(record)
    session.flush()
    _write_links(session, kind, record.id, payload, replace=False)
    commentary.write(session, record.id, said)
    new_values, new_said = commentary.split(values(session, kind, record))
    (changes,) = audit.creation_changes({k: [v] for k, v in new_values.items()})
    audit.record_encoded(
        session, actor=actor, kind=kind, action=action, items=[(record.ref, changes)]
    )
    given = {k: [None, v] for k, v in new_said.items() if audit.is_given(v)}
    if given:  # the commentary's own entry, at its own level (db.commentary)
        audit.record(
            session, actor=actor, kind=kind, ref=record.ref, action="update", changes=given
        )
    return record


def _conflict(kind: str, record: Any) -> ConflictError:
    return ConflictError(kind, record.ref, record.updated_by, record.updated_at)


def update(
    session: Session,
    kind: str,
    record_id: int,
    data: SQLModel,
    *,
    actor: str,
    expected_version: int | None = None,
) -> Any:
    """Apply the fields set in ``data``; refuse if the record moved past ``expected_version``."""
    s = spec(kind)
    data = validated(s.update, data)
    record = get(session, kind, record_id)
    if expected_version is not None and record.version != expected_version:
        raise _conflict(kind, record)
    changes_in = data.model_dump(exclude_unset=True)
    before = values(session, kind, record)
    current = {f: getattr(record, f) for f in user_fields(kind)}
    current.update(link_ids(session, kind, record_id))
    merged = {**current, **{k: v for k, v in changes_in.items()}}
    for field in user_fields(kind):
        if (
            field in changes_in
            and changes_in[field] is None
            and s.create.model_fields[field].is_required()
        ):
            raise ValidationFailed([FieldError(field, "is required")])
    _revalidate(kind, merged)
    if s.unique_name and "name" in changes_in:
        _check_unique_name(session, kind, merged["name"], record_id)
    _check_storable(session, kind, changes_in)
    _check_targets(session, kind, changes_in, record_id)
    link_fields = {link.field for link in s.links}
    # No autoflush until the explicit flush below: one UPDATE (one version step) per
    # update, and a stale record is caught there as a conflict, not as StaleDataError.
    with session.no_autoflush:
        own_in, said_in = commentary.split(changes_in)
        for field, value in own_in.items():
            if field in link_fields:
                continue
            setattr(record, field, value)
        if s.unique_name:
            record.name_key = record.name.casefold()
        _write_links(session, kind, record_id, changes_in, replace=True)
        commentary.write(
            session,
            record_id,
            {k: v for k, v in said_in.items() if audit.to_jsonable(v) != before.get(k)},
        )
        after_preview = values(session, kind, record)
    diff = {k: [before.get(k), v] for k, v in after_preview.items() if before.get(k) != v}
    if not diff:
        return record
    record.updated_at = utcnow()
    record.updated_by = actor
    session.add(record)
    try:
        session.flush()
    except StaleDataError:
        session.rollback()
        fresh = get(session, kind, record_id)
        raise _conflict(kind, fresh) from None
    audit.record_many(
        session, actor=actor, entries=commentary.entries(kind, record.ref, "update", diff)
    )
    return record


def snapshot(session: Session, kind: str, record_id: int) -> dict[str, Any]:
    """Everything needed to put a record back exactly as it is now."""
    s = spec(kind)
    record = get(session, kind, record_id)
    table_cols = [c.name for c in s.table.__table__.columns]  # type: ignore[attr-defined]
    row = {c: getattr(record, c) for c in table_cols}
    incoming: dict[str, list[int]] = {}
    for other_kind, column in INCOMING[kind]:
        table: Any = spec(other_kind).table
        ids = list(
            session.execute(select(table.id).where(getattr(table, column) == record_id)).scalars()
        )
        if ids:
            incoming[f"{other_kind}.{column}"] = ids
    incoming_links: dict[str, list[int]] = {}
    for link_table, own_col, other_col in INCOMING_LINKS[kind]:
        lt: Any = link_table
        ids = list(
            session.execute(
                select(getattr(lt, other_col)).where(getattr(lt, own_col) == record_id)
            ).scalars()
        )
        if ids:
            incoming_links[lt.__tablename__] = ids
    said = commentary.read(session, [record_id]).get(record_id, {}) if kind == "risk" else {}
    return {
        "kind": kind,
        "row": row,
        "commentary": said,
        "links": link_ids(session, kind, record_id),
        "incoming": incoming,
        "incoming_links": incoming_links,
        "values": values(session, kind, record),
    }


def delete(
    session: Session, kind: str, record_id: int, *, actor: str, expected_version: int | None = None
) -> dict[str, Any]:
    record = get(session, kind, record_id)
    if expected_version is not None and record.version != expected_version:
        raise _conflict(kind, record)
    if kind == "stakeholder":
        partner_of = (
            session.execute(
                select(col(Partnership.ref)).where(col(Partnership.partner_id) == record_id)
            )
            .scalars()
            .all()
        )
        if partner_of:
            raise ValidationFailed(
                [
                    FieldError(
                        "partner",
                        f"{record.ref} is the partner of {', '.join(partner_of)}; "
                        "delete those partnerships or choose another partner first",
                    )
                ]
            )
    if kind == "risk":
        refuse_orphaning_actions(session, [record_id])
        commentary.refuse_hidden(session, [record_id])
    snap = snapshot(session, kind, record_id)
    session.delete(record)
    try:
        session.flush()
    except StaleDataError:  # changed or deleted by someone else since it was loaded
        session.rollback()
        fresh = session.get(spec(kind).table, record_id)
        if fresh is None:
            raise NotFound(f"{kind} {snap['row']['ref']} was deleted by another user") from None
        raise _conflict(kind, fresh) from None
    gone = {k: [v, None] for k, v in snap["values"].items() if v not in (None, [], "")}
    audit.record_many(
        session, actor=actor, entries=commentary.entries(kind, snap["row"]["ref"], "delete", gone)
    )
    return snap


def refuse_orphaning_actions(session: Session, risk_ids: Iterable[int]) -> None:
    """Refuse to delete risks that are the only risks of an action (an action treats
    one or more risks, always): the user deletes the action or gives it another risk."""
    ids = sorted(set(risk_ids))
    if not ids:
        return
    link: Any = ActionRiskLink
    action: Any = Action
    risk: Any = Risk
    hit = select(link.action_id).where(link.risk_id.in_(ids))
    kept = select(link.action_id).where(link.action_id.in_(hit), link.risk_id.not_in(ids))
    found = session.execute(
        select(risk.ref, action.ref)
        .select_from(link)
        .join(action, action.id == link.action_id)
        .join(risk, risk.id == link.risk_id)
        .where(link.action_id.in_(hit), link.action_id.not_in(kept))
        .order_by(risk.ref, action.ref)
    ).first()
    if found is not None:
        raise ValidationFailed(
            [
                FieldError(
                    "actions",
                    f"{found[0]} is the only risk of action {found[1]}; "
                    "delete that action or give it another risk first",
                )
            ]
        )


def refuse_if_no_links_left(
    kind: str, links: dict[str, list[int]], *, ref: str | None = None
) -> None:
    """A record coming back whose required many-to-many links all point at records
    deleted since (an action whose risks are gone) is refused, like a required
    reference (``refuse_if_required``)."""
    for link in spec(kind).links:
        if link.field not in links or not spec(kind).create.model_fields[link.field].is_required():
            continue
        if not links[link.field]:
            prefix = f"{ref}: " if ref else ""
            raise ValidationFailed(
                [
                    FieldError(
                        link.export_name,
                        f"{prefix}the {link.export_name} it treats no longer exist",
                    )
                ]
            )


def refuse_if_required(kind: str, ref_spec: Any, *, ref: str | None = None) -> None:
    """A record coming back whose link target is gone: an optional link is dropped by
    the caller, a required one refuses the restore with this message."""
    if spec(kind).create.model_fields[ref_spec.field].is_required():
        prefix = f"{ref}: " if ref else ""
        raise ValidationFailed(
            [
                FieldError(
                    ref_spec.export_name,
                    f"{prefix}the {ref_spec.other_kind} it needs no longer exists",
                )
            ]
        )


def restore(session: Session, kind: str, snap: dict[str, Any], *, actor: str) -> Any:
    """Undo a delete: the same ref, values, version and links as before.

    The ref is the record's identity.  The id is kept too unless another record has
    been given it meanwhile (SQLite hands the highest deleted id to the next insert);
    then the record comes back under a fresh id.  Links to records deleted since are
    left out; a required partner that no longer exists refuses the restore.
    """
    s = spec(kind)
    row = dict(snap["row"])
    table: Any = s.table
    if session.execute(select(table.id).where(table.ref == row["ref"])).scalar() is not None:
        raise ValidationFailed([FieldError("ref", f"{row['ref']} already exists")])
    if s.unique_name:
        _check_unique_name(session, kind, row["name"], None)
    for ref_spec in s.refs:
        target = row.get(ref_spec.field)
        if target is not None and session.get(spec(ref_spec.other_kind).table, target) is None:
            refuse_if_required(kind, ref_spec)
            row[ref_spec.field] = None
    if session.get(table, row["id"]) is not None:
        row.pop("id")
    version = row.pop("version")
    record_id = session.execute(
        insert(table).values(**row, version=version).returning(table.id)
    ).scalar_one()
    links = {
        link.field: _existing(session, link.other_kind, snap["links"].get(link.field) or [])
        for link in s.links
    }
    refuse_if_no_links_left(kind, links, ref=row["ref"])
    _write_links(session, kind, record_id, links, replace=False)
    commentary.write_many(session, [(record_id, snap.get("commentary") or {})])
    for key, ids in snap.get("incoming", {}).items():
        other_kind, column = key.split(".")
        other: Any = spec(other_kind).table
        # Only where the pointer is still empty: a later re-pointing by someone else stands.
        session.execute(
            sa_update(other)
            .where(other.id.in_(ids), getattr(other, column).is_(None))
            .values({column: record_id})
        )
    for tablename, ids in snap.get("incoming_links", {}).items():
        for link_table, own_col, other_col in INCOMING_LINKS[kind]:
            lt: Any = link_table
            if lt.__tablename__ == tablename:
                present = _existing(session, _LINK_OWNER[tablename], ids)
                if present:
                    session.execute(
                        insert(lt), [{own_col: record_id, other_col: i} for i in present]
                    )
    back = {k: [None, v] for k, v in snap["values"].items() if v not in (None, [], "")}
    audit.record_many(
        session, actor=actor, entries=commentary.entries(kind, row["ref"], "restore", back)
    )
    session.expire_all()
    return session.get(table, record_id)


# Which kind owns the other side of each link table, seen from the linked record.
_LINK_OWNER: dict[str, str] = {
    "risk_partnership": "risk",
    "risk_stakeholder": "risk",
    "event_risk": "event",
    "action_risk": "action",
}


def _existing(session: Session, kind: str, ids: list[int]) -> list[int]:
    if not ids:
        return []
    table: Any = spec(kind).table
    return sorted(session.execute(select(table.id).where(table.id.in_(set(ids)))).scalars())


def overwrite(session: Session, kind: str, record_id: int, data: SQLModel, *, actor: str) -> Any:
    """Save ``data`` over whatever is there now (the user chose "overwrite" on a conflict)."""
    return update(session, kind, record_id, data, actor=actor, expected_version=None)


def count(session: Session, kind: str) -> int:
    table: Any = spec(kind).table
    return int(session.execute(select(func.count()).select_from(table)).scalar() or 0)


def counts(session: Session) -> dict[str, int]:
    return {kind: count(session, kind) for kind in KINDS}
