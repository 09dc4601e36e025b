"""a risk owner's commentary in a table of its own, hidden above a member's clearance

A commentary has its own classification, which may be above its risk's.  Row-level
security hides rows, not columns: while the commentary was three columns of ``risk``
(0006), a member who could see a RESTRICTED risk read its SECRET commentary.  It now
lives in ``risk_commentary`` (one row per risk that has one; the risk's id is its key,
deleted with the risk); the existing commentaries move there and back on downgrade.

On PostgreSQL (a team), as the owner:

* the policy ``cleared`` shows a row only to a member cleared for its classification
  (NULL: the risk's) and for its risk (its risk row visible); readers read it,
  editors write it, and a write above one's clearance is refused;
* every audit entry whose changes name the commentary's fields is stamped at least
  at the commentary's level, before and after the change (``risk_audit_stamp``);
  the program writes those changes as entries of their own, so the risk's other
  changes stay at the risk's level.  Entries written before this revision that hold
  a commentary are raised now (the whole entry: its other fields go up with it);
* raising a commentary takes its earlier entries up with it, lowering one needs an
  officer (as for records); the level of a deleted risk's entries is that of its
  latest entry that is not a commentary's (``risk_record_level``);
* ``risk_commentary_hidden(risk id)`` tells a member whether a risk they see has a
  commentary they may not see (its existence only), so the form can say so and a
  write never lands on it unseen.

Levels raised here stay raised on downgrade: what was SECRET stays SECRET.

Revision ID: 0016
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0011"
branch_labels = None
depends_on = None

# Written out rather than imported: a migration must keep meaning what it meant.
FIELDS = ("commentary", "commentary_on", "commentary_classification")
COLUMNS = ("text", "dated", "classification")

FUNCTIONS = """
-- Whether an audit entry's changes name a commentary field.
CREATE OR REPLACE FUNCTION risk_names_commentary(changes text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT position('"commentary' in changes) > 0
     AND changes::jsonb ?| ARRAY['commentary', 'commentary_on', 'commentary_classification']
$$;

-- The level of an entry about a risk's commentary: the commentary's level now and
-- the levels its changes name (before and after).  SECURITY DEFINER: the lookup must
-- see the commentary whatever the writer's clearance.
CREATE OR REPLACE FUNCTION risk_commentary_level(p_ref text, p_changes text) RETURNS smallint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  found smallint;
  named jsonb := p_changes::jsonb -> 'commentary_classification';
BEGIN
  SELECT risk_level(c.classification) INTO found
    FROM risk_commentary c JOIN risk r ON r.id = c.risk_id WHERE r.ref = p_ref;
  IF jsonb_typeof(named) <> 'array' THEN
    named := NULL;
  END IF;
  RETURN greatest(coalesce(found, 0), coalesce(risk_level(named ->> 0), 0),
                  coalesce(risk_level(named ->> 1), 0));
END
$$;

CREATE OR REPLACE FUNCTION risk_raise_commentary_entries() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  raised smallint := coalesce(risk_level(NEW.classification), 0);
BEGIN
  IF raised > coalesce(risk_level(OLD.classification), 0) THEN
    UPDATE audit_entry SET level = raised
      WHERE entity_kind = 'risk'
        AND entity_ref = (SELECT ref FROM risk WHERE id = NEW.risk_id)
        AND level < raised AND risk_names_commentary(changes);
  END IF;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION risk_check_commentary_lowering() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  own smallint;
  ref text;
BEGIN
  SELECT risk_level(r.classification), r.ref INTO own, ref FROM risk r WHERE r.id = NEW.risk_id;
  IF greatest(coalesce(risk_level(NEW.classification), 0), coalesce(own, 0))
       < greatest(coalesce(risk_level(OLD.classification), 0), coalesce(own, 0))
     AND row_security_active(TG_RELID)
     AND NOT pg_has_role(current_user, 'risk_officer', 'MEMBER') THEN
    RAISE EXCEPTION 'only an officer may lower the classification of the commentary of %', ref
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;

-- Whether the caller (a member) sees the risk but not its commentary.  Only the
-- existence is told; the owner (not a member) is told nothing is hidden.
CREATE OR REPLACE FUNCTION risk_commentary_hidden(p_risk_id integer) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT EXISTS (
    SELECT 1 FROM risk_commentary c
      JOIN risk r ON r.id = c.risk_id
      JOIN team_member m ON m.role_name = session_user
    WHERE c.risk_id = p_risk_id
      AND risk_level(r.classification) <= m.clearance
      AND coalesce(risk_level(c.classification), 0) > m.clearance)
$$;
"""

TEAM = (
    "CREATE POLICY cleared ON risk_commentary USING ("
    "coalesce(risk_level(classification), 0) <= (SELECT risk_clearance()) "
    "AND EXISTS (SELECT 1 FROM risk v WHERE v.id = risk_id))",
    "ALTER TABLE risk_commentary ENABLE ROW LEVEL SECURITY",
    "CREATE TRIGGER risk_check_lowering BEFORE UPDATE OF classification ON risk_commentary "
    "FOR EACH ROW EXECUTE FUNCTION risk_check_commentary_lowering()",
    "CREATE TRIGGER risk_raise_audit_level AFTER UPDATE OF classification ON risk_commentary "
    "FOR EACH ROW EXECUTE FUNCTION risk_raise_commentary_entries()",
    "GRANT SELECT ON risk_commentary TO risk_reader",
    "GRANT INSERT, UPDATE, DELETE ON risk_commentary TO risk_editor",
    # Entries written before: each holding a commentary goes to its level.
    "UPDATE audit_entry SET level = greatest(level, risk_commentary_level(entity_ref, changes)) "
    "WHERE entity_kind = 'risk' AND risk_names_commentary(changes)",
)

# risk_record_level and risk_audit_stamp: 0009's, with this revision's commentary rule
# (format with COMMENTARY_RULES) or without it, put back on downgrade (format with "").
STAMPING = """
CREATE OR REPLACE FUNCTION risk_record_level(p_kind text, p_ref text) RETURNS smallint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  found smallint;
BEGIN
  IF p_kind = 'event' THEN
    SELECT risk_level(classification) INTO found FROM event WHERE ref = p_ref;
  ELSIF p_kind = 'risk' THEN
    SELECT risk_level(classification) INTO found FROM risk WHERE ref = p_ref;
  ELSIF p_kind = 'stakeholder' THEN
    SELECT risk_level(classification) INTO found FROM stakeholder WHERE ref = p_ref;
  ELSIF p_kind = 'partnership' THEN
    SELECT risk_level(classification) INTO found FROM partnership WHERE ref = p_ref;
  ELSIF p_kind = 'action' THEN
    SELECT risk_level(classification) INTO found FROM action WHERE ref = p_ref;
  END IF;
  IF found IS NULL THEN
    SELECT level INTO found FROM audit_entry
      WHERE entity_kind = p_kind AND entity_ref = p_ref{skip}
      ORDER BY id DESC LIMIT 1;
  END IF;
  RETURN coalesce(found, 0);
END
$$;

CREATE OR REPLACE FUNCTION risk_audit_stamp() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.actor := current_user;
  NEW.level := risk_record_level(NEW.entity_kind, NEW.entity_ref);{raise}
  RETURN NEW;
END
$$;
"""
COMMENTARY_RULES = {
    # a deleted record: its latest entry's level, not counting a commentary's
    "skip": " AND NOT risk_names_commentary(changes)",
    "raise": """
  IF NEW.entity_kind = 'risk' AND risk_names_commentary(NEW.changes) THEN
    NEW.level := greatest(NEW.level, risk_commentary_level(NEW.entity_ref, NEW.changes));
  END IF;""",
}
NEW_FUNCTIONS = (
    "risk_commentary_hidden(integer)",
    "risk_check_commentary_lowering()",
    "risk_raise_commentary_entries()",
    "risk_commentary_level(text, text)",
    "risk_names_commentary(text)",
)

HAS_ONE = " OR ".join(f"{f} IS NOT NULL" for f in FIELDS)


def upgrade() -> None:
    op.create_table(
        "risk_commentary",
        sa.Column(
            "risk_id",
            sa.Integer(),
            sa.ForeignKey("risk.id", ondelete="CASCADE"),
            primary_key=True,
            nullable=False,
        ),
        sa.Column("text", sa.String(length=10000), nullable=True),
        sa.Column("dated", sa.Date(), nullable=True),
        sa.Column("classification", sa.String(length=20), nullable=True),
    )
    op.execute(
        f"INSERT INTO risk_commentary (risk_id, {', '.join(COLUMNS)}) "  # noqa: S608 - fixed text
        f"SELECT id, {', '.join(FIELDS)} FROM risk WHERE {HAS_ONE}"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(FUNCTIONS)
        op.execute(STAMPING.format(**COMMENTARY_RULES))
        for statement in TEAM:
            op.execute(statement)
    # Plain DROP COLUMN (no batch): a batch rebuild of ``risk`` on SQLite would drop the
    # table, and its ON DELETE CASCADE links with it.
    for name in reversed(FIELDS):
        op.drop_column("risk", name)


def downgrade() -> None:
    op.add_column("risk", sa.Column("commentary", sa.String(length=10000), nullable=True))
    op.add_column("risk", sa.Column("commentary_on", sa.Date(), nullable=True))
    op.add_column(
        "risk", sa.Column("commentary_classification", sa.String(length=20), nullable=True)
    )
    for field, column in zip(FIELDS, COLUMNS, strict=True):
        op.execute(
            f"UPDATE risk SET {field} = (SELECT c.{column} FROM risk_commentary c "  # noqa: S608 - fixed text
            "WHERE c.risk_id = risk.id)"
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP POLICY IF EXISTS cleared ON risk_commentary")
        op.execute("DROP TRIGGER IF EXISTS risk_check_lowering ON risk_commentary")
        op.execute("DROP TRIGGER IF EXISTS risk_raise_audit_level ON risk_commentary")
        op.execute(STAMPING.format(**dict.fromkeys(COMMENTARY_RULES, "")))
        for function in NEW_FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {function}")
    op.drop_table("risk_commentary")
