"""The app at 1,024 x 700: every page and dialog fits, nothing is clipped, no page scrolls sideways.

Each window is resized to 1,024 x 700 on the demo register and every visible widget in
it is checked against the window's rectangle and against its parent's (a widget pushed
past its parent's edge is cut off there).  A widget inside a scroll area's viewport is
exempt from the viewport's edge (scrolling reaches it) but the scroll area itself is
checked.  On the main pages no horizontal scroll bar may be shown: a page that needs
one at this size has a layout that cannot shrink.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QDialog, QWidget
from sqlmodel import select

from db.kinds import TABLES
from desktop.pages import PAGES
from desktop.widgets.column_fit import fitted_widths
from tests.gui.conftest import wait_tasks

SMALL = (1024, 700)


def _inside_scrolled_content(widget: QWidget, top: QWidget) -> bool:
    """True when ``widget`` lies in a scroll area's viewport (below ``top``)."""
    w: QWidget | None = widget
    while w is not None and w is not top:
        parent = w.parentWidget()
        if isinstance(parent, QAbstractScrollArea) and parent.viewport() is w:
            return True
        w = parent
    return False


def problems(top: QWidget) -> list[str]:
    """What does not fit in ``top`` at its current size (empty: everything fits)."""
    found: list[str] = []
    if top.width() > SMALL[0] or top.height() > SMALL[1]:
        found.append(
            f"{type(top).__name__} is {top.width()} x {top.height()} "
            f"(minimum {top.minimumSizeHint().width()} x {top.minimumSizeHint().height()})"
        )
    window_rect = top.rect()
    for child in top.findChildren(QWidget):
        if not child.isVisible() or child.isWindow():
            continue
        if _inside_scrolled_content(child, top):
            continue
        name = f"{type(child).__name__}({child.objectName() or child.accessibleName()})"
        where = QRect(child.mapTo(top, child.rect().topLeft()), child.size())
        if not window_rect.contains(where):
            found.append(f"{name} at {where.getRect()} outside the window {window_rect.getRect()}")
            continue
        parent = child.parentWidget()
        if (
            parent is not None
            and parent is not top
            and not parent.rect().contains(child.geometry())
        ):
            found.append(
                f"{name} at {child.geometry().getRect()} cut off by its parent "
                f"{type(parent).__name__}({parent.objectName()}) {parent.rect().getRect()}"
            )
    return found


def sideways_scrolling(page: QWidget) -> list[str]:
    areas = [a for a in page.findChildren(QAbstractScrollArea) if a.isVisible()]
    if isinstance(page, QAbstractScrollArea):
        areas.append(page)
    return [
        f"{type(a).__name__}({a.objectName() or a.accessibleName()}) scrolls sideways "
        f"(viewport {a.viewport().width()}, range {a.horizontalScrollBar().maximum()})"
        for a in areas
        if a.horizontalScrollBar().isVisible()
    ]


def settle(qtbot: Any) -> None:
    QApplication.processEvents()
    wait_tasks(qtbot)
    qtbot.wait(30)


@pytest.fixture
def demo_context(register: Any, settings: Any) -> Iterator[Any]:
    from db.demo import load_demo
    from desktop.context import AppContext

    load_demo(register)
    ctx = AppContext(register, settings)
    yield ctx
    ctx.undo_stack.clear()


@pytest.fixture
def small_window(qtbot: Any, demo_context: Any) -> Any:
    from desktop.main_window import MainWindow

    win = MainWindow(demo_context)
    qtbot.addWidget(win)
    win.change_watcher.stop()
    win.show()
    win.resize(*SMALL)
    settle(qtbot)
    return win


@pytest.mark.parametrize("title", [page.title for page in PAGES])
def test_each_page_fits_at_1024_by_700(qtbot: Any, small_window: Any, title: str) -> None:
    page = small_window.show_page(title)
    small_window.resize(*SMALL)
    settle(qtbot)
    assert problems(small_window) + sideways_scrolling(page) == []


def _dialog_fits(qtbot: Any, dialog: QDialog) -> list[str]:
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.resize(*SMALL)
    settle(qtbot)
    found = problems(dialog)
    dialog.reject()
    return found


def _first_id(context: Any, kind: str) -> int:
    """The demo register's first record of ``kind`` (the form shows its history and links)."""
    model: Any = TABLES[kind]
    with context.register.session() as session:
        return int(session.exec(select(model.id).order_by(model.id)).first())


@pytest.mark.parametrize("kind", ["stakeholder", "partnership", "risk", "event", "action"])
@pytest.mark.parametrize("new", [True, False], ids=["new", "saved"])
def test_each_record_form_fits_at_1024_by_700(
    qtbot: Any, small_window: Any, demo_context: Any, kind: str, new: bool
) -> None:
    from desktop.dialogs.forms import make_form

    record_id = None if new else _first_id(demo_context, kind)
    dialog = make_form(demo_context, kind, record_id, small_window)
    assert dialog is not None
    assert _dialog_fits(qtbot, dialog) == []


def test_briefing_dialog_fits_at_1024_by_700(
    qtbot: Any, small_window: Any, demo_context: Any
) -> None:
    from desktop.dialogs.briefing_dialog import BriefingDialog

    assert _dialog_fits(qtbot, BriefingDialog(demo_context, small_window)) == []


def test_settings_dialog_fits_at_1024_by_700(
    qtbot: Any, small_window: Any, demo_context: Any
) -> None:
    from desktop.dialogs.settings_dialog import SettingsDialog

    assert _dialog_fits(qtbot, SettingsDialog(demo_context, small_window)) == []


@pytest.mark.parametrize(
    ("available", "expected"),
    [
        (350, [100, 200, 50]),  # exactly the natural widths
        (351, [100, 201, 50]),  # one pixel more: the flexible column takes it
        (349, [100, 199, 50]),  # one pixel less: only a column above its floor gives it up
        (250, [100, 100, 50]),  # every column at its floor
        (200, [100, 100, 50]),  # narrower still: the floors hold (the table scrolls)
    ],
)
def test_fitted_widths_at_each_boundary(available: int, expected: list[int]) -> None:
    assert fitted_widths([100, 200, 50], [100, 100, 50], available, 1) == expected


def test_fitted_widths_shrink_in_proportion_and_fit() -> None:
    widths = fitted_widths([100, 200], [50, 50], 250, 0)
    assert widths == [100 - 13, 200 - 38]  # 50 px shared 1:3 by what each can spare
    assert sum(widths) <= 250


def test_register_refs_and_dates_keep_their_width_at_1024(qtbot: Any, small_window: Any) -> None:
    """The events register has the most columns: titles give way, refs and dates do not."""
    view = small_window.show_page("Events")
    small_window.resize(*SMALL)
    settle(qtbot)
    fitter = view.column_fitter
    keys = [col.key for col in view.spec.columns]
    widths = [view.table.columnWidth(i) for i in range(len(keys))]
    metrics = view.table.fontMetrics()
    for key in ("ref", "occurred_on", "classification"):  # shown whole
        i = keys.index(key)
        longest = max(
            metrics.horizontalAdvance(str(view.model.index(row, i).data()))
            for row in range(view.model.rowCount())
        )
        assert widths[i] >= longest + 8, key
    assert widths[keys.index("title")] < fitter.natural[keys.index("title")]
    assert sum(widths) <= view.table.viewport().width()
    # Wider, every column gets back some of what it gave up, and the table still fits.
    small_window.resize(1600, 1000)
    settle(qtbot)
    wide = [view.table.columnWidth(i) for i in range(len(keys))]
    assert all(w >= n for w, n in zip(wide, widths, strict=True))
    assert wide[keys.index("title")] > widths[keys.index("title")]
    assert sum(wide) <= view.table.viewport().width()


def test_review_reasons_wrap_whole_at_1024(qtbot: Any, small_window: Any) -> None:
    """The "Why" of "Review suggested" is read whole: a row is as tall as its wrapped reason."""
    view = small_window.show_page("Dashboard")
    small_window.resize(*SMALL)
    settle(qtbot)
    lst = view.suggested
    width = lst.header().sectionSize(2)
    metrics = lst.fontMetrics()
    reasons = [lst.topLevelItem(i) for i in range(lst.topLevelItemCount())]
    assert reasons
    # The demo's reasons are wider than the column at this size: wrapping is exercised.
    assert any(metrics.horizontalAdvance(item.text(2)) > width for item in reasons)
    for item in reasons:
        wrapped = metrics.boundingRect(
            QRect(0, 0, width - 10, 100_000), int(Qt.TextFlag.TextWordWrap), item.text(2)
        )
        assert lst.visualItemRect(item).height() >= wrapped.height(), item.text(2)
