"""R6 migrations: a new register is at the head revision; a register made by every earlier
revision, with data, upgrades intact after a backup copy is written beside it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import sqlite3
from pathlib import Path
from unittest import mock

import pytest
from alembic import command
from sqlalchemy import inspect
from sqlmodel import SQLModel

from db import audit, demo, meta, migrations, register_file, repository
from db.classification import DEFAULT_LEVEL
from db.demo import load_demo
from db.engine import Register, make_engine, open_register
from db.errors import RegisterError
from desktop.cli import main
from tests.teamsetup import commented_risk

TODAY = dt.date.today()
RECORD_TABLES = (
    "stakeholder",
    "partnership",
    "risk",
    "event",
    "risk_partnership",
    "risk_stakeholder",
    "event_risk",
    "audit_entry",
    "ref_counter",
    "app_meta",
)


def earlier_revisions() -> list[str]:
    head = migrations.head_revision()
    revs = [r.revision for r in migrations.script_directory().walk_revisions()]
    return sorted(r for r in revs if r != head)


def rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    con = sqlite3.connect(path)
    try:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in RECORD_TABLES}  # noqa: S608
    finally:
        con.close()


def named_rows(path: Path, table: str, key: str = "id") -> list[dict[str, object]]:
    con = sqlite3.connect(path)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute(f"SELECT * FROM {table} ORDER BY {key}")]  # noqa: S608
    finally:
        con.close()


COMMENTARY_COLUMNS = {
    "text": "commentary",
    "dated": "commentary_on",
    "classification": "commentary_classification",
}


def commentary_by_risk(path: Path) -> dict[object, dict[str, object]]:
    """risk id -> its commentary under the names the risk's columns had before 0016."""
    if "risk_commentary" not in rows_tables(path):
        return {}
    return {
        row["risk_id"]: {COMMENTARY_COLUMNS[k]: v for k, v in row.items() if k != "risk_id"}
        for row in named_rows(path, "risk_commentary", "risk_id")
    }


def revision_in(path: Path) -> str:
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    finally:
        con.close()


def make_register_at(path: Path, revision: str) -> None:
    """A register made by an earlier version: its schema stops at ``revision``.

    The demo is written through today's repository at the head revision, then the
    schema is taken down to ``revision`` by the revisions' own downgrades (0009 added
    columns that today's repository writes, so the demo cannot be written below it).
    Before 0005 there were no treatment actions: the demo is then written without
    them, so that no audit entry names a record the older schema cannot hold."""
    url = f"sqlite:///{path}"
    reg = Register(url=url, engine=make_engine(url))
    try:
        migrations.run_upgrade(reg.engine)
        with reg.write() as s:
            register_file.mark_as_ours(s)
        if revision >= ACTIONS_REVISION:
            load_demo(reg, today=TODAY)
        else:
            _load_demo_without_actions(reg)
        with reg.engine.begin() as conn:
            cfg = migrations.alembic_config()
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, revision)
        assert migrations.current_revision(reg.engine) == revision
    finally:
        reg.dispose()
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


ACTIONS_REVISION = "0005"  # treatment actions


def _load_demo_without_actions(reg: Register) -> None:
    full = demo.story()
    older = dataclasses.replace(full, steps=tuple(s for s in full.steps if s.kind != "action"))
    with mock.patch.object(demo, "story", lambda: older):
        load_demo(reg, today=TODAY)


def test_there_is_at_least_one_earlier_revision():
    assert earlier_revisions(), "the upgrade tests below need a revision before the head"


def test_a_new_register_is_at_the_head_and_marked_as_ours(register):
    assert migrations.current_revision(register.engine) == migrations.head_revision()
    with register.session() as s:
        assert meta.get_meta(s, "application") == "stakeholder-risk-tracker"
    assert register.upgraded_from is None and register.backup_path is None
    tables = set(inspect(register.engine).get_table_names())
    assert {"stakeholder", "partnership", "risk", "event", "audit_entry", "audit_head"} <= tables


@pytest.mark.parametrize("revision", earlier_revisions())
def test_an_older_register_is_backed_up_then_upgraded_with_its_data_intact(tmp_path, revision):
    path = tmp_path / "old.db"
    make_register_at(path, revision)
    before = rows(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()

    reg = open_register(path)
    try:
        assert reg.upgraded_from == revision
        assert migrations.current_revision(reg.engine) == migrations.head_revision()
        with reg.session() as s:
            assert repository.counts(s) == {
                "stakeholder": 14,
                "partnership": 5,
                "risk": 11,
                "event": 34,
                "action": 6 if revision >= ACTIONS_REVISION else 0,
            }
            assert audit.verify_chain(s) == []
        # The register still takes writes after the upgrade.
        with reg.write() as s:
            repository.create(s, "risk", {"title": "After the upgrade"}, actor="tester")
    finally:
        reg.dispose()

    backup = reg.backup_path
    assert backup is not None and backup.exists() and backup.parent == path.parent
    assert revision in backup.name
    assert (backup.stat().st_mode & 0o777) == 0o600
    assert revision_in(backup) == revision
    assert rows(backup) == before  # the copy is the register as it was
    # The data came through the upgrade unchanged (the new risk aside).
    after = rows(path)
    assert after["stakeholder"] == before["stakeholder"]
    assert after["event"] == before["event"]
    # Column by column: a later revision adds columns (empty on the old risks) and
    # 0016 moved the commentary's three into risk_commentary.
    old_named, now_named = named_rows(backup, "risk"), named_rows(path, "risk")
    moved = commentary_by_risk(path)
    assert len(now_named) == len(old_named) + 1
    for was, now in zip(old_named, now_named, strict=False):
        for column, value in was.items():
            held = now[column] if column in now else moved.get(was["id"], {}).get(column)
            assert held == value, (was["ref"], column)
        assert all(now[column] is None for column in now.keys() - was.keys())
    assert digest != hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("revision", earlier_revisions()[:1])
def test_without_upgrade_an_older_register_is_refused_untouched(tmp_path, revision):
    path = tmp_path / "old.db"
    make_register_at(path, revision)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(RegisterError, match="db upgrade"):
        open_register(path, upgrade=False)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    assert not list(tmp_path.glob("*.bak"))


def test_db_upgrade_command_reports_the_upgrade_and_the_backup(tmp_path, capsys):
    revision = earlier_revisions()[0]
    path = tmp_path / "old.db"
    make_register_at(path, revision)
    assert main(["db", "upgrade", "--db", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"from schema {revision} to {migrations.head_revision()}" in out
    backups = list(tmp_path.glob("old.db.before-upgrade-*.bak"))
    assert len(backups) == 1 and str(backups[0]) in out
    assert main(["db", "upgrade", "--db", str(path)]) == 0
    assert "already at the current schema" in capsys.readouterr().out
    assert main(["db", "check", "--db", str(path)]) == 0


def test_db_check_on_an_older_register_asks_for_an_upgrade(tmp_path, capsys):
    path = tmp_path / "old.db"
    make_register_at(path, earlier_revisions()[0])
    assert main(["db", "check", "--db", str(path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "db upgrade" in err[0]


def _downgrade(reg: Register, revision: str) -> None:
    from alembic import command

    cfg = migrations.alembic_config()
    with reg.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def test_0004_gives_a_register_the_default_bands_unless_it_holds_its_own(tmp_path, register):
    from db.register_settings import register_bands
    from db.scales import DEFAULT_BANDS, Bands

    with register.session() as s:  # a new register
        assert meta.get_meta(s, "bands") == "4,9,14" == DEFAULT_BANDS.to_text()
    for name, stored, expected in (
        ("plain", None, DEFAULT_BANDS),
        ("own", "3,8,12", Bands(3, 8, 12)),  # set by hand under 0003 (its packs read the key)
    ):
        path = tmp_path / f"{name}.db"
        make_register_at(path, "0003")
        if stored is not None:
            con = sqlite3.connect(path)
            with con:
                con.execute("INSERT INTO app_meta (key, value) VALUES ('bands', ?)", (stored,))
            con.close()
        reg = open_register(path)
        try:
            assert reg.upgraded_from == "0003"
            with reg.session() as s:
                assert meta.get_meta(s, "bands") == expected.to_text()
                assert register_bands(s) == expected
            _downgrade(reg, "0003")
            with reg.session() as s:  # defaults go back to being implied; own bands stay
                assert meta.get_meta(s, "bands") == stored
        finally:
            reg.dispose()


def test_0006_makes_packs_recorded_before_it_issued_with_their_scope(tmp_path):
    """The documented choice: earlier packs were printed unmarked and were baselines, so
    they become issued packs (by their author, when made, to their audience)."""
    from db.queries import briefing as bq

    path = tmp_path / "old.db"
    make_register_at(path, "0004")
    con = sqlite3.connect(path)
    with con:
        for i, (params, audience) in enumerate(
            (('{"partnerships": ["p-002", "P-001"]}', "Board"), ("{}", None), ("not json", None))
        ):
            con.execute(
                "INSERT INTO briefing_record (created_at, actor, title, audience, parameters,"
                " ceiling, banner_level, page_count, sha256, file_name)"
                " VALUES (?, 'alice', ?, ?, ?, 'RESTRICTED', 'UNCLASSIFIED', 3, ?, 'x.pdf')",
                (f"2026-11-0{i + 1} 10:00:00.000000", f"pack {i}", audience, params, "0" * 64),
            )
    con.close()
    reg = open_register(path)
    try:
        assert reg.upgraded_from == "0004"
        with reg.session() as s:
            records = sorted(bq.briefing_records(s), key=lambda r: r.title)
            assert [r.edition for r in records] == ["issued"] * 3
            assert [r.scope for r in records] == ["P-001,P-002", "", ""]
            assert [r.distribution for r in records] == ["Board", None, None]
            assert {r.issued_by for r in records} == {"alice"}
            assert [r.issued_at.replace(tzinfo=None) for r in records] == [
                r.created_at.replace(tzinfo=None) for r in records
            ]
            # the newest of them is a baseline for a whole-register pack at RESTRICTED
            found = bq.last_briefing(s, levels=["RESTRICTED"], issued_only=True, scope="")
            assert found is not None and found.title == "pack 2"
        with reg.write() as s:  # a pack made now starts as a draft
            from db.models import BriefingRecord

            new = bq.add_briefing_record(
                s,
                record=BriefingRecord(
                    title="new",
                    ceiling="RESTRICTED",
                    banner_level="PUBLIC",
                    sha256="1",
                    file_name="n.pdf",
                ),
            )
            assert new.edition == "draft"
        _downgrade(reg, "0004")
        con = sqlite3.connect(path)
        columns = {c[1] for c in con.execute("PRAGMA table_info(briefing_record)")}
        risk_columns = {c[1] for c in con.execute("PRAGMA table_info(risk)")}
        con.close()
        assert "edition" not in columns and "commentary" not in risk_columns
    finally:
        reg.dispose()


def test_0005_adds_the_action_tables_and_takes_them_away_again(tmp_path):
    path = tmp_path / "old.db"
    make_register_at(path, "0004")
    assert "action" not in rows_tables(path)
    reg = open_register(path)
    try:
        assert reg.upgraded_from == "0004"
        assert {"action", "action_risk"} <= set(inspect(reg.engine).get_table_names())
        with reg.write() as s:
            risk = repository.get_by_ref(s, "risk", "R-002")
            action = repository.create(
                s, "action", {"title": "After the upgrade", "risk_ids": [risk.id]}, actor="t"
            )
            assert action.ref == "A-001"
        _downgrade(reg, "0004")
        assert not {"action", "action_risk"} & set(inspect(reg.engine).get_table_names())
        assert migrations.current_revision(reg.engine) == "0004"
    finally:
        reg.dispose()


def rows_tables(path: Path) -> set[str]:
    con = sqlite3.connect(path)
    try:
        return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        con.close()


def test_the_migrated_schema_has_the_action_tables_as_the_models_describe_them(register):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with register.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    # The search index's tables (action_search...) belong to db.search_index, not to
    # the models; everything else about actions must match.
    about_actions = [
        d for d in differences if "action" in repr(d) and "action_search" not in repr(d)
    ]
    assert about_actions == []


def test_0016_moves_each_commentary_to_its_table_and_back_again(tmp_path):
    """With data, both ways: down to 0011 each commentary is the risk's three columns
    again, and back up it is a row of risk_commentary; the records still equal the
    audit trail's replay and the chain holds."""
    from desktop.services.integrity import record_differences

    path = tmp_path / "said.db"
    reg = open_register(path)
    said_on = dt.date(2026, 10, 30)
    with reg.write() as s:
        full = commented_risk(
            s,
            "Fully commented",
            "Owner words",
            level=DEFAULT_LEVEL,
            said_level="SECRET",
            said_on=said_on,
            actor="t",
        )
        dated = repository.create(s, "risk", {"title": "Only a date"}, actor="t")
        repository.update(s, "risk", dated.id, {"commentary_on": said_on}, actor="t")
        repository.create(s, "risk", {"title": "Not commented"}, actor="t")
    _downgrade(reg, "0011")
    reg.dispose()
    assert "risk_commentary" not in rows_tables(path)
    said = {
        r["title"]: (r["commentary"], r["commentary_on"], r["commentary_classification"])
        for r in named_rows(path, "risk")
    }
    assert said == {
        "Fully commented": ("Owner words", said_on.isoformat(), "SECRET"),
        "Only a date": (None, said_on.isoformat(), None),
        "Not commented": (None, None, None),
    }
    reg = open_register(path)
    try:
        assert reg.upgraded_from == "0011"
        assert "commentary" not in {c["name"] for c in inspect(reg.engine).get_columns("risk")}
        assert len(named_rows(path, "risk_commentary", "risk_id")) == 2
        with reg.session() as s:
            risk = repository.get(s, "risk", full.id)
            assert (risk.commentary, risk.commentary_on, risk.commentary_classification) == (
                "Owner words",
                said_on,
                "SECRET",
            )
            assert repository.get(s, "risk", dated.id).commentary_on == said_on
            assert record_differences(s) == []
            assert audit.verify_chain(s) == []
    finally:
        reg.dispose()
