"""Every click does one thing: buttons, toolbar actions and double-clicks open at most one window.

Modal dialogs, message boxes, file dialogs and URLs handed to the desktop are recorded
instead of shown; windows shown without a modal loop are found among the top-level
widgets.  A doubled connection (``doubleClicked`` beside ``activated``) shows up as two.
"""

from __future__ import annotations

import functools
import hashlib
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QFileDialog,
    QHeaderView,
    QMessageBox,
    QPushButton,
    QToolButton,
    QWidget,
)

from db.models import BriefingRecord
from desktop.pages import PAGES
from desktop.widgets import file_dialogs, pdf_preview
from tests.gui.conftest import wait_tasks


class Opened:
    """What the app opened since the last ``take()``: modal dialogs, boxes, URLs, new windows."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[str] = []

        def modal(dialog: QDialog, *_a: Any) -> int:
            self.calls.append(type(dialog).__name__)
            return 0

        monkeypatch.setattr(QDialog, "exec", modal)
        monkeypatch.setattr(QMessageBox, "exec", modal)
        monkeypatch.setattr(QFileDialog, "exec", modal)

        def recorder(what: str, answer: Any) -> Any:
            def record(*_a: Any, **_k: Any) -> Any:
                self.calls.append(what)
                return answer

            return staticmethod(record)

        for name in ("question", "warning", "information", "critical"):
            cancel = QMessageBox.StandardButton.Cancel
            monkeypatch.setattr(QMessageBox, name, recorder(f"QMessageBox.{name}", cancel))
        for name in ("getSaveFileName", "getOpenFileName"):
            monkeypatch.setattr(QFileDialog, name, recorder(name, ("", "")))
        for name in ("get_save_file_name", "get_open_file_name"):  # the app's one way in
            monkeypatch.setattr(file_dialogs, name, recorder(name, ("", "")).__func__)
        monkeypatch.setattr(QDesktopServices, "openUrl", recorder("url", True))
        monkeypatch.setattr(pdf_preview, "open_url", recorder("url", True).__func__)
        self.known = self.windows()

    @staticmethod
    def windows() -> set[int]:
        return {
            id(w)
            for w in QApplication.topLevelWidgets()
            if w.isVisible()
            and w.isWindow()
            and not w.windowFlags()
            & (Qt.WindowType.Popup | Qt.WindowType.ToolTip)
            & ~Qt.WindowType.Window
        }

    def settled(self) -> None:
        """Windows shown so far are the app's own, not something a click opened."""
        QApplication.processEvents()
        self.calls = []
        self.known = self.windows()

    def take(self) -> list[str]:
        """The things opened since the last call (new windows are closed again)."""
        QApplication.processEvents()
        new = [w for w in QApplication.topLevelWidgets() if id(w) in self.windows() - self.known]
        out = self.calls + [type(w).__name__ for w in new]
        for w in new:
            w.close()
        QApplication.processEvents()
        self.calls = []
        self.known = self.windows()
        return out


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch, qapp: Any) -> Iterator[Opened]:
    recorder = Opened(monkeypatch)
    yield recorder
    from desktop.dialogs import briefing_dialog as bd

    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, bd.BriefingDialog) and widget.building:
            widget.cancel_build()
    bd._OPEN.clear()


def a_pdf(path: Path) -> Path:
    from reportlab.pdfgen.canvas import Canvas

    canvas = Canvas(str(path))
    canvas.drawString(72, 720, "A pack")
    canvas.showPage()
    canvas.save()
    return path


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from db.demo import load_demo
    from db.engine import open_register

    path = tmp_path_factory.mktemp("clicks") / "demo.db"
    register = open_register(path)
    try:
        load_demo(register, actor="t")
    finally:
        register.dispose()
    return path


@pytest.fixture
def demo(demo_template: Path, settings: Any, tmp_path: Path) -> Iterator[Any]:
    """The demo register (private copy) with one pack whose PDF file is on disk."""
    from db.engine import open_register
    from desktop.context import AppContext

    path = tmp_path / "demo.db"
    shutil.copyfile(demo_template, path)
    register = open_register(path)
    packs = tmp_path / "packs"
    packs.mkdir()
    pdf = a_pdf(packs / "board.pdf")
    with register.write() as session:
        session.add(
            BriefingRecord(
                title="Board pack",
                ceiling="RESTRICTED",
                banner_level="RESTRICTED",
                page_count=1,
                sha256=hashlib.sha256(pdf.read_bytes()).hexdigest(),
                file_name=pdf.name,
            )
        )
    context = AppContext(register, settings)
    context.settings.last_export_folder = str(packs)
    yield context
    context.undo_stack.clear()
    register.dispose()


def double_click_row(qtbot: Any, view: QAbstractItemView, row: int = 0) -> None:
    model = view.model()
    index = model.index(row, 0)
    view.scrollTo(index)
    rect = view.visualRect(index)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


# ---------------------------------------------------------------- the three reported clicks


def test_export_button_under_a_register_exports(
    qtbot: Any, demo: Any, opened: Opened, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop.views.register_view import RegisterView

    view = RegisterView(demo, "risk")
    qtbot.addWidget(view)
    wait_tasks(qtbot)
    target = tmp_path / "shown.csv"
    monkeypatch.setattr(file_dialogs, "get_save_file_name", lambda *_a, **_k: (str(target), ""))
    qtbot.mouseClick(view.export_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert target.is_file()
    assert view.count_label.text().startswith("Exported ")


def test_double_click_on_a_risk_in_a_matrix_cell_edits_it_once(
    qtbot: Any, demo: Any, opened: Opened
) -> None:
    from desktop.views.matrix_view import RiskMatrixView

    view = RiskMatrixView(demo)
    qtbot.addWidget(view)
    view.resize(1200, 800)
    with qtbot.waitSignal(view.refreshed, timeout=20_000):
        view.show()
    heat = view.inherent
    cell = next(c for c, shown in heat._cells.items() if shown.count)
    centre = heat.cell_rect(*cell).center().toPoint()
    qtbot.mouseClick(heat, Qt.MouseButton.LeftButton, pos=centre)
    qtbot.waitUntil(lambda: view.rows_model.rowCount() > 0, timeout=10_000)
    requests: list[tuple[str, int]] = []
    demo.edit_requested.connect(lambda kind, rid: requests.append((kind, rid)))
    double_click_row(qtbot, view.table)
    assert len(requests) == 1


def test_double_click_on_a_pack_opens_one_preview(qtbot: Any, demo: Any, opened: Opened) -> None:
    from desktop.views.briefings_view import BriefingsView

    view = BriefingsView(demo)
    qtbot.addWidget(view)
    view.show()
    assert view.model.rowCount() == 1 and view.open_button.isEnabled()
    opened.take()
    double_click_row(qtbot, view.table)
    assert opened.take() == ["PdfPreviewWindow"]


# ---------------------------------------------------------------- every click in the app


def shown_window(qtbot: Any, demo: Any, opened: Opened) -> Any:
    """The main window on the demo register, shown; windows opened from now on are counted."""
    from desktop.main_window import MainWindow

    win = MainWindow(demo, show_welcome=False)
    qtbot.addWidget(win)
    win.change_watcher.stop()
    win.resize(1400, 900)
    win.show()
    wait_tasks(qtbot)
    opened.settled()
    return win


def clickable_buttons(page: QWidget) -> list[QPushButton | QToolButton]:
    buttons: list[Any] = page.findChildren(QPushButton) + page.findChildren(QToolButton)
    return [
        b
        for b in buttons
        if b.isVisibleTo(page) and b.isEnabled() and not isinstance(b.parent(), QAbstractItemView)
    ]


def item_views(page: QWidget) -> list[QAbstractItemView]:
    return [
        v
        for v in page.findChildren(QAbstractItemView)
        if not isinstance(v, QHeaderView)
        and v.isVisibleTo(page)
        and v.model() is not None
        and v.model().rowCount() > 0
    ]


def test_every_button_toolbar_action_and_double_click_does_one_thing(
    qtbot: Any, demo: Any, opened: Opened
) -> None:
    win = shown_window(qtbot, demo, opened)
    seen: dict[str, list[str]] = {}

    def once(what: str, action: Callable[[], Any]) -> None:
        action()
        wait_tasks(qtbot)
        seen[what] = opened.take()

    for page in PAGES:
        widget = win.show_page(page.title)
        wait_tasks(qtbot)
        qtbot.wait(50)
        opened.take()
        for i, view in enumerate(item_views(widget)):
            name = view.accessibleName() or view.objectName() or f"{type(view).__name__} {i}"
            once(
                f"{page.title}: double-click {name}",
                functools.partial(double_click_row, qtbot, view),
            )
        for button in clickable_buttons(widget):
            if not (button.isVisible() and button.isEnabled()):
                continue  # an earlier click hid or disabled it
            label = button.text() or button.toolTip() or button.objectName()
            once(f"{page.title}: {label}", button.click)

    # The painted maps: a double-click on a matrix cell lists it (no window), one on a
    # listed risk or on a stakeholder's marker opens one form.
    matrix: Any = win.show_page("Risk matrix")
    wait_tasks(qtbot)
    qtbot.waitUntil(lambda: any(c.count for c in matrix.inherent._cells.values()), timeout=20_000)
    cell = next(c for c, shown in matrix.inherent._cells.items() if shown.count)
    centre = matrix.inherent.cell_rect(*cell).center().toPoint()
    once(
        "Risk matrix: double-click a cell",
        lambda: qtbot.mouseDClick(matrix.inherent, Qt.MouseButton.LeftButton, pos=centre),
    )
    qtbot.waitUntil(lambda: matrix.rows_model.rowCount() > 0, timeout=10_000)
    once("Risk matrix: double-click a listed risk", lambda: double_click_row(qtbot, matrix.table))
    stakeholders: Any = win.show_page("Stakeholder map")
    wait_tasks(qtbot)
    qtbot.waitUntil(lambda: bool(stakeholders.canvas.markers()), timeout=10_000)
    marker = stakeholders.canvas.markers()[0]
    spot = stakeholders.canvas.marker_rect(marker.id).center().toPoint()
    once(
        "Stakeholder map: double-click a marker",
        lambda: qtbot.mouseDClick(stakeholders.canvas, Qt.MouseButton.LeftButton, pos=spot),
    )
    assert seen["Risk matrix: double-click a listed risk"] == ["RiskDialog"]
    assert seen["Stakeholder map: double-click a marker"] == ["StakeholderDialog"]

    register = win.show_page("Risks")
    wait_tasks(qtbot)
    register.table.selectRow(0)  # type: ignore[attr-defined]
    for action in win.toolbar.actions():
        if action.isSeparator() or not action.isEnabled():
            continue
        once(f"toolbar: {action.text()}", action.trigger)

    doubled = {what: got for what, got in seen.items() if len(got) > 1}
    assert doubled == {}
    # The check looked at the double-clicks that open something: each opened exactly one.
    for title in ("Risks", "Events", "Briefings"):
        acted = [got for what, got in seen.items() if what.startswith(f"{title}: double-click")]
        assert acted and all(len(got) == 1 for got in acted), (title, acted)
    assert any(what.startswith("toolbar:") and got for what, got in seen.items())


# ---------------------------------------------------------------- the dashboard's figures


def test_each_figure_tile_opens_the_register_filtered_to_what_it_counts(
    qtbot: Any, demo: Any, opened: Opened
) -> None:
    win = shown_window(qtbot, demo, opened)
    dashboard: Any = win.show_page("Dashboard")
    wait_tasks(qtbot)
    qtbot.waitUntil(lambda: dashboard._data is not None, timeout=20_000)
    cards = dashboard.event_cards + dashboard.band_cards
    figures = [(card.figure.name, card.figure.value) for card in cards]
    assert [name for name, _v in figures] == [
        "Events",
        "Adverse events",
        "New risks",
        "Critical",
        "High",
        "Medium",
        "Low",
    ]
    assert sum(value for _n, value in figures) > 0  # the demo gives the check something to count
    for i, (name, value) in enumerate(figures):
        card = (dashboard.event_cards + dashboard.band_cards)[i]
        qtbot.mouseClick(card, Qt.MouseButton.LeftButton)
        wait_tasks(qtbot)
        page: Any = win.current_page()
        assert page is not dashboard, name
        qtbot.waitUntil(lambda p=page: p.model.total() is not None, timeout=10_000)
        assert page.model.total() == value, name
        assert page.figure_label.isVisible() and page.figure_label.text().startswith("Showing: ")
        page.clear_filters()
        wait_tasks(qtbot)
        assert not page.figure_label.isVisible()
        assert page.model.current_filter().is_empty()
        win.show_page("Dashboard")
        wait_tasks(qtbot)
    # The keyboard reaches them too.
    card = dashboard.band_cards[2]
    card.setFocus()
    qtbot.keyClick(card, Qt.Key.Key_Return)
    wait_tasks(qtbot)
    assert win.current_page() is not dashboard
    assert opened.take() == []  # click-through opens a page, not a window


def test_the_why_of_review_suggested_is_in_view_without_scrolling(
    qtbot: Any, demo: Any, opened: Opened
) -> None:
    from desktop.views.dashboard_view import DashboardView

    view = DashboardView(demo)
    qtbot.addWidget(view)
    view.resize(1280, 900)
    view.show()
    wait_tasks(qtbot)
    qtbot.waitUntil(lambda: view._data is not None, timeout=20_000)
    qtbot.wait(50)
    lst = view.suggested
    assert lst.topLevelItemCount() > 0 and lst.headerItem().text(2) == "Why"
    header = lst.header()
    right = header.sectionViewportPosition(2) + header.sectionSize(2)
    assert right <= lst.viewport().width()
    assert lst.horizontalScrollBar().maximum() == 0
    metrics = lst.fontMetrics()
    for i in range(lst.topLevelItemCount()):
        why = lst.topLevelItem(i).text(2)
        assert why and metrics.horizontalAdvance(why) <= header.sectionSize(2), why
