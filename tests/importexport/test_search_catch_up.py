"""The search index through a bulk import on SQLite (``db.queries.importexport.bulk_writing``).

From ``REBUILD_MIN_ROWS`` new rows on, the import sets the search index's insert
trigger aside and indexes the new rows in one statement at the end, in the import's
transaction.  Checked here: ``risk-tracker search`` finds every imported event, the
FTS5 index agrees with the event table (its own ``integrity-check``, content
included), the schema is the same afterwards (the trigger is back, word for word,
and indexes later writes), an import that fails or is cancelled after the rows went
in leaves the index and the table as they were, and the threshold holds exactly (at
it the trigger is set aside, one row below it is not).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from db import audit, repository
from db.engine import Register
from db.errors import Cancelled
from db.importexport import import_file
from db.importexport import importer as imp
from db.models import EventCreate
from db.queries import importexport as q
from db.search_index import searched, sqlite_insert_trigger
from desktop.cli import main
from tests.importexport.helpers import ACTOR, fresh_register, schema, seed, write_csv

TRIGGER = sqlite_insert_trigger(searched("event"))[0]


def _events_csv(path: Path, n: int, word: str) -> Path:
    rows = [
        [f"2026-02-{1 + i % 28:02d}", f"{word} petition {i}", f"signed at depot{i:05d}"]
        for i in range(1, n + 1)
    ]
    return write_csv(path, ["occurred_on", "title", "summary"], rows)


def _search(capsys: Any, db: Path, *args: str) -> list[list[str]]:
    capsys.readouterr()
    assert main(["search", "--db", str(db), *args]) == 0
    return [line.split("\t") for line in capsys.readouterr().out.splitlines()]


def _index_is_sound(path: Path, kind: str = "event") -> bool:
    """FTS5's own check, against the record table too (rank 1): False when a row is
    missing from the index, indexed twice or indexed with other text."""
    fts = searched(kind).fts_table
    con = sqlite3.connect(path)
    try:
        con.execute(f"INSERT INTO {fts}({fts}, rank) VALUES ('integrity-check', 1)")  # noqa: S608
        return True
    except sqlite3.DatabaseError:
        return False
    finally:
        con.rollback()
        con.close()


def _trigger_seen_by_event_inserts(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether the insert trigger existed at each batch insert of events."""
    seen: list[bool] = []
    real = q.insert_tuples

    def watching(session: Any, *, kind: str, keys: Any, rows: Any) -> None:
        if kind == "event":
            found = (
                session.connection()
                .exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE name = ?", (TRIGGER,))
                .scalar()
            )
            seen.append(bool(found))
        real(session, kind=kind, keys=keys, rows=rows)

    monkeypatch.setattr(q, "insert_tuples", watching)
    return seen


@pytest.fixture
def register(tmp_path: Path) -> Any:
    reg = fresh_register(tmp_path / "r.db")
    seed(reg)
    yield reg
    reg.dispose()


def _db(register: Register) -> Path:
    assert register.path is not None
    return register.path


def test_search_finds_every_event_of_a_bulk_import(
    register: Register, tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = _db(register)
    before = schema(db)
    seen = _trigger_seen_by_event_inserts(monkeypatch)
    n = q.REBUILD_MIN_ROWS
    result = import_file(
        register, "events", _events_csv(tmp_path / "e.csv", n, "Quokka"), actor=ACTOR
    )
    assert result.created == n
    assert seen and not any(seen)  # the bulk path did set the trigger aside
    assert schema(db) == before  # and put it back word for word
    assert _index_is_sound(db)
    found = _search(capsys, db, "quokka", "--kind", "events", "--limit", str(n + 10))
    assert sorted(ref for ref, _kind, _title in found) == sorted(result.created_refs)
    # one event by a word of its summary only
    third = _search(capsys, db, "depot00003")
    assert [(kind, title) for _ref, kind, title in third] == [("event", "Quokka petition 3")]
    # the trigger indexes the writes after the import again
    with register.write() as s:
        repository.create(
            s, "event", EventCreate(title="Wombat sighting", occurred_on="2026-03-01"), actor=ACTOR
        )
    assert [line[2] for line in _search(capsys, db, "wombat")] == ["Wombat sighting"]
    assert _index_is_sound(db)


@pytest.mark.parametrize("below", [False, True], ids=["at the threshold", "one below"])
def test_the_trigger_is_set_aside_from_exactly_the_threshold(
    register: Register, tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch, below: bool
) -> None:
    db = _db(register)
    seen = _trigger_seen_by_event_inserts(monkeypatch)
    n = q.REBUILD_MIN_ROWS - (1 if below else 0)
    result = import_file(
        register, "events", _events_csv(tmp_path / "e.csv", n, "Numbat"), actor=ACTOR
    )
    assert result.created == n
    assert seen == [below] * len(seen) and seen
    assert _index_is_sound(db)
    assert len(_search(capsys, db, "numbat", "--limit", str(n + 10))) == n


def test_a_failed_bulk_import_leaves_the_index_as_it_was(
    register: Register, tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The audit write of the second batch fails: the first batch's events are in the
    table by then, with the trigger dropped; everything is rolled back."""
    db = _db(register)
    before = schema(db)
    with register.session() as s:
        events_before = repository.counts(s)["event"]
    real = audit.record_encoded
    calls = []

    def failing(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk on fire")
        return real(*args, **kwargs)

    monkeypatch.setattr(audit, "record_encoded", failing)
    n = 2 * q.REBUILD_MIN_ROWS  # two batches of the writer
    with pytest.raises(RuntimeError, match="disk on fire"):
        import_file(register, "events", _events_csv(tmp_path / "e.csv", n, "Bilby"), actor=ACTOR)
    assert len(calls) == 2
    assert schema(db) == before
    assert _index_is_sound(db)
    assert _search(capsys, db, "bilby") == []
    with register.session() as s:
        assert repository.counts(s)["event"] == events_before
        assert audit.verify_chain(s) == []
    with register.write() as s:
        repository.create(
            s, "event", EventCreate(title="Bilby burrow", occurred_on="2026-03-01"), actor=ACTOR
        )
    assert [line[2] for line in _search(capsys, db, "bilby")] == ["Bilby burrow"]
    assert _index_is_sound(db)


def test_a_cancel_after_the_catch_up_leaves_the_index_as_it_was(
    register: Register, tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = _db(register)
    before = schema(db)
    real_write = imp.write

    def write_then_cancel(*args: Any, **kwargs: Any) -> Any:
        real_write(*args, **kwargs)  # trigger dropped, rows in and indexed, trigger back
        raise Cancelled("import cancelled; nothing was written")

    monkeypatch.setattr(imp, "write", write_then_cancel)
    with pytest.raises(Cancelled):
        import_file(
            register,
            "events",
            _events_csv(tmp_path / "e.csv", q.REBUILD_MIN_ROWS, "Dingo"),
            actor=ACTOR,
        )
    assert schema(db) == before
    assert _index_is_sound(db)
    assert _search(capsys, db, "dingo") == []


def test_a_changed_trigger_is_left_alone(register: Register, tmp_path: Path, capsys: Any) -> None:
    """A trigger that is not word for word the model's is not dropped (nor re-created
    from the model): rows are indexed by it, row by row."""
    db = _db(register)
    name, sql = sqlite_insert_trigger(searched("event"))
    changed = sql.replace("BEGIN ", "BEGIN  ")
    with register.write() as s:
        s.connection().exec_driver_sql(f"DROP TRIGGER {name}")
        s.connection().exec_driver_sql(changed)
    before = schema(db)
    n = q.REBUILD_MIN_ROWS
    import_file(register, "events", _events_csv(tmp_path / "e.csv", n, "Possum"), actor=ACTOR)
    assert schema(db) == before
    assert _index_is_sound(db)
    assert len(_search(capsys, db, "possum", "--limit", str(n + 10))) == n


def test_other_kinds_are_caught_up_too(register: Register, tmp_path: Path, capsys: Any) -> None:
    """The rule is table-driven (``SEARCHED``): a bulk import of stakeholders."""
    db = _db(register)
    before = schema(db)
    n = q.REBUILD_MIN_ROWS
    path = write_csv(
        tmp_path / "s.csv",
        ["name", "kind", "description"],
        [[f"Platypus society {i}", "civil_society", f"branch kx{i:05d}"] for i in range(n)],
    )
    assert import_file(register, "stakeholders", path, actor=ACTOR).created == n
    assert schema(db) == before
    assert _index_is_sound(db, "stakeholder")
    assert len(_search(capsys, db, "platypus", "--kind", "stakeholder", "--limit", str(n + 1))) == n
    found = _search(capsys, db, "kx00042")
    assert [(kind, title) for _ref, kind, title in found] == [
        ("stakeholder", "Platypus society 42")
    ]
