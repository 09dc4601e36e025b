"""The theme chosen in Settings: applied as soon as it is picked, kept by OK, undone by Cancel."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from desktop.dialogs.settings_dialog import SettingsDialog
from desktop.settings import THEME, Settings
from desktop.widgets.theme import THEMES, apply_theme, is_dark


def app_palette() -> QPalette:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    return app.palette()


@pytest.fixture(autouse=True)
def system_theme_after() -> Iterator[None]:
    """Whatever a test picks, the next test starts on the system's palette."""
    yield
    apply_theme("system")


def dialog(qtbot: Any, context: Any) -> SettingsDialog:
    d = SettingsDialog(context)
    qtbot.addWidget(d)
    return d


def pick(d: SettingsDialog, theme: str) -> None:
    index = d.theme_combo.findData(theme)
    assert index >= 0, theme
    d.theme_combo.setCurrentIndex(index)


def stored_theme(context: Any) -> str:
    """The theme as a fresh reader of the settings file sees it."""
    context.settings.sync()
    fresh = Settings(QSettings(context.settings.qsettings.fileName(), QSettings.Format.IniFormat))
    return str(fresh.get(THEME))


def test_the_combo_offers_every_theme_and_starts_on_the_saved_one(qtbot: Any, context: Any) -> None:
    d = dialog(qtbot, context)
    assert [d.theme_combo.itemData(i) for i in range(d.theme_combo.count())] == [
        value for value, _text in THEMES
    ]
    assert d.theme_combo.currentData() == "system"  # the default
    context.settings.set(THEME, "dark")
    assert dialog(qtbot, context).theme_combo.currentData() == "dark"


def test_picking_a_theme_changes_the_palette_at_once_and_ok_keeps_it(
    qtbot: Any, context: Any
) -> None:
    system_palette = QPalette(app_palette())
    d = dialog(qtbot, context)
    pick(d, "dark")
    assert is_dark(app_palette())  # before OK: the user sees what they pick
    assert stored_theme(context) == "system"  # not kept yet
    pick(d, "light")
    assert not is_dark(app_palette())
    pick(d, "dark")
    assert is_dark(app_palette())
    d.accept()
    assert d.result() == SettingsDialog.DialogCode.Accepted
    assert stored_theme(context) == "dark"
    assert is_dark(app_palette())
    # The next time the dialog opens it shows the kept theme; "system" goes back to the
    # palette the application had before any theme was forced.
    d2 = dialog(qtbot, context)
    assert d2.theme_combo.currentData() == "dark"
    pick(d2, "system")
    assert app_palette().color(QPalette.ColorRole.Window) == system_palette.color(
        QPalette.ColorRole.Window
    )
    d2.accept()
    assert stored_theme(context) == "system"


def test_cancel_goes_back_to_the_kept_theme(qtbot: Any, context: Any) -> None:
    context.settings.set(THEME, "light")
    apply_theme("light")
    d = dialog(qtbot, context)
    pick(d, "dark")
    assert is_dark(app_palette())
    d.reject()
    assert not is_dark(app_palette())
    assert stored_theme(context) == "light"


def test_the_dark_palette_reaches_open_widgets(qtbot: Any, context: Any) -> None:
    """A widget already on screen takes the new colours (nothing caches the old ones)."""
    d = dialog(qtbot, context)
    d.show()
    pick(d, "dark")
    qtbot.waitUntil(lambda: is_dark(d.palette()) and is_dark(d.theme_combo.palette()))
    pick(d, "light")
    qtbot.waitUntil(lambda: not is_dark(d.palette()) and not is_dark(d.theme_combo.palette()))
