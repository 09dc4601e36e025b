"""Setting one field of many records at once (the registers' "Set field" on a selection).

Each record is changed through ``repository.update``, exactly as a form's save is:
the same validation, one audit entry per record, and the version check, all in one
write transaction, so a record changed by someone else since the selection was
taken refuses the whole step (``ConflictError``) and nothing is written.  Records
whose value is already the one asked for are left alone (no version, no entry).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from db import repository
from db.engine import Register
from db.errors import ConflictError, FieldError, ValidationFailed
from desktop.services.records import _integrity as integrity_error

LINK_FIELD = "risk_ids"


@dataclass(frozen=True)
class BulkField:
    name: str
    label: str


BULK_FIELDS: dict[str, tuple[BulkField, ...]] = {
    "risk": (
        BulkField("owner", "Owner"),
        BulkField("status", "Status"),
        BulkField("review_due", "Review due"),
        BulkField("classification", "Classification"),
    ),
    "event": (
        BulkField("classification", "Classification"),
        BulkField(LINK_FIELD, "Link to a risk"),
    ),
}


@dataclass(frozen=True)
class Target:
    """A selected record and the version it had when it was selected."""

    ref: str
    version: int | None  # None: write whatever the version is now (overwrite)


@dataclass(frozen=True)
class BulkItem:
    """One record's part of a bulk step: its value before and after, its new version."""

    ref: str
    before: Any
    after: Any
    version: int


NewValue = Callable[[str, Any], Any]  # (ref, value now) -> value to write


def targets(register: Register, kind: str, ids: Sequence[int]) -> list[Target]:
    """The selected records by ref, with their versions now (in ``ids`` order)."""
    table: Any = repository.spec(kind).table
    with register.session() as session:
        found = dict(
            session.execute(select(table.id, table.ref).where(table.id.in_(list(ids)))).all()  # type: ignore[arg-type]
        )
        versions = dict(
            session.execute(select(table.ref, table.version).where(table.id.in_(list(ids)))).all()  # type: ignore[arg-type]
        )
    return [Target(found[i], versions[found[i]]) for i in ids if i in found]


def _current(session: Any, kind: str, record: Any, field: str) -> Any:
    if field == LINK_FIELD:
        return sorted(repository.link_ids(session, kind, record.id).get(field, []))
    return getattr(record, field)


def write_field(
    register: Register,
    kind: str,
    field: str,
    chosen: Sequence[Target],
    new_value: NewValue,
    *,
    actor: str,
    expect: dict[str, Any] | None = None,
) -> list[BulkItem]:
    """Set ``field`` of every chosen record to ``new_value(ref, value now)``, all or none.

    ``expect`` (undo, redo): the value each record should hold now, the one this step
    left; a record holding another one was changed in that field by someone else
    (``ConflictError``).  A change to its other fields is no conflict: it is kept."""
    if field not in {f.name for f in BULK_FIELDS.get(kind, ())}:
        raise ValidationFailed([FieldError(field, f"cannot be set on many {kind}s at once")])
    update_model = repository.spec(kind).update
    out: list[BulkItem] = []
    try:
        with register.write() as session:
            for target in chosen:
                record = repository.get_by_ref(session, kind, target.ref)
                before = _current(session, kind, record, field)
                if expect is not None and before != expect[target.ref]:
                    raise ConflictError(kind, record.ref, record.updated_by, record.updated_at)
                after = new_value(target.ref, before)
                if after == before:
                    if target.version is not None and record.version != target.version:
                        # nothing to write, but the user chose it as it was: still a conflict
                        raise ConflictError(kind, record.ref, record.updated_by, record.updated_at)
                    continue
                changed = repository.update(
                    session,
                    kind,
                    record.id,
                    update_model.model_validate({field: after}),
                    actor=actor,
                    expected_version=target.version,
                )
                session.flush()
                out.append(BulkItem(target.ref, before, after, int(changed.version)))
    except IntegrityError as exc:
        raise integrity_error(exc) from None
    return out


def set_to(value: Any) -> NewValue:
    """Every record gets ``value``."""
    return lambda _ref, _now: value


def add_link(risk_id: int) -> NewValue:
    """Every event gets ``risk_id`` among its risks (the others kept)."""
    return lambda _ref, now: sorted({*now, risk_id})


def put_back(values: dict[str, Any]) -> NewValue:
    """Each record gets its own value from ``values`` (undo, redo)."""
    return lambda ref, _now: values[ref]
