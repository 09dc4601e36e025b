"""The app's words: one set of sentiment labels, counts in good grammar at 0, 1 and more."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from PySide6.QtCore import QDate, Qt

from db import repository
from db.enums import SENTIMENT_LABELS, STANCE_LABELS, EventKind, signed_words
from db.kinds import counted
from db.models import EventCreate, RiskCreate, RiskUpdate, clock_at
from desktop.views.register_view import RegisterView
from tests.gui.conftest import wait_tasks

TODAY = dt.date.today()


def add_event(register: Any, title: str, sentiment: int) -> Any:
    with register.write() as session:
        return repository.create(
            session,
            "event",
            EventCreate(
                occurred_on=TODAY, title=title, kind=EventKind.criticism, sentiment=sentiment
            ),
            actor="t",
        )


def add_risk(register: Any, title: str, **scores: Any) -> Any:
    with register.write() as session:
        return repository.create(session, "risk", RiskCreate(title=title, **scores), actor="t")


def test_counted_and_signed_words_at_every_boundary() -> None:
    assert [counted(n, "changed cell") for n in (0, 1, 2, 1200)] == [
        "0 changed cells",
        "1 changed cell",
        "2 changed cells",
        "1,200 changed cells",
    ]
    assert counted(1, "risk", "risks") == "1 risk" and counted(0, "body", "bodies") == "0 bodies"
    assert [signed_words(n, SENTIMENT_LABELS) for n in range(-2, 3)] == [
        "-2 Very negative",
        "-1 Negative",
        "0 Neutral",
        "+1 Positive",
        "+2 Very positive",
    ]
    assert signed_words(-2, STANCE_LABELS) == "-2 Hostile"


@pytest.mark.parametrize("sentiment", [-2, -1, 0, 1, 2])
def test_event_sentiment_reads_the_same_in_the_form_and_the_lists(
    qtbot: Any, context: Any, register: Any, sentiment: int
) -> None:
    from desktop.dialogs.forms import make_form
    from desktop.views.dashboard_view import DashboardView

    event = add_event(register, "Open letter", sentiment)
    word = SENTIMENT_LABELS[sentiment]

    form = make_form(context, "event", event.id)
    assert form is not None
    qtbot.addWidget(form)
    assert form.sentiment_combo.currentText().split()[-1] == word.split()[-1]  # type: ignore[attr-defined]
    assert form.sentiment_combo.currentText().endswith(word)  # type: ignore[attr-defined]

    view = RegisterView(context, "event")
    qtbot.addWidget(view)
    wait_tasks(qtbot)
    column = [c.key for c in view.spec.columns].index("sentiment")
    shown = view.model.index(0, column).data()
    assert shown == signed_words(sentiment, SENTIMENT_LABELS) and shown.endswith(word)

    dashboard = DashboardView(context)
    qtbot.addWidget(dashboard)
    dashboard.show()
    wait_tasks(qtbot)
    qtbot.waitUntil(lambda: bool(dashboard.latest.lines()), timeout=10_000)
    _kind, _id, columns = dashboard.latest.lines()[0]
    assert columns[-1] == signed_words(sentiment, SENTIMENT_LABELS)


@pytest.mark.parametrize(
    ("matching", "expected"),
    [
        (0, "0 risks match the filters"),
        (1, "1 risk matches the filters"),
        (2, "2 risks match the filters"),
    ],
)
def test_the_filter_count_speaks_good_english_at_0_1_and_2(
    qtbot: Any, context: Any, register: Any, matching: int, expected: str
) -> None:
    for n in range(matching):
        add_risk(register, f"Boycott call {n}")
    add_risk(register, "Unrelated worry")
    view = RegisterView(context, "risk")
    qtbot.addWidget(view)
    wait_tasks(qtbot)
    assert view.count_label.text() == ("1 risk" if matching == 0 else f"{matching + 1} risks")
    view.search.setText("Boycott")
    view.search.flush()
    wait_tasks(qtbot)
    assert view.count_label.text() == expected


def test_the_matrix_counts_changed_cells_at_0_1_and_2(
    qtbot: Any, context: Any, register: Any
) -> None:
    from desktop.views.matrix_view import RiskMatrixView

    ten_days_ago = dt.datetime.combine(TODAY - dt.timedelta(days=10), dt.time(12), tzinfo=dt.UTC)
    with clock_at(ten_days_ago):
        first = add_risk(register, "Cancellations", likelihood=3, impact=3)
        second = add_risk(register, "Walk-outs", likelihood=4, impact=4)
    view = RiskMatrixView(context)
    qtbot.addWidget(view)
    view.resize(1200, 800)
    with qtbot.waitSignal(view.refreshed, timeout=20_000):
        view.show()
    with qtbot.waitSignal(view.refreshed, timeout=20_000):
        five_days_ago = TODAY - dt.timedelta(days=5)
        view.since_date.setDate(QDate(five_days_ago.year, five_days_ago.month, five_days_ago.day))
        view.since_check.setChecked(True)
    assert "(0 changed cells in the residual map)" in view.status_label.text()
    assert view.residual._subtitle.startswith("2 risks")
    for n, risk in enumerate((first, second), start=1):
        with register.write() as session:
            repository.update(
                session,
                "risk",
                risk.id,
                RiskUpdate(residual_likelihood=1, residual_impact=1),
                actor="t",
            )
        with qtbot.waitSignal(view.refreshed, timeout=20_000):
            context.notify_changed()
        cells = "1 changed cell" if n == 1 else "2 changed cells"
        assert f"({cells} in the residual map)" in view.status_label.text()


def test_a_risk_without_residual_scores_is_marked_in_the_residual_map(
    qtbot: Any, context: Any, register: Any
) -> None:
    from desktop.views.matrix_view import RiskMatrixView

    yesterday = dt.datetime.combine(TODAY - dt.timedelta(days=1), dt.time(12), tzinfo=dt.UTC)
    with clock_at(yesterday):
        add_risk(
            register,
            "Scored twice",
            likelihood=4,
            impact=3,
            residual_likelihood=1,
            residual_impact=1,
        )
        add_risk(register, "Never treated", likelihood=4, impact=3)
    view = RiskMatrixView(context)
    qtbot.addWidget(view)
    view.resize(1200, 800)
    with qtbot.waitSignal(view.refreshed, timeout=20_000):
        view.show()

    def check() -> None:
        # The rule of db.scoring: no residual pair, so the inherent cell (4, 3) is used.
        assert list(view.residual.cell(4, 3).inherent_refs) == ["R-002"]
        assert list(view.residual.cell(1, 1).inherent_refs) == []
        assert all(not c.inherent_refs for c in view.inherent._cells.values())
        assert "No residual scores, inherent used: R-002" in view.residual.tooltip_text((4, 3))
        assert "inherent used" not in view.residual.tooltip_text((1, 1))
        assert "1 without residual scores (inherent used)" in view.residual._subtitle
        assert "inherent used" not in view.inherent._subtitle
        view.list_cell("residual", (4, 3))
        score = view.rows_model.index(0, 4)
        assert "inherent used" in score.data()
        assert "No residual scores" in score.data(Qt.ItemDataRole.ToolTipRole)
        view.list_cell("inherent", (4, 3))
        assert [str(view.rows_model.index(r, 4).data()) for r in range(2)] == ["12", "12"]

    check()  # now: straight from the risk table
    with qtbot.waitSignal(view.refreshed, timeout=20_000):
        view.as_of_date.setDate(QDate(TODAY.year, TODAY.month, TODAY.day))
        view.as_of_check.setChecked(True)
    check()  # as of a date: replayed from the history
