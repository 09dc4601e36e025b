"""The columns of the CSV/XLSX files, one set per kind (PRODUCT.md "File formats").

A file's columns are the domain model's field names in snake_case, plus ``ref``,
``classification`` and ``notes``, the links by their export names (``partner``,
``stakeholder``, ``partnership``, ``responds_to``, ``risks``, ``partnerships``,
``stakeholders``) and the bookkeeping columns export writes (``id``, ``version``,
``created_at``, ``created_by``, ``updated_at``, ``updated_by``), which import
accepts and ignores.

The order below is the order export writes; import takes columns in any order.
Each column's type is read from the kind's ``*Create`` model, so a field added to a
model without a column here fails ``tests/importexport`` rather than silently
dropping out of exports.
"""

from __future__ import annotations

import builtins
import datetime as dt
import types
import typing
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from db.classification import Classification
from db.kinds import PLURAL, count_noun, normalise_kind  # noqa: F401  (re-exported)
from db.repository import BOOKKEEPING, spec

# Value types of a column.
TEXT = "text"
INT = "int"
FLOAT = "float"
DATE = "date"
ENUM = "enum"
LEVEL = "level"  # classification
REF = "ref"  # one linked record (by ref or name)
REFS = "refs"  # many linked records separated by ";"
OWN_REF = "own_ref"  # the record's own ref
IGNORED = "ignored"  # bookkeeping: written by export, ignored by import

LIST_SEPARATOR = ";"

_ORDER: dict[str, tuple[str, ...]] = {
    "stakeholder": (
        "name",
        "kind",
        "description",
        "influence",
        "interest",
        "stance",
        "relationship_owner",
    ),
    "partnership": (
        "name",
        "partner",
        "status",
        "network",
        "scope",
        "announced_on",
        "ended_on",
        "owner",
        "value",
        "currency",
        "source_url",
    ),
    "risk": (
        "title",
        "category",
        "description",
        "owner",
        "likelihood",
        "impact",
        "residual_likelihood",
        "residual_impact",
        "treatment",
        "mitigation",
        "status",
        "review_due",
        "commentary",
        "commentary_on",
        "commentary_classification",
        "partnerships",
        "stakeholders",
    ),
    "event": (
        "occurred_on",
        "title",
        "kind",
        "stakeholder",
        "partnership",
        "risks",
        "severity",
        "sentiment",
        "reach",
        "reach_basis",
        "metric_value",
        "metric_unit",
        "channel",
        "source_url",
        "summary",
        "responds_to",
    ),
    "action": (
        "title",
        "risks",
        "owner",
        "due_on",
        "status",
        "expected_likelihood",
        "expected_impact",
    ),
}

# Words the importer accepts in place of numbers, as the forms show them.
STANCE_WORDS: dict[str, int] = {
    "hostile": -2,
    "critical": -1,
    "neutral": 0,
    "supportive": 1,
    "champion": 2,
}


@dataclass(frozen=True)
class Column:
    name: str  # header in files
    field: str  # field of the Create/Update model (or the bookkeeping attribute)
    type: str
    enum: builtins.type[StrEnum] | None = None
    target: str | None = None  # kind of the linked record(s) for REF / REFS
    required: bool = False  # needed to create a record (no default)
    nullable: bool = True  # may be emptied on update

    @property
    def is_link(self) -> bool:
        return self.type in (REF, REFS)


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """``int | None`` -> (int, True)."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return (args[0] if len(args) == 1 else annotation), True
    return annotation, False


def _build(kind: str) -> tuple[Column, ...]:
    s = spec(kind)
    fields = s.create.model_fields
    by_export: dict[str, Column] = {}
    for ref_spec in s.refs:
        info = fields[ref_spec.field]
        by_export[ref_spec.export_name] = Column(
            ref_spec.export_name,
            ref_spec.field,
            REF,
            target=ref_spec.other_kind,
            required=info.is_required(),
            nullable=not info.is_required(),
        )
    for link in s.links:
        by_export[link.export_name] = Column(
            link.export_name, link.field, REFS, target=link.other_kind
        )
    columns: list[Column] = [Column("ref", "ref", OWN_REF)]
    for name in (*_ORDER[kind], "classification", "notes"):
        if name in by_export:
            columns.append(by_export[name])
            continue
        info = fields[name]
        base, optional = _unwrap(info.annotation)
        enum: builtins.type[StrEnum] | None = None
        if base is Classification:
            ctype, enum = LEVEL, Classification
        elif isinstance(base, type) and issubclass(base, StrEnum):
            ctype, enum = ENUM, base
        elif base is int:
            ctype = INT
        elif base is float:
            ctype = FLOAT
        elif base is dt.date:
            ctype = DATE
        elif base is str:
            ctype = TEXT
        else:  # pragma: no cover - a new field type needs a converter
            raise TypeError(f"{kind}.{name}: no file column type for {info.annotation!r}")
        columns.append(
            Column(name, name, ctype, enum=enum, required=info.is_required(), nullable=optional)
        )
    columns.extend(Column(b, b, IGNORED) for b in BOOKKEEPING if b != "ref")
    return tuple(columns)


COLUMNS: dict[str, tuple[Column, ...]] = {kind: _build(kind) for kind in _ORDER}


def columns_for(kind: str) -> tuple[Column, ...]:
    """Every column of ``kind`` in export order."""
    return COLUMNS[normalise_kind(kind)]


def column_names(kind: str) -> list[str]:
    return [c.name for c in columns_for(kind)]


def header_key(raw: object) -> str:
    """How a header cell is matched: trimmed, lower case, spaces as underscores."""
    text = "" if raw is None else str(raw)
    return text.replace("\ufeff", "").strip().lower().replace(" ", "_").replace("-", "_")
