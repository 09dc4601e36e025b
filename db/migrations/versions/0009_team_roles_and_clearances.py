"""teams: login roles, role grants, clearances enforced by row-level security

Both backends gain two columns on ``audit_entry``: ``actor_name`` (the display name
the program gave, shown beside the actor) and ``level`` (the classification rank a
member must be cleared for to see the entry).

On PostgreSQL, run by the database owner, this also installs the team:

* group roles ``risk_reader`` < ``risk_editor`` < ``risk_officer`` (each a member of
  the one before, so privileges add up) and the grants of each;
* ``team_member``: each member's clearance (0 PUBLIC .. 4 SECRET);
* ``risk_clearance()``: the clearance of ``current_user`` (STABLE; each policy calls
  it through a scalar sub-select, so it is read once per query, not once per row);
  ``risk_level(text)``: a classification's rank (IMMUTABLE, inlined);
* row-level security on every record table (its own classification), every link
  table (both ends visible), ``audit_entry`` (its ``level``), ``briefing_record``
  (its banner) and ``team_member`` (own row; officers all);
* triggers: the audit actor is ``current_user`` whatever the program sent, each
  entry's level is that of its record (and raised when the record is raised), and
  lowering a classification needs an officer;
* ``risk_add_member`` / ``risk_set_member`` / ``risk_remove_member``: SECURITY
  DEFINER functions through which officers (and the owner) manage the team.

The table owner (and superusers) are not subject to row-level security: the owner
sees every row.  On SQLite only the two columns are added.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# Written out rather than imported: a migration must keep meaning what it meant.
RECORD_TABLES = ("stakeholder", "partnership", "risk", "event", "action")
# link table -> ((column, table it points at), (column, table it points at))
LINK_TABLES = {
    "risk_partnership": (("risk_id", "risk"), ("partnership_id", "partnership")),
    "risk_stakeholder": (("risk_id", "risk"), ("stakeholder_id", "stakeholder")),
    "event_risk": (("event_id", "event"), ("risk_id", "risk")),
    "action_risk": (("action_id", "action"), ("risk_id", "risk")),
}
# Tables whose rows carry a level of their own (audit entries, past risk states, packs).
DERIVED_TABLES = ("audit_entry", "risk_state", "briefing_record")
GROUPS = ("risk_reader", "risk_editor", "risk_officer")

FUNCTIONS = """
CREATE OR REPLACE FUNCTION risk_level(classification text) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT (CASE classification
    WHEN 'PUBLIC' THEN 0 WHEN 'UNCLASSIFIED' THEN 1 WHEN 'RESTRICTED' THEN 2
    WHEN 'CONFIDENTIAL' THEN 3 WHEN 'SECRET' THEN 4 END)::smallint
$$;

CREATE OR REPLACE FUNCTION risk_clearance() RETURNS smallint
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT clearance FROM public.team_member WHERE role_name = current_user
$$;

-- The level of a record's audit entries: the record's own level while it exists,
-- else (a delete) that of the latest entry about it.  SECURITY DEFINER: the lookup
-- must see the record whatever the writer's clearance.
CREATE OR REPLACE FUNCTION risk_record_level(p_kind text, p_ref text) RETURNS smallint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  found smallint;
BEGIN
  -- Static statements (plans kept for the session): a bulk import calls this per entry.
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
      WHERE entity_kind = p_kind AND entity_ref = p_ref ORDER BY id DESC LIMIT 1;
  END IF;
  RETURN coalesce(found, 0);
END
$$;

-- Every audit entry: the actor is the login role, whatever the program sent; the
-- level is its record's.  (Not SECURITY DEFINER: current_user is the writer.)
CREATE OR REPLACE FUNCTION risk_audit_stamp() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.actor := current_user;
  NEW.level := risk_record_level(NEW.entity_kind, NEW.entity_ref);
  RETURN NEW;
END
$$;

-- A record raised to a higher level takes its earlier audit entries with it (their
-- values were written at the lower level but belong to a record now above it).
-- A record lowered leaves them where they were: what was SECRET stays SECRET.
CREATE OR REPLACE FUNCTION risk_raise_audit_level() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  IF risk_level(NEW.classification) > risk_level(OLD.classification) THEN
    UPDATE audit_entry SET level = risk_level(NEW.classification)
      WHERE entity_kind = TG_TABLE_NAME AND entity_ref = NEW.ref
        AND level < risk_level(NEW.classification);
    -- The risk's earlier states (the "as of" matrix's history) go up with it too.
    IF TG_TABLE_NAME = 'risk' THEN
      UPDATE risk_state SET level = risk_level(NEW.classification)
        WHERE ref = NEW.ref AND level < risk_level(NEW.classification);
    END IF;
  END IF;
  RETURN NULL;
END
$$;

-- A risk-state version is at least as high as the state it holds and as its risk
-- is now (a history rebuilt for a risk raised since keeps the raise).
CREATE OR REPLACE FUNCTION risk_state_stamp() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.level := greatest(coalesce(risk_level(NEW.classification), 0),
                        risk_record_level('risk', NEW.ref));
  RETURN NEW;
END
$$;

-- Lowering a classification is an officer's decision (the owner is not bound).
CREATE OR REPLACE FUNCTION risk_check_lowering() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF risk_level(NEW.classification) < risk_level(OLD.classification)
     AND row_security_active(TG_RELID)
     AND NOT pg_has_role(current_user, 'risk_officer', 'MEMBER') THEN
    RAISE EXCEPTION 'only an officer may lower the classification of %', OLD.ref
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;

-- Who may manage the team: an officer, or the owner of these functions (the
-- database owner, who adds the first officer).  Returns the caller's clearance cap.
CREATE OR REPLACE FUNCTION risk_manager_cap() RETURNS smallint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  cap smallint;
BEGIN
  IF pg_has_role(session_user, current_user, 'MEMBER') THEN
    RETURN 4;  -- the owner (or a superuser)
  END IF;
  IF NOT pg_has_role(session_user, 'risk_officer', 'MEMBER') THEN
    RAISE EXCEPTION 'only an officer may manage the team'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT clearance INTO cap FROM team_member WHERE role_name = session_user;
  RETURN coalesce(cap, -1);
END
$$;

CREATE OR REPLACE FUNCTION risk_check_member_args(p_role text, p_clearance integer,
                                                  p_cap smallint)
RETURNS void LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  IF p_role IS NOT NULL AND p_role NOT IN ('reader', 'editor', 'officer') THEN
    RAISE EXCEPTION 'role must be reader, editor or officer, not %', p_role
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_clearance IS NOT NULL AND (p_clearance < 0 OR p_clearance > 4) THEN
    RAISE EXCEPTION 'clearance must be a level from 0 (PUBLIC) to 4 (SECRET)'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_clearance IS NOT NULL AND p_clearance > p_cap THEN
    RAISE EXCEPTION 'you cannot give a clearance above your own'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
END
$$;

CREATE OR REPLACE FUNCTION risk_member_role(p_name text) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT CASE
    WHEN pg_has_role(p_name, 'risk_officer', 'MEMBER') THEN 'officer'
    WHEN pg_has_role(p_name, 'risk_editor', 'MEMBER') THEN 'editor'
    WHEN pg_has_role(p_name, 'risk_reader', 'MEMBER') THEN 'reader'
  END
$$;

CREATE OR REPLACE FUNCTION risk_officers_left(p_leaving text) RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM team_member
                 WHERE role_name <> p_leaving AND risk_member_role(role_name) = 'officer') THEN
    RAISE EXCEPTION 'the team would be left without an officer'
      USING ERRCODE = 'check_violation';
  END IF;
END
$$;

-- password: a SCRAM verifier computed by the client (never the password itself),
-- or NULL for a role that logs in some other way (peer, certificate).
CREATE OR REPLACE FUNCTION risk_add_member(p_name text, p_role text, p_clearance integer,
                                           p_password text DEFAULT NULL)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  cap smallint := risk_manager_cap();
BEGIN
  PERFORM risk_check_member_args(p_role, p_clearance, cap);
  IF p_role IS NULL OR p_clearance IS NULL THEN
    RAISE EXCEPTION 'a new member needs a role and a clearance'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_name) THEN
    RAISE EXCEPTION 'a role named % already exists on this server', p_name
      USING ERRCODE = 'duplicate_object';
  END IF;
  IF p_password IS NULL THEN
    EXECUTE format('CREATE ROLE %I LOGIN', p_name);
  ELSE
    EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L', p_name, p_password);
  END IF;
  EXECUTE format('GRANT %I TO %I', 'risk_' || p_role, p_name);
  INSERT INTO team_member (role_name, clearance) VALUES (p_name, p_clearance);
END
$$;

CREATE OR REPLACE FUNCTION risk_set_member(p_name text, p_role text DEFAULT NULL,
                                           p_clearance integer DEFAULT NULL)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  cap smallint := risk_manager_cap();
  old_clearance smallint;
  g text;
BEGIN
  PERFORM risk_check_member_args(p_role, p_clearance, cap);
  SELECT t.clearance INTO old_clearance FROM team_member t WHERE t.role_name = p_name;
  IF NOT FOUND THEN
    RAISE EXCEPTION '% is not a member of this team', p_name USING ERRCODE = 'undefined_object';
  END IF;
  IF old_clearance > cap THEN
    RAISE EXCEPTION 'you cannot change a member cleared above you'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF p_role IS NOT NULL THEN
    IF p_role <> 'officer' AND risk_member_role(p_name) = 'officer' THEN
      PERFORM risk_officers_left(p_name);
    END IF;
    FOREACH g IN ARRAY ARRAY['risk_reader', 'risk_editor', 'risk_officer'] LOOP
      IF EXISTS (SELECT 1 FROM pg_auth_members m
                 WHERE m.roleid = g::regrole AND m.member = p_name::regrole) THEN
        EXECUTE format('REVOKE %I FROM %I', g, p_name);
      END IF;
    END LOOP;
    EXECUTE format('GRANT %I TO %I', 'risk_' || p_role, p_name);
  END IF;
  IF p_clearance IS NOT NULL THEN
    UPDATE team_member SET clearance = p_clearance WHERE role_name = p_name;
  END IF;
END
$$;

CREATE OR REPLACE FUNCTION risk_remove_member(p_name text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  cap smallint := risk_manager_cap();
  old_clearance smallint;
BEGIN
  SELECT t.clearance INTO old_clearance FROM team_member t WHERE t.role_name = p_name;
  IF NOT FOUND THEN
    RAISE EXCEPTION '% is not a member of this team', p_name USING ERRCODE = 'undefined_object';
  END IF;
  IF p_name = session_user THEN
    RAISE EXCEPTION 'you cannot remove yourself' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF old_clearance > cap THEN
    RAISE EXCEPTION 'you cannot remove a member cleared above you'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF risk_member_role(p_name) = 'officer' THEN
    PERFORM risk_officers_left(p_name);
  END IF;
  DELETE FROM team_member t WHERE t.role_name = p_name;
  EXECUTE format('DROP ROLE %I', p_name);
END
$$;
"""

ROLES = """
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'risk_reader') THEN
    CREATE ROLE risk_reader NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'risk_editor') THEN
    CREATE ROLE risk_editor NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'risk_officer') THEN
    CREATE ROLE risk_officer NOLOGIN;
  END IF;
  IF NOT pg_has_role('risk_editor', 'risk_reader', 'MEMBER') THEN
    GRANT risk_reader TO risk_editor;
  END IF;
  IF NOT pg_has_role('risk_officer', 'risk_editor', 'MEMBER') THEN
    GRANT risk_editor TO risk_officer;
  END IF;
END
$$;
"""


def _cleared(column: str) -> str:
    return f"risk_level({column}) <= (SELECT risk_clearance())"


def _visible(column: str, table: str) -> str:
    return f"EXISTS (SELECT 1 FROM {table} v WHERE v.id = {column})"  # noqa: S608 (constants)


def _policies() -> list[str]:
    out: list[str] = []
    for table in RECORD_TABLES:
        out.append(f"CREATE POLICY cleared ON {table} USING ({_cleared('classification')})")
        for trigger, function, when in (
            ("risk_check_lowering", "risk_check_lowering", "BEFORE UPDATE OF classification"),
            ("risk_raise_audit_level", "risk_raise_audit_level", "AFTER UPDATE OF classification"),
        ):
            out.append(
                f"CREATE TRIGGER {trigger} {when} ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {function}()"
            )
    for table, ((col_a, table_a), (col_b, table_b)) in LINK_TABLES.items():
        out.append(
            f"CREATE POLICY cleared ON {table} "
            f"USING ({_visible(col_a, table_a)} AND {_visible(col_b, table_b)})"
        )
    out.append("CREATE POLICY cleared ON audit_entry USING (level <= (SELECT risk_clearance()))")
    out.append(
        "CREATE TRIGGER risk_audit_stamp BEFORE INSERT ON audit_entry "
        "FOR EACH ROW EXECUTE FUNCTION risk_audit_stamp()"
    )
    out.append("CREATE POLICY cleared ON risk_state USING (level <= (SELECT risk_clearance()))")
    out.append(
        "CREATE TRIGGER risk_state_stamp BEFORE INSERT ON risk_state "
        "FOR EACH ROW EXECUTE FUNCTION risk_state_stamp()"
    )
    out.append(f"CREATE POLICY cleared ON briefing_record USING ({_cleared('banner_level')})")
    # Issuing a pack is an officer's act: anyone may record a draft, only an officer
    # an issued pack (issuing a draft later is an UPDATE, granted to officers only).
    out.append(
        "CREATE POLICY issued_by_officers ON briefing_record AS RESTRICTIVE FOR INSERT "
        "WITH CHECK (edition = 'draft' OR pg_has_role(current_user, 'risk_officer', 'MEMBER'))"
    )
    out.append(
        "CREATE POLICY own_or_officer ON team_member USING (role_name = current_user "
        "OR pg_has_role(current_user, 'risk_officer', 'MEMBER'))"
    )
    for table in (*RECORD_TABLES, *LINK_TABLES, *DERIVED_TABLES, "team_member"):
        out.append(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    return out


def _grants() -> list[str]:
    writable = ", ".join((*RECORD_TABLES, *LINK_TABLES))
    return [
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
        "GRANT USAGE ON SCHEMA public TO risk_reader",
        # Readers read everything their clearance shows, and build draft packs (each
        # pack is recorded, under the audit head's lock: FOR UPDATE needs an UPDATE
        # privilege, given on the change counter only).
        "GRANT SELECT ON ALL TABLES IN SCHEMA public TO risk_reader",
        "GRANT INSERT ON briefing_record TO risk_reader",
        "GRANT UPDATE (change_counter) ON audit_head TO risk_reader",
        "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO risk_reader",
        # Editors also create, change, delete and import records.  The audit trail is
        # append-only for everyone but the owner.
        f"GRANT INSERT, UPDATE, DELETE ON {writable} TO risk_editor",
        "GRANT INSERT ON audit_entry TO risk_editor",
        "GRANT INSERT, UPDATE, DELETE ON risk_state TO risk_editor",
        "GRANT UPDATE ON audit_head TO risk_editor",
        "GRANT INSERT, UPDATE ON ref_counter TO risk_editor",
        # Officers also change the register's settings (bands) and manage the team.
        "GRANT INSERT, UPDATE, DELETE ON app_meta TO risk_officer",
        "GRANT UPDATE ON briefing_record TO risk_officer",
        *(
            f"REVOKE ALL ON FUNCTION {f} FROM PUBLIC"
            for f in (
                "risk_add_member(text, text, integer, text)",
                "risk_set_member(text, text, integer)",
                "risk_remove_member(text)",
            )
        ),
        "GRANT EXECUTE ON FUNCTION risk_add_member(text, text, integer, text) TO risk_officer",
        "GRANT EXECUTE ON FUNCTION risk_set_member(text, text, integer) TO risk_officer",
        "GRANT EXECUTE ON FUNCTION risk_remove_member(text) TO risk_officer",
    ]


def upgrade() -> None:
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("actor_name", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("level", sa.SmallInteger(), nullable=False, server_default="0")
        )
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE TABLE team_member ("
        " role_name text PRIMARY KEY,"
        " clearance smallint NOT NULL CHECK (clearance BETWEEN 0 AND 4))"
    )
    op.execute(ROLES)
    op.execute(FUNCTIONS)
    # Entries written before this revision take their records' levels now; so do the
    # risks' past states (0008), each at least at its own level.
    op.execute("UPDATE audit_entry SET level = risk_record_level(entity_kind, entity_ref)")
    op.execute("ALTER TABLE risk_state ADD COLUMN level smallint NOT NULL DEFAULT 0")
    op.execute(
        "UPDATE risk_state SET level = greatest(coalesce(risk_level(classification), 0), "
        "risk_record_level('risk', ref))"
    )
    for statement in (*_policies(), *_grants()):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        tables = (*RECORD_TABLES, *LINK_TABLES, *DERIVED_TABLES)
        op.execute("DROP POLICY IF EXISTS issued_by_officers ON briefing_record")
        for table in tables:
            op.execute(f"DROP POLICY IF EXISTS cleared ON {table}")
            op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
        for table in RECORD_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS risk_check_lowering ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS risk_raise_audit_level ON {table}")
        op.execute("DROP TRIGGER IF EXISTS risk_audit_stamp ON audit_entry")
        op.execute("DROP TRIGGER IF EXISTS risk_state_stamp ON risk_state")
        op.execute("ALTER TABLE risk_state DROP COLUMN IF EXISTS level")
        for group in GROUPS:
            op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {group}")
            op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {group}")
        op.execute("REVOKE USAGE ON SCHEMA public FROM risk_reader")
        op.execute("DROP TABLE team_member")
        for function in (
            "risk_add_member(text, text, integer, text)",
            "risk_set_member(text, text, integer)",
            "risk_remove_member(text)",
            "risk_officers_left(text)",
            "risk_member_role(text)",
            "risk_check_member_args(text, integer, smallint)",
            "risk_manager_cap()",
            "risk_check_lowering()",
            "risk_raise_audit_level()",
            "risk_audit_stamp()",
            "risk_record_level(text, text)",
            "risk_clearance()",
            "risk_level(text)",
        ):
            op.execute(f"DROP FUNCTION IF EXISTS {function}")
        # The group roles stay: they are the server's, and other registers may use them.
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_column("level")
        batch_op.drop_column("actor_name")
