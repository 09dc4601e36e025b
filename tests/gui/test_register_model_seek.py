"""The windowed register model pages by seeks, not OFFSET, and shows an estimate of
the row count (PostgreSQL) until the exact count arrives: real registers on both
backends, real widgets."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from db.queries.registers import RegisterRowSource
from desktop.itemmodels.display import about
from desktop.itemmodels.register_model import ID_ROLE, RegisterTableModel
from tests.gui.conftest import wait_tasks
from tests.gui.test_register_model import SpySource

EVENTS = 420


@pytest.fixture
def events_register(any_register: Any) -> Any:
    from db.synthetic import generate

    generate(any_register, stakeholders=10, partnerships=4, risks=10, events=EVENTS, seed=9)
    with any_register.engine.connect() as conn:
        if not any_register.is_sqlite:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    return any_register


def _sql_ids(register: Any, order: str) -> list[int]:
    with register.session() as session:
        query = f"SELECT id FROM event ORDER BY {order}"  # noqa: S608 - the tests' own orders
        return [int(r[0]) for r in session.execute(text(query))]


def _ids(model: RegisterTableModel, rows: range) -> list[int]:
    return [model.data(model.index(r, 0), ID_ROLE) for r in rows]


def test_scrolling_down_seeks_past_the_page_before(events_register: Any) -> None:
    spy = SpySource(RegisterRowSource(events_register, "event"))
    model = RegisterTableModel(spy, page_size=50, count_in_background=False)
    model.sort([c.key for c in model.columns].index("kind"))  # many ties across pages
    assert model.total() == EVENTS
    first = len(spy.fetches)
    shown = _ids(model, range(EVENTS))
    assert shown == _sql_ids(events_register, "kind, id")
    pages = list(zip(spy.fetches[first:], spy.seeks[first:], strict=True))
    assert len(pages) == EVENTS // 50  # pages 1..8: one query each
    for (offset, _limit, _sort, _flt), seek in pages:
        assert set(seek) == {"after"}, (offset, seek)  # a seek, never a skip


def test_a_jump_to_the_end_reads_backwards_then_seeks_upwards(events_register: Any) -> None:
    spy = SpySource(RegisterRowSource(events_register, "event"))
    model = RegisterTableModel(spy, page_size=50, count_in_background=False)
    expected = _sql_ids(events_register, "occurred_on DESC, id DESC")  # the default order
    first = len(spy.fetches)
    assert _ids(model, range(EVENTS - 1, EVENTS)) == expected[-1:]  # the last row first
    assert spy.seeks[first] == {"total": EVENTS}
    assert _ids(model, range(EVENTS - 70, EVENTS)) == expected[-70:]  # then upwards
    assert spy.seeks[-1] == {"before": spy_row(model, 400)}  # the page before row 400
    assert _ids(model, range(EVENTS)) == expected


def spy_row(model: RegisterTableModel, row: int) -> tuple[Any, ...]:
    return (model.id_at(row), *model.values_at(row))  # type: ignore[misc]


def test_the_estimate_is_shown_as_an_estimate_then_the_exact_count(
    qtbot: Any, events_register: Any, settings: Any
) -> None:
    from desktop.context import AppContext
    from desktop.views.register_view import RegisterView

    view = RegisterView(AppContext(events_register, settings), "event")
    qtbot.addWidget(view)
    if events_register.is_sqlite:  # no statistics to estimate from: rows so far
        assert view.model.estimate() is None
        assert view.count_label.text() == "200+ events (counting...)"
    else:  # PostgreSQL's statistics, before the count has come back from its worker
        assert view.model.estimate() == EVENTS
        assert view.count_label.text() == f"about {EVENTS} events (counting...)"
    wait_tasks(qtbot)
    assert view.model.total() == EVENTS
    assert view.model.estimate() is None
    assert view.count_label.text() == f"{EVENTS} events"


@pytest.mark.parametrize(
    ("estimate", "shown"),
    [
        (0, "0"),
        (999, "999"),
        (1000, "1,000"),
        (612_345, "612,000"),
        (999_499, "999,000"),
        (999_500, "1,000,000"),
        (1_000_000, "1,000,000"),
        (1_234_567, "1,230,000"),
    ],
)
def test_an_estimate_reads_as_three_significant_figures(estimate: int, shown: str) -> None:
    assert about(estimate) == shown
