"""Record use cases behind the forms and the undo stack (Qt-free).

Each writing function opens ONE short write transaction (``register.write()``)
and goes through ``db.repository``, so every write is validated and audited.
Undo commands call these; dialogs never do (they only read ``FormData`` and
``PickLists`` handed to them and return a validated ``*Create``/``*Update``).

Snapshots returned by ``delete_records`` are what ``restore_records`` needs to put
the records back with the same id, ref, values, version and links.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

from db import commentary as owner_commentary
from db import kinds, repository
from db.errors import NotFound, RegisterError, ValidationFailed
from db.models import COMMENTARY_FIELDS
from db.queries import pick_lists

if TYPE_CHECKING:
    from db.engine import Register

KINDS: tuple[str, ...] = tuple(kind.value for kind in kinds.KINDS)
KIND_LABELS: dict[str, str] = {kind.value: info.noun for kind, info in kinds.KINDS.items()}
# Above this many rows a pick list is searched in the database instead of loaded whole.
LOAD_WHOLE_MAX = 2000
SEARCH_LIMIT = 50
# A text search of a long list looks at this many newest rows (refs are always found).
SEARCH_WINDOW = 20_000


# --------------------------------------------------------------------------- form data


@dataclass(frozen=True)
class FormData:
    """What an edit form shows: the current values (links as ids) and bookkeeping."""

    kind: str
    values: dict[str, Any]
    record_id: int | None = None
    ref: str | None = None
    version: int | None = None
    created_by: str = ""
    created_at: dt.datetime | None = None
    updated_by: str = ""
    updated_at: dt.datetime | None = None
    # Fields the record has but this member may not see (a risk's commentary above
    # their clearance): shown as withheld, never as their value, and not editable.
    withheld: tuple[str, ...] = ()

    @property
    def is_new(self) -> bool:
        return self.record_id is None


def editable_fields(kind: str) -> list[str]:
    """Every field a form edits, in the Create model's order (single refs and links included)."""
    return list(repository.spec(kind).create.model_fields)


def new_form_data(kind: str, /, **overrides: Any) -> FormData:
    """Defaults of a new record (the Create model's defaults), with ``overrides`` applied."""
    model = repository.spec(kind).create
    values: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if info.default_factory is not None:
            values[name] = info.default_factory()  # type: ignore[call-arg]
        elif info.is_required():
            values[name] = None
        else:
            values[name] = info.default
    values.update(overrides)
    return FormData(kind=kind, values=values)


def _form_data(session: Any, kind: str, record: Any) -> FormData:
    s = repository.spec(kind)
    link_fields = {link.field for link in s.links}
    values = {f: getattr(record, f) for f in editable_fields(kind) if f not in link_fields}
    values.update(repository.link_ids(session, kind, record.id))
    return FormData(
        kind=kind,
        values=values,
        record_id=record.id,
        ref=record.ref,
        version=record.version,
        created_by=record.created_by,
        created_at=record.created_at,
        updated_by=record.updated_by,
        updated_at=record.updated_at,
        withheld=(
            COMMENTARY_FIELDS
            if kind == "risk" and owner_commentary.hidden(session, record.id)
            else ()
        ),
    )


def load_form_data(register: Register, kind: str, record_id: int) -> FormData:
    """The record as it is now; raises ``NotFound`` if it was deleted."""
    with register.session() as session:
        record = repository.get(session, kind, record_id)
        return _form_data(session, kind, record)


# --------------------------------------------------------------------------- pick lists


@dataclass(frozen=True)
class Choice:
    id: int
    ref: str
    label: str

    @property
    def text(self) -> str:
        """How a picker shows it: ``R-003  Loss of trust``."""
        return f"{self.ref}  {self.label}"


class Lookup(Protocol):
    """A searchable source of choices for one kind."""

    kind: str
    complete: bool  # True when ``search("")`` without a limit returns every choice

    def search(self, text: str = "", limit: int | None = SEARCH_LIMIT) -> list[Choice]: ...

    def by_ids(self, ids: Iterable[int]) -> list[Choice]: ...


@dataclass
class ListLookup:
    """Choices held in memory (small kinds); searching is a case-insensitive contains."""

    kind: str
    items: list[Choice] = field(default_factory=list)
    complete: bool = True

    def search(self, text: str = "", limit: int | None = SEARCH_LIMIT) -> list[Choice]:
        needle = text.strip().lower()
        found = [
            c
            for c in self.items
            if not needle or needle in c.ref.lower() or needle in c.label.lower()
        ]
        return found if limit is None else found[:limit]

    def by_ids(self, ids: Iterable[int]) -> list[Choice]:
        wanted = set(ids)
        return [c for c in self.items if c.id in wanted]

    def add(self, choice: Choice) -> None:
        self.items = [c for c in self.items if c.id != choice.id] + [choice]


@dataclass
class RegisterLookup:
    """Choices searched in the register with a LIMIT, one short read session per call."""

    register: Register
    kind: str
    complete: bool = False

    def search(self, text: str = "", limit: int | None = SEARCH_LIMIT) -> list[Choice]:
        with self.register.session() as session:
            rows = pick_lists.choice_rows(
                session, kind=self.kind, text=text, limit=limit, window=SEARCH_WINDOW
            )
        return [Choice(*r) for r in rows]

    def by_ids(self, ids: Iterable[int]) -> list[Choice]:
        with self.register.session() as session:
            rows = pick_lists.choice_rows_by_id(session, kind=self.kind, ids=ids)
        return [Choice(*r) for r in rows]


@dataclass
class PickLists:
    """The link pickers' sources: stakeholders, partnerships, risks and events."""

    stakeholders: Lookup
    partnerships: Lookup
    risks: Lookup
    events: Lookup

    def for_kind(self, kind: str) -> Lookup | None:
        """The lookup of ``kind``; None for a kind no picker lists (actions)."""
        return {
            "stakeholder": self.stakeholders,
            "partnership": self.partnerships,
            "risk": self.risks,
            "event": self.events,
        }.get(kind)


def choices(register: Register) -> PickLists:
    """Pick lists for the forms; events (and very long lists) stay searchable lookups."""
    lookups: dict[str, Lookup] = {}
    with register.session() as session:
        for kind in ("stakeholder", "partnership", "risk"):
            if pick_lists.count_rows(session, kind=kind) <= LOAD_WHOLE_MAX:
                rows = pick_lists.choice_rows(session, kind=kind)
                lookups[kind] = ListLookup(kind, [Choice(*r) for r in rows])
            else:
                lookups[kind] = RegisterLookup(register, kind)
    lookups["event"] = RegisterLookup(register, "event")
    return PickLists(
        stakeholders=lookups["stakeholder"],
        partnerships=lookups["partnership"],
        risks=lookups["risk"],
        events=lookups["event"],
    )


def empty_choices() -> PickLists:
    return PickLists(
        ListLookup("stakeholder"),
        ListLookup("partnership"),
        ListLookup("risk"),
        ListLookup("event"),
    )


# --------------------------------------------------------------------------- writing


def _integrity(exc: IntegrityError) -> RegisterError:
    return RegisterError(
        "the register refused the change because linked records changed meanwhile "
        f"({exc.orig}); refresh and try again"
    )


def create_record(
    register: Register, kind: str, data: SQLModel | dict[str, Any], *, actor: str
) -> tuple[int, str]:
    """Create one record; returns its id and ref."""
    try:
        with register.write() as session:
            record = repository.create(
                session, kind, _as_model(kind, data, create=True), actor=actor
            )
            return int(record.id), str(record.ref)
    except IntegrityError as exc:
        raise _integrity(exc) from None


def update_record(
    register: Register,
    kind: str,
    record_id: int,
    data: SQLModel | dict[str, Any],
    *,
    actor: str,
    expected_version: int | None,
) -> int:
    """Apply the fields set in ``data``; ``ConflictError`` if the version moved. Returns the new version."""
    try:
        with register.write() as session:
            record = repository.update(
                session,
                kind,
                record_id,
                _as_model(kind, data, create=False),
                actor=actor,
                expected_version=expected_version,
            )
            session.flush()
            return int(record.version)
    except IntegrityError as exc:
        raise _integrity(exc) from None


def overwrite_record(
    register: Register, kind: str, record_id: int, data: SQLModel | dict[str, Any], *, actor: str
) -> int:
    """Save ``data`` over whatever is there now (conflict resolved by "overwrite")."""
    try:
        with register.write() as session:
            record = repository.overwrite(
                session, kind, record_id, _as_model(kind, data, create=False), actor=actor
            )
            session.flush()
            return int(record.version)
    except IntegrityError as exc:
        raise _integrity(exc) from None


def delete_records(
    register: Register, kind: str, ids: Sequence[int], *, actor: str
) -> list[dict[str, Any]]:
    """Delete every record in ``ids`` in one transaction (all or none); returns their snapshots."""
    snapshots: list[dict[str, Any]] = []
    try:
        with register.write() as session:
            for record_id in ids:
                snapshots.append(repository.delete(session, kind, record_id, actor=actor))
                # Foreign keys SET NULL in the database; forget any row loaded before.
                session.expire_all()
    except IntegrityError as exc:
        raise _integrity(exc) from None
    return snapshots


def restore_records(
    register: Register, kind: str, snapshots: Sequence[dict[str, Any]], *, actor: str
) -> list[int]:
    """Put deleted records back exactly (same refs, values, versions), in one transaction.

    Restored in reverse order of deletion, so a record that pointed at another one
    deleted earlier in the same batch gets its pointer back.  Returns the ids, in the
    order of ``snapshots``: the old ids, unless SQLite gave one to a newer record
    meanwhile (the ref is the identity that never changes).
    """
    ids: list[int] = []
    try:
        with register.write() as session:
            for snap in reversed(list(snapshots)):
                ids.append(int(repository.restore(session, kind, snap, actor=actor).id))
    except IntegrityError as exc:
        raise _integrity(exc) from None
    return list(reversed(ids))


def id_for_ref(register: Register, kind: str, ref: str) -> int:
    """The id a ref has now; ``NotFound`` when the record is gone."""
    with register.session() as session:
        try:
            return int(repository.get_by_ref(session, kind, ref).id)
        except NotFound:
            raise NotFound(
                f"{kind} {ref} no longer exists (someone else may have deleted it)"
            ) from None


def record_ref(register: Register, kind: str, record_id: int) -> str:
    with register.session() as session:
        return str(repository.get(session, kind, record_id).ref)


def current_values(
    register: Register, kind: str, record_id: int, fields: Iterable[str]
) -> dict[str, Any]:
    """The named editable fields as they are now (for undo of an overwrite)."""
    data = load_form_data(register, kind, record_id)
    return {f: data.values.get(f) for f in fields}


def _as_model(kind: str, data: SQLModel | dict[str, Any], *, create: bool) -> Any:
    s = repository.spec(kind)
    model = s.create if create else s.update
    if isinstance(data, model):
        return data
    raw = data if isinstance(data, dict) else data.model_dump(exclude_unset=True)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise ValidationFailed.from_pydantic(exc) from None
