"""The audit trail: one entry per create, update, delete, import and restore.

Entries are hash-chained: ``hash = sha256(prev_hash + canonical(entry))``, with the
end of the chain kept in the one-row ``audit_head`` table.  Writers lock that row
(``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's write lock serialises them), so
the chain stays linear under concurrent writers.  ``verify_chain`` finds a changed,
inserted or deleted entry and says where.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from itertools import repeat
from json.encoder import encode_basestring as json_text  # how the encoders above write a str
from typing import Any

from sqlalchemy import func, insert, literal, literal_column, select, update
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from db import risk_states
from db.identity import actor_of
from db.models import AuditEntry, AuditHead, utcnow

_PLAIN = frozenset({str, int, float, bool, type(None)})
# Built once: json.dumps with options builds a new encoder on every call (bulk imports
# write 100,000 entries); the output is the same.
_CHANGES_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))
_DIGEST_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


# Typed column collections for SQL expressions (the model attributes type as plain values).
_ENTRY = AuditEntry.__table__.c  # type: ignore[attr-defined]
_HEAD = AuditHead.__table__.c  # type: ignore[attr-defined]


def to_jsonable(value: Any) -> Any:
    kind = type(value)
    if kind in _PLAIN:  # the common case, answered without the checks below
        return value
    if kind is list:
        return [v if type(v) in _PLAIN else to_jsonable(v) for v in value]
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple, set)):
        return [to_jsonable(v) for v in value]
    if hasattr(value, "value") and isinstance(value.value, str):
        return value.value
    return value


def dumps(changes: dict[str, Any]) -> str:
    return _CHANGES_JSON.encode(changes)


def entry_digest(
    prev_hash: str, at: dt.datetime, actor: str, kind: str, ref: str, action: str, changes: str
) -> str:
    payload = _DIGEST_JSON.encode([prev_hash, to_jsonable(at), actor, kind, ref, action, changes])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def is_given(value: Any) -> bool:
    """Whether a value of a new record is worth a line in its audit entry (not None,
    not "" and not an empty list of links)."""
    return not (value is None or value == "" or value == [])


def creation_changes(columns: Mapping[str, Sequence[Any]]) -> list[str]:
    """The ``changes`` text of the audit entries of new records, one per record.

    ``columns`` maps each field (links by their export name) to its values, one per
    record.  Each text is exactly ``dumps({name: [None, to_jsonable(value)]})`` over
    the values that ``is_given``: keys sorted, no spaces, strings by the encoder's own
    function.  It is assembled column by column, each distinct value of a column
    encoded once, because a bulk import writes 100,000 of them; ``repository.create``
    gives one record's values and gets its one text.
    """
    ordered = sorted(columns.items())
    parts = [_change_parts(name, values) for name, values in ordered]
    # a column given in no record adds nothing to any text
    parts = [column for column in parts if any(column)]
    if not parts:
        return [] if not ordered or not ordered[0][1] else ["{}"] * len(ordered[0][1])
    if "" not in parts[0]:
        # the first key of every text is the same column's: it opens the text
        parts[0] = ["{" + part[1:] for part in parts[0]]
        return list(map("".join, zip(*parts, repeat("}"), strict=False)))
    return ["{" + "".join(row)[1:] + "}" for row in zip(*parts, strict=True)]


# Types whose equal values are the same value (not floats: 0.0 and -0.0; not datetimes).
_EQUAL_MEANS_SAME = frozenset({str, int, dt.date, type(None)})


def _change_parts(name: str, values: Sequence[Any]) -> list[str]:
    """One field's ``,"name":[null,value]`` text for each value ("" when not given)."""
    head = "," + json_text(name) + ":[null,"

    def part(value: Any) -> str:
        if not is_given(value):
            return ""
        kind = value.__class__
        if kind is str:
            return f"{head}{json_text(value)}]"
        if kind is int:
            return f"{head}{int.__repr__(value)}]"
        if kind is float and math.isfinite(value):
            return f"{head}{float.__repr__(value)}]"
        if kind is dt.date:
            return f'{head}"{value.isoformat()}"]'
        if kind is list and all(v.__class__ is str for v in value):
            return head + "[" + ",".join(map(json_text, value)) + "]]"
        return head + dumps(to_jsonable(value)) + "]"  # type: ignore[arg-type]

    types = set(map(type, values))
    if len(types) == 1 and "" not in values and (types == {str} or types == {int}):
        distinct = set(values)
        encode = json_text if types == {str} else int.__repr__
        if len(distinct) * 2 < len(values):  # repeated values: each encoded once
            texts = {value: f"{head}{encode(value)}]" for value in distinct}
            return list(map(texts.__getitem__, values))
        return [f"{head}{text}]" for text in map(encode, values)]  # every value given
    if types <= _EQUAL_MEANS_SAME:
        answers = {value: part(value) for value in set(values)}
        return list(map(answers.__getitem__, values))
    if types <= {list, type(None)}:
        keys = [None if v is None else tuple(v) for v in values]  # lists of refs, as keys
        distinct_lists: set[Any] | None
        try:
            distinct_lists = set(keys)
        except TypeError:  # an item that is no key: not a list of refs
            distinct_lists = None
        if distinct_lists is not None and all(
            key is None or all(x.__class__ is str for x in key) for key in distinct_lists
        ):
            by_key = {key: part(None if key is None else list(key)) for key in distinct_lists}
            return list(map(by_key.__getitem__, keys))
    return [part(value) for value in values]


@dataclass(frozen=True)
class PendingEntry:
    kind: str
    ref: str
    action: str
    changes: dict[str, Any]
    at: dt.datetime | None = None  # when it happened; None = now (history replays set it)


def _lock_head(session: Session) -> AuditHead:
    stmt = select(AuditHead).where(_HEAD.id == 1).with_for_update()
    head = session.execute(stmt).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1)
        session.add(head)
        session.flush()
    return head


def record(
    session: Session, *, actor: str, kind: str, ref: str, action: str, changes: dict[str, Any]
) -> None:
    """Append one audit entry in the caller's transaction."""
    record_many(session, actor=actor, entries=[PendingEntry(kind, ref, action, changes)])


def record_many(session: Session, *, actor: str, entries: Sequence[PendingEntry]) -> int:
    """Append many entries at once, extending the chain in order."""
    if not entries:
        return 0
    at = utcnow()
    return _append(
        session,
        actor,
        [
            (
                entry.at or at,
                entry.kind,
                entry.ref,
                entry.action,
                dumps({k: to_jsonable(v) for k, v in entry.changes.items()}),
            )
            for entry in entries
        ],
    )


def record_encoded(
    session: Session, *, actor: str, kind: str, action: str, items: Sequence[tuple[str, str]]
) -> int:
    """Bulk import: entries of one ``kind`` and ``action``, all stamped now.

    ``items`` are ``(ref, changes)`` with ``changes`` already the JSON text that
    ``dumps`` gives; the chain is extended exactly as ``record_many`` would.
    """
    if not items:
        return 0
    at = utcnow()
    return _append(session, actor, [(at, kind, ref, action, text) for ref, text in items])


# session.info key: the chain's end kept in the client while a bulk write runs
_CHAIN = "risk_tracker.audit_chain"


@dataclass
class _ChainEnd:
    """The head as one bulk write (``chain_kept``) sees it: read and locked once."""

    head: AuditHead
    prev: str
    who: str
    appended: int = 0  # batches appended (the change counter grows by as many)


@contextmanager
def chain_kept(session: Session) -> Iterator[None]:
    """Within this block (one bulk import, in one transaction) ``_append`` locks and
    reads the audit head once, keeps the end of the chain in the client from batch
    to batch, and the head is written once when the block ends without an error
    (with the change counter grown by one per batch, as batch-by-batch appends
    would have left it).  So a batch's entries cost no statement but their own
    insert: nothing waits between batches for the server, whose work on the batch
    before can run meanwhile (``moves_overlapped``).  Inside the block only
    ``_append`` may write to the audit trail."""
    if _CHAIN in session.info:  # an enclosing block already keeps it
        yield
        return
    session.info[_CHAIN] = None  # filled by the first append
    try:
        yield
        end: _ChainEnd | None = session.info.get(_CHAIN)
        if end is not None:
            settle_moves(session.connection())
            _move_head(session, end.head, end.prev, end.appended)
    finally:
        session.info.pop(_CHAIN, None)


def bulk_chain_start(session: Session) -> tuple[AuditHead, str, str]:
    """For entries chained outside this session (``chained``) and inserted in it: the
    head locked, its last hash and the actor stored (see ``_append``).  End with
    ``bulk_chain_end``."""
    head = _lock_head(session)
    return head, head.last_hash, actor_of(session)


def bulk_chain_end(session: Session, head: AuditHead, last_hash: str, appended: int) -> None:
    """The head moved to ``last_hash`` (the last entry inserted) after ``appended``
    batches (the change counter grows by as many, as batch-by-batch appends would)."""
    _move_head(session, head, last_hash, appended)


def _move_head(session: Session, head: AuditHead, last_hash: str, appended: int) -> None:
    last_id = session.execute(select(_ENTRY.id).order_by(_ENTRY.id.desc()).limit(1)).scalar()
    session.execute(
        update(AuditHead)
        .where(_HEAD.id == 1)
        .values(
            last_hash=last_hash,
            last_id=last_id or 0,
            change_counter=_HEAD.change_counter + appended,
        )
    )
    session.expire(head)


def _append(
    session: Session, actor: str, rows: list[tuple[dt.datetime, str, str, str, str]]
) -> int:
    """Hash (``chained``) and insert ``(at, kind, ref, action, changes text)`` rows
    after the head."""
    kept = _CHAIN in session.info
    end: _ChainEnd | None = session.info.get(_CHAIN)
    if end is None:
        head = _lock_head(session)
        # The actor is not the caller's to choose: the login (PostgreSQL stamps it
        # itself, and the hash must cover what it stores) or the OS user; ``actor``
        # is the display name the program was given, kept beside it.
        end = _ChainEnd(head, head.last_hash, actor_of(session))
        if kept:
            session.info[_CHAIN] = end
    params, prev = chained(end.prev, end.who, actor, rows)
    connection = session.connection()
    # the risk-state history follows the risks' entries (``floor``: the last id before)
    history = any(row[1] == risk_states.KIND for row in rows)
    floor = 0
    if history:
        settle_moves(connection)
        floor = session.execute(select(func.max(_ENTRY.id))).scalar() or 0
    insert_tuples(connection, AuditEntry.__table__, ENTRY_KEYS, params)  # type: ignore[attr-defined]
    if history:
        settle_moves(connection)
        risk_states.follow(session, rows, floor=floor)
    end.prev = prev
    end.appended += 1
    if not kept:
        _move_head(session, end.head, prev, end.appended)
    return len(params)


ENTRY_KEYS = (
    "at",
    "actor",
    "actor_name",
    "entity_kind",
    "entity_ref",
    "action",
    "changes",
    "prev_hash",
    "hash",
)


def chained(
    prev: str, who: str, actor: str, rows: Iterable[tuple[dt.datetime, str, str, str, str]]
) -> tuple[list[tuple[Any, ...]], str]:
    """``(at, kind, ref, action, changes text)`` rows as audit entries (values of
    ``ENTRY_KEYS``) chained after the hash ``prev``: (entries, the last hash).

    ``who`` is the actor stored (the login or the OS user), ``actor`` the name the
    program was given (kept beside it when it differs).  The digest is
    ``entry_digest`` spelled out: the JSON array of the seven values with each string
    encoded by the encoder's own function, so that the constant parts (time, actor,
    kind, action) are encoded once per run of equal values rather than once per
    entry.  It touches no database, so the rows of a bulk import can be chained
    wherever they are built (``db.importexport.offload``)."""
    return _chained(prev, who, actor, rows, apart=False)


# The columns of each entry of ``chained_apart``; the others are its constants.
APART_KEYS = ("entity_ref", "changes", "prev_hash", "hash")


def chained_apart(
    prev: str,
    who: str,
    actor: str,
    at: dt.datetime,
    kind: str,
    action: str,
    items: Iterable[tuple[str, str]],
) -> tuple[dict[str, Any], list[tuple[str, str, str, str]], str]:
    """``chained`` for entries that share their time, kind and action, ``items``
    being ``(ref, changes text)``: (the columns every entry shares, each entry's
    ``APART_KEYS`` values, the last hash).  The same entries and digests as
    ``chained``; what they share is given once (``positional_insert``'s constants)."""
    entries, last = _chained(
        prev, who, actor, [(at, kind, ref, action, text) for ref, text in items], apart=True
    )
    shared = {
        "at": at,
        "actor": who,
        "actor_name": _shown(who, actor),
        "entity_kind": kind,
        "action": action,
    }
    return shared, entries, last


def _shown(who: str, actor: str) -> str:
    return "" if actor == who else actor[:200]


def _chained(
    prev: str,
    who: str,
    actor: str,
    rows: Iterable[tuple[dt.datetime, str, str, str, str]],
    *,
    apart: bool,
) -> tuple[list[Any], str]:
    shown = _shown(who, actor)
    quote = json_text
    sha256 = hashlib.sha256
    actor_q = quote(who)
    params: list[tuple[Any, ...]] = []
    add = params.append
    last_key: tuple[Any, ...] | None = None
    middle = suffix = ""
    for when, kind, ref, action, text in rows:
        key = (when, kind, action)
        if key != last_key:
            last_key = key
            middle = f",{quote(to_jsonable(when))},{actor_q},{quote(kind)},"
            suffix = f",{quote(action)},"
        digest = sha256(
            f"[{quote(prev)}{middle}{quote(ref)}{suffix}{quote(text)}]".encode()
        ).hexdigest()
        if apart:
            add((ref, text, prev, digest))
        else:
            add((when, who, shown, kind, ref, action, text, prev, digest))
        prev = digest
    return params, prev


def positional_insert(
    dialect: Any, table: Any, keys: Sequence[str], constants: Mapping[str, Any] | None = None
) -> tuple[str, Callable[[list[tuple[Any, ...]]], list[tuple[Any, ...]]]] | None:
    """The ``INSERT`` of the ``keys`` columns of ``table`` compiled once for a driver
    with positional parameters, and the function that turns rows (tuples of the
    ``keys`` values) into its parameters: each value through its column type's bind
    processor, each distinct value once (see ``insert_tuples``).  None for a driver
    with named parameters.

    ``constants`` are columns with one value for every row (a batch's time stamp,
    its actor): written into the statement once as SQL literals (``sql_literal``)
    rather than carried, built, sent and bound in every row."""
    statement = insert(table)
    if constants:
        statement = statement.values(
            {
                name: literal_column(sql_literal(dialect, table.c[name], value))
                for name, value in constants.items()
            }
        )
    compiled: Any = statement.compile(dialect=dialect, column_keys=list(keys))
    order = list(compiled.positiontup or ())
    if sorted(order) != sorted(keys):
        return None
    position = [list(keys).index(name) for name in order]
    processors = [
        (i, process)
        for i, name in enumerate(keys)
        if (process := table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) is not None
    ]

    def parameters(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        if not rows or (not processors and position == list(range(len(keys)))):
            return rows
        # Column by column: each distinct value is processed once (dates repeat).
        columns: list[Any] = list(zip(*rows, strict=True))
        for i, process in processors:
            columns[i] = _processed(columns[i], process)
        return list(zip(*[columns[i] for i in position], strict=True))

    return compiled.string, parameters


def sql_literal(dialect: Any, column: Any, value: Any) -> str:
    """``value`` of ``column`` as an SQL literal that stores what binding it would:
    through the column type's bind processor (a time stamp becomes the text the
    driver would be given), then rendered and quoted by the dialect itself."""
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    if value is not None and process is not None:
        value = process(value)
    if isinstance(value, str) and "\x00" in value:
        # no statement may hold a NUL; a bound text may, so the text is joined around it
        pieces = [_rendered(dialect, piece) for piece in value.split("\x00")]
        return "(" + " || char(0) || ".join(pieces) + ")"
    return _rendered(dialect, value)


def _rendered(dialect: Any, value: Any) -> str:
    text: str = (
        literal(value).compile(dialect=dialect, compile_kwargs={"literal_binds": True}).string
    )
    return text


def insert_tuples(
    connection: Any, table: Any, keys: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """``INSERT`` executemany of ``rows`` (tuples of the ``keys`` columns, in that order).

    The statement is compiled once by SQLAlchemy Core and each value goes through its
    column type's own bind processor, as ``Connection.execute`` would do, but without
    the per-row dictionaries and bookkeeping of the generic path (which cost more
    than the database's own work at 100,000 rows).  A value that appears more than
    once in a column (a date, a shared time stamp) is processed once.  On PostgreSQL
    the rows go through ``COPY`` (``copy_tuples``); on any other driver with named
    parameters the generic path is taken.
    """
    if not rows:
        return
    dialect = connection.dialect
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        copy_tuples(connection, table, keys, rows)
        return
    prepared = positional_insert(dialect, table, keys)
    if prepared is None:
        connection.execute(insert(table), [dict(zip(keys, row, strict=True)) for row in rows])
        return
    statement, parameters = prepared
    connection.exec_driver_sql(statement, parameters(rows))


# connection.info key: table name -> row_security_active, kept while a bulk write runs
_RLS_ANSWERS = "risk_tracker.row_security_active"


def row_security_active(connection: Any, table_name: str) -> bool:
    """Whether row-level security applies to this session's writes into the table (a
    team member's, not the owner's): PostgreSQL refuses ``COPY FROM`` there, so
    ``copy_tuples`` stages those rows first.  Inside ``row_security_remembered`` the
    server is asked once per table, not once per batch."""
    answers: dict[str, bool] | None = connection.info.get(_RLS_ANSWERS)
    if answers is not None and table_name in answers:
        return answers[table_name]
    active = bool(
        connection.exec_driver_sql(
            "SELECT row_security_active(%(t)s::regclass)", {"t": table_name}
        ).scalar()
    )
    if answers is not None:
        answers[table_name] = active
    return active


@contextmanager
def row_security_remembered(connection: Any) -> Iterator[None]:
    """Within this block (one import, in one transaction), ``row_security_active``
    is answered once per table: the policies of a table do not change under a
    transaction that is writing into it."""
    if _RLS_ANSWERS in connection.info:  # an enclosing block already remembers
        yield
        return
    connection.info[_RLS_ANSWERS] = {}
    try:
        yield
    finally:
        connection.info.pop(_RLS_ANSWERS, None)


# connection.info key: the worker moving staged rows while a bulk write runs
_MOVES = "risk_tracker.moves_overlapped"


class _Mover:
    """One worker thread running the staged path's ``INSERT ... SELECT`` on the
    connection while the caller prepares the next batch: the server's work on one
    batch and the client's on the next overlap.  One move at a time, in the order
    given; psycopg waits for the server with the GIL released, and its connection
    lock keeps any other statement out meanwhile.

    The server should not wait on the caller's Python: ``start`` returns only once
    the worker has the statements and is sending them.  A worker left to take the
    GIL from a caller busy with its next batch sent each move up to a switch
    interval (5 ms) late or more; a 100,000-row import by a team member has 40 moves
    and more.  For the same reason a move is one statement (the stage is emptied by
    the caller before the next batch, not by the worker after the move)."""

    def __init__(self, raw: Any, error: type[Exception]):
        self.raw = raw
        self.error = error
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="risk-move")
        self.running: Future[None] | None = None

    def _run(self, statements: Sequence[str], sending: threading.Event) -> None:
        try:
            with self.raw.cursor() as cursor:
                sending.set()
                for statement in statements:
                    try:
                        cursor.execute(statement)
                    except self.error as exc:  # as SQLAlchemy reports a failed INSERT
                        raise DBAPIError.instance(statement, None, exc, self.error) from None
        finally:
            sending.set()  # whatever happened, the caller is not left waiting

    def start(self, statements: Sequence[str]) -> None:
        self.wait()
        sending = threading.Event()
        self.running = self.pool.submit(self._run, statements, sending)
        sending.wait()  # the GIL goes to the worker now, not at the next switch

    def wait(self) -> None:
        """Until the move under way (if any) is done; its error, if it failed."""
        running, self.running = self.running, None
        if running is not None:
            running.result()


@contextmanager
def moves_overlapped(connection: Any) -> Iterator[None]:
    """Within this block (PostgreSQL through psycopg), ``copy_tuples`` returns once a
    staged batch is in its staging table: the ``INSERT ... SELECT`` that moves it
    into the real table runs in a worker thread, on the same connection and in the
    same transaction, while the caller computes its next batch; the next
    ``copy_tuples`` (or ``settle_moves``) waits for it first, and raises its error.
    The block waits for the last move before it ends; an error still reaches the
    caller, and the transaction, rolled back, takes every batch with it.  Any other
    statement on the connection inside the block must come after ``settle_moves``.
    """
    dialect = connection.dialect
    if dialect.name != "postgresql" or dialect.driver != "psycopg" or _MOVES in connection.info:
        yield
        return
    mover = _Mover(connection.connection.driver_connection, dialect.loaded_dbapi.Error)
    connection.info[_MOVES] = mover
    try:
        try:
            yield
        except DBAPIError as exc:
            # a statement after a failed move fails only because the move did: say why
            try:
                mover.wait()
            except DBAPIError as moved:
                raise moved from exc
            raise
        except BaseException:
            with suppress(Exception):  # rolled back anyway: the first error is the one
                mover.wait()
            raise
        mover.wait()
    finally:
        connection.info.pop(_MOVES, None)
        mover.pool.shutdown(wait=True)


def settle_moves(connection: Any) -> None:
    """Wait for the move ``moves_overlapped`` has under way, if any (raising its error)."""
    mover: _Mover | None = connection.info.get(_MOVES)
    if mover is not None:
        mover.wait()


def copy_tuples(
    connection: Any, table: Any, keys: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """``COPY table (keys) FROM STDIN`` of ``rows`` in the connection's own transaction
    (PostgreSQL through psycopg): the engine's bulk path, several times faster than
    any ``INSERT``.  Values go through their column type's bind processor first, as
    an ``INSERT`` would send them; psycopg writes each in PostgreSQL's text form.

    Where row-level security binds this session (a team member), PostgreSQL refuses
    ``COPY FROM`` into the table: the rows are copied into a temporary table of the
    same columns (private to the session, dropped at commit) and moved with one
    ``INSERT ... SELECT`` in their original order, so the server checks the policies,
    fires the triggers and gives the ids exactly as for rows inserted one by one.
    Inside ``moves_overlapped`` that move runs while the caller goes on.
    """
    dialect = connection.dialect
    columns: list[Any] = list(zip(*rows, strict=True))
    changed = False
    for i, name in enumerate(keys):
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            columns[i] = _processed(columns[i], process)
            changed = True
    if changed:
        rows = list(zip(*columns, strict=True))
    quote = dialect.identifier_preparer
    target = quote.format_table(table)
    names = ", ".join(quote.quote(k) for k in keys)
    mover: _Mover | None = connection.info.get(_MOVES)
    if mover is not None:
        mover.wait()  # the batch before is in (and its stage free)
    raw = connection.connection.driver_connection
    staged = row_security_active(connection, table.name)
    oids = _binary_types(connection, table.name, keys, columns)
    form = "" if oids is None else " (FORMAT BINARY)"
    statement = f"COPY {target} ({names}) FROM STDIN{form}"
    try:
        with raw.cursor() as cursor:
            if not staged:
                with cursor.copy(statement) as copy:
                    if oids is not None:
                        copy.set_types(oids)
                    write = copy.write_row
                    for row in rows:
                        write(row)
                return
            # one staging table per table and set of columns, reused by later batches
            tag = hashlib.sha256(names.encode()).hexdigest()[:8]
            stage = "pg_temp." + quote.quote(f"risk_stage_{table.name}_{tag}")
            shape = f"SELECT 0::bigint AS risk_row, {names} FROM {target}"  # noqa: S608 - quoted model names
            statement = (
                f"CREATE TEMP TABLE IF NOT EXISTS {stage} ON COMMIT DROP AS {shape} WITH NO DATA;\n"
                f"TRUNCATE {stage}"  # the batch before is in: its rows go (one round trip)
            )
            cursor.execute(statement)
            statement = f"COPY {stage} (risk_row, {names}) FROM STDIN{form}"
            with cursor.copy(statement) as copy:
                if oids is not None:
                    copy.set_types([_INT8, *oids])
                write = copy.write_row
                for n, row in enumerate(rows):
                    write((n, *row))
            # the stage is emptied by the next batch (above), not by the move: the worker
            # would wait for the GIL again between the two statements, the server idle
            moves = [
                f"INSERT INTO {target} ({names}) SELECT {names} FROM {stage} ORDER BY risk_row",  # noqa: S608 - quoted model names
            ]
            if mover is not None:
                mover.start(moves)
                return
            for statement in moves:
                cursor.execute(statement)
    except dialect.loaded_dbapi.Error as exc:  # as SQLAlchemy reports a failed INSERT
        raise DBAPIError.instance(statement, None, exc, dialect.loaded_dbapi.Error) from None


# Column types whose values COPY sends in PostgreSQL's binary form (less work on both
# sides than text: no number or date to print and parse again), with the exact Python
# types psycopg writes in that form; a column of any other type, or holding any other
# value (a bool among ints, a naive time), sends the whole COPY in the text form.
_INT8 = 20
_BINARY: dict[int, frozenset[type]] = {
    16: frozenset({bool}),
    20: frozenset({int}),  # int8
    21: frozenset({int}),  # int2
    23: frozenset({int}),  # int4
    25: frozenset({str}),  # text
    701: frozenset({float}),  # float8
    1043: frozenset({str}),  # varchar
    1082: frozenset({dt.date}),
    1184: frozenset({dt.datetime}),  # timestamptz: aware values only
}


def _binary_types(
    connection: Any, table_name: str, keys: Sequence[str], columns: Sequence[Sequence[Any]]
) -> list[int] | None:
    """The type oids of the ``keys`` columns of the table when every value may go in
    the binary form (see ``_BINARY``); None for the text form."""
    live = dict(
        connection.exec_driver_sql(
            "SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %(t)s::regclass "
            "AND attnum > 0 AND NOT attisdropped",
            {"t": table_name},
        ).all()
    )
    oids: list[int] = []
    for key, column in zip(keys, columns, strict=True):
        oid = int(live.get(key) or 0)
        allowed = _BINARY.get(oid)
        if allowed is None:
            return None
        kinds = set(map(type, column))  # of every value: True == 1 in a set of values
        kinds.discard(type(None))
        if not kinds <= allowed:
            return None
        if oid == 1184 and any(v is not None and v.utcoffset() is None for v in set(column)):
            return None
        oids.append(oid)
    return oids


def _processed(column: Sequence[Any], process: Any) -> list[Any]:
    """``process`` applied to each value of a column (None stays None), once per value.

    Values that compare equal are processed once when equality means "the same
    value" for these types (dates, text, whole numbers: not 0.0 and -0.0, nor two
    aware datetimes at the same instant in different zones); otherwise a value is
    reused only when it is the very object of the row before (a shared time stamp).
    """
    if set(map(type, column)) <= _EQUAL_MEANS_SAME:
        done = {value: process(value) for value in set(column) if value is not None}
        return list(map(done.get, column))
    if column and len(set(map(id, column))) == 1:  # one object throughout (a time stamp)
        first = column[0]
        return [None if first is None else process(first)] * len(column)
    out: list[Any] = []
    last_in: Any = out  # matches nothing
    last_out: Any = None
    for value in column:
        if value is None:
            out.append(None)
            continue
        if value is not last_in:
            last_in, last_out = value, process(value)
        out.append(last_out)
    return out


def change_counter(session: Session) -> int:
    """Grows with every write; views poll it to notice other users' changes."""
    value = session.execute(select(_HEAD.change_counter).where(_HEAD.id == 1)).scalar()
    return int(value or 0)


@dataclass(frozen=True)
class ChainProblem:
    position: int  # 1-based position in the chain
    entry_id: int | None
    message: str

    def __str__(self) -> str:
        where = f"entry #{self.entry_id}" if self.entry_id is not None else "end of chain"
        return f"audit chain position {self.position} ({where}): {self.message}"


def verify_chain(session: Session, *, batch: int = 5000, linked: bool = True) -> list[ChainProblem]:
    """Recompute the chain and report every break (changed, inserted or deleted entry).

    ``linked=False`` (a member of a PostgreSQL team who is not cleared to see every
    entry): each visible entry's hash is checked against its content, but not the
    links between entries nor the end of the chain, since the entries in between may
    be hidden by the member's clearance.  The full check is for the owner and for
    members cleared to the highest level.

    The end of the chain is checked against ``audit_head``: entries missing at the end
    (deleted), entries added after it outside the application, or the head row itself
    deleted.  (A keyless chain cannot catch someone who recomputes every hash after
    the edit and rewrites the head too; it catches every plain edit with SQL.)
    """
    problems: list[ChainProblem] = []
    prev = ""
    position = 0
    last_id = 0
    cols = (
        _ENTRY.id,
        _ENTRY.at,
        _ENTRY.actor,
        _ENTRY.entity_kind,
        _ENTRY.entity_ref,
        _ENTRY.action,
        _ENTRY.changes,
        _ENTRY.prev_hash,
        _ENTRY.hash,
    )
    head_stmt = select(_HEAD.last_id, _HEAD.last_hash).where(_HEAD.id == 1)
    # On PostgreSQL each statement sees new commits: if entries were appended while
    # the walk ran, walk on to the head read afterwards (a few rounds at most).
    for _round in range(10):
        while True:
            rows = session.execute(
                select(*cols).where(_ENTRY.id > last_id).order_by(_ENTRY.id).limit(batch)
            ).all()
            if not rows:
                break
            for row in rows:
                position += 1
                last_id = row.id
                if linked and row.prev_hash != prev:
                    problems.append(
                        ChainProblem(
                            position,
                            row.id,
                            "does not follow the entry before it (an entry was deleted or inserted here)",
                        )
                    )
                digest = entry_digest(
                    row.prev_hash,
                    row.at,
                    row.actor,
                    row.entity_kind,
                    row.entity_ref,
                    row.action,
                    row.changes,
                )
                if digest != row.hash:
                    problems.append(
                        ChainProblem(
                            position, row.id, "its content was changed after it was written"
                        )
                    )
                prev = row.hash
        head = session.execute(head_stmt).first()
        if head is None or head.last_id <= last_id:
            break
    if not linked:
        return problems
    if head is None:
        if position:
            problems.append(
                ChainProblem(position + 1, None, "the record of where the chain ends was deleted")
            )
        return problems
    if head.last_hash == prev:
        return problems
    if head.last_id < last_id:
        end_hash = (
            session.execute(select(_ENTRY.hash).where(_ENTRY.id == head.last_id)).scalar()
            if head.last_id
            else ""
        )
        if end_hash == head.last_hash:
            extra, first_extra = session.execute(
                select(func.count(), func.min(_ENTRY.id)).where(_ENTRY.id > head.last_id)
            ).one()
            problems.append(
                ChainProblem(
                    position - int(extra) + 1,
                    first_extra,
                    f"{extra} entr{'y was' if extra == 1 else 'ies were'} added after the end of "
                    "the chain, outside the application (inserted)",
                )
            )
            return problems
    problems.append(
        ChainProblem(position + 1, None, "the last entries of the chain are missing (deleted)")
    )
    return problems


def history(
    session: Session, *, kind: str | None = None, ref: str | None = None
) -> list[AuditEntry]:
    stmt = select(AuditEntry).order_by(_ENTRY.id)
    if kind:
        stmt = stmt.where(_ENTRY.entity_kind == kind)
    if ref:
        stmt = stmt.where(_ENTRY.entity_ref == ref)
    return list(session.execute(stmt).scalars())


def parse_changes(entry: AuditEntry) -> dict[str, list[Any]]:
    data = json.loads(entry.changes or "{}")
    return data if isinstance(data, dict) else {}


def iter_entries(
    entries: Iterable[AuditEntry],
) -> Iterable[tuple[AuditEntry, dict[str, list[Any]]]]:
    for entry in entries:
        yield entry, parse_changes(entry)
