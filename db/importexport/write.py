"""Writing a validated import: new records in batches, updates one by one, in the
caller's transaction (so a crash or a cancel half-way leaves the register as it was).

New records are written as tuples (``INSERT`` executemany), their refs reserved in
one block, links to records the same file creates set once those exist, and their
audit entries (action ``import``, the changes ``repository.create`` would record)
encoded column by column by ``db.audit.creation_changes`` and appended with
``db.audit.record_encoded``.  On SQLite a large import into a smaller table rebuilds
the plain indexes after the insert (``db.queries.importexport.bulk_writing``), in the
same transaction.  On PostgreSQL the rows go by ``COPY``; a team member's are staged
and moved by the server while the client builds the next batch
(``db.audit.moves_overlapped``), the audit chain's end kept in the client from batch
to batch (``db.audit.chain_kept``).  Updates go through ``db.repository.update``,
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
from db.importexport.plan import ImportResult, Plan
from db.importexport.progress import Ticker
from db.models import COMMENTARY_FIELDS, utcnow
from db.queries import importexport as q
from db.responses import checked_as_a_whole

BATCH = 5000
IMPORT_ACTION = "import"


@contextmanager
def _refused() -> Iterator[None]:
    """The register refusing a row (a unique ref, a foreign key) is the import's error."""
    try:
        yield
    except IntegrityError as exc:
        raise RegisterError(f"the register refused the import: {exc.orig}") from None


def write(
    session: Session, plan: Plan, *, actor: str, ticker: Ticker | None = None
) -> ImportResult:
    kind = plan.kind
    s = repository.spec(kind)
    result = ImportResult(kind)
    link_fields = {link.field for link in s.links}
    ref_fields = {r.field for r in s.refs}
    kind_columns = {c.field: c for c in columns_for(kind)}
    table_fields = [f for f in s.create.model_fields if f not in link_fields]
    # the commentary has its own table and its own audit entry (db.commentary)
    said_fields = [f for f in table_fields if f in COMMENTARY_FIELDS]
    table_fields = [f for f in table_fields if f not in COMMENTARY_FIELDS]
    plain_fields = [f for f in table_fields if f not in ref_fields]
    enum_fields = [f for f in table_fields if kind_columns[f].type in (ENUM, LEVEL)]
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
        enum_values: dict[Any, Any] = {None: None}  # an optional level left empty
        enum_values |= {
            m: m.value for c in kind_columns.values() if c.enum is not None for m in c.enum
        }
        keys = [*table_fields, *(["name_key"] if s.unique_name else [])]
        keys += ["ref", "created_at", "updated_at", "created_by", "updated_by", "version"]
        take = itemgetter(*table_fields)
        link_names = [c.name for c in columns_for(kind) if c.is_link]
        connection = session.connection()
        with q.bulk_writing(session, kind=kind, rows=len(creates)):
            # A member's batch k is moved in by the server while the client builds batch
            # k + 1 (db.audit.moves_overlapped); the chain's end stays in the client
            # meanwhile (db.audit.chain_kept), so no other statement waits on the move.
            with _refused(), audit.chain_kept(session), audit.moves_overlapped(connection):
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
                    texts = audit.creation_changes(
                        {name: columns[name] for name in plain_fields}
                        | {name: [row.link_refs.get(name) for row in batch] for name in link_names}
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
                    q.insert_tuples(session, kind=kind, keys=keys, rows=records)
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
