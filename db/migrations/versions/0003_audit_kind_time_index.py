"""audit index on (entity_kind, at)

The "as of" risk matrix and the "what changed" analysis replay the audit entries of
one kind over a time range, and count them first to choose the cheaper direction.
With an index on ``(entity_kind, at)`` both the count and the range read touch only
the entries of that kind, however many event or stakeholder entries the trail holds.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index("ix_audit_entry_kind_at", ["entity_kind", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entry_kind_at")
