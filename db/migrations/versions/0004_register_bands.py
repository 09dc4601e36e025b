"""matrix bands stored in the register

The risk matrix bands were a setting of each user's desktop, so two members of a
team could see the same risk in different bands.  They are now a property of the
register, kept in ``app_meta`` under ``bands``; a register gets today's defaults
(low 1-4, medium 5-9, high 10-14, critical 15-25) unless it holds bands already.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Written out rather than imported: a migration must keep meaning what it meant.
DEFAULT_BANDS_TEXT = "4,9,14"

app_meta = sa.table("app_meta", sa.column("key", sa.String), sa.column("value", sa.String))


def upgrade() -> None:
    conn = op.get_bind()
    present = conn.execute(sa.select(app_meta.c.key).where(app_meta.c.key == "bands")).first()
    if present is None:
        op.bulk_insert(app_meta, [{"key": "bands", "value": DEFAULT_BANDS_TEXT}])


def downgrade() -> None:
    # Bands still at the defaults go (earlier versions assume them when the key is
    # missing); changed bands stay, since earlier versions' packs read this same key.
    conn = op.get_bind()
    conn.execute(
        sa.delete(app_meta).where(app_meta.c.key == "bands", app_meta.c.value == DEFAULT_BANDS_TEXT)
    )
