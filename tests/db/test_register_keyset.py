"""Keyset paging (db.queries.registers): seeking past the edge row of a page, reading
from the end and seeking backwards give exactly the rows OFFSET paging gives, for
every sort column, both directions, ties, NULLs and filters, on both backends."""

from __future__ import annotations

from typing import Any

import pytest

from db.queries.registers import RegisterFilter, RegisterRowSource, RegisterSort

PAGE = 7  # small, so runs of equal values (ties) straddle page edges


@pytest.fixture
def paged_register(any_register: Any) -> Any:
    from db.synthetic import generate

    generate(
        any_register, stakeholders=30, partnerships=24, risks=60, events=300, seed=11, actions=25
    )
    from sqlalchemy import text

    with any_register.write() as session:  # NULLs among the sort values, between the others
        session.execute(text("UPDATE risk SET review_due = NULL WHERE id % 3 = 0"))
        session.execute(text("UPDATE action SET due_on = NULL WHERE id % 4 = 0"))
    return any_register


def _by_offset(source: RegisterRowSource, sort: Any, flt: Any) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    while True:
        page = source.fetch(len(rows), PAGE, sort, flt)
        rows += page
        if len(page) < PAGE:
            return rows


def _by_seek(source: RegisterRowSource, sort: Any, flt: Any) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    while True:
        page = source.fetch(len(rows), PAGE, sort, flt, after=rows[-1] if rows else None)
        rows += page
        if len(page) < PAGE:
            return rows


def _from_the_end(source: RegisterRowSource, sort: Any, flt: Any, total: int) -> list[Any]:
    """Every page read knowing the total (the second half backwards from the end)."""
    rows: list[tuple[Any, ...]] = []
    for start in range(0, total, PAGE):
        rows += source.fetch(start, PAGE, sort, flt, total=total)
    return rows


def _backwards(source: RegisterRowSource, sort: Any, flt: Any, total: int) -> list[Any]:
    """The last page from the end, then each page before it by a seek before its first row."""
    starts = list(range(0, total, PAGE))
    if not starts:
        return []
    pages = [source.fetch(starts[-1], PAGE, sort, flt, total=total)]
    for _start in reversed(starts[:-1]):
        pages.insert(0, source.fetch(0, PAGE, sort, flt, before=pages[0][0]))
    return [row for page in pages for row in page]


FILTERS: dict[str, tuple[RegisterFilter | None, ...]] = {
    "event": (
        None,
        RegisterFilter(text="letter"),
        RegisterFilter(text="e", choices=("criticism",)),
    ),
    "risk": (None, RegisterFilter(bands=("high", "critical")), RegisterFilter(text="risk 1")),
    "partnership": (None, RegisterFilter(classifications=("PUBLIC", "UNCLASSIFIED"))),
    "stakeholder": (None, RegisterFilter(classifications=("PUBLIC", "UNCLASSIFIED"))),
    "action": (None, RegisterFilter(classifications=("PUBLIC", "UNCLASSIFIED"))),
}


@pytest.mark.parametrize("kind", sorted(FILTERS))
def test_seeks_give_the_rows_offset_paging_gives(paged_register: Any, kind: str) -> None:
    source = RegisterRowSource(paged_register, kind)
    keys = [c.key for c in source.columns]
    nulls_sorted = ties_sorted = 0
    for flt in FILTERS[kind]:
        total = source.count(flt)
        assert total > PAGE, (kind, flt)  # several pages, or the test proves nothing
        for col in source.columns:
            if not col.sortable:
                continue
            for descending in (False, True):
                sort = RegisterSort(col.key, descending)
                expected = _by_offset(source, sort, flt)
                assert len(expected) == total
                where = (kind, col.key, descending, flt)
                assert _by_seek(source, sort, flt) == expected, where
                assert _from_the_end(source, sort, flt, total) == expected, where
                assert _backwards(source, sort, flt, total) == expected, where
                values = [row[1 + keys.index(col.key)] for row in expected]
                nulls_sorted += None in values
                ties_sorted += len(set(map(repr, values))) < len(values)
    assert ties_sorted > 0
    if kind in ("risk", "action"):
        assert nulls_sorted > 0, "no sort column held a NULL: the NULL rules went untested"


def test_the_default_order_and_an_unsortable_column_seek_too(paged_register: Any) -> None:
    source = RegisterRowSource(paged_register, "event")
    for sort in (None, RegisterSort("stakeholder", True)):  # not sortable: the default order
        expected = _by_offset(source, sort, None)
        assert _by_seek(source, sort, None) == expected
        assert _backwards(source, sort, None, len(expected)) == expected


def test_past_the_end_with_a_total_is_empty(paged_register: Any) -> None:
    source = RegisterRowSource(paged_register, "event")
    total = source.count()
    assert source.fetch(total, PAGE, total=total) == []
    assert source.fetch(total - 3, PAGE, total=total) == source.fetch(total - 3, PAGE)


def test_estimate_is_postgres_statistics_and_none_on_sqlite(paged_register: Any) -> None:
    source = RegisterRowSource(paged_register, "event")
    if paged_register.is_sqlite:
        assert source.estimate() is None
        return
    with paged_register.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE event")
    assert source.estimate() == source.count() == 300
    assert source.estimate(RegisterFilter(text="letter")) is None  # only the whole table


@pytest.mark.parametrize(
    ("kind", "sorts", "texts"),
    [
        ("event", (None, "title", "severity", "ref", "kind"), ("letter", "e", "no such words")),
        ("risk", (None, "score", "residual_score", "review_due", "owner"), ("risk", "1")),
    ],
)
def test_the_quick_search_probe_gives_the_pages_the_scan_gives(
    paged_register: Any, kind: str, sorts: tuple[str | None, ...], texts: tuple[str, ...]
) -> None:
    """The probe (a window of the first rows of the order, filtered) must never change
    what a page holds, whatever the backend makes of it (PostgreSQL reads the window's
    columns, SQLite joins it back to the table)."""
    from db.queries import registers as rq

    with paged_register.session() as session:
        for text_ in texts:
            for key in sorts:
                for descending in (False, True):
                    sort = None if key is None else RegisterSort(key, descending)
                    flt = RegisterFilter(text=text_)
                    for offset in (0, 5):
                        probe = rq.probe_statement(
                            session, kind=kind, offset=offset, limit=PAGE, sort=sort, flt=flt
                        )
                        scan = rq.page_statement(
                            session, kind=kind, offset=offset, limit=PAGE, sort=sort, flt=flt
                        )
                        where = (text_, sort, offset)
                        expected = [int(r[0]) for r in session.execute(scan)]
                        assert [int(r[0]) for r in session.execute(probe)] == expected, where
