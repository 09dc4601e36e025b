"""The windowed register model: pages from SQL, sort and search in the database."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from sqlalchemy import text

from db.queries.registers import RegisterFilter, RegisterRowSource, RegisterSort
from desktop.itemmodels.register_model import ID_ROLE, RegisterTableModel
from tests.gui.conftest import wait_tasks


class SpySource:
    """A real row source that remembers what it was asked (the SQL still runs)."""

    def __init__(self, source: RegisterRowSource):
        self._source = source
        self.fetches: list[tuple[int, int, RegisterSort | None, RegisterFilter | None]] = []
        self.seeks: list[dict[str, Any]] = []  # the keyword arguments of each fetch
        self.counts: list[RegisterFilter | None] = []

    @property
    def columns(self) -> Any:
        return self._source.columns

    def count(self, flt: RegisterFilter | None = None) -> int:
        self.counts.append(flt)
        return self._source.count(flt)

    def fetch(
        self, offset: int, limit: int, sort: Any = None, flt: Any = None, **seek: Any
    ) -> list[tuple[Any, ...]]:
        self.fetches.append((offset, limit, sort, flt))
        self.seeks.append(seek)
        return self._source.fetch(offset, limit, sort, flt, **seek)


def _model(
    register: Any, kind: str = "event", page_size: int = 100
) -> tuple[RegisterTableModel, SpySource]:
    spy = SpySource(RegisterRowSource(register, kind))
    model = RegisterTableModel(spy, page_size=page_size, count_in_background=False)
    return model, spy


def _displayed_ids(model: RegisterTableModel, rows: int) -> list[int]:
    return [model.data(model.index(r, 0), ID_ROLE) for r in range(rows)]


@pytest.mark.parametrize("kind", ["event", "risk", "partnership", "stakeholder"])
def test_qtmodeltester_on_every_register_kind(
    qtmodeltester: Any, filled_register: Any, kind: str
) -> None:
    model, _spy = _model(filled_register, kind)
    qtmodeltester.check(model, force_py=True)


def test_qtmodeltester_on_an_empty_register(qtmodeltester: Any, register: Any) -> None:
    model, _spy = _model(register, "event")
    assert model.rowCount() == 0
    assert model.total() == 0
    qtmodeltester.check(model, force_py=True)


def test_first_page_only_then_count_then_pages_on_demand(filled_register: Any) -> None:
    model, spy = _model(filled_register, "event", page_size=100)
    # One page fetched, one count: not the 3,000 rows.
    assert [f[:2] for f in spy.fetches] == [(0, 100)]
    assert model.total() == 3000
    assert model.rowCount() == 3000
    # A row deep in the table costs exactly one more page query.
    model.data(model.index(2150, 2))
    assert [f[:2] for f in spy.fetches] == [(0, 100), (2100, 100)]
    model.data(model.index(2199, 2))
    assert len(spy.fetches) == 2  # same page: from the cache


def test_rows_grow_by_pages_before_the_count_arrives(filled_register: Any, qtbot: Any) -> None:
    spy = SpySource(RegisterRowSource(filled_register, "event"))
    model = RegisterTableModel(spy, page_size=100, count_in_background=True)
    assert model.rowCount() == 100  # the first page paints before the count is known
    if model.total() is None:
        assert model.canFetchMore(QModelIndex())
        model.fetchMore(QModelIndex())
        assert model.rowCount() >= 200
    with qtbot.waitSignal(model.count_changed, timeout=10_000, raising=False):
        pass
    wait_tasks(qtbot)
    assert model.total() == 3000
    assert model.rowCount() == 3000
    assert not model.canFetchMore(QModelIndex())


def test_sort_reaches_the_sql_and_matches_a_direct_query(filled_register: Any) -> None:
    model, spy = _model(filled_register, "event", page_size=50)
    severity = [c.key for c in model.columns].index("severity")
    model.sort(severity, Qt.SortOrder.DescendingOrder)
    assert spy.fetches[-1][2] == RegisterSort("severity", True)
    with filled_register.session() as session:
        expected = [
            r[0]
            for r in session.execute(
                text("SELECT id FROM event ORDER BY severity DESC, id DESC LIMIT 120")
            )
        ]
    assert _displayed_ids(model, 120) == expected


def test_unsortable_column_is_ignored(filled_register: Any) -> None:
    model, spy = _model(filled_register, "event")
    before = len(spy.fetches)
    model.sort([c.key for c in model.columns].index("stakeholder"), Qt.SortOrder.AscendingOrder)
    assert len(spy.fetches) == before
    assert model.current_sort() is None


def test_quick_search_reaches_the_sql_and_matches_a_direct_query(filled_register: Any) -> None:
    model, spy = _model(filled_register, "event", page_size=50)
    model.set_filter(RegisterFilter(text="letter"))
    assert spy.fetches[-1][3] == RegisterFilter(text="letter")
    assert spy.counts[-1] == RegisterFilter(text="letter")
    with filled_register.session() as session:
        expected = [
            r[0]
            for r in session.execute(
                text(
                    "SELECT id FROM event WHERE lower(title) LIKE '%letter%' "
                    "ORDER BY occurred_on DESC, id DESC"
                )
            )
        ]
    assert 0 < len(expected) < 3000
    assert model.total() == len(expected)
    assert _displayed_ids(model, len(expected)) == expected
    titles = [model.data(model.index(r, 2)) for r in range(model.rowCount())]
    assert all("letter" in t.lower() for t in titles)


def test_ref_prefix_search_and_filters(filled_register: Any) -> None:
    model, _spy = _model(filled_register, "event")
    model.set_filter(RegisterFilter(text="e-001"))
    refs = [model.data(model.index(r, 0)) for r in range(model.rowCount())]
    assert refs and all(ref.startswith("E-001") for ref in refs)
    model.set_filter(RegisterFilter(choices=("criticism",), classifications=("UNCLASSIFIED",)))
    with filled_register.session() as session:
        expected = session.execute(
            text(
                "SELECT count(*) FROM event WHERE kind = 'criticism' AND classification = 'UNCLASSIFIED'"
            )
        ).scalar()
    assert model.total() == expected
    kinds = {model.data(model.index(r, 3)) for r in range(model.rowCount())}
    assert kinds == {"Criticism"}


def test_band_filter_and_band_colours_for_risks(filled_register: Any) -> None:
    model, _spy = _model(filled_register, "risk")
    model.set_filter(RegisterFilter(bands=("critical",)))
    score_col = [c.key for c in model.columns].index("score")
    scores = [int(model.data(model.index(r, score_col))) for r in range(model.rowCount())]
    assert scores and all(s >= 15 for s in scores)
    background = model.data(model.index(0, score_col), Qt.ItemDataRole.BackgroundRole).color()
    foreground = model.data(model.index(0, score_col), Qt.ItemDataRole.ForegroundRole).color()
    from desktop.widgets.colours import contrast_ratio

    assert contrast_ratio(background, foreground) >= 4.0


def test_refresh_sees_new_rows_and_keeps_the_query(filled_register: Any) -> None:
    from db import repository
    from db.models import EventCreate

    model, _spy = _model(filled_register, "event")
    model.set_filter(RegisterFilter(text="zebra crossing"))
    assert model.total() == 0
    with filled_register.write() as session:
        repository.create(
            session,
            "event",
            EventCreate(occurred_on="2026-01-02", title="Zebra crossing protest"),
            actor="t",
        )
    model.refresh()
    assert model.total() == 1
    assert model.data(model.index(0, 2)) == "Zebra crossing protest"


def test_rows_model_set_rows(qtmodeltester: Any) -> None:
    from desktop.itemmodels.rows_model import RowsColumn, RowsTableModel

    model = RowsTableModel(
        [RowsColumn("row", "Row", align_right=True), RowsColumn("reason", "Problem")]
    )
    model.set_rows([{"row": 2, "reason": "title: is required"}, {"row": 5, "reason": None}])
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount() == 2
    assert model.data(model.index(0, 1)) == "title: is required"
    assert model.data(model.index(1, 1)) == ""


@pytest.mark.parametrize("window", [300, 2000, 10_000])
def test_quick_search_probe_gives_the_same_pages_as_the_scan(
    filled_register: Any, monkeypatch: pytest.MonkeyPatch, window: int
) -> None:
    """The probe of the first rows of the order must never change what a page holds."""
    from db.queries import registers as rq

    monkeypatch.setattr(rq, "PROBE_ROWS", window)
    with filled_register.session() as session:
        for text_ in ("letter", "Briefing", "9", "no such words"):
            for sort in (
                None,
                RegisterSort("title"),
                RegisterSort("severity", True),
                RegisterSort("ref"),
            ):
                for offset in (0, 40):
                    flt = RegisterFilter(text=text_)
                    got = rq.fetch_page(
                        session, kind="event", offset=offset, limit=20, sort=sort, flt=flt
                    )
                    scan = rq.page_statement(
                        session, kind="event", offset=offset, limit=20, sort=sort, flt=flt
                    )
                    assert got == [tuple(r) for r in session.execute(scan)], (text_, sort, offset)
