"""On PostgreSQL an import writes its rows, links and audit entries with ``COPY``
(``db.audit.copy_tuples``): what it writes is what the ``INSERT`` path writes on
SQLite, awkward text included, and a refused ``COPY`` leaves nothing behind."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from db import audit, repository
from db.engine import open_register
from db.errors import RegisterError
from db.importexport.importer import import_file
from db.models import AuditEntry, Event, EventRiskLink, RiskCreate, StakeholderCreate

DAY = dt.date(2026, 10, 1)
# Text COPY must escape: tabs, newlines, backslashes, \N, quotes, non-ASCII.
AWKWARD = 'tab\there, line\nbreak, back\\slash, \\N, "quoted", ünïcode ✓'


def _seed(reg):  # type: ignore[no-untyped-def]
    with reg.write() as s:
        repository.create(s, "stakeholder", StakeholderCreate(name="Defence Ministry"), actor="a")
        repository.create(
            s, "risk", RiskCreate(title="Backlash", likelihood=2, impact=3), actor="a"
        )
        repository.create(s, "risk", RiskCreate(title="Leak", likelihood=4, impact=4), actor="a")


def _csv(path, rows: int) -> None:  # type: ignore[no-untyped-def]
    import csv

    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(
            ["ref", "occurred_on", "title", "stakeholder", "risks", "responds_to", "summary"]
        )
        for i in range(rows):
            w.writerow(
                [
                    f"E-{i + 10:04d}" if i % 3 == 0 else "",
                    (DAY - dt.timedelta(days=i % 40)).isoformat(),
                    f"Event {i} {AWKWARD if i % 7 == 0 else ''}".strip(),
                    "Defence Ministry" if i % 2 else "",
                    "R-001;R-002" if i % 5 == 0 else ("Leak" if i % 5 == 1 else ""),
                    "E-0010" if i % 11 == 4 else "",
                    AWKWARD if i % 4 == 0 else "",
                ]
            )


def _written(reg):  # type: ignore[no-untyped-def]
    with reg.session() as s:
        events = [
            (e.ref, e.occurred_on, e.title, e.stakeholder_id, e.responds_to_id, e.summary, e.kind)
            for e in s.execute(select(Event).order_by(Event.id)).scalars()
        ]
        links = sorted(s.execute(select(EventRiskLink.event_id, EventRiskLink.risk_id)).all())
        entries = [
            (e.entity_kind, e.entity_ref, e.action, e.changes)  # the actor: per backend
            for e in s.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()
            if e.action == "import"
        ]
        assert audit.verify_chain(s) == []
    return events, links, entries


def test_copy_import_writes_what_the_insert_path_writes(pg_register, tmp_path, monkeypatch):
    copied: list[str] = []
    real_copy = audit.copy_tuples

    def spy(connection, table, keys, rows):  # type: ignore[no-untyped-def]
        copied.append(table.name)
        real_copy(connection, table, keys, rows)

    monkeypatch.setattr(audit, "copy_tuples", spy)
    path = tmp_path / "events.csv"
    _csv(path, 120)
    sqlite_reg = open_register(tmp_path / "reference.db")
    try:
        _seed(sqlite_reg)
        _seed(pg_register)
        a = import_file(sqlite_reg, "events", path, actor="importer")
        b = import_file(pg_register, "events", path, actor="importer")
        assert a.created == b.created == 120
        assert a.created_refs == b.created_refs
        expected = _written(sqlite_reg)
        got = _written(pg_register)
    finally:
        sqlite_reg.dispose()
    assert len(got[0]) == 120 and len(got[2]) == 120
    assert any(AWKWARD in (e[5] or "") for e in got[0])
    assert got == expected
    assert {"event", "event_risk", "audit_entry"} <= set(copied)  # all three went by COPY


def test_a_refused_copy_writes_nothing(pg_register, tmp_path, monkeypatch):
    """The register refuses a row half-way through the COPY: nothing of the import stays."""
    from db.importexport import write as write_module

    _seed(pg_register)
    path = tmp_path / "events.csv"
    _csv(path, 30)
    real = write_module.repository.reserve_refs

    def clashing(session, kind, n):  # type: ignore[no-untyped-def]
        refs = real(session, kind, n)
        return [refs[0], *refs[:-1]]  # two new rows under one ref: the unique index refuses

    monkeypatch.setattr(write_module.repository, "reserve_refs", clashing)
    with pg_register.session() as s:
        before = (repository.count(s, "event"), audit.change_counter(s))
    with pytest.raises(RegisterError, match="refused"):
        import_file(pg_register, "events", path, actor="importer")
    with pg_register.session() as s:
        assert (repository.count(s, "event"), audit.change_counter(s)) == before
        assert audit.verify_chain(s) == []


def _index_definitions(reg) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    with reg.session() as s:
        return sorted(
            s.connection()
            .exec_driver_sql(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"
            )
            .all()
        )


def _constraint_definitions(reg):  # type: ignore[no-untyped-def]
    with reg.session() as s:
        return sorted(
            s.connection()
            .exec_driver_sql(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE connamespace = 'public'::regnamespace"
            )
            .all()
        )


def test_large_import_into_a_small_table_rebuilds_indexes_to_the_same_schema(
    pg_register, tmp_path, monkeypatch
):
    from db.queries import importexport as q

    monkeypatch.setattr(q, "REBUILD_MIN_ROWS", 50)  # the rule, on a file small enough to be quick
    dropped: list[str] = []
    real_drop = q._drop_plain_indexes

    def spy(connection, table, keep=()):  # type: ignore[no-untyped-def]
        out = real_drop(connection, table, keep)
        dropped.extend(ix.name for ix in out)
        return out

    monkeypatch.setattr(q, "_drop_plain_indexes", spy)
    extras: list[str] = []
    real_extras = q._drop_server_extras

    def spy_extras(connection, table, referenced):  # type: ignore[no-untyped-def]
        put_back = real_extras(connection, table, referenced)
        extras.extend(statement.split()[2] if statement.startswith("CREATE") else
                      statement.split()[5] for statement in put_back)  # fmt: skip
        return put_back

    monkeypatch.setattr(q, "_drop_server_extras", spy_extras)
    _seed(pg_register)
    before = _index_definitions(pg_register)
    keys_before = _constraint_definitions(pg_register)
    path = tmp_path / "events.csv"
    _csv(path, 120)
    assert import_file(pg_register, "events", path, actor="importer").created == 120
    assert "ix_event_title" in dropped and "ix_audit_entry_entity_ref" in dropped
    # the search indexes and the link table's key to the new events went and came back
    assert {"ix_event_search", "ix_event_title_trgm"} <= set(extras)
    assert "event_risk_event_id_fkey" in extras
    assert _index_definitions(pg_register) == before
    assert _constraint_definitions(pg_register) == keys_before
    with pg_register.session() as s:
        assert audit.verify_chain(s) == []
        con = s.connection()
        con.exec_driver_sql("SET LOCAL enable_seqscan = off")
        # the rebuilt index answers and holds every row
        assert con.exec_driver_sql("SELECT count(*) FROM event WHERE title > ''").scalar() == 120
        # so do the rebuilt search indexes (full text and trigram)
        searched = (
            "SELECT count(*) FROM event WHERE search_vector @@ plainto_tsquery('simple', 'event')"
        )
        assert con.exec_driver_sql(searched).scalar() == 120
        trigram = "SELECT count(*) FROM event WHERE title ILIKE '%%vent 1%%'"
        assert con.exec_driver_sql(trigram).scalar() == 31  # Event 1, 10-19, 100-119
        # and the restored foreign key holds: a link to no event is refused
        with pytest.raises(DBAPIError, match="foreign key"):
            con.exec_driver_sql("INSERT INTO event_risk (event_id, risk_id) VALUES (999999, 1)")


def test_a_cancel_after_the_rebuild_leaves_the_register_as_it_was(
    pg_register, tmp_path, monkeypatch
):
    from db.errors import Cancelled
    from db.importexport import importer
    from db.queries import importexport as q

    monkeypatch.setattr(q, "REBUILD_MIN_ROWS", 50)
    _seed(pg_register)
    before = _index_definitions(pg_register)
    with pg_register.session() as s:
        counter = audit.change_counter(s)
    real_write = importer.write

    def write_then_cancel(*args, **kwargs):  # type: ignore[no-untyped-def]
        real_write(*args, **kwargs)  # indexes dropped, rows in, indexes built again
        raise Cancelled("import cancelled; nothing was written")

    monkeypatch.setattr(importer, "write", write_then_cancel)
    path = tmp_path / "events.csv"
    _csv(path, 120)
    with pytest.raises(Cancelled):
        import_file(pg_register, "events", path, actor="importer")
    assert _index_definitions(pg_register) == before
    with pg_register.session() as s:
        assert repository.count(s, "event") == 0
        assert audit.change_counter(s) == counter


def test_copy_takes_the_binary_form_only_where_every_value_fits_it(pg_register):
    """``COPY`` sends PostgreSQL's binary form when each column is of a type in
    ``audit._BINARY`` and holds only the Python types written in that form; any
    other value (a bool among whole numbers, a naive time, a str subclass) keeps
    the whole ``COPY`` in the text form."""
    aware = dt.datetime(2026, 10, 1, 9, 30, tzinfo=dt.UTC)

    class Shade(str):
        pass

    with pg_register.session() as s:
        conn = s.connection()

        def form(table: str, keys: tuple[str, ...], *columns: list[object]) -> object:
            return audit._binary_types(conn, table, keys, [list(c) for c in columns])

        assert form("event_risk", ("event_id", "risk_id"), [1, 2], [3, None]) == [23, 23]
        assert form("event_risk", ("event_id", "risk_id"), [1, True], [3, 4]) is None
        assert form("audit_entry", ("at", "level"), [aware, None], [0, 1]) == [1184, 21]
        assert form("audit_entry", ("at",), [aware, aware.replace(tzinfo=None)]) is None
        assert form("event", ("title", "occurred_on"), ["a", None], [DAY, DAY]) == [1043, 1082]
        assert form("event", ("title",), ["a", Shade("b")]) is None
        assert form("event", ("occurred_on",), [aware]) is None  # a datetime is not a date
        assert form("event", ("metric_value",), [1.5, None]) == [701]
        assert form("event", ("metric_value",), [1.5, 2]) is None
        assert form("event", ("search_vector",), ["x"]) is None  # tsvector: text form


@pytest.mark.parametrize("binary", [True, False])
def test_copy_writes_awkward_values_alike_in_both_forms(pg_register, monkeypatch, binary):
    """The same audit rows (tabs, newlines, backslashes, \\N, non-ASCII, empty text,
    an aware time) read back equal whether they went in the binary or the text form."""
    if not binary:
        monkeypatch.setattr(audit, "_binary_types", lambda *args: None)
    chosen: list[object] = []
    real = audit._binary_types

    def spy(*args):  # type: ignore[no-untyped-def]
        chosen.append(real(*args))
        return chosen[-1]

    if binary:
        monkeypatch.setattr(audit, "_binary_types", spy)
    texts = [AWKWARD, "", "\\", "\\N", "emoji 🦘 and ‮right-to-left", "x" * 10_000]
    with pg_register.write() as s:
        audit.record_encoded(
            s,
            actor="importer",
            kind="event",
            action="import",
            items=[(f"E-{9000 + i}", text) for i, text in enumerate(texts)],
        )
    with pg_register.session() as s:
        rows = s.execute(
            select(AuditEntry.entity_ref, AuditEntry.changes, AuditEntry.at)
            .where(AuditEntry.entity_ref.like("E-9%"))  # type: ignore[attr-defined]
            .order_by(AuditEntry.id)
        ).all()
        assert audit.verify_chain(s) == []
    assert [r.changes for r in rows] == texts
    assert [r.entity_ref for r in rows] == [f"E-{9000 + i}" for i in range(len(texts))]
    assert all(r.at.utcoffset() is not None for r in rows)
    if binary:
        assert chosen and all(c is not None for c in chosen)
