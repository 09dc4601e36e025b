"""The main window: navigation, menus, toolbar, status bar.

The pages are listed once, in ``desktop.pages.PAGES``; the navigation, the View menu
and the page shortcuts follow that list.

The window never writes to the register itself: New and Edit open the record form
(``desktop.dialogs.forms.open_form``, which pushes its own undo command), Delete
pushes ``desktop.undo.DeleteRecordsCommand``; every change comes back through
``context.data_changed``.  A ``ChangeWatcher`` polls the register's change counter so
that changes made by other users (another process, another machine) refresh the views.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSize, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QWidget,
)

from db.engine import describe_target
from db.enums import EntityKind
from db.errors import RegisterError
from db.kinds import KINDS
from desktop import PRODUCT_NAME, __version__
from desktop import settings as keys
from desktop.change_watcher import ChangeWatcher
from desktop.context import AppContext
from desktop.pages import PAGES, RecordPage, page_row
from desktop.views.global_search import GlobalSearchPopup
from desktop.widgets import file_dialogs
from desktop.widgets.icons import icon

KIND_LABELS = {  # the order of the New record menu
    kind.value: KINDS[kind].label
    for kind in (
        EntityKind.risk,
        EntityKind.event,
        EntityKind.partnership,
        EntityKind.stakeholder,
        EntityKind.action,
    )
}
REGISTER_PAGE = {kind.value: info.plural_label for kind, info in KINDS.items()}
DEFAULT_NEW_KIND = "event"  # logging what happened is the most frequent job


# --------------------------------------------------------------------------- the window


class MainWindow(QMainWindow):
    def __init__(
        self,
        context: AppContext,
        parent: QWidget | None = None,
        *,
        show_welcome: bool | None = None,
    ):
        super().__init__(parent)
        self.context = context
        self.setWindowTitle(PRODUCT_NAME)
        self.setObjectName("main_window")
        self._pages: dict[str, QWidget] = {}

        self.central = QStackedWidget()
        self.setCentralWidget(self.central)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setAccessibleName("Navigation")
        self.nav.setIconSize(QSize(20, 20))
        self.nav.setSpacing(1)
        for page in PAGES:
            item = QListWidgetItem(icon(page.icon), page.title)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, page.title)
            self.nav.addItem(item)
        self.nav.setMinimumWidth(140)
        self.stack = QStackedWidget()
        self.stack.setObjectName("pages")
        self.splitter.addWidget(self.nav)
        self.splitter.addWidget(self.stack)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setCollapsible(1, False)
        nav_width = self.nav.sizeHintForColumn(0) + 2 * self.nav.frameWidth() + 24
        self.splitter.setSizes([nav_width, 1000])
        self.central.addWidget(self.splitter)
        self.welcome: QWidget | None = None

        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()

        self.nav.currentRowChanged.connect(self._show_row)
        context.data_changed.connect(self._data_changed)
        context.register_changed.connect(self._register_changed)
        context.edit_requested.connect(self.edit_record)
        context.new_requested.connect(self.new_record)
        context.show_requested.connect(self.show_record)
        context.figure_requested.connect(self.show_figure)
        context.undo_stack.cleanChanged.connect(lambda _clean: self._update_actions())

        self._restore_window_state()
        if show_welcome is None:
            show_welcome = self._register_is_empty()
        if show_welcome:
            self.show_welcome()
        else:
            self._open_first_page()
        self._update_status()
        self.change_watcher = ChangeWatcher(context, self)

    # ------------------------------------------------------------------ actions

    def _action(
        self,
        text: str,
        slot: Callable[..., Any],
        *,
        shortcut: QKeySequence.StandardKey | str | None = None,
        icon_name: str | None = None,
        tip: str | None = None,
    ) -> QAction:
        action = QAction(text, self)
        if icon_name:
            action.setIcon(icon(icon_name))
        if isinstance(shortcut, QKeySequence.StandardKey):
            action.setShortcuts(shortcut)
        elif shortcut:
            action.setShortcut(QKeySequence(shortcut))
        plain = text.replace("&", "").rstrip(".")
        action.setToolTip(tip or plain)
        action.setStatusTip(tip or plain)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        K = QKeySequence.StandardKey
        self.new_register_action = self._action(
            "&New register...", self.new_register, icon_name="document-new"
        )
        self.open_register_action = self._action(
            "&Open register...", self.open_register, shortcut=K.Open, icon_name="document-open"
        )
        self.import_action = self._action(
            "&Import...", self.import_file, icon_name="document-import"
        )
        self.export_action = self._action(
            "&Export shown rows...",
            self.export_rows,
            icon_name="document-export",
            tip="Export the rows of the register shown, with its filters, to CSV or XLSX",
        )
        self.backup_action = self._action("&Backup...", self.backup)
        self.settings_action = self._action(
            "&Settings...",
            self.open_settings,
            shortcut=K.Preferences,
            icon_name="preferences-system",
        )
        self.quit_action = self._action(
            "&Quit", self.close, shortcut=K.Quit, icon_name="application-exit"
        )
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)

        self.new_action = self._action(
            "&New...",
            self.new_record,
            shortcut=K.New,
            icon_name="document-new",
            tip="New record of the kind shown (an event elsewhere)",
        )
        self.new_actions: dict[str, QAction] = {
            kind: self._action(f"New {label.lower()}...", lambda k=kind: self.new_record(k))
            for kind, label in KIND_LABELS.items()
        }
        self.edit_action = self._action(
            "&Edit...",
            self.edit_selected,
            icon_name="document-edit",
            tip="Edit the selected record",
        )
        self.edit_action.setShortcut(QKeySequence("Ctrl+E"))
        self.delete_action = self._action(
            "&Delete...",
            self.delete_selected,
            shortcut=K.Delete,
            icon_name="edit-delete",
            tip="Delete the selected records (asks first; can be undone)",
        )
        stack = self.context.undo_stack
        self.undo_action = stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcuts(K.Undo)
        self.undo_action.setIcon(icon("edit-undo"))
        self.redo_action = stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts(K.Redo)
        self.redo_action.setIcon(icon("edit-redo"))
        for action in (self.undo_action, self.redo_action):
            self.addAction(action)
        self.find_action = self._action(
            "&Find",
            self.find_in_register,
            shortcut=K.Find,
            icon_name="edit-find",
            tip="Search the register shown",
        )
        # Ctrl+K: every record of every kind (Find stays the register's own quick search).
        self.search_everything_action = self._action(
            "&Search everything...",
            self.search_everything,
            shortcut="Ctrl+K",
            icon_name="edit-find",
            tip="Find any record of any kind by ref, title, name or text (Ctrl+K)",
        )
        self.search_popup: GlobalSearchPopup | None = None
        self.briefing_action = self._action(
            "&Briefing pack...",
            self.briefing_pack,
            shortcut=K.Print,
            icon_name="document-print",
            tip="Make a briefing pack (PDF)",
        )
        self.refresh_action = self._action(
            "&Refresh", self.refresh, shortcut=K.Refresh, icon_name="view-refresh"
        )
        self.page_actions: list[QAction] = []
        for row, page in enumerate(PAGES):
            action = self._action(
                page.title,
                lambda r=row: self.show_page_row(r),
                shortcut=page.shortcut,
                icon_name=page.icon,
            )
            self.page_actions.append(action)
        self.about_action = self._action("&About", self.about, icon_name="help-about")
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addActions([self.new_register_action, self.open_register_action])
        file_menu.addSeparator()
        file_menu.addActions([self.import_action, self.export_action, self.backup_action])
        file_menu.addSeparator()
        file_menu.addAction(self.briefing_action)
        file_menu.addSeparator()
        file_menu.addAction(self.settings_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        edit_menu = bar.addMenu("&Edit")
        edit_menu.addAction(self.new_action)
        new_menu = QMenu("New &record", self)
        new_menu.addActions(list(self.new_actions.values()))
        edit_menu.addMenu(new_menu)
        edit_menu.addActions([self.edit_action, self.delete_action])
        edit_menu.addSeparator()
        edit_menu.addActions([self.undo_action, self.redo_action])
        edit_menu.addSeparator()
        edit_menu.addAction(self.find_action)
        edit_menu.addAction(self.search_everything_action)

        view_menu = bar.addMenu("&View")
        view_menu.addActions(self.page_actions)
        view_menu.addSeparator()
        view_menu.addAction(self.refresh_action)
        self.view_menu = view_menu

        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.about_action)

    def _build_toolbar(self) -> None:
        toolbar = QToolBar("Main toolbar", self)
        toolbar.setObjectName("main_toolbar")
        toolbar.setAccessibleName("Main toolbar")
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.setIconSize(QSize(18, 18))
        toolbar.addActions([self.new_action, self.edit_action, self.delete_action])
        toolbar.addSeparator()
        toolbar.addActions([self.undo_action, self.redo_action])
        toolbar.addSeparator()
        toolbar.addAction(self.find_action)
        toolbar.addSeparator()
        toolbar.addAction(self.briefing_action)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)
        self.toolbar = toolbar
        self.view_menu.addAction(toolbar.toggleViewAction())
        # Every button gets the accessible name of its action (icon-only when the
        # toolbar is narrowed or the style is changed to icons only).
        for action in toolbar.actions():
            widget = toolbar.widgetForAction(action)
            if widget is not None and action.text():
                widget.setAccessibleName(action.text().replace("&", "").rstrip("."))

    def _apply_role(self) -> None:
        """Grey out what the member's role does not allow (the database refuses it anyway)."""
        me = self.context.standing
        reason = f"Your role ({me.role.value}) does not allow this"
        for action in (self.new_action, *self.new_actions.values(), self.import_action):
            action.setEnabled(me.can_edit)
            action.setStatusTip("" if me.can_edit else reason)
        if not me.can_edit:
            self.delete_action.setEnabled(False)
            self.delete_action.setStatusTip(reason)

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.database_label = QLabel()
        self.database_label.setObjectName("database_label")
        self.database_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.counts_label = QLabel()
        self.counts_label.setObjectName("counts_label")
        status.addPermanentWidget(self.database_label, 1)
        status.addPermanentWidget(self.counts_label)

    # ------------------------------------------------------------------ pages

    def _open_first_page(self) -> None:
        self.central.setCurrentWidget(self.splitter)
        last = self.context.settings.get(keys.LAST_VIEW)
        titles = [p.title for p in PAGES]
        row = titles.index(last) if last in titles else 0
        self.show_page_row(row)

    def show_welcome(self) -> None:
        from desktop.views.welcome_view import WelcomeView

        if self.welcome is None:
            welcome = WelcomeView(self.context, self)
            welcome.import_requested.connect(self.import_file)
            welcome.done.connect(self.leave_welcome)
            self.central.addWidget(welcome)
            self.welcome = welcome
        self.central.setCurrentWidget(self.welcome)
        self._update_actions()

    def leave_welcome(self) -> None:
        if self.central.currentWidget() is self.splitter:
            return
        self._open_first_page()

    def on_welcome(self) -> bool:
        return self.welcome is not None and self.central.currentWidget() is self.welcome

    def show_page_row(self, row: int) -> None:
        if self.on_welcome():
            self._open_first_page()
        if self.nav.currentRow() != row:
            self.nav.setCurrentRow(row)  # calls _show_row
        else:
            self._show_row(row)

    def show_page(self, title: str) -> QWidget:
        self.show_page_row(page_row(title))
        return self._pages[title]

    def page(self, title: str) -> QWidget | None:
        """The page widget if it was built already."""
        return self._pages.get(title)

    def _show_row(self, row: int) -> None:
        if not 0 <= row < len(PAGES):
            return
        page = PAGES[row]
        widget = self._pages.get(page.title)
        if widget is None:
            widget = page.factory(self.context, self.stack)
            widget.setObjectName(widget.objectName() or f"page_{row}")
            self._pages[page.title] = widget
            self.stack.addWidget(widget)
            if isinstance(widget, RecordPage):
                widget.selection_changed.connect(self._update_actions)
        self.stack.setCurrentWidget(widget)
        self.context.settings.set(keys.LAST_VIEW, page.title)
        self._update_actions()

    def current_page(self) -> QWidget | None:
        if self.on_welcome():
            return None
        return self.stack.currentWidget()

    def current_record_page(self) -> RecordPage | None:
        page = self.current_page()
        return page if isinstance(page, RecordPage) else None

    def current_kind(self) -> str | None:
        page = self.current_record_page()
        return page.kind if page is not None else None

    def _selected(self) -> tuple[str | None, list[int]]:
        page = self.current_record_page()
        if page is None:
            return None, []
        return page.kind, page.selected_ids()

    def _update_actions(self) -> None:
        kind, ids = self._selected()
        self.edit_action.setEnabled(len(ids) == 1 or (len(ids) > 1 and kind is not None))
        self.delete_action.setEnabled(bool(ids))
        self.export_action.setEnabled(self.current_kind() is not None)
        self._apply_role()
        new_kind = kind or DEFAULT_NEW_KIND
        self.new_action.setText(f"&New {new_kind}...")
        self.new_action.setToolTip(f"New {new_kind}")
        widget = self.toolbar.widgetForAction(self.new_action) if hasattr(self, "toolbar") else None
        if widget is not None:
            widget.setAccessibleName(f"New {new_kind}")

    # ------------------------------------------------------------------ record actions

    def new_record(self, kind: str | None = None) -> int | None:
        """Open the form for a new record; the form pushes its own undo command."""
        from desktop.dialogs.forms import open_form

        kind = kind or self.current_kind() or DEFAULT_NEW_KIND
        return open_form(self.context, kind, record_id=None, parent=self)

    def edit_record(self, kind: str, record_id: int) -> int | None:
        from desktop.dialogs.forms import open_form

        return open_form(self.context, kind, record_id=record_id, parent=self)

    def edit_selected(self) -> Any:
        kind, ids = self._selected()
        if kind is None or not ids:
            return None
        page = self.current_record_page()
        record_id = page.current_id() if page is not None else None
        return self.edit_record(kind, record_id if record_id is not None else ids[0])

    def delete_selected(self) -> bool:
        page = self.current_record_page()
        return page.delete_selected() if page is not None else False

    def find_in_register(self) -> None:
        page = self.current_record_page()
        if page is None:
            shown = self.show_page(REGISTER_PAGE[DEFAULT_NEW_KIND])
            assert isinstance(shown, RecordPage)
            page = shown
        page.focus_search()

    def search_everything(self) -> GlobalSearchPopup:
        """Open the search box for every record (one popup, reused)."""
        if self.search_popup is None:
            self.search_popup = GlobalSearchPopup(self.context, self)
            self.search_popup.record_chosen.connect(self.open_found_record)
        self.search_popup.open_over(self)
        return self.search_popup

    def open_found_record(self, kind: str, record_id: int) -> None:
        """A record chosen in the search box: shown in its register, then its form opened."""
        self.show_record(kind, record_id)
        self.context.edit_requested.emit(kind, record_id)

    def show_figure(self, kind: str, flt: Any, description: str) -> None:
        """Show the records a dashboard figure counts in their register."""
        title = REGISTER_PAGE.get(kind)
        view = self.show_page(title) if title is not None else None
        if view is not None and hasattr(view, "show_figure"):
            view.show_figure(flt, description)

    def show_record(self, kind: str, record_id: int) -> None:
        """Show a record in its register: search for its ref, select it."""
        title = REGISTER_PAGE.get(kind)
        if title is None:
            return
        view = self.show_page(title)
        if not isinstance(view, RecordPage):
            return  # the register screen could not be opened
        from db import repository

        try:
            with self.context.register.session() as session:
                ref = repository.get(session, kind, record_id).ref
        except RegisterError:
            return
        view.reveal(record_id, ref)

    def refresh(self) -> None:
        self.context.notify_changed()

    # ------------------------------------------------------------------ file actions

    def _open_target(self, target: str) -> bool:
        from db.engine import open_register

        try:
            register = open_register(target)
        except RegisterError as exc:
            QMessageBox.warning(self, "Cannot open the register", str(exc))
            return False
        self.context.set_register(register)
        return True

    def new_register(self) -> None:
        folder = self.context.settings.last_export_folder or str(Path.home())
        path, _ = file_dialogs.get_save_file_name(
            self,
            "New register",
            str(Path(folder) / "register.db"),
            "Registers (*.db);;All files (*)",
        )
        if not path:
            return
        if Path(path).exists():
            QMessageBox.warning(
                self, "New register", f"{path} already exists; choose Open register to open it."
            )
            return
        self._open_target(path)

    def open_register(self) -> None:
        current = self.context.register.path
        folder = str(current.parent) if current is not None else str(Path.home())
        path, _ = file_dialogs.get_open_file_name(
            self, "Open register", folder, "Registers (*.db);;All files (*)"
        )
        if path:
            self._open_target(path)

    def import_file(self) -> None:
        from desktop.dialogs.import_dialog import ImportDialog

        dialog = ImportDialog(self.context, self, kind=self.current_kind())
        dialog.exec()
        if dialog.imported and self.on_welcome() and not self._register_is_empty():
            self.leave_welcome()

    def export_rows(self) -> None:
        page = self.current_record_page()
        if page is not None:
            page.export_shown()

    def backup(self) -> None:
        register = self.context.register
        if register.path is None:
            QMessageBox.information(
                self,
                "Backup",
                "This register lives on a PostgreSQL server: back it up with pg_dump.",
            )
            return
        import datetime as dt

        folder = self.context.settings.last_export_folder or str(register.path.parent)
        suggested = Path(folder) / f"{register.path.stem}-{dt.date.today():%Y%m%d}.db"
        path, _ = file_dialogs.get_save_file_name(
            self, "Back up the register", str(suggested), "Registers (*.db)"
        )
        if not path:
            return
        self.context.settings.last_export_folder = str(Path(path).parent)
        from db.backup import backup_sqlite
        from desktop.widgets.task_progress import run_with_progress

        handle = run_with_progress(
            self,
            "Backup",
            lambda _p: backup_sqlite(register, path),
            label="Copying the register...",
            cancellable=False,
        )
        handle.succeeded.connect(
            lambda _info: self.statusBar().showMessage(f"Backed up to {path}", 8000)
        )
        handle.failed.connect(lambda msg: QMessageBox.warning(self, "Backup failed", msg))

    def open_settings(self) -> None:
        from desktop.dialogs.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.context, self)
        if dialog.exec():
            self.context.notify_changed()  # bands or names may change what views show

    def briefing_pack(self) -> None:
        from desktop.dialogs.briefing_dialog import open_briefing_dialog

        open_briefing_dialog(self.context, self)

    def about(self) -> None:
        QMessageBox.about(
            self,
            f"About {PRODUCT_NAME}",
            f"<h3>{html.escape(PRODUCT_NAME)} {html.escape(__version__)}</h3>"
            "<p>Partnerships, the reputational risks they create, the criticism they draw, "
            "and briefing packs marked with the right classification.</p>"
            "<p>Classification labels are handling marks for this tracker's own content; "
            "it is not an accredited system for classified information.</p>",
        )

    # ------------------------------------------------------------------ status and refresh

    def _register_is_empty(self) -> bool:
        from db.queries.registers import register_is_empty

        try:
            with self.context.register.session() as session:
                return register_is_empty(session)
        except Exception:  # noqa: BLE001 - a read error shows in the views instead
            return False

    def _update_status(self) -> None:
        self.database_label.setText(
            f"Register: {self.context.register.display_name()} \u2014 {self.context.describe_user()}"
        )
        self.database_label.setToolTip(self.context.register.display_name())
        self._count_records()

    def _count_records(self) -> None:
        from db import repository
        from desktop.background_reads import run_background_read

        register = self.context.register

        def job(token: Any) -> dict[str, int]:
            # Gives way to the rows of a sort or search (desktop.background_reads).
            from sqlmodel import Session

            with (
                Session(register.background_engine) as session,
                token.watching(session),
            ):
                counts = {}
                for kind in repository.KINDS:
                    token.check()
                    counts[kind] = repository.count(session, kind)
                return counts

        def start() -> None:  # full counts wait for the window's first paint
            self._counts_handle = run_background_read(
                job,
                title="counts",
                done=self._show_counts,
                wanted=lambda: register is self.context.register,
            )

        from desktop.paint_gate import after_first_paint

        after_first_paint(start)

    def _show_counts(self, counts: dict[str, int]) -> None:
        order = ("risk", "event", "partnership", "stakeholder", "action")
        parts = []
        for kind in order:
            n = counts.get(kind, 0)
            noun = REGISTER_PAGE[kind].lower() if n != 1 else kind
            parts.append(f"{n:,} {noun}")
        self.counts_label.setText("  |  ".join(parts))
        self.last_counts = counts

    def _data_changed(self) -> None:
        self._count_records()
        self._update_actions()

    def _register_changed(self) -> None:
        self.context.settings.last_database = describe_target(self.context.register.url)
        self._update_status()
        if self._register_is_empty():
            self.show_welcome()
        elif self.on_welcome():
            self.leave_welcome()

    # ------------------------------------------------------------------ window state

    def _restore_window_state(self) -> None:
        settings = self.context.settings
        geometry = settings.get(keys.WINDOW_GEOMETRY)
        if geometry:
            self.restoreGeometry(QByteArray(geometry))
        else:
            self.resize(1280, 800)
        state = settings.get(keys.WINDOW_STATE)
        if state:
            self.restoreState(QByteArray(state))

    def save_window_state(self) -> None:
        settings = self.context.settings
        settings.set(keys.WINDOW_GEOMETRY, bytes(self.saveGeometry().data()))
        settings.set(keys.WINDOW_STATE, bytes(self.saveState().data()))
        settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.change_watcher.stop()
        self.save_window_state()
        super().closeEvent(event)
