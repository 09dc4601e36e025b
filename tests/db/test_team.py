"""Teams on a real PostgreSQL server (issue 15): identities, roles, clearances.

Three members (tests/teamsetup.py): a reader cleared to RESTRICTED, an editor cleared
to CONFIDENTIAL and an officer cleared to SECRET.  What a member may not see is
counted first with the owner's connection, so "none seen" is never "none there".
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from db import audit, repository, team
from db.engine import open_register
from desktop.cli import main
from tests.teamsetup import SECRET_TITLE, Team, make_team

RECORD_TABLES = ("stakeholder", "partnership", "risk", "event", "action")
# link table -> (its rows joined to both ends, the two ends' classification columns)
LINKS = {
    "risk_partnership": (
        "risk_partnership l JOIN risk a ON a.id = l.risk_id "
        "JOIN partnership b ON b.id = l.partnership_id"
    ),
    "risk_stakeholder": (
        "risk_stakeholder l JOIN risk a ON a.id = l.risk_id "
        "JOIN stakeholder b ON b.id = l.stakeholder_id"
    ),
    "event_risk": "event_risk l JOIN event a ON a.id = l.event_id JOIN risk b ON b.id = l.risk_id",
    "action_risk": (
        "action_risk l JOIN action a ON a.id = l.action_id JOIN risk b ON b.id = l.risk_id"
    ),
}
TO_RESTRICTED = "('PUBLIC', 'UNCLASSIFIED', 'RESTRICTED')"
HIDDEN_LINKS = {
    t: f"SELECT count(*) FROM {j} WHERE 'SECRET' IN (a.classification, b.classification)"  # noqa: S608 (table names are constants)
    for t, j in LINKS.items()
}
VISIBLE_LINKS = {
    t: f"SELECT count(*) FROM {j} WHERE a.classification IN {TO_RESTRICTED} "  # noqa: S608 (table names are constants)
    f"AND b.classification IN {TO_RESTRICTED}"
    for t, j in LINKS.items()
}


@pytest.fixture(scope="module")
def crew(pg_server: Any) -> Iterator[Team]:
    made = make_team(pg_server)
    yield made
    made.drop()


def _secret_refs(crew: Team) -> list[str]:
    return crew.refs["SECRET"] + crew.refs["SECRET_DELETED"]


def test_every_table_shows_a_restricted_member_no_secret_row(crew: Team) -> None:
    owner_counts = {
        t: crew.owner_count(f"SELECT count(*) FROM {t} WHERE classification = 'SECRET'")  # noqa: S608 (table names are constants)
        for t in RECORD_TABLES
    }
    assert all(n >= 1 for n in owner_counts.values()), owner_counts
    for table, sql in HIDDEN_LINKS.items():
        assert crew.owner_count(sql) >= 1, table
    secret = {"refs": _secret_refs(crew)}
    audit_sql = "SELECT count(*) FROM audit_entry WHERE entity_ref = ANY(:refs)"
    assert crew.owner_count(audit_sql, **secret) >= 6
    pack_sql = "SELECT count(*) FROM briefing_record WHERE banner_level = 'SECRET'"
    assert crew.owner_count(pack_sql) == 1

    visible_links = {t: crew.owner_count(sql) for t, sql in VISIBLE_LINKS.items()}
    reg = crew.open("reader")
    try:
        with reg.session() as s:
            for table in RECORD_TABLES:
                levels = set(s.execute(text(f"SELECT classification FROM {table}")).scalars())  # noqa: S608 (table names are constants)
                assert levels == {"PUBLIC", "UNCLASSIFIED", "RESTRICTED"}, table
            for table, sql in HIDDEN_LINKS.items():
                # Every link row the reader gets is one whose both ends they may see.
                seen = s.execute(text(f"SELECT count(*) FROM {table}")).scalar()  # noqa: S608 (table names are constants)
                assert seen == visible_links[table], table
                assert s.execute(text(sql)).scalar() == 0
            assert s.execute(text(audit_sql), secret).scalar() == 0
            assert s.execute(text("SELECT max(level) FROM audit_entry")).scalar() <= 2
            assert s.execute(text(pack_sql)).scalar() == 0
            assert s.execute(text("SELECT count(*) FROM briefing_record")).scalar() == 0
            # Only their own line of the team.
            assert s.execute(text("SELECT role_name FROM team_member")).scalars().all() == [
                crew.names["reader"]
            ]
            # Nothing in any table mentions the SECRET title.
            for table in (*RECORD_TABLES, "audit_entry"):
                hits = s.execute(
                    text(f"SELECT count(*) FROM {table} t WHERE t::text LIKE :w"),  # noqa: S608 (table names are constants)
                    {"w": f"%{SECRET_TITLE}%"},
                ).scalar()
                assert hits == 0, table
            assert [e.entity_ref for e in audit.history(s)] and not (
                {e.entity_ref for e in audit.history(s)} & set(_secret_refs(crew))
            )
    finally:
        reg.dispose()


def test_link_rows_to_hidden_records_stay_hidden_from_the_link_table(crew: Team) -> None:
    """The PUBLIC risk is linked to a SECRET stakeholder and partnership: the reader
    sees the risk and its visible link only."""
    public_risk = crew.refs["PUBLIC"][2]
    reg = crew.open("reader")
    try:
        with reg.session() as s:
            risk = repository.get_by_ref(s, "risk", public_risk)
            links = repository.link_ids(s, "risk", risk.id)
            assert links["stakeholder_ids"] == []
            assert len(links["partnership_ids"]) == 1
    finally:
        reg.dispose()
    owner = crew.open()
    try:
        with owner.session() as s:
            risk = repository.get_by_ref(s, "risk", public_risk)
            links = repository.link_ids(s, "risk", risk.id)
            assert len(links["stakeholder_ids"]) == 1 and len(links["partnership_ids"]) == 2
    finally:
        owner.dispose()


def test_a_readers_update_is_refused_by_the_database(crew: Team) -> None:
    ref = crew.refs["PUBLIC"][2]
    reg = crew.open("reader")
    try:
        with pytest.raises(team.Refused) as caught, reg.write() as s:
            s.execute(
                text("UPDATE risk SET title = 'changed by a reader' WHERE ref = :r"), {"r": ref}
            )
        assert isinstance(caught.value.__cause__, DBAPIError)  # the server said no
        assert "permission denied" in str(caught.value.__cause__.orig)
        assert "your role does not allow it" in str(caught.value)
        # Through the application's own path too.
        with pytest.raises(team.Refused, match="your role does not allow it"), reg.write() as s:
            rid = repository.get_by_ref(s, "risk", ref).id
            repository.update(s, "risk", rid, {"title": "changed by a reader"}, actor="reader")
    finally:
        reg.dispose()
    assert crew.owner_count("SELECT count(*) FROM risk WHERE title = 'changed by a reader'") == 0


def test_writing_above_ones_clearance_is_refused(crew: Team) -> None:
    reg = crew.open("editor")
    try:
        with pytest.raises(team.Refused) as caught, reg.write() as s:
            repository.create(
                s, "risk", {"title": "Too high", "classification": "SECRET"}, actor="editor"
            )
        assert "row-level security" in str(caught.value)
        assert "above your clearance" in str(caught.value)
        with pytest.raises(team.Refused), reg.write() as s:
            rid = repository.get_by_ref(s, "risk", crew.refs["CONFIDENTIAL"][2]).id
            repository.update(s, "risk", rid, {"classification": "SECRET"}, actor="editor")
        # At the edge of the clearance: allowed.
        with reg.write() as s:
            made = repository.create(
                s, "risk", {"title": "At the edge", "classification": "CONFIDENTIAL"}, actor="e"
            )
            edge = made.ref
    finally:
        reg.dispose()
    assert crew.owner_count("SELECT count(*) FROM risk WHERE title = 'Too high'") == 0
    assert crew.owner_count("SELECT count(*) FROM risk WHERE ref = :ref", ref=edge) == 1


def test_lowering_a_classification_needs_an_officer(crew: Team) -> None:
    ref = crew.refs["RESTRICTED"][1]  # a partnership
    editor = crew.open("editor")
    try:
        with pytest.raises(team.Refused, match="only an officer"), editor.write() as s:
            pid = repository.get_by_ref(s, "partnership", ref).id
            repository.update(s, "partnership", pid, {"classification": "PUBLIC"}, actor="e")
        with editor.write() as s:  # raising is an editor's to do
            pid = repository.get_by_ref(s, "partnership", ref).id
            repository.update(s, "partnership", pid, {"classification": "CONFIDENTIAL"}, actor="e")
    finally:
        editor.dispose()
    officer = crew.open("officer")
    try:
        with officer.write() as s:
            pid = repository.get_by_ref(s, "partnership", ref).id
            repository.update(s, "partnership", pid, {"classification": "RESTRICTED"}, actor="o")
    finally:
        officer.dispose()
    # The entries written while it was CONFIDENTIAL stay CONFIDENTIAL.
    levels = crew.owner_count("SELECT max(level) FROM audit_entry WHERE entity_ref = :ref", ref=ref)
    assert levels == 3


def test_the_audit_actor_is_the_login_role_whatever_the_client_claims(crew: Team) -> None:
    editor = crew.names["editor"]
    reg = crew.open("editor")
    try:
        with reg.write() as s:
            made = repository.create(
                s, "stakeholder", {"name": "Claimed body"}, actor="The Director"
            )
            ref = made.ref
        with reg.session() as s:
            (entry,) = audit.history(s, ref=ref)
            assert (entry.actor, entry.actor_name) == (editor, "The Director")
        # A client writing the trail with SQL, naming someone else: the server overrides it.
        with reg.write() as s:
            s.execute(
                text(
                    "INSERT INTO audit_entry (at, actor, entity_kind, entity_ref, action, changes,"
                    " prev_hash, hash) VALUES (now(), 'postgres', 'stakeholder', :r, 'update',"
                    " '{}', '', '')"
                ),
                {"r": ref},
            )
        with reg.session() as s:
            assert [e.actor for e in audit.history(s, ref=ref)] == [editor, editor]
        # ... and it cannot be edited afterwards.
        with pytest.raises(team.Refused), reg.write() as s:
            s.execute(
                text("UPDATE audit_entry SET actor = 'postgres' WHERE entity_ref = :r"), {"r": ref}
            )
    finally:
        reg.dispose()
    # The application's own entries keep the chain whole (its hash covers the server's
    # actor); the SQL insert above is found as the break it is.
    officer = crew.open("officer")
    try:
        with officer.session() as s:
            assert team.sees_everything(s)
            problems = audit.verify_chain(s)
    finally:
        officer.dispose()
    assert problems and all("entry #" in str(p) for p in problems)
    bad = crew.owner_count(
        "SELECT min(id) FROM audit_entry WHERE entity_ref = :ref AND hash = ''", ref=ref
    )
    assert {p.entry_id for p in problems} <= {bad, None} | {bad + 1}
    owner = crew.open()
    try:
        with owner.write() as s:  # the owner removes the forged entry (and the chain heals)
            s.execute(text("DELETE FROM audit_entry WHERE hash = ''"))
    finally:
        owner.dispose()


def test_a_raised_record_takes_its_earlier_entries_up_and_a_deleted_one_keeps_them(
    crew: Team,
) -> None:
    raised = crew.refs["SECRET"][-1]
    (gone,) = crew.refs["SECRET_DELETED"]
    assert (
        crew.owner_count("SELECT min(level) FROM audit_entry WHERE entity_ref = :ref", ref=raised)
        == 4
    )
    assert (
        crew.owner_count("SELECT min(level) FROM audit_entry WHERE entity_ref = :ref", ref=gone)
        == 4
    )


def test_restricted_member_export_brief_matrix_and_check_see_no_secret(
    crew: Team, tmp_path: Path, capsys: Any
) -> None:
    url = crew.url("reader")
    for kind in ("stakeholders", "partnerships", "risks", "events"):
        out = tmp_path / f"{kind}.csv"
        assert main(["export", kind, "--out", str(out), "--db", url]) == 0
        with out.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        assert rows and {r["classification"] for r in rows} <= {
            "PUBLIC",
            "UNCLASSIFIED",
            "RESTRICTED",
        }
        body = out.read_text(encoding="utf-8")
        assert SECRET_TITLE not in body
        assert not any(ref in body for ref in _secret_refs(crew))
    pdf = tmp_path / "pack.pdf"
    assert main(["brief", "--out", str(pdf), "--ceiling", "SECRET", "--db", url]) == 0
    words = "".join(page.extract_text() for page in PdfReader(str(pdf)).pages)
    assert SECRET_TITLE not in words and "Secret gone" not in words
    capsys.readouterr()
    assert main(["matrix", "--db", url]) == 0
    grid = capsys.readouterr().out
    # The matrix counts the open risks the reader sees: three levels, one risk each.
    assert _grid_total(grid) == 3
    assert main(["matrix", "--db", crew.url()]) == 0
    assert _grid_total(capsys.readouterr().out) >= 5
    # db check as a restricted member: visible entries checked, the rest said plainly.
    assert main(["db", "check", "--db", url]) == 0
    out = capsys.readouterr().out
    assert "the entries you are cleared to see): ok" in out and "needs the whole register" in out


def _grid_total(grid: str) -> int:
    """The sum of the counts in ``risk-tracker matrix`` output (the rows of five cells)."""
    total = 0
    for line in grid.splitlines():
        cells = [c for c in line.replace("|", " ").split() if c.isdigit()]
        if len(cells) == 6:  # the likelihood label, then five counts
            total += sum(int(c) for c in cells[1:])
    return total


def test_an_officer_manages_users_from_the_command_line(
    crew: Team, capsys: Any, monkeypatch: Any
) -> None:
    url = crew.url("officer")
    newcomer = f"new_{crew.names['officer']}"
    capsys.readouterr()
    monkeypatch.setattr("sys.stdin", _Lines("a long pass phrase\n"))
    assert (
        main(
            [
                "users",
                "add",
                newcomer,
                "--role",
                "editor",
                "--clearance",
                "RESTRICTED",
                "--password-stdin",
                "--db",
                url,
            ]
        )
        == 0
    )
    try:
        assert main(["users", "list", "--db", url]) == 0
        listed = capsys.readouterr().out
        assert f"{newcomer}\teditor\tRESTRICTED" in listed
        assert f"{crew.names['reader']}\treader\tRESTRICTED" in listed
        with crew.server.admin() as conn:
            verifier = conn.execute(
                "SELECT rolpassword FROM pg_authid WHERE rolname = %s", (newcomer,)
            ).fetchone()[0]
        assert verifier.startswith("SCRAM-SHA-256$") and "pass phrase" not in verifier
        assert (
            main(
                ["users", "set", newcomer, "--role", "reader", "--clearance", "PUBLIC", "--db", url]
            )
            == 0
        )
        assert main(["users", "list", "--db", url]) == 0
        assert f"{newcomer}\treader\tPUBLIC" in capsys.readouterr().out
        # The new reader sees PUBLIC rows only.
        reg = open_register(url.replace(crew.names["officer"], newcomer), create=False)
        try:
            with reg.session() as s:
                levels = set(s.execute(text("SELECT classification FROM risk")).scalars())
                assert levels == {"PUBLIC"}
                assert team.standing(s).role is team.Role.reader
        finally:
            reg.dispose()
        # Refusals, each one line and exit 1.
        capsys.readouterr()
        reader_url = crew.url("reader")
        assert main(["users", "list", "--db", reader_url]) == 1
        assert "only an officer" in capsys.readouterr().err
        assert main(["users", "remove", newcomer, "--db", reader_url]) == 1
        assert "permission denied" in capsys.readouterr().err
        assert main(["users", "set", crew.names["officer"], "--role", "editor", "--db", url]) == 1
        assert "without an officer" in capsys.readouterr().err
        assert (
            main(["users", "add", "x_bad", "--role", "reader", "--clearance", "TOP", "--db", url])
            == 1
        )
        assert "clearance must be one of" in capsys.readouterr().err
    finally:
        assert main(["users", "remove", newcomer, "--db", url]) == 0
    with crew.server.admin() as conn:
        gone = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (newcomer,)).fetchone()
    assert gone is None


def test_an_officer_cannot_clear_anyone_above_themselves(crew: Team) -> None:
    reg = crew.open("officer")
    try:
        with reg.write() as s:
            team.set_member(s, crew.names["officer"], clearance="CONFIDENTIAL")
        with pytest.raises(team.TeamError, match="above your own"), reg.write() as s:
            team.set_member(s, crew.names["reader"], clearance="SECRET")
        with pytest.raises(team.TeamError, match="above your own"), reg.write() as s:
            team.set_member(s, crew.names["officer"], clearance="SECRET")
    finally:
        reg.dispose()
        owner = crew.open()
        with owner.write() as s:
            team.set_member(s, crew.names["officer"], clearance="SECRET")
        owner.dispose()


class _Lines:
    """A stand-in standard input holding some lines (not a terminal)."""

    def __init__(self, data: str) -> None:
        self._lines = data.splitlines(keepends=True)

    def readline(self) -> str:
        return self._lines.pop(0) if self._lines else ""

    def isatty(self) -> bool:
        return False


def test_users_on_sqlite_say_they_need_postgresql(tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "one.db"
    open_register(path).dispose()
    assert main(["users", "list", "--db", str(path)]) == 1
    assert "users need a PostgreSQL register" in capsys.readouterr().err
    reg = open_register(path)
    try:
        with reg.session() as s:
            me = team.standing(s)
            assert not me.team and me.sees_everything and me.can_edit
            with pytest.raises(team.TeamError, match="PostgreSQL"):
                team.members(s)
    finally:
        reg.dispose()


def test_owner_and_team_standing(crew: Team) -> None:
    expected = {
        "owner": (team.Role.owner, None),
        "reader": (team.Role.reader, "RESTRICTED"),
        "editor": (team.Role.editor, "CONFIDENTIAL"),
        "officer": (team.Role.officer, "SECRET"),
    }
    for who, (role, level) in expected.items():
        reg = crew.open(who)
        try:
            with reg.session() as s:
                me = team.standing(s)
        finally:
            reg.dispose()
        assert me.role is role and (me.clearance.value if me.clearance else None) == level


def test_an_editor_changes_a_visible_record_that_points_at_hidden_ones(crew: Team) -> None:
    """Its SECRET stakeholder and the SECRET event it answers stay as they are, unseen,
    and the audit entry of the change names neither."""
    (ref,) = crew.refs["HIDDEN_TARGETS"]
    reg = crew.open("editor")
    try:
        with reg.write() as s:
            event = repository.get_by_ref(s, "event", ref)
            assert event.stakeholder_id is not None  # the id is there, its record is not
            assert repository.values(s, "event", event)["stakeholder"] is None
            repository.update(s, "event", event.id, {"severity": 5}, actor="e")
        with reg.session() as s:
            changes = [audit.parse_changes(e) for e in audit.history(s, ref=ref)]
        assert changes[-1] == {"severity": [3, 5]}
        # (The owner's create entry, written by someone who saw both, names the hidden
        # refs: identifiers without their content; see the README's team section.)
    finally:
        reg.dispose()
    secret_links = crew.owner_count(
        "SELECT count(*) FROM event e JOIN stakeholder s ON s.id = e.stakeholder_id "
        "JOIN event t ON t.id = e.responds_to_id "
        "WHERE e.ref = :ref AND s.classification = 'SECRET' AND t.classification = 'SECRET'",
        ref=ref,
    )
    assert secret_links == 1


def test_only_an_officer_records_or_marks_an_issued_pack(crew: Team) -> None:
    """Issuing is an officer's act (issue 15 roles): a draft may be recorded by anyone,
    an issued pack only by an officer, and a draft is turned into an issued pack by an
    officer only; the database refuses the others."""
    insert = text(
        "INSERT INTO briefing_record (created_at, actor, title, parameters, ceiling,"
        " banner_level, page_count, sha256, file_name, edition)"
        " VALUES (now(), 'x', :t, '{}', 'PUBLIC', 'PUBLIC', 1, '0', 'x.pdf', :e)"
    )
    for who, edition, allowed in (
        ("reader", "draft", True),
        ("editor", "issued", False),
        ("reader", "issued", False),
        ("officer", "issued", True),
    ):
        reg = crew.open(who)
        title = f"{who} {edition} pack"
        try:
            if allowed:
                with reg.write() as s:
                    s.execute(insert, {"t": title, "e": edition})
            else:
                with pytest.raises(team.Refused), reg.write() as s:
                    s.execute(insert, {"t": title, "e": edition})
        finally:
            reg.dispose()
        found = crew.owner_count("SELECT count(*) FROM briefing_record WHERE title = :t", t=title)
        assert found == (1 if allowed else 0), (who, edition)
    issue = text("UPDATE briefing_record SET edition = 'issued' WHERE title = 'reader draft pack'")
    reg = crew.open("editor")
    try:
        with pytest.raises(team.Refused), reg.write() as s:
            s.execute(issue)
    finally:
        reg.dispose()
    reg = crew.open("officer")
    try:
        with reg.write() as s:
            assert s.execute(issue).rowcount == 1
    finally:
        reg.dispose()
