"""One search for everything (db.queries.search) on both backends: the index follows
every write in the same transaction (insert, update, delete, import, undo of each),
ranking puts the exact ref first, the kind filter and the limit hold at their edges,
the classification levels are applied, and no input reaches the search syntax."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from db import repository, search_index
from db.classification import levels_up_to
from db.importexport import import_file
from db.queries import search as search_queries
from db.queries.search import EXACT_REF, REF_PREFIX, WORDS, search
from desktop.services import imports
from tests.db import factories
from tests.importexport.helpers import write_csv


def refs(register: Any, query: str, **kw: Any) -> list[str]:
    with register.session() as session:
        return [h.ref for h in search(session, query, **kw)]


def hits(register: Any, query: str, **kw: Any) -> list[search_queries.SearchHit]:
    with register.session() as session:
        return search(session, query, **kw)


@pytest.fixture
def filled(any_register: Any) -> Any:
    with any_register.write() as s:
        nato = factories.stakeholder(s, "Alliance secretariat", notes="met the ambassador")
        factories.partnership(s, nato.id, "Cloud hosting deal", scope="sovereign cloud")
        factories.risk(s, "Backlash from researchers", description="open letter risk")
        factories.event(s, "Researchers criticise the deal", summary="An open letter, 400 names")
        factories.event(s, "Protest outside the office", notes="placards; quiet")
    return any_register


def test_every_kind_is_found_by_its_words_with_its_kind(filled: Any) -> None:
    assert {(h.ref, h.kind) for h in hits(filled, "alliance")} == {("S-001", "stakeholder")}
    assert {(h.ref, h.kind) for h in hits(filled, "hosting")} == {("P-001", "partnership")}
    assert {(h.ref, h.kind) for h in hits(filled, "sovereign")} == {("P-001", "partnership")}
    assert {(h.ref, h.kind) for h in hits(filled, "ambassador")} == {("S-001", "stakeholder")}
    assert {(h.ref, h.kind) for h in hits(filled, "placards")} == {("E-0002", "event")}
    # "letter": a risk's description and an event's summary
    assert sorted(refs(filled, "open letter")) == ["E-0001", "R-001"]


def test_words_match_as_prefixes_while_typing_and_all_words_must_match(filled: Any) -> None:
    assert refs(filled, "prot") == ["E-0002"]
    assert refs(filled, "PROTEST Office") == ["E-0002"]
    assert refs(filled, "protest letter") == []
    assert sorted(refs(filled, "research")) == ["E-0001", "R-001"]


def test_the_exact_ref_comes_first_then_refs_starting_with_it(any_register: Any) -> None:
    with any_register.write() as s:
        for i in range(12):
            factories.event(s, f"Event number {i + 1}")
        # A record whose *words* mention the ref must rank below the record itself.
        factories.event(s, "Follow-up to E-0001 and e 0001")
    found = hits(any_register, "E-0001")
    assert [(h.ref, h.tier) for h in found] == [("E-0001", EXACT_REF), ("E-0013", WORDS)]
    found = hits(any_register, "E-001")  # number 1, or the start of E-0010...E-0013
    assert [(h.ref, h.tier) for h in found] == [
        ("E-0001", EXACT_REF),
        ("E-0010", REF_PREFIX),
        ("E-0011", REF_PREFIX),
        ("E-0012", REF_PREFIX),
        ("E-0013", REF_PREFIX),
    ]
    # an unpadded ref means the same record
    assert refs(any_register, "e-1")[0] == "E-0001"
    assert refs(any_register, "e-00")[:3] == ["E-0001", "E-0002", "E-0003"]
    assert refs(any_register, "R-001") == []  # no risks: a prefix letter of no record


def test_kind_filter(filled: Any) -> None:
    assert refs(filled, "researchers", kinds=["risk"]) == ["R-001"]
    assert refs(filled, "researchers", kinds=["events"]) == ["E-0001"]
    assert refs(filled, "researchers", kinds=["stakeholder"]) == []
    with pytest.raises(ValueError):
        refs(filled, "x", kinds=["meetings"])


def test_limit_boundary(any_register: Any) -> None:
    with any_register.write() as s:
        for i in range(5):
            factories.event(s, f"Briefing round {i + 1}")
    assert len(refs(any_register, "briefing", limit=4)) == 4
    assert len(refs(any_register, "briefing", limit=5)) == 5
    assert len(refs(any_register, "briefing", limit=6)) == 5
    assert refs(any_register, "briefing", limit=0) == []
    assert len(refs(any_register, "e-", limit=5)) == 5
    assert len(refs(any_register, "e-", limit=4)) == 4


def test_ranking_puts_a_title_match_above_a_notes_match(any_register: Any) -> None:
    with any_register.write() as s:
        factories.event(s, "Quarterly review", notes="mentions the cancellation in passing")
        factories.event(s, "Cancellation of the contract")
    assert refs(any_register, "cancellation") == ["E-0002", "E-0001"]


PROTEST = ["E-0002"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('"', []),
        ('"unbalanced', []),
        ('"protest', PROTEST),
        ("a*", None),
        ("*", []),
        ("NEAR", []),
        ("NEAR(a b)", []),
        ("-protest", PROTEST),
        ("protest -office", PROTEST),  # "-" is not NOT: both words must match
        ("AND OR NOT", []),
        ("title:protest", []),  # not a column filter: "title" is a word no record has
        ("^protest", PROTEST),
        ("(protest", PROTEST),
        ("protest)", PROTEST),
        ("protest*", PROTEST),
        ("'", []),
        ("a'b", None),
        ("&|!:*<->", []),
        ("\\", []),
        ("%_", []),
        ("\x00", []),
        ("  ", []),
        ("x" * 5000, []),
        ("😀 protest", PROTEST),
    ],
)
def test_hostile_input_never_raises(filled: Any, query: str, expected: list[str] | None) -> None:
    found = refs(filled, query)
    if expected is not None:
        assert found == expected


def test_syntax_words_are_searched_as_words(any_register: Any) -> None:
    with any_register.write() as s:
        factories.event(s, "The NEAR miss at the depot")
        factories.event(s, "Supply AND demand")
    assert refs(any_register, "near") == ["E-0001"]
    assert refs(any_register, "and demand") == ["E-0002"]


def test_classification_levels_are_applied(any_register: Any) -> None:
    with any_register.write() as s:
        factories.event(s, "Secret tasking note", classification="SECRET")
        factories.event(s, "Public tasking note", classification="PUBLIC")
        factories.risk(s, "Tasking risk", classification="CONFIDENTIAL")
    assert sorted(refs(any_register, "tasking")) == ["E-0001", "E-0002", "R-001"]
    assert sorted(refs(any_register, "tasking", levels=levels_up_to("CONFIDENTIAL"))) == [
        "E-0002",
        "R-001",
    ]
    assert refs(any_register, "tasking", levels=levels_up_to("PUBLIC")) == ["E-0002"]
    assert refs(any_register, "E-0001", levels=levels_up_to("RESTRICTED")) == []
    assert refs(any_register, "E-0001", levels=levels_up_to("SECRET")) == ["E-0001"]
    assert refs(any_register, "tasking", levels=[]) == []


def test_the_index_follows_create_update_delete_and_undo_at_once(any_register: Any) -> None:
    reg = any_register
    with reg.write() as s:
        record = factories.event(s, "Walkout at the plant")
        # inside the same transaction, before commit: already found
        assert [h.ref for h in search(s, "walkout")] == ["E-0001"]
        record_id = record.id
    assert refs(reg, "walkout") == ["E-0001"]

    with reg.write() as s:
        repository.update(s, "event", record_id, {"title": "Sit-in at the plant"}, actor="t")
    assert refs(reg, "walkout") == []
    assert refs(reg, "sit") == ["E-0001"]

    with reg.write() as s:
        repository.update(s, "event", record_id, {"notes": "union called it"}, actor="t")
    assert refs(reg, "union") == ["E-0001"]

    with reg.write() as s:
        snap = repository.delete(s, "event", record_id, actor="t")
    assert refs(reg, "sit") == []
    assert refs(reg, "E-0001") == []

    with reg.write() as s:  # undo of the delete
        repository.restore(s, "event", snap, actor="t")
    assert refs(reg, "union") == ["E-0001"]


def test_a_rolled_back_write_leaves_nothing_in_the_index(any_register: Any) -> None:
    with pytest.raises(RuntimeError), any_register.write() as s:
        factories.event(s, "Ghost record")
        raise RuntimeError("abandoned")
    assert refs(any_register, "ghost") == []


def test_the_index_follows_an_import_and_its_undo_and_redo(
    any_register: Any, tmp_path: Any
) -> None:
    reg = any_register
    path = write_csv(
        tmp_path / "e.csv",
        ["occurred_on", "title", "summary"],
        [
            ["2026-03-01", "Imported petition", "signed by 900 staff"],
            ["2026-03-02", "Imported rebuttal", ""],
        ],
    )
    result = import_file(reg, "events", path, actor="t")
    assert sorted(refs(reg, "imported")) == ["E-0001", "E-0002"]
    assert refs(reg, "staff") == ["E-0001"]
    step = imports.step_of(reg, result)
    imports.take_back(reg, step, actor="t")
    assert refs(reg, "imported") == []
    imports.put_back(reg, step, actor="t")
    assert sorted(refs(reg, "imported")) == ["E-0001", "E-0002"]


def test_every_indexed_kind_has_its_index(any_register: Any) -> None:
    """The table-driven list and the schema agree (a kind added to SEARCHED needs its index)."""
    with any_register.session() as s:
        for item in search_index.SEARCHED:
            if s.get_bind().dialect.name == "sqlite":
                sql = "SELECT count(*) FROM sqlite_master WHERE name = :n"
                assert s.execute(text(sql), {"n": item.fts_table}).scalar() == 1
            else:
                sql = (
                    "SELECT count(*) FROM information_schema.columns "
                    "WHERE table_name = :t AND column_name = :c"
                )
                found = s.execute(text(sql), {"t": item.table_name, "c": search_index.PG_COLUMN})
                assert found.scalar() == 1


@pytest.mark.postgres
def test_postgres_has_the_trigram_index_for_the_register_quick_search(pg_register: Any) -> None:
    with pg_register.session() as s:
        available = s.execute(
            text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        ).first()
        present = s.execute(
            text("SELECT 1 FROM pg_indexes WHERE indexname = :n"), {"n": search_index.TRGM_INDEX}
        ).first()
    assert (present is not None) == (available is not None)


def test_query_strings_quote_every_word() -> None:
    words = search_queries.words_of('say "hi" NEAR(x y) -z a*')
    assert words == ["say", "hi", "near", "x", "y", "z", "a"]
    assert search_queries.fts5_query(words) == '"say"* "hi"* "near"* "x" "y" "z" "a"'
    assert search_queries.tsquery(["it", "x"]) == "'it':* & 'x'"


def test_a_common_word_is_ranked_among_the_newest_pool_of_matches(
    any_register: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with any_register.write() as s:
        factories.event(s, "Briefing briefing briefing")  # the most relevant, and the oldest
        for i in range(4):
            factories.event(s, f"Briefing round {i + 1}")
    monkeypatch.setattr(search_queries, "POOL", 2)
    assert refs(any_register, "briefing", limit=2) == ["E-0005", "E-0004"]
    monkeypatch.setattr(search_queries, "POOL", 5)  # exactly every match: all ranked
    assert refs(any_register, "briefing", limit=2) == ["E-0001", "E-0005"]
    assert refs(any_register, "briefing", limit=5) == [
        "E-0001",
        "E-0005",
        "E-0004",
        "E-0003",
        "E-0002",
    ]


def test_migration_indexes_the_records_of_an_older_register(tmp_path: Any) -> None:
    from db.engine import open_register
    from tests.db.test_migrations import make_register_at

    path = tmp_path / "old.db"
    make_register_at(path, "0004")  # the demo, written before the index existed
    reg = open_register(path)  # upgraded (after a backup copy)
    try:
        assert reg.upgraded_from == "0004"
        assert refs(reg, "R-002", kinds=["risk"]) == ["R-002"]
        assert "E-0007" in refs(reg, "protest")
        with reg.session() as s:
            fts_rows = s.execute(text("SELECT count(*) FROM event_search")).scalar()
            assert fts_rows == repository.count(s, "event") > 0
    finally:
        reg.dispose()


def test_downgrade_takes_the_index_away_and_leaves_writes_working(tmp_path: Any) -> None:
    from alembic import command

    from db import migrations
    from db.engine import open_register

    reg = open_register(tmp_path / "r.db")
    try:
        with reg.write() as s:
            factories.event(s, "Before the downgrade")
        cfg = migrations.alembic_config()
        with reg.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0004")
        with reg.session() as s:
            left = s.execute(text("SELECT name FROM sqlite_master WHERE name LIKE '%_search%'"))
            assert left.all() == []
        # No trigger left behind to write into a missing table.  (Plain SQL: today's
        # writer needs columns that later revisions add, so it cannot write at 0004.)
        with reg.engine.begin() as conn:
            conn.execute(text("UPDATE event SET title = 'After the downgrade'"))
            conn.execute(text("DELETE FROM event_risk"))
            conn.execute(text("DELETE FROM event"))
    finally:
        reg.dispose()


@pytest.mark.postgres
def test_postgres_downgrade_takes_the_column_and_indexes_away(pg_register: Any) -> None:
    from alembic import command

    from db import migrations

    # Written before the downgrade (today's writer needs columns that later revisions
    # add): the upgrade below must find it by rebuilding the index from the rows.
    with pg_register.write() as s:
        factories.event(s, "After the downgrade")
    cfg = migrations.alembic_config()
    with pg_register.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0004")
    with pg_register.session() as s:
        columns = s.execute(
            text("SELECT count(*) FROM information_schema.columns WHERE column_name = :c"),
            {"c": search_index.PG_COLUMN},
        ).scalar()
        indexes = s.execute(
            text(
                "SELECT count(*) FROM pg_indexes WHERE indexname LIKE '%search%' OR indexname = :t"
            ),
            {"t": search_index.TRGM_INDEX},
        ).scalar()
    assert (columns, indexes) == (0, 0)
    with pg_register.engine.begin() as conn:  # and up again: the index is rebuilt with the rows
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    assert refs(pg_register, "downgrade") == ["E-0001"]
