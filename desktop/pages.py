"""The pages of the main window, listed once: title, icon, shortcut, how to build it.

The navigation list, the View menu and the page shortcuts follow ``PAGES``.  A
page's screen is imported when it is first shown, so start-up pays only for the
page on screen; a screen that fails to build shows what went wrong in its place
rather than stopping the app.
"""

from __future__ import annotations

import importlib
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from PySide6.QtCore import SignalInstance
from PySide6.QtWidgets import QWidget

from desktop.context import AppContext
from desktop.widgets.placeholder import PlaceholderPage

PageFactory = Callable[[AppContext, QWidget], QWidget]


@runtime_checkable
class RecordPage(Protocol):
    """A page listing the records of one kind (the register views): what the window's
    New, Edit, Delete, Find, Export and "show this record" act on."""

    kind: str

    @property
    def selection_changed(self) -> SignalInstance: ...

    def selected_ids(self) -> list[int]: ...

    def current_id(self) -> int | None: ...

    def delete_selected(self) -> bool: ...

    def focus_search(self) -> None: ...

    def export_shown(self, path: str | None = None) -> Any: ...

    def reveal(self, record_id: int, ref: str) -> bool: ...


def _lazy(module: str, class_name: str, what: str) -> PageFactory:
    """A factory that imports ``module.class_name`` when the page is first shown."""

    def factory(context: AppContext, parent: QWidget) -> QWidget:
        try:
            cls = getattr(importlib.import_module(module), class_name)
            return cls(context, parent)  # type: ignore[no-any-return]
        except Exception as exc:  # noqa: BLE001 - one broken screen must not stop the app
            traceback.print_exc()
            return PlaceholderPage(what, f"This screen could not be opened: {exc}", parent)

    return factory


def _register(kind: str) -> PageFactory:
    def factory(context: AppContext, parent: QWidget) -> QWidget:
        from desktop.views.register_view import RegisterView

        return RegisterView(context, kind, parent)

    return factory


@dataclass(frozen=True)
class Page:
    title: str
    icon: str  # freedesktop icon name (desktop.widgets.icons has the fallbacks)
    shortcut: str
    factory: PageFactory
    kind: str | None = None  # the record kind a register page shows


PAGES: tuple[Page, ...] = (
    Page(
        "Dashboard",
        "go-home",
        "Ctrl+1",
        _lazy("desktop.views.dashboard_view", "DashboardView", "Dashboard"),
    ),
    Page(
        "Risk matrix",
        "view-grid",
        "Ctrl+2",
        _lazy("desktop.views.matrix_view", "RiskMatrixView", "Risk matrix"),
    ),
    Page("Risks", "dialog-warning", "Ctrl+3", _register("risk"), "risk"),
    # Treatment actions sit beside the risks they treat; Ctrl+9, the next free key.
    Page("Actions", "task-due", "Ctrl+9", _register("action"), "action"),
    Page("Events", "view-calendar", "Ctrl+4", _register("event"), "event"),
    Page("Partnerships", "emblem-shared", "Ctrl+5", _register("partnership"), "partnership"),
    Page("Stakeholders", "system-users", "Ctrl+6", _register("stakeholder"), "stakeholder"),
    Page(
        "Stakeholder map",
        "view-statistics",
        "Ctrl+7",
        _lazy("desktop.views.stakeholder_map_view", "StakeholderMapView", "Stakeholder map"),
    ),
    Page(
        "Briefings",
        "document-print",
        "Ctrl+8",
        _lazy("desktop.views.briefings_view", "BriefingsView", "Briefings"),
    ),
    Page(
        "Activity",
        "view-history",
        "Ctrl+0",
        _lazy("desktop.views.activity_view", "ActivityView", "Activity"),
    ),
)


def page_row(title: str) -> int:
    """The row of the page called ``title`` (ValueError if there is none)."""
    return [page.title for page in PAGES].index(title)
