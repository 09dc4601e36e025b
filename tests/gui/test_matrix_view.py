"""The risk matrix screen on real registers: clicks, filters, as-of, movement, keys."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDate, QPoint, QSettings, Qt

from db import repository
from db.models import RiskCreate, RiskUpdate, clock_at
from desktop.briefing.palette import BAND_COLOURS
from desktop.context import AppContext
from desktop.settings import Settings
from desktop.views.matrix_view import RiskMatrixView
from desktop.widgets.colours import contrast_ratio, text_colour_on
from desktop.widgets.heatmap import elide_refs

TODAY = dt.date.today()
TEN_DAYS_AGO = dt.datetime.combine(TODAY - dt.timedelta(days=10), dt.time(12), tzinfo=dt.UTC)


@pytest.fixture
def context(register: Any, tmp_path: Path) -> Iterator[AppContext]:
    settings = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    yield AppContext(register, settings)


def add_risk(register: Any, title: str, likelihood: int, impact: int, **extra: Any) -> Any:
    with register.write() as session:
        return repository.create(
            session,
            "risk",
            RiskCreate(title=title, likelihood=likelihood, impact=impact, **extra),
            actor="t",
        )


@pytest.fixture
def seeded(register: Any) -> dict[str, int]:
    """R-001, R-002 at likelihood 4 x impact 3; R-003 at 2 x 5; R-004 closed at 4 x 3;
    R-005 (RESTRICTED, political) at 4 x 3; R-001 has residual 1 x 1."""
    ids = {}
    ids["R-001"] = add_risk(
        register, "Researchers denounce the deal", 4, 3, residual_likelihood=1, residual_impact=1
    ).id
    ids["R-002"] = add_risk(register, "Subscribers cancel", 4, 3).id
    ids["R-003"] = add_risk(register, "Regulator inquiry", 2, 5).id
    ids["R-004"] = add_risk(register, "Old closed worry", 4, 3, status="closed").id
    ids["R-005"] = add_risk(
        register,
        "Allied government objects",
        4,
        3,
        classification="RESTRICTED",
        category="political",
    ).id
    return ids


def shown_view(qtbot: Any, context: AppContext) -> RiskMatrixView:
    view = RiskMatrixView(context)
    qtbot.addWidget(view)
    view.resize(1100, 800)
    with qtbot.waitSignal(view.refreshed, timeout=10_000):
        view.show()
    return view


def refreshed(qtbot: Any, view: RiskMatrixView, action: Any) -> None:
    with qtbot.waitSignal(view.refreshed, timeout=10_000):
        action()


def click_cell(qtbot: Any, heat: Any, likelihood: int, impact: int, double: bool = False) -> None:
    centre = heat.cell_rect(likelihood, impact).center().toPoint()
    if double:
        qtbot.mouseDClick(heat, Qt.MouseButton.LeftButton, pos=centre)
    else:
        qtbot.mouseClick(heat, Qt.MouseButton.LeftButton, pos=centre)


def test_click_on_a_cell_lists_exactly_its_risks(
    qtbot: Any, context: AppContext, seeded: dict[str, int]
) -> None:
    view = shown_view(qtbot, context)
    assert view.inherent.cell(4, 3).count == 3  # the closed risk is left out
    click_cell(qtbot, view.inherent, 4, 3)
    assert view.inherent.selected_cell() == (4, 3)
    assert view.listed_refs() == ["R-001", "R-002", "R-005"]
    click_cell(qtbot, view.inherent, 2, 5)
    assert view.listed_refs() == ["R-003"]
    # Residual: R-001 moved to 1 x 1 after mitigation; the inherent selection is cleared.
    click_cell(qtbot, view.residual, 4, 3)
    assert view.listed_refs() == ["R-002", "R-005"]
    assert view.inherent.selected_cell() is None
    click_cell(qtbot, view.residual, 1, 1)
    assert view.listed_refs() == ["R-001"]
    click_cell(qtbot, view.residual, 5, 5)
    assert view.listed_refs() == []


def test_a_click_between_cells_and_outside_the_grid_selects_nothing(
    qtbot: Any, context: AppContext, seeded: dict[str, int]
) -> None:
    view = shown_view(qtbot, context)
    heat = view.inherent
    assert (
        heat.cell_at(
            heat.cell_rect(1, 1).center()
            + (heat.cell_rect(1, 1).bottomRight() - heat.cell_rect(1, 1).center()) * 3
        )
        is None
    )
    qtbot.mouseClick(heat, Qt.MouseButton.LeftButton, pos=QPoint(2, 2))
    assert heat.selected_cell() is None
    # Each cell's centre maps back to that cell, corners included.
    for likelihood in range(1, 6):
        for impact in range(1, 6):
            assert heat.cell_at(heat.cell_rect(likelihood, impact).center()) == (likelihood, impact)
    top_left = heat.cell_rect(5, 1)
    assert top_left.top() < heat.cell_rect(1, 1).top()  # likelihood grows upwards


def test_filters_change_the_counts(qtbot: Any, context: AppContext, seeded: dict[str, int]) -> None:
    view = shown_view(qtbot, context)
    assert view.inherent.cell(4, 3).count == 3
    refreshed(
        qtbot, view, lambda: view.ceiling.setCurrentIndex(view.ceiling.findData("UNCLASSIFIED"))
    )
    assert view.inherent.cell(4, 3).count == 2  # the RESTRICTED risk is above the ceiling
    refreshed(qtbot, view, lambda: view.ceiling.setCurrentIndex(0))
    refreshed(
        qtbot, view, lambda: view.category.setCurrentIndex(view.category.findData("political"))
    )
    assert view.inherent.cell(4, 3).count == 1
    assert view.inherent.cell(2, 5).count == 0
    refreshed(qtbot, view, lambda: view.category.setCurrentIndex(0))
    refreshed(qtbot, view, lambda: view.status.setCurrentIndex(view.status.findData("*")))
    assert view.inherent.cell(4, 3).count == 4  # closed included
    refreshed(qtbot, view, lambda: view.status.setCurrentIndex(view.status.findData("closed")))
    assert view.inherent.cell(4, 3).count == 1
    click_cell(qtbot, view.inherent, 4, 3)
    assert view.listed_refs() == ["R-004"]


def test_partnership_and_owner_filters(qtbot: Any, context: AppContext, register: Any) -> None:
    from db.models import PartnershipCreate, StakeholderCreate

    with register.write() as session:
        partner = repository.create(
            session, "stakeholder", StakeholderCreate(name="NATO"), actor="t"
        )
        deal = repository.create(
            session,
            "partnership",
            PartnershipCreate(name="NATO pilot", partner_id=partner.id),
            actor="t",
        )
    add_risk(register, "Linked to the pilot", 3, 3, partnership_ids=[deal.id], owner="Ana")
    add_risk(register, "Not linked", 3, 3, owner="Ben")
    view = shown_view(qtbot, context)
    assert view.inherent.cell(3, 3).count == 2
    index = view.partnership.findData(deal.id)
    assert index > 0 and "NATO pilot" in view.partnership.itemText(index)
    refreshed(qtbot, view, lambda: view.partnership.setCurrentIndex(index))
    assert view.inherent.cell(3, 3).count == 1
    click_cell(qtbot, view.inherent, 3, 3)
    assert view.listed_refs() == ["R-001"]
    refreshed(qtbot, view, lambda: view.partnership.setCurrentIndex(0))

    def type_owner() -> None:
        view.owner.setEditText("ben")
        view.owner.lineEdit().editingFinished.emit()

    refreshed(qtbot, view, type_owner)
    assert view.listed_refs() == ["R-002"]


def test_as_of_shows_the_older_position_and_arrows_show_the_move(
    qtbot: Any, context: AppContext, register: Any
) -> None:
    with clock_at(TEN_DAYS_AGO):
        risk = add_risk(register, "Cancellations spread", 2, 2)
    with register.write() as session:
        repository.update(session, "risk", risk.id, RiskUpdate(likelihood=5, impact=4), actor="t")
    view = shown_view(qtbot, context)
    assert view.inherent.cell(5, 4).count == 1
    assert view.inherent.cell(2, 2).count == 0

    def as_of_five_days_ago() -> None:
        view.as_of_date.setDate(QDate(TODAY - dt.timedelta(days=5)))
        view.as_of_check.setChecked(True)

    refreshed(qtbot, view, as_of_five_days_ago)
    assert view.inherent.cell(2, 2).count == 1
    assert view.inherent.cell(5, 4).count == 0
    click_cell(qtbot, view.inherent, 2, 2)
    assert view.listed_refs() == ["R-001"]
    assert "as of" in view.inherent._subtitle  # the map says which date it shows

    refreshed(qtbot, view, lambda: view.as_of_check.setChecked(False))

    def movement_since_five_days_ago() -> None:
        view.since_date.setDate(QDate(TODAY - dt.timedelta(days=5)))
        view.since_check.setChecked(True)

    refreshed(qtbot, view, movement_since_five_days_ago)
    arrows = view.inherent.arrows()
    assert [(a.from_cell, a.to_cell, a.refs) for a in arrows] == [((2, 2), (5, 4), ["R-001"])]
    tip = view.inherent.tooltip_text((5, 4))
    assert "R-001" in tip and "Moved in" in tip


def test_keyboard_walks_the_cells_and_enter_lists_one(
    qtbot: Any, context: AppContext, seeded: dict[str, int]
) -> None:
    view = shown_view(qtbot, context)
    heat = view.inherent
    heat.setFocus()
    heat.set_current_cell(3, 3)
    qtbot.keyClick(heat, Qt.Key.Key_Up)
    assert heat.current_cell() == (4, 3)
    qtbot.keyClick(heat, Qt.Key.Key_Right)
    qtbot.keyClick(heat, Qt.Key.Key_Left)
    qtbot.keyClick(heat, Qt.Key.Key_Left)
    assert heat.current_cell() == (4, 2)
    qtbot.keyClick(heat, Qt.Key.Key_Right)
    for _ in range(7):  # stops at the edge
        qtbot.keyClick(heat, Qt.Key.Key_Up)
    assert heat.current_cell() == (5, 3)
    qtbot.keyClick(heat, Qt.Key.Key_Down)
    assert view.listed_refs() == []  # moving does not list
    qtbot.keyClick(heat, Qt.Key.Key_Return)
    assert heat.selected_cell() == (4, 3)
    assert view.listed_refs() == ["R-001", "R-002", "R-005"]


def test_double_click_on_a_listed_risk_asks_to_edit_it(
    qtbot: Any, context: AppContext, seeded: dict[str, int]
) -> None:
    view = shown_view(qtbot, context)
    click_cell(qtbot, view.inherent, 2, 5)
    requests: list[tuple[str, int]] = []
    context.edit_requested.connect(lambda kind, rid: requests.append((kind, rid)))
    index = view.rows_model.index(0, 1)
    rect = view.table.visualRect(index)
    # A real double-click is press, release, double-click.
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert requests == []  # a single click only selects
    qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert requests and requests[-1] == ("risk", seeded["R-003"])


def test_the_view_follows_data_changed(
    qtbot: Any, context: AppContext, seeded: dict[str, int], register: Any
) -> None:
    view = shown_view(qtbot, context)
    click_cell(qtbot, view.inherent, 2, 5)
    add_risk(register, "Another inquiry", 2, 5)
    refreshed(qtbot, view, context.notify_changed)
    assert view.inherent.cell(2, 5).count == 2
    assert view.listed_refs() == ["R-003", "R-006"]  # the listed cell is listed again


def test_cells_elide_their_refs_and_tooltips_name_them(
    qtbot: Any, context: AppContext, register: Any
) -> None:
    for n in range(9):
        add_risk(register, f"Crowded risk {n}", 5, 5)
    view = shown_view(qtbot, context)
    tip = view.inherent.tooltip_text((5, 5))
    assert "9 risks" in tip and "R-001" in tip and "critical" in tip and "15\u201325" in tip
    assert view.inherent.cell(5, 5).band == "critical"


def test_a_large_register_paints_counts_first_and_lists_a_cell_on_demand(
    qtbot: Any, context: AppContext, seeded: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    import desktop.views.matrix_view as matrix_view

    monkeypatch.setattr(matrix_view, "SMALL_REGISTER", 0)
    monkeypatch.setattr(matrix_view, "LAZY_DETAILS", 1)  # behave as with a huge register
    view = RiskMatrixView(context)
    qtbot.addWidget(view)
    view.resize(1100, 800)
    with qtbot.waitSignal(view.refreshed, timeout=10_000):
        view.show()
    assert view.inherent.cell(4, 3).count == 3
    assert list(view.inherent.cell(4, 3).refs) == []  # counts only so far
    assert "click a cell" in view.status_label.text()
    with qtbot.waitSignal(view.refreshed, timeout=10_000):
        click_cell(qtbot, view.inherent, 4, 3)
        assert "listing" in view.cell_title.text()
    assert view.listed_refs() == ["R-001", "R-002", "R-005"]
    assert list(view.inherent.cell(4, 3).refs) == ["R-001", "R-002", "R-005"]


def test_elide_refs() -> None:
    def fits(n: int):  # noqa: ANN202
        return lambda text: len(text) <= n

    refs = ["R-001", "R-004", "R-007", "R-009", "R-010"]
    assert elide_refs(refs, 5, fits(100), 1) == ["R-001, R-004, R-007, R-009, R-010"]
    assert elide_refs(refs, 5, fits(15), 1) == ["R-001, R-004 +3"]
    assert elide_refs(refs, 5, fits(15), 2) == ["R-001, R-004", "R-007, R-009 +1"]
    assert elide_refs(refs, 5, fits(12), 2) == ["R-001, R-004", "R-007 +2"]
    assert elide_refs(refs[:2], 40, fits(16), 1) == ["R-001, R-004 +38"]
    assert elide_refs(refs[:2], 40, fits(15), 1) == ["R-001 +39"]
    assert elide_refs(refs, 5, fits(3), 1) == ["+5"]
    assert elide_refs([], 0, fits(10), 2) == []


def test_text_on_every_band_colour_is_readable() -> None:
    from PySide6.QtGui import QColor

    for colour in BAND_COLOURS.values():
        fill = QColor(colour)
        assert contrast_ratio(fill, text_colour_on(fill)) >= 4.5


def test_closing_the_view_while_it_computes_is_harmless(
    qtbot: Any, context: AppContext, seeded: dict[str, int]
) -> None:
    from desktop.tasks import wait_for

    view = RiskMatrixView(context)
    view.show()
    handle = view._query.handle
    assert handle is not None  # showing started a refresh
    view.close()
    view.deleteLater()
    qtbot.wait(1)  # the view is deleted before the result arrives
    assert wait_for(handle, 10_000)
    qtbot.wait(50)  # a slot on the deleted view would raise here (pytest-qt fails the test)
