"""The one validator of an import: every row checked with the rules of the kind's models.

Each cell is read (``db.importexport.cells``), each link cell resolved
(``db.importexport.links``), and the row's values go through the kind's models:

* a new record: the ``*Create`` model;
* a ref already in the register: the ``*Update`` model for the cells given, then the
  whole record, merged, through the ``*Create`` model again (dates in order, residual
  pairs).  An empty cell clears an optional field and leaves a field with a default
  as it is; a required field cannot be emptied.

New-record rows are first taken column by column: each cell through its column's
converter and the field's check in ``db.importexport.rules.Rules`` (the model's own
rules, read from it), each distinct text cell once, then the model's own model
validators per row.  That route only ever accepts what the model accepts, with the
same values; a row it does not accept goes through the model, which words the
errors.  ``validate(..., column_wise=False)`` sends every row through the model: the
reference the column-wise route is proved equal to (tests/importexport).

Errors are collected for every row, as ``row N: field: reason`` sorted by row and
column; if there is any, ``ValidationFailed`` lists them all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from db import limits, repository
from db.errors import FieldError, ValidationFailed, field_errors
from db.importexport.cells import converter, int_column, is_blank
from db.importexport.columns import IGNORED, INT, OWN_REF, REFS, TEXT, Column, columns_for
from db.importexport.links import PENDING_ID, Links, OwnRefs
from db.importexport.plan import Plan, Row
from db.importexport.progress import Ticker
from db.importexport.reader import Table
from db.importexport.rules import Rejected, Rules
from db.queries import importexport as q
from db.responses import loop_reason, loops_through

_REJECT = object()  # a cell the column-wise route leaves to the model
_DEFAULT = object()  # a blank cell: the field's default

ValueColumn = tuple[int, Column, Callable[[Any], Any]]


@cache
def rules_for(kind: str) -> Rules | None:
    """The column-wise rules of ``kind``'s ``*Create`` model (None: rows go through it)."""
    return Rules.build(repository.spec(kind).create)


def model_values(model: Any, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` validated by ``model`` itself: its field values, or ValidationError.

    The pydantic validator is called directly: for these ``table=False`` models it is
    exactly what ``model_validate`` runs, without SQLModel's per-call wrapper.
    """
    return model.__pydantic_validator__.validate_python(data).__dict__  # type: ignore[no-any-return]


def validate(
    session: Session,
    kind: str,
    table: Table,
    columns: Sequence[tuple[int, Column]],
    own: OwnRefs,
    links: Links,
    ticker: Ticker | None = None,
    *,
    column_wise: bool = True,
) -> Plan:
    """Every row of ``table`` checked; the plan of what to write, or ValidationFailed."""
    s = repository.spec(kind)
    errors = list(own.errors)
    present = {c.name for _, c in columns}
    missing = missing_columns(kind, columns, own)
    if missing:
        raise ValidationFailed(errors + missing)

    link_columns = [(i, c) for i, c in columns if c.is_link]
    value_columns = [
        (i, c, converter(c))
        for i, c in columns
        if c.type not in (OWN_REF, IGNORED) and not c.is_link
    ]
    rules = rules_for(kind) if column_wise else None
    if rules is not None and not rules.takes(
        {c.field for _, c in columns if c.is_link} | {c.field for _, c, _ in value_columns}
    ):
        rules = None
    quick: list[Row | None] = (
        _column_wise(kind, table, own, value_columns, link_columns, links, rules, ticker)
        if rules is not None
        else [None] * len(table.rows)
    )
    names = {c.field: c.name for c in columns_for(kind)}
    plan = Plan(kind)
    seen_names: dict[str, int] = {}
    name_rows: list[tuple[Row, str]] = []
    for done, ((number, cells), ref, ready) in enumerate(
        zip(table.rows, own.refs, quick, strict=True), 1
    ):
        if ticker is not None and done % 1000 == 0:
            ticker.advance(1000)
        if ready is not None:
            row = ready
            plan.creates.append(row)
        else:
            row = Row(number, ref, own.existing.get(ref) if ref is not None else None)
            data, blanks, row_errors = _read_row(
                kind, row, cells, value_columns, link_columns, links
            )
            if number in own.bad_rows:  # its ref is refused: no record to check it against
                errors.extend(row_errors)
                continue
            if row.record_id is None:
                _create(kind, row, data, blanks, row_errors, names)
            else:
                _update(session, kind, row, data, blanks, row_errors, names)
            if row_errors:
                errors.extend(row_errors)
                continue
            if row.record_id is None:
                plan.creates.append(row)
            else:
                (plan.updates if row.changed else plan.unchanged).append(row)
        if s.unique_name and s.unique_name in row.values:
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
    errors.extend(_too_large(session, kind, plan))
    if kind == "event" and "responds_to" in present:
        errors.extend(_response_loops(session, plan))
    if errors:
        order = {c.name: i for i, c in enumerate(columns_for(kind))}
        errors.sort(key=lambda e: (e.row or 0, order.get(e.field, -1)))
        raise ValidationFailed(errors)
    return plan


def missing_columns(
    kind: str, columns: Sequence[tuple[int, Column]], own: OwnRefs
) -> list[FieldError]:
    """The columns a file without them cannot do without: those needed to create a
    record, when the file creates any (reported on row 1, the header)."""
    present = {c.name for _, c in columns}
    missing = [c for c in columns_for(kind) if c.required and c.name not in present]
    if not missing or not any(own.is_new(ref) for ref in own.refs):
        return []
    return [
        FieldError(c.name, f"missing column: it is needed to create new {kind}s", 1)
        for c in missing
    ]


def _too_large(session: Session, kind: str, plan: Plan) -> list[FieldError]:
    """Whole numbers the model allows but this register's columns cannot hold
    (``db.limits``: above 32 bits on PostgreSQL), as row errors."""
    limit = limits.int_max(session)
    fields = limits.wide_int_fields(repository.spec(kind).create)
    if limit >= limits.INT64_MAX or not fields:
        return []
    names = {c.field: c.name for c in columns_for(kind)}
    return [
        FieldError(names.get(f, f), limits.reason(limit), row.number)
        for row in (*plan.creates, *plan.updates)
        for f in limits.too_large(row.values, fields, limit)
    ]


def _response_loops(session: Session, plan: Plan) -> list[FieldError]:
    """Rows whose ``responds_to`` would close a loop of responses, with the file's
    links laid over the register's (``db.responses``, the rule the forms follow)."""
    rows = [r for r in (*plan.creates, *plan.updates, *plan.unchanged) if r.ref is not None]
    if not any(r.link_refs.get("responds_to") for r in rows):
        return []
    chain: dict[str, str | None] = dict(q.response_refs(session))
    starts: list[str] = []
    for r in rows:
        if r.ref is not None and "responds_to" in r.link_refs:
            chain[r.ref] = r.link_refs["responds_to"]
            if chain[r.ref] is not None:
                starts.append(r.ref)
    loops = loops_through(chain, starts)
    return [
        FieldError("responds_to", loop_reason(loops[r.ref]), r.number)
        for r in rows
        if r.ref in loops
    ]


# --------------------------------------------------------------------------- row by row


def _read_row(
    kind: str,
    row: Row,
    cells: list[Any],
    value_columns: list[ValueColumn],
    link_columns: list[tuple[int, Column]],
    links: Links,
) -> tuple[dict[str, Any], list[Column], list[FieldError]]:
    """A row's cells as field values (links as ids): (values, blank columns, errors)."""
    number = row.number
    data: dict[str, Any] = {}
    blanks: list[Column] = []
    errors: list[FieldError] = []
    width = len(cells)
    for index, column, convert in value_columns:
        raw = cells[index] if index < width else None
        if is_blank(raw):
            blanks.append(column)
            continue
        try:
            data[column.field] = convert(raw)
        except ValueError as exc:
            errors.append(FieldError(column.name, str(exc), number))
    for index, column in link_columns:
        resolved = links.cell(column, cells[index] if index < width else None)
        if resolved is None:
            blanks.append(column)
            continue
        errors.extend(FieldError(column.name, reason, number) for reason in resolved.errors)
        found = resolved.found
        if column.target == kind and row.ref is not None and row.ref in found.values():
            errors.append(FieldError(column.name, "an event cannot respond to itself", number))
            found = {i: r for i, r in found.items() if r != row.ref}
        for target_id, target_ref in found.items():
            if target_id == PENDING_ID:
                row.pending[column.field] = target_ref
        if column.type == REFS:
            data[column.field] = sorted(found)
            row.link_refs[column.name] = sorted(set(found.values()))
        elif found:
            ((target_id, target_ref),) = found.items()
            data[column.field] = target_id
            row.link_refs[column.name] = target_ref
    return data, blanks, errors


def _create(
    kind: str,
    row: Row,
    data: dict[str, Any],
    blanks: list[Column],
    errors: list[FieldError],
    names: dict[str, str],
) -> None:
    """A new record: the cells given through the ``*Create`` model."""
    for column in blanks:
        if column.required:
            errors.append(FieldError(column.name, "is required", row.number))
    try:
        row.values = model_values(repository.spec(kind).create, data)
    except ValidationError as exc:
        _add_model_errors(errors, exc, row.number, names)


def _add_model_errors(
    errors: list[FieldError], exc: ValidationError, number: int, names: dict[str, str]
) -> None:
    """Add the model's complaints about columns that have no complaint yet."""
    known = {e.field for e in errors}
    for e in field_errors(exc, number):
        name = names.get(e.field, e.field)
        if name not in known:
            known.add(name)
            errors.append(FieldError(name, e.reason, number))


def _update(
    session: Session,
    kind: str,
    row: Row,
    data: dict[str, Any],
    blanks: list[Column],
    errors: list[FieldError],
    names: dict[str, str],
) -> None:
    """An existing ref: the fields given, checked alone and merged into the record."""
    assert row.record_id is not None
    s = repository.spec(kind)
    record = repository.get(session, kind, row.record_id)
    current: dict[str, Any] = {f: getattr(record, f) for f in repository.user_fields(kind)}
    current.update(repository.link_ids(session, kind, row.record_id))
    for column in blanks:
        if column.required:
            errors.append(FieldError(column.name, "is required", row.number))
        elif column.type == REFS:
            data[column.field] = []
            row.link_refs[column.name] = []
        elif column.nullable:
            data[column.field] = None
            if column.is_link:
                row.link_refs[column.name] = None
    try:
        model_values(s.update, data)
        merged = model_values(s.create, {**current, **data})
    except ValidationError as exc:
        _add_model_errors(errors, exc, row.number, names)
        return
    if errors:
        return
    row.values = {k: merged[k] for k in data}
    row.changed = bool(row.pending) or any(
        (sorted(merged[k]) != sorted(current[k]))
        if isinstance(merged[k], list)
        else merged[k] != current[k]
        for k in data
    )


# --------------------------------------------------------------------------- column by column


def _bulk_column(column: Column, check: Any, raws: Sequence[Any]) -> list[Any] | None:
    """A column of CSV text cells checked in one go, or None (cell by cell)."""
    bulk = getattr(check, "bulk", None)
    if bulk is None or not raws or set(map(type, raws)) != {str}:
        return None
    if column.type == TEXT:
        if "'" in {raw[:1] for raw in raws}:
            return None  # neutralised text: the converter undoes it cell by cell
        return bulk(list(raws))  # type: ignore[no-any-return]
    if column.type == INT:
        numbers = int_column(raws)
        return None if numbers is None else bulk(numbers)
    return None


def _by_distinct(
    raws: Sequence[Any], answer: Callable[[Any], Any], memo: dict[Any, Any] | None = None
) -> list[Any]:
    """``answer`` of each cell; once per distinct cell when text cells repeat a lot,
    or whenever ``memo`` keeps the answers given before (a file checked part by part
    asks again about cells an earlier part had: each is answered once per file)."""
    distinct = set(raws)
    if set(map(type, distinct)) <= {str, type(None)}:
        # (only text: 1, 1.0 and True would share a key)
        if memo is not None:
            for raw in distinct - memo.keys():
                memo[raw] = answer(raw)
            return list(map(memo.__getitem__, raws))
        if len(distinct) * 4 < len(raws) + 4:
            answers = {raw: answer(raw) for raw in distinct}
            return list(map(answers.__getitem__, raws))
    return [answer(raw) for raw in raws]


def _column_wise(
    kind: str,
    table: Table,
    own: OwnRefs,
    value_columns: list[ValueColumn],
    link_columns: list[tuple[int, Column]],
    links: Links,
    rules: Rules,
    ticker: Ticker | None = None,
) -> list[Row | None]:
    """The new-record rows that pass every check, done column by column: a ready
    ``Row`` for each, None for the rows left to the model (updates, rows with a bad
    ref, and any row with a cell the column checks do not accept).

    A cell goes through the column's converter and then the field's check, the same
    two steps as the model route, so an accepted row has the values the model would
    give.  Values are immutable, so rows may share them.
    """
    rows = table.rows
    count = len(rows)
    candidate = [
        own.is_new(ref) and number not in own.bad_rows
        for (number, _cells), ref in zip(rows, own.refs, strict=True)
    ]
    all_cells = [cells for _number, cells in rows]
    widths = set(map(len, all_cells))
    transposed: list[Any] = list(zip(*all_cells, strict=True)) if len(widths) == 1 else []

    def cells_of(index: int) -> Sequence[Any]:
        if index < len(transposed):
            return transposed[index]  # type: ignore[no-any-return]
        return [cells[index] if index < len(cells) else None for cells in all_cells]

    fields: list[str] = []
    columns: list[list[Any]] = []
    for index, column, convert in value_columns:
        check = rules.field_check(column.field)

        def cell(
            raw: Any, convert: Any = convert, check: Any = check, required: bool = column.required
        ) -> Any:
            if raw is None or (raw.__class__ is str and not raw.strip()):
                return _REJECT if required else _DEFAULT
            try:
                return check(convert(raw))
            except (ValueError, Rejected):
                return _REJECT

        if ticker is not None:
            ticker.check()  # a cancel is heard between columns
        fields.append(column.field)
        raws = cells_of(index)
        answers = _bulk_column(column, check, raws)
        columns.append(answers if answers is not None else _by_distinct(raws, cell))

    link_answers: list[tuple[Column, list[Any]]] = []
    for index, column in link_columns:
        check = rules.field_check(column.field)

        def link(raw: Any, column: Column = column, check: Any = check) -> Any:
            resolved = links.cell(column, raw)
            if resolved is None:
                return _DEFAULT
            if resolved.errors:
                return _REJECT
            found = resolved.found
            try:
                if column.type == REFS:
                    if PENDING_ID in found:
                        return _REJECT
                    return check(sorted(found)), sorted(set(found.values()))
                ((target_id, target_ref),) = found.items()
                return check(target_id), target_ref
            except Rejected:
                return _REJECT

        memo = links.checked(column)
        link_answers.append((column, _by_distinct(cells_of(index), link, memo)))

    defaults = rules.defaults
    factories = list(rules.factories.items())
    size = rules.size
    refused = {
        k for column in columns if _REJECT in column for k, v in enumerate(column) if v is _REJECT
    }
    blank = {
        k for column in columns if _DEFAULT in column for k, v in enumerate(column) if v is _DEFAULT
    }
    refused.update(k for k, ok in enumerate(candidate) if not ok)
    out: list[Row | None] = [None] * count
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
        row = Row(rows[k][0], own.refs[k], None, values)
        for column, answers in link_answers:
            answer = answers[k]
            if answer is _DEFAULT:
                continue
            if answer is _REJECT:
                break
            value, target = answer
            if column.type == REFS:
                values[column.field] = list(value)  # each row its own list
            else:
                if column.target == kind and target == row.ref:
                    break  # responds to itself: the model route words it
                values[column.field] = value
                if value == PENDING_ID:
                    row.pending[column.field] = target
            row.link_refs[column.name] = target
        else:
            for name, factory in factories:
                if name not in values:
                    values[name] = factory()
            if len(values) == size and rules.row_check(values):
                out[k] = row
    return out
