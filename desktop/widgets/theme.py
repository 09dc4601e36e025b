"""Light or dark: follow the desktop by default; the user may force one (setting ``window/theme``).

Everything the app draws takes its colours from the palette roles, so switching the
palette is all a theme needs.  Qt follows the desktop's colour scheme by itself on
Windows, macOS, GNOME and KDE; forcing one asks Qt first and, where the platform
cannot switch (a bare X server), sets an equivalent palette on the Fusion style.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def dark_palette() -> QPalette:
    p = QPalette()
    window, base, text = QColor(50, 50, 54), QColor(32, 32, 35), QColor(230, 230, 230)
    disabled = QColor(135, 135, 140)
    roles = {
        QPalette.ColorRole.Window: window,
        QPalette.ColorRole.WindowText: text,
        QPalette.ColorRole.Base: base,
        QPalette.ColorRole.AlternateBase: QColor(40, 40, 43),
        QPalette.ColorRole.ToolTipBase: QColor(60, 60, 64),
        QPalette.ColorRole.ToolTipText: text,
        QPalette.ColorRole.PlaceholderText: disabled,
        QPalette.ColorRole.Text: text,
        QPalette.ColorRole.Button: QColor(62, 62, 66),
        QPalette.ColorRole.ButtonText: text,
        QPalette.ColorRole.BrightText: QColor(255, 90, 90),
        QPalette.ColorRole.Light: QColor(95, 95, 100),
        QPalette.ColorRole.Midlight: QColor(62, 62, 65),
        QPalette.ColorRole.Mid: QColor(50, 50, 53),
        QPalette.ColorRole.Dark: QColor(25, 25, 27),
        QPalette.ColorRole.Shadow: QColor(10, 10, 10),
        QPalette.ColorRole.Highlight: QColor(42, 110, 187),
        QPalette.ColorRole.HighlightedText: QColor(255, 255, 255),
        QPalette.ColorRole.Link: QColor(110, 170, 255),
        QPalette.ColorRole.LinkVisited: QColor(190, 150, 255),
    }
    for role, colour in roles.items():
        p.setColor(role, colour)
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        p.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return p


# The choices offered in Settings, in order: the stored value and its label.
THEMES: tuple[tuple[str, str], ...] = (
    ("system", "Follow the system"),
    ("light", "Light"),
    ("dark", "Dark"),
)

# The style and palette the application had before a theme was forced: what
# ``system`` goes back to when the user switches back while the app runs.
_before_forcing: tuple[str, QPalette] | None = None


def apply_theme(theme: str) -> None:
    """Apply ``system``, ``light`` or ``dark`` to the running application."""
    global _before_forcing
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    hints = QGuiApplication.styleHints()
    if theme not in ("light", "dark"):
        hints.unsetColorScheme()
        if _before_forcing is not None:
            style, palette = _before_forcing
            _before_forcing = None
            app.setStyle(style)
            app.setPalette(palette)
        return
    if _before_forcing is None:
        _before_forcing = (app.style().name(), QPalette(app.palette()))
    want_dark = theme == "dark"
    hints.setColorScheme(Qt.ColorScheme.Dark if want_dark else Qt.ColorScheme.Light)
    if is_dark(app.palette()) == want_dark:
        return
    app.setStyle("Fusion")
    palette = dark_palette() if want_dark else app.style().standardPalette()
    app.setPalette(palette)
