"""The search index over every record kind: which columns it holds, and its DDL.

One search box finds any record by ref, title or name, summary, description or
notes.  The index is kept *in the same transaction as the write*, whatever path the
write takes (a form, the bulk import, undo, a restore), because the database keeps it:

* SQLite: one FTS5 table per kind, ``<table>_search``, an *external-content* index
  over the record table (it stores only the index, the text stays in the record
  table), kept by three triggers on that table (insert, delete, update of a
  searched column).
* PostgreSQL: a stored generated ``tsvector`` column ``search_vector`` on the record
  table itself (title weighted above the rest) with a GIN index.  Being a column of
  the record table, every row-level security policy on that table applies to it.
  Where ``pg_trgm`` can be installed, a trigram GIN index on the event title also
  serves the events register's quick search (``title ILIKE '%text%'``).

``SEARCHED`` is the table-driven list of indexed kinds: adding a kind is one line
here, plus one ``create_search_index(bind, searched("<kind>"))`` in the migration
that creates its table (the index is part of the schema, so migrations build it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# The text-search configuration on PostgreSQL and the tokenizer on SQLite: no
# stemming and no stop words on either, so prefix matching as the user types
# behaves the same way on both backends.
PG_CONFIG = "simple"
SQLITE_TOKENIZER = "unicode61 remove_diacritics 2"
PG_COLUMN = "search_vector"
TRGM_INDEX = "ix_event_title_trgm"
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


@dataclass(frozen=True)
class SearchedKind:
    """One indexed kind: its table, the column that names a record, and the other
    text columns searched (ranked below the title)."""

    kind: str  # EntityKind value: "event"
    title: str  # "title" or "name"
    body: tuple[str, ...]  # summary, description, notes...
    table: str = ""  # the record table; the kind's name when empty

    def __post_init__(self) -> None:
        for name in (self.kind, self.table, *self.columns):
            if name and not _IDENTIFIER.match(name):
                raise ValueError(f"{name!r} is not a plain SQL identifier")

    @property
    def table_name(self) -> str:
        return self.table or self.kind

    @property
    def fts_table(self) -> str:
        return f"{self.table_name}_search"

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.title, *self.body)


SEARCHED: tuple[SearchedKind, ...] = (
    SearchedKind("stakeholder", "name", ("description", "notes")),
    SearchedKind("partnership", "name", ("scope", "notes")),
    SearchedKind("risk", "title", ("description", "notes")),
    SearchedKind("event", "title", ("summary", "notes")),
    SearchedKind("action", "title", ("owner", "notes")),
)


def searched(kind: str) -> SearchedKind:
    for item in SEARCHED:
        if item.kind == kind:
            return item
    raise ValueError(f"{kind!r} is not an indexed kind")


# --------------------------------------------------------------------------- DDL


def sqlite_statements(item: SearchedKind) -> list[str]:
    """The FTS5 table, its three triggers and the backfill of existing rows."""
    t, fts = item.table_name, item.fts_table
    cols = ", ".join(item.columns)
    new = ", ".join(f"new.{c}" for c in item.columns)
    old = ", ".join(f"old.{c}" for c in item.columns)
    # Identifiers only, from SEARCHED (checked in SearchedKind): no value is ever spliced.
    forget = f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old});"  # noqa: S608
    learn = f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new});"  # noqa: S608
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content='{t}', content_rowid='id', "
        f"tokenize='{SQLITE_TOKENIZER}')",
        sqlite_insert_trigger(item)[1],
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {t} BEGIN {forget} END",
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {cols} ON {t} BEGIN {forget} {learn} END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",  # noqa: S608
    ]


def sqlite_insert_trigger(item: SearchedKind) -> tuple[str, str]:
    """(name, CREATE statement) of the trigger that indexes each new row."""
    t, fts, cols = item.table_name, item.fts_table, ", ".join(item.columns)
    new = ", ".join(f"new.{c}" for c in item.columns)
    learn = f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new});"  # noqa: S608
    return f"{fts}_insert", f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {t} BEGIN {learn} END"


def sqlite_index_rows_after(item: SearchedKind) -> str:
    """What the insert trigger does, for every row with an id above ``:after`` at once
    (the bulk import's catch-up while that trigger is set aside)."""
    t, fts, cols = item.table_name, item.fts_table, ", ".join(item.columns)
    return f"INSERT INTO {fts}(rowid, {cols}) SELECT id, {cols} FROM {t} WHERE id > :after"  # noqa: S608


def sqlite_drop_statements(item: SearchedKind) -> list[str]:
    fts = item.fts_table
    return [
        *(f"DROP TRIGGER IF EXISTS {fts}_{event}" for event in ("insert", "delete", "update")),
        f"DROP TABLE IF EXISTS {fts}",
    ]


def _pg_text(columns: tuple[str, ...]) -> str:
    return " || ' ' || ".join(f"coalesce({c}, '')" for c in columns)


def postgres_statements(item: SearchedKind) -> list[str]:
    """The generated tsvector column (filled for existing rows as it is added) and its GIN index."""
    t = item.table_name
    title = f"setweight(to_tsvector('{PG_CONFIG}'::regconfig, {_pg_text((item.title,))}), 'A')"
    body = f"setweight(to_tsvector('{PG_CONFIG}'::regconfig, {_pg_text(item.body)}), 'B')"
    return [
        f"ALTER TABLE {t} ADD COLUMN {PG_COLUMN} tsvector "
        f"GENERATED ALWAYS AS ({title} || {body}) STORED",
        f"CREATE INDEX ix_{t}_search ON {t} USING gin ({PG_COLUMN})",
    ]


def postgres_drop_statements(item: SearchedKind) -> list[str]:
    t = item.table_name
    return [f"DROP INDEX IF EXISTS ix_{t}_search", f"ALTER TABLE {t} DROP COLUMN {PG_COLUMN}"]


def create_search_index(bind: Any, item: SearchedKind) -> None:
    """Build ``item``'s index on the connection ``bind`` (a migration's ``op.get_bind()``)."""
    from sqlalchemy import text

    is_sqlite = bind.dialect.name == "sqlite"
    for statement in sqlite_statements(item) if is_sqlite else postgres_statements(item):
        bind.execute(text(statement))


def drop_search_index(bind: Any, item: SearchedKind) -> None:
    from sqlalchemy import text

    is_sqlite = bind.dialect.name == "sqlite"
    for statement in sqlite_drop_statements(item) if is_sqlite else postgres_drop_statements(item):
        bind.execute(text(statement))


def create_trigram_index(bind: Any) -> bool:
    """PostgreSQL: the trigram index behind the events register's quick search, when
    the ``pg_trgm`` extension is on the server and may be installed.  False (and
    nothing changed) otherwise: the quick search then still works, by scanning."""
    from sqlalchemy import text

    available = bind.execute(
        text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
    ).first()
    if available is None:
        return False
    savepoint = bind.begin_nested()
    try:
        bind.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except Exception:  # not allowed to install it: go on without (the caller says so)
        savepoint.rollback()
        return False
    savepoint.commit()
    bind.execute(
        text(f"CREATE INDEX IF NOT EXISTS {TRGM_INDEX} ON event USING gin (title gin_trgm_ops)")
    )
    return True


def drop_trigram_index(bind: Any) -> None:
    from sqlalchemy import text

    bind.execute(text(f"DROP INDEX IF EXISTS {TRGM_INDEX}"))
