"""SQLite: a large file of new records checked and built in a second process while
this one writes them.

An import is two kinds of work of about the same size: Python's (cells checked,
rows and audit texts built, the hash chain) and SQLite's (rows, links and audit
entries inserted, indexes, the search index, the commit).  In one process they add
up, and a second thread does not help: Python's ``sqlite3`` needs the interpreter to
bind every row's values, so the two threads take turns.  Here a forked child does
Python's part, batch by batch (``write.BATCH`` rows), and hands each batch over a
pipe as ready INSERT parameters while this process, the only one that touches the
database, inserts the batch before.  The two run on two cores.

What is written is what ``validate`` and ``write`` give in one process: the same
checks on the same rows (``validate`` itself, on each batch), the same error list
(``row N: field: reason``, every bad row of the file, sorted: nothing is written),
the same rows, refs, ids, links and audit entries, the chain extended in the same
order from the head this transaction has locked.  The import stays all or nothing
in the one transaction of this process: an error, a cancel or a child that stops
rolls everything back; the child writes nothing anywhere but to its pipe, and
leaves when this process is gone (its next write to the pipe fails).

Only where it pays and is safe, else ``import_new`` returns None and the caller
imports in this process:

* SQLite (on PostgreSQL ``COPY`` and the server already work beside the client);
* at least ``OFFLOAD_MIN_ROWS`` rows, every one a new record (updates are checked
  against the register row by row);
* a kind whose rows stand alone: no unique name (checked across the file and the
  register), no link to records of the same kind (an event answering another,
  checked for loops across the file), no commentary or risk-state history (written
  after the rows, from the register);
* a process that may fork: Linux, a single thread and no Qt loaded (the GUI imports
  on a worker thread: there it stays in process).
"""

from __future__ import annotations

import itertools
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from db import audit, repository, risk_states
from db.errors import FieldError, RegisterError, ValidationFailed
from db.importexport.links import OwnRefs
from db.importexport.plan import ImportResult, Plan, Resolved
from db.importexport.progress import Ticker
from db.importexport.reader import Table
from db.importexport.validate import missing_columns, validate
from db.importexport.write import BATCH, IMPORT_ACTION, NewRecords
from db.kinds import REF_PREFIX
from db.models import COMMENTARY_FIELDS, AuditEntry, utcnow
from db.queries import importexport as q

# Below this many rows the second process costs more than it saves.
OFFLOAD_MIN_ROWS = 10_000
# The rows of the child's first batch: the writer waits for it.
FIRST = 1000

Send = Callable[[Any], None]


def fork_safe() -> bool:
    """Whether this process may fork a child that goes on running Python: Linux
    (macOS's system libraries are not safe to use after a fork, Windows has none),
    one thread (a fork copies the calling thread only; a lock another thread holds
    would stay locked in the child) and no Qt loaded (Qt runs threads of its own)."""
    return sys.platform == "linux" and threading.active_count() == 1 and not qt_loaded()


def qt_loaded() -> bool:
    return any(name == "PySide6" or name.startswith("PySide6.") for name in sys.modules)


def applies(session: Session, resolved: Resolved) -> bool:
    """Whether ``import_new`` takes this file (see the module text)."""
    return (
        session.get_bind().dialect.name == "sqlite"
        and len(resolved.table.rows) >= OFFLOAD_MIN_ROWS
        and stands_alone(resolved)
        and fork_safe()
    )


def stands_alone(resolved: Resolved) -> bool:
    """Whether the file's rows may be checked batch by batch with the same outcome as
    all at once: every row a new record, of a kind whose rows stand alone (see the
    module text)."""
    kind = resolved.kind
    s = repository.spec(kind)
    return (
        not s.unique_name
        and kind != risk_states.KIND
        and not any(f in COMMENTARY_FIELDS for f in s.create.model_fields)
        and not any(c.is_link and c.target == kind for _, c in resolved.columns)
        and not resolved.own.existing
    )


def begin_new_records(session: Session, resolved: Resolved) -> int:
    """Before any row of a file of new records is checked: the columns it cannot do
    without (ValidationFailed), and its refs as ``write`` hands them out, the highest
    given one claimed (the rest are reserved in one block by the caller; a failed
    import takes them back).  Returns how many rows have no ref of their own."""
    kind, own = resolved.kind, resolved.own
    missing = missing_columns(kind, resolved.columns, own)
    if missing:
        raise ValidationFailed(list(own.errors) + missing)
    explicit = [ref for ref in own.refs if ref is not None]
    if explicit:
        highest = max(explicit, key=lambda ref: repository.parse_ref(ref)[1])  # type: ignore[index]
        repository.claim_ref(session, kind, highest)
    return sum(ref is None for ref in own.refs)


def checked_part(session: Session, resolved: Resolved, start: int, stop: int) -> Plan:
    """Rows ``start`` to ``stop`` of the file checked by ``validate`` (ValidationFailed
    listing their bad rows), as part of the whole file (``stands_alone``)."""
    r = resolved
    own = r.own
    part = r.table.rows[start:stop]
    numbers = range(part[0][0], part[-1][0] + 1)
    part_own = OwnRefs(
        own.refs[start:stop],
        own.existing,
        own.new,
        own.bad_rows,
        [e for e in own.errors if e.row in numbers],
    )
    return validate(session, r.kind, Table(r.table.header, part), r.columns, part_own, r.links)


def checked_batch(
    session: Session,
    resolved: Resolved,
    start: int,
    stop: int,
    refs: list[str],
    errors: list[FieldError],
) -> list[Any] | None:
    """Rows ``start`` to ``stop`` checked (``checked_part``) and given their refs: the
    new records to write, or None once the file has a bad row, its own or an earlier
    part's (this part's bad rows are added to ``errors``; the rest is only checked)."""
    try:
        plan = checked_part(session, resolved, start, stop)
    except ValidationFailed as exc:
        errors.extend(exc.errors)
    if errors:
        return None
    batch = plan.creates
    assert len(batch) == stop - start  # every row a new record (``stands_alone``)
    for row, ref in zip(batch, refs[start:stop], strict=True):
        row.ref = ref
    return batch


def import_new(
    session: Session, resolved: Resolved, *, actor: str, ticker: Ticker | None = None
) -> ImportResult | None:
    """Import the file's rows, all new records, in ``session``'s transaction with a
    second process checking and building them; None (nothing done) where this does
    not apply (``applies``).  Raises ValidationFailed, Cancelled or RegisterError as
    the one-process import would."""
    if not applies(session, resolved):
        return None
    kind = resolved.kind
    blank = begin_new_records(session, resolved)
    first = repository.reserve_numbers(session, kind, blank) if blank else 0
    before = q.max_id(session, kind=kind)
    head, prev, who = audit.bulk_chain_start(session)
    new = NewRecords(kind, actor=actor, now=utcnow(), lean=True)
    builder = _Builder(session, resolved, new, first, before, prev, who)
    rows = len(resolved.table.rows)
    connection = session.connection()
    last = prev
    refs: list[str] = []  # of the rows written, in order
    keep = kept_indexes(kind)
    with (
        _forked(builder.run) as child,
        q.bulk_writing(session, kind=kind, rows=rows, keep=keep) as bulk,
    ):
        try:
            while True:
                message = child.receive()
                tag = message[0]
                if tag == "batch":
                    _tag, batch_refs, statements, last = message
                    n = len(batch_refs)
                    refs += batch_refs
                    if ticker is not None:
                        ticker.advance(n)  # checked
                    for statement, parameters in statements:
                        connection.exec_driver_sql(statement, parameters)
                    bulk.catch_up()  # the search index, batch by batch
                    if ticker is not None:
                        ticker.advance(n)  # written
                elif tag == "checked":  # a batch checked after a bad row: nothing to write
                    if ticker is not None:
                        ticker.advance(message[1])
                elif tag == "failed":
                    raise ValidationFailed(message[1])
                elif tag == "done":
                    break
                else:  # "crashed": the child's own error
                    raise message[1]
        except IntegrityError as exc:
            raise RegisterError(f"the register refused the import: {exc.orig}") from None
        if not q.numbered_on(session, kind=kind, after_id=before, count=len(refs)):
            # the child wrote the links with the ids SQLite gives: after ``before``, in order
            raise RegisterError("the register numbered the new records unexpectedly")
        # the change counter grows as ``write``'s batch-by-batch appends leave it
        audit.bulk_chain_end(session, head, last, -(-len(refs) // BATCH))
    result = ImportResult(kind, created=len(refs))
    result.created_refs = refs
    return result


def kept_indexes(kind: str) -> set[str]:
    """Indexes kept up row by row rather than built again after the last batch: the
    audit trail's and the link tables', whose new keys land at their ends or at the
    ends of a few runs of equal values (one time stamp, rising refs and ids, a few
    linked records), so a few hot pages take them.  The record table's are built
    again at the end from sorted keys, as ``write`` builds them: kept row by row they
    cost this process more than the child's checks of the next batch take, and this
    process then holds the child up (measured on 100,000 events: the inserts went
    from 0.60 s to 0.29 s, the rebuild from 0.08 s to 0.25 s)."""
    s = repository.spec(kind)
    keep = {ix.name for ix in AuditEntry.__table__.indexes}  # type: ignore[attr-defined]
    for link in s.links:
        keep.update(ix.name for ix in link.table.__table__.indexes)  # type: ignore[attr-defined]
    return keep


class _Builder:
    """The child's work: every batch of the file checked, built and chained."""

    def __init__(
        self,
        session: Session,
        resolved: Resolved,
        new: NewRecords,
        first: int,
        before: int,
        prev: str,
        who: str,
    ):
        self.session = session
        self.resolved = resolved
        self.new = new
        self.first = first  # of the numbers reserved for rows without a ref
        self.before = before
        self.prev = prev
        self.who = who
        self.dialect = session.get_bind().dialect

    def refs(self, start: int, stop: int, numbers: Iterator[int]) -> list[str]:
        """Rows ``start`` to ``stop``'s refs: a row's own, or the next of ``numbers``
        (the numbers reserved, taken in the file's order as ``write`` gives them out;
        asked for one part after the other, so the first batch waits for its own
        refs only)."""
        prefix = REF_PREFIX[self.resolved.kind]
        return [
            ref if ref is not None else repository.format_ref(prefix, next(numbers))
            for ref in self.resolved.own.refs[start:stop]
        ]

    def run(self, send: Send) -> None:
        _no_reads(self.session)
        r = self.resolved
        kind, table = r.kind, r.table
        links = repository.spec(kind).links
        link_inserts = [
            _prepared(self.dialect, link.table.__table__, (link.own_col, link.other_col))  # type: ignore[attr-defined]
            for link in links
        ]
        entry_table: Any = AuditEntry.__table__  # type: ignore[attr-defined]
        record_table: Any = repository.spec(kind).table.__table__  # type: ignore[attr-defined]
        record_inserts: dict[tuple[str, ...], Any] = {}
        shared = self.new.shared
        refs: list[str] = []  # of the rows up to the current part's end
        numbers = itertools.count(self.first)
        errors: list[FieldError] = []
        last = self.prev
        for start, stop in parts(len(table.rows)):
            refs += self.refs(start, stop, numbers)
            batch = checked_batch(self.session, r, start, stop, refs, errors)
            if batch is None:  # nothing will be written: the rest is only checked
                send(("checked", stop - start))
                continue
            batch_refs = refs[start:stop]
            # what every row of the batch shares is written once, in the statement
            keys, records, texts = self.new.batch_apart(batch)
            entry_shared, entries, last = audit.chained_apart(
                last,
                self.who,
                self.new.actor,
                utcnow(),
                kind,
                IMPORT_ACTION,
                zip(batch_refs, texts, strict=True),
            )
            key = tuple(keys)
            if key not in record_inserts:
                record_inserts[key] = _prepared(self.dialect, record_table, keys, shared)
            entry_insert = _prepared(self.dialect, entry_table, audit.APART_KEYS, entry_shared)
            statements = [_bound(record_inserts[key], records), _bound(entry_insert, entries)]
            first = self.before + start + 1  # SQLite numbers them on from the highest id
            for link, prepared in zip(links, link_inserts, strict=True):
                pairs = [
                    (first + k, other)
                    for k, row in enumerate(batch)
                    for other in row.values.get(link.field) or ()
                ]
                if pairs:
                    statements.append(_bound(prepared, pairs))
            send(("batch", batch_refs, statements, last))
        send(("failed", errors) if errors else ("done",))


def _no_reads(session: Session) -> None:
    """In the child: any statement through ``session``'s engine fails.  The
    connection it inherited is the parent's (SQLite forbids using one across a fork,
    and its transaction is the parent's); ``applies`` keeps out the files whose
    checks read the register, and this keeps a later check that reads it from
    running here unnoticed."""

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise RegisterError("the import's second process may not read the register")

    event.listen(session.get_bind(), "before_cursor_execute", refuse)


def parts(rows: int) -> list[tuple[int, int]]:
    """The (start, stop) rows of the child's batches: ``FIRST`` rows first, so that the
    writer has work early, then ``BATCH`` at a time."""
    cuts = [0, *range(min(FIRST, rows), rows, BATCH), rows]
    return [(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if b > a]


def _prepared(dialect: Any, table: Any, keys: Any, shared: Any = None) -> Any:
    prepared = audit.positional_insert(dialect, table, keys, shared)
    assert prepared is not None  # SQLite's driver takes positional parameters
    return prepared


def _bound(prepared: Any, rows: list[tuple[Any, ...]]) -> tuple[str, list[tuple[Any, ...]]]:
    statement, parameters = prepared
    return statement, parameters(rows)


class _Child:
    """The forked child's end of the pipe, as this process reads it."""

    def __init__(self, pid: int, pipe: Any):
        self.pid = pid
        self.pipe = pipe

    def receive(self) -> Any:
        try:
            return pickle.load(self.pipe)
        except EOFError:
            raise RegisterError(
                "the import's second process stopped before the end; nothing was written"
            ) from None


@contextmanager
def _forked(work: Callable[[Send], None]) -> Iterator[_Child]:
    """``work(send)`` run in a forked child, each ``send(message)`` pickled down a pipe
    to this process; the child is stopped (if still running) and reaped when the
    block ends, whichever way."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 1
        try:
            os.close(read_end)
            with os.fdopen(write_end, "wb") as out:

                def send(message: Any) -> None:
                    pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)
                    out.flush()

                try:
                    work(send)
                except BaseException as exc:  # noqa: BLE001 - handed to the parent
                    send(("crashed", _portable(exc)))
            code = 0
        finally:
            os._exit(code)  # no clean-up of what belongs to the parent
    os.close(write_end)
    pipe = os.fdopen(read_end, "rb")
    finished = False
    try:
        yield _Child(pid, pipe)
        finished = True
    finally:
        if not finished:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        pipe.close()
        os.waitpid(pid, 0)


def _portable(exc: BaseException) -> BaseException:
    """``exc`` as it can cross the pipe (pickled), or a RegisterError saying what it was."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:  # noqa: BLE001 - any exception that does not survive pickling
        return RegisterError(f"the import's second process failed: {exc!r}")
    return exc
