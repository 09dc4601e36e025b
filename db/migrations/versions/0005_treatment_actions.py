"""treatment actions

A new kind of record, the treatment action (``A-001``): what someone will do about
one or more risks, by when, and the residual cell it aims for.  Two new tables,
``action`` and its link table ``action_risk``; nothing existing changes, so the
downgrade simply drops them (with any actions recorded since).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Column types written out as 0001 writes them, so the schema equals the models'.
    op.create_table(
        "action",
        sa.Column("classification", sa.String(length=20), nullable=False),
        sa.Column("notes", sqlmodel.sql.sqltypes.AutoString(length=10000), nullable=True),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("expected_likelihood", sa.Integer(), nullable=True),
        sa.Column("expected_impact", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("updated_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("action", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_action_ref"), ["ref"], unique=True)
        batch_op.create_index(batch_op.f("ix_action_due_on"), ["due_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_action_status"), ["status"], unique=False)

    op.create_table(
        "action_risk",
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("risk_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["action_id"], ["action.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["risk_id"], ["risk.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("action_id", "risk_id"),
    )
    with op.batch_alter_table("action_risk", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_action_risk_risk_id"), ["risk_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("action_risk", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_risk_risk_id"))
    op.drop_table("action_risk")
    with op.batch_alter_table("action", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_status"))
        batch_op.drop_index(batch_op.f("ix_action_due_on"))
        batch_op.drop_index(batch_op.f("ix_action_ref"))
    op.drop_table("action")
