"""a member's records policy as a list of cleared classifications, and an index it can use

Until now the policy ``cleared`` on the record tables (0009) ranked every row:
``risk_level(classification) <= (SELECT risk_clearance())``.  That expression cannot
be an index condition, so a member's count of a million events read the whole table
to rank each row (about 0.10 s, against 0.03 s for the owner's index-only count).

On PostgreSQL (a team), as the owner:

* ``risk_cleared_classes()`` gives the classifications the current member is cleared
  for, as an array (NULL for a login that is not a member, which sees nothing, as
  before);
* the policy on each record table becomes ``classification = ANY (that array)``: the
  same rows for every clearance (the level names are the five ``risk_level`` ranks,
  spelt as it spells them), but an expression the planner can hand to an index;
* ``ix_event_classification`` indexes the event table's classification (the table
  that grows to a million rows): a member's count becomes an index-only read of the
  levels they are cleared for.  Few distinct values, so the index is small
  (deduplicated leaf entries).  The other record tables stay in the thousands and
  keep no index for it.

SQLite (one user, no row-level security) is not touched.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

# Written out rather than imported: a migration must keep meaning what it meant.
RECORD_TABLES = ("stakeholder", "partnership", "risk", "event", "action")

FUNCTION = """
CREATE OR REPLACE FUNCTION risk_cleared_classes() RETURNS text[]
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT array_agg(level ORDER BY risk_level(level))
  FROM unnest(ARRAY['PUBLIC', 'UNCLASSIFIED', 'RESTRICTED', 'CONFIDENTIAL', 'SECRET']) AS level
  WHERE risk_level(level) <= risk_clearance()
$$;
"""

# The cast keeps ``ANY`` reading an array: ``ANY ((SELECT ...))`` alone would be
# parsed as a sub-query of rows.  The sub-select runs once per statement.
CLEARED = "classification::text = ANY ((SELECT risk_cleared_classes())::text[])"
RANKED = "risk_level(classification) <= (SELECT risk_clearance())"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(FUNCTION)
    for table in RECORD_TABLES:
        op.execute(f"ALTER POLICY cleared ON {table} USING ({CLEARED})")
    op.execute("CREATE INDEX IF NOT EXISTS ix_event_classification ON event (classification)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_event_classification")
    for table in RECORD_TABLES:
        op.execute(f"ALTER POLICY cleared ON {table} USING ({RANKED})")
    op.execute("DROP FUNCTION IF EXISTS risk_cleared_classes()")
