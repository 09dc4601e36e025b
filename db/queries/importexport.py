"""Queries of CSV/XLSX import and export (``db.importexport``).

Keyword-only functions taking the session explicitly; long lists of keys are sent in
chunks so that no statement exceeds a backend's parameter limit.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy import bindparam, func, insert, inspect, literal, select, text, update
from sqlalchemy.orm import aliased
from sqlmodel import Session

from db.audit import insert_tuples as _insert_tuples
from db.audit import row_security_remembered
from db.models import AuditEntry, Event, RiskCommentary
from db.repository import LinkSpec, spec
from db.search_index import (
    SEARCHED,
    SearchedKind,
    sqlite_index_rows_after,
    sqlite_insert_trigger,
)

CHUNK = 900  # keys per IN (...) list: below SQLite's historic 999-parameter limit
_UNSET = object()


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def ids_by_ref(session: Session, *, kind: str, refs: Iterable[str]) -> dict[str, int]:
    """Existing records of ``kind`` among ``refs``: ref -> id."""
    table: Any = spec(kind).table
    out: dict[str, int] = {}
    for chunk in _chunks(sorted(set(refs))):
        for ref, record_id in session.execute(
            select(table.ref, table.id).where(table.ref.in_(chunk))
        ):
            out[ref] = record_id
    return out


def ids_by_name_key(
    session: Session, *, kind: str, keys: Iterable[str]
) -> dict[str, tuple[int, str]]:
    """Stakeholders or partnerships whose case-folded name is in ``keys``: key -> (id, ref)."""
    table: Any = spec(kind).table
    out: dict[str, tuple[int, str]] = {}
    for chunk in _chunks(sorted(set(keys))):
        stmt = select(table.name_key, table.id, table.ref).where(table.name_key.in_(chunk))
        for key, record_id, ref in session.execute(stmt):
            out[key] = (record_id, ref)
    return out


def risk_titles(session: Session) -> list[tuple[int, str, str]]:
    """Every risk as (id, ref, title): risks are found by title, which is not unique."""
    table: Any = spec("risk").table
    return [tuple(row) for row in session.execute(select(table.id, table.ref, table.title))]  # type: ignore[misc]


def refs_ever_used(session: Session, *, kind: str, refs: Iterable[str]) -> set[str]:
    """Refs among ``refs`` that the audit trail knows (records since deleted included)."""
    entry: Any = AuditEntry
    out: set[str] = set()
    for chunk in _chunks(sorted(set(refs))):
        stmt = (
            select(entry.entity_ref)
            .where(entry.entity_kind == kind, entry.entity_ref.in_(chunk))
            .distinct()
        )
        out.update(session.execute(stmt).scalars())
    return out


def max_id(session: Session, *, kind: str) -> int:
    table: Any = spec(kind).table
    return int(session.execute(select(func.max(table.id))).scalar() or 0)


def ids_after(session: Session, *, kind: str, after_id: int, refs: set[str]) -> dict[str, int]:
    """Ids of the records among ``refs`` inserted after ``after_id``: ref -> id."""
    table: Any = spec(kind).table
    stmt = select(table.ref, table.id).where(table.id > after_id)
    return {ref: record_id for ref, record_id in session.execute(stmt) if ref in refs}


def insert_rows(session: Session, *, kind: str, rows: Sequence[dict[str, Any]]) -> None:
    """Core ``INSERT`` executemany of ready-made rows (the bulk path); all rows share keys.

    The statement is compiled by SQLAlchemy Core once and each value goes through its
    column type's own bind processor, as ``Connection.execute`` would do; what is
    skipped is the per-row bookkeeping of the generic path, which costs more than
    the database's own work at 100,000 rows.  Repeated values (the shared
    ``created_at``) are processed once.
    """
    if not rows:
        return
    table: Any = spec(kind).table.__table__  # type: ignore[attr-defined]
    connection = session.connection()
    dialect = connection.dialect
    keys = list(rows[0])
    compiled: Any = insert(table).compile(dialect=dialect, column_keys=keys)
    order = list(compiled.positiontup or ())
    if not order or set(order) != set(keys):  # a named-parameter driver: the generic path
        connection.execute(insert(table), list(rows))
        return
    processors = [
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in order
    ]
    take = itemgetter(*order)
    converted = [(i, process) for i, process in enumerate(processors) if process is not None]
    params: list[Any] = [take(row) for row in rows]
    if converted:
        last_in: list[Any] = [_UNSET] * len(order)
        last_out: list[Any] = [None] * len(order)
        for n, values in enumerate(params):
            values = list(values)
            for i, process in converted:
                value = values[i]
                if value is None:
                    continue
                if value is not last_in[i]:
                    last_in[i], last_out[i] = value, process(value)
                values[i] = last_out[i]
            params[n] = tuple(values)
    connection.exec_driver_sql(compiled.string, params)


def insert_tuples(
    session: Session, *, kind: str, keys: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """``INSERT`` executemany of rows given as tuples of the ``keys`` columns (the bulk path)."""
    table: Any = spec(kind).table.__table__  # type: ignore[attr-defined]
    _insert_tuples(session.connection(), table, keys, rows)


def numbered_on(session: Session, *, kind: str, after_id: int, count: int) -> bool:
    """Whether the records above ``after_id`` are exactly ``count`` rows numbered
    ``after_id + 1`` onwards: what SQLite gives rows inserted one after another into a
    table without AUTOINCREMENT while the import holds the write lock."""
    table: Any = spec(kind).table
    found = session.execute(
        select(func.count(), func.min(table.id), func.max(table.id)).where(table.id > after_id)
    ).one()
    return tuple(found) == (count, after_id + 1, after_id + count) or count == found[0] == 0


def new_ids(session: Session, *, kind: str, after_id: int, refs: Sequence[str]) -> dict[str, int]:
    """Ids of the records just inserted (in ``refs`` order) after ``after_id``: ref -> id.

    SQLite gives a new row of a table without AUTOINCREMENT the id one above the
    largest, and the import holds the write lock, so the ids are ``after_id + 1``
    onwards in insertion order; that is checked (count, lowest and highest id) rather
    than assumed, and anything else is read back.
    """
    if (
        session.get_bind().dialect.name == "sqlite"
        and refs
        and numbered_on(session, kind=kind, after_id=after_id, count=len(refs))
    ):
        return dict(zip(refs, range(after_id + 1, after_id + 1 + len(refs)), strict=True))
    return ids_after(session, kind=kind, after_id=after_id, refs=set(refs))


# Below this many new rows the indexes are kept up row by row.
REBUILD_MIN_ROWS = 5000


@dataclass
class BulkWrite:
    """A bulk write under way (``bulk_writing``)."""

    connection: Any
    paused: tuple[SearchedKind, int] | None = None  # SQLite: (kind, indexed up to id)

    def catch_up(self) -> None:
        """Index for search the rows written so far, now rather than when the block
        ends (SQLite, while the insert trigger is set aside): a writer with time on
        its hands between batches leaves less for the end."""
        if self.paused is None:
            return
        item, after = self.paused
        highest = self.connection.exec_driver_sql(
            f"SELECT max(id) FROM {item.table_name}"  # noqa: S608 - identifiers from SEARCHED
        ).scalar()
        if highest is not None and highest > after:
            self.connection.execute(text(sqlite_index_rows_after(item)), {"after": after})
            self.paused = (item, int(highest))


@contextmanager
def bulk_writing(
    session: Session, *, kind: str, rows: int, keep: Collection[str] = ()
) -> Iterator[BulkWrite]:
    """Set the engine up for a bulk insert of ``rows`` records of ``kind`` (as many
    audit entries, and their link rows) in this transaction.

    * SQLite: a larger page cache while it runs (index pages stay in memory instead
      of being spilled to the WAL and read back); the old size is put back after.
    * For each of these tables that holds fewer rows than are coming, its plain
      (non-unique) indexes are dropped and built again after the insert: both
      engines build an index from sorted keys several times faster than they insert
      the same keys one by one.  Only indexes whose definition in the database is
      exactly the model's are touched, and they are re-created from the model, so
      the schema is the same before and after.  On PostgreSQL the search indexes
      and a link table's foreign key to the imported records go too, and are put
      back from the server's own definitions (``_drop_server_extras``).  It is all
      in the import's transaction (DDL is transactional on both): a crash or an
      error rolls the drop back with everything else.  A large register keeps its indexes and is updated
      row by row.  On PostgreSQL the dropped indexes' table is locked against
      readers until the import commits; that only happens to a (nearly) empty table,
      and only when the session owns the table (a team member may not drop the
      owner's indexes: a member's import keeps them and updates them row by row).
    * PostgreSQL: whether row-level security binds the session is asked once per
      table for the whole import (``db.audit.row_security_remembered``).
    * SQLite, from ``REBUILD_MIN_ROWS`` rows on, whatever the table's size: the search
      index's insert trigger (``db.search_index``) is set aside and the new rows are
      indexed in one statement at the end instead.  Row by row, that trigger costs
      several times the insert itself.  The trigger is dropped only when its text is
      exactly the model's, and is created again from that same text; the drop, the
      catch-up and the re-creation are in the import's transaction, so the index and
      the table are never out of step for anyone else, nor after a crash.  Inside the
      block only new rows of ``kind`` are written (never an update of their searched
      columns), which is what makes "every id above the highest before" exact.
      ``BulkWrite.catch_up`` indexes the rows written so far before the end.

    ``keep`` names indexes kept up row by row even so (a writer that has time
    between batches: ``db.importexport.offload``).
    """
    connection = session.connection()
    is_sqlite = connection.dialect.name == "sqlite"
    cache = -2000  # SQLite's default
    if is_sqlite:
        cache = connection.exec_driver_sql("PRAGMA cache_size").scalar() or cache
        connection.exec_driver_sql("PRAGMA cache_size = -65536")  # 64 MiB
    rebuilt: list[Any] = []
    put_back: list[str] = []  # PostgreSQL: statements that re-create what else was dropped
    try:
        with row_security_remembered(connection):
            if rows >= REBUILD_MIN_ROWS:
                own = spec(kind).table.__table__  # type: ignore[attr-defined]
                links = [link.table.__table__ for link in spec(kind).links]  # type: ignore[attr-defined]
                for table in [own, AuditEntry.__table__, *links]:  # type: ignore[attr-defined]
                    # counted up to ``rows`` only: a large table is not scanned to the end
                    existing = int(
                        session.execute(
                            select(func.count()).select_from(
                                select(literal(1)).select_from(table).limit(rows).subquery()
                            )
                        ).scalar()
                        or 0
                    )
                    if existing < rows and _owns(connection, table):
                        rebuilt += _drop_plain_indexes(connection, table, keep)
                        if connection.dialect.name == "postgresql":
                            put_back += _drop_server_extras(
                                connection, table, own if table in links else None
                            )
            bulk = BulkWrite(
                connection,
                _pause_search_trigger(connection, kind)
                if is_sqlite and rows >= REBUILD_MIN_ROWS
                else None,
            )
            yield bulk
            for index in rebuilt:
                index.create(bind=connection)
            for statement in put_back:
                connection.exec_driver_sql(statement)
            if bulk.paused is not None:
                _resume_search_trigger(connection, *bulk.paused)
    finally:
        if is_sqlite:
            connection.exec_driver_sql(f"PRAGMA cache_size = {int(cache)}")


def _owns(connection: Any, table: Any) -> bool:
    """Whether this session may drop and create the table's indexes (SQLite: always;
    PostgreSQL: the table's owner, or a superuser)."""
    if connection.dialect.name != "postgresql":
        return True
    return bool(
        connection.exec_driver_sql(
            "SELECT pg_has_role(relowner, 'USAGE') FROM pg_class WHERE oid = %(t)s::regclass",
            {"t": table.name},
        ).scalar()
    )


def _drop_server_extras(connection: Any, table: Any, referenced: Any | None) -> list[str]:
    """PostgreSQL, after ``_drop_plain_indexes``: drop what else makes each new row
    expensive and can be built again from the whole table at once; returns the
    statements that put each back exactly as it was (the server's own definitions).

    * The table's other non-unique indexes that back no constraint: the search
      indexes of migration 0007 (GIN over the text vector and the title's trigrams),
      which cost more per row than everything else in the table.
    * On a link table (``referenced`` is the imported kind's table): its foreign key
      to that table, which locks each new record once per link row; re-adding it
      checks every link row with one join.
    """
    quote = connection.dialect.identifier_preparer
    name = quote.format_table(table)
    indexes = connection.exec_driver_sql(
        "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %(t)s::regclass "
        "AND NOT i.indisunique AND i.indisvalid AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) ORDER BY c.relname",
        {"t": table.name},
    ).all()
    put_back: list[str] = []
    for index_name, definition in indexes:
        connection.exec_driver_sql(f"DROP INDEX {quote.quote(index_name)}")
        put_back.append(definition)
    if referenced is not None:
        keys = connection.exec_driver_sql(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %(t)s::regclass AND confrelid = %(r)s::regclass "
            "AND contype = 'f' ORDER BY conname",
            {"t": table.name, "r": referenced.name},
        ).all()
        for key_name, definition in keys:
            connection.exec_driver_sql(
                f"ALTER TABLE {name} DROP CONSTRAINT {quote.quote(key_name)}"
            )
            put_back.append(
                f"ALTER TABLE {name} ADD CONSTRAINT {quote.quote(key_name)} {definition}"
            )
    return put_back


def _pause_search_trigger(connection: Any, kind: str) -> tuple[SearchedKind, int] | None:
    """SQLite: drop ``kind``'s search insert trigger if it is exactly the model's;
    (its kind, the highest id now) to catch up from, or None (left as it is)."""
    item = next((i for i in SEARCHED if i.kind == kind), None)
    if item is None:
        return None
    name, sql = sqlite_insert_trigger(item)
    live = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (name,)
    ).scalar()
    if live != sql:
        return None
    connection.exec_driver_sql(f"DROP TRIGGER {name}")
    after = connection.exec_driver_sql(f"SELECT max(id) FROM {item.table_name}").scalar()  # noqa: S608 - identifiers from SEARCHED
    return item, int(after or 0)


def _resume_search_trigger(connection: Any, item: SearchedKind, after: int) -> None:
    """Index the rows written since ``_pause_search_trigger`` and put the trigger back."""
    connection.execute(text(sqlite_index_rows_after(item)), {"after": after})
    connection.exec_driver_sql(sqlite_insert_trigger(item)[1])


def _drop_plain_indexes(connection: Any, table: Any, keep: Collection[str] = ()) -> list[Any]:
    live = {
        ix["name"]: (tuple(ix["column_names"]), bool(ix["unique"]))
        for ix in inspect(connection).get_indexes(table.name)
    }
    dropped = []
    for index in sorted(table.indexes, key=lambda ix: ix.name):
        shape = (tuple(c.name for c in index.columns), bool(index.unique))
        if not index.unique and index.name not in keep and live.get(index.name) == shape:
            index.drop(bind=connection)
            dropped.append(index)
    return dropped


def insert_links(session: Session, *, link: LinkSpec, pairs: Sequence[tuple[int, int]]) -> None:
    """Rows of a many-to-many link table: (this record's id, the linked record's id)."""
    table: Any = link.table.__table__  # type: ignore[attr-defined]
    if pairs:
        _insert_tuples(session.connection(), table, (link.own_col, link.other_col), list(pairs))


def set_reference(
    session: Session, *, kind: str, field: str, pairs: Sequence[tuple[int, int]]
) -> None:
    """Point ``field`` of each record at another record: (record id, target id) pairs."""
    table: Any = spec(kind).table.__table__  # type: ignore[attr-defined]
    if not pairs:
        return
    stmt = update(table).where(table.c.id == bindparam("rid")).values({field: bindparam("target")})
    session.connection().execute(stmt, [{"rid": rid, "target": target} for rid, target in pairs])


# --------------------------------------------------------------------------- export


def count_records(session: Session, *, kind: str, ids: Sequence[int] | None = None) -> int:
    table: Any = spec(kind).table
    if ids is None:
        return int(session.execute(select(func.count()).select_from(table)).scalar() or 0)
    wanted = sorted(set(ids))
    total = 0
    for chunk in _chunks(wanted):
        total += int(session.execute(select(func.count()).where(table.id.in_(chunk))).scalar() or 0)
    return total


def record_batches(
    session: Session, *, kind: str, ids: Sequence[int] | None = None, batch: int = 2000
) -> Iterator[list[Any]]:
    """Records of ``kind`` in id order (keyset pagination), or those in ``ids`` in the
    order given (an export of the rows a register shows), ``batch`` at a time."""
    table: Any = spec(kind).table.__table__  # type: ignore[attr-defined]
    rows_of: Any = _with_commentary(table) if kind == "risk" else select(table)
    if ids is not None:
        wanted = list(dict.fromkeys(ids))
        for chunk in _chunks(wanted, min(batch, CHUNK)):
            found = {row.id: row for row in session.execute(rows_of.where(table.c.id.in_(chunk)))}
            rows = [found[i] for i in chunk if i in found]
            if rows:
                yield rows
        return
    last = 0
    while True:
        stmt = rows_of.where(table.c.id > last).order_by(table.c.id).limit(batch)
        rows = list(session.execute(stmt))
        if not rows:
            return
        yield rows
        last = rows[-1].id


def _with_commentary(table: Any) -> Any:
    """The risks' rows with their commentary's fields as the risk's (none where there is
    no commentary, or none this member may see: row-level security hides the row)."""
    said: Any = RiskCommentary.__table__  # type: ignore[attr-defined]
    return select(
        table,
        said.c.text.label("commentary"),
        said.c.dated.label("commentary_on"),
        said.c.classification.label("commentary_classification"),
    ).select_from(table.outerjoin(said, said.c.risk_id == table.c.id))


def refs_by_id(session: Session, *, kind: str, ids: Iterable[int]) -> dict[int, str]:
    table: Any = spec(kind).table
    out: dict[int, str] = {}
    for chunk in _chunks(sorted(set(ids))):
        for record_id, ref in session.execute(
            select(table.id, table.ref).where(table.id.in_(chunk))
        ):
            out[record_id] = ref
    return out


def response_refs(session: Session) -> dict[str, str]:
    """Event ref -> the ref of the event it responds to, for every event that responds."""
    target: Any = aliased(Event)
    event: Any = Event
    stmt = select(event.ref, target.ref).join(target, event.responds_to_id == target.id)
    return {ref: answered for ref, answered in session.execute(stmt)}


def link_refs(session: Session, *, link: LinkSpec, own_ids: Sequence[int]) -> dict[int, list[str]]:
    """For each record in ``own_ids``: the sorted refs of its linked records."""
    lt: Any = link.table
    other: Any = spec(link.other_kind).table
    own_col = getattr(lt, link.own_col)
    out: dict[int, list[str]] = {}
    for chunk in _chunks(list(own_ids)):
        stmt = (
            select(own_col, other.ref)
            .join(other, other.id == getattr(lt, link.other_col))
            .where(own_col.in_(chunk))
        )
        for own, ref in session.execute(stmt):
            out.setdefault(own, []).append(ref)
    for refs in out.values():
        refs.sort()
    return out
