"""What the app adds around an import: one undoable step, and a look for duplicates first.

Undo (``take_back``) puts back the fields the import changed on existing records,
through ``repository.update`` (audited as updates), then deletes the records it
created in bulk (``db.bulk``, audited as deletes, their snapshots kept).  Redo
(``put_back``) restores those records under the same refs and writes the
import's values again.  Each runs in one transaction: all or nothing.

Duplicates (``look_for_duplicates``): rows of a file that carry no ref and hold
what a record already in the register holds, by the kind's identifying fields
(``SAME_CONTENT``), compared the way a reader would (case and spacing aside).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from sqlalchemy import select

from db import bulk, repository
from db.engine import Register
from db.enums import parse_enum
from db.importexport import ImportResult, normalise_kind
from db.importexport.cells import text_value
from db.importexport.columns import header_key
from db.importexport.reader import read_table

Progress = Callable[[int, int], None]

# The fields that make two records "the same thing" to a reader of the register.
SAME_CONTENT: dict[str, tuple[str, ...]] = {
    "event": ("title", "occurred_on", "kind"),
    "risk": ("title", "category"),
    "stakeholder": ("name",),
    "partnership": ("name",),
}


# --------------------------------------------------------------------------- undo


@dataclass
class ImportStep:
    """What one import did, enough to take it back and to do it again."""

    kind: str
    created: list[str]  # refs of the records it created
    previous: dict[str, dict[str, Any]]  # ref -> field values before the import
    versions: dict[str, int] = field(default_factory=dict)  # ref -> version as we left it
    applied: dict[str, dict[str, Any]] = field(default_factory=dict)  # what undo took back
    snapshots: list[dict[str, Any]] = field(default_factory=list)  # created records, deleted

    @property
    def refs(self) -> list[str]:
        return [*self.created, *self.previous]

    @property
    def size(self) -> int:
        return len(self.created) + len(self.previous)


def step_of(register: Register, result: ImportResult) -> ImportStep:
    """The undo step of an import that just ran (its records' versions read now)."""
    step = ImportStep(result.kind, list(result.created_refs), dict(result.previous))
    _note_versions(register, step)
    return step


def _note_versions(register: Register, step: ImportStep) -> None:
    with register.session() as session:
        step.versions = bulk.versions(session, step.kind, step.refs)


def changed_since(register: Register, step: ImportStep) -> list[str]:
    """Refs of the step's records that someone changed or deleted after the step."""
    with register.session() as session:
        now = bulk.versions(session, step.kind, step.refs)
    return [ref for ref, version in step.versions.items() if now.get(ref) != version]


def _ticker(total: int, progress: Progress | None) -> Callable[[int], None]:
    done = 0

    def step(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(min(done, total), total)

    return step


def take_back(
    register: Register, step: ImportStep, *, actor: str, progress: Progress | None = None
) -> None:
    """Undo the import: previous values back, created records deleted (one transaction)."""
    kind = step.kind
    update_model = repository.spec(kind).update
    tick = _ticker(step.size, progress)
    applied: dict[str, dict[str, Any]] = {}
    with register.write() as session, bulk.collector_paused():
        table: Any = repository.spec(kind).table
        for ref, before in step.previous.items():
            record_id = session.execute(select(table.id).where(table.ref == ref)).scalar()
            if record_id is not None:  # deleted since: nothing to put back
                applied[ref] = repository.field_values(session, kind, record_id, before)
                repository.update(
                    session, kind, record_id, update_model.model_validate(before), actor=actor
                )
            tick(1)
        snapshots = bulk.delete_by_refs(session, kind, step.created, actor=actor, step=tick)
    step.applied = applied
    step.snapshots = snapshots
    _note_versions(register, step)  # what redo expects to find


def put_back(
    register: Register, step: ImportStep, *, actor: str, progress: Progress | None = None
) -> None:
    """Redo the import: created records back under their refs, its values written again."""
    kind = step.kind
    update_model = repository.spec(kind).update
    tick = _ticker(step.size, progress)
    with register.write() as session, bulk.collector_paused():
        bulk.restore_many(session, kind, step.snapshots, actor=actor, step=tick)
        table: Any = repository.spec(kind).table
        for ref, after in step.applied.items():
            record_id = session.execute(select(table.id).where(table.ref == ref)).scalar()
            if record_id is not None:
                repository.update(
                    session, kind, record_id, update_model.model_validate(after), actor=actor
                )
            tick(1)
    step.snapshots = []
    _note_versions(register, step)


# --------------------------------------------------------------------------- duplicates


@dataclass
class Duplicates:
    """Rows of a file without a ref that look like records already in the register."""

    kind: str
    rows: list[tuple[int, str]]  # (row number as a spreadsheet counts it, the ref it matches)
    fields: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.rows)


def look_for_duplicates(register: Register, kind: str, path: str | Path) -> Duplicates:
    """The rows of ``path`` with no ref whose identifying fields match a record's.

    Text is compared ignoring case and runs of spaces; a choice matches by value or
    label (``Media report`` = ``media_report``); a missing or empty cell counts as
    the field's default, as the import would store it (a row with no default to
    fall back on is not counted).  Reading the file may raise ``RegisterError``.
    """
    kind = normalise_kind(kind)
    fields = SAME_CONTENT[kind]
    table = read_table(path)
    header = [header_key(h) for h in table.header]
    ref_at = header.index("ref") if "ref" in header else None
    readers = [_field_reader(kind, name, header) for name in fields]
    wanted: dict[tuple[str, ...], list[int]] = {}
    for number, cells in table.rows:
        if ref_at is not None and ref_at < len(cells) and _key_text(cells[ref_at]):
            continue
        key = tuple(read(cells) for read in readers)
        if all(key):
            wanted.setdefault(key, []).append(number)
    found: list[tuple[int, str]] = []
    if wanted:
        t: Any = repository.spec(kind).table
        with register.session() as session:
            for row in session.execute(select(t.ref, *(getattr(t, f) for f in fields))):
                key = tuple(_key_text(v) for v in row[1:])
                found.extend((number, row[0]) for number in wanted.pop(key, []))
    return Duplicates(kind, sorted(found), fields)


def _key_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        value = value.date()
    if isinstance(value, Enum):
        value = value.value
    return " ".join(text_value(value).split()).casefold()


def _field_reader(kind: str, name: str, header: list[str]) -> Callable[[list[Any]], str]:
    """cells -> the field's comparable text ("" when the row gives none and there is no default)."""
    info = repository.spec(kind).create.model_fields[name]
    default = "" if info.is_required() else _key_text(info.get_default(call_default_factory=True))
    enum = (
        info.annotation
        if isinstance(info.annotation, type) and issubclass(info.annotation, Enum)
        else None
    )
    index = header.index(name) if name in header else None

    def read(cells: list[Any]) -> str:
        raw = cells[index] if index is not None and index < len(cells) else None
        text = _key_text(raw)
        if not text:
            return default
        if enum is not None:
            try:
                return _key_text(parse_enum(enum, text))  # type: ignore[type-var]
            except ValueError:
                return text
        return text

    return read
