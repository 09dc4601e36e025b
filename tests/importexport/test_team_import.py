"""Bulk import on PostgreSQL as the owner and as a team member under row-level
security (issue 17): ``COPY`` refuses a table with policies for a member, so a
member's rows are staged by ``COPY`` in a temporary table and moved by one
``INSERT ... SELECT`` (``db.audit.copy_tuples``), where the policies are checked.

The register is a team's (tests/teamsetup.py): an editor cleared up to CONFIDENTIAL
imports next to the owner.  The import is small, but the batch size and the
index-rebuild threshold are lowered so that it takes every path a 100,000-row
import takes: several batches through one staging table, and the plain indexes
dropped and rebuilt (by the owner only; a member may not drop them).
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

from db import audit
from db.errors import Cancelled, RegisterError, ValidationFailed
from db.importexport import import_file, offload, streamed
from db.importexport import write as write_module
from db.queries import importexport as queries
from desktop.cli import main
from tests.teamsetup import Team, make_team

ROWS = 130  # three batches of 50 (the last one short)
DAY = dt.date(2026, 10, 1)


@pytest.fixture(scope="module")
def crew(pg_server: Any) -> Iterator[Team]:
    made = make_team(pg_server)
    yield made
    made.drop()


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(write_module, "BATCH", 50)
    monkeypatch.setattr(queries, "REBUILD_MIN_ROWS", 20)


def _csv(
    path: Path, crew: Team, tag: str, *, last_level: str = "CONFIDENTIAL", odd: int = ROWS - 1
) -> Path:
    """``ROWS`` events about records the editor sees; row ``odd`` (the last unless
    told) at ``last_level``."""
    risks = [crew.refs[level][2] for level in ("PUBLIC", "UNCLASSIFIED", "CONFIDENTIAL")]
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["occurred_on", "title", "classification", "stakeholder", "risks", "summary"])
        for i in range(ROWS):
            level = ("PUBLIC", "RESTRICTED", "CONFIDENTIAL")[i % 3]
            w.writerow(
                [
                    (DAY - dt.timedelta(days=i % 30)).isoformat(),
                    f"{tag} event {i:03d}",
                    last_level if i == odd else level,
                    f"{level} body",
                    ";".join(risks[: i % 4]),
                    f"tab\there, back\\slash {i}" if i % 5 == 0 else "",
                ]
            )
    return path


def _snapshot(crew: Team, tag: str) -> dict[str, Any]:
    """What an import tagged ``tag`` wrote, read by the owner, with the refs and ids
    replaced by positions so that two imports can be compared."""
    reg = crew.open()
    try:
        with reg.session() as s:
            events = s.execute(
                text(
                    "SELECT id, ref, occurred_on, title, classification, stakeholder_id, "
                    "summary FROM event WHERE title LIKE :t ORDER BY id"
                ),
                {"t": f"{tag} event %"},
            ).all()
            ids = [e.id for e in events]
            refs = [e.ref for e in events]
            links = s.execute(
                text(
                    "SELECT e.title, l.risk_id FROM event_risk l JOIN event e ON e.id = l.event_id "
                    "WHERE e.id = ANY(:ids) ORDER BY e.title, l.risk_id"
                ),
                {"ids": ids},
            ).all()
            entries = s.execute(
                text(
                    "SELECT id, entity_ref, action, changes, actor, level FROM audit_entry "
                    "WHERE entity_kind = 'event' AND entity_ref = ANY(:refs) ORDER BY id"
                ),
                {"refs": refs},
            ).all()
            assert audit.verify_chain(s) == []  # the owner walks the whole chain
    finally:
        reg.dispose()
    assert ids == sorted(ids) and [e.title for e in events] == sorted(e.title for e in events)
    # one entry per event, in the order of the events, the ids following each other
    assert [e.entity_ref for e in entries] == refs
    assert [e.id for e in entries] == list(range(entries[0].id, entries[0].id + len(refs)))
    strip = len(tag)
    return {
        "events": [
            (e.occurred_on, e.title[strip:], e.classification, e.stakeholder_id, e.summary)
            for e in events
        ],  # fmt: skip
        "links": [(title[strip:], risk) for title, risk in links],
        "changes": [e.changes.replace(tag, "") for e in entries],
        "actors": {e.actor for e in entries},
        "levels": [e.level for e in entries],
    }


def _counts(crew: Team) -> tuple[int, ...]:
    return tuple(
        crew.owner_count(sql)
        for sql in (
            "SELECT count(*) FROM event",
            "SELECT count(*) FROM event_risk",
            "SELECT count(*) FROM audit_entry",
            "SELECT change_counter FROM audit_head",
        )
    )


def _import(crew: Team, who: str, path: Path) -> tuple[Any, list[str]]:
    """Import ``path`` as ``who``; returns the result and the statements sent."""
    reg = crew.open(who)
    sent: list[str] = []
    event.listen(
        reg.engine,
        "before_cursor_execute",
        lambda conn, cursor, statement, *args: sent.append(statement),
    )
    try:
        return import_file(reg, "events", path, actor=f"{who} display name"), sent
    finally:
        reg.dispose()


def test_a_member_imports_what_the_owner_imports(
    crew: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    staged: list[tuple[str, bool]] = []
    real_copy = audit.copy_tuples

    def spy(connection, table, keys, rows):  # type: ignore[no-untyped-def]
        staged.append((table.name, audit.row_security_active(connection, table.name)))
        real_copy(connection, table, keys, rows)

    monkeypatch.setattr(audit, "copy_tuples", spy)
    owned, owner_sent = _import(crew, "owner", _csv(tmp_path / "o.csv", crew, "Owner"))
    assert {name for name, rls in staged} == {"event", "event_risk", "audit_entry"}
    assert not any(rls for _name, rls in staged)  # the owner copies straight in
    assert any("DROP INDEX" in s for s in owner_sent)  # and rebuilds the indexes
    staged.clear()
    mine, member_sent = _import(crew, "editor", _csv(tmp_path / "m.csv", crew, "Member"))
    assert owned.created == mine.created == ROWS
    assert {name for name, rls in staged} == {"event", "event_risk", "audit_entry"}
    assert all(rls for _name, rls in staged)  # the member's rows went through the stage
    assert sum(name == "event" for name, _rls in staged) == 3  # three batches, one stage
    assert not any("DROP INDEX" in s for s in member_sent)
    # row_security_active asked once per table for the import, not once per batch
    asked = [s for s in member_sent if "row_security_active" in s]
    assert len(asked) == 3, asked
    by_owner, by_member = _snapshot(crew, "Owner"), _snapshot(crew, "Member")
    assert by_owner["actors"] != by_member["actors"]
    assert by_member["actors"] == {crew.names["editor"]}  # the login role, as the trigger says
    assert by_owner["levels"] == by_member["levels"] and set(by_member["levels"]) == {0, 2, 3}
    for part in ("events", "links", "changes"):
        assert by_owner[part] == by_member[part], part
    assert len(by_member["links"]) == sum(i % 4 for i in range(ROWS))


def test_db_check_passes_after_a_members_bulk_import(
    crew: Team, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _import(crew, "editor", _csv(tmp_path / "c.csv", crew, "Checked"))
    capsys.readouterr()
    assert main(["db", "check", "--db", crew.url()]) == 0
    out = capsys.readouterr().out
    assert "audit chain" in out and "ok" in out, out


@pytest.mark.parametrize("who", ["owner", "editor"])
def test_a_row_refused_at_the_end_writes_nothing(
    crew: Team, who: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last row takes the first row's ref: the unique index refuses it in the
    third batch, after two batches were written in the transaction."""
    real = write_module.repository.reserve_refs

    def clashing(session, kind, n):  # type: ignore[no-untyped-def]
        refs = real(session, kind, n)
        return [*refs[:-1], refs[0]]

    monkeypatch.setattr(write_module.repository, "reserve_refs", clashing)
    before = _counts(crew)
    with pytest.raises(RegisterError) as caught:
        _import(crew, who, _csv(tmp_path / "bad.csv", crew, f"Clash {who}"))
    assert "duplicate key" in str(caught.value) and "ref" in str(caught.value)
    assert _counts(crew) == before
    assert crew.owner_count("SELECT count(*) FROM event WHERE title LIKE 'Clash%'") == 0


def test_a_member_cannot_import_a_row_above_their_clearance(crew: Team, tmp_path: Path) -> None:
    before = _counts(crew)
    path = _csv(tmp_path / "high.csv", crew, "Too high", last_level="SECRET")
    with pytest.raises(RegisterError) as caught:
        _import(crew, "editor", path)
    assert "row-level security" in str(caught.value)
    assert _counts(crew) == before
    # the same file with the last row at the member's own level goes in
    path = _csv(tmp_path / "edge.csv", crew, "At the edge", last_level="CONFIDENTIAL")
    result, _sent = _import(crew, "editor", path)
    assert result.created == ROWS
    assert _counts(crew)[0] == before[0] + ROWS


# --------------------------------------------------------------------------- overlap


def _movers_left() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("risk-move")]


def _slowed_moves(
    monkeypatch: pytest.MonkeyPatch, only: str | None = None
) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    """Each move (of the ``only`` table's rows, or of any) made to take 0.3 s more on
    the server; returns the lists of (table, when it was handed over) and (table,
    when it was done), filled as the moves go."""
    handed: list[tuple[str, float]] = []
    done: list[tuple[str, float]] = []
    real_start, real_run = audit._Mover.start, audit._Mover._run

    def table(statements):  # type: ignore[no-untyped-def]
        return statements[0].split()[2].strip('"')

    def start(self, statements):  # type: ignore[no-untyped-def]
        if only in (None, table(statements)):
            handed.append((table(statements), time.perf_counter()))
        real_start(self, statements)

    def slow_run(self, statements, *args):  # type: ignore[no-untyped-def]
        if only not in (None, table(statements)):
            real_run(self, statements, *args)
            return
        real_run(self, ["SELECT pg_sleep(0.3)", *statements], *args)
        done.append((table(statements), time.perf_counter()))

    monkeypatch.setattr(audit._Mover, "start", start)
    monkeypatch.setattr(audit._Mover, "_run", slow_run)
    return handed, done


def test_the_server_moves_a_members_batch_while_the_next_is_built(
    crew: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each move (``INSERT ... SELECT`` from the stage) is made to take 0.3 s on the
    server: the client builds its next batch meanwhile instead of waiting for it."""
    handed, done = _slowed_moves(monkeypatch)
    built: list[float] = []  # when each batch's audit text was built
    real_changes = audit.creation_changes

    def changes(columns):  # type: ignore[no-untyped-def]
        built.append(time.perf_counter())
        return real_changes(columns)

    monkeypatch.setattr(audit, "creation_changes", changes)
    counted = _counts(crew)
    result, _sent = _import(crew, "editor", _csv(tmp_path / "o.csv", crew, "Overlap"))
    assert result.created == ROWS
    # two moves per batch (the events, then their audit entries), in order, then the
    # links (195 rows: one part)
    assert [table for table, _when in handed] == ["event", "audit_entry"] * 3 + ["event_risk"]
    assert len(done) == 7 and len(built) == 3
    for k in (1, 2):  # batch k + 1 is built while batch k's audit entries move in
        assert handed[2 * k - 1][1] < built[k] < done[2 * k - 1][1], (k, handed, done, built)
    # one change (as before: one per batch) and everything else as without overlap
    after = _counts(crew)
    assert after[3] - counted[3] == 3
    assert (after[0] - counted[0], after[2] - counted[2]) == (ROWS, ROWS)
    _snapshot(crew, "Overlap")  # ids, order, one entry per event, the chain verifies
    assert _movers_left() == []


def test_a_move_is_on_the_server_before_start_returns(crew: Team) -> None:
    """``_Mover.start`` hands the statements over and returns once the worker is
    sending them, so the server works while the caller's Python runs.  The GIL's
    switch interval is raised to 1 s: a worker still waiting for the GIL would only
    send its statement once the caller's 0.3 s of pure Python were over (0.6 s in
    all) instead of alongside them (0.3 s)."""
    import psycopg

    raw = psycopg.connect(crew.url().replace("postgresql+psycopg", "postgresql"), autocommit=True)
    mover = audit._Mover(raw, psycopg.Error)
    mover.start(["SELECT 1"])  # the worker thread exists (made, it would run at once)
    mover.wait()
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1.0)
    try:
        start = time.perf_counter()
        mover.start(["SELECT pg_sleep(0.3)"])
        spins = 0
        while time.perf_counter() - start < 0.3:  # the caller's next batch: pure Python
            spins += 1
        mover.wait()
        elapsed = time.perf_counter() - start
    finally:
        sys.setswitchinterval(interval)
        mover.pool.shutdown(wait=True)
        raw.close()
    assert spins > 0
    assert elapsed < 0.5, elapsed


def test_a_members_link_rows_move_while_the_next_part_is_built(
    crew: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The links go in parts of ``4 * BATCH`` rows (195 rows in parts of 40 here), each
    moved by the server (made to take 0.3 s) while the client builds and stages the
    next one; before, the parts were moved one after the other, the client idle."""
    monkeypatch.setattr(write_module, "BATCH", 10)
    handed, done = _slowed_moves(monkeypatch, only="event_risk")
    called: list[float] = []  # when each link part was ready to be staged
    real_links = queries.insert_links

    def insert_links(session, *, link, pairs):  # type: ignore[no-untyped-def]
        called.append(time.perf_counter())
        real_links(session, link=link, pairs=pairs)

    monkeypatch.setattr(queries, "insert_links", insert_links)
    counted = _counts(crew)
    result, _sent = _import(crew, "editor", _csv(tmp_path / "l.csv", crew, "Linked parts"))
    assert result.created == ROWS
    parts = len(called)
    assert parts == len(handed) == len(done) >= 4, (called, handed, done)
    for k in range(1, parts):  # part k + 1 ready while part k moves in
        assert handed[k - 1][1] < called[k] < done[k - 1][1], (k, called, handed, done)
    after = _counts(crew)
    assert after[1] - counted[1] == sum(i % 4 for i in range(ROWS))
    _snapshot(crew, "Linked parts")
    assert _movers_left() == []


@pytest.mark.parametrize("who", ["owner", "editor"])
def test_the_change_counter_grows_once_per_batch(crew: Team, who: str, tmp_path: Path) -> None:
    """The chain's end is kept in the client for the batches of one import and the
    head written once: it ends where batch-by-batch appends left it."""
    before = _counts(crew)
    _import(crew, who, _csv(tmp_path / "n.csv", crew, f"Counted {who}"))
    after = _counts(crew)
    assert after[3] - before[3] == 3  # three batches
    reg = crew.open()
    try:
        with reg.session() as s:
            head = s.execute(text("SELECT last_id, last_hash FROM audit_head")).one()
            last = s.execute(
                text("SELECT id, hash FROM audit_entry ORDER BY id DESC LIMIT 1")
            ).one()
            assert tuple(head) == tuple(last)
            assert audit.verify_chain(s) == []
    finally:
        reg.dispose()


@pytest.mark.parametrize("fault", ["duplicate ref", "above clearance"])
def test_a_members_import_refused_in_a_middle_batch_writes_nothing(
    crew: Team, fault: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Row 75 (the second of three batches) is refused by the server while it moves
    that batch in, the client already building the third: the error is the
    server's, and nothing of the import stays."""
    odd = 75
    if fault == "duplicate ref":
        real = write_module.repository.reserve_refs

        def clashing(session, kind, n):  # type: ignore[no-untyped-def]
            refs = real(session, kind, n)
            return [*refs[:odd], refs[0], *refs[odd + 1 :]]

        monkeypatch.setattr(write_module.repository, "reserve_refs", clashing)
        path = _csv(tmp_path / "d.csv", crew, "Middle clash")
    else:
        path = _csv(tmp_path / "s.csv", crew, "Middle high", last_level="SECRET", odd=odd)
    before = _counts(crew)
    with pytest.raises(RegisterError) as caught:
        _import(crew, "editor", path)
    if fault == "duplicate ref":
        assert "duplicate key" in str(caught.value) and "ref" in str(caught.value)
    else:
        assert "row-level security" in str(caught.value)
    assert "aborted" not in str(caught.value)  # the cause, not a later statement's echo
    assert _counts(crew) == before
    assert crew.owner_count("SELECT count(*) FROM event WHERE title LIKE 'Middle%'") == 0
    assert _movers_left() == []


def _cancelled_at(crew: Team, path: Path, title: str, at: int) -> None:
    """An editor's import of ``title`` rows cancelled once progress reaches ``at``:
    nothing is written and no mover thread is left."""
    done = [0]
    before = _counts(crew)
    reg = crew.open("editor")
    try:
        with pytest.raises(Cancelled):
            import_file(
                reg,
                "events",
                _csv(path, crew, title),
                actor="editor",
                progress=lambda n, _total: done.__setitem__(0, n),
                cancel=lambda: done[0] >= at,
            )
    finally:
        reg.dispose()
    assert done[0] == at
    assert _counts(crew) == before
    assert _movers_left() == []


def test_a_members_import_cancelled_while_a_batch_moves_writes_nothing(
    crew: Team, tmp_path: Path
) -> None:
    _cancelled_at(crew, tmp_path / "c.csv", "Cancelled", ROWS + 50)  # first batch written


# --------------------------------------------------------------------------- streamed


def test_a_large_members_import_checks_each_batch_while_the_server_moves_the_one_before(
    crew: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From ``STREAM_MIN_ROWS`` rows (lowered here) each batch is checked just before
    it is written, while the server moves the batch before (its audit entries, the
    last move of a batch, made to take 0.3 s): the server no longer waits for the
    whole file's check before the first row."""
    monkeypatch.setattr(streamed, "STREAM_MIN_ROWS", ROWS)
    handed, done = _slowed_moves(monkeypatch, only="audit_entry")
    checked: list[float] = []  # when each batch's check began
    real_check = offload.checked_part  # what checked_batch calls for each batch

    def check(session, resolved, start, stop):  # type: ignore[no-untyped-def]
        checked.append(time.perf_counter())
        return real_check(session, resolved, start, stop)

    monkeypatch.setattr(offload, "checked_part", check)
    counted = _counts(crew)
    result, _sent = _import(crew, "editor", _csv(tmp_path / "s.csv", crew, "Streamed"))
    assert result.created == ROWS
    assert len(checked) == len(handed) == len(done) == 3  # batches of 50, 50 and 30
    for k in (1, 2):  # batch k + 1 checked while batch k's audit entries move in
        assert handed[k - 1][1] < checked[k] < done[k - 1][1], (k, checked, handed, done)
    after = _counts(crew)
    assert (after[0] - counted[0], after[2] - counted[2], after[3] - counted[3]) == (ROWS, ROWS, 3)
    assert _movers_left() == []


@pytest.mark.parametrize("who", ["owner", "editor"])
def test_a_streamed_import_writes_what_the_whole_file_route_writes(
    crew: Team, who: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = _snapshot_of(crew, who, tmp_path, f"Whole {who}")
    monkeypatch.setattr(streamed, "STREAM_MIN_ROWS", ROWS)
    calls = []
    real = streamed.import_new
    monkeypatch.setattr(streamed, "import_new", lambda *a, **k: calls.append(1) or real(*a, **k))
    by_batch = _snapshot_of(crew, who, tmp_path, f"Batched {who}")
    assert calls
    assert by_batch == whole


def _snapshot_of(crew: Team, who: str, tmp_path: Path, tag: str) -> dict[str, Any]:
    result, _sent = _import(crew, who, _csv(tmp_path / f"{tag}.csv", crew, tag))
    assert result.created == ROWS
    return _snapshot(crew, tag)


def test_a_streamed_import_with_bad_rows_in_two_batches_lists_both_and_writes_nothing(
    crew: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bad date in the first batch and in the last: the error list is the whole
    file's (as the whole-file route gives it) and nothing is written, although the
    second batch's rows were checked after the first batch was refused."""
    path = _csv(tmp_path / "b.csv", crew, "Bad dates")
    lines = path.read_text(encoding="utf-8").splitlines()
    for row in (10, 120):  # file rows 11 and 121 (row 1 is the header)
        lines[row] = "not-a-date" + lines[row][len("2026-10-01") :]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = _counts(crew)
    with pytest.raises(ValidationFailed) as whole:
        _import(crew, "editor", path)
    monkeypatch.setattr(streamed, "STREAM_MIN_ROWS", ROWS)
    with pytest.raises(ValidationFailed) as batched:
        _import(crew, "editor", path)
    assert [(e.row, e.field) for e in batched.value.errors] == [
        (11, "occurred_on"),
        (121, "occurred_on"),
    ]
    assert [str(e) for e in batched.value.errors] == [str(e) for e in whole.value.errors]
    assert _counts(crew) == before


def test_a_streamed_import_cancelled_after_its_first_batch_writes_nothing(
    crew: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(streamed, "STREAM_MIN_ROWS", ROWS)
    # the first batch checked and written
    _cancelled_at(crew, tmp_path / "sc.csv", "Streamed cancel", 100)
