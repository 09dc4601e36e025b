"""A risk owner's commentary above a member's clearance stays hidden (PostgreSQL team).

The commentary has a classification of its own.  A RESTRICTED risk carries a SECRET
commentary: the reader (cleared RESTRICTED) and the editor (cleared CONFIDENTIAL) see
the risk but never the commentary's words, through any table, the audit trail and
History, an export, an import, the risk form's data or a pack; the officer (cleared
SECRET) sees everything.  Every "never seen" is preceded by the owner's count that
proves the words are there.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from alembic import command
from pypdf import PdfReader
from sqlalchemy import text

from db import audit, bulk, migrations, repository, team
from db.errors import ValidationFailed
from desktop.cli import main
from desktop.services import records
from desktop.services.activity import record_history
from desktop.services.integrity import record_differences
from tests.teamsetup import Team, commented_risk, make_team, team_with

HIDDEN_WORDS = "NEVERSEEN the minister will walk away"
OPEN_WORDS = "OPENLYSAID talks resume in spring"
SAID_ON = dt.date(2026, 11, 20)


@pytest.fixture(scope="module")
def crew(pg_server: Any) -> Iterator[Team]:
    def fill(s: Any, made: Team) -> None:
        hidden = commented_risk(
            s, "Commentary matter risk", HIDDEN_WORDS, said_level="SECRET", said_on=SAID_ON
        )
        # a change of the risk's own fields after the commentary: the reader sees it
        repository.update(
            s, "risk", hidden.id, {"title": "Commentary matter risk, renamed"}, actor="owner"
        )
        shown = commented_risk(s, "Open commentary risk", OPEN_WORDS, said_on=SAID_ON)
        made.refs["COMMENTED"] = [hidden.ref, shown.ref]

    with team_with(pg_server, fill) as made:
        yield made


def _hidden_ref(crew: Team) -> str:
    return crew.refs["COMMENTED"][0]


def _tables(crew: Team) -> list[str]:
    reg = crew.open()
    try:
        with reg.session() as s:
            return list(
                s.execute(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
                ).scalars()
            )
    finally:
        reg.dispose()


def _mentions(session: Any, table: str, words: str) -> int:
    return int(
        session.execute(
            text(f'SELECT count(*) FROM "{table}" t WHERE t::text LIKE :w'),  # noqa: S608 (names from pg_tables)
            {"w": f"%{words.split()[0]}%"},
        ).scalar_one()
    )


def _owner_mentions(crew: Team, words: str) -> int:
    reg = crew.open()
    try:
        with reg.session() as s:
            return sum(_mentions(s, t, words) for t in _tables(crew))
    finally:
        reg.dispose()


def test_no_table_gives_a_restricted_member_the_secret_commentary(crew: Team) -> None:
    assert _owner_mentions(crew, HIDDEN_WORDS) >= 2  # the commentary and its audit entry
    for who, sees_hidden in (("reader", False), ("editor", False), ("officer", True)):
        reg = crew.open(who)
        try:
            with reg.session() as s:
                readable = [
                    t
                    for t in _tables(crew)
                    if s.execute(
                        text("SELECT has_table_privilege(:t, 'SELECT')"), {"t": t}
                    ).scalar()
                ]
                assert {"risk", "audit_entry"} <= set(readable)
                hidden = {t: _mentions(s, t, HIDDEN_WORDS) for t in readable}
                shown = sum(_mentions(s, t, OPEN_WORDS) for t in readable)
                risk = repository.get_by_ref(s, "risk", _hidden_ref(crew))
                words = risk.commentary
                steps = record_history(s, kind="risk", ref=_hidden_ref(crew), levels=None)
        finally:
            reg.dispose()
        if sees_hidden:
            assert sum(hidden.values()) >= 2 and words == HIDDEN_WORDS, who
        else:
            assert sum(hidden.values()) == 0, (who, hidden)
            assert words is None, who
        # the risk itself and a commentary within the clearance stay visible
        assert shown >= 2, who
        fields = {line.field for line in steps}
        assert "title" in fields, who  # the risk's own changes are still in its history
        assert ("commentary" in fields) is sees_hidden, (who, fields)
        texts = " ".join(f"{line.old} {line.new}" for line in steps)
        assert ("NEVERSEEN" in texts) is sees_hidden, who


def test_the_audit_trail_keeps_the_commentary_at_its_own_level(crew: Team) -> None:
    ref = _hidden_ref(crew)
    levels = crew.owner_count(
        "SELECT min(level) FROM audit_entry WHERE entity_ref = :ref AND changes LIKE '%NEVERSEEN%'",
        ref=ref,
    )
    assert levels == 4
    # the risk's own entries stay at the risk's level (RESTRICTED)
    assert (
        crew.owner_count(
            "SELECT max(level) FROM audit_entry WHERE entity_ref = :ref "
            "AND changes NOT LIKE '%commentary%'",
            ref=ref,
        )
        == 2
    )
    reg = crew.open("reader")
    try:
        with reg.session() as s:
            entries = audit.history(s, kind="risk", ref=ref)
            assert entries and all("NEVERSEEN" not in e.changes for e in entries)
            assert audit.verify_chain(s, linked=False) == []
    finally:
        reg.dispose()


def _export(crew: Team, who: str, out: Path) -> None:
    assert main(["export", "risks", "--out", str(out), "--db", crew.url(who)]) == 0


def _csv_rows(path: Path) -> dict[str, dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["ref"]: row for row in csv.DictReader(handle)}


def _xlsx_rows(path: Path) -> dict[str, dict[str, Any]]:
    book = openpyxl.load_workbook(path, read_only=True)
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    book.close()
    head = [str(h) for h in rows[0]]
    return {str(r[head.index("ref")]): dict(zip(head, r, strict=True)) for r in rows[1:]}


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_an_export_leaves_the_cell_of_a_hidden_commentary_empty(
    crew: Team, tmp_path: Path, suffix: str
) -> None:
    hidden_ref, shown_ref = crew.refs["COMMENTED"]
    read = _csv_rows if suffix == "csv" else _xlsx_rows
    _export(crew, "officer", tmp_path / f"officer.{suffix}")
    top = read(tmp_path / f"officer.{suffix}")
    assert top[hidden_ref]["commentary"] == HIDDEN_WORDS
    assert top[hidden_ref]["commentary_classification"] == "SECRET"
    for who in ("reader", "editor"):
        out = tmp_path / f"{who}.{suffix}"
        _export(crew, who, out)
        rows = read(out)
        assert rows[hidden_ref]["title"] == "Commentary matter risk, renamed"
        for column in ("commentary", "commentary_on", "commentary_classification"):
            assert rows[hidden_ref][column] in ("", None), (who, column)
        assert rows[shown_ref]["commentary"] == OPEN_WORDS
        if suffix == "csv":
            assert "NEVERSEEN" not in out.read_text(encoding="utf-8")


def test_a_pack_prints_the_commentary_only_for_a_member_cleared_for_it(
    crew: Team, tmp_path: Path
) -> None:
    def words(who: str) -> str:
        pdf = tmp_path / f"{who}.pdf"
        args = ["brief", "--out", str(pdf), "--ceiling", "SECRET", "--db", crew.url(who)]
        assert main(args) == 0
        return "".join(page.extract_text() for page in PdfReader(str(pdf)).pages)

    assert "NEVERSEEN" in words("officer")
    reader_words = words("reader")
    assert "OPENLYSAID" in reader_words and "NEVERSEEN" not in reader_words


def test_the_form_data_withholds_a_hidden_commentary(crew: Team) -> None:
    for who, withheld in (("reader", True), ("officer", False), ("owner", False)):
        reg = crew.open(who)
        try:
            with reg.session() as s:
                risk_id = repository.get_by_ref(s, "risk", _hidden_ref(crew)).id
            form = records.load_form_data(reg, "risk", risk_id)
        finally:
            reg.dispose()
        assert bool(form.withheld) is withheld, who
        assert (form.values["commentary"] == HIDDEN_WORDS) is not withheld, who
        if withheld:
            assert form.values["commentary"] is None
            assert "commentary" in form.withheld


def _owner_commentary(crew: Team, ref: str) -> tuple[Any, ...]:
    reg = crew.open()
    try:
        with reg.session() as s:
            risk = repository.get_by_ref(s, "risk", ref)
            return (risk.title, risk.commentary, risk.commentary_on, risk.commentary_classification)
    finally:
        reg.dispose()


def test_an_import_by_a_member_never_wipes_a_commentary_they_cannot_see(
    crew: Team, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ref = _hidden_ref(crew)
    out = tmp_path / "mine.csv"
    _export(crew, "editor", out)
    rows = _csv_rows(out)
    # the file as the member's export gives it (the commentary's cells empty), the risk
    # renamed: the empty cells are not a wipe
    for column in ("commentary", "commentary_on", "commentary_classification"):
        rows[ref][column] = ""
    rows[ref]["title"] = "Commentary matter risk, renamed by the editor"
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(next(iter(rows.values()))))
        writer.writeheader()
        writer.writerows(rows.values())
    assert main(["import", "risks", str(out), "--db", crew.url("editor")]) == 0
    assert _owner_commentary(crew, ref) == (
        "Commentary matter risk, renamed by the editor",
        HIDDEN_WORDS,
        SAID_ON,
        "SECRET",
    )
    # writing words over the hidden commentary is refused, and nothing changes
    rows[ref]["commentary"] = "Overwritten by someone not cleared"
    rows[ref]["title"] = "Commentary matter risk, renamed twice"
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(next(iter(rows.values()))))
        writer.writeheader()
        writer.writerows(rows.values())
    capsys.readouterr()
    assert main(["import", "risks", str(out), "--db", crew.url("editor")]) != 0
    said = capsys.readouterr()
    assert "above your clearance" in said.out + said.err
    assert _owner_commentary(crew, ref)[:2] == (
        "Commentary matter risk, renamed by the editor",
        HIDDEN_WORDS,
    )


def test_a_member_cannot_write_delete_or_lower_a_commentary_beyond_their_clearance(
    crew: Team,
) -> None:
    ref = _hidden_ref(crew)
    reg = crew.open("editor")
    try:
        with reg.write() as s:
            public = repository.create(
                s,
                "risk",
                {"title": "Editor's own risk", "classification": "RESTRICTED"},
                actor="editor",
            )
        # above the editor's clearance (CONFIDENTIAL): refused by the database
        with pytest.raises(team.Refused), reg.write() as s:
            repository.update(
                s,
                "risk",
                public.id,
                {"commentary": "too high", "commentary_classification": "SECRET"},
                actor="editor",
            )
        with reg.write() as s:
            repository.update(
                s,
                "risk",
                public.id,
                {"commentary": "within reach", "commentary_classification": "CONFIDENTIAL"},
                actor="editor",
            )
        # lowering it is an officer's decision
        with pytest.raises(team.Refused) as caught, reg.write() as s:
            repository.update(
                s, "risk", public.id, {"commentary_classification": "RESTRICTED"}, actor="editor"
            )
        assert "only an officer" in str(caught.value)
        # a risk whose commentary the editor cannot see is not deleted by them unseen
        with pytest.raises(ValidationFailed) as refused, reg.write() as s:
            hidden = repository.get_by_ref(s, "risk", ref)
            repository.delete(s, "risk", hidden.id, actor="editor")
        assert "above your clearance" in str(refused.value)
        # nor by taking back an import that holds it
        with pytest.raises(ValidationFailed) as refused, reg.write() as s:
            bulk.delete_by_refs(s, "risk", [public.ref, ref], actor="editor")
        assert ref in str(refused.value) and "above your clearance" in str(refused.value)
    finally:
        reg.dispose()
    assert _owner_commentary(crew, ref)[1] == HIDDEN_WORDS
    officer = crew.open("officer")
    try:
        with officer.write() as s:
            repository.update(
                s, "risk", public.id, {"commentary_classification": "RESTRICTED"}, actor="officer"
            )
    finally:
        officer.dispose()


def test_raising_a_commentary_takes_its_earlier_entries_up(crew: Team) -> None:
    reg = crew.open("officer")
    try:
        with reg.write() as s:
            risk = commented_risk(
                s, "Raised commentary risk", "RAISEDLATER first words", actor="officer"
            )
        with reg.write() as s:
            repository.update(
                s, "risk", risk.id, {"commentary_classification": "SECRET"}, actor="officer"
            )
    finally:
        reg.dispose()
    sql = "SELECT min(level) FROM audit_entry WHERE changes LIKE '%RAISEDLATER%'"
    assert crew.owner_count(sql) == 4
    reader = crew.open("reader")
    try:
        with reader.session() as s:
            assert _mentions(s, "audit_entry", "RAISEDLATER") == 0
            assert (
                s.execute(
                    text("SELECT count(*) FROM risk WHERE title = 'Raised commentary risk'")
                ).scalar()
                == 1
            )
    finally:
        reader.dispose()


def test_the_replay_reproduces_every_commentary(
    crew: Team, capsys: pytest.CaptureFixture[str]
) -> None:
    reg = crew.open()
    try:
        with reg.write() as s:
            risk = commented_risk(s, "Deleted with its words", "GONEWORDS", level="SECRET")
            repository.delete(s, "risk", risk.id, actor="owner")
        with reg.session() as s:
            assert record_differences(s) == []
    finally:
        reg.dispose()
    capsys.readouterr()
    assert main(["db", "check", "--db", crew.url()]) == 0


def test_a_team_register_moves_its_commentaries_down_and_up_again(pg_server: Any) -> None:
    """0016 on PostgreSQL with data: down to 0011 the commentary is three columns of the
    risk again; back up it is hidden from the reader, and an entry that held it at the
    risk's level (as before 0016) is raised to the commentary's level."""
    made = make_team(pg_server)
    try:
        reg = made.open()
        try:
            with reg.write() as s:
                risk = commented_risk(
                    s,
                    "Migrated commentary risk",
                    "MIGRATEDWORDS kept",
                    said_level="SECRET",
                    said_on=SAID_ON,
                )
                ref = risk.ref
            with reg.engine.begin() as conn:
                cfg = migrations.alembic_config()
                cfg.attributes["connection"] = conn
                command.downgrade(cfg, "0011")
            with reg.engine.begin() as conn:
                row = conn.execute(
                    text(
                        "SELECT commentary, commentary_on, commentary_classification "
                        "FROM risk WHERE ref = :ref"
                    ),
                    {"ref": ref},
                ).one()
                assert tuple(row) == ("MIGRATEDWORDS kept", SAID_ON, "SECRET")
                # as 0009 stamped it: the entry holding the commentary at the risk's level
                conn.execute(
                    text("UPDATE audit_entry SET level = 2 WHERE changes LIKE '%MIGRATEDWORDS%'")
                )
            migrations.run_upgrade(reg.engine)
        finally:
            reg.dispose()
        assert (
            made.owner_count(
                "SELECT min(level) FROM audit_entry WHERE changes LIKE '%MIGRATEDWORDS%'"
            )
            == 4
        )
        assert made.owner_count("SELECT count(*) FROM risk_commentary") == 1
        assert _owner_commentary(made, ref)[1:] == ("MIGRATEDWORDS kept", SAID_ON, "SECRET")
        reader = made.open("reader")
        try:
            with reader.session() as s:
                assert repository.get_by_ref(s, "risk", ref).commentary is None
                for table in ("risk", "risk_commentary", "audit_entry"):
                    assert _mentions(s, table, "MIGRATEDWORDS") == 0, table
        finally:
            reader.dispose()
        owner = made.open()
        try:
            with owner.session() as s:
                assert record_differences(s) == []
        finally:
            owner.dispose()
    finally:
        made.drop()
