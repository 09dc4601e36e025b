"""search index over every record kind

One search box finds any record by ref, title or name, summary, description or
notes.  SQLite: an external-content FTS5 table per kind kept by triggers;
PostgreSQL: a stored generated ``tsvector`` column with a GIN index on each record
table, and (where ``pg_trgm`` may be installed) a trigram index on the event title
for the events register's quick search.  Existing records are indexed as it runs.

The kinds and columns are written out here rather than read from
``db.search_index.SEARCHED``: a migration must keep meaning what it meant (a kind
added later builds its own index in the migration that adds its table).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op

from db.search_index import (
    SearchedKind,
    create_search_index,
    create_trigram_index,
    drop_search_index,
    drop_trigram_index,
)

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

KINDS = (
    SearchedKind("stakeholder", "name", ("description", "notes")),
    SearchedKind("partnership", "name", ("scope", "notes")),
    SearchedKind("risk", "title", ("description", "notes")),
    SearchedKind("event", "title", ("summary", "notes")),
    SearchedKind("action", "title", ("owner", "notes")),
)


def upgrade() -> None:
    bind = op.get_bind()
    for item in KINDS:
        create_search_index(bind, item)
    if bind.dialect.name == "postgresql":
        create_trigram_index(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        drop_trigram_index(bind)
    for item in reversed(KINDS):
        drop_search_index(bind, item)
