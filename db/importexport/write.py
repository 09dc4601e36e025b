"""Writing a validated import: new records in batches, updates one by one, in the
caller's transaction (so a crash or a cancel half-way leaves the register as it was).

New records are written as tuples (``INSERT`` executemany), their refs reserved in
one block, links to records the same file creates set once those exist, and their
audit entries (action ``import``, the changes ``repository.create`` would record)
encoded column by column by ``db.audit.creation_changes`` and appended with
``db.audit.record_encoded``.  On SQLite a large import into a smaller table rebuilds
the plain indexes after the insert (``db.queries.importexport.bulk_writing``), in the
same transaction.  On PostgreSQL the rows go by ``COPY``; a team member's are staged
and moved by the server while the client builds the next batch, the records' and then
their links' (``db.audit.moves_overlapped``), the audit chain's end kept in the client
from batch to batch (``db.audit.chain_kept``).  Updates go through ``db.repository.update``,
audited as updates.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from operator import itemgetter
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from db import audit, commentary, repository
from db.errors import FieldError, RegisterError, ValidationFailed
from db.importexport.columns import ENUM, LEVEL, columns_for
from db.importexport.plan import ImportResult, Plan, Row
from db.importexport.progress import Ticker
from db.models import COMMENTARY_FIELDS, utcnow
from db.queries import importexport as q
from db.responses import checked_as_a_whole

BATCH = 5000
IMPORT_ACTION = "import"


@contextmanager
def refused() -> Iterator[None]:
    """The register refusing a row (a unique ref, a foreign key) is the import's error."""
    try:
        yield
    except IntegrityError as exc:
        raise RegisterError(f"the register refused the import: {exc.orig}") from None


class NewRecords:
    """How a batch of new records of one kind becomes rows of its table and the
    ``changes`` texts of their audit entries; touches no database, so the batches of
    a large import can be built in another process (``db.importexport.offload``)."""

    def __init__(self, kind: str, *, actor: str, now: Any, lean: bool = False):
        s = repository.spec(kind)
        self.kind = kind
        self.actor = actor
        self.now = now
        link_fields = {link.field for link in s.links}
        ref_fields = {r.field for r in s.refs}
        kind_columns = {c.field: c for c in columns_for(kind)}
        table_fields = [f for f in s.create.model_fields if f not in link_fields]
        # the commentary has its own table and its own audit entry (db.commentary)
        self.said_fields = [f for f in table_fields if f in COMMENTARY_FIELDS]
        table_fields = [f for f in table_fields if f not in COMMENTARY_FIELDS]
        self.table_fields = table_fields
        self.plain_fields = [f for f in table_fields if f not in ref_fields]
        self.enum_fields = [f for f in table_fields if kind_columns[f].type in (ENUM, LEVEL)]
        self.enum_values: dict[Any, Any] = {None: None}  # an optional level left empty
        self.enum_values |= {
            m: m.value for c in kind_columns.values() if c.enum is not None for m in c.enum
        }
        self.unique_name = s.unique_name
        self.link_names = [c.name for c in columns_for(kind) if c.is_link]
        self.take = itemgetter(*table_fields)
        table: Any = s.table.__table__  # type: ignore[attr-defined]
        # ``lean``: a column left empty in every row of a batch is left out of its
        # INSERT when the table gives it NULL anyway (no default of the database's
        # own): less to bind, row by row, for the same rows (SQLite).
        self.omissible = (
            {f for f in table_fields if table.c[f].server_default is None} if lean else set()
        )

    def batch(self, batch: list[Row]) -> tuple[list[str], list[tuple[Any, ...]], list[str]]:
        """Rows with their refs set -> (the table's keys, one tuple of them per row,
        the audit ``changes`` text of each row)."""
        keys, columns, texts = self._columns(batch)
        n = len(batch)
        shared = self.shared
        records = list(zip(*columns, *([value] * n for value in shared.values()), strict=True))
        return [*keys, *shared], records, texts

    def batch_apart(self, batch: list[Row]) -> tuple[list[str], list[tuple[Any, ...]], list[str]]:
        """``batch`` without the columns every new record shares (``shared``), for
        an ``INSERT`` that writes those once (``db.audit.positional_insert``)."""
        keys, columns, texts = self._columns(batch)
        return keys, list(zip(*columns, strict=True)), texts

    @property
    def shared(self) -> dict[str, Any]:
        """The columns every new record of an import starts with the same value in."""
        now, actor = self.now, self.actor
        return {
            "created_at": now,
            "updated_at": now,
            "created_by": actor,
            "updated_by": actor,
            "version": 1,
        }

    def _columns(self, batch: list[Row]) -> tuple[list[str], list[list[Any]], list[str]]:
        """(the keys of the columns that differ from record to record, their values
        column by column, the audit ``changes`` text of each row)."""
        table_fields = self.table_fields
        # column by column: field -> the values of the batch
        picked = [self.take(row.values) for row in batch]
        columns: dict[str, list[Any]] = {
            name: list(values)
            for name, values in zip(
                table_fields,
                zip(*picked, strict=True) if len(table_fields) > 1 else [tuple(picked)],
                strict=True,
            )
        }
        for name in self.enum_fields:
            columns[name] = list(map(self.enum_values.__getitem__, columns[name]))
        refs = [row.ref for row in batch]
        # the audit says what repository.values() says of a new record
        texts = audit.creation_changes(
            {name: columns[name] for name in self.plain_fields}
            | {name: [row.link_refs.get(name) for row in batch] for name in self.link_names}
        )
        for k, row in enumerate(batch):
            for name in row.pending:
                columns[name][k] = None  # set once the record it points at exists
        used = [
            f
            for f in table_fields
            if f not in self.omissible or columns[f].count(None) < len(columns[f])
        ]
        unique_name = self.unique_name
        extra: list[list[Any]] = (
            [[v.casefold() for v in columns[unique_name]]] if unique_name else []
        )
        keys = [*used, *(["name_key"] if unique_name else []), "ref"]
        return keys, [*[columns[name] for name in used], *extra, refs], texts


def write(
    session: Session, plan: Plan, *, actor: str, ticker: Ticker | None = None
) -> ImportResult:
    kind = plan.kind
    s = repository.spec(kind)
    result = ImportResult(kind)
    ref_fields = {r.field for r in s.refs}
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
        connection = session.connection()
        new = NewRecords(kind, actor=actor, now=utcnow(), lean=connection.dialect.name == "sqlite")
        said_fields = new.said_fields
        with q.bulk_writing(session, kind=kind, rows=len(creates)):
            # A member's batch k is moved in by the server while the client builds batch
            # k + 1 (db.audit.moves_overlapped); the chain's end stays in the client
            # meanwhile (db.audit.chain_kept), so no other statement waits on the move.
            with refused(), audit.chain_kept(session), audit.moves_overlapped(connection):
                for start in range(0, len(creates), BATCH):
                    batch = creates[start : start + BATCH]
                    keys, records, texts = new.batch(batch)
                    refs = [row.ref for row in batch]
                    q.insert_tuples(session, kind=kind, keys=keys, rows=records)
                    audit.record_encoded(
                        session,
                        actor=actor,
                        kind=kind,
                        action=IMPORT_ACTION,
                        items=list(zip(refs, texts, strict=True)),  # type: ignore[arg-type]
                    )
                    if ticker is not None:
                        ticker.advance(len(batch))
            new_ids = q.new_ids(
                session,
                kind=kind,
                after_id=before,
                refs=[row.ref for row in creates],  # type: ignore[misc]
            )
            # A member's link rows are moved as the records were: the server moves one
            # part while the client builds and stages the next (built all at once, the
            # pairs of 100,000 records kept the server waiting for them).
            with refused(), audit.moves_overlapped(connection):
                for link in s.links:
                    for pairs in link_parts(creates, new_ids, link.field, BATCH * 4):
                        q.insert_links(session, link=link, pairs=pairs)
            for name in ref_fields:
                pairs = [
                    (new_ids[row.ref], new_ids[row.pending[name]])  # type: ignore[index]
                    for row in creates
                    if name in row.pending
                ]
                q.set_reference(session, kind=kind, field=name, pairs=pairs)
            if said_fields:
                _write_commentaries(session, kind, creates, new_ids, said_fields, actor=actor)
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
        result.previous[row.ref] = repository.field_values(session, kind, row.record_id, values)  # type: ignore[index]
        try:
            with checked_as_a_whole():  # the validator checked the file's responses at once
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


def link_parts(
    creates: list[Any], new_ids: dict[str, int], field: str, size: int
) -> Iterator[list[tuple[int, int]]]:
    """The link rows ``(new record's id, linked id)`` of ``field``, record by record
    in the file's order, in parts of at least ``size`` rows (the last one smaller)."""
    part: list[tuple[int, int]] = []
    for row in creates:
        others = row.values.get(field)
        if others:
            own = new_ids[row.ref]
            part.extend((own, other) for other in others)
            if len(part) >= size:
                yield part
                part = []
    if part:
        yield part


def _write_commentaries(
    session: Session,
    kind: str,
    creates: list[Any],
    new_ids: dict[str, int],
    fields: list[str],
    *,
    actor: str,
) -> None:
    """The new records' commentaries, each with its own audit entry (as ``repository.create``
    writes them)."""
    said = [(row.ref, {f: row.values.get(f) for f in fields}) for row in creates]
    said = [(ref, values) for ref, values in said if any(v is not None for v in values.values())]
    commentary.write_many(session, [(new_ids[ref], values) for ref, values in said])
    audit.record_many(
        session,
        actor=actor,
        entries=[
            audit.PendingEntry(
                kind, ref, "update", {k: [None, v] for k, v in values.items() if audit.is_given(v)}
            )
            for ref, values in said
        ],
    )
