"""Importing stakeholders, partnerships, risks or events from a CSV or XLSX file.

All or nothing.  Every row is validated first, through the kind's ``*Create`` model
(or, for a row whose ``ref`` is already in the register, its ``*Update`` model and
the whole record re-checked); every bad row is collected as ``row N: field: reason``
(the header is row 1) and if there is any, nothing is written and ``ValidationFailed``
lists them all.  The writing happens in one transaction, so a crash or a cancel
half-way leaves the register as it was.

Cells
    Text cells lose the apostrophe that export puts in front of formula-like text
    (see ``db.importexport.neutralise``).  Enum columns take the value or its label
    in any case (``Defence body``); ``classification`` takes a level in any case;
    ``stance`` also takes Hostile/Critical/Neutral/Supportive/Champion and the
    likelihood/impact columns the scale labels (Rare .. Almost certain, Minimal ..
    Severe).  Dates are ``YYYY-MM-DD`` (or a date cell in XLSX).  An empty cell means
    "not given": on a new record the default applies (and a required field is
    reported missing); on an update an optional field is cleared, a field with a
    default is left as it is.

Refs
    No ``ref``: a new record with the next ref.  A ref already in the register:
    that record is updated (through ``db.repository.update``, audited as an
    update).  A new ref: the record is created under it, and refs handed out
    afterwards continue after it.  A ref that once belonged to a deleted record is
    refused, since refs are never reused.

Links
    ``partner``, ``stakeholder``, ``partnership`` and each ``;``-separated item of
    ``risks``, ``partnerships`` and ``stakeholders`` name a record by ref or by name
    (stakeholders and partnerships by name ignoring case, risks by title); an event's
    ``responds_to`` names an event by ref, which may be an event created further up
    or down in the same file.

Bulk path
    New records are checked column by column (``_quick_creates``): each cell goes
    through its column's converter and the field's quick check
    (``db.importexport.fastpath.FastCreate``, read from the ``*Create`` model and
    accepting only what the model accepts, with the same values), each distinct
    cell of a text column once.  A row with any cell the quick checks do not take
    goes the row-by-row way through the model, which words the error.  Rows are
    then written in batches as tuples (``INSERT`` executemany), refs reserved in one
    block, links resolved through dictionaries, and the audit entries (action
    ``import``, changes exactly as ``db.repository.values`` would give for a create,
    built as JSON text column by column) appended with ``db.audit.record_encoded``.
    On SQLite a large import into a smaller table rebuilds the plain indexes after
    the insert (``db.queries.importexport.bulk_writing``), in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import gc
import math
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from db import audit, repository
from db.classification import parse_level
from db.engine import Register
from db.enums import parse_enum
from db.errors import FieldError, RegisterError, ValidationFailed, field_errors
from db.importexport.columns import (
    DATE,
    ENUM,
    FLOAT,
    IGNORED,
    INT,
    LEVEL,
    LIST_SEPARATOR,
    OWN_REF,
    REFS,
    STANCE_WORDS,
    TEXT,
    Column,
    columns_for,
    count_noun,
    header_key,
    normalise_kind,
)
from db.importexport.fastpath import FastCreate, Rejected
from db.importexport.neutralise import restore
from db.importexport.progress import Cancel, Progress, Ticker
from db.importexport.reader import Table, read_table
from db.models import REF_PREFIX, utcnow
from db.queries import importexport as q
from db.scales import IMPACT_LABELS, LIKELIHOOD_LABELS

BATCH = 5000
INT64 = 2**63  # databases store whole numbers in 64 bits
IMPORT_ACTION = "import"
# A placeholder id for a link to a record created by this same file: the models only
# check that an id is positive; the real id is filled in once the record exists.
_PENDING_ID = 1 << 62

_WORDS: dict[str, dict[str, int]] = {
    "stance": STANCE_WORDS,
    "likelihood": {label.casefold(): n for n, label in enumerate(LIKELIHOOD_LABELS, 1)},
    "residual_likelihood": {label.casefold(): n for n, label in enumerate(LIKELIHOOD_LABELS, 1)},
    "impact": {label.casefold(): n for n, label in enumerate(IMPACT_LABELS, 1)},
    "residual_impact": {label.casefold(): n for n, label in enumerate(IMPACT_LABELS, 1)},
}
_DATE_RE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[ T]00:00(?::00(?:\.0+)?)?)?")


@dataclass
class ImportResult:
    kind: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    created_refs: list[str] = field(default_factory=list)
    updated_refs: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged

    def summary(self) -> str:
        detail = f"{self.created:,} new, {self.updated:,} updated"
        if self.unchanged:
            detail += f", {self.unchanged:,} unchanged"
        if self.dry_run:
            return f"dry run: {count_noun(self.kind, self.rows)} valid ({detail}); nothing written"
        return f"imported {count_noun(self.kind, self.rows)} ({detail})"


# --------------------------------------------------------------------------- cells


class _Blank:
    """An empty cell: "not given"."""


BLANK = _Blank()


def _is_blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def text_value(raw: Any) -> str:
    """A cell as text: neutralisation undone; XLSX numbers and dates written plainly."""
    if isinstance(raw, str):
        return restore(raw)
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, float) and raw.is_integer() and abs(raw) < 1e15:
        return str(int(raw))
    if isinstance(raw, dt.datetime):
        if raw.time() == dt.time(0):
            return raw.date().isoformat()
        return raw.isoformat(sep=" ")
    if isinstance(raw, dt.date):
        return raw.isoformat()
    return str(raw)


def _int_value(raw: Any, words: dict[str, int] | None) -> int:
    if isinstance(raw, bool):
        raise ValueError("must be a whole number")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        if raw.is_integer():
            return int(raw)
        raise ValueError("must be a whole number")
    text = restore(str(raw)).strip()
    if words:
        found = words.get(text.casefold())
        if found is not None:
            return found
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if number.is_integer():
        return int(number)
    if words:
        names = ", ".join(w.capitalize() for w in words)
        raise ValueError(f"must be a whole number or one of {names}")
    raise ValueError("must be a whole number")


def _float_value(raw: Any) -> float:
    if isinstance(raw, bool):
        raise ValueError("must be a number")
    if isinstance(raw, (int, float)):
        number = float(raw)
    else:
        try:
            number = float(restore(str(raw)).strip())
        except ValueError:
            raise ValueError("must be a number") from None
    if not math.isfinite(number):
        raise ValueError("must be a finite number")
    return number


def _date_value(raw: Any) -> dt.date:
    if raw.__class__ is str and len(raw) == 10 and raw[4] == "-" and raw[7] == "-":
        try:
            return dt.date.fromisoformat(raw)  # the usual YYYY-MM-DD, answered first
        except ValueError:
            pass
    if isinstance(raw, dt.datetime):
        if raw.time() != dt.time(0):
            raise ValueError("must be a date YYYY-MM-DD, without a time")
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, str):
        match = _DATE_RE.fullmatch(raw.strip())
        if match:
            try:
                return dt.date.fromisoformat(match.group(1))
            except ValueError:
                raise ValueError("is not a real date (YYYY-MM-DD)") from None
    raise ValueError("must be a date YYYY-MM-DD")


def _tokens(raw: Any, many: bool) -> list[str]:
    text = text_value(raw).strip()
    if not many:
        return [text] if text else []
    return [t.strip() for t in text.split(LIST_SEPARATOR) if t.strip()]


def _normal_ref(kind: str, text: str) -> str | None:
    parsed = repository.parse_ref(text)
    if parsed is None or parsed[0] != REF_PREFIX[kind]:
        return None
    return repository.format_ref(*parsed)


# --------------------------------------------------------------------------- links


class _Targets:
    """Finds the records of one kind that a file names, by ref or by name."""

    def __init__(self, kind: str):
        self.kind = kind
        self.by_ref: dict[str, int] = {}
        self.by_name: dict[str, list[tuple[int, str]]] = {}
        self.in_file: set[str] = set()  # refs of records this file creates (events only)
        self._cache: dict[str, tuple[int, str] | ValueError] = {}

    def prefetch(self, session: Session, tokens: set[str]) -> None:
        refs = {r for t in tokens if (r := _normal_ref(self.kind, t)) is not None}
        self.by_ref.update(q.ids_by_ref(session, kind=self.kind, refs=refs))
        names = {t.casefold() for t in tokens if _normal_ref(self.kind, t) not in self.by_ref}
        if not names:
            pass
        elif self.kind in ("stakeholder", "partnership"):
            for key, (record_id, ref) in q.ids_by_name_key(
                session, kind=self.kind, keys=names
            ).items():
                self.by_name[key] = [(record_id, ref)]
        elif self.kind == "risk":
            for record_id, ref, title in q.risk_titles(session):
                key = title.strip().casefold()
                if key in names:
                    self.by_name.setdefault(key, []).append((record_id, ref))

    def resolve(self, token: str) -> tuple[int, str]:
        """(id, ref) of the record ``token`` names; ``_PENDING_ID`` for one made by this file."""
        found = self._cache.get(token)
        if found is None:
            try:
                found = self._resolve(token)
            except ValueError as exc:
                found = exc
            self._cache[token] = found
        if isinstance(found, ValueError):
            raise found
        return found

    def _resolve(self, token: str) -> tuple[int, str]:
        ref = _normal_ref(self.kind, token)
        if ref is not None:
            if ref in self.by_ref:
                return self.by_ref[ref], ref
            if ref in self.in_file:
                return _PENDING_ID, ref
        matches = self.by_name.get(token.casefold(), [])
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            refs = ", ".join(sorted(r for _, r in matches))
            raise ValueError(f"{token!r} matches {len(matches)} {self.kind}s ({refs}); use the ref")
        how = "ref" if self.kind == "event" else "ref or name"
        raise ValueError(f"no {self.kind} with {how} {token!r}")


# --------------------------------------------------------------------------- the plan


@dataclass(slots=True)
class _Row:
    number: int
    ref: str | None  # explicit ref (normalised); None: assign one
    record_id: int | None = None  # the record an update row changes
    values: dict[str, Any] = field(default_factory=dict)  # validated field values
    link_refs: dict[str, Any] = field(default_factory=dict)  # export name -> ref / sorted refs
    pending: dict[str, str] = field(default_factory=dict)  # field -> ref created by this file
    changed: bool = True


@dataclass
class _Plan:
    kind: str
    creates: list[_Row] = field(default_factory=list)
    updates: list[_Row] = field(default_factory=list)
    unchanged: list[_Row] = field(default_factory=list)


def _map_header(
    kind: str, header: Sequence[Any], rows: list[tuple[int, list[Any]]]
) -> list[tuple[int, Column]]:
    known = {c.name: c for c in columns_for(kind)}
    errors: list[FieldError] = []
    used: list[tuple[int, Column]] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(header):
        key = header_key(raw)
        if not key:
            for _number, cells in rows:
                if index < len(cells) and not _is_blank(cells[index]):
                    errors.append(
                        FieldError(
                            f"column {index + 1}", "has values but no name in the header row", 1
                        )
                    )
                    break
            continue
        column = known.get(key)
        if column is None:
            names = ", ".join(known)
            errors.append(
                FieldError(
                    str(raw).strip(), f"unknown column; the columns of {kind} files are: {names}", 1
                )
            )
            continue
        if key in seen:
            errors.append(
                FieldError(key, f"appears twice (columns {seen[key] + 1} and {index + 1})", 1)
            )
            continue
        seen[key] = index
        used.append((index, column))
    if errors:
        raise ValidationFailed(errors)
    return used


def _validate(model: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Validate ``data`` with the model's own validator; the validated field values.

    The pydantic validator is called directly: for these ``table=False`` models it is
    exactly what ``model_validate`` runs, without SQLModel's per-call wrapper.
    """
    return model.__pydantic_validator__.validate_python(data).__dict__  # type: ignore[no-any-return]


def _converter(column: Column) -> Callable[[Any], Any]:
    """The cell -> value function of a column (the common spellings answered first)."""
    ctype = column.type
    if ctype == TEXT:

        def text(raw: Any) -> Any:
            if raw.__class__ is str:
                return restore(raw) if raw[:1] == "'" else raw
            return text_value(raw)

        return text
    if ctype == INT:
        words = _WORDS.get(column.name)

        def whole(raw: Any) -> Any:
            number = None
            if raw.__class__ is str:
                try:
                    number = int(raw)
                except ValueError:
                    pass
            if number is None:
                number = _int_value(raw, words)
            if not -INT64 <= number < INT64:
                raise ValueError("is too large a number")
            return number

        return whole
    if ctype in (ENUM, LEVEL):
        assert column.enum is not None
        enum = column.enum
        exact = {m.value: m.value for m in enum}

        def parse(text: str) -> str:
            return parse_level(text).value if ctype == LEVEL else parse_enum(enum, text).value

        def choice(raw: Any) -> Any:
            found = exact.get(raw) if raw.__class__ is str else None
            return found if found is not None else parse(text_value(raw))

        return choice
    if ctype == DATE:
        return _date_value
    if ctype == FLOAT:
        return _float_value
    raise AssertionError(ctype)  # pragma: no cover


_FAST: dict[str, FastCreate | None] = {}


def _fast_create(kind: str) -> FastCreate | None:
    if kind not in _FAST:
        _FAST[kind] = FastCreate.build(repository.spec(kind).create)
    return _FAST[kind]


def _field_to_column(kind: str) -> dict[str, str]:
    return {c.field: c.name for c in columns_for(kind)}


def _row_errors(exc: ValidationError, number: int, names: dict[str, str]) -> list[FieldError]:
    return [
        FieldError(names.get(e.field, e.field), e.reason, number) for e in field_errors(exc, number)
    ]


def _add_model_errors(row_errors: list[FieldError], found: list[FieldError]) -> None:
    """Add the model's complaints about columns that have no complaint yet."""
    known = {e.field for e in row_errors}
    for error in found:
        if error.field not in known:
            known.add(error.field)
            row_errors.append(error)


def prepare(session: Session, kind: str, table: Table, ticker: Ticker | None = None) -> _Plan:
    """Validate every row of ``table``; the plan of what to write, or ValidationFailed."""
    s = repository.spec(kind)
    columns = _map_header(kind, table.header, table.rows)
    names = _field_to_column(kind)
    errors: list[FieldError] = []
    plan = _Plan(kind)
    present = {c.name for _, c in columns}
    own_ref_index = next((i for i, c in columns if c.type == OWN_REF), None)
    link_columns = [(i, c) for i, c in columns if c.is_link]
    value_columns = [
        (i, c, _converter(c))
        for i, c in columns
        if c.type not in (OWN_REF, IGNORED) and not c.is_link
    ]

    # Pass 1: refs of the rows and every name/ref the links mention.
    row_refs: list[str | None] = []
    first_row_of_ref: dict[str, int] = {}
    bad_ref_rows: set[int] = set()
    for number, cells in table.rows:
        ref: str | None = None
        if (
            own_ref_index is not None
            and own_ref_index < len(cells)
            and not _is_blank(cells[own_ref_index])
        ):
            text = text_value(cells[own_ref_index]).strip()
            ref = _normal_ref(kind, text)
            if ref is None:
                example = repository.format_ref(REF_PREFIX[kind], 1)
                article = "an" if kind[0] in "aeiou" else "a"
                errors.append(
                    FieldError(
                        "ref", f"{text!r} is not {article} {kind} ref (like {example})", number
                    )
                )
                bad_ref_rows.add(number)
            elif ref in first_row_of_ref:
                errors.append(
                    FieldError("ref", f"{ref} is also on row {first_row_of_ref[ref]}", number)
                )
                bad_ref_rows.add(number)
            else:
                first_row_of_ref[ref] = number
        row_refs.append(ref)
    existing = q.ids_by_ref(session, kind=kind, refs=first_row_of_ref)
    new_refs = set(first_row_of_ref) - set(existing)
    for ref in sorted(q.refs_ever_used(session, kind=kind, refs=new_refs)):
        errors.append(
            FieldError(
                "ref",
                f"{ref} belonged to a deleted {kind} and refs are never reused; "
                "leave ref empty to get a new one",
                first_row_of_ref[ref],
            )
        )
        bad_ref_rows.add(first_row_of_ref[ref])

    targets: dict[str, _Targets] = {}
    for index, column in link_columns:
        assert column.target is not None
        targets[column.name] = _Targets(column.target)
        tokens: set[str] = set()
        distinct = {cells[index] for _, cells in table.rows if index < len(cells)}
        for raw in distinct:
            if not _is_blank(raw):
                tokens.update(_tokens(raw, column.type == REFS))
        targets[column.name].prefetch(session, tokens)
        if column.target == kind:
            targets[column.name].in_file = new_refs

    missing_required = [c for c in columns_for(kind) if c.required and c.name not in present]
    if missing_required and any(r is None or r in new_refs for r in row_refs):
        for c in missing_required:
            errors.append(
                FieldError(c.name, f"missing column: it is needed to create new {kind}s", 1)
            )
        raise ValidationFailed(errors)

    # Pass 2: every row through the models (new rows through the quick check first).
    create_model, update_model = s.create, s.update
    fast = _fast_create(kind)
    if fast is not None and not fast.takes(
        {c.field for _, c, _ in value_columns} | {c.field for _, c in link_columns}
    ):
        fast = None
    quick: list[_Row | None] = (
        _quick_creates(
            kind,
            table,
            row_refs,
            existing,
            bad_ref_rows,
            value_columns,
            link_columns,
            targets,
            fast,
            ticker,
        )
        if fast is not None
        else [None] * len(table.rows)
    )
    seen_names: dict[str, int] = {}
    name_rows: list[tuple[_Row, str]] = []
    for done, ((number, cells), ref, ready) in enumerate(
        zip(table.rows, row_refs, quick, strict=True), 1
    ):
        if ticker is not None and done % 1000 == 0:
            ticker.advance(1000)
        if ready is not None:
            plan.creates.append(ready)
            if s.unique_name and s.unique_name in ready.values:
                key = str(ready.values[s.unique_name]).casefold()
                if key in seen_names:
                    errors.append(
                        FieldError(s.unique_name, f"same name as row {seen_names[key]}", number)
                    )
                else:
                    seen_names[key] = number
                    name_rows.append((ready, key))
            continue
        record_id = existing.get(ref) if ref is not None else None
        row = _Row(number, ref, record_id)
        data: dict[str, Any] = {}
        blanks: list[Column] = []
        row_errors: list[FieldError] = []
        width = len(cells)
        for index, column, convert in value_columns:
            raw = cells[index] if index < width else None
            if raw is None or (raw.__class__ is str and not raw.strip()):
                blanks.append(column)
                continue
            try:
                data[column.field] = convert(raw)
            except ValueError as exc:
                row_errors.append(FieldError(column.name, str(exc), number))
        for index, column in link_columns:
            raw = cells[index] if index < width else None
            many = column.type == REFS
            if raw.__class__ is str and not many and raw[:1] != "'":
                token = raw.strip()
                cell_tokens = [token] if token else []
            else:
                cell_tokens = _tokens(raw, many) if not _is_blank(raw) else []
            if not cell_tokens:
                blanks.append(column)
                continue
            finder = targets[column.name]
            found: dict[int, str] = {}
            for token in cell_tokens:
                try:
                    target_id, target_ref = finder.resolve(token)
                except ValueError as exc:
                    row_errors.append(FieldError(column.name, str(exc), number))
                    continue
                if column.target == kind and (target_ref == ref):
                    row_errors.append(
                        FieldError(column.name, "an event cannot respond to itself", number)
                    )
                    continue
                if target_id == _PENDING_ID:
                    row.pending[column.field] = target_ref
                found[target_id] = target_ref
            if many:
                data[column.field] = sorted(found)
                row.link_refs[column.name] = sorted(set(found.values()))
            elif found:
                ((target_id, target_ref),) = found.items()
                data[column.field] = target_id
                row.link_refs[column.name] = target_ref
        if number in bad_ref_rows:
            errors.extend(row_errors)
            continue
        if record_id is None:
            for column in blanks:
                if column.required:
                    row_errors.append(FieldError(column.name, "is required", number))
            checked = fast(data) if fast is not None and not row_errors else None
            if checked is not None:
                row.values = checked
            else:
                try:
                    row.values = _validate(create_model, data)
                except ValidationError as exc:
                    _add_model_errors(row_errors, _row_errors(exc, number, names))
            if not row_errors:
                plan.creates.append(row)
        else:
            _prepare_update(
                session, kind, row, data, blanks, row_errors, names, update_model, create_model
            )
            if not row_errors:
                (plan.updates if row.changed else plan.unchanged).append(row)
        if row_errors:
            errors.extend(row_errors)
        elif s.unique_name and s.unique_name in row.values:
            key = str(row.values[s.unique_name]).casefold()
            if key in seen_names:
                errors.append(
                    FieldError(s.unique_name, f"same name as row {seen_names[key]}", number)
                )
            else:
                seen_names[key] = number
                name_rows.append((row, key))
    if name_rows:
        holders = q.ids_by_name_key(session, kind=kind, keys=[key for _, key in name_rows])
        for row, key in name_rows:
            holder = holders.get(key)
            if holder is not None and holder[0] != row.record_id:
                errors.append(
                    FieldError("name", f"{kind} {holder[1]} already has this name", row.number)
                )
    if ticker is not None:
        ticker.advance(len(table.rows) % 1000)
    if errors:
        order = {c.name: i for i, c in enumerate(columns_for(kind))}
        errors.sort(key=lambda e: (e.row or 0, order.get(e.field, -1)))
        raise ValidationFailed(errors)
    return plan


_REJECT = object()  # a cell the quick pass leaves to the full row check
_DEFAULT = object()  # a blank cell: the field's default


def _bulk_column(column: Column, check: Any, raws: Any) -> list[Any] | None:
    """A column of CSV text cells checked in one go, or None (cell by cell)."""
    bulk = getattr(check, "bulk", None)
    if bulk is None or not raws or set(map(type, raws)) != {str}:
        return None
    if column.type == TEXT:
        if "'" in {raw[:1] for raw in raws}:
            return None  # neutralised text: the converter undoes it cell by cell
        return bulk(list(raws))  # type: ignore[no-any-return]
    if column.type == INT:
        try:
            numbers = list(map(int, raws))  # what the converter tries first
        except ValueError:
            return None
        if min(numbers) < -INT64 or max(numbers) >= INT64:
            return None
        return bulk(numbers)  # type: ignore[no-any-return]
    return None


def _quick_creates(
    kind: str,
    table: Table,
    row_refs: list[str | None],
    existing: dict[str, int],
    bad_ref_rows: set[int],
    value_columns: list[tuple[int, Column, Callable[[Any], Any]]],
    link_columns: list[tuple[int, Column]],
    targets: dict[str, _Targets],
    fast: FastCreate,
    ticker: Ticker | None = None,
) -> list[_Row | None]:
    """The new-record rows that pass every check, done column by column: a ready
    ``_Row`` for each, None for the rows left to the full check (updates, rows with
    a bad ref, and any row with a cell the quick checks do not accept).

    A cell goes through the column's converter and then the field's quick check
    (``FastCreate.field_check``), the same two steps the full path takes, so an
    accepted row has the values the model would give.  In a column of text cells
    each distinct cell is converted once (dates, enums, scales and links repeat a
    lot); values are immutable, so rows may share them.
    """
    rows = table.rows
    count = len(rows)
    candidate = [
        (ref is None or ref not in existing) and number not in bad_ref_rows
        for (number, _cells), ref in zip(rows, row_refs, strict=True)
    ]
    defaults = fast.defaults
    factories = list(fast.factories.items())
    fields: list[str] = []
    columns: list[list[Any]] = []

    all_cells = [cells for _number, cells in rows]
    widths = set(map(len, all_cells))
    transposed: list[Any] = list(zip(*all_cells, strict=True)) if len(widths) == 1 else []

    def cells_of(index: int) -> Any:
        if index < len(transposed):
            return transposed[index]
        return [cells[index] if index < len(cells) else None for cells in all_cells]

    def by_distinct(raws: Any, convert: Callable[[Any], Any]) -> list[Any]:
        distinct = set(raws)
        if len(distinct) * 4 < len(raws) + 4 and set(map(type, distinct)) <= {str, type(None)}:
            # (only text: 1, 1.0 and True would share a key)
            answers = {raw: convert(raw) for raw in distinct}
            return list(map(answers.__getitem__, raws))
        return [convert(raw) for raw in raws]

    for index, column, converter in value_columns:
        check = fast.field_check(column.field)
        required = column.required

        def cell(
            raw: Any, converter: Any = converter, check: Any = check, required: bool = required
        ) -> Any:
            if raw is None or (raw.__class__ is str and not raw.strip()):
                return _REJECT if required else _DEFAULT
            try:
                return check(converter(raw))
            except (ValueError, Rejected):
                return _REJECT

        if ticker is not None:
            ticker.check()  # a cancel is heard between columns
        fields.append(column.field)
        raws = cells_of(index)
        answers = _bulk_column(column, check, raws)
        columns.append(answers if answers is not None else by_distinct(raws, cell))

    links: list[tuple[Column, list[Any]]] = []
    for index, column in link_columns:
        finder = targets[column.name]
        check = fast.field_check(column.field)
        many = column.type == REFS

        def link(raw: Any, finder: _Targets = finder, check: Any = check, many: bool = many) -> Any:
            tokens = _tokens(raw, many) if not _is_blank(raw) else []
            if not tokens:
                return _DEFAULT
            found: dict[int, str] = {}
            try:
                for token in tokens:
                    target_id, target_ref = finder.resolve(token)
                    found[target_id] = target_ref
            except ValueError:
                return _REJECT
            if many:
                if any(target_id == _PENDING_ID for target_id in found):
                    return _REJECT
                return found  # rows with the same cell share it: read, never changed
            ((target_id, target_ref),) = found.items()
            try:
                return check(target_id), target_ref
            except Rejected:
                return _REJECT

        links.append((column, by_distinct(cells_of(index), link)))

    out: list[_Row | None] = [None] * count
    size = len(fast.model.model_fields)
    # rows with a refused cell / a blank cell, found column by column
    refused = {
        k for column in columns if _REJECT in column for k, v in enumerate(column) if v is _REJECT
    }
    blank = {
        k for column in columns if _DEFAULT in column for k, v in enumerate(column) if v is _DEFAULT
    }
    refused.update(k for k, ok in enumerate(candidate) if not ok)
    for k, values_row in enumerate(zip(*columns, strict=True) if columns else [()] * count):
        if k in refused:
            continue
        values = defaults.copy()
        if k in blank:
            for name, value in zip(fields, values_row, strict=True):
                if value is not _DEFAULT:
                    values[name] = value
        else:
            values.update(zip(fields, values_row, strict=True))
        row = _Row(rows[k][0], row_refs[k], None, values)
        for column, answers in links:
            answer = answers[k]
            if answer is _DEFAULT:
                continue
            if answer is _REJECT:
                break
            if column.type == REFS:
                ids = sorted(answer)
                try:
                    values[column.field] = fast.field_check(column.field)(ids)
                except Rejected:
                    break
                row.link_refs[column.name] = sorted(set(answer.values()))
                continue
            target_id, target_ref = answer
            if column.target == kind and target_ref == row.ref:
                break  # responds to itself: the full check words it
            values[column.field] = target_id
            row.link_refs[column.name] = target_ref
            if target_id == _PENDING_ID:
                row.pending[column.field] = target_ref
        else:
            for name, factory in factories:
                if name not in values:
                    values[name] = factory()
            if len(values) == size:
                out[k] = row
    return out


def _prepare_update(
    session: Session,
    kind: str,
    row: _Row,
    data: dict[str, Any],
    blanks: list[Column],
    row_errors: list[FieldError],
    names: dict[str, str],
    update_model: Any,
    create_model: Any,
) -> None:
    """An existing ref: the fields given, checked alone and merged into the record."""
    assert row.record_id is not None
    record = repository.get(session, kind, row.record_id)
    current: dict[str, Any] = {f: getattr(record, f) for f in repository.user_fields(kind)}
    current.update(repository.link_ids(session, kind, row.record_id))
    for column in blanks:
        if column.required:
            row_errors.append(FieldError(column.name, "is required", row.number))
        elif column.type == REFS:
            data[column.field] = []
            row.link_refs[column.name] = []
        elif column.nullable:
            data[column.field] = None
            if column.is_link:
                row.link_refs[column.name] = None
    try:
        _validate(update_model, data)
        merged = _validate(create_model, {**current, **data})
    except ValidationError as exc:
        _add_model_errors(row_errors, _row_errors(exc, row.number, names))
        return
    if row_errors:
        return
    row.values = {k: merged[k] for k in data}
    row.changed = bool(row.pending) or any(
        (sorted(merged[k]) != sorted(current[k]))
        if isinstance(merged[k], list)
        else merged[k] != current[k]
        for k in data
    )


# --------------------------------------------------------------------------- writing


def _change_parts(values: Sequence[Any], name: str, is_date: bool) -> list[str]:
    """One field's ``,"name":[null,value]`` text for a column of values ("" when the
    value is None, "" or an empty link), each distinct value encoded once."""
    quote = audit.json_text
    head = "," + quote(name) + ":[null,"

    def part(value: Any) -> str:
        if value is None or value == "" or value == []:
            return ""
        if is_date:
            return f'{head}"{value.isoformat()}"]'
        kind = value.__class__
        if kind is str:
            return f"{head}{quote(value)}]"
        if kind is int:
            return f"{head}{int.__repr__(value)}]"
        if kind is float and math.isfinite(value):
            return f"{head}{float.__repr__(value)}]"
        if kind is list and all(v.__class__ is str for v in value):
            return head + "[" + ",".join(map(quote, value)) + "]]"
        return head + audit.dumps(audit.to_jsonable(value)) + "]"  # type: ignore[arg-type]

    types = set(map(type, values))
    if not is_date and len(types) == 1 and "" not in values:
        if types == {str}:  # every value given: one encoder call each, no tests
            return [f"{head}{text}]" for text in map(quote, values)]
        if types == {int}:
            return [f"{head}{text}]" for text in map(int.__repr__, values)]
    if types <= _EQUAL_MEANS_SAME:  # not floats (0.0 and -0.0), not lists
        answers = {value: part(value) for value in set(values)}
        return list(map(answers.__getitem__, values))
    if types <= {list, type(None)} and all(
        v is None or all(x.__class__ is str for x in v) for v in values
    ):
        keys = [None if v is None else tuple(v) for v in values]  # lists of refs, as keys
        by_key = {key: part(None if key is None else list(key)) for key in set(keys)}
        return list(map(by_key.__getitem__, keys))
    return [part(value) for value in values]


_EQUAL_MEANS_SAME = frozenset({str, int, dt.date, type(None)})


def _changes_texts(columns: Sequence[tuple[str, bool, Sequence[Any]]]) -> list[str]:
    """The audit ``changes`` text of each row, from ``(name, is_date, values)`` columns.

    Exactly ``audit.dumps`` of ``{name: [None, value]}`` for the values that are not
    None or "" (dates as ISO text) and the links that are not empty: keys in sorted
    order, no spaces, strings by the JSON encoder's own function; assembled column
    by column rather than through a dict and the encoder for every row.
    """
    ordered = sorted(columns, key=lambda c: c[0])
    parts = [_change_parts(values, name, is_date) for name, is_date, values in ordered]
    return ["{" + "".join(row)[1:] + "}" for row in zip(*parts, strict=True)]


def write(
    session: Session, plan: _Plan, *, actor: str, ticker: Ticker | None = None
) -> ImportResult:
    kind = plan.kind
    s = repository.spec(kind)
    result = ImportResult(kind)
    link_fields = {link.field for link in s.links}
    ref_fields = {r.field for r in s.refs}
    kind_columns = {c.field: c for c in columns_for(kind)}
    table_fields = [f for f in s.create.model_fields if f not in link_fields]
    plain_fields = [f for f in table_fields if f not in ref_fields]
    enum_fields = [f for f in table_fields if kind_columns[f].type in (ENUM, LEVEL)]
    date_fields = {f for f in table_fields if kind_columns[f].type == DATE}
    creates = plan.creates
    if creates:
        explicit = [r.ref for r in creates if r.ref is not None]
        if explicit:
            highest = max(explicit, key=lambda ref: repository.parse_ref(ref)[1])  # type: ignore[index]
            repository.claim_ref(session, kind, highest)
        auto = [r for r in creates if r.ref is None]
        for row, ref in zip(
            auto, repository.reserve_refs(session, kind, len(auto)) if auto else [], strict=True
        ):
            row.ref = ref
        before = q.max_id(session, kind=kind)
        now = utcnow()
        enum_values = {
            m: m.value for c in kind_columns.values() if c.enum is not None for m in c.enum
        }
        keys = [*table_fields, *(["name_key"] if s.unique_name else [])]
        keys += ["ref", "created_at", "updated_at", "created_by", "updated_by", "version"]
        take = itemgetter(*table_fields)
        link_names = [c.name for c in columns_for(kind) if c.is_link]
        with q.bulk_writing(session, kind=kind, rows=len(creates)):
            for start in range(0, len(creates), BATCH):
                batch = creates[start : start + BATCH]
                n = len(batch)
                # column by column: field -> the values of the batch
                picked = [take(row.values) for row in batch]
                columns: dict[str, list[Any]] = {
                    name: list(values)
                    for name, values in zip(
                        table_fields,
                        zip(*picked, strict=True) if len(table_fields) > 1 else [tuple(picked)],
                        strict=True,
                    )
                }
                for name in enum_fields:
                    columns[name] = list(map(enum_values.__getitem__, columns[name]))
                refs = [row.ref for row in batch]
                # the audit says what repository.values() says of a new record
                texts = _changes_texts(
                    [(name, name in date_fields, columns[name]) for name in plain_fields]
                    + [
                        (name, False, [row.link_refs.get(name) for row in batch])
                        for name in link_names
                    ]
                )
                for k, row in enumerate(batch):
                    for name in row.pending:
                        columns[name][k] = None  # set once the record it points at exists
                extra: list[list[Any]] = (
                    [[v.casefold() for v in columns[s.unique_name]]] if s.unique_name else []
                )
                records = list(
                    zip(
                        *[columns[name] for name in table_fields],
                        *extra,
                        refs,
                        [now] * n,
                        [now] * n,
                        [actor] * n,
                        [actor] * n,
                        [1] * n,
                        strict=True,
                    )
                )
                try:
                    q.insert_tuples(session, kind=kind, keys=keys, rows=records)
                except IntegrityError as exc:
                    raise RegisterError(f"the register refused the import: {exc.orig}") from None
                audit.record_encoded(
                    session,
                    actor=actor,
                    kind=kind,
                    action=IMPORT_ACTION,
                    items=list(zip(refs, texts, strict=True)),  # type: ignore[arg-type]
                )
                if ticker is not None:
                    ticker.advance(n)
            new_ids = q.new_ids(
                session,
                kind=kind,
                after_id=before,
                refs=[row.ref for row in creates],  # type: ignore[misc]
            )
            for link in s.links:
                pairs = [
                    (new_ids[row.ref], other)  # type: ignore[index]
                    for row in creates
                    for other in row.values.get(link.field) or ()
                ]
                for start in range(0, len(pairs), BATCH * 4):
                    q.insert_links(session, link=link, pairs=pairs[start : start + BATCH * 4])
            for name in ref_fields:
                pairs = [
                    (new_ids[row.ref], new_ids[row.pending[name]])  # type: ignore[index]
                    for row in creates
                    if name in row.pending
                ]
                q.set_reference(session, kind=kind, field=name, pairs=pairs)
        result.created = len(creates)
        result.created_refs = [row.ref for row in creates]  # type: ignore[misc]
    else:
        new_ids = {}
    update_model = s.update
    for row in plan.updates:
        assert row.record_id is not None
        values = dict(row.values)
        for name, ref in row.pending.items():
            values[name] = new_ids[ref]
        try:
            repository.update(
                session, kind, row.record_id, update_model.model_validate(values), actor=actor
            )
        except ValidationFailed as exc:
            raise ValidationFailed(
                [FieldError(e.field, e.reason, row.number) for e in exc.errors]
            ) from None
        if ticker is not None:
            ticker.advance(1)
    result.updated = len(plan.updates)
    result.updated_refs = [row.ref for row in plan.updates]  # type: ignore[misc]
    result.unchanged = len(plan.unchanged)
    return result


# --------------------------------------------------------------------------- entry point


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a bulk import builds its rows.

    An import holds hundreds of thousands of small containers, none of them cyclic;
    left running, the collector re-scans them all again and again (a third of the
    time of a 100,000-row import).  It is switched back on however the import ends.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def import_table(
    register: Register,
    kind: str,
    table: Table,
    *,
    actor: str,
    dry_run: bool = False,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> ImportResult:
    kind = normalise_kind(kind)
    total = len(table.rows) * (1 if dry_run else 2)
    ticker = Ticker(total, progress, cancel, "import")
    if dry_run:
        with register.session() as session, _collector_paused():
            plan = prepare(session, kind, table, ticker)
        ticker.finish()
        return ImportResult(
            kind,
            created=len(plan.creates),
            updated=len(plan.updates),
            unchanged=len(plan.unchanged),
            dry_run=True,
            created_refs=[r.ref for r in plan.creates if r.ref],
            updated_refs=[r.ref for r in plan.updates if r.ref],
        )
    with register.write() as session, _collector_paused():
        plan = prepare(session, kind, table, ticker)
        ticker.check()
        result = write(session, plan, actor=actor, ticker=ticker)
        ticker.check()  # a cancel now still rolls everything back
    ticker.finish()
    return result


def import_file(
    register: Register,
    kind: str,
    path: str | Path,
    *,
    actor: str,
    dry_run: bool = False,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> ImportResult:
    """Import ``path`` (.csv or .xlsx) into ``register`` as records of ``kind``.

    ``kind`` is singular or plural (``"event"`` / ``"events"``).  Raises
    ``ValidationFailed`` listing every bad row (nothing written), ``Cancelled`` when
    ``cancel()`` returned True (nothing written) or ``RegisterError`` for a file that
    cannot be read.
    """
    kind = normalise_kind(kind)
    with _collector_paused():
        table = read_table(path, cancel=cancel)
        return import_table(
            register, kind, table, actor=actor, dry_run=dry_run, progress=progress, cancel=cancel
        )
