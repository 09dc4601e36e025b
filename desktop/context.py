"""The application context handed to every view, dialog and command of the GUI.

One object, created by the composition root (``desktop.app``), holds what the
screens share: the open register, the settings, the undo stack, the register's
matrix bands and the one ``data_changed`` signal that tells every view to refresh
after a write (views never call each other).  Views that want a record opened for editing emit
``edit_requested`` (``new_requested`` for a new one); the main window decides what to do with it.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from db.engine import Register
from db.identity import shown_actor
from db.register_settings import register_bands, set_register_bands
from db.scales import Bands
from db.team import Standing, standing
from desktop.settings import Settings


class AppContext(QObject):
    data_changed = Signal()  # any record was created, changed or deleted (by anyone)
    register_changed = Signal()  # another register was opened
    edit_requested = Signal(str, int)  # kind ("risk", ...), record id
    new_requested = Signal(str)  # kind: open the form for a new record of that kind
    show_requested = Signal(str, int)  # kind, record id: select it in its register view
    # kind, a db.queries.registers.RegisterFilter, words for it: a dashboard figure clicked
    figure_requested = Signal(str, object, str)

    def __init__(self, register: Register, settings: Settings, parent: QObject | None = None):
        super().__init__(parent)
        self._register = register
        self.settings = settings
        self.undo_stack = QUndoStack(self)
        self._bands: Bands | None = None
        self._standing: Standing | None = None
        # Connected first, so the bands are read afresh before any view refreshes.
        self.data_changed.connect(self._forget_bands)

    @property
    def register(self) -> Register:
        return self._register

    def set_register(self, register: Register) -> None:
        old = self._register
        self._register = register
        self._bands = None
        self._standing = None
        self.undo_stack.clear()
        self.register_changed.emit()
        self.data_changed.emit()
        if old is not register:
            old.dispose()

    @property
    def actor(self) -> str:
        """Display name written into the audit trail."""
        if self.settings.display_name:
            return self.settings.display_name
        import getpass

        try:
            return getpass.getuser()
        except Exception:  # pragma: no cover - no user database on the machine
            return "user"

    @property
    def standing(self) -> Standing:
        """Who the register knows this user as, their role and clearance (read once per
        register; the database enforces them, the screens only show them)."""
        if self._standing is None:
            with self._register.session() as session:
                self._standing = standing(session)
        return self._standing

    def forget_standing(self) -> None:
        """Read the role and clearance again (after an officer changed the team)."""
        self._standing = None

    def describe_user(self) -> str:
        """``jsmith (Jane Smith): editor, cleared up to RESTRICTED``: the login first,
        the display name beside it."""
        me = self.standing
        shown = shown_actor(me.name, self.settings.display_name)
        return me.describe().replace(me.name, shown, 1)

    def notify_changed(self) -> None:
        self.data_changed.emit()

    # ------------------------------------------------------------ the register's bands

    @property
    def bands(self) -> Bands:
        """The open register's matrix bands (read once, again after any change)."""
        if self._bands is None:
            with self._register.session() as session:
                self._bands = register_bands(session)
        return self._bands

    def set_bands(self, bands: Bands) -> bool:
        """Give the register new bands (audited; every member sees them); False if unchanged."""
        with self._register.write() as session:
            changed = set_register_bands(session, bands, actor=self.actor)
        if changed:
            self.notify_changed()
        return changed

    def _forget_bands(self) -> None:
        self._bands = None
