"""issued and draft editions of briefing packs; the risk owner's commentary

Briefing records gain their edition (``draft`` or ``issued``), who issued a pack,
when and to which distribution, the pack's scope (its partnership refs, sorted and
comma-joined, "" for the whole register) and the analyst's note and decisions
requested, each with its own classification.  Only issued packs are baselines for
"what changed" and trends.

Packs recorded before this revision become **issued** packs, issued by the person
who made them, when they were made, to their audience, with the scope their stored
parameters name.  Until now every pack was printed without a draft mark and was the
next pack's baseline: keeping them as issued keeps a register's next pack comparing
with the last pack it actually handed out, where calling them drafts would silently
drop every register's baseline on upgrade.

Risks gain ``commentary`` (the owner's words), ``commentary_on`` (its date) and
``commentary_classification`` (its own level).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import json

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ISSUED = "issued"

briefing = sa.table(
    "briefing_record",
    sa.column("id", sa.Integer),
    sa.column("created_at", sqlmodel.sql.sqltypes.UTCDateTime()),
    sa.column("actor", sa.String),
    sa.column("audience", sa.String),
    sa.column("parameters", sa.String),
    sa.column("edition", sa.String),
    sa.column("issued_by", sa.String),
    sa.column("issued_at", sqlmodel.sql.sqltypes.UTCDateTime()),
    sa.column("distribution", sa.String),
    sa.column("scope", sa.String),
)


class _Plain:
    """``op.add_column``/``drop_column``/indexes on one table, without a table rebuild."""

    def __init__(self, table: str) -> None:
        self.table = table

    def __enter__(self) -> _Plain:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def add_column(self, column: sa.Column) -> None:  # type: ignore[type-arg]
        op.add_column(self.table, column)

    def drop_column(self, name: str) -> None:
        op.drop_column(self.table, name)

    def create_index(self, name: str, columns: list[str], unique: bool = False) -> None:
        op.create_index(name, self.table, columns, unique=unique)

    def drop_index(self, name: str) -> None:
        op.drop_index(name, table_name=self.table)


def _plain(table: str) -> _Plain:
    return _Plain(table)


def scope_of(parameters: str | None) -> str:
    """The scope key of stored parameters: their partnership refs, upper-cased, sorted."""
    try:
        data = json.loads(parameters or "{}")
    except ValueError:
        return ""
    refs = data.get("partnerships") if isinstance(data, dict) else None
    if not isinstance(refs, list):
        return ""
    return ",".join(sorted({str(r).strip().upper() for r in refs if str(r).strip()}))


def upgrade() -> None:
    # Plain ADD COLUMN (no batch): a batch rebuild of ``risk`` on SQLite would drop the
    # table, and its ON DELETE CASCADE links with it.
    with _plain("briefing_record") as batch_op:
        batch_op.add_column(
            sa.Column("edition", sa.String(length=10), nullable=False, server_default="draft")
        )
        batch_op.add_column(sa.Column("issued_by", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column("issued_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("distribution", sa.String(length=2000), nullable=True))
        batch_op.add_column(
            sa.Column("scope", sa.String(length=2000), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("note", sa.String(length=10000), nullable=True))
        batch_op.add_column(sa.Column("note_classification", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("decisions", sa.String(length=10000), nullable=True))
        batch_op.add_column(
            sa.Column("decisions_classification", sa.String(length=20), nullable=True)
        )
        batch_op.create_index("ix_briefing_record_edition", ["edition"], unique=False)
    with _plain("risk") as batch_op:
        batch_op.add_column(sa.Column("commentary", sa.String(length=10000), nullable=True))
        batch_op.add_column(sa.Column("commentary_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("commentary_classification", sa.String(length=20), nullable=True)
        )

    conn = op.get_bind()
    rows = conn.execute(
        sa.select(
            briefing.c.id,
            briefing.c.created_at,
            briefing.c.actor,
            briefing.c.audience,
            briefing.c.parameters,
        )
    ).all()
    for rid, created_at, actor, audience, parameters in rows:
        conn.execute(
            sa.update(briefing)
            .where(briefing.c.id == rid)
            .values(
                edition=ISSUED,
                issued_by=actor or None,
                issued_at=created_at,
                distribution=audience or None,
                scope=scope_of(parameters),
            )
        )


def downgrade() -> None:
    with _plain("risk") as batch_op:
        batch_op.drop_column("commentary_classification")
        batch_op.drop_column("commentary_on")
        batch_op.drop_column("commentary")
    with _plain("briefing_record") as batch_op:
        batch_op.drop_index("ix_briefing_record_edition")
        for name in (
            "decisions_classification",
            "decisions",
            "note_classification",
            "note",
            "scope",
            "distribution",
            "issued_at",
            "issued_by",
            "edition",
        ):
            batch_op.drop_column(name)
