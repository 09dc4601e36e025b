"""the level look-ups answer the stamping triggers only, not a member's query

``risk_record_level(kind, ref)`` (0009) and ``risk_commentary_level(ref, changes)``
(0016) read a record's level whatever the caller's clearance (SECURITY DEFINER):
the triggers that stamp audit entries and risk states need that.  But they were
executable by everyone, so a member cleared to RESTRICTED could ask for any ref,
``SELECT risk_record_level('event', 'E-0022')``, and learn that a record they may
not see exists and is SECRET, or a hidden commentary's level.

On PostgreSQL (a team), as the owner:

* nobody but the owner may call the two look-ups;
* the triggers that call them, ``risk_audit_stamp`` and ``risk_state_stamp``, run
  as the owner (SECURITY DEFINER, a fixed search path).  The audit actor is then
  ``session_user``, the login, since ``current_user`` inside such a function is the
  owner; a member logs in as their own role, so the actor is the same login role as
  before.  What a member writes is still checked by the policies as the member: an
  entry stamped above their clearance is refused, as before.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

LOOKUPS = ("risk_record_level(text, text)", "risk_commentary_level(text, text)")

# Written out rather than imported: a migration must keep meaning what it meant.
# ``{actor}``: the login in the owner's function (upgrade), the writer in the
# writer's own (downgrade: 0016's function).  ``{runs_as}``: how the function runs.
STAMPS = """
CREATE OR REPLACE FUNCTION risk_audit_stamp() RETURNS trigger
LANGUAGE plpgsql{runs_as} AS $$
BEGIN
  NEW.actor := {actor};
  NEW.level := risk_record_level(NEW.entity_kind, NEW.entity_ref);
  IF NEW.entity_kind = 'risk' AND risk_names_commentary(NEW.changes) THEN
    NEW.level := greatest(NEW.level, risk_commentary_level(NEW.entity_ref, NEW.changes));
  END IF;
  RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION risk_state_stamp() RETURNS trigger
LANGUAGE plpgsql{runs_as} AS $$
BEGIN
  NEW.level := greatest(coalesce(risk_level(NEW.classification), 0),
                        risk_record_level('risk', NEW.ref));
  RETURN NEW;
END
$$;
"""
AS_OWNER = " SECURITY DEFINER SET search_path = pg_catalog, public"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(STAMPS.format(runs_as=AS_OWNER, actor="session_user"))
    for function in LOOKUPS:
        op.execute(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for function in LOOKUPS:
        op.execute(f"GRANT EXECUTE ON FUNCTION {function} TO PUBLIC")
    op.execute(STAMPS.format(runs_as="", actor="current_user"))
