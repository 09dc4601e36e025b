"""The register view: quick search and filters reach the SQL, export of the rows shown."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDate, QModelIndex
from sqlalchemy import text

from db.queries.registers import RegisterFilter
from desktop.views.register_view import RegisterView
from tests.gui.conftest import wait_tasks


@pytest.fixture
def filled_context(filled_register: Any, settings: Any) -> Any:
    from desktop.context import AppContext

    return AppContext(filled_register, settings)


def _view(qtbot: Any, context: Any, kind: str) -> RegisterView:
    view = RegisterView(context, kind)
    qtbot.addWidget(view)
    wait_tasks(qtbot)
    return view


def test_quick_search_box_filters_in_sql(qtbot: Any, filled_context: Any) -> None:
    view = _view(qtbot, filled_context, "event")
    assert view.count_label.text() == "3,000 events"
    qtbot.keyClicks(view.search, "briefing")
    with qtbot.waitSignal(view.model.query_changed, timeout=3000):
        pass  # the search waits for a pause in typing
    wait_tasks(qtbot)
    assert view.model.current_filter() == RegisterFilter(text="briefing")
    with filled_context.register.session() as session:
        n = session.execute(
            text("SELECT count(*) FROM event WHERE title LIKE '%briefing%'")
        ).scalar()
    assert view.model.total() == n
    assert view.count_label.text() == f"{n:,} events match the filters"
    view.clear_filters()
    assert view.model.current_filter().is_empty()


def test_filters_combine_kind_classification_and_dates(qtbot: Any, filled_context: Any) -> None:
    view = _view(qtbot, filled_context, "event")
    assert view.choice_combo is not None and view.date_from is not None and view.date_to is not None
    view.choice_combo.setCurrentIndex(view.choice_combo.findData("statement"))
    view.level_combo.setCurrentIndex(view.level_combo.findData("UNCLASSIFIED"))
    view.date_from.edit.setDate(QDate(2000, 1, 1))
    view.date_from.check.setChecked(True)
    view.date_to.edit.setDate(QDate.currentDate().addDays(-30))
    view.date_to.check.setChecked(True)
    wait_tasks(qtbot)
    flt = view.model.current_filter()
    assert flt.choices == ("statement",) and flt.classifications == ("UNCLASSIFIED",)
    limit = QDate.currentDate().addDays(-30).toPython()
    with filled_context.register.session() as session:
        n = session.execute(
            text(
                "SELECT count(*) FROM event WHERE kind='statement' AND classification='UNCLASSIFIED' "
                "AND occurred_on >= '2000-01-01' AND occurred_on <= :d"
            ),
            {"d": limit.isoformat()},
        ).scalar()
    assert view.model.total() == n


def test_header_click_sorts_in_sql_and_unsortable_columns_say_so(
    qtbot: Any, filled_context: Any
) -> None:
    view = _view(qtbot, filled_context, "event")
    header = view.table.horizontalHeader()
    title = view.spec.column_index("title")
    header.sectionClicked.emit(title)
    assert view.model.current_sort().key == "title"  # type: ignore[union-attr]
    assert header.sortIndicatorSection() == title
    first = view.model.data(view.model.index(0, title))
    with filled_context.register.session() as session:
        assert (
            first
            == session.execute(text("SELECT title FROM event ORDER BY title, id LIMIT 1")).scalar()
        )
    header.sectionClicked.emit(title)
    assert view.model.current_sort().descending  # type: ignore[union-attr]
    channel = view.spec.column_index("channel")
    header.sectionClicked.emit(channel)
    assert view.model.current_sort().key == "title"  # type: ignore[union-attr]
    assert header.sortIndicatorSection() == title


def test_band_filter_on_risks_uses_the_configured_bands(qtbot: Any, filled_context: Any) -> None:
    from db.scales import Bands

    filled_context.set_bands(Bands(2, 3, 4))  # everything from 5 up is critical
    view = _view(qtbot, filled_context, "risk")
    assert view.band_combo is not None
    view.band_combo.setCurrentIndex(view.band_combo.findData("critical"))
    wait_tasks(qtbot)
    with filled_context.register.session() as session:
        n = session.execute(
            text("SELECT count(*) FROM risk WHERE likelihood * impact >= 5")
        ).scalar()
    assert view.model.total() == n


def test_export_of_the_rows_shown(qtbot: Any, filled_context: Any, tmp_path: Path) -> None:
    view = _view(qtbot, filled_context, "event")
    assert view.choice_combo is not None
    view.choice_combo.setCurrentIndex(view.choice_combo.findData("criticism"))
    wait_tasks(qtbot)
    shown = view.model.total()
    target = tmp_path / "shown.csv"
    handle = view.export_shown(str(target))
    qtbot.waitUntil(lambda: handle.done, timeout=30_000)
    wait_tasks(qtbot)
    with target.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == shown
    assert {r["kind"] for r in rows} == {"criticism"}
    assert f"Exported {shown:,} events" in view.count_label.text()
    assert filled_context.settings.last_export_folder == str(tmp_path)


@pytest.mark.parametrize(
    ("kind", "search", "sort"),
    [
        ("event", "", None),  # the default: newest first
        ("event", "briefing", None),  # filtered, newest first
        ("risk", "", None),  # the default: highest score first
        ("event", "", ("title", False)),  # re-sorted by a column header
    ],
)
def test_export_writes_the_rows_in_the_order_shown(
    qtbot: Any,
    filled_context: Any,
    tmp_path: Path,
    kind: str,
    search: str,
    sort: tuple[str, bool] | None,
) -> None:
    view = _view(qtbot, filled_context, kind)
    if search:
        view.search.setText(search)
        view.search.flush()
        wait_tasks(qtbot)
    if sort is not None:
        view.sort_by(*sort)
        wait_tasks(qtbot)
    total = view.model.total()
    assert total is not None and total > 1
    while view.model.rowCount() < total and view.model.canFetchMore(QModelIndex()):
        view.model.fetchMore(QModelIndex())
        wait_tasks(qtbot)
    ref_column = [c.key for c in view.spec.columns].index("ref")
    shown = [view.model.index(r, ref_column).data() for r in range(view.model.rowCount())]
    assert len(shown) == total
    target = tmp_path / "shown.csv"
    handle = view.export_shown(str(target))
    qtbot.waitUntil(lambda: handle.done, timeout=60_000)
    wait_tasks(qtbot)
    with target.open(encoding="utf-8") as fh:
        written = [r["ref"] for r in csv.DictReader(fh)]
    assert written == shown
    assert written != sorted(written) or sort is not None  # not merely the id order


def test_view_follows_data_changed_and_register_changed(
    qtbot: Any, filled_context: Any, register: Any
) -> None:
    view = _view(qtbot, filled_context, "stakeholder")
    assert view.model.total() == 30
    filled_context.set_register(register)  # an empty register
    wait_tasks(qtbot)
    assert view.model.total() == 0
    assert view.count_label.text() == "0 stakeholders"


def test_deleting_a_criticism_names_the_statements_that_answer_it(
    qtbot: Any, context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QMessageBox

    from db import repository

    def event(title: str, kind: str, responds_to: int | None = None) -> int:
        with context.register.write() as session:
            return int(
                repository.create(
                    session,
                    "event",
                    {
                        "title": title,
                        "occurred_on": "2026-03-01",
                        "kind": kind,
                        "responds_to_id": responds_to,
                    },
                    actor="t",
                ).id
            )

    criticism = event("Researchers criticise the deal", "criticism")  # E-0001
    event("Company clarifies its position", "statement", criticism)  # E-0002
    other = event("Unions object", "criticism")  # E-0003
    event("Second clarification", "statement", other)  # E-0004
    event("Third clarification", "statement", other)  # E-0005
    view = RegisterView(context, "event")
    qtbot.addWidget(view)
    wait_tasks(qtbot)

    one = view.confirm_delete_text([criticism])
    assert "1 event answers what you delete and will respond to nothing:" in one
    assert "E-0002  Company clarifies its position (answers E-0001)" in one
    assert "E-0004" not in one and "E-0005" not in one
    two = view.confirm_delete_text([other])
    assert "2 events answer what you delete" in two
    assert "E-0004  Second clarification (answers E-0003)" in two
    assert "E-0005  Third clarification (answers E-0003)" in two
    # Deleted together with its answer, or an answer alone: nothing is left answering nothing.
    assert "answer" not in view.confirm_delete_text([criticism, criticism + 1]).lower()
    assert "answers" not in view.confirm_delete_text([criticism + 1])

    asked: list[str] = []

    def answer(_parent: Any, _title: str, text: str, *_a: Any, **_k: Any) -> Any:
        asked.append(text)
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(QMessageBox, "question", staticmethod(answer))
    assert view.select_record(criticism)
    assert not view.delete_selected()
    assert len(asked) == 1 and "E-0002  Company clarifies its position" in asked[0]
