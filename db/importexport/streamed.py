"""PostgreSQL: a large file of new records checked batch by batch while the server
writes the batch before.

On PostgreSQL the server does most of an import's work (rows, indexes, keys, policies,
triggers), and for a team member it moves each staged batch in while this process
builds the next (``db.audit.moves_overlapped``).  Checked all at once first, the file
kept the server idle for the whole check (about 0.9 s of 100,000 events) before the
first row went in.  Here each batch is checked just before it is written, so the
checks of batch k + 1 run while the server moves batch k.

The same checks on the same rows (``offload.checked_batch``: ``validate`` on each
batch, for the files whose rows stand alone, ``offload.stands_alone``), the same error
list (every bad row of the file: after the first bad batch the rest is only checked,
and nothing is kept), the same rows, refs, links and chained audit entries as
``write`` gives, all in the caller's one transaction: an error or a cancel rolls
every batch back.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from db import audit, repository
from db.errors import FieldError, ValidationFailed
from db.importexport import write
from db.importexport.offload import begin_new_records, checked_batch, stands_alone
from db.importexport.plan import ImportResult, Resolved
from db.importexport.progress import Ticker
from db.models import utcnow
from db.queries import importexport as q

# Below this many rows the whole file is checked first, as before.
STREAM_MIN_ROWS = 10_000
# The rows of the first batch: the server waits for its check.
FIRST = 1000


def applies(session: Session, resolved: Resolved) -> bool:
    """Whether ``import_new`` takes this file: PostgreSQL, as many rows as make the
    offload worth it on SQLite, every one a new record of a kind whose rows stand alone."""
    return (
        session.get_bind().dialect.name == "postgresql"
        and len(resolved.table.rows) >= STREAM_MIN_ROWS
        and stands_alone(resolved)
    )


def parts(rows: int) -> list[tuple[int, int]]:
    """The (start, stop) rows of the batches: ``FIRST`` rows first (the server waits
    for their check), then ``write.BATCH`` at a time."""
    size = write.BATCH
    cuts = [0, *range(min(FIRST, size, rows), rows, size), rows]
    return [(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if b > a]


def import_new(
    session: Session, resolved: Resolved, *, actor: str, ticker: Ticker | None = None
) -> ImportResult | None:
    """Import the file's rows, all new records, in ``session``'s transaction, each
    batch checked just before it is written; None (nothing done) where this does not
    apply.  Raises ValidationFailed, Cancelled or RegisterError as ``validate`` and
    ``write`` would."""
    if not applies(session, resolved):
        return None
    kind, own = resolved.kind, resolved.own
    blank = begin_new_records(session, resolved)
    s = repository.spec(kind)
    rows = len(resolved.table.rows)
    refs: list[str] = []  # of the rows written, in order
    errors: list[FieldError] = []
    creates: list[Any] = []
    connection = session.connection()
    new = write.NewRecords(kind, actor=actor, now=utcnow(), lean=False)
    with q.bulk_writing(session, kind=kind, rows=rows):
        # the rows without a ref take the next refs, in one block, in the file's order
        reserved = iter(repository.reserve_refs(session, kind, blank) if blank else [])
        every_ref = [ref if ref is not None else next(reserved) for ref in own.refs]
        before = q.max_id(session, kind=kind)
        with write.refused(), audit.chain_kept(session), audit.moves_overlapped(connection):
            for start, stop in parts(rows):
                batch = checked_batch(session, resolved, start, stop, every_ref, errors)
                if ticker is not None:
                    ticker.advance(stop - start)  # checked
                if batch is None:  # nothing will be kept: the rest is only checked
                    continue
                batch_refs = every_ref[start:stop]
                keys, records, texts = new.batch(batch)
                q.insert_tuples(session, kind=kind, keys=keys, rows=records)
                audit.record_encoded(
                    session,
                    actor=actor,
                    kind=kind,
                    action=write.IMPORT_ACTION,
                    items=list(zip(batch_refs, texts, strict=True)),
                )
                refs += batch_refs
                creates += batch
                if ticker is not None:
                    ticker.advance(stop - start)  # written
        if errors:
            raise ValidationFailed(errors)
        new_ids = q.new_ids(session, kind=kind, after_id=before, refs=refs)
        with write.refused(), audit.moves_overlapped(connection):
            for link in s.links:
                for pairs in write.link_parts(creates, new_ids, link.field, write.BATCH * 4):
                    q.insert_links(session, link=link, pairs=pairs)
    result = ImportResult(kind, created=len(refs))
    result.created_refs = refs
    return result
