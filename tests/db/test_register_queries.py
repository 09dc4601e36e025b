"""Register pages in SQL (db.queries.registers) on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from db.queries import registers as rq
from db.queries.registers import RegisterFilter, RegisterRowSource, RegisterSort
from db.scales import Bands


@pytest.fixture
def source_register(any_register: Any) -> Any:
    from db.synthetic import generate

    generate(
        any_register, stakeholders=12, partnerships=5, risks=40, events=600, seed=5, actions=30
    )
    return any_register


def _all(source: RegisterRowSource, sort: Any = None, flt: Any = None) -> list[tuple[Any, ...]]:
    return [row for batch in source.iter_rows(sort, flt, batch=97) for row in batch]


@pytest.mark.parametrize("kind", ["event", "risk", "partnership", "stakeholder", "action"])
def test_pages_add_up_to_the_count_in_a_stable_order(source_register: Any, kind: str) -> None:
    source = RegisterRowSource(source_register, kind)
    for col in source.columns:
        if not col.sortable:
            continue
        for descending in (False, True):
            rows = _all(source, RegisterSort(col.key, descending))
            assert len(rows) == source.count()
            assert len({r[0] for r in rows}) == len(rows)  # no row twice across pages


@pytest.mark.parametrize(
    ("kind", "name"), [("risk", "title"), ("action", "title"), ("partnership", "name")]
)
def test_owned_registers_search_name_and_owner_and_filter_by_status(
    source_register: Any, kind: str, name: str
) -> None:
    """Risks, actions and partnerships share one register shape: ref first, classification
    last, a quick search over the name and the owner, a status filter."""
    source = RegisterRowSource(source_register, kind)
    keys = [c.key for c in source.columns]
    assert (keys[0], keys[1], keys[-1]) == ("ref", name, "classification")
    everything = _all(source)
    assert everything
    at = {k: keys.index(k) + 1 for k in (name, "owner", "status")}
    owner = str(everything[0][at["owner"]])
    word = owner.split()[-1][1:].lower()  # a piece of an owner's name, in any case
    found = [r[0] for r in _all(source, None, RegisterFilter(text=word.upper()))]
    assert found == [
        r[0]
        for r in everything
        if word in str(r[at[name]]).lower() or word in str(r[at["owner"]]).lower()
    ]
    status = str(everything[-1][at["status"]])
    assert rq.spec_for(kind).status is not None and status in rq.spec_for(kind).status.values
    by_status = [r[0] for r in _all(source, None, RegisterFilter(statuses=(status,)))]
    assert by_status == [r[0] for r in everything if r[at["status"]] == status]


def test_event_sort_and_filters_match_python(source_register: Any) -> None:
    source = RegisterRowSource(source_register, "event")
    everything = _all(source)
    keys = [c.key for c in source.columns]
    sev, date, title, kind = (
        keys.index(k) + 1 for k in ("severity", "occurred_on", "title", "kind")
    )
    by_severity = _all(source, RegisterSort("severity", True))
    assert [r[sev] for r in by_severity] == sorted((r[sev] for r in everything), reverse=True)
    assert [r[0] for r in by_severity] == [
        r[0] for r in sorted(everything, key=lambda r: (r[sev], r[0]), reverse=True)
    ]
    flt = RegisterFilter(text="LETTER", choices=("criticism", "statement"))
    expected = [r[0] for r in everything if "letter" in r[title].lower() and r[kind] in flt.choices]
    got = _all(source, None, flt)
    assert [r[0] for r in got] == expected  # default order: newest first, like everything
    assert source.count(flt) == len(expected) > 0
    newest = max(r[date] for r in everything)
    only_newest = RegisterFilter(date_from=newest, date_to=newest)
    assert {r[date] for r in _all(source, None, only_newest)} == {newest}


def test_ref_prefix_and_literal_wildcards(source_register: Any) -> None:
    source = RegisterRowSource(source_register, "event")
    refs = [r[1] for r in _all(source, None, RegisterFilter(text="e-001"))]
    assert refs and all(ref.startswith("E-001") for ref in refs)
    assert source.count(RegisterFilter(text="%")) == 0  # a wildcard typed is a character
    assert source.count(RegisterFilter(text="_")) == 0


def test_risk_band_filter_follows_the_bands(source_register: Any) -> None:
    source = RegisterRowSource(source_register, "risk", bands_provider=lambda: Bands(6, 11, 19))
    score = [c.key for c in source.columns].index("score") + 1
    rows = _all(source, None, RegisterFilter(bands=("high",)))
    assert rows and all(12 <= r[score] <= 19 for r in rows)
    others = _all(source, None, RegisterFilter(bands=("low", "medium", "critical")))
    assert len(rows) + len(others) == source.count()


def test_describe_rows_and_empty_register(source_register: Any, register: Any) -> None:
    with source_register.session() as session:
        described = rq.describe_rows(session, kind="risk", ids=[1, 2, 3])
        assert [d[1] for d in described] == ["R-001", "R-002", "R-003"]
        assert not rq.register_is_empty(session)
    with register.session() as session:
        assert rq.register_is_empty(session)


def test_figure_filters_and_shown_ids_agree_with_the_scoring_rules(source_register: Any) -> None:
    """What a dashboard figure counts, as a register filter, on both backends."""
    import datetime as dt

    from sqlalchemy import select

    from db import repository, scoring
    from db.models import Event, Risk

    with source_register.session() as session:
        events = list(session.execute(select(Event)).scalars())
        risks = list(session.execute(select(Risk)).scalars())
    bands = Bands(4, 9, 14)
    ev = RegisterRowSource(source_register, "event", bands_provider=lambda: bands)
    adverse = {e.id for e in events if scoring.is_adverse(e.sentiment, e.kind)}
    assert 0 < len(adverse) < len(events)
    assert set(ev.shown_ids(None, RegisterFilter(adverse=True))) == adverse
    # shown_ids is the order the pages show, in one query
    for sort in (None, RegisterSort("title"), RegisterSort("severity", True)):
        assert ev.shown_ids(sort) == [r[0] for r in _all(ev, sort)]

    rk = RegisterRowSource(source_register, "risk", bands_provider=lambda: bands)
    for band in ("low", "medium", "high", "critical"):
        expected = {
            r.id
            for r in risks
            if bands.band(
                scoring.residual_score(
                    r.likelihood, r.impact, r.residual_likelihood, r.residual_impact
                )
            )
            == band
        }
        assert set(rk.shown_ids(None, RegisterFilter(residual_bands=(band,)))) == expected, band
    day = min(r.created_at for r in risks).date()
    with source_register.write() as session:
        late = repository.create(session, "risk", {"title": "Made later"}, actor="t")
    made = late.created_at.date()
    only_late = RegisterFilter(created_from=made, created_to=made)
    assert late.id in rk.shown_ids(None, only_late)
    before = RegisterFilter(created_to=made - dt.timedelta(days=1))
    assert late.id not in rk.shown_ids(None, before)
    assert rk.count(RegisterFilter(created_from=day)) == len(risks) + 1


def test_a_page_read_on_sqlite_opens_no_transaction(register: Any) -> None:
    """The page reads skip BEGIN on SQLite (one statement has a snapshot of its own):
    nothing is left open between the statement and the connection's return."""
    from sqlalchemy import select

    source = RegisterRowSource(register, "event")
    with source._page_reading() as conn:
        assert conn.execute(select(1)).scalar_one() == 1
        assert conn.connection.dbapi_connection.in_transaction is False
    with register.session() as session:  # an ordinary session still begins one
        session.connection().exec_driver_sql("SELECT 1")
        assert session.connection().connection.dbapi_connection.in_transaction is True
