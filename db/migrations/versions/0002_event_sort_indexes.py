"""event sort indexes: title and severity

The event register sorts in SQL with ``ORDER BY <column>, id LIMIT n``; an index
on the sort column (SQLite's carry the rowid, so they serve the id tie-breaker
too) makes a re-sort of a million events take milliseconds instead of seconds.
``occurred_on``, ``kind`` and ``ref`` had indexes already.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index("ix_event_title", ["title"], unique=False)
        batch_op.create_index("ix_event_severity", ["severity"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index("ix_event_severity")
        batch_op.drop_index("ix_event_title")
