"""The user's settings: every QSettings key declared once, with its type and default.

Each key is a ``SettingKey`` below; nothing else in the app spells a settings name.
``Settings`` reads and writes them through one ``QSettings`` object (which tests
replace by one in a temporary folder, see ``tests/gui/conftest.py``).

Typed accessors (``settings.display_name``, ``settings.marking_prefix``...) exist for the
values the app reads often; the generic ``get``/``set`` work for every key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QByteArray, QSettings
from sqlalchemy.exc import SQLAlchemyError

from db.classification import DEFAULT_LEVEL, Classification, parse_level
from db.engine import Register
from db.errors import RegisterError
from db.register_settings import register_bands, set_register_bands
from db.scales import DEFAULT_BANDS, Bands

ORGANISATION = "stakeholder-risk-tracker"
APPLICATION = "risk-tracker"

T = TypeVar("T")


@dataclass(frozen=True)
class SettingKey(Generic[T]):
    name: str  # the QSettings key
    type: type
    default: T
    doc: str


DISPLAY_NAME: SettingKey[str] = SettingKey(
    "user/display_name", str, "", "name written into the audit trail (blank: the login name)"
)
MARKING_PREFIX: SettingKey[str] = SettingKey(
    "briefing/marking_prefix", str, "", "shown before the level on banners, e.g. NATO"
)
DEFAULT_CEILING: SettingKey[str] = SettingKey(
    "briefing/default_ceiling", str, DEFAULT_LEVEL.value, "ceiling proposed for new briefing packs"
)
BANDS: SettingKey[str] = SettingKey(
    "matrix/bands",
    str,
    "",
    "earlier versions' per-user matrix bands 'low,medium,high': the bands now live in the "
    "register; adopt_old_bands moves this value there once and removes it",
)
LAST_DATABASE: SettingKey[str] = SettingKey(
    "files/last_database", str, "", "register opened last (path or URL without password)"
)
LAST_IMPORT_FOLDER: SettingKey[str] = SettingKey(
    "files/last_import_folder", str, "", "folder of the last imported file"
)
LAST_EXPORT_FOLDER: SettingKey[str] = SettingKey(
    "files/last_export_folder", str, "", "folder of the last exported file or backup"
)
WINDOW_GEOMETRY: SettingKey[bytes] = SettingKey(
    "window/geometry", bytes, b"", "main window geometry (QWidget.saveGeometry)"
)
WINDOW_STATE: SettingKey[bytes] = SettingKey(
    "window/state", bytes, b"", "toolbars and docks (QMainWindow.saveState)"
)
LAST_BRIEFING_FOLDER: SettingKey[str] = SettingKey(
    "files/last_briefing_folder", str, "", "folder the last briefing pack was saved in"
)
BRIEFING_LOCATIONS: SettingKey[str] = SettingKey(
    "briefing/pack_locations",
    str,
    "",
    "where packs were saved on this machine: JSON {sha256: path}",
)
LAST_VIEW: SettingKey[str] = SettingKey("window/last_view", str, "", "title of the page shown last")
THEME: SettingKey[str] = SettingKey(
    "window/theme", str, "system", "'system' follows the desktop's light or dark palette"
)
POLL_SECONDS: SettingKey[int] = SettingKey(
    "sync/poll_seconds", int, 3, "how often to look for changes made by other users (0: never)"
)

ALL_KEYS: tuple[SettingKey[Any], ...] = (
    DISPLAY_NAME,
    MARKING_PREFIX,
    DEFAULT_CEILING,
    BANDS,
    LAST_DATABASE,
    LAST_IMPORT_FOLDER,
    LAST_EXPORT_FOLDER,
    LAST_BRIEFING_FOLDER,
    BRIEFING_LOCATIONS,
    WINDOW_GEOMETRY,
    WINDOW_STATE,
    LAST_VIEW,
    THEME,
    POLL_SECONDS,
)


def _coerce(key: SettingKey[T], raw: Any) -> T:
    """Turn what QSettings hands back (often a string from an ini file) into ``key.type``."""
    if raw is None:
        return key.default
    try:
        if key.type is bytes:
            if isinstance(raw, QByteArray):
                return bytes(raw.data())  # type: ignore[return-value]
            if isinstance(raw, (bytes, bytearray)):
                return bytes(raw)  # type: ignore[return-value]
            return key.default
        if key.type is bool:
            if isinstance(raw, str):
                return raw.strip().lower() in ("1", "true", "yes", "on")  # type: ignore[return-value]
            return bool(raw)  # type: ignore[return-value]
        if key.type is int:
            return int(raw)  # type: ignore[return-value]
        if key.type is str:
            return str(raw)  # type: ignore[return-value]
    except (TypeError, ValueError):
        return key.default
    return raw  # type: ignore[no-any-return]


class Settings:
    """Typed access to the user's settings."""

    def __init__(self, qsettings: QSettings | None = None):
        self.qsettings = qsettings if qsettings is not None else default_qsettings()

    # ------------------------------------------------------------ generic

    def get(self, key: SettingKey[T]) -> T:
        return _coerce(key, self.qsettings.value(key.name, None))

    def set(self, key: SettingKey[T], value: T) -> None:
        if isinstance(value, bytes | bytearray):
            self.qsettings.setValue(key.name, QByteArray(bytes(value)))
        else:
            self.qsettings.setValue(key.name, value)

    def reset(self, key: SettingKey[Any]) -> None:
        self.qsettings.remove(key.name)

    def sync(self) -> None:
        self.qsettings.sync()

    @property
    def file_name(self) -> str:
        return self.qsettings.fileName()

    # ------------------------------------------------------------ typed accessors

    @property
    def display_name(self) -> str:
        return self.get(DISPLAY_NAME).strip()

    @display_name.setter
    def display_name(self, value: str) -> None:
        self.set(DISPLAY_NAME, value.strip())

    @property
    def marking_prefix(self) -> str:
        return self.get(MARKING_PREFIX).strip()

    @marking_prefix.setter
    def marking_prefix(self, value: str) -> None:
        self.set(MARKING_PREFIX, value.strip())

    @property
    def default_ceiling(self) -> Classification:
        try:
            return parse_level(self.get(DEFAULT_CEILING))
        except ValueError:
            return parse_level(DEFAULT_CEILING.default)

    @default_ceiling.setter
    def default_ceiling(self, value: Classification | str) -> None:
        self.set(DEFAULT_CEILING, parse_level(value).value)

    @property
    def old_bands(self) -> Bands | None:
        """The per-user bands an earlier version saved (None if none, or unreadable)."""
        try:
            return Bands.from_text(self.get(BANDS)) if self.get(BANDS) else None
        except ValueError:
            return None

    @property
    def last_database(self) -> str:
        return self.get(LAST_DATABASE)

    @last_database.setter
    def last_database(self, value: str) -> None:
        self.set(LAST_DATABASE, value)

    @property
    def last_import_folder(self) -> str:
        return self.get(LAST_IMPORT_FOLDER)

    @last_import_folder.setter
    def last_import_folder(self, value: str) -> None:
        self.set(LAST_IMPORT_FOLDER, value)

    @property
    def last_export_folder(self) -> str:
        return self.get(LAST_EXPORT_FOLDER)

    @last_export_folder.setter
    def last_export_folder(self, value: str) -> None:
        self.set(LAST_EXPORT_FOLDER, value)

    @property
    def poll_seconds(self) -> int:
        return max(0, self.get(POLL_SECONDS))


def adopt_old_bands(settings: Settings, register: Register, actor: str) -> Bands | None:
    """Move the per-user bands of an earlier version into the register, once.

    The bands are adopted only by a register that still has the default bands (the
    first one opened after the update); a register whose bands were set keeps them.
    Either way the user's old value is then removed, so it is never applied again.
    Returns the bands adopted, if any.  If the register cannot be written (read-only,
    a reader's login), nothing changes and the next start tries again.
    """
    old = settings.old_bands
    if old is None:
        if settings.get(BANDS):
            settings.reset(BANDS)  # unreadable: nothing to adopt
        return None
    adopted: Bands | None = None
    try:
        with register.write() as session:
            if register_bands(session) == DEFAULT_BANDS and old != DEFAULT_BANDS:
                set_register_bands(session, old, actor=actor)
                adopted = old
    except (RegisterError, SQLAlchemyError):
        return None
    settings.reset(BANDS)
    return adopted


def default_qsettings() -> QSettings:
    """The user's settings file (an ini file in the user's config folder on every OS)."""
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION, APPLICATION
    )
