"""risk-state history: the matrix "as of" a date without replaying the audit trail

Each risk's successive states, with the span each held, in ``risk_state``; kept up
to date by ``db.risk_states.follow`` in the transaction of every audit entry.

The versions of an existing trail are built by revision 0011, with today's
``db.risk_states.rebuild`` rather than a written-out copy: the table is derived data
(the audit trail stays the record of truth), and it must be exactly what ``follow``
would have written, which only the same code guarantees, and that code writes the
table as the head revision has it.  (Until 0011 this revision built it.)

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "risk_state",
        sa.Column("valid_to", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("valid_from", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("ref", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(), nullable=True),
        sa.Column("classification", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.Column("likelihood", sa.Integer(), nullable=True),
        sa.Column("impact", sa.Integer(), nullable=True),
        sa.Column("residual_likelihood", sa.Integer(), nullable=True),
        sa.Column("residual_impact", sa.Integer(), nullable=True),
        sa.Column("category", sa.String(length=40), nullable=True),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("partnerships", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("valid_to", "valid_from", "ref"),
        # Clustered on the key: the versions in force at an instant are one range read.
        sqlite_with_rowid=False,
    )
    op.create_index("ix_risk_state_ref", "risk_state", ["ref", "valid_to"])


def downgrade() -> None:
    op.drop_index("ix_risk_state_ref", table_name="risk_state")
    op.drop_table("risk_state")
