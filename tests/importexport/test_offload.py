"""A large SQLite import of new records checked and built in a forked child
(``db.importexport.offload``): the same rows, links, audit entries and errors as in
one process, all or nothing whatever stops it, and only where it is safe."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import types
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select

from db import audit
from db.errors import Cancelled, RegisterError, ValidationFailed
from db.importexport import import_file, offload
from db.importexport import write as write_module
from db.models import AuditEntry, AuditHead
from db.queries import importexport as q
from tests.importexport.helpers import fresh_register, seed, write_csv

ROOT = Path(__file__).resolve().parents[2]
HEADER = ["ref", "occurred_on", "title", "kind", "severity", "sentiment", "reach", "notes"]
HEADER += ["stakeholder", "partnership", "risks", "classification", "summary"]
ROWS = 330  # seven batches of 50, the last one short


@pytest.fixture
def small_batches(monkeypatch):
    """The production path at test size: batches of 50 rows, from 100 rows on, with
    indexes set aside and the search trigger paused as for a large file."""
    monkeypatch.setattr(offload, "BATCH", 50)
    monkeypatch.setattr(offload, "FIRST", 20)  # the child's first batch is shorter
    monkeypatch.setattr(write_module, "BATCH", 50)  # the same batches in one process
    monkeypatch.setattr(offload, "OFFLOAD_MIN_ROWS", 100)
    monkeypatch.setattr(q, "REBUILD_MIN_ROWS", 100)


@pytest.fixture
def forks(monkeypatch) -> list[int]:
    """The pids of the children the imports forked (fork allowed in the test process:
    the child runs no Qt and leaves by os._exit)."""
    monkeypatch.setattr(offload, "fork_safe", lambda: True)
    pids: list[int] = []
    real = offload._forked

    def spy(work):  # type: ignore[no-untyped-def]
        manager = real(work)

        class Recording:
            def __enter__(self):  # type: ignore[no-untyped-def]
                child = manager.__enter__()
                pids.append(child.pid)
                return child

            def __exit__(self, *exc):  # type: ignore[no-untyped-def]
                return manager.__exit__(*exc)

        return Recording()

    monkeypatch.setattr(offload, "_forked", spy)
    return pids


def _cells(i: int, *, bad: set[int] = frozenset()) -> list[Any]:  # type: ignore[assignment]
    return [
        f"E-{5000 + i}" if i % 7 == 3 else "",  # some rows bring their own ref
        f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}" if i not in bad else "2025-13-40",
        f"Convoy protest {i}",
        ["criticism", "statement", "media_report", "other"][i % 4],
        str(1 + i % 5),
        str(-2 + i % 5) if i not in bad else "9",
        "" if i % 3 else str(i * 10),
        "a note" if i == 120 else "",  # given in one batch only
        "S-001" if i % 2 else "",
        "P-001" if i % 5 == 0 else "",
        ";".join(["R-001", "R-002"][: i % 3]),
        "RESTRICTED" if i % 6 == 0 else "UNCLASSIFIED",
        f"Summary {i}" if i % 4 else "",
    ]


def _file(path: Path, n: int = ROWS, **kw: Any) -> Path:
    return write_csv(path, HEADER, [_cells(i, **kw) for i in range(n)])


def _dump(register) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Everything an import writes, time stamps aside."""
    con = sqlite3.connect(register.engine.url.database)
    try:
        cols = [r[1] for r in con.execute("PRAGMA table_info(event)")]
        kept = [c for c in cols if c not in ("created_at", "updated_at")]
        return {
            "event": con.execute(
                f"SELECT {', '.join(kept)} FROM event ORDER BY id"  # noqa: S608 - its own column names
            ).fetchall(),
            "links": con.execute("SELECT * FROM event_risk ORDER BY 1, 2").fetchall(),
            "counter": con.execute("SELECT * FROM ref_counter ORDER BY 1").fetchall(),
            "audit": con.execute(
                "SELECT actor, actor_name, entity_kind, entity_ref, action, changes "
                "FROM audit_entry ORDER BY id"
            ).fetchall(),
            "head": con.execute("SELECT last_id, change_counter FROM audit_head").fetchall(),
            "schema": con.execute(
                "SELECT type, name, sql FROM sqlite_master ORDER BY type, name"
            ).fetchall(),
            "found": con.execute(
                "SELECT count(*) FROM event_search WHERE event_search MATCH 'convoy'"
            ).fetchone(),
        }
    finally:
        con.close()


def _search_index_agrees(register) -> None:  # type: ignore[no-untyped-def]
    con = sqlite3.connect(register.engine.url.database)
    try:
        con.execute("INSERT INTO event_search(event_search, rank) VALUES ('integrity-check', 1)")
    finally:
        con.close()


@pytest.fixture
def pair(tmp_path):  # type: ignore[no-untyped-def]
    """Two registers seeded alike: one for each route."""
    two = fresh_register(tmp_path / "two.db")
    one = fresh_register(tmp_path / "one.db")
    try:
        seed(two)
        seed(one)
        yield two, one
    finally:
        two.dispose()
        one.dispose()


# The child writes what every row shares (the actor, the time stamps) into its
# statements as SQL literals: a name with quotes, or a NUL no SQL text may hold, must
# be stored as given.
ACTORS = ["bench", "Dana O'Brien'); DROP TABLE event; --", 'Zoë "the auditor" \\ Ng', "nul\x00here"]


@pytest.mark.parametrize("actor", ACTORS)
def test_offloaded_import_writes_what_one_process_writes(
    tmp_path, small_batches, forks, pair, actor
):
    two, one = pair
    path = _file(tmp_path / "events.csv")
    result = import_file(two, "events", path, actor=actor)
    assert len(forks) == 1  # checked and built by a child
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(offload, "fork_safe", lambda: False)
        expected = import_file(one, "events", path, actor=actor)
    assert len(forks) == 1
    assert result.summary() == expected.summary()
    assert result.created_refs == expected.created_refs
    got, want = _dump(two), _dump(one)
    assert got["event"] == want["event"]
    assert len(got["event"]) == ROWS + 3 and got["found"] == (ROWS,)
    for key in ("links", "counter", "audit", "head", "schema", "found"):
        assert got[key] == want[key], key
    for register in (two, one):
        with register.session() as s:
            assert audit.verify_chain(s) == []
        _search_index_agrees(register)
    assert _stamps(two) == _stamps(one)
    batches = {"records": len(offload.parts(ROWS)), "audit": -(-ROWS // 50)}
    for register, times in ((two, batches["records"]), (one, batches["audit"])):
        con = sqlite3.connect(register.engine.url.database)
        try:  # one time stamp for each batch's audit entries
            distinct = "SELECT count(DISTINCT at) FROM audit_entry WHERE action = 'import'"
            assert con.execute(distinct).fetchone() == (times,)
        finally:
            con.close()
    con = sqlite3.connect(two.engine.url.database)
    try:
        names = con.execute(
            "SELECT DISTINCT created_by, updated_by FROM event WHERE title LIKE 'Convoy%'"
        ).fetchall()
        assert names == [(actor, actor)]
    finally:
        con.close()


def _stamps(register) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """How the import's time stamps are stored (their values differ from run to run):
    their types and lengths, and whether each record's two agree."""
    con = sqlite3.connect(register.engine.url.database)
    try:
        return {
            "records": con.execute(
                "SELECT typeof(created_at), length(created_at), created_at = updated_at, "
                "count(*) FROM event WHERE title LIKE 'Convoy%' GROUP BY 1, 2, 3"
            ).fetchall(),
            "audit": con.execute(
                "SELECT typeof(at), length(at), count(*) FROM audit_entry "
                "WHERE action = 'import' GROUP BY 1, 2"
            ).fetchall(),
        }
    finally:
        con.close()


def test_offloaded_import_lists_every_bad_row_as_one_process(tmp_path, small_batches, forks, pair):
    two, one = pair
    bad = {2, 160, 329}  # in the first, fourth and last batch
    path = _file(tmp_path / "events.csv", bad=bad)
    before = _dump(two)
    with pytest.raises(ValidationFailed) as offloaded:
        import_file(two, "events", path, actor="bench")
    assert len(forks) == 1
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(offload, "fork_safe", lambda: False)
        with pytest.raises(ValidationFailed) as in_process:
            import_file(one, "events", path, actor="bench")
    assert str(offloaded.value) == str(in_process.value)
    assert offloaded.value.errors == in_process.value.errors
    assert {e.row for e in offloaded.value.errors} == {i + 2 for i in bad}
    assert _dump(two) == before  # nothing written, refs not taken, indexes back


def _reaped(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_cancel_during_offloaded_import_writes_nothing(tmp_path, small_batches, forks):
    reg = fresh_register(tmp_path / "r.db")
    try:
        seed(reg)
        before = _dump(reg)
        seen: list[int] = []

        def progress(done: int, total: int) -> None:
            seen.append(done)

        with pytest.raises(Cancelled):
            import_file(
                reg,
                "events",
                _file(tmp_path / "e.csv"),
                actor="bench",
                progress=progress,
                cancel=lambda: bool(seen) and seen[-1] >= ROWS // 2,
            )
        assert len(forks) == 1 and _reaped(forks[0])
        assert 0 < seen[-1] < 2 * ROWS
        assert _dump(reg) == before
    finally:
        reg.dispose()


def _fails_leaving_nothing(
    tmp_path: Path,
    forks: list[int],
    error: type[BaseException],
    match: str,
    prepare: Any = lambda reg: None,
) -> None:
    """The offloaded import of the test file fails with ``error``, its child reaped
    and the register as it was (``prepare(register)`` runs after the seed)."""
    reg = fresh_register(tmp_path / "r.db")
    try:
        seed(reg)
        prepare(reg)
        before = _dump(reg)
        with pytest.raises(error, match=match):
            import_file(reg, "events", _file(tmp_path / "e.csv"), actor="bench")
        assert len(forks) == 1 and _reaped(forks[0])
        assert _dump(reg) == before
    finally:
        reg.dispose()


def test_a_child_that_stops_leaves_the_register_as_it_was(
    tmp_path, small_batches, forks, monkeypatch
):
    real = write_module.NewRecords.batch_apart
    calls: list[int] = []
    test_process = os.getpid()

    def dies_on_the_third(self, batch):  # type: ignore[no-untyped-def]
        calls.append(1)  # in the child's memory only
        if len(calls) == 3 and os.getpid() != test_process:
            os._exit(7)
        return real(self, batch)

    monkeypatch.setattr(write_module.NewRecords, "batch_apart", dies_on_the_third)
    _fails_leaving_nothing(tmp_path, forks, RegisterError, "second process stopped")


def test_an_error_in_the_child_reaches_the_caller(tmp_path, small_batches, forks, monkeypatch):
    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise LookupError("no such thing")

    def prepare(reg: Any) -> None:  # after the seed, whose entries it chains
        monkeypatch.setattr(audit, "chained_apart", broken)

    _fails_leaving_nothing(tmp_path, forks, LookupError, "no such thing", prepare)


def test_the_child_never_reads_the_register(tmp_path, small_batches, forks, monkeypatch):
    """A check that reads the register, run in the child, fails the import instead of
    using the parent's connection across the fork."""
    from db.importexport import offload as module

    real = module.validate

    def reading(session, *args, **kwargs):  # type: ignore[no-untyped-def]
        session.execute(select(AuditHead.id)).all()
        return real(session, *args, **kwargs)

    monkeypatch.setattr(module, "validate", reading)
    _fails_leaving_nothing(tmp_path, forks, RegisterError, "may not read the register")


REFUSES = (
    "CREATE TRIGGER refuse BEFORE INSERT ON event WHEN new.title = 'Convoy protest 200' "
    "BEGIN SELECT RAISE(ABORT, 'not this one'); END"
)
# The child writes the links with the ids SQLite gives rows inserted one after another;
# a register that numbers them otherwise (a trigger takes one away) must fail the import
# rather than keep links to the wrong records.
TAKES_ONE = (
    "CREATE TRIGGER take_one AFTER INSERT ON event WHEN new.title = 'Convoy protest 200' "
    "BEGIN DELETE FROM event_risk WHERE event_id = new.id - 5; "
    "DELETE FROM event WHERE id = new.id - 5; END"
)


def _add_trigger(sql: str) -> Any:
    def prepare(reg: Any) -> None:
        con = sqlite3.connect(reg.engine.url.database)
        con.execute(sql)
        con.commit()
        con.close()

    return prepare


@pytest.mark.parametrize(
    ("trigger", "message"),
    [
        (REFUSES, "refused the import: not this one"),
        (TAKES_ONE, "numbered the new records unexpectedly"),
    ],
)
def test_the_register_going_its_own_way_fails_the_import(
    tmp_path, small_batches, forks, trigger, message
):
    _fails_leaving_nothing(tmp_path, forks, RegisterError, message, _add_trigger(trigger))


@pytest.mark.parametrize(("rows", "offloaded"), [(99, False), (100, True)])
def test_only_files_from_the_threshold_on_are_offloaded(
    tmp_path, small_batches, forks, rows, offloaded
):
    reg = fresh_register(tmp_path / "r.db")
    try:
        seed(reg)
        path = _file(tmp_path / "e.csv", rows)
        assert import_file(reg, "events", path, actor="bench").created == rows
        assert len(forks) == (1 if offloaded else 0)
    finally:
        reg.dispose()


def test_files_that_need_the_register_row_by_row_stay_in_process(tmp_path, small_batches, forks):
    reg = fresh_register(tmp_path / "r.db")
    try:
        seed(reg)
        first = import_file(reg, "events", _file(tmp_path / "e.csv"), actor="bench")
        assert len(forks) == 1
        # updates: the same file again, every ref now in the register
        rows = [[ref, *_cells(i)[1:]] for i, ref in enumerate(first.created_refs)]
        again = write_csv(tmp_path / "again.csv", HEADER, rows)
        assert import_file(reg, "events", again, actor="bench").unchanged == ROWS
        # an event answering another: loops are checked across the file
        answers = write_csv(
            tmp_path / "answers.csv",
            [*HEADER, "responds_to"],
            [["", *_cells(i)[1:], first.created_refs[0]] for i in range(ROWS)],
        )
        assert import_file(reg, "events", answers, actor="bench").created == ROWS
        assert len(forks) == 1
        with reg.session() as s:
            assert audit.verify_chain(s) == []
    finally:
        reg.dispose()


def test_where_qt_is_loaded_the_import_stays_in_process(tmp_path, small_batches, monkeypatch):
    monkeypatch.setitem(sys.modules, "PySide6", types.ModuleType("PySide6"))
    assert not offload.fork_safe()
    forked: list[object] = []
    monkeypatch.setattr(offload, "_forked", lambda work: forked.append(work))
    reg = fresh_register(tmp_path / "r.db")
    try:
        seed(reg)
        assert import_file(reg, "events", _file(tmp_path / "e.csv"), actor="x").created == ROWS
        assert forked == []
    finally:
        reg.dispose()


def test_fork_safe_needs_a_single_thread(monkeypatch):
    monkeypatch.setattr(offload, "qt_loaded", lambda: False)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not offload.fork_safe()
    finally:
        stop.set()
        other.join()


def test_fork_safe_only_on_linux(monkeypatch):
    monkeypatch.setattr(offload, "qt_loaded", lambda: False)
    monkeypatch.setattr(offload.sys, "platform", "darwin")
    assert not offload.fork_safe()
    monkeypatch.setattr(offload.sys, "platform", "linux")
    assert offload.fork_safe() == (threading.active_count() == 1)


def test_the_command_line_may_fork():
    """``risk-tracker import`` runs in a process with one thread and no Qt."""
    script = (
        "import desktop.cli, db.importexport; "
        "from db.importexport.offload import fork_safe; print(fork_safe())"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "True"


def test_a_column_empty_throughout_a_batch_is_left_out_of_its_insert(tmp_path, small_batches):
    reg = fresh_register(tmp_path / "r.db")
    statements: list[str] = []

    @event.listens_for(reg.engine, "before_cursor_execute")
    def remember(conn, cursor, statement, parameters, context, many):  # type: ignore[no-untyped-def]
        if statement.startswith("INSERT INTO event "):
            statements.append(statement)

    try:
        seed(reg)
        statements.clear()  # the seed's own, one by one
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(offload, "fork_safe", lambda: False)
            import_file(reg, "events", _file(tmp_path / "e.csv"), actor="bench")
        notes = [" notes," in s or "(notes," in s for s in statements]
        # row 120 has the only note: the third batch of 50
        assert notes == [False, False, True, False, False, False, False]
        assert all("metric_value" not in s for s in statements)
        with reg.session() as s:
            from db.models import Event

            noted = s.execute(
                select(Event.title, Event.notes).where(Event.title.startswith("Convoy"))  # type: ignore[attr-defined]
            )
            assert {t: n for t, n in noted if n is not None} == {"Convoy protest 120": "a note"}
            head = s.execute(select(AuditHead.last_id)).scalar()
            assert head == s.execute(select(AuditEntry.id).order_by(AuditEntry.id.desc())).scalar()
    finally:
        reg.dispose()


@pytest.mark.parametrize("rows", [1, 999, 1000, 1001, 6000, 6001, 100_000])
def test_the_childs_batches_cover_every_row_once(rows):
    parts = offload.parts(rows)
    assert parts[0] == (0, min(offload.FIRST, rows))
    assert [b for _, b in parts[:-1]] == [a for a, _ in parts[1:]] and parts[-1][1] == rows
    assert all(0 < b - a <= offload.BATCH for a, b in parts[1:])


def test_a_cell_repeated_across_batches_is_looked_up_and_checked_once(tmp_path, monkeypatch):
    """The child checks the file part by part; a link cell met in an earlier part is
    answered from that part's answer, and a bad one is still reported on every row."""
    from db.importexport.importer import resolve
    from db.importexport.links import Links
    from db.importexport.reader import read_table

    looked_up: list[tuple[str, Any]] = []
    real = Links.cell

    def counting(self, column, raw):  # type: ignore[no-untyped-def]
        looked_up.append((column.name, raw))
        return real(self, column, raw)

    monkeypatch.setattr(Links, "cell", counting)

    def checked_in_parts(reg, rows):  # type: ignore[no-untyped-def]
        looked_up.clear()
        path = write_csv(tmp_path / "e.csv", HEADER, rows)
        errors: list[Any] = []
        with reg.session() as s:
            resolved = resolve(s, "event", read_table(path))
            refs = [f"E-{9000 + k}" for k in range(len(rows))]
            for start in range(0, len(rows), 50):
                offload.checked_batch(s, resolved, start, start + 50, refs, errors)
        return errors

    reg = fresh_register(tmp_path / "r.db")
    try:
        seed(reg)
        rows = [_cells(i) for i in range(200)]
        assert checked_in_parts(reg, rows) == []
        links = ("stakeholder", "partnership", "risks")
        distinct = {(name, row[HEADER.index(name)]) for row in rows for name in links}
        assert len(looked_up) == len(distinct) and set(looked_up) == distinct  # each once
        for i in (5, 105, 155):  # an unknown risk in three of the four parts
            rows[i][HEADER.index("risks")] = "R-999"
        errors = checked_in_parts(reg, rows)
        assert [(e.row, e.field) for e in errors] == [(7, "risks"), (107, "risks"), (157, "risks")]
    finally:
        reg.dispose()


def test_a_batch_chained_apart_is_the_batch_chained():
    """``chained_apart`` gives the entries ``chained`` gives, what they share apart."""
    at = audit.utcnow()
    items = [(f"E-{k:06d}", f'{{"title":[null,"t{k}"]}}') for k in range(5)]
    entries, last = audit.chained(
        "f" * 64, "os-user", "Dana", [(at, "event", ref, "import", t) for ref, t in items]
    )
    shared, apart, last_apart = audit.chained_apart(
        "f" * 64, "os-user", "Dana", at, "event", "import", items
    )
    assert last_apart == last
    rebuilt = [dict(shared, **dict(zip(audit.APART_KEYS, row, strict=True))) for row in apart]
    assert rebuilt == [dict(zip(audit.ENTRY_KEYS, e, strict=True)) for e in entries]
    assert shared["actor_name"] == "Dana"
    same = audit.chained_apart("f" * 64, "Dana", "Dana", at, "event", "import", items)[0]
    assert same["actor_name"] == ""  # shown only when it differs from the stored actor
