"""risk-state history: span classes, so "as of" an instant is a narrow index read

The versions in force at an instant ``c`` are those with ``valid_from < c <= valid_to``.
Read through the old key ``(valid_to, valid_from, ref)`` that was every version ending
after ``c`` (about 550,000 of a million for a date six months back, to keep 100,000).
Each version now carries its span class ``span``: the smallest ``k`` with
``valid_to - valid_from <= 2**k`` seconds (the last class, 39, takes every longer one,
the current versions among them).  A version of class ``k`` in force at ``c`` began in
``[c - 2**k s, c)``, so a key ``(span, valid_from, ...)`` answers "in force at ``c``"
with one short range per class, each holding little more than it returns.

* SQLite: the table (without rowids) is rebuilt clustered on ``(span, valid_from,
  ref)``, so the range reads every column without a second lookup.
* PostgreSQL: the same primary key, and a covering index ``ix_risk_state_span`` on
  ``(span, valid_from)`` holding what the matrix counts, ``ref`` and the row-level
  security ``level``, so counting reads the index alone.

A register upgraded from before 0008 has an empty history here: it is built from the
audit trail by today's ``db.risk_states.rebuild`` (see 0008), which classes each
version as ``follow`` does.  The classes of versions already written are computed in
SQL, written out rather than imported (a migration keeps meaning what it meant); new
versions are classed by ``db.risk_states.span_class``.  A class computed from
floating-point seconds can differ from the exact one only within microseconds of a
power of two; the reader allows a second for that.

Revision ID: 0011
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel import Session

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None

LAST_CLASS = 39
VALUES = (
    "title, classification, status, likelihood, impact, residual_likelihood, "
    "residual_impact, category, owner, partnerships"
)
COVERED = (
    "valid_to, classification, status, likelihood, impact, residual_likelihood, "
    "residual_impact, category, ref"
)

SQLITE_TABLE = """
CREATE TABLE {name} (
    span INTEGER NOT NULL,
    valid_from DATETIME NOT NULL,
    ref VARCHAR(16) NOT NULL,
    valid_to DATETIME NOT NULL,
    title VARCHAR,
    classification VARCHAR(20),
    status VARCHAR(20),
    likelihood INTEGER,
    impact INTEGER,
    residual_likelihood INTEGER,
    residual_impact INTEGER,
    category VARCHAR(40),
    owner VARCHAR(200),
    partnerships VARCHAR,
    PRIMARY KEY ({key})
) WITHOUT ROWID
"""
OLD_KEY = "valid_to, valid_from, ref"
NEW_KEY = "span, valid_from, ref"


def _class_of(seconds: str) -> str:
    whens = " ".join(f"WHEN {seconds} <= {2**k} THEN {k}" for k in range(LAST_CLASS))
    return f"CASE {whens} ELSE {LAST_CLASS} END"


def _is_empty(bind: sa.Connection) -> bool:
    return bind.execute(sa.text("SELECT 1 FROM risk_state LIMIT 1")).first() is None


def _rebuild(bind: sa.Connection) -> None:
    from db import risk_states

    risk_states.rebuild(Session(bind=bind))


def _rekey_sqlite(key: str, span: str | None) -> None:
    """Copy the table into one clustered on ``key``, the span class given by the SQL
    ``span`` (None: nothing copied)."""
    op.execute(SQLITE_TABLE.format(name="risk_state_rekeyed", key=key))
    if span is not None:
        op.execute(
            f"INSERT INTO risk_state_rekeyed (span, valid_from, ref, valid_to, {VALUES}) "  # noqa: S608 - fixed text
            f"SELECT {span}, valid_from, ref, valid_to, {VALUES} FROM risk_state"
        )
    op.drop_index("ix_risk_state_ref", table_name="risk_state")
    op.execute("DROP TABLE risk_state")
    op.execute("ALTER TABLE risk_state_rekeyed RENAME TO risk_state")
    op.create_index("ix_risk_state_ref", "risk_state", ["ref", "valid_to"])


def _upgrade_sqlite(bind: sa.Connection) -> None:
    if _is_empty(bind):
        _rekey_sqlite(NEW_KEY, None)
        _rebuild(bind)
    else:
        seconds = "((julianday(valid_to) - julianday(valid_from)) * 86400.0)"
        _rekey_sqlite(NEW_KEY, _class_of(seconds))


def _upgrade_postgresql(bind: sa.Connection) -> None:
    op.add_column("risk_state", sa.Column("span", sa.Integer(), nullable=False, server_default="0"))
    if _is_empty(bind):
        _rebuild(bind)
    else:
        seconds = "extract(epoch FROM valid_to - valid_from)"
        op.execute(f"UPDATE risk_state SET span = {_class_of(seconds)}")  # noqa: S608 - fixed text
    op.alter_column("risk_state", "span", server_default=None)
    op.execute("ALTER TABLE risk_state DROP CONSTRAINT risk_state_pkey")
    op.execute(f"ALTER TABLE risk_state ADD PRIMARY KEY ({NEW_KEY})")
    level = [c["name"] for c in sa.inspect(bind).get_columns("risk_state") if c["name"] == "level"]
    included = ", ".join([COVERED, *level])
    op.execute(
        f"CREATE INDEX ix_risk_state_span ON risk_state (span, valid_from) INCLUDE ({included})"
    )
    op.execute("ANALYZE risk_state")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        _upgrade_postgresql(bind)
    else:
        _upgrade_sqlite(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP INDEX ix_risk_state_span")
        op.execute("ALTER TABLE risk_state DROP CONSTRAINT risk_state_pkey")
        op.execute(f"ALTER TABLE risk_state ADD PRIMARY KEY ({OLD_KEY})")
        op.drop_column("risk_state", "span")
        return
    _rekey_sqlite(OLD_KEY, "span")
    op.execute("ALTER TABLE risk_state DROP COLUMN span")
